//! Import of the dhis2w Python CLI's `profiles.toml`.
//!
//! Format: a top-level `default = "<name>"` and one `[profiles.<name>]` table per instance
//! (names match `^[A-Za-z][A-Za-z0-9_]*$`), with keys `base_url`, `auth`
//! (`pat`|`basic`|`oauth2`|`session`), `token`, `username`, `password`, `client_id`,
//! `client_secret`, `scope`, `redirect_uri` and `version`. The imported file is only read;
//! its secrets go to the [`SecretStore`], never to our profiles file.

use super::{AuthKind, InstanceInput, OAuth2Settings, ProfileStore, RedirectMode};
use crate::secret_store::{SecretKind, SecretStore};
use crate::{Error, ErrorKind, Result, Secret};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// One profile that was imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportedProfile {
    /// The profile's name in the CLI file, now the instance's display name.
    pub name: String,
    /// The new instance's id.
    pub instance_id: String,
}

/// Why a profile (or a whole file) was not imported, for the UI to word in the user's
/// language; [`SkippedProfile::param`] fills in the line, key or method named.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipCode {
    /// The file cannot be read.
    UnreadableFile,
    /// The file is not TOML (`param`: the line, when known).
    NotToml,
    /// The file has no `[profiles]` section.
    NoProfiles,
    /// The CLI name is not valid (letters, digits, `_`, starting with a letter).
    BadName,
    /// The profile is not a table of settings.
    NotATable,
    /// No `auth` method.
    NoAuth,
    /// `auth = "session"`, which the app does not support.
    SessionAuth,
    /// An unknown `auth` method (`param`: the method).
    UnknownMethod,
    /// No `base_url`.
    NoBaseUrl,
    /// A setting that should be text is not (`param`: the key).
    NotText,
    /// An instance with this name already exists.
    NameExists,
    /// The settings do not pass the app's checks (`reason` says which).
    Invalid,
    /// Its secret could not be stored in the keyring (`reason` says why).
    SecretNotStored,
}

/// One profile (or file) that was not imported, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SkippedProfile {
    /// The profile's name (or the file's path when a whole file was skipped).
    pub name: String,
    /// Why, for the UI to word in the user's language.
    pub code: SkipCode,
    /// The line, key or method the reason names, if any.
    pub param: Option<String>,
    /// Why, in plain English (the CLI prints it; the UI shows it for `invalid` and
    /// `secret_not_stored`, whose details come from elsewhere).
    pub reason: String,
}

/// A reason to skip, before it is attached to a name.
struct Skip {
    code: SkipCode,
    param: Option<String>,
    reason: String,
}

impl Skip {
    fn new(code: SkipCode, reason: impl Into<String>) -> Self {
        Self {
            code,
            param: None,
            reason: reason.into(),
        }
    }

    fn with(mut self, param: impl Into<String>) -> Self {
        self.param = Some(param.into());
        self
    }
}

/// What an import did. JSON: `{ imported: [{name, instanceId}], skipped: [{name, reason}] }`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportReport {
    /// Profiles added as instances.
    pub imported: Vec<ImportedProfile>,
    /// Profiles left out, with the reason.
    pub skipped: Vec<SkippedProfile>,
}

/// Where the dhis2w CLI keeps profiles: the user file (`~/.config/dhis2/profiles.toml`) and
/// the nearest project file (`.dhis2/profiles.toml` in the current folder or a parent).
/// Only existing files are returned.
pub fn dhis2w_default_paths() -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = Vec::new();
    let mut push = |p: PathBuf| {
        if p.is_file() && !out.contains(&p) {
            out.push(p);
        }
    };
    if let Some(home) = dirs::home_dir() {
        push(home.join(".config").join("dhis2").join("profiles.toml"));
    }
    if let Some(cfg) = dirs::config_dir() {
        push(cfg.join("dhis2").join("profiles.toml"));
    }
    if let Ok(cwd) = std::env::current_dir() {
        if let Some(p) = cwd
            .ancestors()
            .map(|d| d.join(".dhis2").join("profiles.toml"))
            .find(|p| p.is_file())
        {
            push(p);
        }
    }
    out
}

/// The 1-based line of byte `offset` in `text`. Counts bytes, so an offset past the end or
/// inside a multi-byte character (a parser's span is untrusted arithmetic) cannot panic.
fn line_of(text: &str, offset: usize) -> usize {
    let bytes = text.as_bytes();
    let end = offset.min(bytes.len());
    bytes[..end].iter().filter(|b| **b == b'\n').count() + 1
}

fn valid_cli_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Reads an optional string key; a non-string value is an error naming the key.
fn str_key(table: &toml::Table, key: &str) -> std::result::Result<Option<String>, Skip> {
    match table.get(key) {
        None => Ok(None),
        Some(toml::Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(toml::Value::String(s)) => Ok(Some(s.trim().to_owned())),
        Some(_) => Err(Skip::new(SkipCode::NotText, format!("\"{key}\" is not text")).with(key)),
    }
}

/// A loopback redirect (`http://localhost…`, `http://127.0.0.1…`, `http://[::1]…`) maps to
/// [`RedirectMode::Loopback`]; a custom scheme to [`RedirectMode::DeepLink`].
fn redirect_mode(uri: Option<&str>) -> RedirectMode {
    match uri.and_then(|u| url::Url::parse(u).ok()) {
        Some(u) if u.scheme() != "http" && u.scheme() != "https" => RedirectMode::DeepLink,
        _ => RedirectMode::Loopback,
    }
}

/// A profile converted to our form input, with its secrets.
struct Candidate {
    input: InstanceInput,
    secrets: Vec<(SecretKind, Secret)>,
}

fn convert(name: &str, value: &toml::Value) -> std::result::Result<Candidate, Skip> {
    if !valid_cli_name(name) {
        return Err(Skip::new(
            SkipCode::BadName,
            "the name must start with a letter and use only letters, digits and _",
        ));
    }
    let table = value
        .as_table()
        .ok_or_else(|| Skip::new(SkipCode::NotATable, "it is not a table of settings"))?;
    let auth = str_key(table, "auth")?
        .ok_or_else(|| Skip::new(SkipCode::NoAuth, "it has no \"auth\" method"))?;
    if auth.eq_ignore_ascii_case("session") {
        return Err(Skip::new(
            SkipCode::SessionAuth,
            "it uses a browser session cookie (auth = \"session\"), which the desktop app does \
             not support; add it again with basic, pat or oauth2",
        ));
    }
    let kind: AuthKind = auth
        .parse()
        .map_err(|e: Error| Skip::new(SkipCode::UnknownMethod, e.message()).with(auth.clone()))?;
    let base_url = str_key(table, "base_url")?
        .ok_or_else(|| Skip::new(SkipCode::NoBaseUrl, "it has no base_url"))?;
    let username = str_key(table, "username")?;
    let mut secrets = Vec::new();
    let mut secret = |key: &str, kind: SecretKind| -> std::result::Result<(), Skip> {
        if let Some(v) = str_key(table, key)? {
            secrets.push((kind, Secret::new(v)));
        }
        Ok(())
    };
    let mut oauth2 = None;
    match kind {
        AuthKind::Basic => secret("password", SecretKind::Password)?,
        AuthKind::Pat => secret("token", SecretKind::Pat)?,
        AuthKind::Oauth2 => {
            secret("client_secret", SecretKind::ClientSecret)?;
            oauth2 = Some(OAuth2Settings {
                client_id: str_key(table, "client_id")?.unwrap_or_default(),
                scope: str_key(table, "scope")?,
                redirect_mode: redirect_mode(str_key(table, "redirect_uri")?.as_deref()),
            });
        }
    }
    Ok(Candidate {
        input: InstanceInput {
            name: name.to_owned(),
            base_url,
            auth_kind: Some(kind),
            username,
            oauth2,
            notes: Some("Imported from the dhis2w CLI.".to_owned()),
            ..InstanceInput::default()
        },
        secrets,
    })
}

impl ProfileStore {
    /// Imports the profiles of the dhis2w Python CLI files at `paths` (in order; see
    /// [`dhis2w_default_paths`]). Each profile becomes an instance and its password, PAT or
    /// client secret goes to `secrets`. Skipped, with a reason: `auth = "session"`, unknown
    /// methods, invalid rows (bad URL, missing username/client id, bad name), names that
    /// already exist (case-insensitive), and unreadable files. The files are never changed.
    ///
    /// The CLI's `default` becomes our default when we have none. An error is returned only
    /// when the profiles file itself cannot be written.
    pub async fn import_dhis2w(
        &mut self,
        paths: &[PathBuf],
        secrets: &SecretStore,
    ) -> Result<ImportReport> {
        let mut report = ImportReport::default();
        for path in paths {
            self.import_one_file(path, secrets, &mut report).await?;
        }
        Ok(report)
    }

    async fn import_one_file(
        &mut self,
        path: &Path,
        secrets: &SecretStore,
        report: &mut ImportReport,
    ) -> Result<()> {
        let file_name = path.display().to_string();
        let skip_file = |report: &mut ImportReport, skip: Skip| {
            report.skipped.push(SkippedProfile {
                name: file_name.clone(),
                code: skip.code,
                param: skip.param,
                reason: skip.reason,
            });
        };
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                skip_file(
                    report,
                    Skip::new(
                        SkipCode::UnreadableFile,
                        format!("the file cannot be read: {e}"),
                    ),
                );
                return Ok(());
            }
        };
        let doc: toml::Table = match toml::from_str(&text) {
            Ok(d) => d,
            Err(e) => {
                // toml's message quotes the offending line, which may hold a secret: leave it out.
                let line = e.span().map(|s| line_of(&text, s.start));
                let at = line.map(|l| format!(" near line {l}")).unwrap_or_default();
                let mut skip =
                    Skip::new(SkipCode::NotToml, format!("the file is not valid TOML{at}"));
                if let Some(l) = line {
                    skip = skip.with(l.to_string());
                }
                skip_file(report, skip);
                return Ok(());
            }
        };
        let Some(profiles) = doc.get("profiles").and_then(toml::Value::as_table) else {
            skip_file(
                report,
                Skip::new(SkipCode::NoProfiles, "the file has no [profiles] section"),
            );
            return Ok(());
        };
        let cli_default = doc
            .get("default")
            .and_then(toml::Value::as_str)
            .map(str::to_owned);

        for (name, value) in profiles {
            let mut skip = |skip: Skip| {
                report.skipped.push(SkippedProfile {
                    name: name.clone(),
                    code: skip.code,
                    param: skip.param,
                    reason: skip.reason,
                })
            };
            let candidate = match convert(name, value) {
                Ok(c) => c,
                Err(reason) => {
                    skip(reason);
                    continue;
                }
            };
            self.reload()?;
            if self.find_by_name(name).is_some() {
                skip(Skip::new(
                    SkipCode::NameExists,
                    "an instance with this name already exists",
                ));
                continue;
            }
            let inst = match self.add(&candidate.input) {
                Ok(i) => i,
                Err(e) if e.kind() == ErrorKind::InvalidInput => {
                    skip(Skip::new(SkipCode::Invalid, e.message()));
                    continue;
                }
                Err(e) => return Err(e),
            };
            let mut stored = Ok(());
            for (kind, value) in candidate.secrets {
                stored = secrets.set(&inst.id, kind, value).await;
                if stored.is_err() {
                    break;
                }
            }
            if let Err(e) = stored {
                // Do not keep an instance whose secret is lost; undo it.
                self.remove(&inst.id, secrets).await?;
                skip(Skip::new(
                    SkipCode::SecretNotStored,
                    format!("its secret could not be stored: {}", e.message()),
                ));
                continue;
            }
            if cli_default.as_deref() == Some(name.as_str()) && self.default_id().is_none() {
                self.set_default(Some(&inst.id))?;
            }
            report.imported.push(ImportedProfile {
                name: name.clone(),
                instance_id: inst.id,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"
default = "play"

[profiles.play]
base_url = "https://play.im.dhis2.org/dev/"
auth = "basic"
username = "admin"
password = "district-SECRET-1"
version = "2.42"

[profiles.local_pat]
base_url = "http://localhost:8080"
auth = "pat"
token = "d2p_SECRET2"

[profiles.sso]
base_url = "https://sso.example.org"
auth = "oauth2"
client_id = "dhis2w"
client_secret = "cs-SECRET-3"
scope = "ALL"
redirect_uri = "http://localhost:8765/callback"

[profiles.browser]
base_url = "https://x.example.org"
auth = "session"

[profiles.weird]
base_url = "https://y.example.org"
auth = "kerberos"

[profiles.nouser]
base_url = "https://z.example.org"
auth = "basic"
password = "pw-SECRET-4"

[profiles.badurl]
base_url = "ftp://files.example.org"
auth = "pat"
token = "d2p_SECRET5"

[profiles.noclient]
base_url = "https://w.example.org"
auth = "oauth2"
"#;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        p
    }

    fn reason<'a>(r: &'a ImportReport, name: &str) -> &'a str {
        &r.skipped
            .iter()
            .find(|s| s.name == name)
            .unwrap_or_else(|| panic!("{name} not skipped: {r:?}"))
            .reason
    }

    #[tokio::test]
    async fn imports_and_reports() {
        let dir = tempfile::tempdir().unwrap();
        let cli = write(dir.path(), "home/.config/dhis2/profiles.toml", SAMPLE);
        let cli_before = std::fs::read(&cli).unwrap();
        let ours = dir.path().join("cfg/profiles.toml");
        let mut store = ProfileStore::open(&ours).unwrap();
        let secrets = SecretStore::session_only(None);
        // An existing instance with a clashing name (case-insensitive).
        let mut existing = InstanceInput::new("LOCAL_PAT", "https://e.org", AuthKind::Pat);
        existing.username = None;
        store.add(&existing).unwrap();
        store.set_default(None).unwrap();

        let r = store
            .import_dhis2w(std::slice::from_ref(&cli), &secrets)
            .await
            .unwrap();
        let names: Vec<_> = r.imported.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["play", "sso"], "{r:?}");
        assert!(reason(&r, "browser").contains("session"));
        assert!(reason(&r, "weird").contains("Unknown sign-in method"));
        assert!(reason(&r, "nouser").contains("username"));
        assert!(reason(&r, "badurl").contains("http"));
        assert!(reason(&r, "noclient").contains("client id"));
        assert!(reason(&r, "local_pat").contains("already exists"));
        assert_eq!(r.skipped.len(), 6);
        // Each with a code (and its parameter) for the UI to word in the user's language.
        let code = |name: &str| {
            let s = r.skipped.iter().find(|s| s.name == name).unwrap();
            (s.code, s.param.clone())
        };
        assert_eq!(code("browser"), (SkipCode::SessionAuth, None));
        assert_eq!(
            code("weird"),
            (SkipCode::UnknownMethod, Some("kerberos".into()))
        );
        assert_eq!(code("nouser").0, SkipCode::Invalid);
        assert_eq!(code("local_pat"), (SkipCode::NameExists, None));

        // The CLI file is untouched.
        assert_eq!(std::fs::read(&cli).unwrap(), cli_before);

        let play = store.find_by_name("play").unwrap().clone();
        assert_eq!(play.base_url, "https://play.im.dhis2.org/dev");
        assert_eq!(play.username.as_deref(), Some("admin"));
        assert_eq!(store.default_id(), Some(play.id.as_str()));
        assert_eq!(
            secrets
                .reveal(&play.id, SecretKind::Password)
                .await
                .unwrap()
                .unwrap()
                .expose(),
            "district-SECRET-1"
        );
        let sso = store.find_by_name("sso").unwrap().clone();
        let o = sso.oauth2.as_ref().unwrap();
        assert_eq!(o.client_id, "dhis2w");
        assert_eq!(o.scope.as_deref(), Some("ALL"));
        assert_eq!(o.redirect_mode, RedirectMode::Loopback);
        assert!(secrets
            .has(&sso.id, SecretKind::ClientSecret)
            .await
            .unwrap());
        // No secret reached our profiles file; skipped rows' secrets were not stored.
        let ours_text = std::fs::read_to_string(&ours).unwrap();
        assert!(!ours_text.contains("SECRET"), "{ours_text}");
        // Importing again skips everything as duplicates.
        let again = store.import_dhis2w(&[cli], &secrets).await.unwrap();
        assert!(again.imported.is_empty());
        assert!(reason(&again, "play").contains("already exists"));
    }

    #[tokio::test]
    async fn project_file_and_bad_files() {
        let dir = tempfile::tempdir().unwrap();
        let project = write(
            dir.path(),
            "proj/.dhis2/profiles.toml",
            "[profiles.Proj_1]\nbase_url = \"https://p.org\"\nauth = \"pat\"\ntoken = \"d2p_x\"\n\
             [profiles.1bad]\nbase_url = \"https://q.org\"\nauth = \"pat\"\n",
        );
        let broken = write(
            dir.path(),
            "broken.toml",
            "[profiles.a]\npassword = \"leak-me\" x\n",
        );
        let missing = dir.path().join("missing.toml");
        let mut store = ProfileStore::open(dir.path().join("cfg/profiles.toml")).unwrap();
        let secrets = SecretStore::session_only(None);
        let r = store
            .import_dhis2w(&[project, broken.clone(), missing.clone()], &secrets)
            .await
            .unwrap();
        assert_eq!(r.imported.len(), 1);
        assert_eq!(r.imported[0].name, "Proj_1");
        assert!(reason(&r, "1bad").contains("start with a letter"));
        let b = reason(&r, &broken.display().to_string());
        assert!(b.contains("not valid TOML"));
        assert!(!b.contains("leak-me"));
        assert!(reason(&r, &missing.display().to_string()).contains("cannot be read"));
        let json = serde_json::to_value(&r).unwrap();
        let skipped = json["skipped"].as_array().unwrap();
        let of = |name: &str| skipped.iter().find(|s| s["name"] == name).unwrap().clone();
        assert_eq!(of("1bad")["code"], "bad_name");
        assert_eq!(of(&broken.display().to_string())["code"], "not_toml");
        assert_eq!(of(&broken.display().to_string())["param"], "2");
        assert_eq!(
            of(&missing.display().to_string())["code"],
            "unreadable_file"
        );
        assert!(json["imported"][0]["instanceId"].is_string());
    }

    #[test]
    fn error_lines_are_counted_without_slicing_text() {
        let text = "a = 1\nb = \"é€\"\nc = ";
        assert_eq!(line_of(text, 0), 1);
        assert_eq!(line_of(text, 6), 2);
        // Inside the two-byte é and the three-byte €, and past the end.
        let e = text.find('é').unwrap();
        assert_eq!(line_of(text, e + 1), 2);
        assert_eq!(line_of(text, e + 3), 2);
        assert_eq!(line_of(text, usize::MAX), 3);
    }

    #[test]
    fn redirect_modes() {
        assert_eq!(redirect_mode(None), RedirectMode::Loopback);
        assert_eq!(
            redirect_mode(Some("http://127.0.0.1:5000/cb")),
            RedirectMode::Loopback
        );
        assert_eq!(
            redirect_mode(Some("dhis2w://oauth/callback")),
            RedirectMode::DeepLink
        );
    }
}
