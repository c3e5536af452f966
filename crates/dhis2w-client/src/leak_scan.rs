//! Finds secret values in files: the check behind "nothing secret ever touches a file".
//!
//! Used by tests (here and in the desktop app) after a full add / sign-in / sign-out cycle:
//! scan the config, data and cache folders and the logs for every secret that was used.

use std::fs;
use std::path::{Path, PathBuf};

/// A file that contains one of the secrets looked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretLeak {
    /// The file.
    pub path: PathBuf,
    /// Index, in the `secrets` argument, of the secret found. The value itself is not repeated
    /// here so a failing assertion does not print it.
    pub secret_index: usize,
}

/// Every way a secret can be written that we look for: the raw value, and the Base64 forms
/// (standard and URL-safe, with and without padding) that an `Authorization: Basic` header or
/// a JWT-like encoding would produce. Callers add `username:password` themselves.
pub fn encoded_forms(secret: &str) -> Vec<String> {
    use base64::Engine as _;
    let e = base64::engine::general_purpose::STANDARD.encode(secret);
    let u = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret);
    let mut v: Vec<String> = Vec::new();
    for form in [secret.to_owned(), e.trim_end_matches('=').to_owned(), e, u] {
        if !v.contains(&form) {
            v.push(form);
        }
    }
    v
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

fn walk(path: &Path, secrets: &[&str], out: &mut Vec<SecretLeak>) {
    let Ok(meta) = fs::symlink_metadata(path) else {
        return;
    };
    if meta.is_dir() {
        let Ok(rd) = fs::read_dir(path) else {
            return;
        };
        for e in rd.flatten() {
            walk(&e.path(), secrets, out);
        }
    } else if meta.is_file() {
        let Ok(bytes) = fs::read(path) else {
            return;
        };
        for (i, s) in secrets.iter().enumerate() {
            if contains(&bytes, s.as_bytes()) {
                out.push(SecretLeak {
                    path: path.to_owned(),
                    secret_index: i,
                });
            }
        }
    }
}

/// Scans every regular file under `roots` (recursively; symlinks are not followed; unreadable
/// files are ignored) for each of `secrets` (as raw bytes). Empty secrets are ignored.
/// Returns every (file, secret) hit.
pub fn scan_for_secrets<P: AsRef<Path>>(roots: &[P], secrets: &[&str]) -> Vec<SecretLeak> {
    let mut out = Vec::new();
    for r in roots {
        walk(r.as_ref(), secrets, &mut out);
    }
    out
}

/// Panics (without printing any secret) when [`scan_for_secrets`] finds anything. For tests.
pub fn assert_no_secrets<P: AsRef<Path>>(roots: &[P], secrets: &[&str]) {
    let leaks = scan_for_secrets(roots, secrets);
    assert!(
        leaks.is_empty(),
        "secret values found in files (secret #index per file): {:?}",
        leaks
            .iter()
            .map(|l| (l.path.display().to_string(), l.secret_index))
            .collect::<Vec<_>>()
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_secrets_in_nested_files_only() {
        let d = tempfile::tempdir().unwrap();
        fs::create_dir_all(d.path().join("a/b")).unwrap();
        fs::write(d.path().join("a/b/log.txt"), "x token=d2p_abc123 y").unwrap();
        fs::write(d.path().join("clean.toml"), "name = 'x'").unwrap();
        let forms = encoded_forms("admin:district");
        fs::write(
            d.path().join("a/h.txt"),
            format!("Authorization: Basic {}", forms[2]),
        )
        .unwrap();
        let mut secrets = vec!["d2p_abc123", "not-there", ""];
        secrets.extend(forms.iter().map(String::as_str));
        let leaks = scan_for_secrets(&[d.path()], &secrets);
        assert_eq!(leaks.len(), 3, "{leaks:?}"); // raw, padded and unpadded base64
        assert!(leaks
            .iter()
            .any(|l| l.secret_index == 0 && l.path.ends_with("a/b/log.txt")));
        assert!(leaks
            .iter()
            .all(|l| l.secret_index != 1 && l.secret_index != 2));
        assert_no_secrets(&[d.path()], &["not-there"]);
    }
}
