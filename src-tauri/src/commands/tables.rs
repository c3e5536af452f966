//! Table commands: every page of a collection, exports to CSV/Excel, search, and "what is this
//! UID?". Each one translates to the core's [`dhis2w_client::Workspace`].

use crate::dto::{
    events, BrowseMeta, BrowseRequest, ExportProgress, ExportRequest, ExportResult,
    FetchAllProgress, ObjectRef, SearchResults,
};
use crate::state::AppState;
use dhis2w_client::table::export::suggested_file_name;
use dhis2w_client::table::fetch_all::{MergedJson, Page, PageProgress};
use dhis2w_client::workspace::{ExportSpec, ExportStage};
use dhis2w_client::Result;
use std::time::Instant;
use tauri::ipc::Response;
use tauri::{AppHandle, Emitter, Runtime, State};

/// `browse_get_all`: every page of a paged collection, merged into one collection, framed as
/// by `browse_get`. Streams `browse-all-progress`; `browse_cancel` stops it.
#[tauri::command]
pub async fn browse_get_all<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    request: BrowseRequest,
) -> Result<Response> {
    let inst = state.instance(&request.instance_id).await?;
    let cancel = state.begin_request(&request.request_id);
    let started = Instant::now();
    let request_id = request.request_id.clone();
    let progress_app = app.clone();
    let progress = move |p: &PageProgress| {
        let _ = progress_app.emit(
            events::BROWSE_ALL_PROGRESS,
            FetchAllProgress {
                request_id: request_id.clone(),
                page: p.page,
                page_count: p.page_count,
                items: p.items,
                total: p.total,
            },
        );
    };
    let mut merged = MergedJson::new();
    let result = state
        .fetch_all(
            &inst.id,
            &request.path,
            &request.query,
            &progress,
            Some(&cancel),
            |page: Page| merged.push(&page),
        )
        .await;
    state.end_request(&request.request_id);
    super::session::notify_auth_failure(&app, &state, &inst.id, &result).await;
    let summary = result?;
    if let Err(e) = state.history().record(
        &inst.id,
        &request.path,
        &request.query,
        200,
        super::now_secs(),
    ) {
        tracing::warn!(error = %e, "could not record the request in the history");
    }
    let body = merged.finish(&summary.key);
    let meta = BrowseMeta {
        status: 200,
        headers: vec![("content-type".into(), "application/json".into())],
        elapsed_ms: started.elapsed().as_millis() as u64,
        size_bytes: body.len() as u64,
        content_type: Some("application/json".into()),
        url: super::browse::redact_url(&summary.first_url),
        body_url: None,
    };
    super::browse::answer(&state, meta, body).await
}

/// `export_table`: asks where to save (proposing `organisationUnits-sierra-leone-2026-11-30.xlsx`),
/// then exports one page or every page to CSV or Excel in Rust, streaming to disk. Streams
/// `export-progress`; `browse_cancel` stops it. `null` when the user cancelled the dialog.
#[tauri::command]
pub async fn export_table<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    request: ExportRequest,
) -> Result<Option<ExportResult>> {
    let inst = state.instance(&request.instance_id).await?;
    let name = suggested_file_name(&request.path, &inst.name, super::now_secs(), request.format);
    let Some(target) = super::browse::choose_save_path(&app, &state, &name).await? else {
        return Ok(None);
    };
    let cancel = state.begin_request(&request.request_id);
    let throttle = super::ProgressThrottle::new();
    let request_id = request.request_id.clone();
    let progress_app = app.clone();
    let progress = move |stage: ExportStage, rows: u64, total: Option<u64>| {
        let done = stage == ExportStage::Writing && total == Some(rows);
        if throttle.ready(done) {
            let _ = progress_app.emit(
                events::EXPORT_PROGRESS,
                ExportProgress {
                    request_id: request_id.clone(),
                    rows,
                    total,
                },
            );
        }
    };
    let result = state
        .export(
            &inst.id,
            ExportSpec {
                path: &request.path,
                query: &request.query,
                all_pages: request.all_pages,
                format: request.format,
            },
            &target,
            &progress,
            Some(&cancel),
        )
        .await;
    state.end_request(&request.request_id);
    super::session::notify_auth_failure(&app, &state, &inst.id, &result).await;
    result.map(Some)
}

/// `search_objects`: data elements, indicators, data sets, programs, org units, category
/// options and users whose name, code or UID matches `text`, grouped by kind.
#[tauri::command]
pub async fn search_objects<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    instance_id: String,
    text: String,
) -> Result<SearchResults> {
    let result = state.search(&instance_id, &text).await;
    super::session::notify_auth_failure(&app, &state, &instance_id, &result).await;
    result
}

/// `identify_object`: what kind of object `uid` is, and its API path.
#[tauri::command]
pub async fn identify_object(
    state: State<'_, AppState>,
    instance_id: String,
    uid: String,
) -> Result<ObjectRef> {
    state.identify(&instance_id, &uid).await
}
