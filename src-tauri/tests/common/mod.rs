//! Shared helpers of the shell's tests: a DHIS2 stand-in per test binary, a mock-runtime app
//! with isolated config/data dirs and session-only secrets, and IPC calls that record every
//! response so tests can assert no secret crossed to the webview.
#![allow(dead_code)]

use dhis2w_desktop_lib::{Options, SecretMode};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use tauri::ipc::{CallbackFn, InvokeBody, InvokeResponseBody};
use tauri::test::{mock_builder, mock_context, noop_assets, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::{App, Manager, WebviewWindow, WebviewWindowBuilder};

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .unwrap()
}

/// The DHIS2 stand-in shared by the tests of one binary. It is started through `sh`, which
/// kills it when this test process ends (its stdin closes).
pub struct StandIn {
    pub base: String,
    pub fixtures: Value,
}

impl StandIn {
    pub fn fx(&self, pointer: &str) -> String {
        self.fixtures
            .pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("fixture {pointer} missing"))
            .to_owned()
    }

    /// POST to the stand-in's control API.
    pub fn control(&self, path: &str, body: &str) {
        let st = Command::new("curl")
            .args([
                "-sf",
                "-o",
                "/dev/null",
                "-X",
                "POST",
                "-H",
                "content-type: application/json",
            ])
            .args(["-d", body, &format!("{}/__standin/{path}", self.base)])
            .status()
            .unwrap();
        assert!(st.success(), "control {path}");
    }
}

pub fn standin() -> &'static StandIn {
    static S: OnceLock<StandIn> = OnceLock::new();
    S.get_or_init(|| {
        let dir = repo_root().join("tests/dhis2-standin");
        assert!(
            dir.join("node_modules").is_dir(),
            "run `npm ci --prefix tests/dhis2-standin` first"
        );
        let script = format!(
            "node '{}' --port 0 & pid=$!; cat >/dev/null; kill $pid",
            dir.join("server.mjs").display()
        );
        let mut child = Command::new("sh")
            .args(["-c", &script])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("sh + node");
        // Keep stdin open for the life of the process: leak it.
        std::mem::forget(child.stdin.take());
        let mut reader = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        let base = loop {
            line.clear();
            assert!(reader.read_line(&mut line).unwrap() > 0, "stand-in exited");
            if let Some(u) = line.trim().strip_prefix("DHIS2_STANDIN_URL=") {
                break u.to_owned();
            }
        };
        std::mem::forget(child);
        let out = Command::new("curl")
            .args(["-sf", &format!("{base}/__standin/fixtures")])
            .output()
            .unwrap();
        let fixtures: Value = serde_json::from_slice(&out.stdout).expect("fixtures");
        StandIn { base, fixtures }
    })
}

/// Every secret of the stand-in's fixtures (passwords, PATs, client secrets).
pub fn fixture_secrets(s: &StandIn) -> Vec<String> {
    let mut out = vec![];
    fn walk(v: &Value, key: &str, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                for (k, v) in m {
                    walk(v, k, out);
                }
            }
            Value::String(s) => {
                let k = key.to_ascii_lowercase();
                if (k.contains("password") || k.contains("secret") || k.contains("token"))
                    && s.len() >= 6
                {
                    out.push(s.clone());
                }
            }
            _ => {}
        }
    }
    walk(&s.fixtures, "", &mut out);
    if let Some(pats) = s.fixtures.get("pats").and_then(Value::as_object) {
        for v in pats.values() {
            if let Some(t) = v.as_str().filter(|t| t.starts_with("d2p")) {
                out.push(t.to_owned());
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// A mock-runtime app with isolated dirs and session-only secrets (keyring secrets inside
/// `keyring-session.sh`).
pub struct TestApp {
    pub app: App<MockRuntime>,
    pub caller: Caller,
    pub dir: tempfile::TempDir,
}

impl std::ops::Deref for TestApp {
    type Target = Caller;
    fn deref(&self) -> &Caller {
        &self.caller
    }
}

/// Calls commands through the webview's IPC; cheap to clone into other threads.
#[derive(Clone)]
pub struct Caller {
    pub webview: WebviewWindow<MockRuntime>,
    /// Every response, error and event payload the webview got, as text.
    pub seen: Arc<Mutex<Vec<String>>>,
    /// The bodies of `browse_get` frames (the server's data), scanned for the long secrets.
    pub bodies: Arc<Mutex<Vec<String>>>,
}

/// True when the tests run inside `tests/harness/keyring-session.sh` (a real, unlocked,
/// throw-away Secret Service): secrets then go to the keyring, under a per-test service name.
pub fn keyring_session() -> bool {
    std::env::var("DHIS2W_KEYRING_SESSION").as_deref() == Ok("1")
}

pub fn options_in(dir: &Path) -> Options {
    let secrets = if keyring_session() {
        let tag = dir.file_name().unwrap().to_string_lossy().replace('.', "-");
        SecretMode::KeyringService(format!("org.dhis2w.desktop.test.{tag}"))
    } else {
        SecretMode::SessionOnly
    };
    Options {
        config_dir: Some(dir.join("config")),
        data_dir: Some(dir.join("data")),
        secrets,
        presets: None,
        test_browser: Some(repo_root().join("src-tauri/tests/fake-browser.sh")),
        test_save_path: None,
        bench_floor: false,
    }
}

impl TestApp {
    pub fn new() -> Self {
        Self::with(|_| {})
    }

    pub fn with(tweak: impl FnOnce(&mut Options)) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut options = options_in(dir.path());
        tweak(&mut options);
        let app = dhis2w_desktop_lib::with_commands(mock_builder(), options.clone())
            .build(mock_context(noop_assets()))
            .unwrap();
        dhis2w_desktop_lib::init(app.handle(), options).unwrap();
        let webview = WebviewWindowBuilder::new(&app, "main", Default::default())
            .build()
            .unwrap();
        Self {
            app,
            caller: Caller::new(webview),
            dir,
        }
    }

    pub fn state(&self) -> tauri::State<'_, dhis2w_desktop_lib::state::AppState> {
        self.app.state()
    }

    /// Adds an instance from JSON overrides on a Basic admin instance.
    pub fn add(&self, overrides: Value) -> Value {
        let mut input = basic_input(standin());
        merge(&mut input, overrides);
        self.ok("instances_add", json!({ "input": input }))
    }
}

impl Caller {
    /// Calls through `webview`, with nothing seen yet.
    pub fn new(webview: WebviewWindow<MockRuntime>) -> Self {
        use tauri::Listener;
        let seen: Arc<Mutex<Vec<String>>> = Arc::default();
        // Every event the app emits reaches the webview too: record their payloads.
        for name in dhis2w_desktop_lib::dto::events::ALL {
            let seen = seen.clone();
            webview.listen_any(*name, move |e| {
                seen.lock()
                    .unwrap()
                    .push(format!("event {name}: {}", e.payload()));
            });
        }
        Self {
            webview,
            seen,
            bodies: Arc::default(),
        }
    }

    fn request(&self, cmd: &str, args: Value) -> Result<InvokeResponseBody, Value> {
        tauri::test::get_ipc_response(
            &self.webview,
            InvokeRequest {
                cmd: cmd.into(),
                callback: CallbackFn(0),
                error: CallbackFn(1),
                url: "tauri://localhost".parse().unwrap(),
                body: InvokeBody::Json(args),
                headers: Default::default(),
                invoke_key: INVOKE_KEY.to_string(),
            },
        )
    }

    /// Calls `cmd`; JSON result or the `{kind, message}` error.
    pub fn call(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        let r = self.request(cmd, args).map(|b| match b {
            InvokeResponseBody::Json(s) => serde_json::from_str(&s).unwrap(),
            InvokeResponseBody::Raw(bytes) => {
                Value::String(String::from_utf8_lossy(&bytes).into_owned())
            }
        });
        let text = match &r {
            Ok(v) | Err(v) => v.to_string(),
        };
        self.seen.lock().unwrap().push(format!("{cmd}: {text}"));
        r
    }

    pub fn ok(&self, cmd: &str, args: Value) -> Value {
        self.call(cmd, args)
            .unwrap_or_else(|e| panic!("{cmd} failed: {e}"))
    }

    /// Calls `cmd` and expects an error of `kind`.
    pub fn err(&self, cmd: &str, args: Value, kind: &str) -> Value {
        match self.call(cmd, args) {
            Ok(v) => panic!("{cmd} succeeded but {kind} was expected: {v}"),
            Err(e) => {
                assert_eq!(e["kind"], kind, "{cmd}: {e}");
                assert!(
                    e["message"].as_str().is_some_and(|m| !m.is_empty()),
                    "{cmd}: {e}"
                );
                e
            }
        }
    }

    /// `browse_get` raw bytes.
    pub fn raw(&self, cmd: &str, args: Value) -> Result<Vec<u8>, Value> {
        let r = self.request(cmd, args).map(|b| match b {
            InvokeResponseBody::Raw(bytes) => bytes,
            InvokeResponseBody::Json(s) => s.into_bytes(),
        });
        // browse_take answers a body alone, without the frame.
        if cmd == "browse_take" {
            self.seen.lock().unwrap().push(format!("{cmd}: …"));
            return r;
        }
        // Only the meta is recorded: bodies are the server's data (org unit names may
        // contain any word), not something the app could leak.
        if let Ok(b) = &r {
            if b.len() >= 4 {
                let body = unframe(b).1;
                let keep = body.len().min(8 * 1024 * 1024);
                self.bodies
                    .lock()
                    .unwrap()
                    .push(String::from_utf8_lossy(&body[..keep]).into_owned());
            }
        }
        let text = match &r {
            Ok(b) if b.len() >= 4 => unframe(b).0.to_string(),
            Ok(b) => String::from_utf8_lossy(b).into_owned(),
            Err(v) => v.to_string(),
        };
        self.seen.lock().unwrap().push(format!("{cmd}: {text}"));
        r
    }

    /// Asserts that no response, error or event payload so far contains any of `secrets` (or
    /// their base64 forms), and no `browse_get` body holds a long one (a body is the server's
    /// data, where a short password like "district" may be an ordinary word).
    pub fn assert_no_secrets(&self, secrets: &[String]) {
        let seen = self.seen.lock().unwrap();
        assert!(!seen.is_empty());
        let bodies = self.bodies.lock().unwrap();
        for s in secrets {
            for form in dhis2w_client::leak_scan::encoded_forms(s) {
                for r in seen.iter() {
                    assert!(
                        !r.contains(form.as_str()),
                        "a secret crossed to the webview in {}",
                        &r[..r.len().min(300)]
                    );
                }
                if form.len() >= 12 {
                    for b in bodies.iter() {
                        assert!(
                            !b.contains(form.as_str()),
                            "a secret is in a browse_get body frame"
                        );
                    }
                }
            }
        }
    }

    /// How many event payloads were recorded (tests check the scan saw them).
    pub fn events_seen(&self) -> usize {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.starts_with("event "))
            .count()
    }
}

pub fn merge(a: &mut Value, b: Value) {
    if let (Value::Object(a), Value::Object(b)) = (a, b) {
        for (k, v) in b {
            a.insert(k, v);
        }
    }
}

pub fn basic_input(s: &StandIn) -> Value {
    json!({
        "name": "Local admin",
        "baseUrl": s.base,
        "authKind": "basic",
        "username": s.fx("/users/admin/username"),
        "oauth2": null,
        "caCertPath": null,
        "color": "#2C6693",
        "notes": null,
        "password": s.fx("/users/admin/password"),
        "pat": null,
        "clientSecret": null,
    })
}

/// Splits a `browse_get` payload into meta and body.
/// A plain HTTP/1.1 GET of a loopback address: the status and the body.
pub fn http_get(url: &str) -> (u16, Vec<u8>) {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_at(rest.find('/').unwrap());
    let mut conn = std::net::TcpStream::connect(host).unwrap();
    write!(
        conn,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    conn.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&raw[..split]);
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    (status, raw[split + 4..].to_vec())
}

pub fn unframe(bytes: &[u8]) -> (Value, Vec<u8>) {
    let len = bytes.len();
    let n = u32::from_be_bytes(bytes[len - 4..].try_into().unwrap()) as usize;
    let meta: Value = serde_json::from_slice(&bytes[len - 4 - n..len - 4]).unwrap();
    (meta, bytes[..len - 4 - n].to_vec())
}

pub fn wait_for(what: &str, mut f: impl FnMut() -> bool) {
    for _ in 0..200 {
        if f() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("timed out waiting for {what}");
}
