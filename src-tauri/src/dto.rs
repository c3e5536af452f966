//! The types that cross the UI ↔ Rust boundary (docs/commands.md). TypeScript bindings are
//! generated from these with ts-rs into `ui/src/bindings/` (see `tests/bindings.rs`). Core
//! types that cross unchanged are re-exported from `dhis2w_client` (its `ts` feature derives
//! `TS` on them); the types below are the ones whose UI shape differs from the core's.
//!
//! None of these types can carry a secret back to the webview: inputs accept secrets
//! (write-only), outputs say only whether one is stored.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

// Core types that cross to the UI unchanged: their bindings come from the core (feature `ts`).
pub use dhis2w_client::analytics::{AnalyticsQuery, Dimension, Layout, QueryItem};
pub use dhis2w_client::app_registration::AppRegistrationPlan;
pub use dhis2w_client::history::HistoryEntry;
pub use dhis2w_client::profile::{AuthKind, OAuth2Settings, RedirectMode};
pub use dhis2w_client::saved::{Question, SavedQuestion};
pub use dhis2w_client::search::{ObjectRef, SearchGroup, SearchHit, SearchResults};
pub use dhis2w_client::secret_store::{StorageMode, StorageStatus, StoredSecrets};
pub use dhis2w_client::table::export::{ExportFormat, ExportResult};
pub use dhis2w_client::workspace::{
    CellDiff, ForgetDeviceReport, MissingItem, PreparedQuery, RegisteredApp,
};
pub use dhis2w_client::{
    ErrorKind, ResourcePath, SessionState, SessionStatus, SessionUser, SignInStage, VerifyResult,
};

/// What became of a sign-in link no running sign-in took (it started the app, or its flow had
/// ended): the sign-in it finished, or why it could not (e.g. `sign_in_required`: expired).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DeepLinkOutcome {
    pub status: Option<SessionStatus>,
    pub error: Option<AppError>,
}

/// Every command error, as the core's `Error` serialises it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AppError {
    pub kind: ErrorKind,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Instance {
    pub id: String,
    pub name: String,
    pub base_url: String,
    pub auth_kind: AuthKind,
    pub username: Option<String>,
    pub oauth2: Option<OAuth2Settings>,
    pub ca_cert_path: Option<String>,
    pub color: Option<String>,
    pub notes: Option<String>,
    pub secrets: StoredSecrets,
}

/// The profiles file could not be read at start-up: it was set aside as `backup_path` and the
/// app started with an empty list. Only in the run that recovered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Recovery {
    pub backup_path: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct InstancesState {
    pub instances: Vec<Instance>,
    pub default_id: Option<String>,
    pub active_id: Option<String>,
    pub storage: StorageStatus,
    #[ts(inline)]
    pub recovery: Option<Recovery>,
    /// Why the instances are shown read-only: the profiles file was written by a newer dhis2w
    /// and is left untouched.
    pub read_only: Option<String>,
}

/// What the UI sends to add, edit or verify an instance. Secrets: `null` keeps what is
/// stored; a string stores it. Deserialize-only in spirit: it never goes back to the UI.
#[derive(Clone, PartialEq, Eq, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct InstanceInput {
    pub name: String,
    pub base_url: String,
    pub auth_kind: AuthKind,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub oauth2: Option<OAuth2Settings>,
    #[serde(default)]
    pub ca_cert_path: Option<String>,
    #[serde(default)]
    pub color: Option<String>,
    #[serde(default)]
    pub notes: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
    #[serde(default)]
    pub pat: Option<String>,
    #[serde(default)]
    pub client_secret: Option<String>,
}

impl std::fmt::Debug for InstanceInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InstanceInput")
            .field("name", &self.name)
            .field("base_url", &self.base_url)
            .field("auth_kind", &self.auth_kind)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("pat", &self.pat.as_ref().map(|_| "***"))
            .field("client_secret", &self.client_secret.as_ref().map(|_| "***"))
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct MethodSupport {
    pub available: bool,
    /// English details.
    pub reason: Option<String>,
    /// Why not, for words in the user's language: `oauth2_too_old`, `oauth2_very_old`,
    /// `oauth2_off`, `pat_too_old`.
    pub code: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ProbeMethods {
    pub basic: MethodSupport,
    pub pat: MethodSupport,
    pub oauth2: MethodSupport,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RedirectUris {
    pub loopback: String,
    pub deep_link: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ProbeResult {
    pub canonical_url: String,
    pub version: Option<String>,
    pub system_name: Option<String>,
    #[ts(inline)]
    pub methods: ProbeMethods,
    pub recommended: AuthKind,
    #[ts(inline)]
    pub redirect_uris: RedirectUris,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ImportedInstance {
    pub name: String,
    pub instance_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SkippedInstance {
    pub name: String,
    /// Why, as a code the UI words in the user's language (`session_auth`, `name_exists`…).
    pub code: String,
    /// The line, key or method the reason names.
    pub param: Option<String>,
    /// Why, in English (the UI shows it for `invalid` and `secret_not_stored`).
    pub reason: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ImportReport {
    #[ts(inline)]
    pub imported: Vec<ImportedInstance>,
    #[ts(inline)]
    pub skipped: Vec<SkippedInstance>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct BrowseRequest {
    pub request_id: String,
    pub instance_id: String,
    pub path: String,
    #[serde(default)]
    pub query: Vec<(String, String)>,
    /// `false`: a request the app makes for itself (the analytics builder's org-unit tree…),
    /// not kept in the request history. Default: kept.
    #[serde(default)]
    #[ts(optional)]
    pub record: Option<bool>,
    /// The largest answer to read for showing, in MB (Settings; default 200). Above it the
    /// request fails with `too_large` and the UI offers "Save to file" (`browse_download`).
    #[serde(default)]
    #[ts(optional)]
    pub view_limit_mb: Option<u32>,
}

/// What "Save to file" wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DownloadResult {
    pub path: String,
    pub bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct BrowseMeta {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub elapsed_ms: u64,
    pub size_bytes: u64,
    pub content_type: Option<String>,
    pub url: String,
    /// Set for a large answer: the body is not in the payload but waits, once, at this
    /// loopback address (read it with `fetch`, or `browse_take` where that fails).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub body_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AboutInfo {
    pub app_version: String,
    pub tauri_version: String,
    pub webkit_version: Option<String>,
    pub os: String,
}

/// Payload of the `sign-in-progress` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SignInProgress {
    pub instance_id: String,
    #[ts(inline)]
    pub stage: SignInStage,
    pub authorize_url: Option<String>,
    pub redirect_uri: Option<String>,
}

/// Payload of the `browse-progress` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct BrowseProgress {
    pub request_id: String,
    pub bytes: u64,
    pub total: Option<u64>,
}

/// Payload of the `browse-all-progress` event: "page 7 of 29 · 3,400 of 14,180 items".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FetchAllProgress {
    pub request_id: String,
    pub page: u64,
    pub page_count: Option<u64>,
    pub items: u64,
    pub total: Option<u64>,
}

/// What `export_table` exports: a GET of `path` with `query` (every page when `allPages`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ExportRequest {
    pub request_id: String,
    pub instance_id: String,
    pub path: String,
    #[serde(default)]
    pub query: Vec<(String, String)>,
    #[serde(default)]
    pub all_pages: bool,
    pub format: ExportFormat,
}

/// Payload of the `export-progress` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ExportProgress {
    pub request_id: String,
    pub rows: u64,
    pub total: Option<u64>,
}

/// A finished analytics run: the pivoted table as a grid with names, and the request for the
/// curious (no credential: curl uses a shell variable).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AnalyticsRunResult {
    pub instance_id: String,
    pub request: String,
    pub url: String,
    pub curl: String,
    pub rows: u64,
    /// `{headers: [{name, column, valueType, meta}], rows: string[][], metaData: {items: {}}}`.
    #[ts(
        type = "{ headers: Array<{ name: string, column: string, valueType: string, meta: boolean }>, rows: Array<Array<string>>, metaData: { items: Record<string, unknown> } }"
    )]
    pub grid: serde_json::Value,
}

/// One question on two instances.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AnalyticsCompare {
    pub left: AnalyticsRunResult,
    pub right: AnalyticsRunResult,
    pub differences: Vec<CellDiff>,
    pub left_missing: Vec<MissingItem>,
    pub right_missing: Vec<MissingItem>,
}

/// Event names (docs/commands.md).
pub mod events {
    pub const BROWSE_ALL_PROGRESS: &str = "browse-all-progress";
    pub const EXPORT_PROGRESS: &str = "export-progress";
    pub const SIGN_IN_PROGRESS: &str = "sign-in-progress";
    pub const BROWSE_PROGRESS: &str = "browse-progress";
    pub const SESSION_CHANGED: &str = "session-changed";
    /// A sign-in link no running sign-in took was finished or refused ([`super::DeepLinkOutcome`]).
    pub const DEEP_LINK_RESULT: &str = "deep-link-result";
    /// Every event the app emits (tests listen to all of them).
    pub const ALL: &[&str] = &[
        BROWSE_ALL_PROGRESS,
        EXPORT_PROGRESS,
        SIGN_IN_PROGRESS,
        BROWSE_PROGRESS,
        SESSION_CHANGED,
        DEEP_LINK_RESULT,
    ];
}

/// The ts-rs config used for `ui/src/bindings/`: 64-bit integers are plain `number`s
/// (unix seconds, byte counts and milliseconds all fit in 2^53).
pub fn ts_config() -> ts_rs::Config {
    ts_rs::Config::new().with_large_int("number")
}

/// Every exported binding: file stem and generated text.
pub fn bindings() -> Vec<(&'static str, String)> {
    fn one<T: TS + 'static>(name: &'static str, cfg: &ts_rs::Config) -> (&'static str, String) {
        let text = T::export_to_string(cfg).unwrap_or_else(|e| panic!("ts-rs export {name}: {e}"));
        (name, text)
    }
    let cfg = ts_config();
    vec![
        one::<AboutInfo>("AboutInfo", &cfg),
        one::<AppRegistrationPlan>("AppRegistrationPlan", &cfg),
        one::<AnalyticsCompare>("AnalyticsCompare", &cfg),
        one::<AnalyticsQuery>("AnalyticsQuery", &cfg),
        one::<AnalyticsRunResult>("AnalyticsRunResult", &cfg),
        one::<CellDiff>("CellDiff", &cfg),
        one::<Dimension>("Dimension", &cfg),
        one::<Layout>("Layout", &cfg),
        one::<MissingItem>("MissingItem", &cfg),
        one::<PreparedQuery>("PreparedQuery", &cfg),
        one::<QueryItem>("QueryItem", &cfg),
        one::<Question>("Question", &cfg),
        one::<SavedQuestion>("SavedQuestion", &cfg),
        one::<AppError>("AppError", &cfg),
        one::<AuthKind>("AuthKind", &cfg),
        one::<BrowseMeta>("BrowseMeta", &cfg),
        one::<BrowseProgress>("BrowseProgress", &cfg),
        one::<BrowseRequest>("BrowseRequest", &cfg),
        one::<DownloadResult>("DownloadResult", &cfg),
        one::<ErrorKind>("ErrorKind", &cfg),
        one::<ExportFormat>("ExportFormat", &cfg),
        one::<ExportProgress>("ExportProgress", &cfg),
        one::<ExportRequest>("ExportRequest", &cfg),
        one::<ExportResult>("ExportResult", &cfg),
        one::<FetchAllProgress>("FetchAllProgress", &cfg),
        one::<HistoryEntry>("HistoryEntry", &cfg),
        one::<ImportReport>("ImportReport", &cfg),
        one::<DeepLinkOutcome>("DeepLinkOutcome", &cfg),
        one::<ForgetDeviceReport>("ForgetDeviceReport", &cfg),
        one::<Instance>("Instance", &cfg),
        one::<InstanceInput>("InstanceInput", &cfg),
        one::<InstancesState>("InstancesState", &cfg),
        one::<MethodSupport>("MethodSupport", &cfg),
        one::<OAuth2Settings>("OAuth2Settings", &cfg),
        one::<ObjectRef>("ObjectRef", &cfg),
        one::<ProbeResult>("ProbeResult", &cfg),
        one::<RegisteredApp>("RegisteredApp", &cfg),
        one::<RedirectMode>("RedirectMode", &cfg),
        one::<ResourcePath>("ResourcePath", &cfg),
        one::<SearchGroup>("SearchGroup", &cfg),
        one::<SearchHit>("SearchHit", &cfg),
        one::<SearchResults>("SearchResults", &cfg),
        one::<SessionState>("SessionState", &cfg),
        one::<SessionStatus>("SessionStatus", &cfg),
        one::<SignInProgress>("SignInProgress", &cfg),
        one::<StorageStatus>("StorageStatus", &cfg),
        one::<StoredSecrets>("StoredSecrets", &cfg),
        one::<VerifyResult>("VerifyResult", &cfg),
    ]
}
