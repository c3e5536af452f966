//! # dhis2w-client
//!
//! The Tauri-free core of dhis2w Desktop. Every sign-in method implements one
//! [`AuthProvider`] contract (`headers()` + `refresh_if_needed()`), so the rest of the
//! client is identical whatever the user picked.

pub mod analytics;
pub mod app_registration;
pub mod auth;
pub mod capture;
pub mod client;
pub mod download;
pub mod error;
pub mod from_profile;
pub mod fsio;
pub mod handoff;
pub mod history;
pub mod leak_scan;
pub mod log;
pub mod models;
pub mod probe;
pub mod profile;
pub mod saved;
pub mod search;
pub mod secret;
pub mod secret_store;
pub mod session;
pub mod table;
pub mod token;
pub mod webmessage;
pub mod workspace;

pub use auth::{
    check_pat, AuthProvider, BasicAuth, ClientAuth, OAuth2Auth, OAuth2Config, PatAuth,
    SignInOptions, SignInProgress, SignInStage, SignOutReport, SignedIn,
};
pub use capture::{
    BrowserOpener, DeepLinkCapturer, DeepLinkHandle, LoopbackCapturer, RedirectCapturer,
};
pub use client::{build_http_client, ClientOptions, Dhis2Client, RawResponse};
pub use error::{Error, ErrorKind, Result};
pub use from_profile::{auth_provider, profile_auth, ProfileAuth};
pub use models::{Dhis2Version, LoginConfig, Me, ResourcePath, Resources, SystemInfo};
pub use probe::{probe, resolve_base_url, ProbeResult, SignInMethod};
pub use profile::{AuthKind, Instance, InstanceInput, ProfileStore};
pub use secret::Secret;
pub use secret_store::{KeyringTokenStore, SecretKind, SecretStore, StorageMode, StorageStatus};
pub use session::{CredentialSessions, CredentialStatus, SessionState, SessionUser};
pub use token::{MemoryTokenStore, OAuth2Token, TokenKey, TokenStore};
pub use workspace::{
    Session, SessionStatus, SignInRequest, VerifyResult, Workspace, WorkspaceOptions,
};
