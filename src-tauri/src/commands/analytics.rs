//! Analytics and saved-question commands: the UI sends the typed query, never a URL.

use crate::dto::{AnalyticsCompare, AnalyticsRunResult, ExportFormat, ExportResult};
use crate::state::AppState;
use dhis2w_client::analytics::AnalyticsQuery;
use dhis2w_client::history::{render_curl, CurlAuth};
use dhis2w_client::saved::SavedQuestion;
use dhis2w_client::table::export::suggested_file_name;
use dhis2w_client::table::shape::grid_json;
use dhis2w_client::workspace::{compare_tables, AnalyticsRun, PreparedQuery, ANALYTICS_PATH};
use dhis2w_client::{Error, ErrorKind, Result};
use std::path::PathBuf;
use tauri::{AppHandle, Runtime, State};

async fn result_of(state: &AppState, id: &str, run: &AnalyticsRun) -> Result<AnalyticsRunResult> {
    let inst = state.instance(id).await?;
    let auth = CurlAuth::for_instance(&inst);
    let url = url::Url::parse(&run.url).map_err(|e| {
        Error::new(
            ErrorKind::Internal,
            "The request address could not be shown.",
        )
        .with_source(e)
    })?;
    Ok(AnalyticsRunResult {
        instance_id: id.to_owned(),
        request: run.request.clone(),
        url: run.url.clone(),
        curl: render_curl(&url, &auth),
        rows: run.table.rows.len() as u64,
        grid: grid_json(&run.table),
    })
}

/// `analytics_run`: runs the typed query; the result is a grid with names, ready for the
/// table view.
#[tauri::command]
pub async fn analytics_run<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    instance_id: String,
    query: AnalyticsQuery,
) -> Result<AnalyticsRunResult> {
    let run = state.analytics(&instance_id, &query, None).await;
    super::session::notify_auth_failure(&app, &state, &instance_id, &run).await;
    result_of(&state, &instance_id, &run?).await
}

/// `analytics_export`: runs the query and saves the table (names, not UIDs) as CSV or Excel;
/// `null` when the user cancelled the save dialog.
#[tauri::command]
pub async fn analytics_export<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    instance_id: String,
    query: AnalyticsQuery,
    format: ExportFormat,
) -> Result<Option<ExportResult>> {
    let inst = state.instance(&instance_id).await?;
    let name = suggested_file_name(ANALYTICS_PATH, &inst.name, super::now_secs(), format);
    let Some(target) = super::browse::choose_save_path(&app, &state, &name).await? else {
        return Ok(None);
    };
    let run = state.analytics(&instance_id, &query, None).await;
    super::session::notify_auth_failure(&app, &state, &instance_id, &run).await;
    let run = run?;
    state
        .export_table_data(&instance_id, &run.table, &run.request, format, &target)
        .await
        .map(Some)
}

/// `analytics_prepare`: the query made ready for another instance: missing items reported
/// by name, with a match by code or name where one exists.
#[tauri::command]
pub async fn analytics_prepare(
    state: State<'_, AppState>,
    instance_id: String,
    query: AnalyticsQuery,
) -> Result<PreparedQuery> {
    state.prepare_query(&instance_id, &query).await
}

/// `analytics_compare`: the same question on two instances, side by side, with the cells
/// that differ.
#[tauri::command]
pub async fn analytics_compare(
    state: State<'_, AppState>,
    left_instance_id: String,
    right_instance_id: String,
    query: AnalyticsQuery,
) -> Result<AnalyticsCompare> {
    let lp = state.prepare_query(&left_instance_id, &query).await?;
    let rp = state.prepare_query(&right_instance_id, &query).await?;
    let (l, r) = tokio::join!(
        state.analytics(&left_instance_id, &lp.query, None),
        state.analytics(&right_instance_id, &rp.query, None)
    );
    let (l, r) = (l?, r?);
    Ok(AnalyticsCompare {
        differences: compare_tables(&l.table, &r.table),
        left: result_of(&state, &left_instance_id, &l).await?,
        right: result_of(&state, &right_instance_id, &r).await?,
        left_missing: lp.missing,
        right_missing: rp.missing,
    })
}

/// `saved_list`: the saved questions, newest first.
#[tauri::command]
pub async fn saved_list(state: State<'_, AppState>) -> Result<Vec<SavedQuestion>> {
    state.saved().list()
}

/// `saved_save`: saves a new question (empty id) or replaces one.
#[tauri::command]
pub async fn saved_save(
    state: State<'_, AppState>,
    question: SavedQuestion,
) -> Result<SavedQuestion> {
    state.saved().save(question, super::now_secs())
}

/// `saved_delete`.
#[tauri::command]
pub async fn saved_delete(state: State<'_, AppState>, id: String) -> Result<Vec<SavedQuestion>> {
    let saved = state.saved();
    saved.delete(&id)?;
    saved.list()
}

/// `saved_export`: writes the questions `ids` (all when empty) to a JSON file to share;
/// returns its path, or `null` when the user cancelled the dialog.
#[tauri::command]
pub async fn saved_export<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    ids: Vec<String>,
) -> Result<Option<String>> {
    let name = format!(
        "dhis2w-questions-{}.json",
        dhis2w_client::table::iso_date(super::now_secs())
    );
    let Some(target) = super::browse::choose_save_path(&app, &state, &name).await? else {
        return Ok(None);
    };
    state.saved().export_to(&ids, &target)?;
    Ok(Some(target.display().to_string()))
}

/// `saved_import`: adds the questions of a shared file (`path`, or picked in a dialog when
/// `null`); returns the questions added.
#[tauri::command]
pub async fn saved_import<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    path: Option<String>,
) -> Result<Vec<SavedQuestion>> {
    let source: PathBuf = match path.filter(|p| !p.trim().is_empty()) {
        Some(p) => PathBuf::from(p),
        None => match ask_open_path(&app).await? {
            Some(p) => p,
            None => return Ok(vec![]),
        },
    };
    state.saved().import_from(&source, super::now_secs())
}

async fn ask_open_path<R: Runtime>(app: &AppHandle<R>) -> Result<Option<PathBuf>> {
    use tauri_plugin_dialog::DialogExt;
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog()
        .file()
        .add_filter("dhis2w questions", &["json"])
        .pick_file(move |path| {
            let _ = tx.send(path);
        });
    let picked = rx
        .await
        .map_err(|_| Error::new(ErrorKind::Internal, "The file dialog closed unexpectedly."))?;
    match picked {
        None => Ok(None),
        Some(p) => p.into_path().map(Some).map_err(|e| {
            Error::new(ErrorKind::InvalidInput, "That file cannot be opened.").with_source(e)
        }),
    }
}
