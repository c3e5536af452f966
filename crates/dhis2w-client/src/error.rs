//! The one error type of the core. It crosses to the UI as `{kind, message}`:
//! `kind` is stable and machine-readable, `message` is plain words with a next step.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Stable, machine-readable error kinds. The UI maps each one to translated words.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// Wrong username or password.
    InvalidCredentials,
    /// DHIS2 says "Account locked".
    AccountLocked,
    /// DHIS2 says "Account disabled".
    AccountDisabled,
    /// A PAT or access token has expired.
    TokenExpired,
    /// A PAT that fails the offline format/checksum check.
    PatMalformed,
    /// DHIS2 refused a well-formed PAT (unknown, IP/method/referrer limits, owner state).
    PatRejected,
    /// The user must run the browser sign-in again (no refresh token, or `invalid_grant`).
    SignInRequired,
    /// Connection refused, DNS failure, reset.
    ServerUnreachable,
    /// TLS handshake or certificate problem.
    Tls,
    /// The address answers, but not like DHIS2.
    NotDhis2,
    /// The server has no OAuth2 authorization server (off, or DHIS2 older than 2.42).
    OauthNotEnabled,
    /// The server refused our redirect URI.
    RedirectNotRegistered,
    /// DHIS2 refused its own token with "Invalid mapping claim" (server configuration).
    InvalidMappingClaim,
    /// Any other OAuth2 protocol error (`invalid_client`, `access_denied`, state mismatch…).
    OauthError,
    /// 403.
    Forbidden,
    /// 404.
    NotFound,
    /// 5xx.
    ServerError,
    /// The user cancelled.
    Cancelled,
    /// Took too long.
    Timeout,
    /// Bad input from the user (validation).
    InvalidInput,
    /// The OS keyring cannot be used.
    StorageUnavailable,
    /// The profiles file cannot be read or written.
    ProfileFile,
    /// The disk is full: a file could not be saved (nothing was changed).
    DiskFull,
    /// A file or folder may not be written (read-only, permission denied).
    FileNotWritable,
    /// An answer larger than the user's limit for answers to show ("Save to file" instead).
    TooLarge,
    /// This DHIS2 does not offer keeping a computer signed in (device enrolment: 2.42.5+ with
    /// the OAuth2 server on).
    EnrolmentUnavailable,
    /// DHIS2 refused to register this computer (redirect allowlist, user group, or the
    /// registration itself); the message names the setting for the administrator.
    EnrolmentRefused,
    /// A bug or an unexpected condition.
    Internal,
}

impl ErrorKind {
    /// The snake_case name, as sent to the UI.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidCredentials => "invalid_credentials",
            Self::AccountLocked => "account_locked",
            Self::AccountDisabled => "account_disabled",
            Self::TokenExpired => "token_expired",
            Self::PatMalformed => "pat_malformed",
            Self::PatRejected => "pat_rejected",
            Self::SignInRequired => "sign_in_required",
            Self::ServerUnreachable => "server_unreachable",
            Self::Tls => "tls",
            Self::NotDhis2 => "not_dhis2",
            Self::OauthNotEnabled => "oauth_not_enabled",
            Self::RedirectNotRegistered => "redirect_not_registered",
            Self::InvalidMappingClaim => "invalid_mapping_claim",
            Self::OauthError => "oauth_error",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not_found",
            Self::ServerError => "server_error",
            Self::Cancelled => "cancelled",
            Self::Timeout => "timeout",
            Self::InvalidInput => "invalid_input",
            Self::StorageUnavailable => "storage_unavailable",
            Self::ProfileFile => "profile_file",
            Self::EnrolmentUnavailable => "enrolment_unavailable",
            Self::EnrolmentRefused => "enrolment_refused",
            Self::DiskFull => "disk_full",
            Self::FileNotWritable => "file_not_writable",
            Self::TooLarge => "too_large",
            Self::Internal => "internal",
        }
    }

    /// Every kind, for exhaustive tests and binding generation.
    pub const ALL: [ErrorKind; 28] = [
        Self::InvalidCredentials,
        Self::AccountLocked,
        Self::AccountDisabled,
        Self::TokenExpired,
        Self::PatMalformed,
        Self::PatRejected,
        Self::SignInRequired,
        Self::ServerUnreachable,
        Self::Tls,
        Self::NotDhis2,
        Self::OauthNotEnabled,
        Self::RedirectNotRegistered,
        Self::InvalidMappingClaim,
        Self::OauthError,
        Self::Forbidden,
        Self::NotFound,
        Self::ServerError,
        Self::Cancelled,
        Self::Timeout,
        Self::InvalidInput,
        Self::StorageUnavailable,
        Self::ProfileFile,
        Self::DiskFull,
        Self::FileNotWritable,
        Self::TooLarge,
        Self::EnrolmentUnavailable,
        Self::EnrolmentRefused,
        Self::Internal,
    ];
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The core's error: a stable [`ErrorKind`] plus a human message. Messages never contain
/// a secret; build them only from values the user may see.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Error {
    kind: ErrorKind,
    message: String,
    #[source]
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

impl Error {
    /// An error of `kind` with a plain-language `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            source: None,
        }
    }

    /// Attaches the underlying cause (kept for logs; never shown to the UI).
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(Box::new(source));
        self
    }

    /// The stable kind.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The human message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// Serialised as `{"kind": "...", "message": "..."}` for the UI.
impl Serialize for Error {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("Error", 2)?;
        s.serialize_field("kind", &self.kind)?;
        s.serialize_field("message", &self.message)?;
        s.end()
    }
}

/// The core's result alias.
pub type Result<T> = std::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_as_kind_and_message() {
        let e = Error::new(ErrorKind::SignInRequired, "Sign in again.");
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"kind": "sign_in_required", "message": "Sign in again."})
        );
    }

    #[test]
    fn as_str_matches_serde_for_every_kind() {
        for k in ErrorKind::ALL {
            assert_eq!(
                serde_json::to_value(k).unwrap(),
                serde_json::json!(k.as_str())
            );
        }
    }
}
