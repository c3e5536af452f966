//! Typed views of a few DHIS2 responses. Every struct keeps unknown keys in `extra` and
//! tolerates missing ones, because the shapes differ between DHIS2 versions (§6).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// `/api/system/info` (reduced for non-superusers).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SystemInfo {
    /// Maven version, e.g. `"2.42.4.1"`.
    #[serde(default)]
    pub version: Option<String>,
    /// Git revision.
    #[serde(default)]
    pub revision: Option<String>,
    /// The instance's name.
    #[serde(default)]
    pub system_name: Option<String>,
    /// The base URL DHIS2 believes it has.
    #[serde(default)]
    pub instance_base_url: Option<String>,
    /// The servlet context path.
    #[serde(default)]
    pub context_path: Option<String>,
    /// Every other key.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `/api/me`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Me {
    /// User uid.
    #[serde(default)]
    pub id: Option<String>,
    /// Username (2.42+; older versions nest it in `userCredentials`, see [`Me::username`]).
    #[serde(default)]
    pub username: Option<String>,
    /// Display name.
    #[serde(default)]
    pub display_name: Option<String>,
    /// Full name.
    #[serde(default)]
    pub name: Option<String>,
    /// Email.
    #[serde(default)]
    pub email: Option<String>,
    /// Authorities such as `ALL`.
    #[serde(default)]
    pub authorities: Vec<String>,
    /// 2.39–2.41 nested credentials.
    #[serde(default)]
    pub user_credentials: Option<Value>,
    /// Every other key.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Me {
    /// The username, wherever this DHIS2 version puts it.
    pub fn username(&self) -> Option<&str> {
        self.username.as_deref().or_else(|| {
            self.user_credentials
                .as_ref()
                .and_then(|c| c.get("username"))
                .and_then(Value::as_str)
        })
    }

    /// The display name, falling back to the name and then the username.
    pub fn display_name(&self) -> Option<&str> {
        self.display_name
            .as_deref()
            .or(self.name.as_deref())
            .or_else(|| self.username())
    }
}

/// `/api/loginConfig` (2.41+, anonymous).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginConfig {
    /// e.g. `"2.41.3"`.
    #[serde(default)]
    pub api_version: Option<String>,
    /// The server's title.
    #[serde(default)]
    pub application_title: Option<String>,
    /// Subtitle.
    #[serde(default)]
    pub application_description: Option<String>,
    /// External OIDC providers shown on the login page.
    #[serde(default)]
    pub oidc_providers: Vec<Value>,
    /// Every other key.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One entry of `/api/resources`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Resource {
    /// e.g. `"Data Elements"`.
    #[serde(default)]
    pub display_name: Option<String>,
    /// e.g. `"dataElement"`.
    #[serde(default)]
    pub singular: Option<String>,
    /// e.g. `"dataElements"`.
    #[serde(default)]
    pub plural: Option<String>,
    /// Absolute API URL.
    #[serde(default)]
    pub href: Option<String>,
    /// Every other key.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `/api/resources`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Resources {
    /// The resources.
    #[serde(default)]
    pub resources: Vec<Resource>,
    /// Every other key.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An API path for the browser's autocomplete, from `/api/resources`.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourcePath {
    /// e.g. `/api/dataElements` (relative to the instance's base URL).
    pub path: String,
    /// e.g. `Data Elements`.
    pub display_name: String,
}

impl Resources {
    /// The resources as API paths (`/api/…`, taken from each `href`, else from `plural`),
    /// sorted by path, without duplicates.
    pub fn paths(&self) -> Vec<ResourcePath> {
        let mut out: Vec<ResourcePath> = self
            .resources
            .iter()
            .filter_map(|r| {
                let path = match (&r.href, &r.plural) {
                    (Some(h), _) if h.contains("/api/") => {
                        let p = &h[h.find("/api/")?..];
                        p.split(['?', '#']).next().unwrap_or(p).to_owned()
                    }
                    (_, Some(plural)) if !plural.trim().is_empty() => {
                        format!("/api/{}", plural.trim())
                    }
                    _ => return None,
                };
                let display_name = r
                    .display_name
                    .clone()
                    .filter(|d| !d.trim().is_empty())
                    .or_else(|| r.plural.clone())
                    .unwrap_or_else(|| path.trim_start_matches("/api/").to_owned());
                Some(ResourcePath { path, display_name })
            })
            .collect();
        out.sort_by(|a, b| a.path.cmp(&b.path));
        out.dedup_by(|a, b| a.path == b.path);
        out
    }
}

/// A DHIS2 version as `(major, minor, patch, hotfix)`, e.g. `2.42.4.1` → `(2, 42, 4, 1)`.
/// Missing parts are 0; suffixes such as `-SNAPSHOT` are ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Dhis2Version(pub u32, pub u32, pub u32, pub u32);

impl Dhis2Version {
    /// Parses `"2.42.4.1"`, `"2.43.0"`, `"2.42.6-SNAPSHOT"`; needs at least `major.minor`.
    pub fn parse(s: &str) -> Option<Self> {
        let mut parts = [0u32; 4];
        let mut n = 0;
        for piece in s.trim().trim_start_matches('v').split('.') {
            if n == 4 {
                break;
            }
            let digits: String = piece.chars().take_while(|c| c.is_ascii_digit()).collect();
            if digits.is_empty() {
                break;
            }
            parts[n] = digits.parse().ok()?;
            n += 1;
            if digits.len() != piece.len() {
                break;
            }
        }
        (n >= 2).then_some(Self(parts[0], parts[1], parts[2], parts[3]))
    }
}

/// True for a DHIS2 UID: 11 ASCII letters and digits, the first a letter (dhis2-server.md).
pub fn is_uid(s: &str) -> bool {
    s.len() == 11
        && s.bytes().all(|b| b.is_ascii_alphanumeric())
        && s.as_bytes()[0].is_ascii_alphabetic()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources_become_api_paths() {
        let r: Resources = serde_json::from_str(
            r#"{"resources":[
                {"displayName":"Data Elements","plural":"dataElements","href":"https://h/dhis/api/dataElements"},
                {"displayName":"Indicators","plural":"indicators","href":"https://h/dhis/api/indicators?x=1"},
                {"plural":"users"},
                {"displayName":"Nothing"}
            ]}"#,
        )
        .unwrap();
        let p = r.paths();
        assert_eq!(
            p.iter().map(|p| p.path.as_str()).collect::<Vec<_>>(),
            ["/api/dataElements", "/api/indicators", "/api/users"]
        );
        assert_eq!(p[0].display_name, "Data Elements");
        assert_eq!(p[2].display_name, "users");
    }

    #[test]
    fn versions_parse() {
        assert_eq!(
            Dhis2Version::parse("2.42.4.1"),
            Some(Dhis2Version(2, 42, 4, 1))
        );
        assert_eq!(Dhis2Version::parse("2.43"), Some(Dhis2Version(2, 43, 0, 0)));
        assert_eq!(
            Dhis2Version::parse("2.42.6-SNAPSHOT"),
            Some(Dhis2Version(2, 42, 6, 0))
        );
        assert_eq!(Dhis2Version::parse("x"), None);
        assert!(Dhis2Version::parse("2.43.1").unwrap() < Dhis2Version::parse("2.43.2").unwrap());
    }

    #[test]
    fn me_keeps_unknown_keys_and_old_username() {
        let me: Me = serde_json::from_str(
            r#"{"id":"a","userCredentials":{"username":"admin"},"displayName":"John","custom":1}"#,
        )
        .unwrap();
        assert_eq!(me.username(), Some("admin"));
        assert_eq!(me.display_name(), Some("John"));
        assert_eq!(me.extra["custom"], 1);
        let me: Me = serde_json::from_str("{}").unwrap();
        assert_eq!(me.username(), None);
    }
}
