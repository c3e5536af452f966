//! Analytics through the instance's live session: the typed query becomes the request, the
//! answer becomes the pivoted table, and E7xxx answers become plain words.

use super::{now_secs, Workspace};
use crate::analytics::{analytics_error, AnalyticsQuery, AnalyticsResponse};
use crate::table::export::{request_text, ExportAbout, ExportFormat, ExportResult, Exporter};
use crate::table::shape::TableData;
use crate::{Error, ErrorKind, Result};
use std::path::Path;
use tokio_util::sync::CancellationToken;

/// The analytics path (the newest API version on every supported server).
pub const ANALYTICS_PATH: &str = "/api/analytics";

/// A finished analytics run.
#[derive(Debug, Clone)]
pub struct AnalyticsRun {
    /// The request sent: path and query (no credential is ever part of it).
    pub request: String,
    /// The full URL, for "copy as curl".
    pub url: String,
    /// DHIS2's answer.
    pub response: AnalyticsResponse,
    /// The answer pivoted by the query's layout, names instead of ids.
    pub table: TableData,
}

impl Workspace {
    /// Runs `query` on instance `id`.
    pub async fn analytics(
        &self,
        id: &str,
        query: &AnalyticsQuery,
        cancel: Option<&CancellationToken>,
    ) -> Result<AnalyticsRun> {
        let params = query.to_query()?;
        let raw = self.get(id, ANALYTICS_PATH, &params, None, cancel).await?;
        let session = self.session(id).await?;
        if let Err(e) = session.client.check(&raw) {
            return Err(analytics_error(&raw.body, e));
        }
        let response: AnalyticsResponse = serde_json::from_slice(&raw.body).map_err(|e| {
            Error::new(
                ErrorKind::NotDhis2,
                "The server's analytics answer is not what DHIS2 sends. Check the address.",
            )
            .with_source(e)
        })?;
        let table = response.pivot(&query.layout()?, query.totals);
        Ok(AnalyticsRun {
            request: request_text(ANALYTICS_PATH, &params),
            url: crate::table::export::redact_url(&raw.url),
            response,
            table,
        })
    }

    /// Exports a table already built (an analytics run) to `target`.
    pub async fn export_table_data(
        &self,
        id: &str,
        table: &TableData,
        request: &str,
        format: ExportFormat,
        target: &Path,
    ) -> Result<ExportResult> {
        let inst = self.instance(id).await?;
        let mut exporter = Exporter::new(&table.name, None)?;
        exporter.push_table(table)?;
        let about = ExportAbout {
            instance: inst.name,
            server: inst.base_url,
            request: request.to_owned(),
            user: self.user(id).map(|u| u.username),
            exported_at: now_secs(),
        };
        let target = target.to_owned();
        tokio::task::spawn_blocking(move || exporter.finish(format, &target, &about, &|_| {}))
            .await
            .map_err(|e| {
                Error::new(ErrorKind::Internal, "The export stopped unexpectedly.").with_source(e)
            })?
    }
}
