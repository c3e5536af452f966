//! Profiles: the DHIS2 instances an analyst keeps, and how each one signs in.
//!
//! An [`Instance`] holds only what may be written to a file: name, canonical base URL, sign-in
//! method, username, OAuth2 client settings, an optional CA certificate path, a colour and notes.
//! Passwords, PATs, client secrets and tokens never appear here; they live in the
//! [`SecretStore`](crate::secret_store::SecretStore).
//!
//! [`ProfileStore`] keeps the instances in one TOML file (written atomically, never overwritten
//! when it cannot be parsed), and [`ProfileStore::import_dhis2w`] brings in the profiles of the
//! dhis2w Python CLI.

mod import;
mod store;

pub use import::{dhis2w_default_paths, ImportReport, ImportedProfile, SkipCode, SkippedProfile};
pub use store::{input_from, ProfileStore, Recovery, FILE_NAME, FILE_VERSION};

use crate::{Error, ErrorKind, Result, Secret};
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// How an instance signs in.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthKind {
    /// HTTP Basic: username + password.
    Basic,
    /// DHIS2 Personal Access Token.
    Pat,
    /// OAuth2 authorization code + PKCE in the system browser.
    Oauth2,
}

impl AuthKind {
    /// The name used in files and in the UI: `basic`, `pat` or `oauth2`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Basic => "basic",
            Self::Pat => "pat",
            Self::Oauth2 => "oauth2",
        }
    }
}

impl fmt::Display for AuthKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AuthKind {
    type Err = Error;

    /// Parses `basic`, `pat` or `oauth2` (case-insensitive); anything else is `invalid_input`.
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "basic" => Ok(Self::Basic),
            "pat" => Ok(Self::Pat),
            "oauth2" => Ok(Self::Oauth2),
            other => Err(Error::new(
                ErrorKind::InvalidInput,
                format!(
                    "Unknown sign-in method \"{other}\". Choose basic (username and password), \
                     pat (personal access token) or oauth2 (browser sign-in)."
                ),
            )),
        }
    }
}

/// Where the browser sends the user back after an OAuth2 sign-in.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RedirectMode {
    /// `http://127.0.0.1:<port>/…` served by the app for the duration of the sign-in.
    #[default]
    Loopback,
    /// The app's registered URL scheme (deep link).
    DeepLink,
}

/// OAuth2 client settings of an instance. The client secret, if any, is in the secret store.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OAuth2Settings {
    /// The OAuth2 client id registered in DHIS2.
    pub client_id: String,
    /// Overrides the default scope when set.
    #[serde(default)]
    pub scope: Option<String>,
    /// How the browser returns to the app.
    #[serde(default)]
    pub redirect_mode: RedirectMode,
}

/// One DHIS2 instance as stored in the profiles file. Contains no secret.
///
/// JSON (for the UI) uses camelCase field names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Instance {
    /// Stable random URL-safe id; never changes, also names the instance's secrets.
    pub id: String,
    /// Display name, unique (case-insensitive) among the instances.
    pub name: String,
    /// Canonical base URL (`http`/`https`, no trailing slash), e.g. `https://play.im.dhis2.org/stable-2-42-1`.
    pub base_url: String,
    /// Sign-in method.
    pub auth_kind: AuthKind,
    /// Username (required for Basic; optional otherwise).
    pub username: Option<String>,
    /// OAuth2 client settings (required for OAuth2).
    pub oauth2: Option<OAuth2Settings>,
    /// Extra CA certificate (PEM) to trust for this instance.
    pub ca_cert_path: Option<String>,
    /// Colour tag shown in the UI.
    pub color: Option<String>,
    /// Free-text notes.
    pub notes: Option<String>,
}

/// What the user typed in the add/edit form. Validated into an [`Instance`] by
/// [`ProfileStore::add`] and [`ProfileStore::update`].
///
/// The secret fields are write-only: they are read from JSON/TOML but never serialized, so an
/// input echoed back to the UI or written anywhere carries no secret. `None` means "keep what
/// is stored"; a value means
/// "store this" (see [`SecretStore::save_input_secrets`](crate::secret_store::SecretStore::save_input_secrets)).
/// The profile store itself ignores them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct InstanceInput {
    /// Display name.
    pub name: String,
    /// Base URL; should already be the canonical one (see the probe).
    pub base_url: String,
    /// Sign-in method.
    pub auth_kind: Option<AuthKind>,
    /// Username.
    pub username: Option<String>,
    /// OAuth2 client settings.
    pub oauth2: Option<OAuth2Settings>,
    /// Extra CA certificate path.
    pub ca_cert_path: Option<String>,
    /// Colour tag.
    pub color: Option<String>,
    /// Notes.
    pub notes: Option<String>,
    /// Basic password to store (write-only).
    #[serde(skip_serializing)]
    pub password: Option<Secret>,
    /// Personal access token to store (write-only).
    #[serde(skip_serializing)]
    pub pat: Option<Secret>,
    /// OAuth2 client secret to store (write-only).
    #[serde(skip_serializing)]
    pub client_secret: Option<Secret>,
}

impl InstanceInput {
    /// An input with the required fields set and everything else empty.
    pub fn new(name: impl Into<String>, base_url: impl Into<String>, auth_kind: AuthKind) -> Self {
        Self {
            name: name.into(),
            base_url: base_url.into(),
            auth_kind: Some(auth_kind),
            ..Self::default()
        }
    }
}

fn invalid(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidInput, message)
}

/// Trims and turns an empty string into `None`.
fn clean_opt(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// Checks a base URL and returns its canonical spelling: `http`/`https` only, a host, no user
/// info, no query or fragment, no trailing slash.
pub fn normalize_base_url(raw: &str) -> Result<String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(invalid(
            "Enter the server address, for example https://play.im.dhis2.org/stable-2-42-1.",
        ));
    }
    let url = url::Url::parse(raw).map_err(|_| {
        invalid(format!(
            "\"{raw}\" is not a web address. Enter it with http:// or https://, for example \
             https://play.im.dhis2.org/stable-2-42-1."
        ))
    })?;
    if url.scheme() != "http" && url.scheme() != "https" {
        return Err(invalid(format!(
            "The address must start with http:// or https://, not {}://.",
            url.scheme()
        )));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid(
            "The address has no server name. Check what you typed.",
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        // Never keep credentials in a file: refuse them rather than silently dropping them.
        return Err(invalid(
            "Remove the username and password from the address; enter them in the sign-in fields.",
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid(
            "Remove the part after ? or # from the address: enter the server's base address only.",
        ));
    }
    let mut s = url.to_string();
    while s.ends_with('/') {
        s.pop();
    }
    Ok(s)
}

/// Validates `input` against the other instances (`others` excludes the one being edited) and
/// builds the stored instance with id `id`.
pub(crate) fn validate(id: &str, input: &InstanceInput, others: &[Instance]) -> Result<Instance> {
    let name = input.name.trim();
    if name.is_empty() {
        return Err(invalid("Give the instance a name."));
    }
    if name.chars().count() > 100 {
        return Err(invalid("The name is too long: use at most 100 characters."));
    }
    if name.chars().any(char::is_control) {
        return Err(invalid("The name cannot contain control characters."));
    }
    let lower = name.to_lowercase();
    if others.iter().any(|o| o.name.trim().to_lowercase() == lower) {
        return Err(invalid(format!(
            "An instance called \"{name}\" already exists. Choose another name."
        )));
    }
    let base_url = normalize_base_url(&input.base_url)?;
    let auth_kind = input.auth_kind.ok_or_else(|| {
        invalid("Choose a sign-in method: basic, pat (personal access token) or oauth2.")
    })?;
    let username = clean_opt(&input.username);
    if auth_kind == AuthKind::Basic && username.is_none() {
        return Err(invalid("Enter the username for this instance."));
    }
    let oauth2 = match &input.oauth2 {
        Some(o) => {
            let client_id = o.client_id.trim();
            if client_id.is_empty() {
                None
            } else {
                Some(OAuth2Settings {
                    client_id: client_id.to_owned(),
                    scope: clean_opt(&o.scope),
                    redirect_mode: o.redirect_mode,
                })
            }
        }
        None => None,
    };
    if auth_kind == AuthKind::Oauth2 && oauth2.is_none() {
        return Err(invalid(
            "Enter the OAuth2 client id registered for this app in DHIS2.",
        ));
    }
    Ok(Instance {
        id: id.to_owned(),
        name: name.to_owned(),
        base_url,
        auth_kind,
        username,
        oauth2,
        ca_cert_path: clean_opt(&input.ca_cert_path),
        color: clean_opt(&input.color),
        notes: input.notes.clone().filter(|n| !n.trim().is_empty()),
    })
}

/// A new random, URL-safe instance id (128 bits, 22 characters).
pub fn new_instance_id() -> String {
    let mut bytes = [0u8; 16];
    rand::fill(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// True when `id` looks like an instance id: 1–64 characters of `A–Z a–z 0–9 - _`.
pub fn is_valid_instance_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basic(name: &str) -> InstanceInput {
        let mut i = InstanceInput::new(name, "https://play.im.dhis2.org/dev/", AuthKind::Basic);
        i.username = Some("admin".into());
        i
    }

    #[test]
    fn ids_are_random_and_url_safe() {
        let a = new_instance_id();
        let b = new_instance_id();
        assert_ne!(a, b);
        assert_eq!(a.len(), 22);
        assert!(is_valid_instance_id(&a));
        assert!(!is_valid_instance_id("a:b"));
        assert!(!is_valid_instance_id(""));
    }

    #[test]
    fn canonical_url_has_no_trailing_slash() {
        let inst = validate("x", &basic("Play"), &[]).unwrap();
        assert_eq!(inst.base_url, "https://play.im.dhis2.org/dev");
        assert_eq!(
            normalize_base_url("HTTP://Example.org").unwrap(),
            "http://example.org"
        );
    }

    #[test]
    fn rejects_non_http_urls() {
        for bad in [
            "ftp://example.org",
            "file:///etc/passwd",
            "example.org",
            "",
            "javascript:alert(1)",
        ] {
            let mut i = basic("A");
            i.base_url = bad.into();
            let e = validate("x", &i, &[]).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidInput, "{bad}");
        }
    }

    #[test]
    fn rejects_credentials_query_and_fragment_in_url() {
        for bad in [
            "https://admin:district@example.org",
            "https://example.org/?a=1",
            "https://example.org/#x",
        ] {
            let mut i = basic("A");
            i.base_url = bad.into();
            let e = validate("x", &i, &[]).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidInput, "{bad}");
            assert!(!e.message().contains("district"));
        }
    }

    #[test]
    fn rejects_duplicate_names_case_insensitively() {
        let existing = validate("a", &basic("Sierra Leone"), &[]).unwrap();
        let e = validate("b", &basic("  sierra LEONE "), &[existing]).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert!(e.message().contains("already exists"));
    }

    #[test]
    fn rejects_empty_name() {
        let e = validate("a", &basic("   "), &[]).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
    }

    #[test]
    fn basic_needs_username() {
        let mut i = basic("A");
        i.username = Some("  ".into());
        assert_eq!(
            validate("a", &i, &[]).unwrap_err().kind(),
            ErrorKind::InvalidInput
        );
        // PAT does not.
        let mut p = InstanceInput::new("P", "https://x.org", AuthKind::Pat);
        p.username = None;
        assert!(validate("a", &p, &[]).is_ok());
    }

    #[test]
    fn oauth2_needs_client_id() {
        let mut i = InstanceInput::new("O", "https://x.org", AuthKind::Oauth2);
        assert_eq!(
            validate("a", &i, &[]).unwrap_err().kind(),
            ErrorKind::InvalidInput
        );
        i.oauth2 = Some(OAuth2Settings {
            client_id: "  ".into(),
            scope: None,
            redirect_mode: RedirectMode::Loopback,
        });
        assert_eq!(
            validate("a", &i, &[]).unwrap_err().kind(),
            ErrorKind::InvalidInput
        );
        i.oauth2 = Some(OAuth2Settings {
            client_id: "dhis2w-desktop".into(),
            scope: Some(" ".into()),
            redirect_mode: RedirectMode::DeepLink,
        });
        let inst = validate("a", &i, &[]).unwrap();
        let o = inst.oauth2.unwrap();
        assert_eq!(o.client_id, "dhis2w-desktop");
        assert_eq!(o.scope, None);
        assert_eq!(o.redirect_mode, RedirectMode::DeepLink);
    }

    #[test]
    fn missing_or_unknown_auth_kind_is_invalid_input() {
        let mut i = basic("A");
        i.auth_kind = None;
        assert_eq!(
            validate("a", &i, &[]).unwrap_err().kind(),
            ErrorKind::InvalidInput
        );
        assert_eq!(
            "session".parse::<AuthKind>().unwrap_err().kind(),
            ErrorKind::InvalidInput
        );
        assert_eq!("OAuth2".parse::<AuthKind>().unwrap(), AuthKind::Oauth2);
        // Unknown kinds from the UI fail to deserialize.
        assert!(serde_json::from_str::<AuthKind>("\"kerberos\"").is_err());
    }

    #[test]
    fn json_shape_matches_the_ui_contract() {
        let mut i = InstanceInput::new("O", "https://x.org", AuthKind::Oauth2);
        i.oauth2 = Some(OAuth2Settings {
            client_id: "c".into(),
            scope: None,
            redirect_mode: RedirectMode::DeepLink,
        });
        let inst = validate("id1", &i, &[]).unwrap();
        let v = serde_json::to_value(&inst).unwrap();
        assert_eq!(
            v,
            serde_json::json!({
                "id": "id1", "name": "O", "baseUrl": "https://x.org", "authKind": "oauth2",
                "username": null,
                "oauth2": {"clientId": "c", "scope": null, "redirectMode": "deep_link"},
                "caCertPath": null, "color": null, "notes": null
            })
        );
        let input: InstanceInput = serde_json::from_value(serde_json::json!({
            "name": "B", "baseUrl": "https://x.org", "authKind": "basic", "username": "u",
            "password": "pw", "pat": null
        }))
        .unwrap();
        assert_eq!(input.password.as_ref().unwrap().expose(), "pw");
        assert!(!format!("{input:?}").contains("\"pw\""));
        // Write-only: serializing an input never carries its secrets.
        let mut input = input;
        input.pat = Some(Secret::new("d2p_secret"));
        input.client_secret = Some(Secret::new("cs"));
        let out = serde_json::to_string(&input).unwrap();
        for s in ["pw", "d2p_secret", "\"cs\""] {
            assert!(!out.contains(s), "{s} in {out}");
        }
    }
}
