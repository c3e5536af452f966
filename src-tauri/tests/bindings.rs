//! The TypeScript bindings in `ui/src/bindings/` are generated from the Rust types in
//! `src/dto.rs` (the shell's own types, and the core types it re-exports, which derive
//! `ts_rs::TS` with the core's `ts` feature). This test fails when they drift. To regenerate after changing a type:
//!
//! ```sh
//! DHIS2W_UPDATE_BINDINGS=1 cargo test -p dhis2w-desktop --test bindings
//! ```

use std::path::PathBuf;

fn bindings_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../ui/src/bindings")
}

#[test]
fn committed_bindings_match_the_rust_types() {
    let dir = bindings_dir();
    let update = std::env::var("DHIS2W_UPDATE_BINDINGS").as_deref() == Ok("1");
    let mut drifted = Vec::new();
    for (name, text) in dhis2w_desktop_lib::dto::bindings() {
        let path = dir.join(format!("{name}.ts"));
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        if committed != text {
            if update {
                std::fs::write(&path, &text).unwrap();
            } else {
                drifted.push(format!(
                    "{}:\n--- committed\n{committed}\n--- generated\n{text}",
                    path.display()
                ));
            }
        }
    }
    assert!(
        drifted.is_empty(),
        "TypeScript bindings drifted from the Rust types; run \
         `DHIS2W_UPDATE_BINDINGS=1 cargo test -p dhis2w-desktop --test bindings` and commit:\n{}",
        drifted.join("\n")
    );
}

#[test]
fn error_kind_binding_lists_every_core_kind() {
    // The binding comes from the core's own `ErrorKind` (feature `ts`); check it lists exactly
    // the kinds the core serialises.
    let text = dhis2w_desktop_lib::dto::bindings()
        .into_iter()
        .find(|(n, _)| *n == "ErrorKind")
        .unwrap()
        .1;
    let ty = text.lines().find(|l| l.starts_with("export type")).unwrap();
    for k in dhis2w_client::ErrorKind::ALL {
        let v = serde_json::to_value(k).unwrap();
        assert!(ty.contains(&v.to_string()), "{v} missing from {ty}");
    }
    assert_eq!(
        ty.matches('"').count() / 2,
        dhis2w_client::ErrorKind::ALL.len(),
        "{ty}"
    );
}

#[test]
fn generated_shapes_follow_the_contract() {
    let all: std::collections::HashMap<_, _> =
        dhis2w_desktop_lib::dto::bindings().into_iter().collect();
    // Spot checks of docs/commands.md shapes that are easy to get wrong.
    assert!(
        all["StorageStatus"].contains(r#"mode: "keyring" | "session_only""#),
        "{}",
        all["StorageStatus"]
    );
    assert!(
        all["SessionStatus"].contains("expiresAt: number | null"),
        "{}",
        all["SessionStatus"]
    );
    assert!(
        all["BrowseMeta"].contains("sizeBytes: number"),
        "{}",
        all["BrowseMeta"]
    );
    assert!(
        all["BrowseRequest"].contains("query: Array<[string, string]>"),
        "{}",
        all["BrowseRequest"]
    );
    assert!(
        all["ImportReport"].contains("instanceId: string"),
        "{}",
        all["ImportReport"]
    );
    assert!(
        all["ProbeResult"].contains("deepLink: string"),
        "{}",
        all["ProbeResult"]
    );
}
