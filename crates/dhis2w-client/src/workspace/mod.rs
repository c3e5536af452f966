//! The user's workspace: their saved instances (profiles file), secrets (keyring), request
//! history and the live sessions of this run. One type that every front end drives: the
//! desktop app's commands and the `dhis2w` CLI call the same methods, so "what an instance is"
//! and "what signed in means" live in one place.
//!
//! * [`Workspace::open`] opens the stores named by [`WorkspaceOptions`] (the same files and
//!   keyring service for the app and the CLI, so an instance added by one is seen by the other).
//! * Instances: [`Workspace::listing`], [`Workspace::add_instance`], … Every read re-reads the
//!   profiles file when another program changed it; every write is locked against other
//!   programs (see [`crate::profile::ProfileStore`]).
//! * Sessions ([`sessions`]): one client and provider per instance, built once even under
//!   concurrent calls, forgotten on edit; sign-in flows with their cancel switches.

mod analytics;
mod diagnostics;
mod flows;
mod instances;
mod questions;
mod registration;
pub mod sessions;
mod signin;
mod tables;

pub use analytics::{AnalyticsRun, ANALYTICS_PATH};
pub use instances::{InstanceListing, ListedInstance};
pub use questions::{compare_tables, CellDiff, MissingItem, PreparedQuery};
pub use registration::RegisteredApp;
pub use sessions::{Session, SessionStatus, VerifyResult};
pub use signin::{ForgetDeviceReport, SignInRequest};
pub use tables::{ExportProgressFn, ExportSpec, ExportStage};

use crate::history::HistoryStore;
use crate::profile::{ProfileStore, Recovery};
use crate::secret_store::{SecretStore, StorageStatus};
use crate::session::CredentialSessions;
use crate::{Error, ErrorKind, Result};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The app's identifier: the keyring service and the name of its data folder.
pub const APP_IDENTIFIER: &str = "org.dhis2w.desktop";

/// Where secrets are kept.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum SecretMode {
    /// The OS keyring under [`APP_IDENTIFIER`] when usable, else session-only.
    #[default]
    Keyring,
    /// The OS keyring under another service name (tests with a real keyring).
    KeyringService(String),
    /// In memory for this run only.
    SessionOnly,
}

/// Which files and keyring a workspace uses. The defaults are the desktop app's, so the CLI
/// and the app share them.
#[derive(Debug, Clone, Default)]
pub struct WorkspaceOptions {
    /// Folder of `profiles.toml`; `None`: [`ProfileStore::default_path`].
    /// Env: `DHIS2W_CONFIG_DIR`.
    pub config_dir: Option<PathBuf>,
    /// Folder of the app's data (request history, saved questions); `None`:
    /// [`default_data_dir`]. Env: `DHIS2W_DATA_DIR`.
    pub data_dir: Option<PathBuf>,
    /// Secret storage. Env: `DHIS2W_SECRETS=session_only` or `DHIS2W_KEYRING_SERVICE=<name>`.
    pub secrets: SecretMode,
    /// Instances to add when opening, unless one with the same name exists (demo).
    /// Env: `DHIS2W_PRESETS`.
    pub presets: Option<PathBuf>,
}

fn env_path(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

impl WorkspaceOptions {
    /// Reads the `DHIS2W_*` variables the app and the CLI share.
    pub fn from_env() -> Self {
        let secrets = if std::env::var("DHIS2W_SECRETS").as_deref() == Ok("session_only") {
            SecretMode::SessionOnly
        } else if let Ok(service) = std::env::var("DHIS2W_KEYRING_SERVICE") {
            SecretMode::KeyringService(service)
        } else {
            SecretMode::Keyring
        };
        Self {
            config_dir: env_path("DHIS2W_CONFIG_DIR"),
            data_dir: env_path("DHIS2W_DATA_DIR"),
            secrets,
            presets: env_path("DHIS2W_PRESETS"),
        }
    }
}

/// The app's data folder: `<OS data dir>/org.dhis2w.desktop` (on Linux
/// `$XDG_DATA_HOME/org.dhis2w.desktop`), the same folder Tauri gives the desktop app.
pub fn default_data_dir() -> Result<PathBuf> {
    dirs::data_dir()
        .map(|d| d.join(APP_IDENTIFIER))
        .ok_or_else(|| {
            Error::new(
                ErrorKind::Internal,
                "This system has no folder for app data. Set XDG_DATA_HOME or HOME.",
            )
        })
}

/// Unix seconds now.
pub fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The user's instances, secrets, history and live sessions (see the module docs).
pub struct Workspace {
    profiles: tokio::sync::Mutex<ProfileStore>,
    recovery: Option<Recovery>,
    secrets: SecretStore,
    history: HistoryStore,
    data_dir: PathBuf,
    credentials: CredentialSessions,
    sessions: Mutex<HashMap<String, Session>>,
    flows: flows::Flows,
}

impl std::fmt::Debug for Workspace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Workspace")
            .field("data_dir", &self.data_dir)
            .finish_non_exhaustive()
    }
}

impl Workspace {
    /// Opens the stores named by `options`. An unparseable profiles file is set aside and
    /// reported through [`Self::recovery`]; a broken presets file is only logged (a demo aid
    /// must not stop anything).
    pub async fn open(options: &WorkspaceOptions) -> Result<Self> {
        let secrets = match &options.secrets {
            SecretMode::Keyring => SecretStore::open().await,
            SecretMode::KeyringService(s) => SecretStore::open_with_service(s.clone()).await,
            SecretMode::SessionOnly => SecretStore::session_only(Some(
                "Secrets are kept for this session only (DHIS2W_SECRETS=session_only).".into(),
            )),
        };
        let data_dir = match &options.data_dir {
            Some(d) => d.clone(),
            None => default_data_dir()?,
        };
        let ws = Self::with_stores(profiles_path(options)?, secrets, data_dir)?;
        if let Some(path) = &options.presets {
            if let Err(e) = ws.add_presets(path).await {
                tracing::warn!(error = %e, "presets not added");
            }
        }
        Ok(ws)
    }

    /// A workspace over explicit stores (tests, embedders).
    pub fn with_stores(
        profiles_path: PathBuf,
        secrets: SecretStore,
        data_dir: PathBuf,
    ) -> Result<Self> {
        let (profiles, recovery) = ProfileStore::open_or_recover(&profiles_path)?;
        Ok(Self {
            profiles: tokio::sync::Mutex::new(profiles),
            recovery,
            secrets,
            history: HistoryStore::new(data_dir.join("history")),
            data_dir,
            credentials: CredentialSessions::new(),
            sessions: Mutex::default(),
            flows: flows::Flows::default(),
        })
    }

    /// What happened to an unreadable profiles file when this workspace opened.
    pub fn recovery(&self) -> Option<&Recovery> {
        self.recovery.as_ref()
    }

    /// The secret store (keyring or session-only).
    pub fn secrets(&self) -> &SecretStore {
        &self.secrets
    }

    /// Where secrets are kept, for the UI's banner.
    pub fn storage_status(&self) -> StorageStatus {
        self.secrets.status()
    }

    /// The request history.
    pub fn history(&self) -> &HistoryStore {
        &self.history
    }

    /// The app's data folder.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The in-memory sign-in knowledge of this run.
    pub fn credentials(&self) -> &CredentialSessions {
        &self.credentials
    }

    /// The profiles file's path.
    pub async fn profiles_path(&self) -> PathBuf {
        self.profiles.lock().await.path().to_owned()
    }
}

fn profiles_path(options: &WorkspaceOptions) -> Result<PathBuf> {
    Ok(match &options.config_dir {
        Some(dir) => dir.join(crate::profile::FILE_NAME),
        None => ProfileStore::default_path()?,
    })
}
