//! Start-up options, read from the environment by the real app and built directly by tests.

use std::path::PathBuf;

pub use dhis2w_client::workspace::SecretMode;
use dhis2w_client::WorkspaceOptions;

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
    /// BENCHMARK ONLY: the main window shows a static page (`bench-floor.html`) instead of the
    /// app, the floor of the webview's start-up and memory (docs/performance.md, P3).
    /// Env: `DHIS2W_BENCH_FLOOR=1`.
    pub bench_floor: bool,
}

fn env_path(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

impl Options {
    /// Reads the `DHIS2W_*` environment variables (the workspace's are shared with the CLI).
    pub fn from_env() -> Self {
        let ws = WorkspaceOptions::from_env();
        Self {
            config_dir: ws.config_dir,
            data_dir: ws.data_dir,
            secrets: ws.secrets,
            presets: ws.presets,
            test_browser: env_path("DHIS2W_TEST_BROWSER"),
            test_save_path: std::env::var_os("DHIS2W_TEST_SAVE_PATH").map(PathBuf::from),
            bench_floor: std::env::var("DHIS2W_BENCH_FLOOR").as_deref() == Ok("1"),
        }
    }

    /// The core workspace's part of these options.
    pub fn workspace(&self) -> WorkspaceOptions {
        WorkspaceOptions {
            config_dir: self.config_dir.clone(),
            data_dir: self.data_dir.clone(),
            secrets: self.secrets.clone(),
            presets: self.presets.clone(),
        }
    }
}
