//! Finding the canonical base URL of an instance and probing what it supports (the "add
//! instance" wizard). Nothing here sends credentials.

use crate::auth::oauth2::{discover, server_version};
use crate::capture::{DEEP_LINK_REDIRECT_URI, LOOPBACK_REGISTERED_URI};
use crate::client::{
    build_http_client, join_path, map_transport_error, normalise_base_url, read_capped,
    same_origin, ClientOptions, MAX_SMALL_ANSWER, X_REQUESTED_WITH,
};
use crate::models::{Dhis2Version, LoginConfig};
use crate::{Error, ErrorKind, Result};
use reqwest::header::{ACCEPT, CONTENT_TYPE, LOCATION};
use serde::{Deserialize, Serialize};
use url::Url;

const MAX_HOPS: usize = 10;

/// Path segments at which a DHIS2 page URL stops being the base URL.
fn is_page_segment(seg: &str) -> bool {
    let s = seg.to_ascii_lowercase();
    s.starts_with("dhis-web-")
        || matches!(
            s.as_str(),
            "login" | "api" | "uaa" | "oauth2" | ".well-known" | "index.html" | "index.action"
        )
        || s.ends_with(".action")
}

/// Strips login-page and app-page suffixes (`/dhis-web-login/`, `/login/`,
/// `/dhis-web-commons/security/login.action`, `/dhis-web-dashboard/…`, `/api/…`), the query
/// and the fragment.
pub fn strip_page_suffix(url: &Url) -> Url {
    let mut u = url.clone();
    u.set_query(None);
    u.set_fragment(None);
    let segs: Vec<&str> = url.path().split('/').filter(|s| !s.is_empty()).collect();
    let keep = segs
        .iter()
        .position(|s| is_page_segment(s))
        .unwrap_or(segs.len());
    let path = if keep == 0 {
        String::new()
    } else {
        format!("/{}", segs[..keep].join("/"))
    };
    u.set_path(&path);
    u
}

/// Whether `base` answers DHIS2 JSON; an oversized answer is an error, not a "no".
async fn answers_dhis2_json(http: &reqwest::Client, base: &Url) -> Result<bool> {
    let host = base.host_str().unwrap_or("the server").to_owned();
    for path in ["/api/loginConfig", "/api/system/info"] {
        let Ok(url) = join_path(base, path) else {
            continue;
        };
        let Ok(resp) = http
            .get(url)
            .header(X_REQUESTED_WITH.0, X_REQUESTED_WITH.1)
            .header(ACCEPT, "application/json")
            .send()
            .await
        else {
            continue;
        };
        let json = resp
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|c| c.contains("json"))
            .unwrap_or(false);
        // 200 (loginConfig) or DHIS2's 401 WebMessage (system/info without credentials).
        if json && (resp.status().is_success() || resp.status().as_u16() == 401) {
            let body = match read_capped(resp, MAX_SMALL_ANSWER, path, &host).await {
                Ok(b) => b,
                Err(e) if e.kind() == ErrorKind::NotDhis2 => return Err(e),
                Err(_) => continue,
            };
            if let Ok(v) = serde_json::from_slice::<serde_json::Value>(&body) {
                if v.is_object() {
                    return Ok(true);
                }
            }
        }
    }
    Ok(false)
}

/// Resolves what the user typed to the instance's canonical base URL (dhis2-server.md §7):
/// follows redirects without credentials, strips login/app page suffixes, and accepts a
/// target on another origin only if it answers DHIS2 JSON at `/api/loginConfig` or
/// `/api/system/info`. Uses default [`ClientOptions`].
pub async fn resolve_base_url(input: &str) -> Result<Url> {
    let http = build_http_client(&ClientOptions::default())?;
    resolve_base_url_with(&http, input).await
}

/// [`resolve_base_url`] with a given HTTP client (from [`build_http_client`], e.g. with the
/// instance's extra CA certificate).
pub async fn resolve_base_url_with(http: &reqwest::Client, input: &str) -> Result<Url> {
    let start = normalise_base_url(input)?;
    let mut url = start.clone();
    for _ in 0..MAX_HOPS {
        let host = url.host_str().unwrap_or("the server").to_owned();
        let resp = http
            .get(url.clone())
            .header(ACCEPT, "text/html,application/json;q=0.9,*/*;q=0.5")
            .send()
            .await
            .map_err(|e| map_transport_error(e, &host))?;
        if !resp.status().is_redirection() {
            break;
        }
        let Some(next) = resp
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|l| url.join(l).ok())
        else {
            break;
        };
        if !matches!(next.scheme(), "http" | "https") {
            break;
        }
        // A secure address that sends visitors to an insecure one: following it would save the
        // http address and send every password and token in the clear (issue 10).
        if url.scheme() == "https" && next.scheme() == "http" {
            return Err(Error::new(
                ErrorKind::Tls,
                format!(
                    "{} sends visitors from its secure (https) address to an insecure one ({}). \
                     dhis2w will not send your sign-in over an unencrypted connection. Ask the \
                     server's administrator to fix this redirect; if you really mean the insecure \
                     address, type it yourself.",
                    host,
                    next.origin().ascii_serialization()
                ),
            ));
        }
        url = next;
    }
    let mut candidate = strip_page_suffix(&url);
    let trimmed = candidate.path().trim_end_matches('/').to_owned();
    candidate.set_path(&trimmed);
    if !same_origin(&candidate, &start) && !answers_dhis2_json(http, &candidate).await? {
        return Err(Error::new(
            ErrorKind::NotDhis2,
            format!(
                "{} sends visitors to {}, which does not answer like DHIS2. Check the address.",
                start,
                candidate.origin().ascii_serialization()
            ),
        ));
    }
    Ok(candidate)
}

/// `url` spelled as saved instances are (see [`crate::profile::normalize_base_url`]): no
/// trailing slash, also for a server at the root (`http://host:8080`, not `http://host:8080/`).
pub fn canonical_string(url: &Url) -> String {
    url.as_str().trim_end_matches('/').to_owned()
}

/// A sign-in method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignInMethod {
    /// Username and password.
    Basic,
    /// Personal access token.
    Pat,
    /// OAuth2 in the browser.
    Oauth2,
}

/// Whether a method can be used, and why not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MethodSupport {
    /// Usable on this server.
    pub available: bool,
    /// Plain words when not available (or a caveat), in English (details).
    pub reason: Option<String>,
    /// Why not, as a code the UI words in the user's language (with the server's version):
    /// `oauth2_too_old` (before 2.42), `oauth2_very_old` (no version, before 2.41),
    /// `oauth2_off` (no OAuth2 server answering), `pat_too_old` (before 2.39).
    pub code: Option<String>,
}

impl MethodSupport {
    fn yes() -> Self {
        Self {
            available: true,
            reason: None,
            code: None,
        }
    }

    fn no(code: &str, reason: String) -> Self {
        Self {
            available: false,
            reason: Some(reason),
            code: Some(code.to_owned()),
        }
    }
}

/// Support per method.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProbeMethods {
    /// Username and password.
    pub basic: MethodSupport,
    /// Personal access token.
    pub pat: MethodSupport,
    /// OAuth2.
    pub oauth2: MethodSupport,
}

/// Redirect URIs to register in DHIS2 for each capture mode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RedirectUris {
    /// `http://127.0.0.1/oauth2/callback` (any port is accepted).
    pub loopback: String,
    /// `org.dhis2w.desktop:/oauth2/callback`.
    pub deep_link: String,
}

/// What the wizard learns about an address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProbeResult {
    /// The canonical base URL to store.
    pub canonical_url: String,
    /// `apiVersion` from `/api/loginConfig` (2.41+); `None` on older servers.
    pub version: Option<String>,
    /// The server's title, when `/api/loginConfig` gives one.
    pub system_name: Option<String>,
    /// Support per method.
    pub methods: ProbeMethods,
    /// OAuth2 when available, else PAT.
    pub recommended: SignInMethod,
    /// Redirect URIs to register for OAuth2.
    pub redirect_uris: RedirectUris,
}

/// Probes an address for the wizard, with default [`ClientOptions`].
pub async fn probe(address: &str) -> Result<ProbeResult> {
    let http = build_http_client(&ClientOptions::default())?;
    probe_with(&http, address).await
}

/// [`probe`] with a given HTTP client.
pub async fn probe_with(http: &reqwest::Client, address: &str) -> Result<ProbeResult> {
    let base = resolve_base_url_with(http, address).await?;
    let host = base.host_str().unwrap_or("the server").to_owned();
    let login_config: Option<LoginConfig> = async {
        let Some(resp) = async {
            http.get(join_path(&base, "/api/loginConfig").ok()?)
                .header(X_REQUESTED_WITH.0, X_REQUESTED_WITH.1)
                .header(ACCEPT, "application/json")
                .send()
                .await
                .ok()
        }
        .await
        else {
            return Ok(None);
        };
        if !resp.status().is_success() {
            return Ok(None);
        }
        match read_capped(resp, MAX_SMALL_ANSWER, "/api/loginConfig", &host).await {
            Ok(body) => Ok(serde_json::from_slice(&body).ok()),
            // Too large is its own error; a broken connection is "no login config".
            Err(e) if e.kind() == ErrorKind::NotDhis2 => Err(e),
            Err(_) => Ok(None),
        }
    }
    .await?;
    if login_config.is_none() && !answers_dhis2_json(http, &base).await? {
        return Err(Error::new(
            ErrorKind::NotDhis2,
            format!("{base} answers, but not like DHIS2. Check the address (it should be the address you open DHIS2 at)."),
        ));
    }
    let version = login_config.as_ref().and_then(|c| c.api_version.clone());
    let parsed = match &version {
        Some(v) => Dhis2Version::parse(v),
        None => server_version(http, &base).await,
    };
    let oauth2 = match parsed {
        Some(v) if v < Dhis2Version(2, 42, 0, 0) => MethodSupport::no(
            "oauth2_too_old",
            format!(
                "DHIS2 {}.{} has no OAuth2 sign-in for apps (it arrived in 2.42).",
                v.0, v.1
            ),
        ),
        None if login_config.is_none() => MethodSupport::no(
            "oauth2_very_old",
            "This DHIS2 is older than 2.41 and has no OAuth2 sign-in for apps.".into(),
        ),
        _ => match discover(http, &base).await {
            Ok(_) => MethodSupport::yes(),
            Err(e) => MethodSupport::no("oauth2_off", e.message().to_owned()),
        },
    };
    // Personal access tokens are supported from 2.39 (issue 10; dhis2-server.md covers 2.39
    // on and is silent about older versions). An unknown version keeps them on offer: the
    // check at step 4 tells.
    let pat = match parsed {
        Some(v) if v < Dhis2Version(2, 39, 0, 0) => MethodSupport::no(
            "pat_too_old",
            format!(
                "DHIS2 {}.{} is older than 2.39: dhis2w does not use personal access tokens there.",
                v.0, v.1
            ),
        ),
        _ => MethodSupport::yes(),
    };
    let recommended = if oauth2.available {
        SignInMethod::Oauth2
    } else if pat.available {
        SignInMethod::Pat
    } else {
        SignInMethod::Basic
    };
    Ok(ProbeResult {
        canonical_url: canonical_string(&base),
        version,
        system_name: login_config.and_then(|c| c.application_title),
        methods: ProbeMethods {
            basic: MethodSupport::yes(),
            pat,
            oauth2,
        },
        recommended,
        redirect_uris: RedirectUris {
            loopback: LOOPBACK_REGISTERED_URI.into(),
            deep_link: DEEP_LINK_REDIRECT_URI.into(),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strip(s: &str) -> String {
        strip_page_suffix(&Url::parse(s).unwrap()).to_string()
    }

    #[test]
    fn strips_page_suffixes() {
        assert_eq!(
            strip("https://play.im.dhis2.org/stable-2-42-4/dhis-web-login/"),
            "https://play.im.dhis2.org/stable-2-42-4"
        );
        assert_eq!(strip("https://h/dhis/login/?redirect=x"), "https://h/dhis");
        assert_eq!(
            strip("https://h/dhis-web-commons/security/login.action"),
            "https://h/"
        );
        assert_eq!(
            strip("https://h/dhis/dhis-web-dashboard/#/abc"),
            "https://h/dhis"
        );
        assert_eq!(strip("https://h/dhis/api/me"), "https://h/dhis");
        assert_eq!(strip("https://h/dhis"), "https://h/dhis");
    }

    #[test]
    fn canonical_strings_have_no_trailing_slash() {
        let root = Url::parse("http://127.0.0.1:33679/").unwrap();
        assert_eq!(canonical_string(&root), "http://127.0.0.1:33679");
        let sub = Url::parse("https://h/dhis").unwrap();
        assert_eq!(canonical_string(&sub), "https://h/dhis");
        assert_eq!(
            canonical_string(&root),
            crate::profile::normalize_base_url(root.as_str()).unwrap()
        );
    }
}
