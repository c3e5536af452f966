//! `app_*` commands.

use crate::dto::AboutInfo;
use dhis2w_client::Result;

/// `app_about`: versions for the About box and bug reports.
#[tauri::command]
pub fn app_about() -> Result<AboutInfo> {
    Ok(AboutInfo {
        app_version: env!("CARGO_PKG_VERSION").to_owned(),
        tauri_version: tauri::VERSION.to_owned(),
        webkit_version: tauri::webview_version().ok(),
        os: format!("{} {}", std::env::consts::OS, std::env::consts::ARCH),
    })
}

/// `app_diagnostics`: "Copy diagnostics" (the core's text under the app's versions).
#[tauri::command]
pub async fn app_diagnostics(state: tauri::State<'_, crate::state::AppState>) -> Result<String> {
    let about = app_about()?;
    let header = format!(
        "dhis2w Desktop {} (Tauri {}, WebKit {})",
        about.app_version,
        about.tauri_version,
        about.webkit_version.as_deref().unwrap_or("unknown")
    );
    Ok(state.diagnostics(&header).await)
}

/// `app_set_detailed_log`: the Settings switch "Write a detailed log" (debug level, kept for
/// the next runs). Returns whether it is on.
#[tauri::command]
pub fn app_set_detailed_log(on: bool) -> Result<bool> {
    Ok(dhis2w_client::log::Log::get().is_some_and(|log| {
        log.set_detailed(on);
        log.detailed()
    }))
}

/// `app_detailed_log`: whether the detailed log is on.
#[tauri::command]
pub fn app_detailed_log() -> Result<bool> {
    Ok(dhis2w_client::log::Log::get().is_some_and(|log| log.detailed()))
}

/// `app_set_language`: the UI's language (`en`, `fr`, `es`, `pt`), for the words the core shows
/// outside the window (the sign-in pages in the browser).
#[tauri::command]
pub fn app_set_language(lang: String) -> Result<()> {
    if dhis2w_client::capture::set_page_language(&lang) {
        Ok(())
    } else {
        Err(dhis2w_client::Error::new(
            dhis2w_client::ErrorKind::InvalidInput,
            format!("\"{lang}\" is not one of the app's languages (en, fr, es, pt)."),
        ))
    }
}

/// `app_deep_link_result`: takes the outcome of the last sign-in link no running sign-in took
/// (the one that started the app, say), once; `null` when there is none. The same outcome is
/// also sent as the `deep-link-result` event when the window is already listening.
#[tauri::command]
pub fn app_deep_link_result(
    state: tauri::State<'_, crate::state::AppState>,
) -> Option<crate::dto::DeepLinkOutcome> {
    state.take_link_outcome()
}
