//! The real `tauri.conf.json` and capabilities on the mock runtime: the app's commands answer,
//! and the webview gets nothing the UI does not use (e.g. emitting events or opening paths).

mod common;

use serde_json::json;
use tauri::test::mock_builder;
use tauri::WebviewWindowBuilder;

#[test]
fn real_config_allows_the_app_commands_and_nothing_extra() {
    let dir = tempfile::tempdir().unwrap();
    let options = common::options_in(dir.path());
    let app = dhis2w_desktop_lib::with_commands(mock_builder(), options.clone())
        .build(tauri::generate_context!())
        .unwrap();
    dhis2w_desktop_lib::init(app.handle(), options).unwrap();
    let w = common::Caller::new(
        WebviewWindowBuilder::new(&app, "main", Default::default())
            .build()
            .unwrap(),
    );

    assert_eq!(app.config().identifier, "org.dhis2w.desktop");
    assert_eq!(app.config().product_name.as_deref(), Some("dhis2w Desktop"));
    let csp = serde_json::to_string(&app.config().app.security.csp).unwrap();
    assert!(csp.contains(r#""default-src":"'self'""#), "{csp}");
    assert!(
        !csp.contains("http://") || csp.matches("http://").count() == 1,
        "only ipc.localhost: {csp}"
    );

    assert!(w.call("app_about", json!({})).is_ok());
    assert_eq!(
        w.call("instances_list", json!({})).unwrap()["instances"],
        json!([])
    );
    // Listening is allowed (the UI does it) …
    let listen = json!({"event": "session-changed", "target": {"kind": "Any"}, "handler": 3});
    assert!(w.call("plugin:event|listen", listen).is_ok());
    // … but the webview cannot emit events or use window/path APIs it does not need.
    for (cmd, args) in [
        (
            "plugin:event|emit",
            json!({"event": "session-changed", "payload": {}}),
        ),
        ("plugin:window|close", json!({"label": "main"})),
        ("plugin:path|resolve_directory", json!({"directory": 1})),
    ] {
        let e = w.call(cmd, args).unwrap_err();
        assert!(e.to_string().contains("not allowed"), "{cmd}: {e}");
    }
}
