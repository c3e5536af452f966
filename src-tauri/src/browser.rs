//! The system browser, the main window, and keeping the webview on local content.

use async_trait::async_trait;
use dhis2w_client::capture::BrowserOpener;
use dhis2w_client::{Error, ErrorKind, Result};
use std::path::PathBuf;
use tauri::{AppHandle, Runtime, WebviewUrl, WebviewWindowBuilder};

/// Opens http/https URLs outside the app: in the system browser (opener plugin), or — TEST
/// ONLY, when `DHIS2W_TEST_BROWSER` is set — by running that program with the URL as its single
/// argument.
pub struct SystemBrowser<R: Runtime> {
    app: AppHandle<R>,
    test_program: Option<PathBuf>,
}

impl<R: Runtime> SystemBrowser<R> {
    /// A browser for `app`; `test_program` replaces the system browser (tests only).
    pub fn new(app: AppHandle<R>, test_program: Option<PathBuf>) -> Self {
        Self { app, test_program }
    }

    /// Opens `url` (http or https only).
    pub fn open_url(&self, url: &str) -> Result<()> {
        let parsed = url::Url::parse(url)
            .map_err(|_| Error::new(ErrorKind::InvalidInput, "That link is not a web address."))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(Error::new(
                ErrorKind::InvalidInput,
                "Only web (http or https) links can be opened.",
            ));
        }
        if let Some(program) = &self.test_program {
            // TEST ONLY (DHIS2W_TEST_BROWSER): hand the URL to a stand-in "browser".
            std::process::Command::new(program)
                .arg(url)
                .spawn()
                .map(drop)
                .map_err(|e| {
                    Error::new(
                        ErrorKind::Internal,
                        "The test browser program could not be started.",
                    )
                    .with_source(e)
                })
        } else {
            use tauri_plugin_opener::OpenerExt;
            self.app.opener().open_url(url, None::<&str>).map_err(|e| {
                Error::new(
                    ErrorKind::Internal,
                    "Your web browser could not be opened. Copy the link and open it yourself.",
                )
                .with_source(e)
            })
        }
    }
}

#[async_trait]
impl<R: Runtime> BrowserOpener for SystemBrowser<R> {
    async fn open(&self, url: &str) -> Result<()> {
        self.open_url(url)
    }
}

/// True for the app's own pages (the embedded UI); everything else is refused in the webview.
pub fn is_local_url(url: &url::Url) -> bool {
    match url.scheme() {
        "tauri" => url.host_str() == Some("localhost"),
        // Windows serves the UI at http(s)://tauri.localhost on the default port only; another
        // port is another origin (a local server), never the app.
        "http" | "https" => url.host_str() == Some("tauri.localhost") && url.port().is_none(),
        "about" => url.path() == "blank",
        _ => false,
    }
}

/// Creates the main window. Navigation to anything but the embedded UI is refused; web links
/// go to the system browser instead.
pub fn build_main_window<R: Runtime>(
    app: &AppHandle<R>,
    test_program: Option<PathBuf>,
    page: &str,
) -> tauri::Result<()> {
    let opener = SystemBrowser::new(app.clone(), test_program.clone());
    let popup_opener = SystemBrowser::new(app.clone(), test_program);
    WebviewWindowBuilder::new(app, crate::MAIN_WINDOW, WebviewUrl::App(page.into()))
        .title("dhis2w Desktop")
        .inner_size(1280.0, 820.0)
        .min_inner_size(800.0, 560.0)
        .on_navigation(move |url| {
            if is_local_url(url) {
                return true;
            }
            if matches!(url.scheme(), "http" | "https") {
                if let Err(e) = opener.open_url(url.as_str()) {
                    tracing::warn!(error = %e, "could not open a link in the system browser");
                }
            }
            false
        })
        // `target="_blank"` links and window.open never get a webview of their own: web addresses
        // go to the system browser, anything else is dropped.
        .on_new_window(move |url, _features| {
            if matches!(url.scheme(), "http" | "https") {
                if let Err(e) = popup_opener.open_url(url.as_str()) {
                    tracing::warn!(error = %e, "could not open a link in the system browser");
                }
            }
            tauri::webview::NewWindowResponse::Deny
        })
        .build()
        .map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_embedded_ui_is_local() {
        for ok in [
            "tauri://localhost/index.html",
            "http://tauri.localhost/",
            "http://tauri.localhost:80/index.html",
            "https://tauri.localhost/",
            "about:blank",
        ] {
            assert!(is_local_url(&url::Url::parse(ok).unwrap()), "{ok}");
        }
        for bad in [
            "https://play.dhis2.org/",
            "http://localhost:8080/",
            "tauri://evil/",
            "file:///etc/passwd",
            "org.dhis2w.desktop:/oauth2/callback",
            // Regression: any port of tauri.localhost used to count as the app.
            "http://tauri.localhost:8080/",
            "https://tauri.localhost:8443/index.html",
        ] {
            assert!(!is_local_url(&url::Url::parse(bad).unwrap()), "{bad}");
        }
    }
}
