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
    // The page may connect only to the IPC and to the loopback addresses large answers wait at
    // (dhis2w_client::handoff); never to DHIS2 or anywhere else.
    let connect = app.config().app.security.csp.as_ref().map(|c| {
        let v = serde_json::to_value(c).unwrap();
        v["connect-src"].as_str().unwrap().to_owned()
    });
    let mut sources: Vec<&str> = connect.as_deref().unwrap().split_whitespace().collect();
    sources.sort_unstable();
    assert_eq!(
        sources,
        [
            "'self'",
            "http://127.0.0.1:*",
            "http://ipc.localhost",
            "ipc:"
        ],
        "{csp}"
    );
    assert_eq!(csp.matches("http://").count(), 2, "{csp}");

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
