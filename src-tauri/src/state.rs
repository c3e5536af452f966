//! The managed state: the core's [`Workspace`] (profiles, secrets, history, one DHIS2 client
//! per instance, the cancel switches of running sign-ins and requests) and the app's options.

use crate::browser::SystemBrowser;
use crate::dto;
use crate::options::Options;
use dhis2w_client::profile::Instance;
use dhis2w_client::{Error, ErrorKind, Result, Workspace};
use std::path::PathBuf;
use tauri::{AppHandle, Emitter, Manager, Runtime};

/// Everything the commands share: the start-up options and the core's [`Workspace`]
/// (instances, secrets, history, live sessions), which the commands reach through `Deref`.
pub struct AppState {
    /// The start-up options.
    pub options: Options,
    workspace: Workspace,
    /// The outcome of the last sign-in link no running sign-in took (e.g. the one that started
    /// the app), until the UI takes it (`app_deep_link_result`).
    link_outcome: std::sync::Mutex<Option<dto::DeepLinkOutcome>>,
    /// The loopback server that hands large answers to the webview, started on first use.
    handoff: tokio::sync::OnceCell<dhis2w_client::handoff::Handoff>,
}

impl std::ops::Deref for AppState {
    type Target = Workspace;
    fn deref(&self) -> &Workspace {
        &self.workspace
    }
}

impl AppState {
    /// Opens the workspace named by `options` (profiles, secrets, history, presets).
    pub fn init<R: Runtime>(app: &AppHandle<R>, options: Options) -> Result<Self> {
        let mut ws_options = options.workspace();
        if ws_options.data_dir.is_none() {
            ws_options.data_dir = Some(app.path().app_data_dir().map_err(|e| {
                Error::new(
                    ErrorKind::Internal,
                    "This system has no folder for app data. Set XDG_DATA_HOME or HOME.",
                )
                .with_source(e)
            })?);
        }
        let workspace = tauri::async_runtime::block_on(Workspace::open(&ws_options))?;
        Ok(Self {
            options,
            workspace,
            link_outcome: std::sync::Mutex::new(None),
            handoff: tokio::sync::OnceCell::new(),
        })
    }

    /// Takes the outcome of the last sign-in link no running sign-in took.
    pub fn take_link_outcome(&self) -> Option<dto::DeepLinkOutcome> {
        self.link_outcome
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
    }

    /// The loopback server for large answers (started the first time one is handed over).
    pub async fn handoff(&self) -> Result<&dhis2w_client::handoff::Handoff> {
        self.handoff
            .get_or_try_init(|| async {
                // The port the page's CSP names (reserved in `run`); tests have none.
                match crate::handoff_port::take() {
                    Some(listener) => dhis2w_client::handoff::Handoff::from_std(listener),
                    None => dhis2w_client::handoff::Handoff::start().await,
                }
            })
            .await
    }

    /// The workspace.
    pub fn workspace(&self) -> &Workspace {
        &self.workspace
    }

    /// The UI's view of one instance.
    pub async fn instance_dto(&self, inst: Instance) -> Result<dto::Instance> {
        let stored = self.stored(&inst.id).await?;
        Ok(crate::convert::instance(inst, stored))
    }

    /// The UI's view of all instances.
    pub async fn instances_state(&self) -> Result<dto::InstancesState> {
        let listing = self.listing().await?;
        Ok(dto::InstancesState {
            instances: listing
                .instances
                .into_iter()
                .map(|l| crate::convert::instance(l.instance, l.secrets))
                .collect(),
            default_id: listing.default_id,
            active_id: listing.active_id,
            storage: self.storage_status(),
            recovery: self.recovery().map(Into::into),
            read_only: listing.read_only,
        })
    }

    /// The system browser (or the test browser).
    pub fn browser<R: Runtime>(&self, app: &AppHandle<R>) -> SystemBrowser<R> {
        SystemBrowser::new(app.clone(), self.options.test_browser.clone())
    }

    /// Where `browse_save` writes in tests, if set (TEST ONLY).
    pub fn test_save_path(&self) -> Option<PathBuf> {
        self.options.test_save_path.clone()
    }
}

/// Hands a deep link to the state's waiting sign-in and brings the window to the front.
pub fn deliver_deep_link<R: Runtime>(app: &AppHandle<R>, url: &str) {
    if let Some(state) = app.try_state::<AppState>() {
        if state.deliver_deep_link(url) {
            tracing::info!("sign-in callback received by deep link");
        } else {
            // No sign-in is waiting: the link started the app (the browser answered after the
            // app was closed), or its flow has ended. Finish it if its flow is still kept.
            let (app, url) = (app.clone(), url.to_owned());
            tauri::async_runtime::spawn(async move {
                let Some(state) = app.try_state::<AppState>() else {
                    return;
                };
                let outcome = match state.finish_deep_link(&url).await {
                    Ok(None) => {
                        tracing::info!("ignored a link that is not a sign-in");
                        return;
                    }
                    Ok(Some(status)) => {
                        tracing::info!("a sign-in link finished a kept sign-in");
                        let _ = app.emit(dto::events::SESSION_CHANGED, &status);
                        dto::DeepLinkOutcome {
                            status: Some(status),
                            error: None,
                        }
                    }
                    Err(e) => dto::DeepLinkOutcome {
                        status: None,
                        error: Some(dto::AppError {
                            kind: e.kind(),
                            message: e.message().to_owned(),
                        }),
                    },
                };
                *state.link_outcome.lock().unwrap_or_else(|p| p.into_inner()) =
                    Some(outcome.clone());
                let _ = app.emit(dto::events::DEEP_LINK_RESULT, &outcome);
            });
        }
    }
    focus_main_window(app);
}

/// Brings the main window to the front (after a sign-in, or a second launch).
pub fn focus_main_window<R: Runtime>(app: &AppHandle<R>) {
    if let Some(w) = app.get_webview_window(crate::MAIN_WINDOW) {
        let _ = w.unminimize();
        let _ = w.show();
        let _ = w.set_focus();
    }
}
