//! Harness for the dhis2w Desktop end-to-end suite.
//!
//! Each scenario gets:
//! - its own DHIS2 stand-in ([`StandIn`]), a Node process killed on drop;
//! - its own temporary directories ([`TestEnv`]): the app's config and data, XDG dirs, the test
//!   browser's control file and log, kept on failure for debugging;
//! - one or more app launches ([`App`]): a private `tauri-driver` on a free port pair (its own
//!   process group, killed on drop), which makes WebKitWebDriver start `target/debug/dhis2w-desktop`
//!   with the scenario's environment, and a fantoccini session on it.
//!
//! The suite expects to run inside `dbus-run-session` + `tests/harness/keyring-session.sh` +
//! `tests/harness/xvfb.sh` (see tests/e2e/README.md), serially (`--test-threads=1`), because
//! single-instance owns one D-Bus name per session bus.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, ensure, Context, Result};
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

pub mod leaks;
pub mod procs;
pub mod ui;
pub mod watchdog;

/// The service name the app stores its secrets under (Secret Service attribute `service`).
pub const KEYRING_SERVICE: &str = "org.dhis2w.desktop";

/// The repository root (tests/e2e/../..).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repo root")
}

/// The app binary under test: `$DHIS2W_E2E_APP`, else `$CARGO_TARGET_DIR/debug/dhis2w-desktop`,
/// else `target/debug/dhis2w-desktop`.
pub fn app_binary() -> PathBuf {
    if let Ok(p) = std::env::var("DHIS2W_E2E_APP") {
        return PathBuf::from(p);
    }
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| repo_root().join("target"));
    let target = if target.is_absolute() {
        target
    } else {
        repo_root().join(target)
    };
    target.join("debug/dhis2w-desktop")
}

pub fn screenshot_dir() -> PathBuf {
    let d = repo_root().join("target/e2e-screenshots");
    std::fs::create_dir_all(&d).ok();
    d
}

/// Fails early, with the command to use, when the suite is not run inside its harness.
pub fn check_environment() -> Result<()> {
    let mut missing = vec![];
    if std::env::var_os("DISPLAY").is_none() {
        missing.push("DISPLAY (run under tests/harness/xvfb.sh)");
    }
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
        missing.push("DBUS_SESSION_BUS_ADDRESS (run under dbus-run-session)");
    }
    if which("tauri-driver").is_none() {
        missing.push("tauri-driver on PATH (cargo install tauri-driver --version '^2' --locked)");
    }
    if !app_binary().exists() {
        missing.push("the app binary (npm ci --prefix ui && npm run build --prefix ui && cargo build -p dhis2w-desktop)");
    }
    if !repo_root()
        .join("tests/e2e/node_modules/playwright-core")
        .exists()
    {
        missing.push("tests/e2e/node_modules (npm ci --prefix tests/e2e)");
    }
    if !missing.is_empty() {
        bail!(
            "the E2E suite cannot run here; missing: {}.\nRun it as: dbus-run-session -- tests/harness/keyring-session.sh \
             tests/harness/xvfb.sh env DHIS2W_NO_REGISTER=1 cargo test -p dhis2w-e2e -- --test-threads=1",
            missing.join("; ")
        );
    }
    Ok(())
}

pub fn which(bin: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join(bin))
            .find(|p| p.is_file())
    })
}

/// A free TCP port on 127.0.0.1 (bound, then released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn port_open(port: u16) -> bool {
    TcpStream::connect_timeout(
        &SocketAddr::from(([127, 0, 0, 1], port)),
        Duration::from_millis(300),
    )
    .is_ok()
}

async fn wait_port(port: u16, timeout: Duration) -> Result<()> {
    let end = Instant::now() + timeout;
    while Instant::now() < end {
        if port_open(port) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    bail!("port {port} did not open within {timeout:?}")
}

/// Polls `f` until it returns `Ok(Some(v))`, or fails with the last error / `what` after `timeout`.
pub async fn poll<T, F, Fut>(what: &str, timeout: Duration, mut f: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<Option<T>>>,
{
    let end = Instant::now() + timeout;
    let mut last: Option<anyhow::Error> = None;
    loop {
        match f().await {
            Ok(Some(v)) => return Ok(v),
            Ok(None) => {}
            Err(e) => last = Some(e),
        }
        if Instant::now() >= end {
            return Err(match last {
                Some(e) => e.context(format!("timed out after {timeout:?} waiting for {what}")),
                None => anyhow!("timed out after {timeout:?} waiting for {what}"),
            });
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

// ---------------------------------------------------------------------------------------------
// The DHIS2 stand-in

pub struct StandIn {
    _child: Child,
    pub url: String,
    pub fixtures: Value,
    http: reqwest::Client,
    log_dir: PathBuf,
}

impl Drop for StandIn {
    /// Saves the stand-in's request log next to the scenario's other files (kept on failure) and
    /// notes every token it handed out for the final leak scan.
    fn drop(&mut self) {
        if let Some(body) = self.control_get("requests") {
            let _ = std::fs::write(self.log_dir.join("standin-requests.json"), body);
        }
        if let Some(issued) = self
            .control_get("issued")
            .and_then(|b| serde_json::from_str::<Value>(b.trim()).ok())
        {
            leaks::add_issued(&issued);
        }
    }
}

impl StandIn {
    /// `GET /__standin/<what>` over a plain blocking socket (usable in `drop`, outside async).
    fn control_get(&self, what: &str) -> Option<String> {
        use std::io::{Read, Write};
        let u = url::Url::parse(&self.url).ok()?;
        let addr = format!(
            "{}:{}",
            u.host_str().unwrap_or("127.0.0.1"),
            u.port().unwrap_or(80)
        );
        let mut s = TcpStream::connect(addr).ok()?;
        let _ = s.set_read_timeout(Some(Duration::from_secs(3)));
        write!(
            s,
            "GET {}/__standin/{what} HTTP/1.0\r\nHost: {}\r\nConnection: close\r\n\r\n",
            u.path().trim_end_matches('/'),
            u.host_str().unwrap_or("")
        )
        .ok()?;
        let mut buf = String::new();
        let _ = s.read_to_string(&mut buf);
        buf.split_once("\r\n\r\n").map(|(_, body)| body.to_owned())
    }
}

impl StandIn {
    /// Starts `node tests/dhis2-standin/server.mjs --port 0 <args>` and reads its fixtures.
    pub async fn start(args: &[&str], log_dir: &Path) -> Result<Self> {
        let root = repo_root();
        let log = std::fs::File::create(log_dir.join("standin.log"))?;
        let mut child = Command::new("node")
            .arg(root.join("tests/dhis2-standin/server.mjs"))
            .args(["--port", "0"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log))
            .kill_on_drop(true)
            .spawn()
            .context("starting the DHIS2 stand-in (node)")?;
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let url = tokio::time::timeout(Duration::from_secs(20), async {
            while let Some(line) = lines.next_line().await? {
                if let Some(u) = line.strip_prefix("DHIS2_STANDIN_URL=") {
                    return Ok::<_, anyhow::Error>(u.trim().to_string());
                }
            }
            bail!(
                "the stand-in exited before printing DHIS2_STANDIN_URL (see {})",
                log_dir.join("standin.log").display()
            )
        })
        .await
        .context("the stand-in did not start within 20 s")??;
        // Keep draining stdout so the stand-in never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()?;
        let fixtures: Value = http
            .get(format!("{url}/__standin/fixtures"))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        leaks::add_fixtures(&fixtures);
        Ok(Self {
            _child: child,
            url,
            fixtures,
            http,
            log_dir: log_dir.to_path_buf(),
        })
    }

    pub fn user(&self, key: &str) -> (String, String, String) {
        let u = &self.fixtures["users"][key];
        (
            u["username"].as_str().unwrap_or_default().to_string(),
            u["password"].as_str().unwrap_or_default().to_string(),
            u["displayName"].as_str().unwrap_or_default().to_string(),
        )
    }

    /// `GET path` on the stand-in as user `key` (HTTP Basic): what the server itself says.
    pub async fn api_get(&self, key: &str, path: &str) -> Result<Value> {
        let (u, p, _) = self.user(key);
        let r = self
            .http
            .get(format!("{}{path}", self.url))
            .basic_auth(u, Some(p))
            .send()
            .await?;
        ensure!(r.status().is_success(), "GET {path}: {}", r.status());
        Ok(r.json().await?)
    }

    /// The body of `GET path` as `key`, read to the end; for large answers (its own time limit,
    /// nothing parsed).
    pub async fn get_bytes(&self, key: &str, path: &str, timeout: Duration) -> Result<usize> {
        let (u, p, _) = self.user(key);
        let r = self
            .http
            .get(format!("{}{path}", self.url))
            .basic_auth(u, Some(p))
            .timeout(timeout)
            .send()
            .await?;
        ensure!(r.status().is_success(), "GET {path}: {}", r.status());
        Ok(r.bytes().await?.len())
    }

    pub fn pat(&self, key: &str) -> String {
        self.fixtures["pats"][key]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    pub fn client(&self, kind: &str) -> (String, Option<String>) {
        let c = &self.fixtures["clients"][kind];
        (
            c["clientId"].as_str().unwrap_or_default().to_string(),
            c["clientSecret"].as_str().map(String::from),
        )
    }

    /// The request log (`GET /__standin/requests`), as a list of entries.
    pub async fn requests(&self) -> Result<Vec<Value>> {
        let v: Value = self
            .http
            .get(format!("{}/__standin/requests", self.url))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        Ok(match v {
            Value::Array(a) => a,
            Value::Object(ref o) => o
                .get("requests")
                .and_then(|r| r.as_array())
                .cloned()
                .unwrap_or_default(),
            _ => vec![],
        })
    }

    /// Token-endpoint requests with the given grant type, from the request log.
    pub async fn token_grants(&self, grant_type: &str) -> Result<Vec<Value>> {
        Ok(self
            .requests()
            .await?
            .into_iter()
            .filter(|r| {
                r["path"]
                    .as_str()
                    .map(|p| p.contains("/oauth2/token"))
                    .unwrap_or(false)
                    && r["grantType"].as_str() == Some(grant_type)
            })
            .collect())
    }

    pub async fn token_status(&self, token: &str) -> Result<Value> {
        Ok(self
            .http
            .post(format!("{}/__standin/token-status", self.url))
            .json(&json!({ "token": token }))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?)
    }

    pub async fn post_control(&self, path: &str, body: Value) -> Result<Value> {
        let r = self
            .http
            .post(format!("{}{}", self.url, path))
            .json(&body)
            .send()
            .await?;
        let status = r.status();
        let text = r.text().await?;
        if !status.is_success() {
            bail!("POST {path}: HTTP {status}: {text}");
        }
        Ok(serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }
}

// ---------------------------------------------------------------------------------------------
// Per-scenario directories and environment

pub struct TestEnv {
    pub name: String,
    dir: Option<tempfile::TempDir>,
    pub root: PathBuf,
    shots: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    /// Stops the scenario's app if the scenario outlives its limit (see [`watchdog`]).
    _watchdog: watchdog::Watchdog,
}

impl TestEnv {
    pub fn new(name: &str) -> Result<Self> {
        leaks::mark_start();
        let dir = tempfile::Builder::new()
            .prefix(&format!("dhis2w-e2e-{name}-"))
            .tempdir()?;
        let root = dir.path().to_path_buf();
        for d in [
            "config",
            "data",
            "xdg-data",
            "xdg-config",
            "xdg-cache",
            "run",
        ] {
            std::fs::create_dir_all(root.join(d))?;
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(root.join("run"), std::fs::Permissions::from_mode(0o700))?;
        }
        // Old screenshots of this scenario would mislead: remove them.
        if let Ok(rd) = std::fs::read_dir(screenshot_dir()) {
            for e in rd.flatten() {
                if e.file_name()
                    .to_string_lossy()
                    .starts_with(&format!("{name}-"))
                {
                    let _ = std::fs::remove_file(e.path());
                }
            }
        }
        Ok(Self {
            name: name.to_string(),
            dir: Some(dir),
            root,
            shots: Default::default(),
            _watchdog: watchdog::Watchdog::start(name, watchdog::limit()),
        })
    }

    pub fn path(&self, p: &str) -> PathBuf {
        self.root.join(p)
    }

    pub fn browser_log(&self) -> PathBuf {
        self.path("test-browser.log")
    }

    fn write_browser_config(&self, cfg: Value) -> Result<()> {
        std::fs::write(
            self.path("test-browser.json"),
            serde_json::to_vec_pretty(&cfg)?,
        )?;
        Ok(())
    }

    /// Writes the test browser's control file (credentials, consent decision, action).
    pub fn set_browser(&self, user: &str, password: &str, action: &str) -> Result<()> {
        self.write_browser_config(
            json!({ "user": user, "password": password, "action": action,
            "consent": "approve", "releaseFile": self.path("browser-release").to_string_lossy() }),
        )?;
        let _ = std::fs::remove_file(self.path("browser-release"));
        Ok(())
    }

    /// Like [`Self::set_browser`], with one browser profile kept across launches: the browser
    /// stays signed in to DHIS2 between sign-ins, as a person's does. The profile is the test
    /// browser's, not the app's: it lives outside the folders the leak scan reads (what a
    /// person typed into DHIS2's login page is in it).
    pub fn set_browser_keeping_profile(&self, user: &str, password: &str) -> Result<PathBuf> {
        let profile = std::env::temp_dir().join(format!(
            "dhis2w-e2e-browser-{}-{}",
            self.name,
            std::process::id()
        ));
        self.write_browser_config(
            json!({ "user": user, "password": password, "action": "complete",
            "consent": "approve", "releaseFile": self.path("browser-release").to_string_lossy(),
            "profileDir": profile.to_string_lossy() }),
        )?;
        Ok(profile)
    }

    /// Like [`Self::set_browser`] with action "capture": the browser signs in and writes the
    /// app's deep link to the returned file instead of opening it.
    pub fn set_browser_capturing(&self, user: &str, password: &str) -> Result<PathBuf> {
        let file = self.path("captured-link.txt");
        self.write_browser_config(
            json!({ "user": user, "password": password, "action": "capture",
            "consent": "approve", "captureFile": file.to_string_lossy() }),
        )?;
        Ok(file)
    }

    /// Ends a test browser that is holding (action "hold").
    pub fn release_browser(&self) {
        let _ = std::fs::write(self.path("browser-release"), b"1");
    }

    /// The test browser's log, one JSON object per line.
    pub fn browser_events(&self) -> Vec<Value> {
        std::fs::read_to_string(self.browser_log())
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }

    pub fn browser_launches(&self) -> usize {
        self.browser_events()
            .iter()
            .filter(|e| e["event"] == "start")
            .count()
    }

    /// Waits until the test browser has logged an event named `event` after `skip` such events.
    pub async fn wait_browser_event(
        &self,
        event: &str,
        nth: usize,
        timeout: Duration,
    ) -> Result<Value> {
        poll(
            &format!("test browser event '{event}' #{nth}"),
            timeout,
            || async {
                let evs = self.browser_events();
                if let Some(err) = evs
                    .iter()
                    .find(|e| e["event"] == "error" || e["event"] == "timeout")
                {
                    bail!("the test browser failed: {err}");
                }
                Ok(evs.into_iter().filter(|e| e["event"] == event).nth(nth))
            },
        )
        .await
    }

    pub fn write_presets(&self, presets: &Value) -> Result<PathBuf> {
        let p = self.path("presets.json");
        std::fs::write(&p, serde_json::to_vec_pretty(presets)?)?;
        Ok(p)
    }

    /// The environment every app launch of this scenario gets.
    pub fn app_env(&self, register_deep_links: bool) -> Vec<(String, String)> {
        let s = |p: &str| self.path(p).to_string_lossy().into_owned();
        let mut env = vec![
            ("DHIS2W_CONFIG_DIR".into(), s("config")),
            ("DHIS2W_DATA_DIR".into(), s("data")),
            ("XDG_DATA_HOME".into(), s("xdg-data")),
            ("XDG_CONFIG_HOME".into(), s("xdg-config")),
            ("XDG_CACHE_HOME".into(), s("xdg-cache")),
            ("XDG_RUNTIME_DIR".into(), s("run")),
            (
                "DHIS2W_TEST_BROWSER".into(),
                repo_root()
                    .join("tests/e2e/browser/test-browser.mjs")
                    .to_string_lossy()
                    .into_owned(),
            ),
            ("DHIS2W_TEST_BROWSER_LOG".into(), s("test-browser.log")),
            ("DHIS2W_TEST_BROWSER_CONFIG".into(), s("test-browser.json")),
            ("DHIS2W_TEST_BROWSER_RELEASE".into(), s("browser-release")),
            ("NO_AT_BRIDGE".into(), "1".into()),
        ];
        if self.path("presets.json").exists() {
            env.push(("DHIS2W_PRESETS".into(), s("presets.json")));
        }
        if !register_deep_links {
            env.push(("DHIS2W_NO_REGISTER".into(), "1".into()));
        }
        env
    }

    /// Marks the scenario as passed: its directory is kept for the suite's final leak scan
    /// ([`leaks::scan_run`]), which removes it. A failed scenario's directory is kept for
    /// debugging.
    pub fn passed(mut self) {
        if let Some(d) = self.dir.take() {
            leaks::keep(d);
        }
    }
}

impl Drop for TestEnv {
    fn drop(&mut self) {
        if let Some(d) = self.dir.take() {
            let kept = d.keep();
            eprintln!(
                "e2e[{}]: scenario files kept in {}",
                self.name,
                kept.display()
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The app under WebDriver

/// A `tauri-driver` child in its own process group; dropping it kills the group (tauri-driver,
/// WebKitWebDriver and the app it launched).
struct DriverProcess {
    child: std::process::Child,
}

impl Drop for DriverProcess {
    fn drop(&mut self) {
        let pid = self.child.id() as i32;
        // The app and its helpers, to wait for below: a next launch that finds this one still
        // quitting would hand its arguments over instead of opening a window.
        let below = procs::descendants(self.child.id());
        unsafe {
            libc::kill(-pid, libc::SIGTERM);
        }
        let end = Instant::now() + Duration::from_secs(3);
        while Instant::now() < end {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
        let _ = self.child.wait();
        watchdog::driver_stopped(pid);
        let end = Instant::now() + Duration::from_secs(5);
        while below.iter().any(|p| !procs::ended(*p)) && Instant::now() < end {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// How a scenario launches the app. By default it does not register the deep-link handler.
#[derive(Default)]
pub struct LaunchOptions {
    pub register_deep_links: bool,
    /// More environment for the app (e.g. `DHIS2W_TEST_SAVE_PATH`).
    pub extra_env: Vec<(String, String)>,
    /// Command-line arguments of the app (e.g. a sign-in link that starts it).
    pub args: Vec<String>,
}

pub struct App {
    pub client: Client,
    driver: Option<DriverProcess>,
    pub name: String,
    shots: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl App {
    /// The app's own process (below tauri-driver and WebKitWebDriver), for the benchmarks.
    pub fn app_pid(&self) -> Option<u32> {
        let driver = self.driver.as_ref()?.child.id();
        procs::find_below(driver, "dhis2w-desktop")
    }

    /// Starts tauri-driver with this scenario's environment and opens a WebDriver session, which
    /// launches the app. Waits until the UI has rendered its header.
    pub async fn launch(env: &TestEnv, opts: LaunchOptions) -> Result<Self> {
        let port = free_port();
        let mut native = free_port();
        while native == port {
            native = free_port();
        }
        let n = std::fs::read_dir(&env.root)?
            .filter(|e| {
                e.as_ref()
                    .map(|e| e.file_name().to_string_lossy().starts_with("driver-"))
                    .unwrap_or(false)
            })
            .count();
        let log = std::fs::File::create(env.path(&format!("driver-{n}.log")))?;
        let mut cmd = std::process::Command::new("tauri-driver");
        cmd.args([
            "--port",
            &port.to_string(),
            "--native-port",
            &native.to_string(),
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::from(log.try_clone()?))
        .stderr(Stdio::from(log));
        cmd.env_remove("DHIS2W_NO_REGISTER")
            .env_remove("DHIS2W_PRESETS");
        for (k, v) in env
            .app_env(opts.register_deep_links)
            .into_iter()
            .chain(opts.extra_env.iter().cloned())
        {
            cmd.env(k, v);
        }
        #[cfg(unix)]
        {
            use std::os::unix::process::CommandExt;
            cmd.process_group(0);
        }
        let driver = DriverProcess {
            child: cmd.spawn().context("starting tauri-driver")?,
        };
        watchdog::driver_started(&env.name, driver.child.id() as i32);
        wait_port(port, Duration::from_secs(10))
            .await
            .context("tauri-driver")?;
        wait_port(native, Duration::from_secs(10))
            .await
            .context("WebKitWebDriver (native port)")?;

        let mut caps = serde_json::Map::new();
        caps.insert(
            "tauri:options".into(),
            json!({ "application": app_binary().to_string_lossy(), "args": opts.args }),
        );
        let client = tokio::time::timeout(
            Duration::from_secs(30),
            ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                .capabilities(caps)
                .connect(&format!("http://127.0.0.1:{port}")),
        )
        .await
        .context("creating the WebDriver session timed out (is another dhis2w-desktop holding the single-instance name?)")?
        .context("creating the WebDriver session")?;
        let app = Self {
            client,
            driver: Some(driver),
            name: env.name.clone(),
            shots: env.shots.clone(),
        };
        app.wait_css("header.app-header", Duration::from_secs(20))
            .await
            .context("the app's header did not appear")?;
        Ok(app)
    }

    /// Closes the WebDriver session (WebKitWebDriver ends the app), then stops tauri-driver.
    pub async fn close(mut self) -> Result<()> {
        let r = tokio::time::timeout(Duration::from_secs(10), self.client.clone().close()).await;
        drop(self.driver.take());
        match r {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(anyhow!("closing the session: {e}")),
            Err(_) => Err(anyhow!("closing the session timed out")),
        }
    }

    /// Saves a PNG of the window to target/e2e-screenshots/<scenario>-<n>-<label>.png.
    pub async fn screenshot(&self, label: &str) -> Result<PathBuf> {
        let n = self.shots.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        // Let the webview paint what the DOM already shows (two animation frames).
        let _ = tokio::time::timeout(
            Duration::from_secs(2),
            self.client.execute_async(
                "const done = arguments[arguments.length - 1]; requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, 50)));",
                vec![],
            ),
        )
        .await;
        let png = self.client.screenshot().await?;
        let p = screenshot_dir().join(format!("{}-{}-{}.png", self.name, n, label));
        std::fs::write(&p, png)?;
        Ok(p)
    }

    // --- finding things -----------------------------------------------------------------------
    // Selectors: XPath when they start with '/', '(' or '.', CSS otherwise.

    /// The first displayed element matching `sel`, waiting up to `timeout`.
    pub async fn wait_el(&self, sel: &str, timeout: Duration) -> Result<Element> {
        let c = self.client.clone();
        let r = poll(&format!("element {sel}"), timeout, || {
            let c = c.clone();
            async move {
                for e in c.find_all(loc(sel)).await? {
                    if e.is_displayed().await.unwrap_or(false) {
                        return Ok(Some(e));
                    }
                }
                Ok(None)
            }
        })
        .await;
        match r {
            Err(e) => Err(self.fail(e).await),
            ok => ok,
        }
    }

    pub async fn wait_css(&self, css: &str, timeout: Duration) -> Result<Element> {
        self.wait_el(css, timeout).await
    }

    /// Whether an element matching `sel` is displayed right now.
    pub async fn is_shown(&self, sel: &str) -> Result<bool> {
        for e in self.client.find_all(loc(sel)).await? {
            if e.is_displayed().await.unwrap_or(false) {
                return Ok(true);
            }
        }
        Ok(false)
    }

    pub async fn click(&self, sel: &str) -> Result<()> {
        let e = self.wait_el(sel, Duration::from_secs(15)).await?;
        if let Err(err) = e.click().await {
            return Err(self.fail(anyhow!("clicking {sel}: {err:?}")).await);
        }
        Ok(())
    }

    /// Clicks the visible, enabled button whose text is exactly `text` (anywhere in the window).
    pub async fn click_button(&self, text: &str) -> Result<()> {
        self.click_button_in("/", text).await
    }

    /// Clicks the visible, enabled button whose text is exactly `text` inside the element `within`.
    pub async fn click_button_in(&self, within: &str, text: &str) -> Result<()> {
        let xp = format!(
            "{}//button[normalize-space(.)={}]",
            scope_xpath(within)?,
            xpath_lit(text)
        );
        let c = self.client.clone();
        let b = poll(
            &format!("button \"{text}\" in {within}"),
            Duration::from_secs(15),
            || {
                let c = c.clone();
                let xp = xp.clone();
                async move {
                    for e in c.find_all(Locator::XPath(&xp)).await? {
                        if e.is_displayed().await.unwrap_or(false)
                            && e.is_enabled().await.unwrap_or(false)
                        {
                            return Ok(Some(e));
                        }
                    }
                    Ok(None)
                }
            },
        )
        .await;
        let b = match b {
            Ok(b) => b,
            Err(e) => {
                return Err(self.fail(e).await);
            }
        };
        if let Err(err) = b.click().await {
            return Err(self.fail(anyhow!("clicking \"{text}\": {err:?}")).await);
        }
        Ok(())
    }

    /// Types into an input found by CSS (after clearing it through the keyboard).
    pub async fn fill(&self, css: &str, value: &str) -> Result<()> {
        let e = self.wait_css(css, Duration::from_secs(15)).await?;
        e.click().await.ok();
        let cur = e.prop("value").await?.unwrap_or_default();
        if !cur.is_empty() {
            // Select all + delete, so React sees the change.
            e.send_keys("\u{E009}a\u{E000}\u{E017}").await?; // Ctrl+A, release, Delete
        }
        e.send_keys(value).await?;
        Ok(())
    }

    /// Types into the input whose <label> text is `label`.
    pub async fn fill_labelled(&self, label: &str, value: &str) -> Result<()> {
        let xp = format!("//label[normalize-space(.)={}]", xpath_lit(label));
        let l = self.wait_el(&xp, Duration::from_secs(15)).await?;
        let id = l
            .attr("for")
            .await?
            .ok_or_else(|| anyhow!("label \"{label}\" has no for="))?;
        self.fill(&format!("[id=\"{id}\"]"), value).await
    }

    /// `e` followed by what the window shows. The cause comes first: CI keeps only the start of
    /// a long failure message, and the window's text can fill it.
    pub async fn fail(&self, e: anyhow::Error) -> anyhow::Error {
        anyhow!("{e:#}\n{}", self.failure_context().await)
    }

    /// What the window shows, for error messages; also saves a "failure" screenshot.
    pub async fn failure_context(&self) -> String {
        let body = self.body_text().await.unwrap_or_default();
        let shot = self
            .screenshot("failure")
            .await
            .map(|p| p.display().to_string())
            .unwrap_or_else(|e| format!("(none: {e})"));
        let details = self
            .client
            .execute(
                "return Array.from(document.querySelectorAll('[data-test=\"error-notice\"] details')).map(d => d.textContent).join('\\n')",
                vec![],
            )
            .await
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default();
        let details = if details.is_empty() {
            String::new()
        } else {
            format!("\nerror details: {details}")
        };
        format!(
            "the window shows (screenshot {shot}):\n{}{details}",
            truncate(&body, 3000)
        )
    }

    pub async fn body_text(&self) -> Result<String> {
        Ok(self
            .client
            .execute("return document.body.innerText", vec![])
            .await?
            .as_str()
            .unwrap_or_default()
            .to_string())
    }

    /// Waits until the page's visible text contains `needle`.
    pub async fn wait_text(&self, needle: &str, timeout: Duration) -> Result<()> {
        let c = self.client.clone();
        let r = poll(&format!("text \"{needle}\""), timeout, || {
            let c = c.clone();
            async move {
                let t = c.execute("return document.body.innerText", vec![]).await?;
                Ok(t.as_str()
                    .unwrap_or_default()
                    .contains(needle)
                    .then_some(()))
            }
        })
        .await;
        match r {
            Err(e) => Err(self.fail(e).await),
            ok => ok,
        }
    }

    /// The visible text of every element matching `sel`, joined by newlines.
    pub async fn text_of(&self, sel: &str) -> Result<String> {
        let v = self
            .client
            .execute(
                "const sel = arguments[0];
                 let els = [];
                 if (/^[/(.]/.test(sel)) {
                   const r = document.evaluate(sel, document, null, XPathResult.ORDERED_NODE_SNAPSHOT_TYPE, null);
                   for (let i = 0; i < r.snapshotLength; i++) els.push(r.snapshotItem(i));
                 } else els = Array.from(document.querySelectorAll(sel));
                 return els.map(e => e.innerText ?? e.textContent).join('\\n');",
                vec![json!(sel)],
            )
            .await?;
        Ok(v.as_str().unwrap_or_default().to_string())
    }

    /// Waits until the visible text of the elements matching `sel` contains `needle`; returns it.
    pub async fn wait_text_in(&self, sel: &str, needle: &str, timeout: Duration) -> Result<String> {
        let r = poll(&format!("text \"{needle}\" in {sel}"), timeout, || async {
            let t = self.text_of(sel).await?;
            Ok(t.contains(needle).then_some(t))
        })
        .await;
        match r {
            Err(e) => Err(self.fail(e).await),
            ok => ok,
        }
    }

    /// Calls a Tauri command from the page (for reading ids and state, never to replace a click).
    pub async fn invoke(&self, cmd: &str, args: Value) -> Result<Value> {
        let v = self
            .client
            .execute_async(
                "const [cmd, args, done] = arguments;
                 window.__TAURI_INTERNALS__.invoke(cmd, args)
                   .then(v => done({ ok: v === undefined ? null : v }), e => done({ err: e }));",
                vec![json!(cmd), args],
            )
            .await?;
        if let Some(e) = v.get("err") {
            bail!("{cmd} failed: {e}");
        }
        Ok(v.get("ok").cloned().unwrap_or(Value::Null))
    }
}

impl Drop for App {
    fn drop(&mut self) {
        // A scenario that failed before close(): stop the driver group (and the app with it).
        drop(self.driver.take());
    }
}

/// A fantoccini locator: XPath when `sel` starts with '/', '(' or '.', CSS otherwise.
pub fn loc(sel: &str) -> Locator<'_> {
    if sel.starts_with('/') || sel.starts_with('(') || sel.starts_with('.') {
        Locator::XPath(sel)
    } else {
        Locator::Css(sel)
    }
}

/// `within` as an XPath prefix (for "descendant of"): "/" means the whole document. CSS is
/// accepted for simple `[attr="v"]`, `#id` and `tag.class` selectors only.
fn scope_xpath(within: &str) -> Result<String> {
    if within == "/" {
        return Ok(String::new());
    }
    if within.starts_with('/') || within.starts_with('(') {
        return Ok(format!("({within})"));
    }
    if let Some(id) = within.strip_prefix('#') {
        return Ok(format!("//*[@id={}]", xpath_lit(id)));
    }
    if let Some(rest) = within.strip_prefix('[') {
        if let Some((k, v)) = rest.trim_end_matches(']').split_once('=') {
            return Ok(format!("//*[@{}={}]", k, xpath_lit(v.trim_matches('"'))));
        }
    }
    bail!("unsupported scope selector {within}; use XPath")
}

/// Checks that do not stop a scenario: it goes on (to show what else works) and fails at the end
/// with every failed check.
#[derive(Default)]
pub struct Soft(Vec<String>);

impl Soft {
    pub fn check(&mut self, ok: bool, msg: impl Into<String>) {
        if !ok {
            let m = msg.into();
            eprintln!("e2e: CHECK FAILED (scenario continues): {m}");
            self.0.push(m);
        }
    }

    pub fn finish(self) -> Result<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            bail!(
                "{} check(s) failed:\n- {}",
                self.0.len(),
                self.0.join("\n- ")
            )
        }
    }
}

pub fn xpath_lit(s: &str) -> String {
    if !s.contains('\'') {
        format!("'{s}'")
    } else if !s.contains('"') {
        format!("\"{s}\"")
    } else {
        format!("concat('{}')", s.replace('\'', "', \"'\", '"))
    }
}

pub fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n).collect::<String>())
    }
}

// ---------------------------------------------------------------------------------------------
// The keyring, as `secret-tool` sees it

/// The secret stored for `account` (`<instance id>:<kind>`) under the app's service, read the
/// way any Secret Service client would: `secret-tool lookup service org.dhis2w.desktop username
/// <account>` (keyring 4's attribute names). `None` when there is no such item.
/// A value longer than one entry allows (the app splits values over 1,200 UTF-16 units, the
/// Windows limit) is read back whole from its parts.
pub fn keyring_secret(account: &str) -> Result<Option<String>> {
    let Some(main) = keyring_item(account)? else {
        return Ok(None);
    };
    let Some((generation, parts)) = main
        .strip_prefix("dhis2w-chunked:v1:")
        .and_then(|r| r.split_once(':'))
    else {
        return Ok(Some(main));
    };
    let parts: usize = parts.trim().parse().context("the number of parts")?;
    let mut value = String::new();
    for i in 1..=parts {
        value.push_str(
            &keyring_item(&format!("{account}#{generation}.{i}"))?
                .with_context(|| format!("part {i} of {account}"))?,
        );
    }
    Ok(Some(value))
}

/// One keyring item as stored (`secret-tool lookup`).
fn keyring_item(account: &str) -> Result<Option<String>> {
    let out = std::process::Command::new("secret-tool")
        // "--": instance ids may start with '-', which secret-tool would take for an option.
        .args([
            "lookup",
            "--",
            "service",
            KEYRING_SERVICE,
            "username",
            account,
        ])
        .output()
        .context("running secret-tool")?;
    Ok(out
        .status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
        .filter(|s| !s.is_empty()))
}

/// The labels of every item of the app's service (`secret-tool search --all service …`); the app
/// labels items `keyring:<account>@<service>`. Secrets are not returned.
pub fn keyring_labels() -> Result<Vec<String>> {
    let out = std::process::Command::new("secret-tool")
        .args(["search", "--all", "--", "service", KEYRING_SERVICE])
        .output()
        .context("running secret-tool")?;
    // secret-tool prints label/secret on stdout and the attributes on stderr; only stdout is used.
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.strip_prefix("label = ").map(str::to_string))
        .collect())
}
