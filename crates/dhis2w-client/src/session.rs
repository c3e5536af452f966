//! What "signed in" means for a saved instance, in words a non-developer expects.
//!
//! For **Basic and PAT** instances the app acts as the user as long as it holds their password or
//! token, so:
//!
//! * no stored password/PAT → [`SessionState::SignedOut`];
//! * a stored one → [`SessionState::SignedIn`], with the DHIS2 user last seen by a successful
//!   verify, sign-in or `/api/me` request, kept **in memory** for this run (never on disk). When
//!   nothing is known yet, `/api/me` is checked once with a short timeout and the answer kept;
//! * the server refused it (wrong password, expired or rejected PAT, locked or disabled
//!   account…) → [`SessionState::NeedsSignIn`];
//! * the server could not be asked (network, timeout, server error) → still
//!   [`SessionState::SignedIn`], with no user.
//!
//! Signing out deletes the stored password/PAT (the app can no longer act as the user); signing
//! in checks the stored one with `/api/me`, or fails with [`ErrorKind::SignInRequired`] when none
//! is stored (the UI then asks for it).
//!
//! The user cache also holds the user seen by an OAuth2 sign-in, whose state comes from its token
//! ([`crate::OAuth2Auth::status`]); after a restart, [`CredentialSessions::identify`] asks
//! `/api/me` once for it.

use crate::client::{ClientOptions, Dhis2Client, RawResponse};
use crate::from_profile::{client_options, profile_auth};
use crate::models::Me;
use crate::profile::{AuthKind, Instance};
use crate::secret_store::{SecretKind, SecretStore};
use crate::{AuthProvider, Error, ErrorKind, Result};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long the background `/api/me` check of [`CredentialSessions::status`] may take.
pub const STATUS_CHECK_TIMEOUT: Duration = Duration::from_secs(5);

/// The DHIS2 user an instance acts as.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionUser {
    /// e.g. `admin`.
    pub username: String,
    /// e.g. `John Traore`; the username when DHIS2 gives no name.
    pub display_name: String,
}

impl SessionUser {
    /// The user of an `/api/me` answer.
    pub fn from_me(me: &Me) -> Self {
        let username = me.username().unwrap_or_default().to_owned();
        let display_name = me
            .display_name()
            .filter(|d| !d.trim().is_empty())
            .map(str::to_owned)
            .unwrap_or_else(|| username.clone());
        Self {
            username,
            display_name,
        }
    }
}

/// Whether the app can act as the user on an instance.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionState {
    /// The app can act as the user.
    SignedIn,
    /// Nothing is stored: the user signed out, or never entered a password/token.
    SignedOut,
    /// Something is stored, but the server refuses it (or an OAuth2 sign-in has run out).
    NeedsSignIn,
}

/// A Basic/PAT instance's state and, when known, its user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialStatus {
    /// Signed in, out, or needing a new password/token.
    pub state: SessionState,
    /// Known only when signed in and the server said who this is.
    pub user: Option<SessionUser>,
}

impl CredentialStatus {
    fn new(state: SessionState, user: Option<SessionUser>) -> Self {
        Self { state, user }
    }
}

/// The stored secret that signs a Basic or PAT instance in; `None` for OAuth2.
pub fn credential_kind(auth: AuthKind) -> Option<SecretKind> {
    match auth {
        AuthKind::Basic => Some(SecretKind::Password),
        AuthKind::Pat => Some(SecretKind::Pat),
        AuthKind::Oauth2 => None,
    }
}

/// True for errors that mean "the server refuses these credentials" (the user must enter new
/// ones), as opposed to "the server could not be asked".
pub fn is_auth_failure(kind: ErrorKind) -> bool {
    matches!(
        kind,
        ErrorKind::InvalidCredentials
            | ErrorKind::AccountLocked
            | ErrorKind::AccountDisabled
            | ErrorKind::TokenExpired
            | ErrorKind::PatMalformed
            | ErrorKind::PatRejected
            | ErrorKind::SignInRequired
    )
}

/// What this run learned about an instance's credentials.
#[derive(Debug, Clone)]
enum Seen {
    /// They work, and this is who they belong to.
    User(SessionUser),
    /// The server refused them.
    Refused,
}

/// In-memory knowledge about each instance's sign-in (one per app run; nothing is written to
/// disk). Cheap to share: clone the `Arc` it lives in.
#[derive(Debug, Default)]
pub struct CredentialSessions {
    seen: Mutex<HashMap<String, Seen>>,
    /// One `/api/me` check at a time per instance, so a burst of status calls asks once.
    checks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl CredentialSessions {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    fn seen(&self) -> std::sync::MutexGuard<'_, HashMap<String, Seen>> {
        self.seen.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Remembers that instance `id` acts as `user`.
    pub fn remember_user(&self, id: &str, user: SessionUser) {
        self.seen().insert(id.to_owned(), Seen::User(user));
    }

    /// The user last seen for instance `id`, if any.
    pub fn user(&self, id: &str) -> Option<SessionUser> {
        match self.seen().get(id) {
            Some(Seen::User(u)) => Some(u.clone()),
            _ => None,
        }
    }

    /// Forgets everything known about instance `id` (after its settings or secrets changed,
    /// it was removed, or the user signed out).
    pub fn forget(&self, id: &str) {
        self.seen().remove(id);
    }

    /// Learns from the outcome of a request made with instance `id`'s credentials: a refusal
    /// marks them refused; a successful `/api/me` names the user; any other success clears an
    /// earlier refusal (they work again).
    pub fn observe(&self, id: &str, path: &str, result: &Result<RawResponse>) {
        match result {
            Err(e) => self.observe_error(id, e),
            Ok(raw) if raw.is_success() => {
                // Only `/api/me` is read, and only then parsed: any other answer may be tens of
                // megabytes (parsing a 60 MB list as `Me` took seconds per Get; issue 13).
                let is_me = path.trim_end_matches('/').trim_start_matches('/') == "api/me";
                match is_me.then(|| raw.json::<Me>().ok()).flatten() {
                    Some(me) if me.username().is_some() => {
                        self.remember_user(id, SessionUser::from_me(&me))
                    }
                    _ => {
                        let mut seen = self.seen();
                        if matches!(seen.get(id), Some(Seen::Refused)) {
                            seen.remove(id);
                        }
                    }
                }
            }
            Ok(_) => {}
        }
    }

    /// True when the server refused instance `id`'s password or token in this run (until the
    /// user enters it again, edits the instance or signs in).
    pub fn is_refused(&self, id: &str) -> bool {
        matches!(self.seen().get(id), Some(Seen::Refused))
    }

    /// Learns from a failed request made with instance `id`'s credentials: a refusal marks
    /// them refused; other failures (network…) teach nothing.
    pub fn observe_error(&self, id: &str, error: &Error) {
        if is_auth_failure(error.kind()) {
            self.seen().insert(id.to_owned(), Seen::Refused);
        }
    }

    /// Records what an `/api/me` call with instance `id`'s credentials said.
    fn record_me(&self, id: &str, result: &Result<Me>) {
        match result {
            Ok(me) => self.remember_user(id, SessionUser::from_me(me)),
            Err(e) => self.observe_error(id, e),
        }
    }

    fn check_lock(&self, id: &str) -> Arc<tokio::sync::Mutex<()>> {
        self.checks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(id.to_owned())
            .or_default()
            .clone()
    }

    /// The state of a Basic or PAT instance (see the module docs). May call `/api/me` once,
    /// with [`STATUS_CHECK_TIMEOUT`], when nothing is known about the instance yet.
    pub async fn status(&self, inst: &Instance, secrets: &SecretStore) -> Result<CredentialStatus> {
        let kind = credential_kind(inst.auth_kind).ok_or_else(|| {
            Error::new(
                ErrorKind::Internal,
                "OAuth2 sign-in state comes from its token, not from a stored password.",
            )
        })?;
        if !secrets.has(&inst.id, kind).await? {
            return Ok(CredentialStatus::new(SessionState::SignedOut, None));
        }
        if let Some(s) = self.known(&inst.id) {
            return Ok(s);
        }
        let lock = self.check_lock(&inst.id);
        let _guard = lock.lock().await;
        // Another call may have checked while this one waited.
        if let Some(s) = self.known(&inst.id) {
            return Ok(s);
        }
        let options = check_options(inst);
        let result = match tokio::time::timeout(
            STATUS_CHECK_TIMEOUT,
            me_with(inst, secrets, &options),
        )
        .await
        {
            Ok(r) => r,
            Err(_) => Err(Error::new(
                ErrorKind::Timeout,
                "The server took too long to say who is signed in.",
            )),
        };
        self.record_me(&inst.id, &result);
        Ok(match result {
            Ok(me) => {
                CredentialStatus::new(SessionState::SignedIn, Some(SessionUser::from_me(&me)))
            }
            Err(e) if is_auth_failure(e.kind()) => {
                CredentialStatus::new(SessionState::NeedsSignIn, None)
            }
            Err(e) => {
                tracing::info!(kind = %e.kind(), "could not check who is signed in; assuming the stored credentials still work");
                CredentialStatus::new(SessionState::SignedIn, None)
            }
        })
    }

    /// Who an OAuth2 instance acts as: the user seen this run, else one `/api/me` with `auth`
    /// and short timeouts (remembered when it answers). Call it only while the access token is
    /// valid for longer than [`crate::auth::oauth2::REFRESH_MARGIN_SECS`], so that the check
    /// never refreshes the token. `None` when the server does not say.
    pub async fn identify(
        &self,
        inst: &Instance,
        auth: Arc<dyn AuthProvider>,
    ) -> Option<SessionUser> {
        if let Some(u) = self.user(&inst.id) {
            return Some(u);
        }
        let lock = self.check_lock(&inst.id);
        let _guard = lock.lock().await;
        if let Some(u) = self.user(&inst.id) {
            return Some(u);
        }
        let client = Dhis2Client::new(&inst.base_url, auth, check_options(inst)).ok()?;
        match client.me().await {
            Ok(me) => {
                let user = SessionUser::from_me(&me);
                self.remember_user(&inst.id, user.clone());
                Some(user)
            }
            Err(e) => {
                tracing::info!(kind = %e.kind(), "could not ask the server who is signed in");
                None
            }
        }
    }

    fn known(&self, id: &str) -> Option<CredentialStatus> {
        match self.seen().get(id)? {
            Seen::User(u) => Some(CredentialStatus::new(
                SessionState::SignedIn,
                Some(u.clone()),
            )),
            Seen::Refused => Some(CredentialStatus::new(SessionState::NeedsSignIn, None)),
        }
    }

    /// Signs a Basic or PAT instance in: checks the stored password/PAT with `/api/me` and
    /// remembers the user. With nothing stored: [`ErrorKind::SignInRequired`] (ask the user for
    /// it). A refusal is returned as its error kind and remembered.
    pub async fn sign_in(&self, inst: &Instance, secrets: &SecretStore) -> Result<SessionUser> {
        let kind = credential_kind(inst.auth_kind).ok_or_else(|| {
            Error::new(
                ErrorKind::Internal,
                "OAuth2 instances sign in through the browser.",
            )
        })?;
        if !secrets.has(&inst.id, kind).await? {
            let what = match kind {
                SecretKind::Pat => "personal access token",
                _ => "password",
            };
            return Err(Error::new(
                ErrorKind::SignInRequired,
                format!(
                    "No {what} is saved for \"{}\". Enter it to sign in.",
                    inst.name
                ),
            ));
        }
        let result = me_with(inst, secrets, &client_options(inst)).await;
        self.record_me(&inst.id, &result);
        Ok(SessionUser::from_me(&result?))
    }

    /// Signs a Basic or PAT instance out: deletes its stored password and PAT, and forgets its
    /// user. The instance stays saved.
    pub async fn sign_out(&self, inst: &Instance, secrets: &SecretStore) -> Result<()> {
        if credential_kind(inst.auth_kind).is_none() {
            return Err(Error::new(
                ErrorKind::Internal,
                "OAuth2 instances sign out by revoking their token.",
            ));
        }
        secrets.delete(&inst.id, SecretKind::Password).await?;
        secrets.delete(&inst.id, SecretKind::Pat).await?;
        self.forget(&inst.id);
        Ok(())
    }
}

/// Short timeouts and no retries, for the background "who is this?" checks.
fn check_options(inst: &Instance) -> ClientOptions {
    ClientOptions {
        connect_timeout: STATUS_CHECK_TIMEOUT,
        read_timeout: STATUS_CHECK_TIMEOUT,
        max_retries: 0,
        ..client_options(inst)
    }
}

/// `GET /api/me` with `inst`'s stored credentials.
async fn me_with(inst: &Instance, secrets: &SecretStore, options: &ClientOptions) -> Result<Me> {
    let auth = profile_auth(inst, secrets, options).await?;
    let client = Dhis2Client::new(&inst.base_url, auth.provider(), options.clone())?;
    client.me().await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Secret;

    fn inst(kind: AuthKind) -> Instance {
        Instance {
            id: "test-instance".into(),
            name: "Test".into(),
            base_url: "http://127.0.0.1:9".into(),
            auth_kind: kind,
            username: Some("admin".into()),
            oauth2: None,
            ca_cert_path: None,
            color: None,
            notes: None,
        }
    }

    fn raw(status: u16, body: &str) -> RawResponse {
        RawResponse {
            status,
            headers: vec![],
            url: "http://127.0.0.1:9/api/me".into(),
            elapsed: Duration::ZERO,
            content_type: Some("application/json".into()),
            body: bytes::Bytes::from(body.to_owned()),
        }
    }

    #[test]
    fn auth_failures_are_told_apart_from_network_failures() {
        for k in [
            ErrorKind::InvalidCredentials,
            ErrorKind::AccountLocked,
            ErrorKind::AccountDisabled,
            ErrorKind::TokenExpired,
            ErrorKind::PatMalformed,
            ErrorKind::PatRejected,
            ErrorKind::SignInRequired,
        ] {
            assert!(is_auth_failure(k), "{k}");
        }
        for k in [
            ErrorKind::ServerUnreachable,
            ErrorKind::Timeout,
            ErrorKind::Tls,
            ErrorKind::ServerError,
            ErrorKind::Cancelled,
        ] {
            assert!(!is_auth_failure(k), "{k}");
        }
    }

    #[test]
    fn display_name_falls_back_to_the_username() {
        let me: Me =
            serde_json::from_str(r#"{"username":"admin","displayName":"John Traore"}"#).unwrap();
        assert_eq!(SessionUser::from_me(&me).display_name, "John Traore");
        let me: Me = serde_json::from_str(r#"{"username":"admin","displayName":" "}"#).unwrap();
        assert_eq!(SessionUser::from_me(&me).display_name, "admin");
    }

    #[tokio::test]
    async fn status_follows_the_stored_secret_and_what_was_seen() {
        let secrets = SecretStore::session_only(None);
        let c = CredentialSessions::new();
        let i = inst(AuthKind::Basic);
        assert_eq!(
            c.status(&i, &secrets).await.unwrap().state,
            SessionState::SignedOut
        );
        secrets
            .set(&i.id, SecretKind::Password, Secret::new("pw"))
            .await
            .unwrap();
        // Nothing listens on port 9: a network failure keeps "signed in", with no user.
        let s = c.status(&i, &secrets).await.unwrap();
        assert_eq!(s, CredentialStatus::new(SessionState::SignedIn, None));

        c.observe(
            &i.id,
            "/api/me",
            &Ok(raw(
                200,
                r#"{"username":"admin","displayName":"John Traore"}"#,
            )),
        );
        let s = c.status(&i, &secrets).await.unwrap();
        assert_eq!(s.state, SessionState::SignedIn);
        assert_eq!(s.user.unwrap().display_name, "John Traore");

        c.observe(
            &i.id,
            "/api/dataElements",
            &Err(Error::new(ErrorKind::InvalidCredentials, "no")),
        );
        assert_eq!(
            c.status(&i, &secrets).await.unwrap().state,
            SessionState::NeedsSignIn
        );
        // Another request works again: the refusal is forgotten.
        c.observe(&i.id, "/api/dataElements", &Ok(raw(200, "{}")));
        assert!(c.user(&i.id).is_none());

        c.remember_user(
            &i.id,
            SessionUser {
                username: "admin".into(),
                display_name: "John Traore".into(),
            },
        );
        c.sign_out(&i, &secrets).await.unwrap();
        assert!(!secrets.has(&i.id, SecretKind::Password).await.unwrap());
        assert!(c.user(&i.id).is_none());
        assert_eq!(
            c.status(&i, &secrets).await.unwrap().state,
            SessionState::SignedOut
        );
        let e = c.sign_in(&i, &secrets).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::SignInRequired);
    }
}
