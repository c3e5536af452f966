//! Per-instance request history with pins, and "copy as curl".
//!
//! History is one JSON file per instance under a data directory, written atomically
//! (temporary file in the same directory, then rename). It stores only the path, the
//! query, the status and the time: never headers, bodies or credentials. Query parameters
//! whose names look like credentials (`access_token`, `password`, …) are dropped before
//! anything is written, in a separate query and in a query typed inline in the path
//! (`/api/me?access_token=…`). The folder is the user's alone (0700) and so are its files (0600).
//!
//! [`render_curl`] renders a request as a `curl` command line whose credentials are shell
//! variables (`$DHIS2_PAT`, `$DHIS2_TOKEN`, `$DHIS2_PASSWORD`), never the values.

use crate::{Error, ErrorKind, Result};
use serde::{Deserialize, Serialize};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// How many unpinned entries are kept per instance (pinned ones are always kept).
pub const DEFAULT_MAX_UNPINNED: usize = 200;

/// Query parameter names that are never stored (compared case-insensitively).
const SECRET_PARAMS: &[&str] = &[
    "access_token",
    "refresh_token",
    "id_token",
    "token",
    "password",
    "pat",
    "api_key",
    "apikey",
    "client_secret",
    "code",
    "code_verifier",
    "state",
];

/// One request in an instance's history.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryEntry {
    /// Stable id (unique within the instance).
    pub id: String,
    /// API path as the user typed it, e.g. `/api/organisationUnits`.
    pub path: String,
    /// Query parameters in order.
    pub query: Vec<(String, String)>,
    /// HTTP status of the last run.
    pub status: u16,
    /// Unix seconds of the last run.
    pub at: i64,
    /// Pinned entries are listed first and never pruned.
    pub pinned: bool,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct HistoryFile {
    version: u32,
    entries: Vec<HistoryEntry>,
}

/// The history of every instance, kept under one directory.
#[derive(Debug)]
pub struct HistoryStore {
    dir: PathBuf,
    max_unpinned: usize,
    lock: Mutex<()>,
}

impl HistoryStore {
    /// A store keeping its files in `dir` (created on first write).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self {
            dir: dir.into(),
            max_unpinned: DEFAULT_MAX_UNPINNED,
            lock: Mutex::new(()),
        }
    }

    /// Keeps at most `max` unpinned entries per instance.
    pub fn with_max_unpinned(mut self, max: usize) -> Self {
        self.max_unpinned = max;
        self
    }

    /// The directory holding the history files.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The entries of `instance_id`: pinned first, then newest first.
    pub fn list(&self, instance_id: &str) -> Result<Vec<HistoryEntry>> {
        let _g = self.guard();
        let mut entries = self.read(instance_id)?.entries;
        sort_entries(&mut entries);
        Ok(entries)
    }

    /// Records a request. The same path and query run again updates the existing entry
    /// (status, time) and keeps its pin. Returns the stored entry.
    pub fn record(
        &self,
        instance_id: &str,
        path: &str,
        query: &[(String, String)],
        status: u16,
        at: i64,
    ) -> Result<HistoryEntry> {
        let _g = self.guard();
        let path = redact_path(path);
        let query = redact_query(query);
        let mut file = self.read(instance_id)?;
        let entry = match file
            .entries
            .iter()
            .position(|e| e.path == path && e.query == query)
        {
            Some(i) => {
                let mut e = file.entries.remove(i);
                e.status = status;
                e.at = at;
                e
            }
            None => HistoryEntry {
                id: new_id(at),
                path,
                query,
                status,
                at,
                pinned: false,
            },
        };
        // The latest request goes first; the sort is stable, so it stays ahead of entries
        // recorded in the same second.
        file.entries.insert(0, entry.clone());
        sort_entries(&mut file.entries);
        let max = self.max_unpinned;
        let mut unpinned = 0usize;
        file.entries.retain(|e| {
            if e.pinned {
                return true;
            }
            unpinned += 1;
            unpinned <= max
        });
        self.write(instance_id, &file)?;
        Ok(entry)
    }

    /// Pins or unpins an entry; returns the updated list. `not_found` if no such entry.
    pub fn pin(
        &self,
        instance_id: &str,
        entry_id: &str,
        pinned: bool,
    ) -> Result<Vec<HistoryEntry>> {
        let _g = self.guard();
        let mut file = self.read(instance_id)?;
        let entry = file
            .entries
            .iter_mut()
            .find(|e| e.id == entry_id)
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::NotFound,
                    "That history entry no longer exists. Refresh the history list.",
                )
            })?;
        entry.pinned = pinned;
        sort_entries(&mut file.entries);
        self.write(instance_id, &file)?;
        Ok(file.entries)
    }

    /// Deletes the whole history of `instance_id` (when the instance is removed).
    pub fn remove_instance(&self, instance_id: &str) -> Result<()> {
        let _g = self.guard();
        let path = self.file_path(instance_id)?;
        match fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io_error("delete the request history", &path, e)),
        }
    }

    fn guard(&self) -> std::sync::MutexGuard<'_, ()> {
        self.lock.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn file_path(&self, instance_id: &str) -> Result<PathBuf> {
        let ok = !instance_id.is_empty()
            && instance_id.len() <= 128
            && instance_id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !ok {
            return Err(Error::new(
                ErrorKind::InvalidInput,
                "That instance id is not valid. Pick the instance again from the list.",
            ));
        }
        Ok(self.dir.join(format!("{instance_id}.json")))
    }

    fn read(&self, instance_id: &str) -> Result<HistoryFile> {
        let path = self.file_path(instance_id)?;
        match fs::read(&path) {
            Ok(bytes) => match serde_json::from_slice::<HistoryFile>(&bytes) {
                // Files written before inline queries were redacted may still hold credentials:
                // they never leave this function, and the next write drops them from disk.
                Ok(mut f) => {
                    for e in &mut f.entries {
                        e.path = redact_path(&e.path);
                        e.query = redact_query(&e.query);
                    }
                    Ok(f)
                }
                // A damaged history file is not worth failing a request for: start afresh.
                Err(e) => {
                    tracing::warn!(file = %path.display(), error = %e, "unreadable history file; starting a new one");
                    Ok(HistoryFile::default())
                }
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(HistoryFile::default()),
            Err(e) => Err(io_error("read the request history", &path, e)),
        }
    }

    fn write(&self, instance_id: &str, file: &HistoryFile) -> Result<()> {
        let path = self.file_path(instance_id)?;
        create_private_dir(&self.dir)
            .map_err(|e| io_error("create the history folder", &self.dir, e))?;
        let data = serde_json::to_vec_pretty(&HistoryFile {
            version: 1,
            entries: file.entries.clone(),
        })
        .map_err(|e| {
            Error::new(ErrorKind::Internal, "Could not encode the history.").with_source(e)
        })?;
        write_private_atomic(&path, &data)
            .map_err(|e| io_error("save the request history", &path, e))
    }
}

fn sort_entries(entries: &mut [HistoryEntry]) {
    entries.sort_by(|a, b| b.pinned.cmp(&a.pinned).then(b.at.cmp(&a.at)));
}

fn new_id(at: i64) -> String {
    format!("{at:x}-{:016x}", rand::random::<u64>())
}

/// A file error of the history in plain words; a full disk or a refused write has its own kind
/// ([`crate::fsio::file_error`]).
fn io_error(what: &str, path: &Path, e: std::io::Error) -> Error {
    crate::fsio::file_error(what, path, e, ErrorKind::Internal)
}

/// Creates `dir` (and missing parents) readable by the user only, and narrows an existing
/// `dir` to 0700: the paths people look at are nobody else's business on a shared computer.
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)?;
        let meta = fs::metadata(dir)?;
        if meta.permissions().mode() & 0o777 != 0o700 {
            fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
        }
        Ok(())
    }
    #[cfg(not(unix))]
    {
        fs::create_dir_all(dir)
    }
}

/// Like [`write_atomic`], but the file is created 0600 (the user's alone) from the start.
pub fn write_private_atomic(path: &Path, data: &[u8]) -> std::io::Result<()> {
    crate::fsio::write_atomic(path, data, true)
}

/// Writes `data` to `path` through a temporary file in the same directory and a rename,
/// so a crash never leaves a half-written file behind.
pub fn write_atomic(path: &Path, data: &[u8]) -> std::io::Result<()> {
    crate::fsio::write_atomic(path, data, false)
}

/// True when a query parameter name looks like it carries a credential.
pub fn is_secret_param(name: &str) -> bool {
    SECRET_PARAMS.iter().any(|s| s.eq_ignore_ascii_case(name))
}

/// The query without credential-looking parameters.
pub fn redact_query(query: &[(String, String)]) -> Vec<(String, String)> {
    query
        .iter()
        .filter(|(k, _)| !is_secret_param(k))
        .cloned()
        .collect()
}

/// `path` with credential-looking parameters removed from a query typed inline
/// (`/api/me?access_token=…&fields=id` → `/api/me?fields=id`). Names are compared after
/// percent-decoding; the kept parameters and any `#fragment` stay exactly as typed, and a
/// query left empty loses its `?`.
pub fn redact_path(path: &str) -> String {
    // The fragment first: a '?' after '#' belongs to the fragment, not to a query (with the
    // query found first, "?#?" became "#?" and then "#": not stable when loaded again).
    let (main, fragment) = match path.split_once('#') {
        Some((m, f)) => (m, Some(f)),
        None => (path, None),
    };
    let Some((before, query)) = main.split_once('?') else {
        return path.to_owned();
    };
    let kept: Vec<&str> = query
        .split('&')
        .filter(|piece| {
            let name = piece.split('=').next().unwrap_or("");
            let decoded: String = url::form_urlencoded::parse(name.as_bytes())
                .next()
                .map(|(k, _)| k.into_owned())
                .unwrap_or_default();
            !is_secret_param(decoded.trim())
        })
        .collect();
    let mut out = before.to_owned();
    if kept.iter().any(|p| !p.is_empty()) {
        out.push('?');
        out.push_str(&kept.join("&"));
    }
    if let Some(f) = fragment {
        out.push('#');
        out.push_str(f);
    }
    out
}

/// How the rendered curl command authenticates: always through a shell variable.
///
/// [`CurlAuth::for_instance`] picks it from an instance's sign-in method.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CurlAuth {
    /// `-u "user:$DHIS2_PASSWORD"`.
    Basic {
        /// The username (not secret).
        username: String,
    },
    /// `-H "Authorization: ApiToken $DHIS2_PAT"`.
    Pat,
    /// `-H "Authorization: Bearer $DHIS2_TOKEN"`.
    Bearer,
    /// No credentials.
    None,
}

impl CurlAuth {
    /// The placeholder credential for `inst`'s sign-in method.
    pub fn for_instance(inst: &crate::profile::Instance) -> Self {
        match inst.auth_kind {
            crate::profile::AuthKind::Basic => Self::Basic {
                username: inst.username.clone().unwrap_or_default(),
            },
            crate::profile::AuthKind::Pat => Self::Pat,
            crate::profile::AuthKind::Oauth2 => Self::Bearer,
        }
    }
}

/// Renders `GET url` as a curl command line. The URL is single-quoted; credentials are
/// placeholders inside double quotes so the shell expands the variables. Credential-looking
/// query parameters in `url` are dropped.
pub fn render_curl(url: &url::Url, auth: &CurlAuth) -> String {
    let mut url = url.clone();
    if url.query_pairs().any(|(k, _)| is_secret_param(&k)) {
        let kept: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(k, _)| !is_secret_param(k))
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        if kept.is_empty() {
            url.set_query(None);
        } else {
            url.query_pairs_mut().clear().extend_pairs(kept);
        }
    }
    url.set_password(None).ok();
    url.set_username("").ok();

    let mut out = String::from("curl --fail-with-body -sS");
    match auth {
        CurlAuth::Basic { username } => {
            out.push_str(&format!(
                " -u \"{}:$DHIS2_PASSWORD\"",
                double_quote_escape(username)
            ));
        }
        CurlAuth::Pat => out.push_str(" -H \"Authorization: ApiToken $DHIS2_PAT\""),
        CurlAuth::Bearer => out.push_str(" -H \"Authorization: Bearer $DHIS2_TOKEN\""),
        CurlAuth::None => {}
    }
    out.push_str(" -H 'Accept: application/json' ");
    out.push_str(&single_quote(url.as_str()));
    out
}

/// Escapes text for use inside a double-quoted shell word.
fn double_quote_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '\\' | '"' | '$' | '`') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Single-quotes a shell word (`'` becomes `'\''`).
fn single_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression (found by the history-loader fuzzer): a '?' inside the fragment was taken for
    /// a query, so redacting twice gave another path ("?#?" -> "#?" -> "#").
    #[test]
    fn redact_path_leaves_the_fragment_alone_and_is_stable() {
        for (path, want) in [
            ("?#?", "#?"),
            ("#?", "#?"),
            ("/api/me#a?access_token=x", "/api/me#a?access_token=x"),
            (
                "/api/me?access_token=x&fields=id#top?x",
                "/api/me?fields=id#top?x",
            ),
            ("/api/me?password=p", "/api/me"),
        ] {
            let once = redact_path(path);
            assert_eq!(once, want, "{path}");
            assert_eq!(redact_path(&once), once, "stable: {path}");
        }
    }

    fn temp_dir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!(
            "dhis2w-history-{tag}-{}-{:x}",
            std::process::id(),
            rand::random::<u32>()
        ));
        fs::create_dir_all(&d).unwrap();
        d
    }

    fn q(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn records_lists_newest_first_and_dedupes() {
        let dir = temp_dir("order");
        let s = HistoryStore::new(&dir);
        assert!(s.list("inst1").unwrap().is_empty());
        let a = s.record("inst1", "/api/me", &[], 200, 10).unwrap();
        s.record(
            "inst1",
            "/api/organisationUnits",
            &q(&[("paging", "false")]),
            200,
            20,
        )
        .unwrap();
        let list = s.list("inst1").unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(list[0].path, "/api/organisationUnits");
        // Same path + query again: updated in place, moves to the top, same id.
        let again = s.record("inst1", "/api/me", &[], 404, 30).unwrap();
        assert_eq!(again.id, a.id);
        let list = s.list("inst1").unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(list[0].id, a.id);
        assert_eq!(list[0].status, 404);
        // Same second: the latest request still comes first.
        s.record("inst1", "/api/x", &[], 200, 30).unwrap();
        assert_eq!(s.list("inst1").unwrap()[0].path, "/api/x");
        // Other instances are separate files.
        assert!(s.list("inst2").unwrap().is_empty());
        assert!(dir.join("inst1.json").exists());
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn pins_come_first_survive_pruning_and_persist() {
        let dir = temp_dir("pin");
        let s = HistoryStore::new(&dir).with_max_unpinned(2);
        let first = s.record("i", "/api/a", &[], 200, 1).unwrap();
        s.record("i", "/api/b", &[], 200, 2).unwrap();
        let list = s.pin("i", &first.id, true).unwrap();
        assert_eq!(list[0].id, first.id);
        assert!(list[0].pinned);
        s.record("i", "/api/c", &[], 200, 3).unwrap();
        s.record("i", "/api/d", &[], 200, 4).unwrap();
        // A fresh store reads the same file.
        let s2 = HistoryStore::new(&dir).with_max_unpinned(2);
        let list = s2.list("i").unwrap();
        let paths: Vec<_> = list.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, ["/api/a", "/api/d", "/api/c"]);
        let list = s2.pin("i", &first.id, false).unwrap();
        assert!(!list.iter().any(|e| e.pinned));
        let err = s2.pin("i", "nope", true).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn never_stores_credential_parameters() {
        let dir = temp_dir("secret");
        let s = HistoryStore::new(&dir);
        let e = s
            .record(
                "i",
                "/api/me",
                &q(&[
                    ("fields", "id"),
                    ("access_token", "tok-SECRET"),
                    ("Password", "pw-SECRET"),
                ]),
                200,
                5,
            )
            .unwrap();
        assert_eq!(e.query, q(&[("fields", "id")]));
        let raw = fs::read_to_string(dir.join("i.json")).unwrap();
        assert!(!raw.contains("SECRET"));
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn inline_queries_are_redacted_like_separate_ones() {
        let dir = temp_dir("inline");
        let s = HistoryStore::new(&dir);
        let e = s
            .record(
                "i",
                "/api/me?access_token=tok-SECRET&fields=id,name&Password=pw-SECRET#x",
                &q(&[("code", "code-SECRET")]),
                200,
                5,
            )
            .unwrap();
        assert_eq!(e.path, "/api/me?fields=id,name#x");
        assert!(e.query.is_empty());
        // Percent-encoded names are credentials too; nothing left drops the `?`.
        let e = s
            .record("i", "/api/me?%61ccess_token=tok-SECRET", &[], 200, 6)
            .unwrap();
        assert_eq!(e.path, "/api/me");
        let raw = fs::read_to_string(dir.join("i.json")).unwrap();
        assert!(!raw.contains("SECRET"), "{raw}");
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn entries_written_before_redaction_are_redacted_when_read() {
        let dir = temp_dir("old");
        fs::write(
            dir.join("i.json"),
            br#"{"version":1,"entries":[{"id":"a","path":"/api/me?token=old-SECRET&x=1","query":[["password","pw-SECRET"]],"status":200,"at":1,"pinned":false}]}"#,
        )
        .unwrap();
        let s = HistoryStore::new(&dir);
        let list = s.list("i").unwrap();
        assert_eq!(list[0].path, "/api/me?x=1");
        assert!(list[0].query.is_empty());
        fs::remove_dir_all(dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn history_is_private_to_the_user() {
        use std::os::unix::fs::PermissionsExt;
        let parent = temp_dir("perm");
        let dir = parent.join("history");
        let s = HistoryStore::new(&dir);
        s.record("i", "/api/me", &[], 200, 1).unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&dir.join("i.json")), 0o600);
        // A folder made earlier with wider rights is narrowed on the next write.
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
        s.record("i", "/api/x", &[], 200, 2).unwrap();
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&dir.join("i.json")), 0o600);
        fs::remove_dir_all(parent).unwrap();
    }

    #[test]
    fn rejects_path_like_instance_ids_and_removes_files() {
        let dir = temp_dir("ids");
        let s = HistoryStore::new(&dir);
        for bad in ["", "../x", "a/b", "a.b"] {
            assert_eq!(
                s.list(bad).unwrap_err().kind(),
                ErrorKind::InvalidInput,
                "{bad}"
            );
        }
        s.record("keep", "/api/x", &[], 200, 1).unwrap();
        s.record("gone", "/api/x", &[], 200, 1).unwrap();
        s.remove_instance("gone").unwrap();
        s.remove_instance("never-existed").unwrap();
        assert!(s.list("gone").unwrap().is_empty());
        assert_eq!(s.list("keep").unwrap().len(), 1);
        // No temporary files are left behind by the atomic writes.
        let leftovers: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn damaged_file_starts_afresh() {
        let dir = temp_dir("damaged");
        fs::write(dir.join("i.json"), b"{not json").unwrap();
        let s = HistoryStore::new(&dir);
        assert!(s.list("i").unwrap().is_empty());
        s.record("i", "/api/x", &[], 200, 1).unwrap();
        assert_eq!(s.list("i").unwrap().len(), 1);
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn curl_uses_placeholders_for_every_auth_kind() {
        let url = url::Url::parse(
            "https://play.example.org/dhis/api/organisationUnits?fields=id,name&paging=false",
        )
        .unwrap();
        let pat = render_curl(&url, &CurlAuth::Pat);
        assert_eq!(
            pat,
            "curl --fail-with-body -sS -H \"Authorization: ApiToken $DHIS2_PAT\" -H 'Accept: application/json' 'https://play.example.org/dhis/api/organisationUnits?fields=id,name&paging=false'"
        );
        let bearer = render_curl(&url, &CurlAuth::Bearer);
        assert!(bearer.contains("-H \"Authorization: Bearer $DHIS2_TOKEN\""));
        let basic = render_curl(
            &url,
            &CurlAuth::Basic {
                username: "ad\"min$".into(),
            },
        );
        assert!(
            basic.contains("-u \"ad\\\"min\\$:$DHIS2_PASSWORD\""),
            "{basic}"
        );
        let none = render_curl(&url, &CurlAuth::None);
        assert!(!none.contains("Authorization") && !none.contains("-u "));
    }

    #[test]
    fn curl_drops_credentials_in_the_url_and_quotes_safely() {
        let url = url::Url::parse("https://user:pw@x.org/api/me?access_token=SECRET&q=1").unwrap();
        let out = render_curl(&url, &CurlAuth::None);
        assert!(!out.contains("SECRET") && !out.contains("pw@"), "{out}");
        assert!(out.ends_with("'https://x.org/api/me?q=1'"), "{out}");
        assert_eq!(single_quote("it's"), "'it'\\''s'");
    }
}
