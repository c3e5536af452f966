//! Tables for every front end: all pages of a collection, exports to CSV/Excel, and search,
//! each through the instance's live session.

use super::{now_secs, Workspace};
use crate::search::{ObjectRef, SearchResults};
use crate::table::export::{request_text, ExportAbout, ExportFormat, ExportResult, Exporter};
use crate::table::fetch_all::{fetch_all_pages, FetchSummary, Page, PageProgress};
use crate::table::shape::{collection_info, is_grid, to_table};
use crate::Result;
use serde_json::Value;
use std::path::Path;
use tokio_util::sync::CancellationToken;

/// What to export.
#[derive(Debug, Clone)]
pub struct ExportSpec<'a> {
    /// API path.
    pub path: &'a str,
    /// Query parameters.
    pub query: &'a [(String, String)],
    /// Follow the pager and export every page.
    pub all_pages: bool,
    /// CSV or Excel.
    pub format: ExportFormat,
}

/// Progress of an export: `(stage, rows)`, the stage being "fetching" then "writing".
pub type ExportProgressFn<'a> = &'a (dyn Fn(ExportStage, u64, Option<u64>) + Send + Sync);

/// The two halves of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportStage {
    /// Rows are arriving from the server.
    Fetching,
    /// The file is being written.
    Writing,
}

fn fields_of(query: &[(String, String)]) -> Option<&str> {
    query
        .iter()
        .find(|(k, _)| k == "fields")
        .map(|(_, v)| v.as_str())
}

impl Workspace {
    /// Every page of the collection at `path` on instance `id`, each handed to `on_page`.
    pub async fn fetch_all(
        &self,
        id: &str,
        path: &str,
        query: &[(String, String)],
        progress: &(dyn Fn(&PageProgress) + Send + Sync),
        cancel: Option<&CancellationToken>,
        on_page: impl FnMut(Page) -> Result<()>,
    ) -> Result<FetchSummary> {
        let session = self.request_session(id).await?;
        let result = fetch_all_pages(&session.client, path, query, progress, cancel, on_page).await;
        if let Err(e) = &result {
            self.credentials.observe_error(id, e);
        }
        result
    }

    /// Exports the answer to `spec` (one page, or every page) from instance `id` to `target`.
    /// The file is written beside `target` and renamed into place only when complete, so a
    /// failure or cancel leaves no half file.
    pub async fn export(
        &self,
        id: &str,
        spec: ExportSpec<'_>,
        target: &Path,
        progress: ExportProgressFn<'_>,
        cancel: Option<&CancellationToken>,
    ) -> Result<ExportResult> {
        let inst = self.instance(id).await?;
        let fields = fields_of(spec.query);
        let exporter = if spec.all_pages {
            let mut exporter: Option<Exporter> = None;
            let summary = self
                .fetch_all(
                    id,
                    spec.path,
                    spec.query,
                    &|p: &PageProgress| progress(ExportStage::Fetching, p.items, p.total),
                    cancel,
                    |page: Page| {
                        let e = match exporter.as_mut() {
                            Some(e) => e,
                            None => exporter.insert(Exporter::new(&page.key, fields)?),
                        };
                        e.push_objects(&page.items)
                    },
                )
                .await?;
            match exporter {
                Some(e) => e,
                None => Exporter::new(&summary.key, fields)?,
            }
        } else {
            let raw = self.get(id, spec.path, spec.query, None, cancel).await?;
            let session = self.session(id).await?;
            session.client.check(&raw)?;
            let value: Value = raw.json()?;
            let mut exporter;
            match value.as_object() {
                Some(obj) if !is_grid(obj) && collection_info(obj).is_some() => {
                    let info = collection_info(obj).expect("checked");
                    exporter = Exporter::new(&info.key, fields)?;
                    if let Some(Value::Array(items)) = obj.get(&info.key) {
                        exporter.push_objects(items)?;
                    }
                }
                _ => {
                    let table = to_table(&value);
                    exporter = Exporter::new(&table.name, fields)?;
                    exporter.push_table(&table)?;
                }
            }
            progress(
                ExportStage::Fetching,
                exporter.rows(),
                Some(exporter.rows()),
            );
            exporter
        };
        if cancel.is_some_and(CancellationToken::is_cancelled) {
            return Err(crate::Error::new(crate::ErrorKind::Cancelled, "Stopped."));
        }
        let about = ExportAbout {
            instance: inst.name.clone(),
            server: inst.base_url.clone(),
            request: request_text(spec.path, spec.query),
            user: self.user(id).map(|u| {
                if u.display_name == u.username {
                    u.username
                } else {
                    format!("{} ({})", u.display_name, u.username)
                }
            }),
            exported_at: now_secs(),
        };
        let total = exporter.rows();
        let target = target.to_owned();
        let format = spec.format;
        // Writing is blocking file work: keep it off the async threads.
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<u64>();
        let writer = tokio::task::spawn_blocking(move || {
            exporter.finish(format, &target, &about, &|n| {
                let _ = tx.send(n);
            })
        });
        let forward = async {
            while let Some(n) = rx.recv().await {
                progress(ExportStage::Writing, n, Some(total));
            }
        };
        let (written, ()) = tokio::join!(writer, forward);
        written.map_err(|e| {
            crate::Error::new(
                crate::ErrorKind::Internal,
                "The export stopped unexpectedly.",
            )
            .with_source(e)
        })?
    }

    /// Searches instance `id` for `text` (see [`crate::search::search`]).
    pub async fn search(&self, id: &str, text: &str) -> Result<SearchResults> {
        let session = self.request_session(id).await?;
        let result = crate::search::search(&session.client, text).await;
        if let Err(e) = &result {
            self.credentials.observe_error(id, e);
        }
        result
    }

    /// What object `uid` is on instance `id`.
    pub async fn identify(&self, id: &str, uid: &str) -> Result<ObjectRef> {
        let session = self.request_session(id).await?;
        crate::search::identify(&session.client, uid).await
    }
}

impl Workspace {
    /// The instance's API paths (`/api/resources`), for the path autocomplete.
    pub async fn resource_paths(&self, id: &str) -> Result<Vec<crate::ResourcePath>> {
        let session = self.request_session(id).await?;
        let result = session.client.resource_paths().await;
        if let Err(e) = &result {
            self.credentials.observe_error(id, e);
        }
        result
    }
}
