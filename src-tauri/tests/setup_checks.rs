//! The README's set-up stops with the exact steps on a fresh Debian 12, whose apt gives Node 18
//! (too old for Vite 7) and an old rustc: `tests/harness/check-versions.sh` with fake `node` and
//! `rustc` first on PATH.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Runs the check with `node --version` printing `node` and `rustc --version` printing `rustc`.
fn check(node: &str, rustc: &str) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    for (bin, out) in [("node", node), ("rustc", rustc)] {
        let p = dir.path().join(bin);
        std::fs::write(&p, format!("#!/bin/sh\necho '{out}'\n")).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let path = format!(
        "{}:{}",
        dir.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("bash")
        .arg(repo_root().join("tests/harness/check-versions.sh"))
        .env("PATH", path)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn debian_12_node_18_stops_with_the_steps() {
    let (code, err) = check("v18.20.4", "rustc 1.95.0 (f2d3ce0bd 2026-03-21)");
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("Node.js 18.20.4 is too old"), "{err}");
    assert!(err.contains("20.19.0"), "{err}");
    assert!(err.contains("nodesource"), "the exact steps: {err}");
}

#[test]
fn node_20_19_and_a_recent_rust_pass() {
    let (code, err) = check("v20.19.0", "rustc 1.95.0 (f2d3ce0bd 2026-03-21)");
    assert_eq!(code, 0, "{err}");
    let (code, err) = check("v22.12.0", "rustc 1.90.0 (aaaaaaaaa 2025-09-14)");
    assert_eq!(code, 0, "{err}");
}

#[test]
fn node_22_before_22_12_is_refused_as_vite_does() {
    let (code, err) = check("v22.1.0", "rustc 1.95.0 (f2d3ce0bd 2026-03-21)");
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("22.12"), "{err}");
}

#[test]
fn an_old_rustc_stops_with_the_steps() {
    let (code, err) = check("v20.20.2", "rustc 1.63.0 (4b91a6ea7 2022-08-08)");
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("Rust 1.63.0 is too old"), "{err}");
    assert!(err.contains("rustup update stable"), "{err}");
}
