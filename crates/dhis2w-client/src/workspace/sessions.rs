//! Live sessions: one DHIS2 client (and OAuth2 provider) per instance, built once even under
//! concurrent calls and forgotten when the instance changes; session status, sign-in,
//! sign-out and verification, identical for every front end.

use super::{lock, now_secs, Workspace};
use crate::auth::oauth2::REFRESH_MARGIN_SECS;
use crate::client::RawResponse;
use crate::from_profile;
use crate::profile::{AuthKind, Instance, InstanceInput};
use crate::session::SessionUser;
use crate::{
    AuthProvider, BasicAuth, Dhis2Client, Error, ErrorKind, OAuth2Auth, PatAuth, Result,
    SessionState,
};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
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

/// Who is signed in, until when, with which scopes: never a token.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionStatus {
    pub instance_id: String,
    pub state: SessionState,
    #[cfg_attr(feature = "ts", ts(inline))]
    pub user: Option<SessionUser>,
    // Unix seconds; OAuth2 only.
    pub expires_at: Option<i64>,
    pub scopes: Vec<String>,
    /// This computer is registered with the instance's DHIS2 ("keep me signed in").
    #[serde(default)]
    pub device_enrolled: bool,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifyResult {
    pub username: String,
    pub display_name: String,
    pub version: Option<String>,
    /// How long `/api/me` took to answer, in milliseconds.
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(default)]
    pub latency_ms: Option<u64>,
    /// The user may register apps on this server (authority F_OAUTH2_CLIENT_MANAGE, or a
    /// superuser): the app can offer "Register dhis2w Desktop on this server".
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(default)]
    pub can_register_apps: Option<bool>,
}

impl Workspace {
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

    pub(super) fn oauth2_of(session: &Session) -> Result<Arc<OAuth2Auth>> {
        session
            .oauth2
            .clone()
            .ok_or_else(|| Error::new(ErrorKind::Internal, "OAuth2 session without provider."))
    }

    /// The user last seen for `id`.
    pub fn user(&self, id: &str) -> Option<SessionUser> {
        self.credentials.user(id)
    }

    /// The session status of `id`. Basic/PAT: the stored secret, the user seen this run, or
    /// one short `/api/me` check; OAuth2: the stored token, and the user seen this run (or one
    /// short `/api/me` check while the token is valid long enough that it never refreshes).
    pub async fn status(&self, id: &str) -> Result<SessionStatus> {
        let inst = self.instance(id).await?;
        let mut status = SessionStatus {
            instance_id: id.to_owned(),
            state: SessionState::SignedOut,
            user: None,
            expires_at: None,
            scopes: vec![],
            device_enrolled: false,
        };
        match inst.auth_kind {
            AuthKind::Basic | AuthKind::Pat => {
                let s = self.credentials.status(&inst, &self.secrets).await?;
                status.state = s.state;
                status.user = s.user;
            }
            AuthKind::Oauth2 => {
                let session = self.session(id).await?;
                let auth = Self::oauth2_of(&session)?;
                status.device_enrolled = auth.uses_device_key();
                if let Some(t) = auth.status().await? {
                    status.state = t.session_state(now_secs());
                    status.expires_at = Some(t.expires_at);
                    status.scopes = t.scopes;
                    if status.state == SessionState::SignedIn {
                        status.user = self.user(id);
                        if status.user.is_none() && t.expires_at - now_secs() > REFRESH_MARGIN_SECS
                        {
                            status.user = self
                                .credentials
                                .identify(&inst, session.client.auth().clone())
                                .await;
                        }
                    }
                }
            }
        }
        Ok(status)
    }
    /// Renews an OAuth2 sign-in now with its refresh token ("Refresh now"); an instance
    /// without one must sign in again (`sign_in_required`). Returns the new status.
    pub async fn refresh_now(&self, id: &str) -> Result<SessionStatus> {
        let session = self.session(id).await?;
        let auth = session.oauth2.clone().ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidInput,
                "Only a browser sign-in can be renewed; this instance uses a password or token.",
            )
        })?;
        auth.refresh_now().await?;
        self.status(id).await
    }

    /// Signs `id` out: OAuth2 revokes where possible and deletes the token; Basic/PAT delete
    /// the stored password/PAT (the app can no longer act as the user). Returns the new status.
    pub async fn sign_out(&self, id: &str) -> Result<SessionStatus> {
        let inst = self.instance(id).await?;
        self.cancel_sign_in(id);
        if inst.auth_kind == AuthKind::Oauth2 {
            let session = self.session(id).await?;
            let report = Self::oauth2_of(&session)?.sign_out().await?;
            if let Some(detail) = report.detail {
                tracing::info!(revoked = report.revoked, "{detail}");
            }
        } else {
            self.credentials.sign_out(&inst, &self.secrets).await?;
        }
        self.forget_session(id);
        self.status(id).await
    }

    /// Checks a saved instance's stored credentials (or OAuth2 token) with `/api/me`. Never
    /// opens a browser. A refusal marks the instance "needs sign-in".
    pub async fn verify_saved(&self, id: &str) -> Result<VerifyResult> {
        let session = self.session(id).await?;
        let result = verify_with(&session.client).await;
        match &result {
            Err(e) => self.credentials.observe_error(id, e),
            Ok(v) => self.credentials.remember_user(
                id,
                SessionUser {
                    username: v.username.clone(),
                    display_name: v.display_name.clone(),
                },
            ),
        }
        result
    }

    /// The session of `id` for a request on the user's behalf. A Basic or PAT credential the
    /// server refused in this run is not sent again (DHIS2 locks an account after a few
    /// failures): the user must enter it again or sign in first.
    pub async fn request_session(&self, id: &str) -> Result<Session> {
        let session = self.session(id).await?;
        if session.instance.auth_kind != AuthKind::Oauth2 && self.credentials.is_refused(id) {
            let what = if session.instance.auth_kind == AuthKind::Pat {
                "personal access token"
            } else {
                "password"
            };
            return Err(Error::new(
                ErrorKind::SignInRequired,
                format!(
                    "The server refused the saved {what} for \"{}\". Enter it again (Edit) or sign \
                     in to go on; it is not sent again until then, so that DHIS2 does not lock the \
                     account.",
                    session.instance.name
                ),
            ));
        }
        Ok(session)
    }

    /// GET `path` with `id`'s session, streaming with progress and cancel; what the answer
    /// says about the sign-in is remembered (a refusal makes it "needs sign-in").
    pub async fn get(
        &self,
        id: &str,
        path: &str,
        query: &[(String, String)],
        progress: Option<&(dyn Fn(u64, Option<u64>) + Send + Sync)>,
        cancel: Option<&CancellationToken>,
    ) -> Result<RawResponse> {
        let session = self.request_session(id).await?;
        let result = session
            .client
            .get_streaming(path, query, progress, cancel)
            .await;
        self.credentials.observe(id, path, &result);
        result
    }

    /// "Save to file": GETs `path` with `id`'s session and streams the answer into `dest`
    /// without holding it in memory ([`Dhis2Client::download_to`](crate::Dhis2Client::download_to)),
    /// with progress and cancel; a refusal makes the instance "needs sign-in" as for any request.
    pub async fn download(
        &self,
        id: &str,
        path: &str,
        query: &[(String, String)],
        dest: &std::path::Path,
        progress: Option<&(dyn Fn(u64, Option<u64>) + Send + Sync)>,
        cancel: Option<&CancellationToken>,
    ) -> Result<crate::download::Download> {
        let session = self.request_session(id).await?;
        let result = session
            .client
            .download_to(path, query, dest, progress, cancel)
            .await;
        if let Err(e) = &result {
            self.credentials.observe_error(id, e);
        }
        result
    }
}

/// Checks credentials with `GET /api/me` (and the version from `/api/system/info`).
/// Checks credentials with `GET /api/me` (and the version from `/api/system/info`).
pub async fn verify_with(client: &Dhis2Client) -> Result<VerifyResult> {
    let started = std::time::Instant::now();
    let me = client.me().await?;
    let latency_ms = started.elapsed().as_millis() as u64;
    let version = client.system_info().await.ok().and_then(|s| s.version);
    let username = me.username().unwrap_or_default().to_owned();
    let display_name = me
        .display_name()
        .map(str::to_owned)
        .unwrap_or_else(|| username.clone());
    let can_register_apps = me
        .authorities
        .iter()
        .any(|a| a == "ALL" || a == "F_OAUTH2_CLIENT_MANAGE");
    Ok(VerifyResult {
        username,
        display_name,
        version,
        latency_ms: Some(latency_ms),
        can_register_apps: Some(can_register_apps),
    })
}

/// Checks the Basic or PAT credentials of a form before saving. Never opens a browser; OAuth2
/// is checked by signing in.
pub async fn verify_input(input: &InstanceInput) -> Result<VerifyResult> {
    let base = crate::client::normalise_base_url(&input.base_url)?;
    let auth: Arc<dyn AuthProvider> =
        match input.auth_kind {
            Some(AuthKind::Basic) => {
                let password = input
                    .password
                    .clone()
                    .filter(|p| !p.expose().is_empty())
                    .ok_or_else(|| {
                        Error::new(ErrorKind::InvalidInput, "Enter the password to check it.")
                    })?;
                let username = input.username.clone().unwrap_or_default();
                Arc::new(BasicAuth::new(username, password)?)
            }
            Some(AuthKind::Pat) => {
                let pat = input
                    .pat
                    .clone()
                    .filter(|p| !p.expose().is_empty())
                    .ok_or_else(|| {
                        Error::new(
                            ErrorKind::InvalidInput,
                            "Paste the personal access token to check it.",
                        )
                    })?;
                Arc::new(PatAuth::new(pat)?)
            }
            Some(AuthKind::Oauth2) | None => return Err(Error::new(
                ErrorKind::InvalidInput,
                "OAuth2 sign-in is checked by signing in: save the instance, then click Sign in.",
            )),
        };
    let options = crate::client::ClientOptions {
        extra_ca_pem: input
            .ca_cert_path
            .as_deref()
            .filter(|p| !p.trim().is_empty())
            .map(std::path::PathBuf::from),
        ..crate::client::ClientOptions::default()
    };
    let client = Dhis2Client::new(base.as_str(), auth, options)?;
    verify_with(&client).await
}
