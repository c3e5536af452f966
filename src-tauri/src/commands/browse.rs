//! `browse_*` commands: the API browser, its history and "copy as curl".

use crate::dto::{events, BrowseMeta, BrowseProgress, BrowseRequest, HistoryEntry, ResourcePath};
use crate::state::AppState;
use async_trait::async_trait;
use dhis2w_client::history::{render_curl, CurlAuth};
use dhis2w_client::{AuthProvider, ClientOptions, Dhis2Client, Error, ErrorKind, Result};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;
use tauri::ipc::Response;
use tauri::{AppHandle, Emitter, Runtime, State};

/// Frames a response for the UI: the body unchanged, then `n` bytes of JSON [`BrowseMeta`],
/// then `n` as 4 bytes big-endian. The meta goes last so the body's buffer is reused as it is
/// (a large body is not copied again on its way to the webview; issue 13).
pub fn frame(meta: &BrowseMeta, body: impl Into<Vec<u8>>) -> Result<Vec<u8>> {
    let meta = serde_json::to_vec(meta).map_err(|e| {
        Error::new(
            ErrorKind::Internal,
            "Could not encode the response details.",
        )
        .with_source(e)
    })?;
    let n = u32::try_from(meta.len())
        .map_err(|_| Error::new(ErrorKind::Internal, "Response details too large."))?;
    let mut out: Vec<u8> = body.into();
    out.reserve_exact(meta.len() + 4);
    out.extend_from_slice(&meta);
    out.extend_from_slice(&n.to_be_bytes());
    Ok(out)
}

/// Answers from this size on travel to the webview over a one-time loopback address instead
/// of the IPC (see [`dhis2w_client::handoff`]); smaller ones are quicker inline.
pub const HANDOFF_FROM: usize = 1024 * 1024;

/// The command's answer for `meta` and `body`: framed inline when small, else the body is
/// offered at a loopback address named in `meta.body_url` and the frame carries no body.
pub async fn answer(
    state: &AppState,
    mut meta: BrowseMeta,
    body: impl Into<bytes::Bytes>,
) -> Result<Response> {
    let body: bytes::Bytes = body.into();
    if body.len() < HANDOFF_FROM {
        return Ok(Response::new(frame(&meta, body)?));
    }
    match state.handoff().await {
        Ok(handoff) => {
            meta.body_url = Some(handoff.offer(body));
            Ok(Response::new(frame(&meta, Vec::new())?))
        }
        // No local port: the slower way still works.
        Err(e) => {
            tracing::warn!(error = %e, "large answer sent through the IPC");
            Ok(Response::new(frame(&meta, body)?))
        }
    }
}

/// `browse_take`: a large answer's body by its `body_url`, through the IPC: the page's
/// fallback when it cannot reach the loopback address.
#[tauri::command]
pub async fn browse_take(state: State<'_, AppState>, body_url: String) -> Result<Response> {
    match state.handoff().await?.take(&body_url) {
        Some(body) => Ok(Response::new(Vec::from(body))),
        None => Err(Error::new(
            ErrorKind::NotFound,
            "That answer is no longer here. Send the request again.",
        )),
    }
}

/// `browse-progress` events for `request_id`, throttled (the last one always, when the size is
/// known), for the core's progress callbacks.
fn progress_events<R: Runtime>(
    app: &AppHandle<R>,
    request_id: &str,
) -> impl Fn(u64, Option<u64>) + Send + Sync + 'static {
    let throttle = super::ProgressThrottle::new();
    let app = app.clone();
    let request_id = request_id.to_owned();
    move |bytes, total| {
        if throttle.ready(total.is_some_and(|t| bytes >= t)) {
            let _ = app.emit(
                events::BROWSE_PROGRESS,
                BrowseProgress {
                    request_id: request_id.clone(),
                    bytes,
                    total,
                },
            );
        }
    }
}

/// `browse_get`: GET a path of the instance; raw bytes as framed by [`frame`]. Streams
/// `browse-progress`, can be stopped with `browse_cancel`, and records the request in the
/// instance's history.
#[tauri::command]
pub async fn browse_get<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    request: BrowseRequest,
) -> Result<Response> {
    let began = Instant::now();
    let inst = state.instance(&request.instance_id).await?;
    let session = state.session(&inst.id).await?;
    let cancel = state.begin_request(&request.request_id);
    let progress = progress_events(&app, &request.request_id);
    let view_limit = request
        .view_limit_mb
        .map(|mb| u64::from(mb.max(1)) * 1024 * 1024)
        .unwrap_or(dhis2w_client::download::DEFAULT_VIEW_LIMIT);
    let result = session
        .client
        .get_streaming_within(
            &request.path,
            &request.query,
            Some(&progress),
            Some(&cancel),
            Some(view_limit),
        )
        .await;
    state.end_request(&request.request_id);
    state
        .credentials()
        .observe(&inst.id, &request.path, &result);
    super::session::notify_auth_failure(&app, &state, &inst.id, &result).await;
    let raw = result?;
    let recorded = if request.record == Some(false) {
        Ok(())
    } else {
        state
            .history()
            .record(
                &inst.id,
                &request.path,
                &request.query,
                raw.status,
                super::now_secs(),
            )
            .map(|_| ())
    };
    if let Err(e) = recorded {
        tracing::warn!(error = %e, "could not record the request in the history");
    }
    let meta = BrowseMeta {
        status: raw.status,
        headers: redact_headers(raw.headers),
        elapsed_ms: raw.elapsed.as_millis() as u64,
        size_bytes: raw.body.len() as u64,
        content_type: raw.content_type,
        url: redact_url(&raw.url),
        body_url: None,
    };
    let size = raw.body.len();
    let answered = answer(&state, meta, raw.body).await;
    // Where a large Get spends its time: the request itself, and the command around it (`make
    // bench` reads this line; a line per large answer only, so the log is not filled by Gets).
    if size >= HANDOFF_FROM {
        tracing::info!(
            bytes = size,
            request_ms = raw.elapsed.as_millis() as u64,
            command_ms = began.elapsed().as_millis() as u64,
            "browse_get answered"
        );
    }
    answered
}

/// `browse_download`: "Save to file" for an answer too large to show. Asks where (the native
/// dialog), then streams the answer straight to disk with `browse-progress` (stop it with
/// `browse_cancel`); the body never passes through memory or the webview. `null` when the user
/// closed the dialog.
#[tauri::command]
pub async fn browse_download<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    request: BrowseRequest,
) -> Result<Option<crate::dto::DownloadResult>> {
    let inst = state.instance(&request.instance_id).await?;
    let suggested = format!(
        "{}.json",
        request
            .path
            .trim_start_matches('/')
            .trim_start_matches("api/")
            .split('?')
            .next()
            .unwrap_or("answer")
    );
    let Some(dest) = choose_save_path(&app, &state, &file_name(&suggested)).await? else {
        return Ok(None);
    };
    let cancel = state.begin_request(&request.request_id);
    let progress = progress_events(&app, &request.request_id);
    let result = state
        .workspace()
        .download(
            &inst.id,
            &request.path,
            &request.query,
            &dest,
            Some(&progress),
            Some(&cancel),
        )
        .await;
    state.end_request(&request.request_id);
    let done = result?;
    // The last chunk may fall inside the interval and the size may have been unknown: say
    // where it ended.
    let _ = app.emit(
        events::BROWSE_PROGRESS,
        BrowseProgress {
            request_id: request.request_id.clone(),
            bytes: done.bytes,
            total: Some(done.bytes),
        },
    );
    Ok(Some(crate::dto::DownloadResult {
        path: dest.display().to_string(),
        bytes: done.bytes,
    }))
}

/// Placeholder for values the webview must not see.
const REDACTED: &str = "[hidden by dhis2w Desktop]";

/// Response headers for the UI: session cookies (`Set-Cookie`) and anything carrying a
/// credential are replaced by a placeholder.
pub fn redact_headers(headers: Vec<(String, String)>) -> Vec<(String, String)> {
    headers
        .into_iter()
        .map(|(k, v)| {
            let lower = k.to_ascii_lowercase();
            if matches!(
                lower.as_str(),
                "set-cookie" | "authorization" | "cookie" | "proxy-authorization"
            ) {
                (k, REDACTED.to_owned())
            } else {
                (k, v)
            }
        })
        .collect()
}

/// The answering URL for the UI, with credential-looking query values replaced.
pub fn redact_url(raw: &str) -> String {
    dhis2w_client::table::export::redact_url_with(raw, REDACTED)
}

/// `browse_cancel`: stops a running `browse_get` (it then fails with `cancelled`).
#[tauri::command]
pub fn browse_cancel(state: State<'_, AppState>, request_id: String) -> Result<()> {
    state.cancel_request(&request_id);
    Ok(())
}

/// `browse_history`: pinned first, then newest.
#[tauri::command]
pub async fn browse_history(
    state: State<'_, AppState>,
    instance_id: String,
) -> Result<Vec<HistoryEntry>> {
    state.instance(&instance_id).await?;
    state.history().list(&instance_id)
}

/// `browse_pin`.
#[tauri::command]
pub async fn browse_pin(
    state: State<'_, AppState>,
    instance_id: String,
    entry_id: String,
    pinned: bool,
) -> Result<Vec<HistoryEntry>> {
    state.instance(&instance_id).await?;
    state.history().pin(&instance_id, &entry_id, pinned)
}

/// `browse_resources`: the instance's API paths (`/api/resources`) for the path
/// autocomplete. Not recorded in the history: the user did not ask for it.
#[tauri::command]
pub async fn browse_resources<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    instance_id: String,
) -> Result<Vec<ResourcePath>> {
    let paths = state.resource_paths(&instance_id).await;
    super::session::notify_auth_failure(&app, &state, &instance_id, &paths).await;
    paths
}

/// Builds URLs only; never sends anything.
struct NoAuth;

#[async_trait]
impl AuthProvider for NoAuth {
    async fn headers(&self) -> Result<reqwest_header::HeaderMap> {
        Ok(reqwest_header::HeaderMap::new())
    }
    async fn refresh_if_needed(&self) -> Result<()> {
        Ok(())
    }
    fn scheme(&self) -> &'static str {
        "none"
    }
}

mod reqwest_header {
    pub use tauri::http::HeaderMap;
}

/// `browse_curl`: the request as a curl command; the credential is a shell variable
/// (`$DHIS2_PASSWORD`, `$DHIS2_PAT` or `$DHIS2_TOKEN`), never its value.
#[tauri::command]
pub async fn browse_curl(state: State<'_, AppState>, request: BrowseRequest) -> Result<String> {
    let inst = state.instance(&request.instance_id).await?;
    let client = Dhis2Client::new(&inst.base_url, Arc::new(NoAuth), ClientOptions::default())?;
    let url = client.url(&request.path, &request.query)?;
    let auth = CurlAuth::for_instance(&inst);
    Ok(render_curl(&url, &auth))
}

/// A safe file name from the UI's suggestion.
fn file_name(suggested: &str) -> String {
    let name: String = Path::new(suggested)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_control())
        .collect();
    if name.trim().is_empty() || name == "." || name == ".." {
        "response.json".to_owned()
    } else {
        name
    }
}

/// `browse_save`: asks where to save (native dialog) and writes `contents` there. Returns the
/// path, or `null` when the user cancelled.
#[tauri::command]
pub async fn browse_save<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    suggested_name: String,
    contents: String,
) -> Result<Option<String>> {
    let name = file_name(&suggested_name);
    let Some(path) = choose_save_path(&app, &state, &name).await? else {
        return Ok(None);
    };
    let data = contents.into_bytes();
    let write_path = path.clone();
    tokio::task::spawn_blocking(move || dhis2w_client::history::write_atomic(&write_path, &data))
        .await
        .map_err(|e| {
            Error::new(ErrorKind::Internal, "Saving stopped unexpectedly.").with_source(e)
        })?
        .map_err(|e| {
            Error::new(
                ErrorKind::InvalidInput,
                format!(
                    "Could not save to {}. Choose another folder.",
                    path.display()
                ),
            )
            .with_source(e)
        })?;
    Ok(Some(path.display().to_string()))
}

/// Where to save a file named `name`: the native dialog, or the test path. `None` when the
/// user cancelled.
pub async fn choose_save_path<R: Runtime>(
    app: &AppHandle<R>,
    state: &AppState,
    name: &str,
) -> Result<Option<PathBuf>> {
    match state.test_save_path() {
        // TEST ONLY (DHIS2W_TEST_SAVE_PATH): no dialog; empty means "cancelled", a directory
        // means "save there under the suggested name".
        Some(p) if p.as_os_str().is_empty() => Ok(None),
        Some(p) if p.is_dir() => Ok(Some(p.join(name))),
        Some(p) => Ok(Some(p)),
        None => ask_save_path(app, name).await,
    }
}

async fn ask_save_path<R: Runtime>(app: &AppHandle<R>, name: &str) -> Result<Option<PathBuf>> {
    use tauri_plugin_dialog::DialogExt;
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog()
        .file()
        .set_file_name(name)
        .save_file(move |path| {
            let _ = tx.send(path);
        });
    let picked = rx
        .await
        .map_err(|_| Error::new(ErrorKind::Internal, "The save dialog closed unexpectedly."))?;
    match picked {
        None => Ok(None),
        Some(p) => p.into_path().map(Some).map_err(|e| {
            Error::new(ErrorKind::InvalidInput, "That place cannot be saved to.").with_source(e)
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_is_body_meta_length_and_reuses_the_body() {
        let meta = BrowseMeta {
            status: 200,
            headers: vec![("content-type".into(), "application/json".into())],
            elapsed_ms: 5,
            size_bytes: 2,
            content_type: Some("application/json".into()),
            url: "http://x/api/me".into(),
            body_url: None,
        };
        let out = frame(&meta, b"{}".to_vec()).unwrap();
        let len = out.len();
        let n = u32::from_be_bytes(out[len - 4..].try_into().unwrap()) as usize;
        let back: BrowseMeta = serde_json::from_slice(&out[len - 4 - n..len - 4]).unwrap();
        assert_eq!(back, meta);
        assert_eq!(&out[..len - 4 - n], b"{}");

        // A large body arrives as `Bytes` made from the download's Vec: framing keeps its
        // buffer (no second copy of the body).
        let big = vec![b'x'; 4 * 1024 * 1024];
        let ptr = big.as_ptr();
        let bytes = bytes::Bytes::from(big);
        let out = frame(&meta, bytes).unwrap();
        assert_eq!(out.as_ptr(), ptr, "the body's buffer is reused");
    }

    #[test]
    fn cookies_and_credential_parameters_are_hidden() {
        let h = redact_headers(vec![
            ("Set-Cookie".into(), "JSESSIONID=abc".into()),
            ("content-type".into(), "application/json".into()),
        ]);
        assert_eq!(h[0].1, REDACTED);
        assert_eq!(h[1].1, "application/json");
        let u = redact_url("http://x/api/me?fields=id&access_token=abc");
        assert!(!u.contains("abc") && u.contains("fields=id"), "{u}");
        assert_eq!(
            redact_url("http://x/api/me?fields=id,name"),
            "http://x/api/me?fields=id,name"
        );
    }

    #[test]
    fn file_names_cannot_escape() {
        assert_eq!(file_name("../../etc/passwd"), "passwd");
        assert_eq!(file_name("orgUnits.json"), "orgUnits.json");
        assert_eq!(file_name(""), "response.json");
        assert_eq!(file_name(".."), "response.json");
    }
}
