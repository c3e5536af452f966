//! Finding DHIS2's authorization server: its discovery document, its version, and the words
//! for a server without OAuth2.

use super::*;

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

impl ServerMetadata {
    /// The dynamic client registration endpoint (present when DHIS2 offers device enrolment,
    /// dhis2-dcr.md §2).
    pub fn registration_endpoint(&self) -> Option<&str> {
        self.extra
            .get("registration_endpoint")
            .and_then(|v| v.as_str())
            .filter(|s| !s.is_empty())
    }

    /// OpenID RP-initiated logout (DHIS2: `/connect/logout`, dhis2-dcr.md §7).
    pub fn end_session_endpoint(&self) -> Option<&str> {
        self.extra
            .get("end_session_endpoint")
            .and_then(|v| v.as_str())
            .filter(|s| !s.is_empty())
    }
}

pub(super) fn not_enabled(detail: &str) -> Error {
    Error::new(
        ErrorKind::OauthNotEnabled,
        format!(
            "This DHIS2 server does not offer OAuth2 sign-in ({detail}). Sign in with a personal \
             access token or username and password instead, or ask your DHIS2 administrator to \
             enable the OAuth2 server (DHIS2 2.42 or newer, oauth2.server.enabled = on)."
        ),
    )
}

pub(super) fn is_json(headers: &HeaderMap) -> bool {
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
