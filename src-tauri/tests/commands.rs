//! Every command through Tauri's mock runtime and IPC (`get_ipc_response`), against the DHIS2
//! stand-in, with isolated config/data dirs and session-only secrets. Each test ends by
//! checking that no response carried a secret.

mod common;

use common::*;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tauri::Listener;

fn secrets() -> Vec<String> {
    fixture_secrets(standin())
}

#[test]
fn instances_add_list_edit_default_active_remove() {
    let s = standin();
    let t = TestApp::new();
    let state = t.ok("instances_list", json!({}));
    assert_eq!(state["instances"], json!([]));
    let mode = if keyring_session() {
        "keyring"
    } else {
        "session_only"
    };
    assert_eq!(state["storage"]["mode"], mode, "{state}");

    let inst = t.add(json!({}));
    let id = inst["id"].as_str().unwrap().to_owned();
    assert_eq!(inst["name"], "Local admin");
    assert_eq!(inst["authKind"], "basic");
    assert_eq!(inst["baseUrl"], s.base);
    assert_eq!(
        inst["secrets"],
        json!({"password": true, "pat": false, "clientSecret": false, "token": false})
    );

    // Same name again, a bad address, a missing username: invalid_input.
    t.err(
        "instances_add",
        json!({ "input": basic_input(s) }),
        "invalid_input",
    );
    let mut bad = basic_input(s);
    merge(
        &mut bad,
        json!({"name": "Other", "baseUrl": "ftp://nowhere"}),
    );
    t.err("instances_add", json!({ "input": bad }), "invalid_input");

    // Edit: rename, no password sent = the stored one is kept.
    let mut input = basic_input(s);
    merge(
        &mut input,
        json!({"name": "Renamed", "password": null, "notes": "n"}),
    );
    let edited = t.ok("instances_edit", json!({ "id": id, "input": input }));
    assert_eq!(edited["name"], "Renamed");
    assert_eq!(edited["notes"], "n");
    assert_eq!(edited["secrets"]["password"], true);
    t.err(
        "instances_edit",
        json!({ "id": "nope", "input": basic_input(s) }),
        "not_found",
    );

    let second = t.add(
        json!({"name": "Second", "authKind": "pat", "username": null,
        "password": null, "pat": s.fx("/pats/valid")}),
    );
    let id2 = second["id"].as_str().unwrap().to_owned();
    assert_eq!(second["secrets"]["pat"], true);

    let st = t.ok("instances_set_default", json!({ "id": id2 }));
    assert_eq!(st["defaultId"], id2);
    let st = t.ok("instances_set_active", json!({ "id": id }));
    assert_eq!(st["activeId"], id);
    assert_eq!(st["instances"].as_array().unwrap().len(), 2);
    t.err(
        "instances_set_default",
        json!({ "id": "nope" }),
        "not_found",
    );
    t.err("instances_set_active", json!({ "id": "nope" }), "not_found");

    // Remove deletes the instance and its secrets.
    let st = t.ok("instances_remove", json!({ "id": id2 }));
    assert_eq!(st["instances"].as_array().unwrap().len(), 1);
    let stored = tauri::async_runtime::block_on(t.state().secrets().stored(&id2)).unwrap();
    assert!(!stored.pat);
    t.err("instances_remove", json!({ "id": id2 }), "not_found");

    // The profiles file lives in the isolated config dir and holds no secret.
    let file = std::fs::read_to_string(t.dir.path().join("config/profiles.toml")).unwrap();
    assert!(file.contains("Renamed"));
    for sec in secrets() {
        assert!(!file.contains(&sec), "a secret in profiles.toml");
    }
    t.assert_no_secrets(&secrets());
}

#[test]
fn probe_finds_the_server_and_reports_errors() {
    let s = standin();
    let t = TestApp::new();
    let p = t.ok(
        "instances_probe",
        json!({ "address": format!("{}/dhis-web-dashboard/", s.base) }),
    );
    // Spelled like a saved instance: no trailing slash, even for a server at the root.
    assert_eq!(p["canonicalUrl"], s.base.trim_end_matches('/'));
    assert_eq!(
        p["version"].as_str().map(|v| v.starts_with("2.43")),
        Some(true),
        "{p}"
    );
    assert_eq!(p["methods"]["oauth2"]["available"], true, "{p}");
    assert_eq!(p["recommended"], "oauth2");
    assert_eq!(
        p["redirectUris"]["deepLink"],
        "org.dhis2w.desktop:/oauth2/callback"
    );
    t.err(
        "instances_probe",
        json!({ "address": "http://127.0.0.1:1" }),
        "server_unreachable",
    );
    t.err(
        "instances_probe",
        json!({ "address": "not a url at all" }),
        "invalid_input",
    );
    t.assert_no_secrets(&secrets());
}

#[test]
fn verify_checks_typed_and_saved_credentials() {
    let s = standin();
    let t = TestApp::new();
    let v = t.ok("instances_verify", json!({ "input": basic_input(s) }));
    assert_eq!(v["username"], "admin");
    assert_eq!(v["displayName"], s.fx("/users/admin/displayName"));
    assert!(v["version"].as_str().is_some(), "{v}");

    let mut wrong = basic_input(s);
    merge(&mut wrong, json!({"password": "not-the-password"}));
    t.err(
        "instances_verify",
        json!({ "input": wrong }),
        "invalid_credentials",
    );
    let mut locked = basic_input(s);
    merge(
        &mut locked,
        json!({"username": s.fx("/users/locked/username"),
        "password": s.fx("/users/locked/password")}),
    );
    t.err(
        "instances_verify",
        json!({ "input": locked }),
        "account_locked",
    );
    let mut pat = basic_input(s);
    merge(
        &mut pat,
        json!({"authKind": "pat", "password": null, "pat": s.fx("/pats/valid")}),
    );
    assert_eq!(
        t.ok("instances_verify", json!({ "input": pat.clone() }))["username"],
        "admin"
    );
    merge(&mut pat, json!({"pat": "d2p_notavalidtoken"}));
    t.err("instances_verify", json!({ "input": pat }), "pat_malformed");
    let mut oauth = basic_input(s);
    merge(
        &mut oauth,
        json!({"authKind": "oauth2", "oauth2": {"clientId": "x", "scope": null, "redirectMode": "loopback"}}),
    );
    t.err(
        "instances_verify",
        json!({ "input": oauth }),
        "invalid_input",
    );

    let inst = t.add(json!({}));
    let v = t.ok("instances_verify_saved", json!({ "id": inst["id"] }));
    assert_eq!(v["username"], "admin");
    t.err(
        "instances_verify_saved",
        json!({ "id": "nope" }),
        "not_found",
    );
    // A saved OAuth2 instance that never signed in: sign_in_required, no browser.
    let o = t.add(json!({"name": "OAuth", "authKind": "oauth2", "password": null,
        "oauth2": {"clientId": s.fx("/clients/public/clientId"), "scope": null, "redirectMode": "loopback"}}));
    t.err(
        "instances_verify_saved",
        json!({ "id": o["id"] }),
        "sign_in_required",
    );
    t.assert_no_secrets(&secrets());
}

#[test]
fn import_cli_profiles() {
    let s = standin();
    let t = TestApp::new();
    let file = t.dir.path().join("cli-profiles.toml");
    std::fs::write(
        &file,
        format!(
            "default = \"local\"\n[profiles.local]\nbase_url = \"{}\"\nauth = \"basic\"\nusername = \"admin\"\npassword = \"{}\"\n\n[profiles.cookie]\nbase_url = \"{}\"\nauth = \"session\"\n",
            s.base,
            s.fx("/users/admin/password"),
            s.base
        ),
    )
    .unwrap();
    let r = t.ok(
        "instances_import_cli",
        json!({ "path": file.display().to_string() }),
    );
    assert_eq!(r["imported"][0]["name"], "local", "{r}");
    assert!(r["imported"][0]["instanceId"].as_str().is_some());
    assert_eq!(r["skipped"][0]["name"], "cookie", "{r}");
    let st = t.ok("instances_list", json!({}));
    assert_eq!(st["instances"][0]["secrets"]["password"], true);
    // A missing file is reported as skipped, not an error.
    let r = t.ok(
        "instances_import_cli",
        json!({ "path": "/nonexistent/profiles.toml" }),
    );
    assert_eq!(r["imported"], json!([]));
    assert_eq!(r["skipped"].as_array().unwrap().len(), 1);
    t.assert_no_secrets(&secrets());
}

#[test]
fn basic_and_pat_sessions_sign_in_and_out() {
    let s = standin();
    let t = TestApp::new();
    let display = s.fx("/users/admin/displayName");
    let changed = Arc::new(Mutex::new(Vec::<Value>::new()));
    let c = changed.clone();
    t.app.listen("session-changed", move |e| {
        c.lock()
            .unwrap()
            .push(serde_json::from_str(e.payload()).unwrap());
    });
    // A stored password: signed in, and who it is comes from one /api/me check.
    let inst = t.add(json!({}));
    let id = inst["id"].as_str().unwrap();
    let st = t.ok("session_status", json!({ "instanceId": id }));
    assert_eq!(st["state"], "signed_in", "{st}");
    assert_eq!(st["user"]["displayName"], display, "{st}");
    assert_eq!(st["expiresAt"], Value::Null);

    // Sign out deletes the stored password: the app can no longer act as the user.
    let st = t.ok("session_sign_out", json!({ "instanceId": id }));
    assert_eq!(st["state"], "signed_out");
    assert_eq!(st["user"], Value::Null);
    let list = t.ok("instances_list", json!({}));
    assert_eq!(list["instances"][0]["secrets"]["password"], false, "{list}");
    assert_eq!(
        t.ok("session_status", json!({ "instanceId": id }))["state"],
        "signed_out"
    );
    let req =
        json!({"request": {"requestId": "r1", "instanceId": id, "path": "/api/me", "query": []}});
    assert_eq!(
        t.raw("browse_get", req.clone()).unwrap_err()["kind"],
        "sign_in_required"
    );
    // Signing in without a stored password asks for it (the UI opens the wizard).
    t.err(
        "session_sign_in",
        json!({ "instanceId": id, "differentUser": false }),
        "sign_in_required",
    );

    // The password entered again: sign-in checks it and names the user.
    t.ok(
        "instances_edit",
        json!({ "id": id, "input": basic_input(s) }),
    );
    let st = t.ok(
        "session_sign_in",
        json!({ "instanceId": id, "differentUser": false }),
    );
    assert_eq!(st["state"], "signed_in");
    assert_eq!(st["user"]["displayName"], display);
    assert!(t.raw("browse_get", req).is_ok());
    wait_for("session-changed events", || {
        changed
            .lock()
            .unwrap()
            .last()
            .is_some_and(|e| e["state"] == "signed_in")
    });
    // Sign-out, then the refused sign-in (sign_in_required) repeats "signed out", and the
    // sign-in with the password says "signed in".
    let states: Vec<Value> = changed
        .lock()
        .unwrap()
        .iter()
        .map(|e| e["state"].clone())
        .collect();
    assert_eq!(
        states,
        ["signed_out", "signed_out", "signed_in"],
        "{states:?}"
    );

    // A wrong stored password: "needs sign-in", and sign-in fails with its kind.
    let mut wrong = basic_input(s);
    merge(&mut wrong, json!({"password": "wrong-password"}));
    t.ok("instances_edit", json!({ "id": id, "input": wrong }));
    let st = t.ok("session_status", json!({ "instanceId": id }));
    assert_eq!(st["state"], "needs_sign_in", "{st}");
    assert_eq!(st["user"], Value::Null);
    t.err(
        "session_sign_in",
        json!({ "instanceId": id, "differentUser": false }),
        "invalid_credentials",
    );
    assert_eq!(
        t.ok("session_status", json!({ "instanceId": id }))["state"],
        "needs_sign_in"
    );

    // PAT.
    let p = t.add(
        json!({"name": "Pat", "authKind": "pat", "password": null, "pat": s.fx("/pats/valid")}),
    );
    let st = t.ok("session_status", json!({ "instanceId": p["id"] }));
    assert_eq!(st["state"], "signed_in", "{st}");
    assert_eq!(st["user"]["displayName"], display, "{st}");
    let st = t.ok(
        "session_sign_in",
        json!({ "instanceId": p["id"], "differentUser": false }),
    );
    assert_eq!(st["state"], "signed_in");
    let st = t.ok("session_sign_out", json!({ "instanceId": p["id"] }));
    assert_eq!(st["state"], "signed_out");
    assert_eq!(
        t.ok("instances_list", json!({}))["instances"][1]["secrets"]["pat"],
        false
    );
    let e = t.add(json!({"name": "Expired", "authKind": "pat", "password": null, "pat": s.fx("/pats/expired")}));
    assert_eq!(
        t.ok("session_status", json!({ "instanceId": e["id"] }))["state"],
        "needs_sign_in"
    );
    t.err(
        "session_sign_in",
        json!({ "instanceId": e["id"], "differentUser": false }),
        "token_expired",
    );

    // A server that cannot be reached: still signed in (the password is stored), no user.
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let off = t.add(json!({"name": "Offline", "baseUrl": format!("http://{dead}")}));
    let st = t.ok("session_status", json!({ "instanceId": off["id"] }));
    assert_eq!(st["state"], "signed_in", "{st}");
    assert_eq!(st["user"], Value::Null, "{st}");
    t.err(
        "session_sign_in",
        json!({ "instanceId": off["id"], "differentUser": false }),
        "server_unreachable",
    );

    t.err(
        "session_status",
        json!({ "instanceId": "nope" }),
        "not_found",
    );
    t.err(
        "session_sign_in",
        json!({ "instanceId": "nope", "differentUser": false }),
        "not_found",
    );
    t.err(
        "session_sign_out",
        json!({ "instanceId": "nope" }),
        "not_found",
    );
    t.err(
        "session_cancel_sign_in",
        json!({ "instanceId": "nope" }),
        "not_found",
    );
    t.assert_no_secrets(&secrets());
}

#[test]
fn browse_resources_lists_paths_without_touching_the_history() {
    let t = TestApp::new();
    let id = t.add(json!({}))["id"].as_str().unwrap().to_owned();
    let paths = t.ok("browse_resources", json!({ "instanceId": id }));
    let list = paths.as_array().unwrap();
    assert!(
        list.iter()
            .any(|p| p["path"] == "/api/dataElements" && p["displayName"].is_string()),
        "{paths}"
    );
    assert!(list
        .iter()
        .all(|p| p["path"].as_str().unwrap().starts_with("/api/")));
    assert_eq!(
        t.ok("browse_history", json!({ "instanceId": id })),
        json!([]),
        "the autocomplete request is not the user's"
    );
    t.err(
        "browse_resources",
        json!({ "instanceId": "nope" }),
        "not_found",
    );
    t.ok("session_sign_out", json!({ "instanceId": id }));
    t.err(
        "browse_resources",
        json!({ "instanceId": id }),
        "sign_in_required",
    );
    t.assert_no_secrets(&secrets());
}

#[test]
fn a_broken_profiles_file_is_set_aside_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    std::fs::create_dir_all(&config).unwrap();
    let broken = "this is [not valid toml\n";
    std::fs::write(config.join("profiles.toml"), broken).unwrap();
    let opts = |o: &mut dhis2w_desktop_lib::Options| o.config_dir = Some(config.clone());
    let t = TestApp::with(opts);
    let st = t.ok("instances_list", json!({}));
    assert_eq!(st["instances"], json!([]));
    let backup = st["recovery"]["backupPath"]
        .as_str()
        .expect("recovery reported");
    assert!(
        st["recovery"]["reason"]
            .as_str()
            .is_some_and(|r| !r.is_empty()),
        "{st}"
    );
    assert_eq!(std::fs::read_to_string(backup).unwrap(), broken);
    assert!(backup.starts_with(config.to_str().unwrap()), "{backup}");
    // Every answer carrying the state says so in this run …
    let inst = t.add(json!({}));
    let st = t.ok("instances_set_active", json!({ "id": inst["id"] }));
    assert_eq!(st["recovery"]["backupPath"], backup);
    drop(t);
    // … and the next run, which reads a good file, does not.
    let t = TestApp::with(opts);
    let st = t.ok("instances_list", json!({}));
    assert_eq!(st["recovery"], Value::Null, "{st}");
    assert_eq!(st["instances"].as_array().unwrap().len(), 1);
}

/// Regression (issue 14): a profiles file from a newer dhis2w was set aside and replaced by an
/// empty list. It is now left untouched, the state says why it is read-only, and changes fail.
#[test]
fn a_profiles_file_from_a_newer_version_is_read_only_and_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    std::fs::create_dir_all(&config).unwrap();
    let newer = "version = 2\n[[instance]]\nid = \"abcdefgh12345678\"\nname = \"Play\"\n";
    std::fs::write(config.join("profiles.toml"), newer).unwrap();
    let opts = |o: &mut dhis2w_desktop_lib::Options| o.config_dir = Some(config.clone());
    let t = TestApp::with(opts);
    let st = t.ok("instances_list", json!({}));
    assert_eq!(st["recovery"], Value::Null, "nothing set aside: {st}");
    assert!(
        st["readOnly"]
            .as_str()
            .is_some_and(|r| r.contains("newer version of dhis2w")),
        "{st}"
    );
    let input = {
        let mut i = common::basic_input(standin());
        common::merge(&mut i, json!({"name": "New"}));
        i
    };
    let e = t.err("instances_add", json!({ "input": input }), "profile_file");
    assert!(e["message"].as_str().unwrap().contains("read-only"), "{e}");
    assert_eq!(
        std::fs::read_to_string(config.join("profiles.toml")).unwrap(),
        newer
    );
    let names: Vec<String> = std::fs::read_dir(&config)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!names.iter().any(|n| n.contains("broken")), "{names:?}");
}

fn oauth_instance(t: &TestApp, name: &str, client: &str, mode: &str) -> String {
    let s = standin();
    let secret = if client == "confidential" {
        json!(s.fx("/clients/confidential/clientSecret"))
    } else {
        Value::Null
    };
    let inst = t.add(json!({"name": name, "authKind": "oauth2", "password": null,
        "username": null, "clientSecret": secret,
        "oauth2": {"clientId": s.fx(&format!("/clients/{client}/clientId")), "scope": null, "redirectMode": mode}}));
    inst["id"].as_str().unwrap().to_owned()
}

fn stored_access_token(t: &TestApp, id: &str) -> String {
    let json = tauri::async_runtime::block_on(
        t.state()
            .secrets()
            .reveal(id, dhis2w_client::secret_store::SecretKind::OAuth2Token),
    )
    .unwrap()
    .expect("a stored token");
    let v: Value = serde_json::from_str(json.expose()).unwrap();
    v["access_token"].as_str().unwrap().to_owned()
}

#[test]
fn oauth2_sign_in_through_the_test_browser_loopback() {
    let t = TestApp::new();
    let progress = Arc::new(Mutex::new(Vec::<Value>::new()));
    let p = progress.clone();
    t.app.listen("sign-in-progress", move |e| {
        p.lock()
            .unwrap()
            .push(serde_json::from_str(e.payload()).unwrap());
    });
    let id = oauth_instance(&t, "OAuth", "confidential", "loopback");
    assert_eq!(
        t.ok("session_status", json!({ "instanceId": id }))["state"],
        "signed_out"
    );

    let st = t.ok(
        "session_sign_in",
        json!({ "instanceId": id, "differentUser": false }),
    );
    assert_eq!(st["state"], "signed_in", "{st}");
    assert_eq!(st["user"]["username"], "admin");
    assert!(st["expiresAt"].as_i64().unwrap() > 0);
    assert!(!st["scopes"].as_array().unwrap().is_empty(), "{st}");
    let stages: Vec<Value> = progress
        .lock()
        .unwrap()
        .iter()
        .map(|p| p["stage"].clone())
        .collect();
    assert_eq!(
        stages.first(),
        Some(&json!("waiting_for_browser")),
        "{stages:?}"
    );
    assert_eq!(stages.last(), Some(&json!("done")), "{stages:?}");
    let first = progress.lock().unwrap()[0].clone();
    assert_eq!(first["instanceId"], id.as_str());
    assert!(first["authorizeUrl"]
        .as_str()
        .unwrap()
        .contains("code_challenge="));
    assert!(first["redirectUri"]
        .as_str()
        .unwrap()
        .starts_with("http://127.0.0.1:"));

    // The token works for browsing and never reaches the webview.
    let token = stored_access_token(&t, &id);
    let bytes = t
        .raw("browse_get", json!({"request": {"requestId": "o1", "instanceId": id, "path": "/api/me", "query": []}}))
        .unwrap();
    assert_eq!(unframe(&bytes).0["status"], 200);
    let again = t.ok("session_status", json!({ "instanceId": id }));
    assert_eq!(again["state"], "signed_in");
    // As after a restart (nobody known yet): the status asks /api/me once for the user.
    t.state().credentials().forget(&id);
    let again = t.ok("session_status", json!({ "instanceId": id }));
    assert_eq!(again["state"], "signed_in");
    assert_eq!(
        again["user"]["displayName"],
        standin().fx("/users/admin/displayName"),
        "{again}"
    );
    let mut all = secrets();
    all.push(token);
    // The sign-in's progress events were recorded and scanned too.
    assert!(t.events_seen() > 0, "no event payload was recorded");
    t.assert_no_secrets(&all);

    let st = t.ok("session_sign_out", json!({ "instanceId": id }));
    assert_eq!(st["state"], "signed_out");
    assert_eq!(st["user"], Value::Null);
    assert!(tauri::async_runtime::block_on(
        t.state()
            .secrets()
            .reveal(&id, dhis2w_client::secret_store::SecretKind::OAuth2Token)
    )
    .unwrap()
    .is_none());
}

#[test]
fn oauth2_sign_in_through_a_deep_link() {
    let dir = tempfile::tempdir().unwrap();
    let links = dir.path().join("links.txt");
    // The fake browser writes the org.dhis2w.desktop: redirect to this file; the test plays
    // the OS and hands it to the app as the deep-link plugin would.
    let script = dir.path().join("browser.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nFAKE_BROWSER_DEEPLINK_FILE='{}' exec '{}' \"$1\"\n",
            links.display(),
            repo_root()
                .join("src-tauri/tests/fake-browser.sh")
                .display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let t = TestApp::with(|o| o.test_browser = Some(script.clone()));
    let id = oauth_instance(&t, "Deep", "public", "deep_link");
    std::thread::scope(|sc| {
        let c = t.caller.clone();
        let args = json!({ "instanceId": id, "differentUser": false });
        let h = sc.spawn(move || c.call("session_sign_in", args));
        wait_for("the deep link", || {
            std::fs::read_to_string(&links).is_ok_and(|s| !s.is_empty())
        });
        let url = std::fs::read_to_string(&links).unwrap();
        assert!(url.starts_with("org.dhis2w.desktop:/oauth2/callback?"));
        // A link for no flow of ours is ignored; the real one completes the sign-in.
        dhis2w_desktop_lib::state::deliver_deep_link(
            t.app.handle(),
            "org.dhis2w.desktop:/oauth2/callback?code=x&state=forged",
        );
        dhis2w_desktop_lib::state::deliver_deep_link(t.app.handle(), url.trim());
        let st = h.join().unwrap().unwrap();
        assert_eq!(st["state"], "signed_in", "{st}");
    });
    let token = stored_access_token(&t, &id);
    let mut all = secrets();
    all.push(token);
    t.assert_no_secrets(&all);
}

#[test]
fn oauth2_sign_in_can_be_cancelled() {
    // A "browser" that never comes back.
    let t = TestApp::with(|o| o.test_browser = Some("/bin/true".into()));
    let id = oauth_instance(&t, "Slow", "public", "loopback");
    let progress = Arc::new(Mutex::new(Vec::<Value>::new()));
    let p = progress.clone();
    t.app.listen("sign-in-progress", move |e| {
        p.lock()
            .unwrap()
            .push(serde_json::from_str(e.payload()).unwrap());
    });
    std::thread::scope(|sc| {
        let c = t.caller.clone();
        let args = json!({ "instanceId": id, "differentUser": true });
        let h = sc.spawn(move || c.call("session_sign_in", args));
        wait_for("waiting_for_browser", || {
            !progress.lock().unwrap().is_empty()
        });
        let url = progress.lock().unwrap()[0]["authorizeUrl"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(
            url.contains("prompt=login"),
            "different user asks for a fresh login: {url}"
        );
        assert_eq!(
            t.ok("session_cancel_sign_in", json!({ "instanceId": id })),
            Value::Null
        );
        let e = h.join().unwrap().unwrap_err();
        assert_eq!(e["kind"], "cancelled", "{e}");
    });
    wait_for("cancelled stage", || {
        progress
            .lock()
            .unwrap()
            .last()
            .is_some_and(|p| p["stage"] == "cancelled")
    });
    assert_eq!(
        t.ok("session_status", json!({ "instanceId": id }))["state"],
        "signed_out"
    );
    // Cancelling when nothing runs is fine.
    assert_eq!(
        t.ok("session_cancel_sign_in", json!({ "instanceId": id })),
        Value::Null
    );
    t.assert_no_secrets(&secrets());
}

#[test]
fn browse_get_history_pin_curl() {
    let s = standin();
    let t = TestApp::new();
    let progress = Arc::new(Mutex::new(Vec::<Value>::new()));
    let p = progress.clone();
    t.app.listen("browse-progress", move |e| {
        p.lock()
            .unwrap()
            .push(serde_json::from_str(e.payload()).unwrap());
    });
    let id = t.add(json!({}))["id"].as_str().unwrap().to_owned();
    let req = |rid: &str, path: &str, query: Value| json!({"request": {"requestId": rid, "instanceId": id, "path": path, "query": query}});
    let bytes = t
        .raw(
            "browse_get",
            req(
                "b1",
                "/api/organisationUnits",
                json!([["fields", "id,displayName"], ["pageSize", "5"]]),
            ),
        )
        .unwrap();
    let (meta, body) = unframe(&bytes);
    assert_eq!(meta["status"], 200);
    assert_eq!(meta["sizeBytes"].as_u64().unwrap() as usize, body.len());
    assert!(meta["contentType"].as_str().unwrap().contains("json"));
    assert!(meta["url"]
        .as_str()
        .unwrap()
        .contains("/api/organisationUnits?"));
    assert!(meta["elapsedMs"].as_u64().is_some());
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["organisationUnits"].as_array().unwrap().len(), 5);
    // The session cookie DHIS2 sets is not shown to the webview.
    for (k, v) in meta["headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h[0].as_str().unwrap(), h[1].as_str().unwrap()))
    {
        if k.eq_ignore_ascii_case("set-cookie") {
            assert!(!v.contains("JSESSIONID="), "{v}");
        }
    }
    wait_for("browse-progress", || !progress.lock().unwrap().is_empty());
    assert_eq!(progress.lock().unwrap()[0]["requestId"], "b1");

    // A 404 answer is a response, not an error; it is in the history too.
    let (meta, _) = unframe(
        &t.raw("browse_get", req("b2", "/api/nothingHere", json!([])))
            .unwrap(),
    );
    assert_eq!(meta["status"], 404);
    // Credentials typed into the query never reach the history file.
    t.raw(
        "browse_get",
        req(
            "b3",
            "/api/me",
            json!([["access_token", "typed-SECRET-value"]]),
        ),
    )
    .unwrap();

    let h = t.ok("browse_history", json!({ "instanceId": id }));
    let h = h.as_array().unwrap();
    assert_eq!(h.len(), 3);
    assert_eq!(h[0]["path"], "/api/me");
    assert_eq!(h[0]["query"], json!([]));
    let ou = h
        .iter()
        .find(|e| e["path"] == "/api/organisationUnits")
        .unwrap();
    let pinned = t.ok(
        "browse_pin",
        json!({ "instanceId": id, "entryId": ou["id"], "pinned": true }),
    );
    assert_eq!(pinned[0]["id"], ou["id"]);
    assert_eq!(pinned[0]["pinned"], true);
    t.err(
        "browse_pin",
        json!({ "instanceId": id, "entryId": "nope", "pinned": true }),
        "not_found",
    );
    t.err(
        "browse_history",
        json!({ "instanceId": "nope" }),
        "not_found",
    );
    let files: Vec<_> = std::fs::read_dir(t.dir.path().join("data/history"))
        .unwrap()
        .collect();
    assert_eq!(files.len(), 1);
    let text =
        std::fs::read_to_string(t.dir.path().join(format!("data/history/{id}.json"))).unwrap();
    assert!(!text.contains("SECRET"));

    // curl: placeholders only.
    let curl = t.ok(
        "browse_curl",
        req("c1", "/api/organisationUnits", json!([["paging", "false"]])),
    );
    let curl = curl.as_str().unwrap();
    assert!(curl.contains("-u \"admin:$DHIS2_PASSWORD\""), "{curl}");
    assert!(
        curl.contains(&format!("'{}/api/organisationUnits?paging=false'", s.base)),
        "{curl}"
    );
    let pat = t
        .add(json!({"name": "P", "authKind": "pat", "password": null, "pat": s.fx("/pats/valid")}));
    let curl = t.ok("browse_curl", json!({"request": {"requestId": "c2", "instanceId": pat["id"], "path": "/api/me", "query": []}}));
    assert!(
        curl.as_str()
            .unwrap()
            .contains("Authorization: ApiToken $DHIS2_PAT"),
        "{curl}"
    );
    let o = oauth_instance(&t, "O", "public", "loopback");
    let curl = t.ok(
        "browse_curl",
        json!({"request": {"requestId": "c3", "instanceId": o, "path": "/api/me", "query": []}}),
    );
    assert!(
        curl.as_str()
            .unwrap()
            .contains("Authorization: Bearer $DHIS2_TOKEN"),
        "{curl}"
    );
    t.err("browse_curl", json!({"request": {"requestId": "c4", "instanceId": id, "path": "https://elsewhere.example/api/me", "query": []}}), "invalid_input");

    // Errors of browse_get.
    assert_eq!(t.raw("browse_get", json!({"request": {"requestId": "x", "instanceId": "nope", "path": "/api/me", "query": []}})).unwrap_err()["kind"], "not_found");
    assert_eq!(
        t.raw(
            "browse_get",
            json!({"request": {"requestId": "y", "instanceId": o, "path": "/api/me", "query": []}})
        )
        .unwrap_err()["kind"],
        "sign_in_required"
    );
    let mut all = secrets();
    all.push("typed-SECRET-value".into());
    t.assert_no_secrets(&all);
}

#[test]
fn browse_get_can_be_cancelled() {
    // A server that accepts connections and never answers.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let mut held = vec![];
        for c in listener.incoming() {
            held.push(c);
        }
    });
    let t = TestApp::new();
    let id = t.add(json!({"baseUrl": format!("http://{addr}")}))["id"]
        .as_str()
        .unwrap()
        .to_owned();
    std::thread::scope(|sc| {
        let c = t.caller.clone();
        let args = json!({"request": {"requestId": "slow", "instanceId": id, "path": "/api/me", "query": []}});
        let h = sc.spawn(move || c.raw("browse_get", args));
        std::thread::sleep(Duration::from_millis(400));
        assert_eq!(
            t.ok("browse_cancel", json!({ "requestId": "slow" })),
            Value::Null
        );
        let e = h.join().unwrap().unwrap_err();
        assert_eq!(e["kind"], "cancelled", "{e}");
    });
    assert_eq!(
        t.ok("browse_cancel", json!({ "requestId": "never-started" })),
        Value::Null
    );
    t.assert_no_secrets(&secrets());
}

#[test]
fn browse_save_writes_or_reports_cancel() {
    let out = tempfile::tempdir().unwrap();
    let t = TestApp::with(|o| o.test_save_path = Some(out.path().to_path_buf()));
    let path = t.ok(
        "browse_save",
        json!({ "suggestedName": "../orgUnits.json", "contents": "{\"a\":1}" }),
    );
    let path = path.as_str().unwrap();
    assert_eq!(std::path::Path::new(path), out.path().join("orgUnits.json"));
    assert_eq!(std::fs::read_to_string(path).unwrap(), "{\"a\":1}");
    let t = TestApp::with(|o| o.test_save_path = Some("".into()));
    assert_eq!(
        t.ok(
            "browse_save",
            json!({ "suggestedName": "x.json", "contents": "{}" })
        ),
        Value::Null
    );
    let t = TestApp::with(|o| o.test_save_path = Some("/nonexistent-dir/x.json".into()));
    t.err(
        "browse_save",
        json!({ "suggestedName": "x.json", "contents": "{}" }),
        "invalid_input",
    );
    t.assert_no_secrets(&secrets());
}

/// Issue 13: an answer above the user's limit is not read (`too_large`), and "Save to file"
/// streams it to disk with progress, whole.
#[test]
fn browse_download_saves_an_answer_too_large_to_show() {
    let s = standin();
    let out = tempfile::tempdir().unwrap();
    let t = TestApp::with(|o| o.test_save_path = Some(out.path().to_path_buf()));
    let progress = Arc::new(Mutex::new(Vec::<Value>::new()));
    let p = progress.clone();
    t.app.listen("browse-progress", move |e| {
        p.lock()
            .unwrap()
            .push(serde_json::from_str(e.payload()).unwrap());
    });
    let id = t.add(json!({}))["id"].as_str().unwrap().to_owned();
    // About 1.5 MB on the small data set.
    let query = json!([["paging", "false"], ["fields", "*,children[*]"]]);
    let req = |rid: &str, limit: Option<u32>| {
        json!({"request": {"requestId": rid, "instanceId": id, "path": "/api/organisationUnits",
                           "query": query, "viewLimitMb": limit}})
    };
    let e = t.raw("browse_get", req("big", Some(1))).unwrap_err();
    assert_eq!(e["kind"], "too_large", "{e}");
    // Over 1 MB the body is not in the IPC answer: it waits once at a loopback address.
    let (meta, inline) = unframe(&t.raw("browse_get", req("whole", Some(10))).unwrap());
    assert!(inline.is_empty(), "{}", inline.len());
    let url = meta["bodyUrl"].as_str().unwrap().to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let (status, whole) = http_get(&url);
    assert_eq!(status, 200);
    assert!(whole.len() > 1024 * 1024, "{}", whole.len());
    assert_eq!(meta["sizeBytes"].as_u64().unwrap() as usize, whole.len());
    serde_json::from_slice::<Value>(&whole).unwrap();
    assert_eq!(http_get(&url).0, 404, "an answer is handed over once");
    // The page's fallback when the loopback address cannot be reached: the same bytes by IPC.
    let (meta, _) = unframe(&t.raw("browse_get", req("again", Some(10))).unwrap());
    let taken = t
        .raw("browse_take", json!({"bodyUrl": meta["bodyUrl"]}))
        .unwrap();
    assert_eq!(taken, whole);
    let gone = t
        .raw("browse_take", json!({"bodyUrl": meta["bodyUrl"]}))
        .unwrap_err();
    assert_eq!(gone["kind"], "not_found");

    let saved = t.ok("browse_download", req("dl", Some(1)));
    assert_eq!(saved["bytes"].as_u64().unwrap() as usize, whole.len());
    let path = saved["path"].as_str().unwrap();
    assert_eq!(
        std::path::Path::new(path),
        out.path().join("organisationUnits.json")
    );
    assert_eq!(std::fs::read(path).unwrap(), whole);
    wait_for("download progress", || {
        progress
            .lock()
            .unwrap()
            .iter()
            .any(|p| p["requestId"] == "dl" && p["bytes"].as_u64() == Some(whole.len() as u64))
    });
    let _ = s;
    t.assert_no_secrets(&secrets());
}

#[test]
fn app_about_reports_versions() {
    let t = TestApp::new();
    let a = t.ok("app_about", json!({}));
    assert_eq!(a["appVersion"], env!("CARGO_PKG_VERSION"));
    assert!(a["tauriVersion"].as_str().unwrap().starts_with("2."));
    assert!(a["os"].as_str().unwrap().starts_with(std::env::consts::OS));
}

#[test]
fn presets_are_added_once_with_their_secrets() {
    let s = standin();
    let dir = tempfile::tempdir().unwrap();
    let presets = dir.path().join("presets.json");
    std::fs::write(
        &presets,
        serde_json::to_string(&json!({"instances": [
            {"name": "Stand-in admin", "baseUrl": s.base, "authKind": "basic", "username": "admin",
             "password": s.fx("/users/admin/password")},
            {"name": "Stand-in PAT", "baseUrl": s.base, "authKind": "pat", "pat": s.fx("/pats/valid")},
            {"name": "Stand-in OAuth2", "baseUrl": s.base, "authKind": "oauth2",
             "oauth2": {"clientId": s.fx("/clients/confidential/clientId"), "redirectMode": "loopback"},
             "clientSecret": s.fx("/clients/confidential/clientSecret")}
        ]}))
        .unwrap(),
    )
    .unwrap();
    let opts = |o: &mut dhis2w_desktop_lib::Options| {
        o.presets = Some(presets.clone());
        o.config_dir = Some(dir.path().join("config"));
    };
    let t = TestApp::with(opts);
    let st = t.ok("instances_list", json!({}));
    let list = st["instances"].as_array().unwrap();
    assert_eq!(list.len(), 3, "{st}");
    assert_eq!(list[0]["secrets"]["password"], true);
    assert_eq!(list[1]["secrets"]["pat"], true);
    assert_eq!(list[2]["secrets"]["clientSecret"], true);
    t.assert_no_secrets(&secrets());
    drop(t);
    // Started again with the same config: nothing is added twice.
    let t = TestApp::with(opts);
    assert_eq!(
        t.ok("instances_list", json!({}))["instances"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
}

/// Replaces the stored OAuth2 token of `id` with `edit` applied to it, and drops the cached
/// client so that the next command reads it (as after a restart).
fn rewrite_stored_token(t: &TestApp, id: &str, edit: impl FnOnce(&mut Value)) {
    use dhis2w_client::secret_store::SecretKind;
    let state = t.state();
    let json = tauri::async_runtime::block_on(state.secrets().reveal(id, SecretKind::OAuth2Token))
        .unwrap()
        .expect("a stored token");
    let mut v: Value = serde_json::from_str(json.expose()).unwrap();
    edit(&mut v);
    tauri::async_runtime::block_on(state.secrets().set(
        id,
        SecretKind::OAuth2Token,
        dhis2w_client::Secret::new(v.to_string()),
    ))
    .unwrap();
    state.forget_session(id);
}

#[test]
fn a_refused_sign_in_emits_session_changed_and_status_needs_sign_in() {
    let t = TestApp::new();
    let changed = Arc::new(Mutex::new(Vec::<Value>::new()));
    let c = changed.clone();
    t.app.listen("session-changed", move |e| {
        c.lock()
            .unwrap()
            .push(serde_json::from_str(e.payload()).unwrap());
    });
    let events_for = |id: &str| -> Vec<Value> {
        changed
            .lock()
            .unwrap()
            .iter()
            .filter(|e| e["instanceId"] == id)
            .cloned()
            .collect()
    };
    let browse = |id: &str, n: u32| {
        t.raw(
            "browse_get",
            json!({"request": {"requestId": format!("rs{n}"), "instanceId": id, "path": "/api/me", "query": []}}),
        )
    };

    // A public OAuth2 client (no refresh token), signed in and browsing.
    let id = oauth_instance(&t, "Public", "public", "loopback");
    let st = t.ok(
        "session_sign_in",
        json!({ "instanceId": id, "differentUser": false }),
    );
    assert_eq!(st["state"], "signed_in", "{st}");
    assert!(browse(&id, 1).is_ok());
    let before = events_for(&id).len();

    // The server refuses the token although its own expiry is ahead (as after
    // /__standin/expire-tokens): the browse fails with an auth kind, the shell tells the UI,
    // and the status no longer claims "signed in".
    rewrite_stored_token(&t, &id, |v| {
        v["access_token"] = json!("rejected-by-the-server")
    });
    let e = browse(&id, 2).unwrap_err();
    let kind = e["kind"].as_str().unwrap().to_owned();
    assert!(
        ["token_expired", "sign_in_required", "invalid_credentials"].contains(&kind.as_str()),
        "{e}"
    );
    wait_for("session-changed after a refused token", || {
        events_for(&id).len() > before
    });
    let ev = events_for(&id).last().cloned().unwrap();
    assert_eq!(ev["state"], "needs_sign_in", "{ev}");
    assert_eq!(ev["user"], Value::Null, "{ev}");
    let st = t.ok("session_status", json!({ "instanceId": id }));
    assert_eq!(st["state"], "needs_sign_in", "{st}");

    // An access token past its expiry without a refresh token: needs sign-in straight away,
    // and a browse says so to every screen too.
    rewrite_stored_token(&t, &id, |v| {
        v["expires_at"] = json!(1_000);
        v["refresh_token"] = Value::Null;
    });
    let st = t.ok("session_status", json!({ "instanceId": id }));
    assert_eq!(st["state"], "needs_sign_in", "{st}");
    let before = events_for(&id).len();
    assert_eq!(browse(&id, 3).unwrap_err()["kind"], "sign_in_required");
    wait_for("session-changed after an expired token", || {
        events_for(&id).len() > before
    });
    assert_eq!(events_for(&id).last().unwrap()["state"], "needs_sign_in");

    // Signing in again: signed in, and the event says so.
    let st = t.ok(
        "session_sign_in",
        json!({ "instanceId": id, "differentUser": false }),
    );
    assert_eq!(st["state"], "signed_in", "{st}");
    assert!(browse(&id, 4).is_ok());
    assert_eq!(
        t.ok("session_status", json!({ "instanceId": id }))["state"],
        "signed_in"
    );
    wait_for("session-changed after signing in again", || {
        events_for(&id)
            .last()
            .is_some_and(|e| e["state"] == "signed_in")
    });

    // Basic: a password the server refuses at browse time.
    let b = t.add(json!({"name": "Wrong", "password": "wrong-password"}));
    let bid = b["id"].as_str().unwrap().to_owned();
    assert_eq!(browse(&bid, 5).unwrap_err()["kind"], "invalid_credentials");
    wait_for("session-changed after a refused password", || {
        !events_for(&bid).is_empty()
    });
    assert_eq!(events_for(&bid).last().unwrap()["state"], "needs_sign_in");

    // Other failures (not found, network…) say nothing about the sign-in.
    let n = changed.lock().unwrap().len();
    assert!(t
        .raw("browse_get", json!({"request": {"requestId": "rs6", "instanceId": id, "path": "https://elsewhere.example/api/me", "query": []}}))
        .is_err());
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(changed.lock().unwrap().len(), n);
    t.assert_no_secrets(&secrets());
}

/// Two callers building an instance's session at once (a status check racing a sign-in) must
/// end up with the same OAuth2 provider; otherwise the one that signed in is replaced by one
/// that never saw the token, and the app reports "signed out" right after signing in.
/// (The race needs the keyring's blocking calls to interleave the two builds: `make test` runs
/// these tests a second time inside the keyring harness, where this fails without the fix.)
#[test]
fn concurrent_session_builds_share_one_provider() {
    use tauri::Manager;
    let t = TestApp::new();
    let id = oauth_instance(&t, "Race", "confidential", "loopback");
    let state = t.app.state::<dhis2w_desktop_lib::state::AppState>();
    let (a, b) = tauri::async_runtime::block_on(async {
        tokio::join!(state.session(&id), state.session(&id))
    });
    let (a, b) = (a.unwrap(), b.unwrap());
    let later = tauri::async_runtime::block_on(state.session(&id)).unwrap();
    let (a, b, later) = (
        a.oauth2.expect("oauth2 provider"),
        b.oauth2.expect("oauth2 provider"),
        later.oauth2.expect("oauth2 provider"),
    );
    assert!(Arc::ptr_eq(&a, &b), "both callers must share one provider");
    assert!(
        Arc::ptr_eq(&a, &later),
        "the stored session is the one handed out"
    );
}

#[test]
fn an_instance_added_by_another_program_appears_without_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    let opts = |o: &mut dhis2w_desktop_lib::Options| o.config_dir = Some(config.clone());
    let t = TestApp::with(opts);
    t.add(json!({ "name": "In the app" }));
    // The dhis2w CLI writes the same file through the core's ProfileStore.
    let mut other =
        dhis2w_client::ProfileStore::open(config.join(dhis2w_client::profile::FILE_NAME)).unwrap();
    let mut input = dhis2w_client::InstanceInput::new(
        "From the CLI",
        "https://cli.example.org",
        dhis2w_client::AuthKind::Pat,
    );
    input.username = None;
    other.add(&input).unwrap();
    let st = t.ok("instances_list", json!({}));
    let names: Vec<&str> = st["instances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["In the app", "From the CLI"], "{st}");
}

#[test]
fn refresh_now_renews_a_browser_sign_in_with_its_refresh_token() {
    let t = TestApp::new();
    let id = oauth_instance(&t, "Renew", "confidential", "loopback");
    let basic = t.add(json!({ "name": "Not a browser sign-in" }));
    t.err(
        "session_refresh_now",
        json!({ "instanceId": basic["id"] }),
        "invalid_input",
    );
    let st = t.ok(
        "session_sign_in",
        json!({ "instanceId": id, "differentUser": false }),
    );
    assert_eq!(st["state"], "signed_in", "{st}");
    let before = stored_access_token(&t, &id);
    let st = t.ok("session_refresh_now", json!({ "instanceId": id }));
    assert_eq!(st["state"], "signed_in", "{st}");
    let after = stored_access_token(&t, &id);
    assert_ne!(before, after, "a new access token is stored");
    let bytes = t
        .raw("browse_get", json!({"request": {"requestId": "r1", "instanceId": id, "path": "/api/me", "query": []}}))
        .unwrap();
    assert_eq!(unframe(&bytes).0["status"], 200);
}

#[test]
fn the_apps_own_lookups_stay_out_of_the_history() {
    let t = TestApp::new();
    let inst = t.add(json!({}));
    let id = inst["id"].as_str().unwrap();
    let get = |path: &str, record: Value| {
        let mut request = json!({"requestId": "h", "instanceId": id, "path": path, "query": []});
        if !record.is_null() {
            request["record"] = record;
        }
        let bytes = t.raw("browse_get", json!({ "request": request })).unwrap();
        assert_eq!(unframe(&bytes).0["status"], 200);
    };
    get("/api/organisationUnitLevels", json!(false));
    get("/api/me", Value::Null);
    let history = t.ok("browse_history", json!({ "instanceId": id }));
    let paths: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["/api/me"], "{history}");
}

/// "Copy diagnostics" (issue 14): versions, storage and instance counts, never a secret or an
/// instance's address.
#[test]
fn diagnostics_hold_versions_and_counts_never_a_secret() {
    let t = TestApp::new();
    t.add(json!({}));
    let text = t.ok("app_diagnostics", json!({}));
    let text = text.as_str().unwrap();
    assert!(text.starts_with("dhis2w Desktop "), "{text}");
    assert!(text.contains("Instances: 1 (basic 1)"), "{text}");
    assert!(text.contains("Secret storage: "), "{text}");
    assert!(!text.contains(&standin().base), "no address: {text}");
    t.assert_no_secrets(&secrets());
    assert_eq!(t.ok("app_detailed_log", json!({})), json!(false));
}

/// The UI's language reaches the core for the sign-in pages in the browser (issue 14).
#[test]
fn the_ui_language_reaches_the_sign_in_pages() {
    let t = TestApp::new();
    assert_eq!(
        t.ok("app_set_language", json!({ "lang": "pt" })),
        Value::Null
    );
    t.err("app_set_language", json!({ "lang": "xx" }), "invalid_input");
    assert_eq!(
        t.ok("app_set_language", json!({ "lang": "en" })),
        Value::Null
    );
}
