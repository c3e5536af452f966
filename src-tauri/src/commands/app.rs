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

/// `app_diagnostics`: what support needs to help, for "Copy diagnostics": versions, the system,
/// where secrets are kept, how many instances use which sign-in, and the last log lines. Every
/// log line was redacted when it was written; no address, name or secret of an instance is in it.
#[tauri::command]
pub async fn app_diagnostics(state: tauri::State<'_, crate::state::AppState>) -> Result<String> {
    use std::fmt::Write as _;
    let about = app_about()?;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "dhis2w Desktop {} (Tauri {}, WebKit {})",
        about.app_version,
        about.tauri_version,
        about.webkit_version.as_deref().unwrap_or("unknown")
    );
    let _ = writeln!(out, "System: {}, {}", about.os, os_name());
    let storage = state.storage_status();
    let _ = writeln!(
        out,
        "Secret storage: {}{}",
        match storage.mode {
            dhis2w_client::StorageMode::Keyring => "system keyring",
            dhis2w_client::StorageMode::SessionOnly => "this session only",
        },
        storage
            .detail
            .map(|d| format!(" ({})", dhis2w_client::log::redact_line(&d)))
            .unwrap_or_default()
    );
    if let Ok(listing) = state.listing().await {
        let mut kinds = std::collections::BTreeMap::<&str, usize>::new();
        for l in &listing.instances {
            *kinds.entry(l.instance.auth_kind.as_str()).or_default() += 1;
        }
        let kinds: Vec<String> = kinds.iter().map(|(k, n)| format!("{k} {n}")).collect();
        let _ = writeln!(
            out,
            "Instances: {} ({})",
            listing.instances.len(),
            kinds.join(", ")
        );
    }
    match dhis2w_client::log::Log::get() {
        Some(log) => {
            let _ = writeln!(out, "Log file: {}", log.path().display());
            let lines = log.recent();
            let _ = writeln!(out, "Last {} log lines:", lines.len());
            for l in lines {
                let _ = writeln!(out, "{l}");
            }
        }
        None => {
            let _ = writeln!(out, "Log: not written in this run");
        }
    }
    Ok(out)
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

/// The distribution's name (Linux `/etc/os-release`), else empty.
fn os_name() -> String {
    std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|t| {
            t.lines()
                .find_map(|l| l.strip_prefix("PRETTY_NAME="))
                .map(|v| v.trim_matches('"').to_owned())
        })
        .unwrap_or_default()
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
