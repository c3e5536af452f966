//! Start-up options, read from the environment by the real app and built directly by tests.

use std::path::PathBuf;

/// Where secrets are kept.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum SecretMode {
    /// The OS keyring under this service name when usable, else session-only (the default,
    /// with the app identifier as service).
    #[default]
    Keyring,
    /// The OS keyring under another service name (tests with a real keyring).
    KeyringService(String),
    /// In memory for this run only.
    SessionOnly,
}

/// Start-up options.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Folder of the profiles file (`profiles.toml`). `None`: the core's default path.
    /// Env: `DHIS2W_CONFIG_DIR`.
    pub config_dir: Option<PathBuf>,
    /// Folder of the app's data (request history). `None`: the app data dir.
    /// Env: `DHIS2W_DATA_DIR`.
    pub data_dir: Option<PathBuf>,
    /// Secret storage. Env: `DHIS2W_SECRETS=session_only` or `DHIS2W_KEYRING_SERVICE=<name>`.
    pub secrets: SecretMode,
    /// Instances to add at start-up unless one with the same name exists (demo).
    /// Env: `DHIS2W_PRESETS=/path/presets.json`.
    pub presets: Option<PathBuf>,
    /// TEST ONLY: a program run with the URL as its single argument instead of opening the
    /// system browser. Env: `DHIS2W_TEST_BROWSER=/path/to/program`.
    pub test_browser: Option<PathBuf>,
    /// TEST ONLY: `browse_save` writes here instead of asking with a dialog; an empty value
    /// means "the user cancelled". Env: `DHIS2W_TEST_SAVE_PATH`.
    pub test_save_path: Option<PathBuf>,
}

fn env_path(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

impl Options {
    /// Reads the `DHIS2W_*` environment variables.
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
            test_browser: env_path("DHIS2W_TEST_BROWSER"),
            test_save_path: std::env::var_os("DHIS2W_TEST_SAVE_PATH").map(PathBuf::from),
        }
    }
}
