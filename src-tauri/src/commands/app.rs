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
