//! The TypeScript bindings in `ui/src/bindings/` are generated from the Rust types in
//! `src/dto.rs`. This test fails when they drift. To regenerate after changing a type:
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
fn error_kinds_match_the_core() {
    use dhis2w_desktop_lib::dto::ErrorKind as Ts;
    for k in dhis2w_client::ErrorKind::ALL {
        let v = serde_json::to_value(k).unwrap();
        let back: Ts = serde_json::from_value(v.clone())
            .unwrap_or_else(|_| panic!("core error kind {v} is missing from dto::ErrorKind"));
        assert_eq!(serde_json::to_value(back).unwrap(), v);
    }
    // Same number of variants: the binding lists no kind the core lacks.
    let text = dhis2w_desktop_lib::dto::bindings()
        .into_iter()
        .find(|(n, _)| *n == "ErrorKind")
        .unwrap()
        .1;
    assert_eq!(
        text.matches('"').count() / 2,
        dhis2w_client::ErrorKind::ALL.len(),
        "{text}"
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
