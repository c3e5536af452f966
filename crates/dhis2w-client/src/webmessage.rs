//! DHIS2 WebMessage bodies and the mapping of DHIS2 failures to [`ErrorKind`]s with plain words.

use crate::{Error, ErrorKind};
use reqwest::header::{HeaderMap, CONTENT_TYPE, LOCATION, WWW_AUTHENTICATE};
use reqwest::StatusCode;
use serde::{Deserialize, Serialize};

/// DHIS2's error/status envelope (`WebMessage`). Every field is optional; unknown keys are kept.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebMessage {
    /// Reason phrase, e.g. `"Unauthorized"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_status: Option<String>,
    /// Numeric status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_status_code: Option<u16>,
    /// `OK`, `WARNING` or `ERROR`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// DHIS2's message, e.g. `"Account locked"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Developer message, e.g. the bearer `error_description`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dev_message: Option<String>,
    /// E-code such as `E1005`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// Anything else.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl WebMessage {
    /// Parses a body as a WebMessage; `None` when it is not a JSON object with a status field.
    pub fn parse(body: &[u8]) -> Option<Self> {
        let m: WebMessage = serde_json::from_slice(body).ok()?;
        if m.http_status_code.is_some() || m.status.is_some() || m.message.is_some() {
            Some(m)
        } else {
            None
        }
    }
}

/// True for a redirect whose `Location` is a DHIS2 login page (any version, §1).
pub fn is_login_redirect(status: StatusCode, headers: &HeaderMap) -> bool {
    status.is_redirection()
        && headers
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(looks_like_login_path)
            .unwrap_or(false)
}

/// True for a path or URL that is one of DHIS2's login pages.
pub fn looks_like_login_path(location: &str) -> bool {
    let l = location.to_ascii_lowercase();
    l.contains("/dhis-web-login")
        || l.contains("/login.action")
        || l.contains("/dhis-web-commons/security/")
        || l.ends_with("/login")
        || l.contains("/login/")
        || l.contains("/login?")
}

/// True when a 2xx body is an HTML login page instead of API data.
pub fn is_login_page(headers: &HeaderMap, body: &[u8]) -> bool {
    let html = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|ct| ct.to_ascii_lowercase().contains("text/html"))
        .unwrap_or(false);
    if !html {
        return false;
    }
    let head = String::from_utf8_lossy(&body[..body.len().min(64 * 1024)]).to_ascii_lowercase();
    head.contains("login") || head.contains("type=\"password\"")
}

/// The `error_description` (or `error`) of a `WWW-Authenticate: Bearer …` header.
pub fn bearer_error_description(headers: &HeaderMap) -> Option<String> {
    for v in headers.get_all(WWW_AUTHENTICATE) {
        let Ok(v) = v.to_str() else { continue };
        if !v.trim_start().to_ascii_lowercase().starts_with("bearer") {
            continue;
        }
        if let Some(d) = auth_param(v, "error_description") {
            return Some(d);
        }
        if let Some(e) = auth_param(v, "error") {
            return Some(e);
        }
    }
    None
}

fn auth_param(header: &str, name: &str) -> Option<String> {
    let lower = header.to_ascii_lowercase();
    let needle = format!("{name}=");
    let mut from = 0;
    while let Some(pos) = lower[from..].find(&needle) {
        let start = from + pos;
        // Must be a whole parameter name.
        let ok_boundary = start == 0 || matches!(lower.as_bytes()[start - 1], b' ' | b',' | b'\t');
        let vstart = start + needle.len();
        if ok_boundary {
            let rest = &header[vstart..];
            if let Some(q) = rest.strip_prefix('"') {
                let mut out = String::new();
                let mut chars = q.chars();
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => {
                            if let Some(n) = chars.next() {
                                out.push(n)
                            }
                        }
                        '"' => return Some(out),
                        c => out.push(c),
                    }
                }
                return Some(out);
            }
            let end = rest.find(',').unwrap_or(rest.len());
            return Some(rest[..end].trim().to_owned());
        }
        from = vstart;
    }
    None
}

/// Maps a bearer `error_description` (dhis2-server.md §2.11) to an error.
pub fn bearer_error(description: &str) -> Error {
    let d = description.to_ascii_lowercase();
    if d.contains("invalid mapping claim") {
        Error::new(
            ErrorKind::InvalidMappingClaim,
            "DHIS2 refused its own sign-in token (\"Invalid mapping claim\"). This is a server \
             setting: ask your DHIS2 administrator to set the OIDC mapping claim to \"username\" \
             (dhis.conf). Until then, sign in with a personal access token or username and password.",
        )
    } else if d.contains("found no matching dhis2 user") {
        Error::new(
            ErrorKind::InvalidMappingClaim,
            "DHIS2 could not link the sign-in to a DHIS2 user. Sign in again and keep the \
             \"username\" permission ticked on the consent page; if it still fails, ask your DHIS2 \
             administrator to check the OAuth2 client's scopes and your account's OpenID.",
        )
    } else if d.contains("invalid issuer") || d.contains("invalid audience") {
        Error::new(
            ErrorKind::OauthError,
            format!(
                "DHIS2 refused the sign-in token ({description}). This is a server setting: ask \
                 your DHIS2 administrator to check server.base.url and the OAuth2 client \
                 registration. Meanwhile, use a personal access token."
            ),
        )
    } else if d.contains("expired") {
        Error::new(
            ErrorKind::TokenExpired,
            "Your DHIS2 sign-in has expired. Sign in again.",
        )
    } else {
        Error::new(
            ErrorKind::SignInRequired,
            "DHIS2 no longer accepts this sign-in (the server may have restarted). Sign in again.",
        )
    }
}

fn pat_error(message: &str) -> Option<Error> {
    let m = message.to_ascii_lowercase();
    let (kind, words) = if m.contains("malformed") || m.contains("checksum validation failed") {
        (
            ErrorKind::PatMalformed,
            "DHIS2 says this personal access token is malformed. Copy it again from DHIS2 \
             (Profile → Personal access tokens).",
        )
    } else if m.contains("token has expired") {
        (
            ErrorKind::TokenExpired,
            "This personal access token has expired. Create a new one in DHIS2 (Profile → \
             Personal access tokens) and paste it here.",
        )
    } else if m.contains("does not exists") || m.contains("does not exist") {
        (
            ErrorKind::PatRejected,
            "DHIS2 does not know this personal access token (it was deleted or belongs to \
             another server). Create a new token in DHIS2 and paste it here.",
        )
    } else if m.contains("ip address is not allowed") {
        (
            ErrorKind::PatRejected,
            "This personal access token only works from certain IP addresses, and this \
             computer is not one of them. Create a token without an IP limit, or ask your \
             administrator.",
        )
    } else if m.contains("http method is not allowed") {
        (
            ErrorKind::PatRejected,
            "This personal access token is limited to certain request methods and may not be \
             used for this request. Create a token that allows GET.",
        )
    } else if m.contains("referrer") {
        (
            ErrorKind::PatRejected,
            "This personal access token only works with a certain referrer, which this app \
             does not send. Create a token without a referrer limit.",
        )
    } else if m.contains("disabled, locked or 2fa") {
        (
            ErrorKind::PatRejected,
            "DHIS2 refused the token because its owner's account is disabled, locked or uses \
             two-factor sign-in. Ask your DHIS2 administrator, or sign in with OAuth2.",
        )
    } else if m.contains("does not have any owner") || m.contains("owner does not exists") {
        (
            ErrorKind::PatRejected,
            "This personal access token has no owner in DHIS2 any more. Create a new token.",
        )
    } else {
        return None;
    };
    Some(Error::new(kind, words))
}

/// Maps a DHIS2 failure response to an [`Error`]. `scheme` is the provider's scheme
/// (`"basic"`, `"pat"`, `"oauth2"`, or `"none"`), used to pick the right words for a 401.
pub fn error_from_response(
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    scheme: &str,
) -> Error {
    let wm = WebMessage::parse(body);
    let message = wm
        .as_ref()
        .and_then(|m| m.message.clone())
        .unwrap_or_default();
    let dev = wm.as_ref().and_then(|m| m.dev_message.clone());

    if is_login_redirect(status, headers) || (status.is_success() && is_login_page(headers, body)) {
        return not_signed_in(scheme);
    }
    let is_pat = scheme == "pat"
        || headers.get_all(WWW_AUTHENTICATE).iter().any(|v| {
            v.to_str()
                .map(|s| s.trim().eq_ignore_ascii_case("apitoken"))
                .unwrap_or(false)
        });
    match status.as_u16() {
        400 if is_pat => pat_error(&message).unwrap_or_else(|| generic(status, &message)),
        401 => {
            if let Some(d) = bearer_error_description(headers).or_else(|| {
                if message == "invalid_token" {
                    dev.clone()
                } else {
                    None
                }
            }) {
                return bearer_error(&d);
            }
            if let Some(e) = pat_error(&message) {
                return e;
            }
            let m = message.to_ascii_lowercase();
            if m.contains("account locked") {
                Error::new(
                    ErrorKind::AccountLocked,
                    "DHIS2 says this account is locked (too many failed sign-ins). Wait 15 \
                     minutes, or ask your DHIS2 administrator to unlock it.",
                )
            } else if m.contains("account disabled") {
                Error::new(
                    ErrorKind::AccountDisabled,
                    "DHIS2 says this account is disabled. Ask your DHIS2 administrator to \
                     enable it.",
                )
            } else if m.contains("expired") {
                Error::new(
                    ErrorKind::TokenExpired,
                    "DHIS2 says the account or its password has expired. Sign in to DHIS2 in \
                     the browser to renew it, or ask your administrator.",
                )
            } else {
                not_signed_in(scheme)
            }
        }
        403 => {
            Error::new(
                ErrorKind::Forbidden,
                format!(
                "DHIS2 says you may not see this{}. Ask your DHIS2 administrator for access if \
                 you need it.",
                if message.is_empty() { String::new() } else { format!(" (\"{message}\")") }
            ),
            )
        }
        404 => Error::new(
            ErrorKind::NotFound,
            if message.is_empty() {
                "DHIS2 has nothing at this address. Check the path.".to_owned()
            } else {
                format!("DHIS2 says: \"{message}\". Check the path or the id.")
            },
        ),
        429 => Error::new(
            ErrorKind::ServerError,
            "DHIS2 is receiving too many requests right now. Wait a minute and try again.",
        ),
        500..=599 => Error::new(
            ErrorKind::ServerError,
            format!(
                "DHIS2 had a problem answering (HTTP {}){}. Try again later; if it keeps \
                 happening, tell your DHIS2 administrator.",
                status.as_u16(),
                if message.is_empty() {
                    String::new()
                } else {
                    format!(": \"{message}\"")
                }
            ),
        ),
        _ => generic(status, &message),
    }
}

fn generic(status: StatusCode, message: &str) -> Error {
    let kind = if status.is_server_error() {
        ErrorKind::ServerError
    } else {
        ErrorKind::InvalidInput
    };
    Error::new(
        kind,
        if message.is_empty() {
            format!(
                "DHIS2 answered HTTP {}. Check the request.",
                status.as_u16()
            )
        } else {
            format!(
                "DHIS2 answered HTTP {}: \"{message}\". Check the request.",
                status.as_u16()
            )
        },
    )
}

/// The "not signed in" error for a provider scheme.
pub fn not_signed_in(scheme: &str) -> Error {
    match scheme {
        "basic" => Error::new(
            ErrorKind::InvalidCredentials,
            "DHIS2 did not accept the username and password. Check them and try again (after \
             several failures DHIS2 may lock the account).",
        ),
        "pat" => Error::new(
            ErrorKind::PatRejected,
            "DHIS2 did not accept this personal access token. Create a new token in DHIS2 and \
             paste it here.",
        ),
        "oauth2" => Error::new(
            ErrorKind::SignInRequired,
            "You are not signed in to this DHIS2 server (or the sign-in expired). Sign in again.",
        ),
        _ => Error::new(
            ErrorKind::SignInRequired,
            "This DHIS2 server needs you to sign in first.",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn wm(status: u16, message: &str) -> Vec<u8> {
        serde_json::to_vec(&serde_json::json!({
            "httpStatus": "x", "httpStatusCode": status, "status": "ERROR", "message": message
        }))
        .unwrap()
    }

    fn kind(status: u16, h: &HeaderMap, body: &[u8], scheme: &str) -> ErrorKind {
        error_from_response(StatusCode::from_u16(status).unwrap(), h, body, scheme).kind()
    }

    #[test]
    fn maps_basic_failures() {
        let h = HeaderMap::new();
        assert_eq!(
            kind(401, &h, &wm(401, "Unauthorized"), "basic"),
            ErrorKind::InvalidCredentials
        );
        assert_eq!(
            kind(401, &h, &wm(401, "Account locked"), "basic"),
            ErrorKind::AccountLocked
        );
        assert_eq!(
            kind(401, &h, &wm(401, "Account disabled"), "basic"),
            ErrorKind::AccountDisabled
        );
        assert_eq!(kind(403, &h, &wm(403, "no"), "basic"), ErrorKind::Forbidden);
        assert_eq!(kind(404, &h, b"", "basic"), ErrorKind::NotFound);
        assert_eq!(kind(503, &h, b"<html>", "basic"), ErrorKind::ServerError);
    }

    #[test]
    fn maps_pat_failures() {
        let mut h = HeaderMap::new();
        h.insert(WWW_AUTHENTICATE, HeaderValue::from_static("ApiToken"));
        assert_eq!(
            kind(400, &h, &wm(400, "Checksum validation failed"), "pat"),
            ErrorKind::PatMalformed
        );
        assert_eq!(
            kind(400, &h, &wm(400, "Api token is malformed"), "pat"),
            ErrorKind::PatMalformed
        );
        assert_eq!(
            kind(
                401,
                &h,
                &wm(401, "Failed to authenticate API token, token has expired."),
                "pat"
            ),
            ErrorKind::TokenExpired
        );
        assert_eq!(
            kind(
                401,
                &h,
                &wm(
                    401,
                    "Failed to authenticate API token, request http method is not allowed."
                ),
                "pat"
            ),
            ErrorKind::PatRejected
        );
        assert_eq!(
            kind(401, &h, &wm(401, "The API token does not exists"), "pat"),
            ErrorKind::PatRejected
        );
    }

    #[test]
    fn maps_bearer_failures_from_header_and_body() {
        let mut h = HeaderMap::new();
        h.insert(
            WWW_AUTHENTICATE,
            HeaderValue::from_static(
                "Bearer error=\"invalid_token\", error_description=\"Invalid mapping claim\", error_uri=\"https://tools.ietf.org/html/rfc6750#section-3.1\"",
            ),
        );
        assert_eq!(
            bearer_error_description(&h).as_deref(),
            Some("Invalid mapping claim")
        );
        assert_eq!(kind(401, &h, b"", "oauth2"), ErrorKind::InvalidMappingClaim);
        let body = serde_json::to_vec(&serde_json::json!({"httpStatusCode":401,"status":"ERROR",
            "message":"invalid_token","devMessage":"Found no matching DHIS2 user for the mapping claim: 'username' with the value: 'null'"})).unwrap();
        assert_eq!(
            kind(401, &HeaderMap::new(), &body, "oauth2"),
            ErrorKind::InvalidMappingClaim
        );
        let mut h2 = HeaderMap::new();
        h2.insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer error=\"invalid_token\", error_description=\"Jwt expired at 2026-01-01T00:00:00Z\""));
        assert_eq!(kind(401, &h2, b"", "oauth2"), ErrorKind::TokenExpired);
        let mut h3 = HeaderMap::new();
        h3.insert(
            WWW_AUTHENTICATE,
            HeaderValue::from_static(
                "Bearer error=\"invalid_token\", error_description=\"Invalid issuer\"",
            ),
        );
        assert_eq!(kind(401, &h3, b"", "oauth2"), ErrorKind::OauthError);
    }

    #[test]
    fn login_redirects_and_pages_mean_not_signed_in() {
        let mut h = HeaderMap::new();
        h.insert(LOCATION, HeaderValue::from_static("http://x/dhis/login/"));
        assert_eq!(kind(302, &h, b"", "oauth2"), ErrorKind::SignInRequired);
        assert_eq!(kind(302, &h, b"", "basic"), ErrorKind::InvalidCredentials);
        let mut h = HeaderMap::new();
        h.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        assert_eq!(
            kind(
                200,
                &h,
                b"<html><form id=login><input type=\"password\"></form>",
                "oauth2"
            ),
            ErrorKind::SignInRequired
        );
        assert!(looks_like_login_path(
            "/dhis-web-commons/security/login.action"
        ));
        assert!(!looks_like_login_path("/api/me"));
    }
}
