//! The managed state: the core's profile, secret and history stores, one DHIS2 client per
//! instance, and the cancel switches of running sign-ins and requests.

use crate::browser::SystemBrowser;
use crate::dto;
use crate::options::{Options, SecretMode};
use dhis2w_client::capture::DeepLinkHandle;
use dhis2w_client::from_profile;
use dhis2w_client::history::HistoryStore;
use dhis2w_client::profile::{Instance, InstanceInput, ProfileStore, Recovery};
use dhis2w_client::secret_store::SecretStore;
use dhis2w_client::{
    ClientOptions, CredentialSessions, Dhis2Client, Error, ErrorKind, OAuth2Auth, Result,
};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use tauri::{AppHandle, Manager, Runtime};
use tokio_util::sync::CancellationToken;

/// A DHIS2 client for one saved instance; `oauth2` is set for OAuth2 instances.
#[derive(Clone)]
pub struct Session {
    /// The instance as it was when the session was built.
    pub instance: Instance,
    /// The API client.
    pub client: Dhis2Client,
    /// The OAuth2 provider (sign-in, status, sign-out).
    pub oauth2: Option<Arc<OAuth2Auth>>,
}

/// Everything the commands share.
pub struct AppState {
    /// The start-up options.
    pub options: Options,
    /// The profiles file.
    pub profiles: tokio::sync::Mutex<ProfileStore>,
    /// What happened to an unreadable profiles file at start-up.
    pub recovery: Option<Recovery>,
    /// Passwords, PATs, client secrets and tokens.
    pub secrets: SecretStore,
    /// Request history.
    pub history: HistoryStore,
    sessions: Mutex<HashMap<String, Session>>,
    /// The core's in-memory sign-in knowledge: users seen by sign-in, verify or `/api/me`,
    /// and Basic/PAT credentials the server refused.
    pub credentials: CredentialSessions,
    sign_ins: Mutex<HashMap<String, (u64, CancellationToken)>>,
    next_flow: std::sync::atomic::AtomicU64,
    requests: Mutex<HashMap<String, CancellationToken>>,
    deep_link: Mutex<Option<DeepLinkHandle>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl AppState {
    /// Opens the stores named by `options` (profiles, secrets, history) and adds the preset
    /// instances.
    pub fn init<R: Runtime>(app: &AppHandle<R>, options: Options) -> Result<Self> {
        let profiles_path = match &options.config_dir {
            Some(dir) => dir.join(dhis2w_client::profile::FILE_NAME),
            None => ProfileStore::default_path()?,
        };
        let (profiles, recovery) = ProfileStore::open_or_recover(&profiles_path)?;
        let data_dir = match &options.data_dir {
            Some(d) => d.clone(),
            None => app.path().app_data_dir().map_err(|e| {
                Error::new(
                    ErrorKind::Internal,
                    "This system has no folder for app data. Set XDG_DATA_HOME or HOME.",
                )
                .with_source(e)
            })?,
        };
        let secrets = match &options.secrets {
            SecretMode::Keyring => tauri::async_runtime::block_on(SecretStore::open()),
            SecretMode::KeyringService(s) => {
                tauri::async_runtime::block_on(SecretStore::open_with_service(s.clone()))
            }
            SecretMode::SessionOnly => SecretStore::session_only(Some(
                "Secrets are kept for this session only (DHIS2W_SECRETS=session_only).".into(),
            )),
        };
        let state = Self {
            history: HistoryStore::new(data_dir.join("history")),
            profiles: tokio::sync::Mutex::new(profiles),
            recovery,
            secrets,
            sessions: Mutex::default(),
            credentials: CredentialSessions::new(),
            sign_ins: Mutex::default(),
            next_flow: std::sync::atomic::AtomicU64::new(1),
            requests: Mutex::default(),
            deep_link: Mutex::default(),
            options,
        };
        if let Some(path) = state.options.presets.clone() {
            // A broken presets file (a demo aid) must not stop the app from starting.
            if let Err(e) = tauri::async_runtime::block_on(state.add_presets(&path)) {
                tracing::warn!(error = %e, "presets not added");
            }
        }
        Ok(state)
    }

    /// Adds the instances listed in a presets file (a JSON array, or `{"instances": [...]}`, of
    /// `InstanceInput`s with optional secrets) unless one with the same name exists.
    pub async fn add_presets(&self, path: &std::path::Path) -> Result<()> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::new(
                ErrorKind::InvalidInput,
                format!("The presets file {} cannot be read.", path.display()),
            )
            .with_source(e)
        })?;
        #[derive(serde::Deserialize)]
        #[serde(untagged)]
        enum Presets {
            List(Vec<InstanceInput>),
            Wrapped { instances: Vec<InstanceInput> },
        }
        let presets = match serde_json::from_str::<Presets>(&text) {
            Ok(Presets::List(l)) | Ok(Presets::Wrapped { instances: l }) => l,
            Err(e) => {
                return Err(Error::new(
                    ErrorKind::InvalidInput,
                    format!("The presets file {} is not valid: {e}", path.display()),
                ))
            }
        };
        let mut profiles = self.profiles.lock().await;
        for input in presets {
            if profiles.find_by_name(&input.name).is_some() {
                continue;
            }
            let inst = profiles.add(&input)?;
            self.secrets.save_input_secrets(&inst.id, &input).await?;
        }
        Ok(())
    }

    /// The instance `id` or `not_found`.
    pub async fn instance(&self, id: &str) -> Result<Instance> {
        self.profiles.lock().await.require(id).cloned()
    }

    /// The UI's view of one instance.
    pub async fn instance_dto(&self, inst: Instance) -> Result<dto::Instance> {
        let stored = self.secrets.stored(&inst.id).await?;
        Ok(crate::convert::instance(inst, stored))
    }

    /// The UI's view of all instances.
    pub async fn instances_state(&self) -> Result<dto::InstancesState> {
        let (list, default_id, active_id) = {
            let p = self.profiles.lock().await;
            (
                p.instances().to_vec(),
                p.default_id().map(str::to_owned),
                p.active_id().map(str::to_owned),
            )
        };
        let mut instances = Vec::with_capacity(list.len());
        for inst in list {
            instances.push(self.instance_dto(inst).await?);
        }
        Ok(dto::InstancesState {
            instances,
            default_id,
            active_id,
            storage: self.secrets.status(),
            recovery: self.recovery.as_ref().map(Into::into),
        })
    }

    /// Forgets the cached client and user of `id` (after an edit, removal or sign-out).
    pub fn forget_session(&self, id: &str) {
        lock(&self.sessions).remove(id);
        self.credentials.forget(id);
    }

    /// The client of a saved instance, built on first use.
    pub async fn session(&self, id: &str) -> Result<Session> {
        let inst = self.instance(id).await?;
        if let Some(s) = lock(&self.sessions).get(id) {
            if s.instance == inst {
                return Ok(s.clone());
            }
        }
        let session = self.build_session(inst.clone()).await?;
        // Building awaits the keyring, so a concurrent caller may have stored a session for
        // the same settings meanwhile (e.g. a status check racing a sign-in). Keep that one:
        // replacing it would hand later callers an OAuth2 provider that never saw the token.
        let mut sessions = lock(&self.sessions);
        if let Some(s) = sessions.get(id) {
            if s.instance == inst {
                return Ok(s.clone());
            }
        }
        sessions.insert(id.to_owned(), session.clone());
        Ok(session)
    }

    async fn build_session(&self, inst: Instance) -> Result<Session> {
        let options = from_profile::client_options(&inst);
        let auth = from_profile::profile_auth(&inst, &self.secrets, &options).await?;
        let client = Dhis2Client::new(&inst.base_url, auth.provider(), options)?;
        Ok(Session {
            oauth2: auth.oauth2().cloned(),
            instance: inst,
            client,
        })
    }

    /// The user last seen for `id`.
    pub fn user(&self, id: &str) -> Option<dto::SessionUser> {
        self.credentials.user(id)
    }

    /// Starts tracking a sign-in of `id`, cancelling one already running. Returns the flow
    /// number (for [`Self::end_sign_in`]) and its cancel switch.
    pub fn begin_sign_in(&self, id: &str) -> (u64, CancellationToken) {
        let seq = self
            .next_flow
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let token = CancellationToken::new();
        if let Some((_, old)) = lock(&self.sign_ins).insert(id.to_owned(), (seq, token.clone())) {
            old.cancel();
        }
        (seq, token)
    }

    /// Stops tracking the sign-in of `id` if flow `seq` is still the current one.
    pub fn end_sign_in(&self, id: &str, seq: u64) {
        let mut m = lock(&self.sign_ins);
        if m.get(id).is_some_and(|(s, _)| *s == seq) {
            m.remove(id);
        }
    }

    /// Cancels the sign-in of `id`; false when none is running.
    pub fn cancel_sign_in(&self, id: &str) -> bool {
        match lock(&self.sign_ins).remove(id) {
            Some((_, t)) => {
                t.cancel();
                true
            }
            None => false,
        }
    }

    /// Starts tracking request `request_id`.
    pub fn begin_request(&self, request_id: &str) -> CancellationToken {
        let token = CancellationToken::new();
        if let Some(old) = lock(&self.requests).insert(request_id.to_owned(), token.clone()) {
            old.cancel();
        }
        token
    }

    /// Stops tracking request `request_id`.
    pub fn end_request(&self, request_id: &str) {
        lock(&self.requests).remove(request_id);
    }

    /// Cancels request `request_id`; false when it is not running.
    pub fn cancel_request(&self, request_id: &str) -> bool {
        match lock(&self.requests).remove(request_id) {
            Some(t) => {
                t.cancel();
                true
            }
            None => false,
        }
    }

    /// Routes deep links to the sign-in waiting for one.
    pub fn set_deep_link_handle(&self, handle: Option<DeepLinkHandle>) {
        *lock(&self.deep_link) = handle;
    }

    /// Hands a deep link to the waiting sign-in; false when none takes it.
    pub fn deliver_deep_link(&self, url: &str) -> bool {
        lock(&self.deep_link)
            .as_ref()
            .is_some_and(|h| h.deliver(url))
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

/// Client options for an instance: the defaults plus its extra CA certificate.
pub fn client_options(ca_cert_path: Option<&str>) -> ClientOptions {
    ClientOptions {
        extra_ca_pem: ca_cert_path
            .filter(|p| !p.trim().is_empty())
            .map(PathBuf::from),
        ..ClientOptions::default()
    }
}

/// Hands a deep link to the state's waiting sign-in and brings the window to the front.
pub fn deliver_deep_link<R: Runtime>(app: &AppHandle<R>, url: &str) {
    if let Some(state) = app.try_state::<AppState>() {
        if state.deliver_deep_link(url) {
            tracing::info!("sign-in callback received by deep link");
        } else {
            tracing::info!("ignored a deep link no sign-in was waiting for");
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
