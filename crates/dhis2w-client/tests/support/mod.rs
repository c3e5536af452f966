//! Shared integration-test helpers: start the DHIS2 stand-in (Node) and act as the user's
//! browser for the OAuth2 flow.
//!
//! Use from a test file with `mod support;`. The stand-in needs
//! `npm ci --prefix tests/dhis2-standin` once.
#![allow(dead_code)]

use dhis2w_client::capture::DeepLinkHandle;
use dhis2w_client::{BrowserOpener, Result as CoreResult};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use url::Url;

/// The repository root (two levels above this crate).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repo root")
}

/// A running stand-in; killed when dropped.
pub struct StandIn {
    /// The printed base URL (includes any context path), e.g. `http://127.0.0.1:41234/dhis`.
    pub base: String,
    /// `GET /__standin/fixtures`.
    pub fixtures: Value,
    /// A plain client for control calls.
    pub http: reqwest::Client,
    child: Child,
}

impl StandIn {
    /// Starts `node tests/dhis2-standin/server.mjs --port 0 <args>` and waits for its URL.
    pub async fn start(args: &[&str]) -> StandIn {
        let dir = repo_root().join("tests/dhis2-standin");
        assert!(
            dir.join("node_modules").is_dir(),
            "{} is missing: run `npm ci --prefix tests/dhis2-standin` first",
            dir.join("node_modules").display()
        );
        let mut child = Command::new("node")
            .arg(dir.join("server.mjs"))
            .args(["--port", "0"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("could not run `node` (Node.js 20+ is needed for the DHIS2 stand-in)");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            let mut sent = false;
            loop {
                line.clear();
                match reader.read_line(&mut line) {
                    Ok(0) | Err(_) => {
                        if !sent {
                            let _ = tx.send(None);
                        }
                        return;
                    }
                    Ok(_) => {
                        if let Some(u) = line.trim().strip_prefix("DHIS2_STANDIN_URL=") {
                            if !sent {
                                let _ = tx.send(Some(u.to_owned()));
                                sent = true;
                            }
                        }
                    }
                }
            }
        });
        let base = match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(Some(u)) => u,
            other => {
                let _ = child.kill();
                panic!("the DHIS2 stand-in did not print DHIS2_STANDIN_URL= ({other:?}); args {args:?}");
            }
        };
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let fixtures: Value = http
            .get(format!("{base}/__standin/fixtures"))
            .send()
            .await
            .expect("fixtures")
            .json()
            .await
            .expect("fixtures json");
        StandIn {
            base,
            fixtures,
            http,
            child,
        }
    }

    /// `host:port` of the base URL.
    pub fn host_port(&self) -> String {
        let u = Url::parse(&self.base).unwrap();
        format!("{}:{}", u.host_str().unwrap(), u.port().unwrap())
    }

    /// A fixture string by JSON pointer, e.g. `/users/admin/password`.
    pub fn fx(&self, pointer: &str) -> String {
        self.fixtures
            .pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("fixture {pointer} missing in {}", self.fixtures))
            .to_owned()
    }

    async fn control(&self, method: reqwest::Method, what: &str, body: Option<Value>) -> Value {
        let mut req = self
            .http
            .request(method, format!("{}/__standin/{what}", self.base));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("control call");
        let text = resp.text().await.unwrap_or_default();
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    /// `POST /__standin/faults`.
    pub async fn set_faults(&self, faults: Value) {
        self.control(reqwest::Method::POST, "faults", Some(faults))
            .await;
    }

    /// `DELETE /__standin/faults`.
    pub async fn clear_faults(&self) {
        self.control(reqwest::Method::DELETE, "faults", None).await;
    }

    /// `POST /__standin/expire-tokens`.
    pub async fn expire_tokens(&self) {
        self.control(reqwest::Method::POST, "expire-tokens", Some(json!({})))
            .await;
    }

    /// `POST /__standin/rotate-key`.
    pub async fn rotate_key(&self) {
        self.control(reqwest::Method::POST, "rotate-key", Some(json!({})))
            .await;
    }

    /// `GET /__standin/requests` → the `requests` array.
    pub async fn requests(&self) -> Vec<Value> {
        let v = self.control(reqwest::Method::GET, "requests", None).await;
        v["requests"].as_array().cloned().unwrap_or_default()
    }

    /// `DELETE /__standin/requests`.
    pub async fn clear_requests(&self) {
        self.control(reqwest::Method::DELETE, "requests", None)
            .await;
    }

    /// Number of `POST …/oauth2/token` requests with this grant type.
    pub async fn token_posts(&self, grant: &str) -> usize {
        self.requests()
            .await
            .iter()
            .filter(|r| {
                r["method"] == "POST"
                    && r["path"].as_str().unwrap_or("").ends_with("/oauth2/token")
                    && r["grantType"] == grant
            })
            .count()
    }

    /// `POST /__standin/token-status`.
    pub async fn token_status(&self, token: &str) -> Value {
        self.control(
            reqwest::Method::POST,
            "token-status",
            Some(json!({ "token": token })),
        )
        .await
    }
}

impl Drop for StandIn {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Where the test browser sends the final redirect.
#[derive(Clone)]
pub enum Deliver {
    /// GET it (the loopback capturer answers).
    Loopback,
    /// Hand it to a deep-link capturer.
    DeepLink(DeepLinkHandle),
    /// Drop it (timeout and cancel tests).
    Nowhere,
}

/// How the test browser behaves.
#[derive(Clone)]
pub struct BrowserScript {
    pub username: String,
    pub password: String,
    /// Approve (true) or cancel (false) on the consent page.
    pub approve: bool,
    /// Scopes to untick on the consent page.
    pub untick: Vec<String>,
    /// First deliver the callback with a wrong `state`, then the real one.
    pub wrong_state_first: bool,
    /// Send stray requests (favicon, other paths, no/wrong state, POST, an idle connection)
    /// to the loopback receiver before the real callback.
    pub strays: bool,
    pub deliver: Deliver,
}

impl BrowserScript {
    pub fn new(username: &str, password: &str) -> Self {
        Self {
            username: username.into(),
            password: password.into(),
            approve: true,
            untick: vec![],
            wrong_state_first: false,
            strays: false,
            deliver: Deliver::Loopback,
        }
    }
}

/// What the test browser saw.
#[derive(Debug, Clone, Default)]
pub struct BrowserOutcome {
    /// The authorize URL it was asked to open.
    pub authorize_url: String,
    /// The final redirect to the app (carries `code` or `error`, and `state`).
    pub callback_url: String,
    pub saw_login: bool,
    pub saw_consent: bool,
    /// Status and body of the real callback delivered to a loopback receiver.
    pub callback_status: Option<u16>,
    pub callback_body: String,
    /// Statuses of stray and wrong-state requests, in order.
    pub stray_statuses: Vec<u16>,
    /// When the real callback was sent to a loopback receiver (the sign-in benchmark's start).
    pub delivered_at: Option<std::time::Instant>,
}

type DriverTask = tokio::task::JoinHandle<Result<BrowserOutcome, String>>;

/// A [`BrowserOpener`] that walks the stand-in's login and consent pages over HTTP with a
/// cookie jar and no automatic redirects, then delivers the final redirect.
#[derive(Clone)]
pub struct TestBrowser {
    script: BrowserScript,
    task: Arc<Mutex<Option<DriverTask>>>,
    /// Every URL it was asked to open, in order.
    pub opened: Arc<Mutex<Vec<String>>>,
}

impl TestBrowser {
    pub fn new(script: BrowserScript) -> Self {
        Self {
            script,
            task: Arc::new(Mutex::new(None)),
            opened: Arc::new(Mutex::new(vec![])),
        }
    }

    /// The last driver once it has finished (it is taken), else `None`.
    pub fn task_done(&self) -> Option<DriverTask> {
        let mut t = self.task.lock().unwrap();
        if t.as_ref().is_some_and(|h| h.is_finished()) {
            t.take()
        } else {
            None
        }
    }

    /// Waits for the last driver and returns its result (an `Err` names the page it stopped at).
    pub async fn task_result(&self) -> Result<BrowserOutcome, String> {
        let handle = self
            .task
            .lock()
            .unwrap()
            .take()
            .expect("the browser was never opened");
        handle.await.expect("driver panicked")
    }

    /// Waits for the driver and returns what it saw.
    pub async fn outcome(&self) -> BrowserOutcome {
        self.task_result().await.expect("driver failed")
    }
}

#[async_trait::async_trait]
impl BrowserOpener for TestBrowser {
    async fn open(&self, url: &str) -> CoreResult<()> {
        let script = self.script.clone();
        let url = url.to_owned();
        self.opened.lock().unwrap().push(url.clone());
        *self.task.lock().unwrap() = Some(tokio::spawn(drive(url, script)));
        Ok(())
    }
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let needle = format!(" {name}=\"");
    let start = tag.find(&needle)? + needle.len();
    let end = tag[start..].find('"')? + start;
    Some(
        tag[start..end]
            .replace("&amp;", "&")
            .replace("&quot;", "\"")
            .replace("&#x2F;", "/")
            .replace("&#39;", "'"),
    )
}

fn tags<'a>(html: &'a str, tag: &str) -> Vec<&'a str> {
    let mut out = vec![];
    let open = format!("<{tag}");
    let mut rest = html;
    while let Some(i) = rest.find(&open) {
        let after = &rest[i..];
        let end = after.find('>').unwrap_or(after.len());
        out.push(&after[..end]);
        rest = &after[end..];
    }
    out
}

async fn drive(authorize_url: String, script: BrowserScript) -> Result<BrowserOutcome, String> {
    let jar = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let start = Url::parse(&authorize_url).map_err(|e| e.to_string())?;
    let redirect_uri = start
        .query_pairs()
        // The code flow's `redirect_uri`, or a device enrolment's `redirectUri`.
        .find(|(k, _)| k == "redirect_uri" || k == "redirectUri")
        .map(|(_, v)| v.into_owned())
        .ok_or("no redirect_uri")?;
    let mut out = BrowserOutcome {
        authorize_url: authorize_url.clone(),
        ..Default::default()
    };
    let mut current = start.clone();
    let mut resp = jar
        .get(current.clone())
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let callback = 'walk: {
        for _ in 0..25 {
            let status = resp.status();
            if status.is_redirection() {
                let loc = resp
                    .headers()
                    .get("location")
                    .and_then(|v| v.to_str().ok())
                    .ok_or("redirect without location")?;
                let next = current.join(loc).map_err(|e| e.to_string())?;
                if next.as_str().starts_with(&redirect_uri) {
                    break 'walk next;
                }
                current = next;
                resp = jar
                    .get(current.clone())
                    .send()
                    .await
                    .map_err(|e| e.to_string())?;
                continue;
            }
            let body = resp.text().await.map_err(|e| e.to_string())?;
            if status != 200 {
                return Err(format!("HTTP {status} at {current}: {body}"));
            }
            let form = tags(&body, "form")
                .into_iter()
                .next()
                .ok_or("page without a form")?;
            let action = current
                .join(&attr(form, "action").ok_or("form without action")?)
                .map_err(|e| e.to_string())?;
            let mut fields: Vec<(String, String)> = vec![];
            if body.contains("id=\"submit-consent\"") {
                out.saw_consent = true;
                for input in tags(&body, "input") {
                    let (Some(name), value) = (attr(input, "name"), attr(input, "value")) else {
                        continue;
                    };
                    let value = value.unwrap_or_default();
                    if input.contains("type=\"checkbox\"") {
                        if !script.untick.contains(&value) {
                            fields.push((name, value));
                        }
                    } else {
                        fields.push((name, value));
                    }
                }
                fields.push((
                    "action".into(),
                    if script.approve { "approve" } else { "cancel" }.into(),
                ));
            } else if body.contains("id=\"password\"") {
                if out.saw_login {
                    return Err(format!("login failed: {body}"));
                }
                out.saw_login = true;
                fields.push(("username".into(), script.username.clone()));
                fields.push(("password".into(), script.password.clone()));
            } else {
                return Err(format!("unexpected page at {current}: {body}"));
            }
            current = action;
            resp = jar
                .post(current.clone())
                .form(&fields)
                .send()
                .await
                .map_err(|e| e.to_string())?;
        }
        return Err("too many hops".into());
    };
    out.callback_url = callback.to_string();
    let plain = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let with_state = |state: &str| {
        let mut u = callback.clone();
        let pairs: Vec<(String, String)> = callback
            .query_pairs()
            .map(|(k, v)| {
                if k == "state" {
                    (k.into_owned(), state.to_owned())
                } else {
                    (k.into_owned(), v.into_owned())
                }
            })
            .collect();
        u.query_pairs_mut().clear().extend_pairs(pairs);
        u
    };
    match &script.deliver {
        Deliver::Nowhere => {}
        Deliver::DeepLink(handle) => {
            // Junk first: another scheme, another path, a wrong state.
            handle.deliver("https://example.org/oauth2/callback?code=x&state=y");
            handle.deliver("org.dhis2w.desktop:/elsewhere?code=x&state=y");
            if script.wrong_state_first {
                handle.deliver(with_state("not-the-state").as_str());
            }
            assert!(handle.deliver(callback.as_str()), "deep link refused");
        }
        Deliver::Loopback => {
            let origin = format!(
                "http://{}:{}",
                callback.host_str().unwrap(),
                callback.port().unwrap()
            );
            // An idle second connection, like a browser's speculative one.
            let _idle = tokio::net::TcpStream::connect(format!(
                "{}:{}",
                callback.host_str().unwrap(),
                callback.port().unwrap()
            ))
            .await
            .map_err(|e| e.to_string())?;
            if script.strays {
                for u in [
                    format!("{origin}/favicon.ico"),
                    format!("{origin}/"),
                    format!("{origin}/oauth2/callback"),
                    format!("{origin}/oauth2/callback?code=stolen"),
                    format!("{origin}/other?{}", callback.query().unwrap_or("")),
                ] {
                    let s = plain.get(&u).send().await.map_err(|e| e.to_string())?;
                    out.stray_statuses.push(s.status().as_u16());
                }
                let s = plain
                    .post(callback.clone())
                    .send()
                    .await
                    .map_err(|e| e.to_string())?;
                out.stray_statuses.push(s.status().as_u16());
            }
            if script.wrong_state_first {
                let s = plain
                    .get(with_state("not-the-state"))
                    .send()
                    .await
                    .map_err(|e| e.to_string())?;
                out.stray_statuses.push(s.status().as_u16());
            }
            out.delivered_at = Some(std::time::Instant::now());
            let r = plain
                .get(callback.clone())
                .send()
                .await
                .map_err(|e| e.to_string())?;
            out.callback_status = Some(r.status().as_u16());
            out.callback_body = r.text().await.unwrap_or_default();
        }
    }
    Ok(out)
}
