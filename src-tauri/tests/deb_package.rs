//! Checks the bundled `.deb`'s desktop entry: the URL reaches the app (`Exec=… %u`) and the
//! app is the handler of `org.dhis2w.desktop:` links. Run it after bundling:
//!
//! ```sh
//! (cd src-tauri && npx tauri build --bundles deb)
//! cargo test -p dhis2w-desktop --test deb_package
//! ```
//!
//! It checks the newest `.deb` under `target/release/bundle/deb/` or `target/debug/bundle/deb/`
//! (or `DHIS2W_DEB=path`), and fails when there is none.

use std::path::PathBuf;
use std::process::Command;

fn find_deb() -> PathBuf {
    if let Some(p) = std::env::var_os("DHIS2W_DEB") {
        return PathBuf::from(p);
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    // `make test` bundles the debug build; `make bench` and a release bundle the release one.
    let dirs = [
        target.join("release/bundle/deb"),
        target.join("debug/bundle/deb"),
    ];
    let mut debs: Vec<PathBuf> = dirs
        .iter()
        .filter_map(|d| std::fs::read_dir(d).ok())
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "deb"))
        .collect();
    debs.sort_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
    debs.pop().unwrap_or_else(|| {
        panic!(
            "no .deb in {} or {}: run `npx tauri build --bundles deb` in src-tauri first",
            dirs[0].display(),
            dirs[1].display()
        )
    })
}

#[test]
fn desktop_entry_passes_the_url_and_handles_the_scheme() {
    let deb = find_deb();
    let out = tempfile::tempdir().unwrap();
    let st = Command::new("dpkg-deb")
        .arg("-x")
        .arg(&deb)
        .arg(out.path())
        .status()
        .expect("dpkg-deb");
    assert!(st.success(), "dpkg-deb -x {}", deb.display());
    let apps = out.path().join("usr/share/applications");
    let entries: Vec<PathBuf> = std::fs::read_dir(&apps)
        .unwrap_or_else(|e| panic!("{} has no usr/share/applications: {e}", deb.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "desktop"))
        .collect();
    assert_eq!(entries.len(), 1, "{entries:?}");
    let text = std::fs::read_to_string(&entries[0]).unwrap();
    let exec = text
        .lines()
        .find(|l| l.starts_with("Exec="))
        .unwrap_or_else(|| panic!("no Exec= in\n{text}"));
    assert!(exec.trim_end().ends_with("%u"), "{exec}");
    assert!(exec.contains("dhis2w-desktop"), "{exec}");
    let mime = text
        .lines()
        .find(|l| l.starts_with("MimeType="))
        .unwrap_or_else(|| panic!("no MimeType= in\n{text}"));
    assert!(
        mime.split(['=', ';'])
            .any(|m| m == "x-scheme-handler/org.dhis2w.desktop"),
        "{mime}"
    );
    assert!(text.contains("Name=dhis2w Desktop"), "{text}");
    // The binary and the icon are in the package.
    assert!(out.path().join("usr/bin/dhis2w-desktop").is_file());
    // The dhis2w command line is installed next to the app, with its man page and completions.
    for f in [
        "usr/bin/dhis2w",
        "usr/share/man/man1/dhis2w.1",
        "usr/share/man/man1/dhis2w-get.1",
        "usr/share/bash-completion/completions/dhis2w",
        "usr/share/zsh/vendor-completions/_dhis2w",
        "usr/share/fish/vendor_completions.d/dhis2w.fish",
    ] {
        assert!(out.path().join(f).is_file(), "{f} is not in the package");
    }
    let icons = out.path().join("usr/share/icons/hicolor");
    assert!(icons.is_dir(), "no icons in the package");
    // desktop-file-validate, when installed, accepts the entry.
    if let Ok(o) = Command::new("desktop-file-validate")
        .arg(&entries[0])
        .output()
    {
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
    }
}
