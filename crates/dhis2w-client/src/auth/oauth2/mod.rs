//! OAuth 2.1 authorization code + PKCE against DHIS2's authorization server (2.42+).
//!
//! One file per step: [`discovery`], [`flow`] (the interactive sign-in), [`client_auth`],
//! [`tokens`] (grants, refresh, the token state), [`revoke`] (sign-out) and [`enrol`] ("keep me
//! signed in": device enrolment and `private_key_jwt`).
//!
//! [`OAuth2Auth::sign_in`] is the only thing that runs the interactive browser flow, and only
//! when the user starts it. [`AuthProvider::headers`] and [`AuthProvider::refresh_if_needed`]
//! never open a browser: without a usable token they fail with
//! [`ErrorKind::SignInRequired`].

mod client_auth;
mod discovery;
mod enrol;
mod flow;
mod revoke;
mod tokens;

pub use enrol::{DeviceKey, DeviceRegistration, ASSERTION_TYPE, DEVICE_SCOPE};

pub use discovery::{discover, server_version, ServerMetadata};
use discovery::{is_json, not_enabled};
pub(crate) use flow::link_expired;
use tokens::{Grant, TokenState};

use super::AuthProvider;
use crate::capture::{BrowserOpener, RedirectCapturer};
use crate::client::{
    build_http_client, join_path, map_transport_error, normalise_base_url, read_capped,
    same_origin, ClientOptions, MAX_SMALL_ANSWER, X_REQUESTED_WITH,
};
use crate::models::{Dhis2Version, LoginConfig, Me};
use crate::token::{check_key, OAuth2Token, TokenKey, TokenStore};
use crate::webmessage::error_from_response;
use crate::{Error, ErrorKind, Result, Secret};
use async_trait::async_trait;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE, LOCATION};
use reqwest::StatusCode;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::{Mutex, OnceCell};
use tokio_util::sync::CancellationToken;
use url::Url;

/// Refresh this long before the access token expires.
pub const REFRESH_MARGIN_SECS: i64 = 60;

/// The longest access-token lifetime believed (a year): a larger `expires_in` or `exp` is
/// clamped to it, so that arithmetic on expiries can never overflow.
pub const MAX_TOKEN_LIFETIME_SECS: i64 = 365 * 24 * 3600;

/// The scope for `ALL`-style clients (DHIS2 up to 2.43.1).
pub const SCOPE_ALL: &str = "ALL";
/// The scope for DHIS2 2.43.2+ (only these are allowed there).
pub const SCOPE_OIDC: &str = "openid profile username email";

/// The scope to request when the user set none: `ALL` up to 2.43.1, `openid profile username
/// email` after (dhis2-server.md §1). Unknown versions get `ALL`.
pub fn default_scope(version: Option<Dhis2Version>) -> &'static str {
    match version {
        Some(v) if v > Dhis2Version(2, 43, 1, u32::MAX) => SCOPE_OIDC,
        _ => SCOPE_ALL,
    }
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// `bytes` random bytes, base64url: tokens, states and verifiers no one can guess.
pub(crate) fn random_b64(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    // ThreadRng is a CSPRNG (ChaCha, seeded and reseeded from the OS).
    rand::rng().fill_bytes(&mut buf);
    URL_SAFE_NO_PAD.encode(buf)
}

/// A new random secret (256 bits, base64url): an OAuth2 client secret the app registers.
pub fn random_secret() -> Secret {
    Secret::new(random_b64(32))
}

/// The S256 challenge of a PKCE verifier.
pub fn pkce_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// How the app authenticates as an OAuth2 client at the token and revocation endpoints.
#[derive(Debug, Clone)]
pub enum ClientAuth {
    /// A public client (`none`): no secret. DHIS2 issues no refresh token to these and they
    /// cannot revoke.
    None,
    /// `client_secret_basic`: HTTP Basic with the client id and secret.
    SecretBasic(Secret),
    /// `client_secret_post`: `client_secret` in the form body.
    SecretPost(Secret),
    /// `private_key_jwt` with this computer's key ("keep me signed in", [`enrol`]).
    PrivateKeyJwt(Arc<DeviceKey>),
}

/// What an [`OAuth2Auth`] needs to know.
#[derive(Debug, Clone)]
pub struct OAuth2Config {
    /// Profile (instance) id, part of the token key.
    pub profile: String,
    /// Canonical base URL of the instance.
    pub base_url: String,
    /// OAuth2 client id the administrator registered.
    pub client_id: String,
    /// Client authentication.
    pub client_auth: ClientAuth,
    /// Scope override; `None` chooses by server version ([`default_scope`]).
    pub scope: Option<String>,
}

/// A stage of the interactive sign-in, for the app's progress display.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignInStage {
    /// "Keep me signed in": the browser was asked to open DHIS2's device-enrolment page.
    WaitingForEnrolment,
    /// "Keep me signed in": registering this computer with DHIS2.
    Registering,
    /// The browser was asked to open the authorize URL; waiting for the user.
    WaitingForBrowser,
    /// The code arrived; exchanging it and checking the token with `/api/me`.
    Exchanging,
    /// Signed in; the token is stored.
    Done,
    /// The flow failed.
    Failed,
    /// The user cancelled (in the app or on the consent page).
    Cancelled,
}

/// A progress event of [`OAuth2Auth::sign_in`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignInProgress {
    /// The stage.
    pub stage: SignInStage,
    /// The authorize URL (show it with "Copy link" in case the browser did not open).
    pub authorize_url: Option<String>,
    /// The redirect URI in use.
    pub redirect_uri: Option<String>,
}

/// Receives sign-in progress events.
pub type ProgressCallback = Arc<dyn Fn(SignInProgress) + Send + Sync>;

/// Options of one interactive sign-in.
#[derive(Clone, Default)]
pub struct SignInOptions {
    /// "Sign in as a different user": end the browser's DHIS2 session first (DHIS2's logout
    /// page), then authorize, also with `prompt=login` for servers that honour it.
    pub prompt_login: bool,
    /// Cancels the flow (waiting and exchanging).
    pub cancel: CancellationToken,
    /// Progress events.
    pub progress: Option<ProgressCallback>,
    /// Keeps the waiting flow (`Some`, before the browser opens) and forgets it (`None`, when
    /// the wait ends), so that a deep link that starts the app again can finish it
    /// ([`OAuth2Auth::finish_pending`]).
    pub pending: Option<PendingCallback>,
}

impl SignInOptions {
    /// Sends `stage` to the progress callback, with `url` (the page the browser is asked to
    /// open) and the capturer's redirect URI.
    pub(super) fn emit(
        &self,
        capturer: &dyn RedirectCapturer,
        stage: SignInStage,
        url: Option<&Url>,
    ) {
        if let Some(p) = &self.progress {
            p(SignInProgress {
                stage,
                authorize_url: url.map(|u| u.to_string()),
                redirect_uri: Some(capturer.redirect_uri()),
            });
        }
    }
}

/// What a deep-link sign-in keeps while it waits for the browser (in the keyring, never in a
/// file): its `state`, PKCE verifier and redirect URI, for 5 minutes.
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingSignIn {
    pub state: String,
    pub verifier: Secret,
    pub redirect_uri: String,
    pub client_id: String,
    /// Unix seconds.
    pub expires_at: i64,
}

impl std::fmt::Debug for PendingSignIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingSignIn")
            .field("client_id", &self.client_id)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// Stores (`Some`) or forgets (`None`) the waiting deep-link flow; see [`SignInOptions::pending`].
pub type PendingCallback = Arc<
    dyn Fn(Option<PendingSignIn>) -> futures_util::future::BoxFuture<'static, Result<()>>
        + Send
        + Sync,
>;

/// The result of a successful sign-in: the token was checked with `/api/me` and stored.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// Who signed in.
    pub me: Me,
    /// Access-token expiry, unix seconds.
    pub expires_at: i64,
    /// Granted scopes.
    pub scopes: Vec<String>,
    /// Whether a refresh token was issued (confidential clients).
    pub has_refresh_token: bool,
}

/// What [`OAuth2Auth::sign_out`] did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignOutReport {
    /// The server confirmed the revocation.
    pub revoked: bool,
    /// Plain words about the revocation when it did not happen.
    pub detail: Option<String>,
}

/// Public view of the current token (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenStatus {
    /// Access-token expiry, unix seconds.
    pub expires_at: i64,
    /// Granted scopes.
    pub scopes: Vec<String>,
    /// Whether the session can be refreshed without the browser.
    pub has_refresh_token: bool,
    /// The server refused this access token (401) and there was no refresh token to get
    /// another: only a new sign-in helps. Known in memory for this run only.
    #[serde(default)]
    pub rejected: bool,
}

impl TokenStatus {
    /// The sign-in state this token gives at unix time `now`: signed in while the access token
    /// is valid or can be refreshed; needs a new sign-in when it has run out without a refresh
    /// token, or when the server refused it.
    pub fn session_state(&self, now: i64) -> crate::SessionState {
        let expired = self.expires_at <= now;
        if self.rejected || (expired && !self.has_refresh_token) {
            crate::SessionState::NeedsSignIn
        } else {
            crate::SessionState::SignedIn
        }
    }
}

/// OAuth2 authorization code + PKCE provider.
pub struct OAuth2Auth {
    config: OAuth2Config,
    base: Url,
    key: TokenKey,
    http: reqwest::Client,
    store: Arc<dyn TokenStore>,
    metadata: OnceCell<ServerMetadata>,
    state: Mutex<TokenState>,
}

impl std::fmt::Debug for OAuth2Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuth2Auth")
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl OAuth2Auth {
    /// A provider for `config`, keeping tokens in `store`. Nothing is sent until used.
    pub fn new(
        config: OAuth2Config,
        store: Arc<dyn TokenStore>,
        options: &ClientOptions,
    ) -> Result<Self> {
        let http = build_http_client(options)?;
        Self::with_http(config, store, http)
    }

    /// Like [`OAuth2Auth::new`] with an HTTP client from [`build_http_client`].
    pub fn with_http(
        config: OAuth2Config,
        store: Arc<dyn TokenStore>,
        http: reqwest::Client,
    ) -> Result<Self> {
        if config.client_id.trim().is_empty() {
            return Err(Error::new(
                ErrorKind::InvalidInput,
                "Enter the OAuth2 client id your DHIS2 administrator gave you.",
            ));
        }
        if let ClientAuth::SecretBasic(s) | ClientAuth::SecretPost(s) = &config.client_auth {
            if s.is_empty() {
                return Err(Error::new(
                    ErrorKind::InvalidInput,
                    "Enter the OAuth2 client secret, or choose a public client.",
                ));
            }
        }
        let base = normalise_base_url(&config.base_url)?;
        let key = TokenKey {
            profile: config.profile.clone(),
            base_url: base.as_str().trim_end_matches('/').to_owned(),
            client_id: config.client_id.clone(),
        };
        Ok(Self {
            config,
            base,
            key,
            http,
            store,
            metadata: OnceCell::new(),
            state: Mutex::new(TokenState {
                loaded: false,
                token: None,
                obtained_at: None,
                rejected: false,
            }),
        })
    }

    /// Uses known server metadata instead of discovery.
    pub fn with_metadata(self, metadata: ServerMetadata) -> Self {
        let _ = self.metadata.set(metadata);
        self
    }

    /// The key tokens are stored under.
    pub fn token_key(&self) -> &TokenKey {
        &self.key
    }

    /// The OAuth2 client id in use.
    pub fn client_id(&self) -> &str {
        &self.config.client_id
    }

    /// Whether this provider authenticates with this computer's registered key ("keep me
    /// signed in", [`ClientAuth::PrivateKeyJwt`]).
    pub fn uses_device_key(&self) -> bool {
        matches!(self.config.client_auth, ClientAuth::PrivateKeyJwt(_))
    }

    /// Discovery (done once, then cached). Also refuses DHIS2 versions without the OAuth2
    /// server (2.41 and older) with [`ErrorKind::OauthNotEnabled`].
    pub async fn metadata(&self) -> Result<&ServerMetadata> {
        self.metadata
            .get_or_try_init(|| async {
                if let Some(v) = server_version(&self.http, &self.base).await {
                    if v < Dhis2Version(2, 42, 0, 0) {
                        return Err(not_enabled(&format!(
                            "DHIS2 {}.{} has no OAuth2 server for apps; that arrived in 2.42",
                            v.0, v.1
                        )));
                    }
                }
                discover(&self.http, &self.base).await
            })
            .await
    }

    /// The scope that will be requested.
    pub async fn scope(&self) -> String {
        if let Some(s) = self
            .config
            .scope
            .as_deref()
            .filter(|s| !s.trim().is_empty())
        {
            return s.trim().to_owned();
        }
        default_scope(server_version(&self.http, &self.base).await).to_owned()
    }

    /// The stored token's expiry and scopes, if signed in (loads from the store once).
    pub async fn status(&self) -> Result<Option<TokenStatus>> {
        let mut st = self.state.lock().await;
        self.ensure_loaded(&mut st).await?;
        Ok(st.token.as_ref().map(|t| TokenStatus {
            expires_at: t.expires_at,
            scopes: t.scopes.clone(),
            has_refresh_token: t.refresh_token.is_some(),
            rejected: st.rejected,
        }))
    }

    async fn ensure_loaded(&self, st: &mut TokenState) -> Result<()> {
        if !st.loaded {
            let got = self.store.get(&self.key).await?;
            st.token = match got.map(|t| check_key(&self.key, t)) {
                // A stored expiry is clamped like a fresh one, so that everyone who subtracts
                // times from it (here and in the status shown to the user) cannot overflow.
                Some(Ok(mut t)) => {
                    t.expires_at = t
                        .expires_at
                        .clamp(0, now().saturating_add(MAX_TOKEN_LIFETIME_SECS));
                    Some(t)
                }
                Some(Err(e)) => {
                    tracing::warn!("stored token refused: {}", e.message());
                    None
                }
                None => None,
            };
            st.loaded = true;
        }
        Ok(())
    }
}

fn sign_in_required() -> Error {
    Error::new(
        ErrorKind::SignInRequired,
        "You are not signed in to this DHIS2 server. Click Sign in.",
    )
}

/// The `exp` claim of a JWT, read without verification (only as an expiry fallback; the
/// caller clamps it). Public for the property tests.
pub fn jwt_exp(token: &str) -> Option<i64> {
    let payload = token.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()?
        .get("exp")?
        .as_i64()
}

fn bearer(token: &OAuth2Token) -> Result<HeaderValue> {
    let mut hv = HeaderValue::from_str(&format!("Bearer {}", token.access_token.expose()))
        .map_err(|_| Error::new(ErrorKind::OauthError, "DHIS2 issued an unusable token."))?;
    hv.set_sensitive(true);
    Ok(hv)
}

#[async_trait]
impl AuthProvider for OAuth2Auth {
    async fn headers(&self) -> Result<HeaderMap> {
        let mut st = self.state.lock().await;
        self.ensure_loaded(&mut st).await?;
        let token = st.token.as_ref().ok_or_else(sign_in_required)?;
        let mut h = HeaderMap::new();
        h.insert(AUTHORIZATION, bearer(token)?);
        Ok(h)
    }

    async fn refresh_if_needed(&self) -> Result<()> {
        let mut st = self.state.lock().await;
        self.ensure_loaded(&mut st).await?;
        let Some(token) = &st.token else {
            return Err(sign_in_required());
        };
        let left = token.expires_at.saturating_sub(now());
        if left > st.refresh_margin() {
            return Ok(());
        }
        if token.refresh_token.is_none() && left > 0 {
            // Cannot refresh, but the token still works for a few seconds.
            return Ok(());
        }
        self.refresh_locked(&mut st).await
    }

    async fn on_unauthorized(&self, sent: &HeaderMap) -> Result<bool> {
        let mut st = self.state.lock().await;
        self.ensure_loaded(&mut st).await?;
        let Some(token) = &st.token else {
            return Ok(false);
        };
        if sent.get(AUTHORIZATION) != Some(&bearer(token)?) {
            // Someone refreshed since that request went out: retry with the new token.
            return Ok(true);
        }
        if token.refresh_token.is_none() {
            // The server refused the current token and nothing can replace it without the
            // browser: remember it, so that the status asks for a new sign-in.
            st.rejected = true;
            return Ok(false);
        }
        self.refresh_locked(&mut st).await?;
        Ok(true)
    }

    fn scheme(&self) -> &'static str {
        "oauth2"
    }
}

#[cfg(test)]
mod tests {
    use super::tokens::TokenResponse;
    use super::*;

    #[test]
    fn scope_by_version() {
        assert_eq!(default_scope(Dhis2Version::parse("2.42.5")), "ALL");
        assert_eq!(default_scope(Dhis2Version::parse("2.43.1")), "ALL");
        assert_eq!(default_scope(Dhis2Version::parse("2.43.1.3")), "ALL");
        assert_eq!(default_scope(Dhis2Version::parse("2.43.2")), SCOPE_OIDC);
        assert_eq!(
            default_scope(Dhis2Version::parse("2.44.0-SNAPSHOT")),
            SCOPE_OIDC
        );
        assert_eq!(default_scope(None), "ALL");
    }

    #[test]
    fn token_status_gives_the_session_state() {
        let st = |expires_at, has_refresh_token, rejected| TokenStatus {
            expires_at,
            scopes: vec![],
            has_refresh_token,
            rejected,
        };
        use crate::SessionState::{NeedsSignIn, SignedIn};
        assert_eq!(st(200, false, false).session_state(100), SignedIn);
        // Run out: only a refresh token keeps it going.
        assert_eq!(st(100, false, false).session_state(100), NeedsSignIn);
        assert_eq!(st(50, true, false).session_state(100), SignedIn);
        // Refused by the server, even though its own expiry is ahead.
        assert_eq!(st(200, false, true).session_state(100), NeedsSignIn);
    }

    #[test]
    fn pkce_matches_rfc7636_example() {
        assert_eq!(
            pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        let v = random_b64(32);
        assert_eq!(v.len(), 43);
        assert_ne!(v, random_b64(32));
        assert!(random_b64(24).len() * 6 >= 128);
    }

    fn offline_auth(store: Arc<dyn TokenStore>) -> OAuth2Auth {
        OAuth2Auth::with_http(
            OAuth2Config {
                profile: "p".into(),
                base_url: "https://dhis.example".into(),
                client_id: "c".into(),
                client_auth: ClientAuth::None,
                scope: None,
            },
            store,
            reqwest::Client::new(),
        )
        .unwrap()
    }

    #[test]
    fn absurd_expiries_from_the_server_are_clamped_not_a_panic() {
        let auth = offline_auth(Arc::new(crate::MemoryTokenStore::new()));
        let tr = |expires_in: serde_json::Value, access: &str| TokenResponse {
            access_token: access.into(),
            refresh_token: None,
            expires_in: Some(expires_in),
            scope: None,
        };
        let before = now();
        let huge_jwt = format!(
            "h.{}.s",
            URL_SAFE_NO_PAD.encode(format!(r#"{{"exp":{}}}"#, i64::MAX))
        );
        let negative_jwt = format!(
            "h.{}.s",
            URL_SAFE_NO_PAD.encode(format!(r#"{{"exp":{}}}"#, i64::MIN))
        );
        let cases = [
            tr(serde_json::json!(i64::MAX), "a"),
            tr(serde_json::json!(i64::MAX.to_string()), "a"),
            tr(serde_json::json!(i64::MIN), "a"),
            tr(serde_json::json!(-5), "a"),
            tr(serde_json::Value::Null, &huge_jwt),
            tr(serde_json::Value::Null, &negative_jwt),
        ];
        for case in cases {
            let t = auth.token_from_response(case, None);
            assert!(t.expires_at >= before - 1, "{}", t.expires_at);
            assert!(
                t.expires_at <= now() + MAX_TOKEN_LIFETIME_SECS,
                "{}",
                t.expires_at
            );
        }
    }

    #[tokio::test]
    async fn absurd_stored_expiries_are_no_panic() {
        for expires_at in [i64::MIN, i64::MAX] {
            let store = Arc::new(crate::MemoryTokenStore::new());
            let auth = offline_auth(store.clone());
            let token = OAuth2Token {
                key: auth.token_key().clone(),
                access_token: Secret::new("a"),
                refresh_token: None,
                expires_at,
                scopes: vec![],
            };
            store.set(auth.token_key(), &token).await.unwrap();
            let r = auth.refresh_if_needed().await;
            if expires_at == i64::MIN {
                assert_eq!(r.unwrap_err().kind(), ErrorKind::SignInRequired);
            } else {
                r.unwrap();
            }
            let st = auth.status().await.unwrap().unwrap();
            // Reported expiries are sane, so callers may subtract times from them.
            assert!((0..=now() + MAX_TOKEN_LIFETIME_SECS).contains(&st.expires_at));
        }
    }

    #[test]
    fn jwt_exp_fallback() {
        let payload = URL_SAFE_NO_PAD.encode(br#"{"exp":1700000000}"#);
        assert_eq!(jwt_exp(&format!("h.{payload}.s")), Some(1700000000));
        assert_eq!(jwt_exp("opaque"), None);
    }
}
