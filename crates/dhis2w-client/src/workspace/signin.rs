//! Signing in: the browser sign-in with its redirect receivers, "keep me signed in" (device
//! enrolment), sign-in links that start the app, and "Forget this computer".

use super::Workspace;
use crate::auth::oauth2::{PendingCallback, PendingSignIn, ProgressCallback};
use crate::capture::{
    BrowserOpener, DeepLinkCapturer, DeepLinkOptions, LoopbackCapturer, LoopbackOptions,
    RedirectCapturer,
};
use crate::profile::{AuthKind, RedirectMode};
use crate::secret_store::SecretKind;
use crate::session::SessionUser;
use crate::workspace::sessions::SessionStatus;
use crate::{Dhis2Client, Error, ErrorKind, Result, Secret, SignInOptions};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// What "Forget this computer" did.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ForgetDeviceReport {
    pub status: SessionStatus,
    /// The registration was also deleted on the server (needs the authority to manage OAuth2
    /// clients); otherwise an administrator can remove it there.
    pub removed_on_server: bool,
}

/// How an interactive sign-in runs.
pub struct SignInRequest<'a> {
    /// "Sign in as a different user".
    pub different_user: bool,
    /// Opens the authorize page (the system browser, or a test browser).
    pub browser: &'a dyn BrowserOpener,
    /// Progress events of a browser sign-in.
    pub progress: Option<ProgressCallback>,
    /// "Keep me signed in on this computer": register this computer with DHIS2 first (device
    /// enrolment), unless it already is. OAuth2 only.
    pub keep_signed_in: bool,
}

/// The redirect receiver of one browser trip.
enum Capturer {
    Loopback(LoopbackCapturer),
    DeepLink(DeepLinkCapturer),
}

impl Capturer {
    fn as_dyn(&self) -> &dyn RedirectCapturer {
        match self {
            Self::Loopback(c) => c,
            Self::DeepLink(c) => c,
        }
    }
}

impl Workspace {
    /// Signs `id` in. Basic/PAT: checks the stored password/PAT with `/api/me` (none stored:
    /// `sign_in_required`). OAuth2: the browser sign-in (PKCE, loopback or deep-link redirect),
    /// cancelling one already running for `id`. Returns the new status.
    pub async fn sign_in(&self, id: &str, request: SignInRequest<'_>) -> Result<SessionStatus> {
        let inst = self.instance(id).await?;
        if inst.auth_kind != AuthKind::Oauth2 {
            self.credentials.sign_in(&inst, &self.secrets).await?;
            return self.status(id).await;
        }
        self.forget_session(id);
        let session = self.session(id).await?;
        let auth = Self::oauth2_of(&session)?;
        let (seq, cancel) = self.begin_sign_in(id);
        let mode = inst
            .oauth2
            .as_ref()
            .map(|o| o.redirect_mode)
            .unwrap_or_default();
        let options = SignInOptions {
            prompt_login: request.different_user,
            cancel,
            progress: request.progress,
            pending: (mode == RedirectMode::DeepLink).then(|| self.pending_keeper(id)),
        };
        let result = async {
            let mut auth = auth;
            if request.keep_signed_in && !auth.uses_device_key() {
                let capturer = self.capturer(mode, seq).await?;
                let registration = auth
                    .enrol_device(capturer.as_dyn(), request.browser, &options)
                    .await?;
                self.secrets
                    .set(id, SecretKind::DeviceKey, registration.to_secret()?)
                    .await?;
                // The instance's provider now authenticates with this computer's key.
                self.forget_session(id);
                auth = Self::oauth2_of(&self.session(id).await?)?;
            }
            let capturer = self.capturer(mode, seq).await?;
            auth.sign_in(capturer.as_dyn(), request.browser, options.clone())
                .await
        }
        .await;
        self.remove_deep_link_handle(seq);
        self.end_sign_in(id, seq);
        let signed = result?;
        self.credentials
            .remember_user(id, SessionUser::from_me(&signed.me));
        self.status(id).await
    }

    /// Keeps a deep-link sign-in of `id` in the keyring while it waits, so that a link that
    /// starts the app again can finish it ([`Self::finish_deep_link`]).
    fn pending_keeper(&self, id: &str) -> PendingCallback {
        let (secrets, id) = (self.secrets.clone(), id.to_owned());
        Arc::new(move |pending: Option<PendingSignIn>| {
            let (secrets, id) = (secrets.clone(), id.clone());
            Box::pin(async move {
                match pending {
                    Some(p) => {
                        let json = serde_json::to_string(&p).map_err(|e| {
                            Error::new(ErrorKind::Internal, "Could not keep the sign-in.")
                                .with_source(e)
                        })?;
                        secrets
                            .set(&id, SecretKind::PendingSignIn, Secret::new(json))
                            .await
                    }
                    None => secrets.delete(&id, SecretKind::PendingSignIn).await,
                }
            })
        })
    }

    /// A sign-in link no running sign-in took: the app was started by it (the browser answered
    /// after the app was closed), or its flow had ended. Finishes the sign-in it belongs to while
    /// that flow is still kept (5 minutes; once), else says the link has expired. `Ok(None)`:
    /// not a sign-in link of this app.
    pub async fn finish_deep_link(&self, url: &str) -> Result<Option<SessionStatus>> {
        let Some(state) = crate::capture::deep_link_state(url) else {
            return Ok(None);
        };
        for inst in self.instances().await? {
            if inst.auth_kind != AuthKind::Oauth2 {
                continue;
            }
            let Some(kept) = self
                .secrets
                .reveal(&inst.id, SecretKind::PendingSignIn)
                .await?
            else {
                continue;
            };
            let Ok(pending) = serde_json::from_str::<PendingSignIn>(kept.expose()) else {
                continue;
            };
            if pending.state != state {
                continue;
            }
            // Once only, whatever happens next.
            self.secrets
                .delete(&inst.id, SecretKind::PendingSignIn)
                .await?;
            let session = self.session(&inst.id).await?;
            let signed = Self::oauth2_of(&session)?
                .finish_pending(&pending, url)
                .await?;
            self.credentials
                .remember_user(&inst.id, SessionUser::from_me(&signed.me));
            return Ok(Some(self.status(&inst.id).await?));
        }
        Err(crate::auth::oauth2::link_expired())
    }

    /// A redirect receiver for flow `seq`: a fresh loopback port, or a deep-link receiver the
    /// app's deep links are routed to (until [`Self::remove_deep_link_handle`]).
    async fn capturer(&self, mode: RedirectMode, seq: u64) -> Result<Capturer> {
        let timeout = self.sign_in_timeout();
        Ok(match mode {
            RedirectMode::Loopback => {
                let mut options = LoopbackOptions::default();
                if let Some(t) = timeout {
                    options.timeout = t;
                }
                Capturer::Loopback(LoopbackCapturer::bind_with(options).await?)
            }
            RedirectMode::DeepLink => {
                let mut options = DeepLinkOptions::default();
                if let Some(t) = timeout {
                    options.timeout = t;
                }
                let (capturer, handle) = DeepLinkCapturer::new(options);
                self.add_deep_link_handle(seq, handle);
                Capturer::DeepLink(capturer)
            }
        })
    }

    /// "Forget this computer": signs `id` out (revoking its refresh token), deletes this
    /// computer's key and registration from the keyring, and removes the registration on the
    /// server when the signed-in user may manage OAuth2 clients (best effort). The next
    /// sign-in uses the instance's ordinary app registration.
    pub async fn forget_device(&self, id: &str) -> Result<ForgetDeviceReport> {
        self.instance(id).await?;
        self.cancel_sign_in(id);
        let session = self.session(id).await?;
        let mut removed_on_server = false;
        if let Some(auth) = session.oauth2.as_ref().filter(|a| a.uses_device_key()) {
            removed_on_server = remove_client_on_server(&session.client, auth.client_id()).await;
            let report = auth.sign_out().await?;
            if let Some(detail) = report.detail {
                tracing::info!(revoked = report.revoked, "{detail}");
            }
        }
        self.secrets.delete(id, SecretKind::DeviceKey).await?;
        self.forget_session(id);
        Ok(ForgetDeviceReport {
            status: self.status(id).await?,
            removed_on_server,
        })
    }
}

/// Deletes OAuth2 client `client_id` through `/api/oAuth2Clients` (needs
/// `F_OAUTH2_CLIENT_MANAGE`, dhis2-dcr.md §6); false when it could not.
async fn remove_client_on_server(client: &Dhis2Client, client_id: &str) -> bool {
    let query = [
        ("fields".to_owned(), "id".to_owned()),
        ("paging".to_owned(), "false".to_owned()),
        ("filter".to_owned(), format!("clientId:eq:{client_id}")),
    ];
    let Ok(found) = client
        .get_json::<serde_json::Value>("/api/oAuth2Clients", &query)
        .await
    else {
        return false;
    };
    let uid = found
        .get("oAuth2Clients")
        .and_then(|l| l.as_array())
        .and_then(|l| l.first())
        .and_then(|c| c.get("id"))
        .and_then(|v| v.as_str())
        .filter(|u| !u.is_empty() && u.chars().all(|c| c.is_ascii_alphanumeric()))
        .map(str::to_owned);
    match uid {
        Some(uid) => client
            .request(
                reqwest::Method::DELETE,
                &format!("/api/oAuth2Clients/{uid}"),
                &[],
                None,
            )
            .await
            .is_ok_and(|r| (200..300).contains(&r.status)),
        None => false,
    }
}
