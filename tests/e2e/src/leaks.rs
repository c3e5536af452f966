//! "No secret in any file after the run" (issues 10 and 14): every scenario's stand-in reports
//! the secrets it seeded and every token it handed out; passed scenarios keep their folders
//! (the app's config, data and log, the XDG folders) until the suite's last test scans them,
//! together with every file under `target/` written during the run.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::SystemTime;

use serde_json::Value;

/// What to look for, with a label that names it without repeating it.
static NEEDLES: Mutex<Vec<(String, String)>> = Mutex::new(Vec::new());
static KEPT: Mutex<Vec<tempfile::TempDir>> = Mutex::new(Vec::new());
static STARTED: OnceLock<SystemTime> = OnceLock::new();

/// Notes when the run started (the first scenario): files under `target/` written after it
/// are scanned.
pub fn mark_start() {
    STARTED.get_or_init(|| {
        // Test binaries without the final scan still remove their passed folders at exit.
        unsafe {
            libc::atexit(remove_kept);
        }
        SystemTime::now()
    });
}

extern "C" fn remove_kept() {
    if let Ok(mut kept) = KEPT.lock() {
        kept.clear();
    }
}

fn add(needle: String, label: String) {
    let mut n = NEEDLES.lock().unwrap_or_else(|p| p.into_inner());
    if needle.len() >= 6 && !n.iter().any(|(v, _)| *v == needle) {
        n.push((needle, label));
    }
}

/// The seeded secrets of a stand-in's fixtures: passwords as a stored or sent value would hold
/// them (quoted, after `=`, or as a Basic header; a password may be an ordinary word, so it is
/// not searched bare), personal access tokens and client secrets as they are.
pub fn add_fixtures(fixtures: &Value) {
    use base64::Engine as _;
    if let Some(users) = fixtures["users"].as_object() {
        for u in users.values() {
            let (Some(name), Some(pw)) = (u["username"].as_str(), u["password"].as_str()) else {
                continue;
            };
            for form in [
                format!("\"{pw}\""),
                format!("'{pw}'"),
                format!("= {pw}\n"),
                format!("={pw}&"),
                base64::engine::general_purpose::STANDARD.encode(format!("{name}:{pw}")),
            ] {
                add(form, format!("the password of {name}"));
            }
        }
    }
    if let Some(pats) = fixtures["pats"].as_object() {
        for (k, p) in pats {
            if let Some(p) = p.as_str() {
                add(p.to_owned(), format!("the personal access token \"{k}\""));
            }
        }
    }
    if let Some(clients) = fixtures["clients"].as_object() {
        for (k, c) in clients {
            if let Some(s) = c["clientSecret"].as_str() {
                add(s.to_owned(), format!("the client secret of \"{k}\""));
            }
        }
    }
}

/// A secret a scenario met (e.g. this computer's private key, read from the keyring), searched
/// as it is; `label` names it in a finding.
pub fn add_secret(needle: &str, label: &str) {
    add(needle.to_owned(), label.to_owned());
}

/// Every token a stand-in handed out (`GET /__standin/issued`), searched as it is.
pub fn add_issued(issued: &Value) {
    for t in issued["tokens"].as_array().into_iter().flatten() {
        if let Some(t) = t.as_str() {
            let head: String = t.chars().take(4).collect();
            add(
                t.to_owned(),
                format!("a token the stand-in handed out ({head}…)"),
            );
        }
    }
}

/// Keeps a passed scenario's folder for the final scan.
pub fn keep(dir: tempfile::TempDir) {
    KEPT.lock().unwrap_or_else(|p| p.into_inner()).push(dir);
}

/// The files the test itself writes to drive the run (the test browser's control file holds
/// the user's password as the person would type it); they are not the app's.
const HARNESS_FILES: &[&str] = &["test-browser.json", "presets.json"];

fn walk(path: &Path, since: Option<SystemTime>, out: &mut Vec<PathBuf>) {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return;
    };
    if meta.is_dir() {
        for e in std::fs::read_dir(path).into_iter().flatten().flatten() {
            walk(&e.path(), since, out);
        }
    } else if meta.is_file() {
        let fresh = since.is_none_or(|t| meta.modified().is_ok_and(|m| m >= t));
        let harness = path
            .file_name()
            .is_some_and(|n| HARNESS_FILES.iter().any(|h| n == *h));
        if fresh && !harness {
            out.push(path.to_path_buf());
        }
    }
}

/// The result of [`scan_run`].
pub struct Scan {
    pub scenario_folders: usize,
    pub files: usize,
    pub bytes: u64,
    pub secrets: usize,
    /// `file: what was found` (named, never repeated); empty when clean.
    pub found: Vec<String>,
}

/// Scans every kept scenario folder and every file under `target` written since the run
/// started for every secret noted; then removes the kept folders when nothing was found.
pub fn scan_run(target: &Path) -> Scan {
    let needles = NEEDLES.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let kept = std::mem::take(&mut *KEPT.lock().unwrap_or_else(|p| p.into_inner()));
    let mut files = Vec::new();
    for d in &kept {
        walk(d.path(), None, &mut files);
    }
    // File times come from a coarse clock that can lag the one read at the start.
    let since = *STARTED.get_or_init(SystemTime::now) - std::time::Duration::from_secs(2);
    walk(target, Some(since), &mut files);
    // One pass over each file for every secret at once: searching for each secret in turn read
    // every byte once per secret (hundreds of tokens by the end of the run), 46 s in a debug
    // build on 2 cores, most of the suite's last minute.
    let searcher = aho_corasick::AhoCorasick::new(needles.iter().map(|(n, _)| n.as_bytes()))
        .expect("the secrets make a valid search");
    let mut found = Vec::new();
    let mut bytes = 0;
    for f in &files {
        let Ok(data) = std::fs::read(f) else { continue };
        bytes += data.len() as u64;
        let mut hits: Vec<usize> = searcher
            .find_overlapping_iter(&data[..])
            .map(|m| m.pattern().as_usize())
            .collect();
        hits.sort_unstable();
        hits.dedup();
        for i in hits {
            found.push(format!("{}: {}", f.display(), needles[i].1));
        }
    }
    let scan = Scan {
        scenario_folders: kept.len(),
        files: files.len(),
        bytes,
        secrets: needles.len(),
        found,
    };
    if scan.found.is_empty() {
        drop(kept);
    } else {
        for d in kept {
            eprintln!("e2e: kept for the leak report: {}", d.keep().display());
        }
    }
    scan
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_in_a_kept_folder_or_a_fresh_target_file_is_found_and_harness_files_are_not() {
        mark_start();
        add_issued(&serde_json::json!({"tokens": ["eyJhbGciOiJSUzI1NiJ9.e30.c2lnbmF0dXJl"]}));
        add_fixtures(&serde_json::json!({
            "users": {"admin": {"username": "admin", "password": "district"}},
            "pats": {"main": "d2p_abcdefghijklmnop"},
            "clients": {"confidential": {"clientSecret": "s3cret-s3cret"}}
        }));
        let kept = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(kept.path().join("data/logs")).unwrap();
        std::fs::write(
            kept.path().join("data/logs/app.log"),
            "Bearer eyJhbGciOiJSUzI1NiJ9.e30.c2lnbmF0dXJl",
        )
        .unwrap();
        std::fs::write(
            kept.path().join("xdg-config.toml"),
            "password = \"district\"",
        )
        .unwrap();
        std::fs::write(
            kept.path().join("test-browser.json"),
            "{\"password\": \"district\"}",
        )
        .unwrap();
        keep(kept);
        let target = tempfile::tempdir().unwrap();
        // Two secrets in one file: both are named.
        std::fs::write(
            target.path().join("export.csv"),
            "x,s3cret-s3cret,d2p_abcdefghijklmnop\n",
        )
        .unwrap();
        let scan = scan_run(target.path());
        assert_eq!(scan.scenario_folders, 1);
        assert_eq!(scan.found.len(), 4, "{:?}", scan.found);
        assert!(scan.found.iter().any(|f| f.contains("app.log")));
        assert!(scan.found.iter().any(|f| f.contains("xdg-config.toml")));
        assert!(scan
            .found
            .iter()
            .any(|f| f.contains("export.csv") && f.contains("client secret")));
        assert!(scan
            .found
            .iter()
            .any(|f| f.contains("export.csv") && f.contains("personal access token")));
        assert!(!scan.found.iter().any(|f| f.contains("test-browser.json")));
        assert!(
            !scan.found.iter().any(|f| f.contains("dis")),
            "values are not printed"
        );
    }
}
