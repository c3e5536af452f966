//! OAuth 2.1 authorization code + PKCE against DHIS2's authorization server (2.42+).
//!
//! [`OAuth2Auth::sign_in`] is the only thing that runs the interactive browser flow, and only
//! when the user starts it. [`AuthProvider::headers`] and [`AuthProvider::refresh_if_needed`]
//! never open a browser: without a usable token they fail with
//! [`ErrorKind::SignInRequired`].

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

fn random_b64(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    // ThreadRng is a CSPRNG (ChaCha, seeded and reseeded from the OS).
    rand::rng().fill_bytes(&mut buf);
    URL_SAFE_NO_PAD.encode(buf)
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

/// The parts of the authorization server's discovery document we use; unknown keys are kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServerMetadata {
    /// The issuer.
    pub issuer: String,
    /// Where the browser goes.
    pub authorization_endpoint: String,
    /// Where codes and refresh tokens are exchanged.
    pub token_endpoint: String,
    /// RFC 7009 revocation.
    #[serde(default)]
    pub revocation_endpoint: Option<String>,
    /// OIDC userinfo.
    #[serde(default)]
    pub userinfo_endpoint: Option<String>,
    /// JWKS.
    #[serde(default)]
    pub jwks_uri: Option<String>,
    /// e.g. `["S256"]`.
    #[serde(default)]
    pub code_challenge_methods_supported: Vec<String>,
    /// e.g. `["client_secret_basic", "client_secret_post", …]`.
    #[serde(default)]
    pub token_endpoint_auth_methods_supported: Vec<String>,
    /// Every other key.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

fn not_enabled(detail: &str) -> Error {
    Error::new(
        ErrorKind::OauthNotEnabled,
        format!(
            "This DHIS2 server does not offer OAuth2 sign-in ({detail}). Sign in with a personal \
             access token or username and password instead, or ask your DHIS2 administrator to \
             enable the OAuth2 server (DHIS2 2.42 or newer, oauth2.server.enabled = on)."
        ),
    )
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|c| c.to_ascii_lowercase().contains("json"))
        .unwrap_or(false)
}

/// The DHIS2 version from `/api/loginConfig` (2.41+, anonymous); `None` when unavailable.
pub async fn server_version(http: &reqwest::Client, base: &Url) -> Option<Dhis2Version> {
    let url = join_path(base, "/api/loginConfig").ok()?;
    let resp = http
        .get(url)
        .header(X_REQUESTED_WITH.0, X_REQUESTED_WITH.1)
        .header(ACCEPT, "application/json")
        .send()
        .await
        .ok()?;
    if !resp.status().is_success() || !is_json(resp.headers()) {
        return None;
    }
    let host = base.host_str().unwrap_or("the server").to_owned();
    let body = read_capped(resp, MAX_SMALL_ANSWER, "/api/loginConfig", &host)
        .await
        .ok()?;
    let cfg: LoginConfig = serde_json::from_slice(&body).ok()?;
    cfg.api_version.as_deref().and_then(Dhis2Version::parse)
}

/// Reads `/.well-known/openid-configuration` under `base`. When it is absent (404) but DHIS2's
/// `/oauth2/jwks` answers with a key set, DHIS2's default paths are used. A 404 without that,
/// a redirect to the login page, or any non-JSON answer means [`ErrorKind::OauthNotEnabled`].
/// Endpoints on another origin than `base` are refused (the client secret would go there).
pub async fn discover(http: &reqwest::Client, base: &Url) -> Result<ServerMetadata> {
    let host = base.host_str().unwrap_or("the server").to_owned();
    let url = join_path(base, "/.well-known/openid-configuration")?;
    let resp = http
        .get(url)
        .header(ACCEPT, "application/json")
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .map_err(|e| map_transport_error(e, &host))?;
    let status = resp.status();
    let meta = if status.is_success() && is_json(resp.headers()) {
        let body = read_capped(
            resp,
            MAX_SMALL_ANSWER,
            "the OAuth2 discovery request",
            &host,
        )
        .await?;
        let m: ServerMetadata = serde_json::from_slice(&body).map_err(|e| {
            not_enabled("its OAuth2 discovery document is incomplete").with_source(e)
        })?;
        m
    } else if status == StatusCode::NOT_FOUND {
        drop(resp);
        // Fallback: discovery missing, but is the authorization server itself there?
        let jwks = join_path(base, "/oauth2/jwks")?;
        // Same-origin redirects are followed (a 2.42.4 stack answers /oauth2/* with a 301 to
        // the trailing-slash path, dhis2-server.md §2.2); nothing is sent to another origin.
        let mut target = jwks.clone();
        let mut hops = 0;
        let r = loop {
            let r = http
                .get(target.clone())
                .header(ACCEPT, "application/json")
                .timeout(Duration::from_secs(10))
                .send()
                .await
                .map_err(|e| map_transport_error(e, &host))?;
            let next = r
                .status()
                .is_redirection()
                .then(|| r.headers().get(LOCATION))
                .flatten()
                .and_then(|v| v.to_str().ok())
                .and_then(|l| target.join(l).ok())
                .filter(|n| same_origin(n, base));
            match next {
                Some(n) if hops < 3 => {
                    hops += 1;
                    target = n;
                }
                _ => break r,
            }
        };
        let has_keys = if r.status().is_success() && is_json(r.headers()) {
            let body = read_capped(r, MAX_SMALL_ANSWER, "the OAuth2 key request", &host).await?;
            serde_json::from_slice::<serde_json::Value>(&body)
                .ok()
                .map(|v| v.get("keys").map(|k| k.is_array()).unwrap_or(false))
                .unwrap_or(false)
        } else {
            false
        };
        if !has_keys {
            return Err(not_enabled(
                "no OAuth2 discovery document and no /oauth2 endpoints",
            ));
        }
        let ep = |p: &str| join_path(base, p).map(|u| u.to_string());
        ServerMetadata {
            issuer: format!("{}/", base.as_str().trim_end_matches('/')),
            authorization_endpoint: ep("/oauth2/authorize")?,
            token_endpoint: ep("/oauth2/token")?,
            revocation_endpoint: Some(ep("/oauth2/revoke")?),
            userinfo_endpoint: Some(ep("/userinfo")?),
            jwks_uri: Some(jwks.to_string()),
            code_challenge_methods_supported: vec!["S256".into()],
            token_endpoint_auth_methods_supported: vec![],
            extra: Default::default(),
        }
    } else if status.is_server_error() {
        return Err(Error::new(
            ErrorKind::ServerError,
            format!(
                "DHIS2 had a problem answering the OAuth2 check (HTTP {}). Try again later.",
                status.as_u16()
            ),
        ));
    } else if status.is_redirection() {
        return Err(not_enabled(
            "its OAuth2 discovery address leads to the login page",
        ));
    } else {
        return Err(not_enabled(&format!(
            "its OAuth2 discovery address answered HTTP {} without JSON",
            status.as_u16()
        )));
    };
    if !meta.code_challenge_methods_supported.is_empty()
        && !meta
            .code_challenge_methods_supported
            .iter()
            .any(|m| m == "S256")
    {
        return Err(Error::new(
            ErrorKind::OauthError,
            "This server's OAuth2 does not support PKCE S256, which the app requires. Ask your \
             DHIS2 administrator.",
        ));
    }
    for ep in [
        Some(&meta.token_endpoint),
        meta.revocation_endpoint.as_ref(),
    ]
    .into_iter()
    .flatten()
    {
        let u = Url::parse(ep).map_err(|_| not_enabled("its discovery document is malformed"))?;
        if !same_origin(&u, base) {
            return Err(Error::new(
                ErrorKind::OauthError,
                format!(
                    "This server's OAuth2 settings point to another address ({}). Ask your DHIS2 \
                     administrator to set server.base.url to {}.",
                    u.origin().ascii_serialization(),
                    base.origin().ascii_serialization()
                ),
            ));
        }
    }
    Ok(meta)
}

/// A stage of the interactive sign-in, for the app's progress display.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignInStage {
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
    /// Send `prompt=login` ("sign in as a different user").
    pub prompt_login: bool,
    /// Cancels the flow (waiting and exchanging).
    pub cancel: CancellationToken,
    /// Progress events.
    pub progress: Option<ProgressCallback>,
}

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

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    expires_in: Option<serde_json::Value>,
    #[serde(default)]
    scope: Option<String>,
}

#[derive(Deserialize, Default)]
struct OAuthErrorBody {
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    error_description: Option<String>,
}

struct TokenState {
    loaded: bool,
    token: Option<OAuth2Token>,
    /// When this process obtained `token` (unix seconds); `None` for a token read from the store.
    obtained_at: Option<i64>,
    /// The server answered 401 to `token` and it has no refresh token (see
    /// [`TokenStatus::rejected`]). Cleared whenever `token` is replaced.
    rejected: bool,
}

impl TokenState {
    /// Makes `token` the current one (a sign-in or refresh), forgetting an earlier rejection.
    fn replace(&mut self, token: Option<OAuth2Token>) {
        self.obtained_at = token.as_ref().map(|_| now());
        self.token = token;
        self.rejected = false;
    }
}

impl TokenState {
    /// How long before expiry to refresh: [`REFRESH_MARGIN_SECS`]; for a token whose whole
    /// lifetime is no longer than that, half its lifetime, so that such a server does not get a
    /// refresh on every request.
    fn refresh_margin(&self) -> i64 {
        match (&self.token, self.obtained_at) {
            (Some(t), Some(at)) if t.expires_at.saturating_sub(at) <= REFRESH_MARGIN_SECS => {
                (t.expires_at.saturating_sub(at) / 2).max(0)
            }
            _ => REFRESH_MARGIN_SECS,
        }
    }
}

/// Which grant a token request is, for error words.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Grant {
    Code,
    Refresh,
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

    /// Builds the authorize URL.
    fn authorize_url(
        &self,
        meta: &ServerMetadata,
        redirect_uri: &str,
        scope: &str,
        state: &str,
        challenge: &str,
        prompt_login: bool,
    ) -> Result<Url> {
        let mut u = Url::parse(&meta.authorization_endpoint).map_err(|_| {
            not_enabled("its discovery document has a malformed authorization address")
        })?;
        {
            let mut q = u.query_pairs_mut();
            q.append_pair("response_type", "code")
                .append_pair("client_id", &self.config.client_id)
                .append_pair("redirect_uri", redirect_uri)
                .append_pair("scope", scope)
                .append_pair("state", state)
                .append_pair("code_challenge", challenge)
                .append_pair("code_challenge_method", "S256");
            if prompt_login {
                q.append_pair("prompt", "login");
            }
        }
        Ok(u)
    }

    /// Runs the interactive sign-in: discovery, PKCE S256 + `state`, a cookie-less check of the
    /// authorize request (an unregistered redirect URI fails at once with
    /// [`ErrorKind::RedirectNotRegistered`] instead of a dead end in the browser), opens the browser through
    /// `browser`, waits for `capturer`, checks `iss`, exchanges the code, checks the token with
    /// `GET /api/me`, and only then stores it. Emits [`SignInProgress`] events.
    pub async fn sign_in(
        &self,
        capturer: &dyn RedirectCapturer,
        browser: &dyn BrowserOpener,
        options: SignInOptions,
    ) -> Result<SignedIn> {
        let emit = |stage, url: Option<&Url>| {
            if let Some(p) = &options.progress {
                p(SignInProgress {
                    stage,
                    authorize_url: url.map(|u| u.to_string()),
                    redirect_uri: Some(capturer.redirect_uri()),
                });
            }
        };
        let result = self.sign_in_inner(capturer, browser, &options, &emit).await;
        match &result {
            Ok(_) => emit(SignInStage::Done, None),
            Err(e) if e.kind() == ErrorKind::Cancelled => emit(SignInStage::Cancelled, None),
            Err(_) => emit(SignInStage::Failed, None),
        }
        result
    }

    async fn sign_in_inner(
        &self,
        capturer: &dyn RedirectCapturer,
        browser: &dyn BrowserOpener,
        options: &SignInOptions,
        emit: &(dyn Fn(SignInStage, Option<&Url>) + Send + Sync),
    ) -> Result<SignedIn> {
        let cancel = &options.cancel;
        let meta = self.metadata().await?.clone();
        let scope = self.scope().await;
        let verifier = random_b64(32);
        let state = random_b64(24);
        let redirect_uri = capturer.redirect_uri();
        let url = self.authorize_url(
            &meta,
            &redirect_uri,
            &scope,
            &state,
            &pkce_challenge(&verifier),
            options.prompt_login,
        )?;
        if let Some(e) = self.preflight_authorize(&url, &redirect_uri).await {
            return Err(e);
        }
        emit(SignInStage::WaitingForBrowser, Some(&url));
        if let Err(e) = browser.open(url.as_str()).await {
            tracing::warn!("could not open the browser: {}", e.message());
        }
        let response = capturer.wait_for_code(&state, cancel).await?;
        if let Some(iss) = &response.iss {
            if iss.trim_end_matches('/') != meta.issuer.trim_end_matches('/') {
                return Err(Error::new(
                    ErrorKind::OauthError,
                    "The sign-in answer came from a different server than expected, so it was \
                     refused. Try again; if it keeps happening, tell your DHIS2 administrator.",
                ));
            }
        }
        emit(SignInStage::Exchanging, None);
        let mut form = vec![
            ("grant_type", "authorization_code".to_owned()),
            ("code", response.code.expose().to_owned()),
            ("redirect_uri", redirect_uri.clone()),
            ("code_verifier", verifier),
        ];
        let exchange = async {
            let token = self
                .token_request(&meta, &mut form, Grant::Code, None)
                .await?;
            let me = self.verify(&token).await?;
            Ok::<_, Error>((token, me))
        };
        let (token, me) = tokio::select! {
            biased;
            _ = cancel.cancelled() => return Err(Error::new(ErrorKind::Cancelled, "Sign-in cancelled.")),
            r = exchange => r?,
        };
        let mut st = self.state.lock().await;
        self.store.set(&self.key, &token).await?;
        st.loaded = true;
        let signed = SignedIn {
            me,
            expires_at: token.expires_at,
            scopes: token.scopes.clone(),
            has_refresh_token: token.refresh_token.is_some(),
        };
        st.replace(Some(token));
        Ok(signed)
    }

    /// Sends the authorize request once without a browser session (no cookies, no redirects)
    /// to catch what the browser would otherwise show as a dead end: Spring Authorization
    /// Server checks the client and the redirect URI before it asks anyone to log in, and
    /// answers a bad one with a 400 page that never comes back to the app (dhis2-server.md
    /// §2.6). Anything else (the usual 302 to the login page, an `error=` redirect that the
    /// capturer will report, network trouble) lets the browser flow go on.
    async fn preflight_authorize(&self, url: &Url, redirect_uri: &str) -> Option<Error> {
        let resp = self
            .http
            .get(url.clone())
            .header(ACCEPT, "text/html,application/json;q=0.9,*/*;q=0.8")
            .timeout(Duration::from_secs(10))
            .send()
            .await
            .ok()?;
        let status = resp.status();
        if status != StatusCode::BAD_REQUEST {
            return None;
        }
        let host = self.base.host_str().unwrap_or("the server").to_owned();
        let body = read_capped(resp, MAX_SMALL_ANSWER, "the sign-in page", &host)
            .await
            .ok()?;
        let body = String::from_utf8_lossy(&body).to_ascii_lowercase();
        if body.contains("redirect_uri") || body.contains("redirect uri") {
            Some(Error::new(
                ErrorKind::RedirectNotRegistered,
                format!(
                    "DHIS2 does not accept the app's sign-in return address ({}). Ask your DHIS2 \
                     administrator to add {} to the redirect URIs of the OAuth2 client \"{}\", or \
                     switch the instance to the other redirect mode.",
                    redirect_uri,
                    if redirect_uri.starts_with("http://127.0.0.1") {
                        crate::capture::LOOPBACK_REGISTERED_URI
                    } else {
                        redirect_uri
                    },
                    self.config.client_id
                ),
            ))
        } else if body.contains("client") {
            Some(Error::new(
                ErrorKind::OauthError,
                format!(
                    "DHIS2 does not know the OAuth2 client id \"{}\". Check it in the instance \
                     settings, or ask your DHIS2 administrator for the right one.",
                    self.config.client_id
                ),
            ))
        } else {
            None
        }
    }

    /// `GET /api/me` with a fresh token, so success is shown only if DHIS2 accepts it (§2.11).
    async fn verify(&self, token: &OAuth2Token) -> Result<Me> {
        let url = join_path(&self.base, "/api/me")?;
        let host = self.base.host_str().unwrap_or("the server").to_owned();
        let resp = self
            .http
            .get(url)
            .bearer_auth(token.access_token.expose())
            .header(X_REQUESTED_WITH.0, X_REQUESTED_WITH.1)
            .header(ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| map_transport_error(e, &host))?;
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = read_capped(resp, MAX_SMALL_ANSWER, "/api/me", &host).await?;
        if !status.is_success() || !is_json(&headers) {
            return Err(error_from_response(status, &headers, &body, "oauth2"));
        }
        serde_json::from_slice(&body).map_err(|e| {
            Error::new(
                ErrorKind::NotDhis2,
                "DHIS2's /api/me answer was not understood.",
            )
            .with_source(e)
        })
    }

    /// Adds client authentication: form fields for `none`/`client_secret_post`, or the Basic
    /// header value for `client_secret_basic`.
    fn client_auth(&self, form: &mut Vec<(&'static str, String)>) -> Option<HeaderValue> {
        match &self.config.client_auth {
            ClientAuth::None => {
                form.push(("client_id", self.config.client_id.clone()));
                None
            }
            ClientAuth::SecretPost(s) => {
                form.push(("client_id", self.config.client_id.clone()));
                form.push(("client_secret", s.expose().to_owned()));
                None
            }
            ClientAuth::SecretBasic(s) => {
                // RFC 6749 §2.3.1: form-encode both parts before Basic encoding.
                let enc = |v: &str| {
                    url::form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>()
                };
                let raw = format!("{}:{}", enc(&self.config.client_id), enc(s.expose()));
                // Base64 is always a valid header value; no panic path even so.
                let mut hv = HeaderValue::from_str(&format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(raw)
                ))
                .ok()?;
                hv.set_sensitive(true);
                Some(hv)
            }
        }
    }

    /// POSTs a form to an endpoint with client authentication, re-sending the POST (same
    /// origin only) on 301/302/307/308 (dhis2-server.md §2.2).
    async fn post_form(
        &self,
        endpoint: &str,
        mut form: Vec<(&'static str, String)>,
    ) -> Result<(StatusCode, HeaderMap, bytes::Bytes)> {
        let host = self.base.host_str().unwrap_or("the server").to_owned();
        let mut url = Url::parse(endpoint)
            .map_err(|_| not_enabled("its discovery document has a malformed address"))?;
        let auth_header = self.client_auth(&mut form);
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form.iter().map(|(k, v)| (*k, v.as_str())))
            .finish();
        for _hop in 0..4 {
            let mut req = self
                .http
                .post(url.clone())
                .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(ACCEPT, "application/json")
                .body(body.clone());
            if let Some(h) = &auth_header {
                req = req.header(AUTHORIZATION, h.clone());
            }
            let resp = req
                .send()
                .await
                .map_err(|e| map_transport_error(e, &host))?;
            let status = resp.status();
            if matches!(status.as_u16(), 301 | 302 | 307 | 308) {
                let next = resp
                    .headers()
                    .get(LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|l| url.join(l).ok());
                match next {
                    Some(n) if same_origin(&n, &self.base) => {
                        url = n;
                        continue;
                    }
                    _ => {
                        return Err(Error::new(
                            ErrorKind::OauthError,
                            "DHIS2's token address redirected to another server, so the request \
                             was not sent there. Ask your DHIS2 administrator to check \
                             server.base.url.",
                        ))
                    }
                }
            }
            let headers = resp.headers().clone();
            let bytes = read_capped(resp, MAX_SMALL_ANSWER, "the token request", &host).await?;
            return Ok((status, headers, bytes));
        }
        Err(Error::new(
            ErrorKind::OauthError,
            "DHIS2's token address redirected too many times. Ask your DHIS2 administrator.",
        ))
    }

    async fn token_request(
        &self,
        meta: &ServerMetadata,
        form: &mut Vec<(&'static str, String)>,
        grant: Grant,
        previous: Option<&OAuth2Token>,
    ) -> Result<OAuth2Token> {
        let (status, headers, body) = self
            .post_form(&meta.token_endpoint, std::mem::take(form))
            .await?;
        if status.is_success() {
            let tr: TokenResponse = serde_json::from_slice(&body).map_err(|e| {
                Error::new(
                    ErrorKind::OauthError,
                    "DHIS2's token answer was not understood. Ask your DHIS2 administrator to \
                     check the OAuth2 server.",
                )
                .with_source(e)
            })?;
            return Ok(self.token_from_response(tr, previous));
        }
        let err: OAuthErrorBody = if is_json(&headers) {
            serde_json::from_slice(&body).unwrap_or_default()
        } else {
            OAuthErrorBody::default()
        };
        let code = err.error.as_deref().unwrap_or("");
        let detail = err
            .error_description
            .as_deref()
            .filter(|d| !d.is_empty())
            .map(|d| format!(" (DHIS2 said: \"{d}\")"))
            .unwrap_or_default();
        Err(match (code, grant) {
            ("invalid_grant", Grant::Refresh) => Error::new(
                ErrorKind::SignInRequired,
                "Your DHIS2 sign-in has ended (the server no longer accepts it). Sign in again.",
            ),
            ("invalid_grant", Grant::Code) => Error::new(
                ErrorKind::OauthError,
                format!(
                    "DHIS2 refused the sign-in code{detail}: it expired, was already used, or the \
                     redirect address did not match. Sign in again."
                ),
            ),
            ("invalid_client", _) | ("unauthorized_client", _) => Error::new(
                ErrorKind::OauthError,
                format!(
                    "DHIS2 did not accept the app's OAuth2 client id or secret{detail}. Check them \
                     in the instance settings, or ask your DHIS2 administrator (the secret must be \
                     stored as a BCrypt hash in DHIS2)."
                ),
            ),
            ("", _) if status == StatusCode::UNAUTHORIZED || status.is_redirection() => {
                not_enabled("its token endpoint does not behave like an OAuth2 server")
            }
            (_, _) if status.is_server_error() => Error::new(
                ErrorKind::ServerError,
                format!(
                    "DHIS2 had a problem issuing the sign-in token (HTTP {}). Try again later; if it \
                     keeps happening, ask your DHIS2 administrator to check the OAuth2 client \
                     settings.",
                    status.as_u16()
                ),
            ),
            (other, _) => Error::new(
                ErrorKind::OauthError,
                format!(
                    "DHIS2 refused the token request ({}){detail}. Try signing in again; if it \
                     keeps happening, ask your DHIS2 administrator.",
                    if other.is_empty() { status.as_str() } else { other }
                ),
            ),
        })
    }

    fn token_from_response(
        &self,
        tr: TokenResponse,
        previous: Option<&OAuth2Token>,
    ) -> OAuth2Token {
        let expires_in = tr.expires_in.as_ref().and_then(|v| {
            v.as_i64()
                .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        });
        // The server's numbers are untrusted: clamp them into [now, now + a year].
        let now = now();
        let latest = now.saturating_add(MAX_TOKEN_LIFETIME_SECS);
        let expires_at = match expires_in {
            Some(s) => now.saturating_add(s.clamp(0, MAX_TOKEN_LIFETIME_SECS)),
            None => jwt_exp(&tr.access_token)
                .map(|exp| exp.clamp(now, latest))
                .unwrap_or(now + 300),
        };
        let scopes = match tr.scope {
            Some(s) => s.split_whitespace().map(str::to_owned).collect(),
            None => previous.map(|p| p.scopes.clone()).unwrap_or_default(),
        };
        OAuth2Token {
            key: self.key.clone(),
            access_token: Secret::new(tr.access_token),
            // A refresh that returns no refresh token keeps the old one.
            refresh_token: tr
                .refresh_token
                .filter(|r| !r.is_empty())
                .map(Secret::new)
                .or_else(|| previous.and_then(|p| p.refresh_token.clone())),
            expires_at,
            scopes,
        }
    }

    /// Refreshes with the refresh token; `st` is held by the caller (single flight).
    async fn refresh_locked(&self, st: &mut TokenState) -> Result<()> {
        let Some(current) = st.token.clone() else {
            return Err(sign_in_required());
        };
        let Some(refresh) = current.refresh_token.clone() else {
            return Err(Error::new(
                ErrorKind::SignInRequired,
                "Your DHIS2 sign-in has expired. Sign in again. (This app registration gets no \
                 refresh token from DHIS2, so sign-ins last about 5 minutes; ask your DHIS2 \
                 administrator for a confidential client or a longer token lifetime.)",
            ));
        };
        let meta = self.metadata().await?.clone();
        let mut form = vec![
            ("grant_type", "refresh_token".to_owned()),
            ("refresh_token", refresh.expose().to_owned()),
        ];
        match self
            .token_request(&meta, &mut form, Grant::Refresh, Some(&current))
            .await
        {
            Ok(token) => {
                // Memory first: the server may have rotated the refresh token, so the new one
                // is the only one that still works and must survive a keyring failure.
                let changed = Some(&token) != st.token.as_ref();
                st.replace(Some(token.clone()));
                if changed {
                    if let Err(e) = self.store.set(&self.key, &token).await {
                        return Err(Error::new(
                            e.kind(),
                            format!(
                                "DHIS2 renewed your sign-in, but it could not be saved in the \
                                 keyring ({}). You stay signed in until you close the app; \
                                 unlock or repair the keyring to keep the sign-in after that.",
                                e.message().trim_end_matches('.')
                            ),
                        )
                        .with_source(e));
                    }
                }
                Ok(())
            }
            Err(e) if e.kind() == ErrorKind::SignInRequired => {
                st.replace(None);
                if let Err(del) = self.store.delete(&self.key).await {
                    tracing::warn!("could not delete the refused token: {}", del.message());
                }
                Err(e)
            }
            Err(e) => Err(e),
        }
    }

    /// Forces a refresh now (e.g. a "Refresh" button). Fails with
    /// [`ErrorKind::SignInRequired`] when impossible.
    pub async fn refresh_now(&self) -> Result<()> {
        let mut st = self.state.lock().await;
        self.ensure_loaded(&mut st).await?;
        self.refresh_locked(&mut st).await
    }

    /// Signs out: deletes the stored token first (so that a slow or failing revocation, or the
    /// app closing meanwhile, never leaves the user signed in on this computer), then revokes
    /// the refresh and access tokens at the revocation endpoint (best effort; public clients
    /// cannot revoke on DHIS2). When the local delete fails, the tokens are still revoked and
    /// the delete's error is returned.
    pub async fn sign_out(&self) -> Result<SignOutReport> {
        let mut st = self.state.lock().await;
        self.ensure_loaded(&mut st).await?;
        let token = st.token.take();
        st.replace(None);
        st.loaded = true;
        let deleted = self.store.delete(&self.key).await;
        let report = match token {
            None => SignOutReport {
                revoked: false,
                detail: Some("You were not signed in.".into()),
            },
            Some(t) => self.revoke(&t).await,
        };
        deleted?;
        Ok(report)
    }

    async fn revoke(&self, token: &OAuth2Token) -> SignOutReport {
        if matches!(self.config.client_auth, ClientAuth::None) {
            return SignOutReport {
                revoked: false,
                detail: Some(
                    "Signed out on this computer. DHIS2 does not let public app registrations \
                     revoke tokens, so the last access token stays valid until it expires (about \
                     5 minutes)."
                        .into(),
                ),
            };
        }
        let meta = match self.metadata().await {
            Ok(m) => m.clone(),
            Err(e) => {
                return SignOutReport {
                    revoked: false,
                    detail: Some(format!(
                        "Signed out on this computer, but DHIS2 could not be told: {}",
                        e.message()
                    )),
                }
            }
        };
        let Some(endpoint) = meta.revocation_endpoint.clone() else {
            return SignOutReport {
                revoked: false,
                detail: Some(
                    "Signed out on this computer; this server has no revocation endpoint.".into(),
                ),
            };
        };
        let mut targets = vec![];
        if let Some(r) = &token.refresh_token {
            targets.push((r.expose().to_owned(), "refresh_token"));
        }
        targets.push((token.access_token.expose().to_owned(), "access_token"));
        let mut all_ok = true;
        let mut detail = None;
        for (value, hint) in targets {
            let form = vec![("token", value), ("token_type_hint", hint.to_owned())];
            match self.post_form(&endpoint, form).await {
                Ok((s, _, _)) if s.is_success() => {}
                Ok((s, _, _)) => {
                    all_ok = false;
                    detail = Some(format!(
                        "Signed out on this computer, but DHIS2 refused to revoke the token \
                         (HTTP {}).",
                        s.as_u16()
                    ));
                }
                Err(e) => {
                    all_ok = false;
                    detail = Some(format!(
                        "Signed out on this computer, but DHIS2 could not be told: {}",
                        e.message()
                    ));
                }
            }
        }
        SignOutReport {
            revoked: all_ok,
            detail,
        }
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
