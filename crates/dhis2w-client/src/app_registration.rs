//! "Register dhis2w Desktop on this server" for administrators: the `/api/oAuth2Clients` payload
//! each DHIS2 version accepts (dhis2-dcr.md §6), and DHIS2's refusals in plain words.
//!
//! The client is confidential (`client_secret_basic`): only those get refresh tokens from DHIS2,
//! whatever `tokenSettings` say (dhis2-dcr.md §6). Its secret is made here, sent as the BCrypt
//! hash DHIS2 expects, and kept in clear only in this computer's keyring.

use crate::capture::{DEEP_LINK_REDIRECT_URI, LOOPBACK_REGISTERED_URI};
use crate::models::Dhis2Version;
use crate::{Error, ErrorKind, Result, Secret};
use serde::{Deserialize, Serialize};

/// The name administrators see under OAuth2 clients.
pub const CLIENT_NAME: &str = "dhis2w Desktop";
/// Shown in place of the secret's hash in the preview.
pub const SECRET_PLACEHOLDER: &str =
    "(a BCrypt hash of a new secret that stays in this computer's keyring)";
/// The refresh-token lifetime offered by default (DHIS2's own default for registered devices).
pub const DEFAULT_REFRESH_DAYS: u32 = 30;
/// The longest lifetime accepted from the form.
pub const MAX_REFRESH_DAYS: u32 = 365;
const ACCESS_TOKEN_SECS: u32 = 300;
/// BCrypt work factor (Spring's default is 10).
const BCRYPT_COST: u32 = 10;

/// What will be created, shown before anything is sent ("what will be created").
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppRegistrationPlan {
    /// The DHIS2 version the payload is for.
    pub version: String,
    /// The OAuth2 client id that will be created.
    pub client_id: String,
    /// The redirect URIs it allows.
    pub redirect_uris: Vec<String>,
    /// The scopes it allows.
    pub scopes: String,
    /// Refresh-token lifetime in days.
    pub refresh_days: u32,
    /// The JSON that will be POSTed to `/api/oAuth2Clients`, pretty-printed, with the secret's
    /// hash replaced by [`SECRET_PLACEHOLDER`].
    pub payload: String,
}

/// The DHIS2 versions the payload is built for; others are refused with the reason.
pub fn check_version(version: Option<Dhis2Version>) -> Result<Dhis2Version> {
    let v = version.ok_or_else(|| {
        Error::new(
            ErrorKind::NotDhis2,
            "This server did not say which DHIS2 version it runs, so the app cannot tell how to \
             register itself. Register it under OAuth2 clients in DHIS2 instead.",
        )
    })?;
    if v < Dhis2Version(2, 42, 0, 0) {
        return Err(Error::new(
            ErrorKind::OauthNotEnabled,
            format!(
                "DHIS2 {}.{} has no OAuth2 server for apps (it arrived in 2.42), so there is nothing \
                 to register. Keep signing in with a password or a personal access token.",
                v.0, v.1
            ),
        ));
    }
    if v >= Dhis2Version(2, 43, 0, 0) && v < Dhis2Version(2, 43, 1, 0) {
        return Err(Error::new(
            ErrorKind::OauthNotEnabled,
            "DHIS2 2.43.0 has its OAuth2 server switched off, so a registered app could not sign \
             in. Upgrade to 2.43.1 or newer first.",
        ));
    }
    Ok(v)
}

/// The scopes for `v`: `ALL` up to 2.43.1, the four OIDC scopes from 2.43.2 on, comma-separated
/// as the entity stores them (dhis2-server.md §1, dhis2-dcr.md §6).
pub fn scopes_for(v: Dhis2Version) -> &'static str {
    if v > Dhis2Version(2, 43, 1, u32::MAX) {
        "openid,profile,username,email"
    } else {
        "ALL"
    }
}

/// A client id no other registration has: `dhis2w-desktop-` and 8 random letters and digits.
pub fn new_client_id() -> String {
    use rand::Rng;
    const CHARS: &[u8] = b"abcdefghijkmnpqrstuvwxyz23456789";
    let mut rng = rand::rng();
    let tail: String = (0..8)
        .map(|_| CHARS[rng.random_range(0..CHARS.len())] as char)
        .collect();
    format!("dhis2w-desktop-{tail}")
}

/// A new client secret (kept in the keyring) and its BCrypt hash (sent to DHIS2).
pub fn new_secret() -> Result<(Secret, String)> {
    let secret = crate::auth::oauth2::random_secret();
    let hash = bcrypt::hash_with_result(secret.expose(), BCRYPT_COST)
        .map_err(|e| Error::new(ErrorKind::Internal, "Could not hash the secret.").with_source(e))?
        .format_for_version(bcrypt::Version::TwoA);
    Ok((secret, hash))
}

/// The redirect URIs: the loopback one (DHIS2 ignores the port for IP literals), and the deep
/// link when the instance uses it (a custom scheme must also be in the server's allowlist).
pub fn redirect_uris(deep_link: bool) -> Vec<String> {
    let mut v = vec![LOOPBACK_REGISTERED_URI.to_owned()];
    if deep_link {
        v.push(DEEP_LINK_REDIRECT_URI.to_owned());
    }
    v
}

/// The `/api/oAuth2Clients` payload for DHIS2 `v` (2.42+ entity: comma-separated strings;
/// settings as Spring Authorization Server's typed JSON strings, dhis2-dcr.md §6).
pub fn payload(
    v: Dhis2Version,
    client_id: &str,
    secret_hash: &str,
    refresh_days: u32,
    deep_link: bool,
) -> serde_json::Value {
    let client_settings = serde_json::json!({
        "@class": "java.util.Collections$UnmodifiableMap",
        // PKCE stays required (2.43.2+ refuses false); no consent page for the user's own app.
        "settings.client.require-proof-key": true,
        "settings.client.require-authorization-consent": false,
    });
    let duration = |secs: u64| serde_json::json!(["java.time.Duration", secs as f64]);
    let token_settings = serde_json::json!({
        "@class": "java.util.Collections$UnmodifiableMap",
        "settings.token.reuse-refresh-tokens": false,
        "settings.token.x509-certificate-bound-access-tokens": false,
        "settings.token.id-token-signature-algorithm":
            ["org.springframework.security.oauth2.jose.jws.SignatureAlgorithm", "RS256"],
        "settings.token.access-token-time-to-live": duration(ACCESS_TOKEN_SECS as u64),
        "settings.token.access-token-format": {
            "@class": "org.springframework.security.oauth2.server.authorization.settings.OAuth2TokenFormat",
            "value": "self-contained"
        },
        "settings.token.refresh-token-time-to-live": duration(refresh_days as u64 * 86_400),
        "settings.token.authorization-code-time-to-live": duration(300),
        "settings.token.device-code-time-to-live": duration(300),
    });
    serde_json::json!({
        "name": CLIENT_NAME,
        "clientId": client_id,
        "clientSecret": secret_hash,
        "clientAuthenticationMethods": "client_secret_basic",
        "authorizationGrantTypes": "authorization_code,refresh_token",
        "redirectUris": redirect_uris(deep_link).join(","),
        "scopes": scopes_for(v),
        "clientSettings": client_settings.to_string(),
        "tokenSettings": token_settings.to_string(),
    })
}

/// The refresh-token lifetime from the form: 1 to [`MAX_REFRESH_DAYS`] days.
pub fn check_refresh_days(days: u32) -> Result<u32> {
    if (1..=MAX_REFRESH_DAYS).contains(&days) {
        Ok(days)
    } else {
        Err(Error::new(
            ErrorKind::InvalidInput,
            format!("Enter a sign-in lifetime from 1 to {MAX_REFRESH_DAYS} days."),
        ))
    }
}

/// DHIS2's refusal of the registration (409 with E1004 and the first error's text, dhis2-dcr.md
/// §6 "409 error shape"), in plain words with the next step; `message` is DHIS2's text.
pub fn explain_refusal(status: u16, message: &str) -> Error {
    let m = message.to_ascii_lowercase();
    let words = if status == 403 || status == 401 {
        "Your DHIS2 user may not register apps: it needs the authority to manage OAuth2 clients \
         (F_OAUTH2_CLIENT_MANAGE), or to be a superuser. Ask a DHIS2 administrator to register \
         dhis2w Desktop, or to give you that authority."
            .to_owned()
    } else if m.contains("deviceenrollmentredirectallowlist") {
        format!(
            "DHIS2 accepts the app's own return address ({DEEP_LINK_REDIRECT_URI}) only when it is \
             in the system setting deviceEnrollmentRedirectAllowlist. Add it there, or switch the \
             instance to the loopback return address (the default) and register again."
        )
    } else if m.contains("invalid scope") {
        "This DHIS2 version refused the scopes the app asked for. Tell the dhis2w team which DHIS2 \
         version this is; meanwhile register the app under OAuth2 clients in DHIS2."
            .to_owned()
    } else if m.contains("pkce") || m.contains("require-proof-key") {
        "DHIS2 requires the app's sign-in to be protected with PKCE, and the registration did not \
         say so. Tell the dhis2w team which DHIS2 version this is."
            .to_owned()
    } else if m.contains("already exists") {
        "An app registration with this client id exists already. Try again: the app picks a new id \
         each time."
            .to_owned()
    } else {
        "DHIS2 refused to register the app. Send the details to your DHIS2 administrator, or \
         register the app under OAuth2 clients in DHIS2."
            .to_owned()
    };
    let kind = if status == 403 || status == 401 {
        ErrorKind::Forbidden
    } else {
        ErrorKind::InvalidInput
    };
    Error::new(
        kind,
        if message.is_empty() {
            words
        } else {
            format!("{words} (DHIS2 said: \"{message}\")")
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Dhis2Version {
        Dhis2Version::parse(s).unwrap()
    }

    /// Snapshot of the payload per version: the fields DHIS2 2.42.5/2.43.1 and 2.43.2+/2.44
    /// validate (dhis2-dcr.md §6 table).
    #[test]
    fn the_payload_follows_each_version() {
        for (version, scopes) in [
            ("2.42.5", "ALL"),
            ("2.43.1", "ALL"),
            ("2.43.2", "openid,profile,username,email"),
            ("2.44.0", "openid,profile,username,email"),
        ] {
            let p = payload(v(version), "dhis2w-desktop-abc", "$2a$10$hash", 30, false);
            assert_eq!(p["scopes"], scopes, "{version}");
            assert_eq!(p["clientId"], "dhis2w-desktop-abc");
            assert_eq!(p["clientSecret"], "$2a$10$hash");
            assert_eq!(p["clientAuthenticationMethods"], "client_secret_basic");
            assert_eq!(
                p["authorizationGrantTypes"],
                "authorization_code,refresh_token"
            );
            assert_eq!(p["redirectUris"], "http://127.0.0.1/oauth2/callback");
            // Strings, not arrays: arrays are accepted and silently dropped (dhis2-server.md §2.4).
            for k in ["redirectUris", "scopes", "clientSettings", "tokenSettings"] {
                assert!(p[k].is_string(), "{version} {k}");
            }
            let cs: serde_json::Value =
                serde_json::from_str(p["clientSettings"].as_str().unwrap()).unwrap();
            assert_eq!(cs["settings.client.require-proof-key"], true);
            assert_eq!(cs["settings.client.require-authorization-consent"], false);
            let ts: serde_json::Value =
                serde_json::from_str(p["tokenSettings"].as_str().unwrap()).unwrap();
            assert_eq!(
                ts["settings.token.refresh-token-time-to-live"],
                serde_json::json!(["java.time.Duration", 2_592_000.0])
            );
            assert_eq!(ts["@class"], "java.util.Collections$UnmodifiableMap");
        }
        let p = payload(v("2.44.0"), "c", "h", 7, true);
        assert_eq!(
            p["redirectUris"],
            "http://127.0.0.1/oauth2/callback,org.dhis2w.desktop:/oauth2/callback"
        );
    }

    #[test]
    fn versions_without_a_working_oauth2_server_are_refused() {
        assert_eq!(
            check_version(Some(v("2.41.3"))).unwrap_err().kind(),
            ErrorKind::OauthNotEnabled
        );
        assert_eq!(
            check_version(Some(v("2.43.0.1"))).unwrap_err().kind(),
            ErrorKind::OauthNotEnabled
        );
        assert!(check_version(Some(v("2.42.5.2"))).is_ok());
        assert!(check_version(None).is_err());
        assert!(check_refresh_days(0).is_err());
        assert!(check_refresh_days(366).is_err());
        assert_eq!(check_refresh_days(30).unwrap(), 30);
    }

    #[test]
    fn the_secret_is_hashed_as_spring_expects_and_ids_differ() {
        let (secret, hash) = new_secret().unwrap();
        assert!(hash.starts_with("$2a$10$"), "{hash}");
        assert!(bcrypt::verify(secret.expose(), &hash).unwrap());
        assert!(secret.expose().len() >= 40);
        assert_ne!(new_client_id(), new_client_id());
        assert!(new_client_id().starts_with("dhis2w-desktop-"));
    }

    #[test]
    fn refusals_are_worded() {
        let e = explain_refusal(
            409,
            "Redirect URI not in deviceEnrollmentRedirectAllowlist: org.dhis2w.desktop:/oauth2/callback",
        );
        assert!(e.message().contains("deviceEnrollmentRedirectAllowlist"));
        assert!(e.message().contains("loopback"));
        assert_eq!(explain_refusal(403, "").kind(), ErrorKind::Forbidden);
        assert!(explain_refusal(403, "")
            .message()
            .contains("F_OAUTH2_CLIENT_MANAGE"));
        assert!(
            explain_refusal(409, "Invalid scope: 'ALL'. Allowed scopes are: email")
                .message()
                .contains("scopes")
        );
    }
}
