//! Saved questions: analytics queries and browser requests kept by name in the app's data
//! folder (`saved-questions.json`, 0600; never a secret: only paths, parameters without
//! credential-looking ones, item ids and names), shareable as a JSON file.

use crate::analytics::AnalyticsQuery;
use crate::{Error, ErrorKind, Result};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// File name in the data folder.
pub const FILE_NAME: &str = "saved-questions.json";
/// The format version written.
const VERSION: u32 = 1;

/// What a saved question asks.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Question {
    /// An analytics query from the builder.
    Analytics { query: AnalyticsQuery },
    /// A browser request.
    Request {
        path: String,
        #[serde(default)]
        query: Vec<(String, String)>,
    },
}

/// One saved question.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SavedQuestion {
    /// Stable id (set by [`SavedStore::save`] when empty).
    #[serde(default)]
    pub id: String,
    pub name: String,
    pub question: Question,
    /// Unix seconds.
    #[serde(default)]
    pub updated_at: i64,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct FileData {
    version: u32,
    #[serde(default)]
    questions: Vec<SavedQuestion>,
}

/// The saved questions of one user.
#[derive(Debug, Clone)]
pub struct SavedStore {
    path: PathBuf,
}

fn io(what: &str, path: &Path, e: std::io::Error) -> Error {
    crate::fsio::file_error(
        &format!("{what} the saved questions"),
        path,
        e,
        ErrorKind::InvalidInput,
    )
}

/// Removes credential-looking parameters from a request question.
fn clean(mut q: SavedQuestion) -> SavedQuestion {
    if let Question::Request { path, query } = &mut q.question {
        *query = crate::history::redact_query(query);
        if let Some((p, inline)) = path.split_once('?') {
            let pairs: Vec<(String, String)> = url::form_urlencoded::parse(inline.as_bytes())
                .into_owned()
                .filter(|(k, _)| !crate::history::is_secret_param(k))
                .collect();
            let p = p.to_owned();
            query.splice(0..0, pairs);
            *path = p;
        }
    }
    q.name = q.name.trim().to_owned();
    q
}

fn new_id() -> String {
    let mut b = [0u8; 9];
    rand::fill(&mut b);
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

impl SavedStore {
    /// The store in `data_dir`.
    pub fn new(data_dir: &Path) -> Self {
        Self {
            path: data_dir.join(FILE_NAME),
        }
    }

    fn read_file(path: &Path) -> Result<Vec<SavedQuestion>> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(vec![]),
            Err(e) => return Err(io("read", path, e)),
        };
        let data: FileData = serde_json::from_str(&text).map_err(|e| {
            Error::new(
                ErrorKind::InvalidInput,
                format!(
                    "{} is not a saved-questions file dhis2w can read ({e}). Nothing was changed.",
                    path.display()
                ),
            )
        })?;
        if data.version > VERSION {
            return Err(Error::new(
                ErrorKind::InvalidInput,
                format!(
                    "{} was written by a newer dhis2w. Update the app to open it; nothing was changed.",
                    path.display()
                ),
            ));
        }
        Ok(data.questions)
    }

    fn write(&self, questions: &[SavedQuestion]) -> Result<()> {
        Self::write_to(&self.path, questions)
    }

    fn write_to(path: &Path, questions: &[SavedQuestion]) -> Result<()> {
        let data = FileData {
            version: VERSION,
            questions: questions.to_vec(),
        };
        let text = serde_json::to_vec_pretty(&data).map_err(|e| {
            Error::new(ErrorKind::Internal, "Could not encode the saved questions.").with_source(e)
        })?;
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or_else(|| Path::new("."));
        std::fs::create_dir_all(dir).map_err(|e| io("create", dir, e))?;
        // Readers see the old or the new file, and nobody else can read either.
        crate::history::write_private_atomic(path, &text).map_err(|e| io("write", path, e))
    }

    /// Every saved question, newest first.
    pub fn list(&self) -> Result<Vec<SavedQuestion>> {
        let mut l = Self::read_file(&self.path)?;
        l.sort_by(|a, b| b.updated_at.cmp(&a.updated_at).then(a.name.cmp(&b.name)));
        Ok(l)
    }

    /// Saves `q` (a new one when its id is empty or unknown; else replaces it). Names must be
    /// unique (case-insensitive).
    pub fn save(&self, q: SavedQuestion, now: i64) -> Result<SavedQuestion> {
        let mut q = clean(q);
        if q.name.is_empty() {
            return Err(Error::new(
                ErrorKind::InvalidInput,
                "Give the question a name.",
            ));
        }
        let mut all = Self::read_file(&self.path)?;
        if all
            .iter()
            .any(|o| o.id != q.id && o.name.eq_ignore_ascii_case(&q.name))
        {
            return Err(Error::new(
                ErrorKind::InvalidInput,
                format!(
                    "A question called \"{}\" is already saved. Choose another name.",
                    q.name
                ),
            ));
        }
        if q.id.is_empty() {
            q.id = new_id();
        }
        q.updated_at = now;
        match all.iter_mut().find(|o| o.id == q.id) {
            Some(o) => *o = q.clone(),
            None => all.push(q.clone()),
        }
        self.write(&all)?;
        Ok(q)
    }

    /// Deletes question `id`; `not_found` when it does not exist.
    pub fn delete(&self, id: &str) -> Result<()> {
        let mut all = Self::read_file(&self.path)?;
        let before = all.len();
        all.retain(|q| q.id != id);
        if all.len() == before {
            return Err(Error::new(
                ErrorKind::NotFound,
                "That saved question no longer exists.",
            ));
        }
        self.write(&all)
    }

    /// The question `id`.
    pub fn get(&self, id: &str) -> Result<SavedQuestion> {
        Self::read_file(&self.path)?
            .into_iter()
            .find(|q| q.id == id)
            .ok_or_else(|| Error::new(ErrorKind::NotFound, "That saved question no longer exists."))
    }

    /// Writes the questions `ids` (all when empty) to a file to share.
    pub fn export_to(&self, ids: &[String], target: &Path) -> Result<usize> {
        let chosen: Vec<SavedQuestion> = self
            .list()?
            .into_iter()
            .filter(|q| ids.is_empty() || ids.contains(&q.id))
            .collect();
        Self::write_to(target, &chosen)?;
        Ok(chosen.len())
    }

    /// Adds the questions of a shared file. A name already used gets " (2)", " (3)"…; an id
    /// already used gets a new one. Returns the questions added.
    pub fn import_from(&self, source: &Path, now: i64) -> Result<Vec<SavedQuestion>> {
        let incoming = Self::read_file(source)?;
        let mut all = Self::read_file(&self.path)?;
        let mut added = Vec::new();
        for q in incoming {
            let mut q = clean(q);
            if q.name.is_empty() {
                continue;
            }
            let base = q.name.clone();
            let mut n = 2;
            while all.iter().any(|o| o.name.eq_ignore_ascii_case(&q.name)) {
                q.name = format!("{base} ({n})");
                n += 1;
            }
            if q.id.is_empty() || all.iter().any(|o| o.id == q.id) {
                q.id = new_id();
            }
            q.updated_at = now;
            all.push(q.clone());
            added.push(q);
        }
        self.write(&all)?;
        Ok(added)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::QueryItem;

    fn analytics(name: &str) -> SavedQuestion {
        SavedQuestion {
            id: String::new(),
            name: name.into(),
            question: Question::Analytics {
                query: AnalyticsQuery {
                    data: vec![QueryItem::id("fbfJHSPpUQD")],
                    periods: vec![QueryItem::id("LAST_12_MONTHS")],
                    org_units: vec![QueryItem::id("LEVEL-2")],
                    layout: None,
                    totals: false,
                },
            },
            updated_at: 0,
        }
    }

    #[test]
    fn save_list_delete_and_unique_names() {
        let dir = tempfile::tempdir().unwrap();
        let s = SavedStore::new(dir.path());
        assert!(s.list().unwrap().is_empty());
        let a = s.save(analytics("ANC by district"), 10).unwrap();
        assert!(!a.id.is_empty());
        let e = s.save(analytics("anc BY district"), 11).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        let mut renamed = a.clone();
        renamed.name = "ANC, districts".into();
        s.save(renamed, 12).unwrap();
        let b = s.save(analytics("Second"), 13).unwrap();
        let names: Vec<String> = s.list().unwrap().into_iter().map(|q| q.name).collect();
        assert_eq!(names, ["Second", "ANC, districts"]);
        s.delete(&b.id).unwrap();
        assert_eq!(s.delete(&b.id).unwrap_err().kind(), ErrorKind::NotFound);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(dir.path().join(FILE_NAME))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0, "only the user can read it: {mode:o}");
        }
    }

    #[test]
    fn requests_never_keep_a_credential() {
        let dir = tempfile::tempdir().unwrap();
        let s = SavedStore::new(dir.path());
        let q = SavedQuestion {
            id: String::new(),
            name: "Me".into(),
            question: Question::Request {
                path: "/api/me?access_token=SECRET1&fields=id".into(),
                query: vec![
                    ("password".into(), "SECRET2".into()),
                    ("paging".into(), "false".into()),
                ],
            },
            updated_at: 0,
        };
        s.save(q, 1).unwrap();
        let text = std::fs::read_to_string(dir.path().join(FILE_NAME)).unwrap();
        assert!(
            !text.contains("SECRET1") && !text.contains("SECRET2"),
            "{text}"
        );
        match &s.list().unwrap()[0].question {
            Question::Request { path, query } => {
                assert_eq!(path, "/api/me");
                assert_eq!(
                    query,
                    &vec![
                        ("fields".to_owned(), "id".to_owned()),
                        ("paging".to_owned(), "false".to_owned())
                    ]
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn export_and_import_share_questions() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let sa = SavedStore::new(a.path());
        let sb = SavedStore::new(b.path());
        sa.save(analytics("ANC"), 1).unwrap();
        sa.save(analytics("Malaria"), 2).unwrap();
        sb.save(analytics("ANC"), 3).unwrap();
        let file = a.path().join("shared.json");
        assert_eq!(sa.export_to(&[], &file).unwrap(), 2);
        let added = sb.import_from(&file, 4).unwrap();
        let names: Vec<&str> = added.iter().map(|q| q.name.as_str()).collect();
        assert_eq!(names, ["Malaria", "ANC (2)"]);
        assert_eq!(sb.list().unwrap().len(), 3);
        std::fs::write(&file, "{not json").unwrap();
        assert_eq!(
            sb.import_from(&file, 5).unwrap_err().kind(),
            ErrorKind::InvalidInput
        );
        assert_eq!(sb.list().unwrap().len(), 3, "a bad file changes nothing");
        std::fs::write(&file, r#"{"version": 9, "questions": []}"#).unwrap();
        assert!(sb
            .import_from(&file, 5)
            .unwrap_err()
            .message()
            .contains("newer"));
    }
}
