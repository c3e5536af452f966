//! The `dhis2w` binary against the DHIS2 stand-in, with isolated config and data folders and
//! secrets in a real keyring (the test harness's private gnome-keyring; `make test` runs this
//! suite inside it). Every command and exit code, the CSV/XLSX exports, sharing sign-ins and
//! instances with the app's core, concurrent writers, and no secret in any output.

#[path = "../../dhis2w-client/tests/support/mod.rs"]
mod support;

use assert_cmd::Command;
use dhis2w_client::profile::{AuthKind, InstanceInput, OAuth2Settings, RedirectMode};
use dhis2w_client::workspace::SecretMode;
use dhis2w_client::{Secret, SignInRequest, Workspace, WorkspaceOptions};
use serde_json::Value;
use std::path::{Path, PathBuf};
use support::{BrowserScript, StandIn, TestBrowser};

/// An isolated home for the CLI: config, data and its own keyring service.
struct Home {
    dir: tempfile::TempDir,
    service: String,
}

impl Home {
    fn new() -> Self {
        assert!(
            std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
            "the CLI tests need a keyring: run them through tests/harness/keyring-session.sh (make test does)"
        );
        let dir = tempfile::tempdir().unwrap();
        let tag = dir
            .path()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .replace('.', "-");
        Self {
            service: format!("org.dhis2w.desktop.test.cli-{tag}"),
            dir,
        }
    }

    fn options(&self) -> WorkspaceOptions {
        WorkspaceOptions {
            config_dir: Some(self.dir.path().join("config")),
            data_dir: Some(self.dir.path().join("data")),
            secrets: SecretMode::KeyringService(self.service.clone()),
            presets: None,
        }
    }

    /// The app's view of the same files and keyring (the core the app drives).
    async fn workspace(&self) -> Workspace {
        Workspace::open(&self.options()).await.unwrap()
    }

    fn cmd(&self) -> Command {
        let mut c = Command::cargo_bin("dhis2w").unwrap();
        c.env("DHIS2W_CONFIG_DIR", self.dir.path().join("config"))
            .env("DHIS2W_DATA_DIR", self.dir.path().join("data"))
            .env("DHIS2W_KEYRING_SERVICE", &self.service)
            .env_remove("DHIS2W_INSTANCE")
            .env_remove("DHIS2W_SECRETS");
        c
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(mut c: Command) -> Out {
    let o = c.output().unwrap();
    Out {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

fn run_args(home: &Home, args: &[&str]) -> Out {
    let mut c = home.cmd();
    c.args(args);
    run(c)
}

fn assert_no_secret(out: &Out, secrets: &[&str]) {
    for s in secrets {
        assert!(!out.stdout.contains(s), "secret in stdout: {}", out.stdout);
        assert!(!out.stderr.contains(s), "secret in stderr: {}", out.stderr);
    }
}

/// Adds a Basic instance "Play" for the stand-in's admin, password through stdin.
fn add_basic(home: &Home, si: &StandIn, name: &str) -> Out {
    let mut c = home.cmd();
    c.args([
        "instances",
        "add",
        "--name",
        name,
        "--url",
        &si.base,
        "--auth",
        "basic",
    ])
    .args([
        "--username",
        &si.fx("/users/admin/username"),
        "--password-stdin",
    ])
    .write_stdin(format!("{}\n", si.fx("/users/admin/password")));
    run(c)
}

fn csv_rows(path: &Path) -> usize {
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "CSV starts with a BOM");
    let mut r = csv::ReaderBuilder::new().from_reader(&bytes[3..]);
    r.records().inspect(|x| assert!(x.is_ok(), "{x:?}")).count()
}

#[test]
fn help_completions_and_man_pages() {
    let home = Home::new();
    let o = run_args(&home, &["--help"]);
    assert_eq!(o.code, 0);
    for word in ["instances", "login", "get", "search", "Exit codes"] {
        assert!(
            o.stdout.contains(word),
            "{word} missing from --help: {}",
            o.stdout
        );
    }
    let o = run_args(&home, &["completions", "bash"]);
    assert_eq!(o.code, 0);
    assert!(o.stdout.contains("_dhis2w"), "{}", o.stdout);
    let man = home.path("man");
    let o = run_args(&home, &["man", man.to_str().unwrap()]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let page = std::fs::read_to_string(man.join("dhis2w.1")).unwrap();
    assert!(page.contains(".TH dhis2w"), "{page}");
    assert!(man.join("dhis2w-get.1").exists());
}

#[test]
fn wrong_usage_exits_2_and_secrets_are_never_arguments() {
    let home = Home::new();
    assert_eq!(run_args(&home, &["frobnicate"]).code, 2);
    let o = run_args(
        &home,
        &[
            "instances",
            "add",
            "--name",
            "x",
            "--url",
            "http://127.0.0.1:9",
            "--password",
            "hunter2",
        ],
    );
    assert_eq!(o.code, 2, "a password argument is refused: {}", o.stderr);
    assert_no_secret(
        &Out {
            code: 0,
            stdout: o.stdout.clone(),
            stderr: String::new(),
        },
        &["hunter2"],
    );
    let o = run_args(&home, &["get", "/api/me", "-q", "no-equals-sign"]);
    assert!(o.code == 2 || o.code == 4, "{} {}", o.code, o.stderr);
    // No instance yet: "not found", with the next step.
    let o = run_args(&home, &["status"]);
    assert_eq!(o.code, 4, "{}", o.stderr);
    assert!(o.stderr.contains("dhis2w instances add"), "{}", o.stderr);
}

/// A profiles file from a newer dhis2w: listed as read-only with the reason, never rewritten,
/// and `instances add` refused with the same words.
#[tokio::test(flavor = "multi_thread")]
async fn a_profiles_file_from_a_newer_dhis2w_is_left_alone() {
    let home = Home::new();
    let config = home.path("config");
    std::fs::create_dir_all(&config).unwrap();
    let newer = "version = 2\n[[instance]]\nid = \"abcdefgh12345678\"\nname = \"Play\"\n";
    std::fs::write(config.join("profiles.toml"), newer).unwrap();
    let o = run_args(&home, &["instances", "list"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stderr.contains("newer version of dhis2w"), "{}", o.stderr);
    assert!(
        !o.stdout.contains("No instance is saved yet"),
        "{}",
        o.stdout
    );
    let si = StandIn::start(&[]).await;
    let o = add_basic(&home, &si, "New");
    assert_ne!(o.code, 0);
    assert!(o.stderr.contains("read-only"), "{}", o.stderr);
    assert_eq!(
        std::fs::read_to_string(config.join("profiles.toml")).unwrap(),
        newer
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn instances_commands_and_exit_codes() {
    let si = StandIn::start(&[]).await;
    let home = Home::new();
    let password = si.fx("/users/admin/password");

    let o = add_basic(&home, &si, "Play");
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stderr.contains("Checked: signed in as"), "{}", o.stderr);
    assert_no_secret(&o, &[&password]);

    // A wrong password is refused before saving: exit 3 (sign-in needed), nothing saved.
    let mut c = home.cmd();
    c.args([
        "instances",
        "add",
        "--name",
        "Wrong",
        "--url",
        &si.base,
        "--username",
        "admin",
        "--password-stdin",
    ])
    .write_stdin("not-the-password\n");
    let o = run(c);
    assert_eq!(o.code, 3, "{}", o.stderr);
    assert_no_secret(&o, &["not-the-password"]);

    let o = run_args(&home, &["instances", "list"]);
    assert_eq!(o.code, 0);
    assert!(
        o.stdout.contains("Play") && o.stdout.contains("default, active"),
        "{}",
        o.stdout
    );
    assert!(!o.stdout.contains("Wrong"), "{}", o.stdout);
    let o = run_args(&home, &["instances", "list", "--json"]);
    let v: Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["instances"][0]["stored"]["password"], true);

    let o = run_args(&home, &["instances", "show", "play"]);
    assert_eq!(o.code, 0);
    assert!(o.stdout.contains("Password stored: yes"), "{}", o.stdout);
    assert_no_secret(&o, &[&password]);
    assert_eq!(run_args(&home, &["instances", "show", "Nowhere"]).code, 4);

    let o = run_args(&home, &["instances", "verify"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.stdout.contains("signed in as") && o.stdout.contains(" ms."),
        "{}",
        o.stdout
    );

    let o = run_args(&home, &["status", "Play"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.contains("signed in as"), "{}", o.stdout);

    // GET: JSON that pipes into a parser.
    let o = run_args(&home, &["get", "/api/me", "-q", "fields=username"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let me: Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(me["username"], si.fx("/users/admin/username"));
    // 404: exit 4.
    let o = run_args(&home, &["get", "/api/dataElements/abcdefghijk"]);
    assert_eq!(o.code, 4, "{}", o.stderr);
    // A readable table.
    let o = run_args(
        &home,
        &[
            "get",
            "/api/organisationUnits",
            "-q",
            "fields=id,name,level",
            "-q",
            "level=2",
            "--format",
            "table",
        ],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let first = o.stdout.lines().next().unwrap();
    assert!(
        first.starts_with("id") && first.contains("name") && first.contains("level"),
        "{}",
        o.stdout
    );
    assert!(o.stdout.contains("Bo"), "{}", o.stdout);

    // Edit, default, use, remove.
    let o = run_args(&home, &["instances", "edit", "Play", "--name", "Play 2"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(run_args(&home, &["instances", "default", "Play 2"]).code, 0);
    assert_eq!(run_args(&home, &["instances", "use", "Play 2"]).code, 0);

    // Sign out deletes the password: status and get now need a sign-in (exit 3).
    let o = run_args(&home, &["logout"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(run_args(&home, &["status"]).code, 3);
    assert_eq!(run_args(&home, &["get", "/api/me"]).code, 3);
    let o = run_args(&home, &["login"]);
    assert_eq!(o.code, 3, "no password saved: {}", o.stderr);

    let o = run_args(&home, &["instances", "remove", "Play 2"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(run_args(&home, &["instances", "show", "Play 2"]).code, 4);

    // A server that does not answer: exit 1.
    let mut c = home.cmd();
    c.args([
        "instances",
        "add",
        "--name",
        "Down",
        "--url",
        "http://127.0.0.1:9",
        "--username",
        "a",
        "--password-stdin",
        "--no-verify",
    ])
    .write_stdin("pw\n");
    assert_eq!(run(c).code, 0);
    let o = run_args(&home, &["-i", "Down", "get", "/api/me"]);
    assert_eq!(o.code, 1, "{}", o.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn pat_from_stdin_and_search() {
    let si = StandIn::start(&[]).await;
    let home = Home::new();
    let pat = si.fx("/pats/valid");
    let mut c = home.cmd();
    c.args([
        "instances",
        "add",
        "--name",
        "PAT",
        "--url",
        &si.base,
        "--auth",
        "pat",
        "--token-stdin",
    ])
    .write_stdin(format!("{pat}\n"));
    let o = run(c);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_no_secret(&o, &[&pat]);

    let o = run_args(&home, &["search", "malaria"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.stdout.contains("Data elements") && o.stdout.contains("Malaria cases confirmed"),
        "{}",
        o.stdout
    );
    assert!(
        o.stdout.contains("Indicators") && o.stdout.contains("Malaria incidence rate"),
        "{}",
        o.stdout
    );
    let o = run_args(&home, &["search", "malaria", "--json"]);
    let v: Value = serde_json::from_str(&o.stdout).unwrap();
    assert!(v["groups"]
        .as_array()
        .unwrap()
        .iter()
        .any(|g| g["kind"] == "programs"));
    let o = run_args(&home, &["search", "zzzznothing"]);
    assert_eq!(o.code, 4);
    assert_no_secret(&o, &[&pat]);
}

#[tokio::test(flavor = "multi_thread")]
async fn exports_every_page_to_csv_and_xlsx() {
    let si = StandIn::start(&[]).await;
    let home = Home::new();
    assert_eq!(add_basic(&home, &si, "Play").code, 0);
    let total: u64 = {
        let v: Value = serde_json::from_str(
            &run_args(
                &home,
                &["get", "/api/organisationUnits", "-q", "pageSize=1"],
            )
            .stdout,
        )
        .unwrap();
        v["pager"]["total"].as_u64().unwrap()
    };
    assert!(
        total > 1000,
        "the small data set has over a thousand org units ({total})"
    );

    let csv_path = home.path("ou.csv");
    let o = run_args(
        &home,
        &[
            "get",
            "/api/organisationUnits",
            "--all",
            "-q",
            "pageSize=500",
            "-q",
            "fields=id,name,level,parent[name]",
            "--format",
            "csv",
            "-o",
            csv_path.to_str().unwrap(),
        ],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(csv_rows(&csv_path) as u64, total);
    let header = std::fs::read_to_string(&csv_path).unwrap();
    assert!(
        header
            .trim_start_matches('\u{feff}')
            .starts_with("id,name,level,parent.name\r\n"),
        "{}",
        &header[..60]
    );

    // JSON with --all: one merged list.
    let o = run_args(
        &home,
        &[
            "get",
            "/api/organisationUnits",
            "--all",
            "-q",
            "pageSize=400",
        ],
    );
    let v: Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(
        v["organisationUnits"].as_array().unwrap().len() as u64,
        total
    );
    assert_eq!(v["pager"]["pageCount"], 1);

    // CSV to stdout for a pipe.
    let o = run_args(
        &home,
        &[
            "get",
            "/api/dataElements",
            "-q",
            "fields=id,name",
            "-q",
            "pageSize=5",
            "--format",
            "csv",
        ],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(o.stdout.trim_start_matches('\u{feff}').lines().count(), 6);

    let xlsx = home.path("ou.xlsx");
    let o = run_args(
        &home,
        &[
            "get",
            "/api/organisationUnits",
            "--all",
            "-q",
            "fields=id,name,level",
            "--format",
            "xlsx",
            "-o",
            xlsx.to_str().unwrap(),
        ],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    use calamine::{open_workbook, Data, Reader, Xlsx};
    let mut wb: Xlsx<_> = open_workbook(&xlsx).unwrap();
    assert_eq!(wb.sheet_names()[0], "organisationUnits");
    let range = wb.worksheet_range("organisationUnits").unwrap();
    assert_eq!(range.height() as u64, total + 1);
    assert_eq!(range.get((0, 2)), Some(&Data::String("level".into())));
    assert!(
        matches!(range.get((1, 2)), Some(Data::Float(_))),
        "levels are numbers"
    );
    let about = wb.worksheet_range("About").unwrap();
    assert!(about.rows().any(|r| r[1] == Data::String("Play".into())));
}

#[tokio::test(flavor = "multi_thread")]
async fn all_org_units_of_the_large_data_set_to_csv() {
    let si = StandIn::start(&["--data", "large"]).await;
    let home = Home::new();
    assert_eq!(add_basic(&home, &si, "Large").code, 0);
    let v: Value = serde_json::from_str(
        &run_args(
            &home,
            &["get", "/api/organisationUnits", "-q", "pageSize=1"],
        )
        .stdout,
    )
    .unwrap();
    let total = v["pager"]["total"].as_u64().unwrap();
    assert!(total > 300_000, "{total}");
    let csv_path = home.path("ou.csv");
    let o = run_args(
        &home,
        &[
            "get",
            "/api/organisationUnits",
            "--all",
            "--format",
            "csv",
            "-o",
            csv_path.to_str().unwrap(),
        ],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(csv_rows(&csv_path) as u64, total);
}

#[tokio::test(flavor = "multi_thread")]
async fn sign_ins_are_shared_with_the_app() {
    let si = StandIn::start(&[]).await;
    let home = Home::new();
    // The app's core adds a browser-sign-in instance and signs in through the test browser.
    let ws = home.workspace().await;
    let mut input = InstanceInput::new("Browser", si.base.clone(), AuthKind::Oauth2);
    input.oauth2 = Some(OAuth2Settings {
        client_id: si.fx("/clients/confidential/clientId"),
        scope: None,
        redirect_mode: RedirectMode::Loopback,
    });
    input.client_secret = Some(Secret::new(si.fx("/clients/confidential/clientSecret")));
    let inst = ws.add_instance(&input).await.unwrap();
    let browser = TestBrowser::new(BrowserScript::new(
        &si.fx("/users/admin/username"),
        &si.fx("/users/admin/password"),
    ));
    let status = ws
        .sign_in(
            &inst.id,
            SignInRequest {
                different_user: false,
                keep_signed_in: false,
                browser: &browser,
                progress: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(status.state, dhis2w_client::SessionState::SignedIn);

    // The CLI uses that sign-in.
    let o = run_args(&home, &["get", "/api/me", "-q", "fields=username"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.stdout.contains(&si.fx("/users/admin/username")),
        "{}",
        o.stdout
    );
    let o = run_args(&home, &["status"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.contains("Access expires"), "{}", o.stdout);

    // The CLI signs out; the app's core then sees no sign-in.
    assert_eq!(run_args(&home, &["logout", "Browser"]).code, 0);
    let ws2 = home.workspace().await;
    assert_eq!(
        ws2.status(&inst.id).await.unwrap().state,
        dhis2w_client::SessionState::SignedOut
    );

    // An instance the CLI adds is seen by the running app's core without a restart.
    let mut c = home.cmd();
    c.args([
        "instances",
        "add",
        "--name",
        "From CLI",
        "--url",
        &si.base,
        "--username",
        "admin",
        "--password-stdin",
        "--no-verify",
    ])
    .write_stdin(format!("{}\n", si.fx("/users/admin/password")));
    assert_eq!(run(c).code, 0);
    let names: Vec<String> = ws
        .instances()
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.name)
        .collect();
    assert!(names.contains(&"From CLI".to_owned()), "{names:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_app_and_the_cli_writing_at_once_lose_nothing() {
    let home = Home::new();
    let ws = home.workspace().await;
    const EACH: usize = 100;
    // The CLI side: processes adding instances (no secret, so no keyring traffic).
    let cli_home = (
        home.dir.path().join("config"),
        home.dir.path().join("data"),
        home.service.clone(),
    );
    let cli = std::thread::spawn(move || {
        let mut failures = Vec::new();
        for i in 0..EACH {
            let mut c = Command::cargo_bin("dhis2w").unwrap();
            c.env("DHIS2W_CONFIG_DIR", &cli_home.0)
                .env("DHIS2W_DATA_DIR", &cli_home.1)
                .env("DHIS2W_KEYRING_SERVICE", &cli_home.2)
                .args([
                    "instances",
                    "add",
                    "--name",
                    &format!("cli-{i}"),
                    "--url",
                    "https://cli.example.org",
                    "--auth",
                    "oauth2",
                    "--client-id",
                    "x",
                    "--no-verify",
                ]);
            let o = c.output().unwrap();
            if !o.status.success() {
                failures.push(String::from_utf8_lossy(&o.stderr).into_owned());
            }
        }
        failures
    });
    // The app side, at the same time.
    for i in 0..EACH {
        let mut input = InstanceInput::new(
            format!("app-{i}"),
            "https://app.example.org",
            AuthKind::Oauth2,
        );
        input.oauth2 = Some(OAuth2Settings {
            client_id: "x".into(),
            scope: None,
            redirect_mode: RedirectMode::Loopback,
        });
        ws.add_instance(&input).await.unwrap();
    }
    let failures = cli.join().unwrap();
    assert!(failures.is_empty(), "{failures:?}");
    let fresh = home.workspace().await;
    let names: Vec<String> = fresh
        .instances()
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.name)
        .collect();
    assert_eq!(names.len(), 2 * EACH, "{names:?}");
    for i in 0..EACH {
        assert!(
            names.contains(&format!("cli-{i}")) && names.contains(&format!("app-{i}")),
            "{i}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn analytics_tables_and_exports_match_the_servers_numbers() {
    let si = StandIn::start(&["--analytics-max-limit", "400"]).await;
    let home = Home::new();
    assert_eq!(add_basic(&home, &si, "Play").code, 0);
    let xlsx = home.path("anc.xlsx");
    let o = run_args(
        &home,
        &[
            "analytics",
            "--dx",
            "fbfJHSPpUQD",
            "--pe",
            "LAST_12_MONTHS",
            "--ou",
            "LEVEL-2",
            "--format",
            "xlsx",
            "-o",
            xlsx.to_str().unwrap(),
        ],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);

    // The server's own answer for the same question.
    let o = run_args(
        &home,
        &[
            "get",
            "/api/analytics",
            "-q",
            "dimension=ou:LEVEL-2",
            "-q",
            "dimension=pe:LAST_12_MONTHS",
            "-q",
            "filter=dx:fbfJHSPpUQD",
        ],
    );
    let v: Value = serde_json::from_str(&o.stdout).unwrap();
    let name = |id: &str| {
        v["metaData"]["items"][id]["name"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let mut expected = std::collections::HashMap::new();
    for r in v["rows"].as_array().unwrap() {
        let r: Vec<&str> = r
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap())
            .collect();
        expected.insert((name(r[0]), name(r[1])), r[2].parse::<f64>().unwrap());
    }
    assert!(
        expected.len() > 100,
        "13 districts × 12 months: {}",
        expected.len()
    );

    use calamine::{open_workbook, Data, Reader, Xlsx};
    let mut wb: Xlsx<_> = open_workbook(&xlsx).unwrap();
    let range = wb.worksheet_range("analytics").unwrap();
    let header: Vec<String> = range
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(header[0], "Organisation unit");
    assert!(
        header[1..]
            .iter()
            .all(|h| !dhis2w_client::models::is_uid(h) && h.contains(' ')),
        "month names, not ids: {header:?}"
    );
    let mut seen = 0;
    for row in range.rows().skip(1) {
        let ou = row[0].to_string();
        assert!(!dhis2w_client::models::is_uid(&ou), "names, not UIDs: {ou}");
        for (j, cell) in row.iter().enumerate().skip(1) {
            if let Data::Float(n) = cell {
                assert_eq!(
                    Some(n),
                    expected.get(&(ou.clone(), header[j].clone())),
                    "{ou} / {}",
                    header[j]
                );
                seen += 1;
            }
        }
    }
    assert_eq!(seen, expected.len());

    // The table on the terminal, with totals.
    let o = run_args(
        &home,
        &[
            "analytics",
            "--dx",
            "fbfJHSPpUQD",
            "--pe",
            "2024Q1;2024Q2",
            "--ou",
            "O6uvpzGd5pu",
            "--totals",
        ],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.stdout.contains("Bo") && o.stdout.contains("Total"),
        "{}",
        o.stdout
    );

    // Bad picks and DHIS2's E7xxx answers, in plain words.
    let o = run_args(
        &home,
        &[
            "analytics",
            "--dx",
            "fbfJHSPpUQD",
            "--pe",
            "2024M13",
            "--ou",
            "LEVEL-2",
        ],
    );
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(o.stderr.contains("not a period"), "{}", o.stderr);
    let o = run_args(
        &home,
        &[
            "analytics",
            "--dx",
            "fbfJHSPpUQD",
            "--pe",
            "LAST_52_WEEKS",
            "--ou",
            "LEVEL-4",
        ],
    );
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(
        o.stderr.contains("Too many rows") && o.stderr.contains("E7128"),
        "{}",
        o.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_saved_question_runs_on_another_instance_reporting_missing_items_by_name() {
    use dhis2w_client::analytics::{AnalyticsQuery, QueryItem};
    use dhis2w_client::saved::{Question, SavedQuestion};
    let main = StandIn::start(&[]).await;
    let other = StandIn::start(&["--data", "alt"]).await;
    let home = Home::new();
    assert_eq!(add_basic(&home, &main, "Main").code, 0);
    assert_eq!(add_basic(&home, &other, "Other").code, 0);
    let item = |id: &str, name: &str, code: &str| QueryItem {
        id: id.into(),
        name: Some(name.into()),
        code: Some(code.into()),
        kind: Some("dataElements".into()),
    };
    // Saved in the app: two data elements; the other instance has one under another UID
    // (same code) and lacks the other.
    let ws = home.workspace().await;
    ws.saved()
        .save(
            SavedQuestion {
                id: String::new(),
                name: "Malaria by district".into(),
                question: Question::Analytics {
                    query: AnalyticsQuery {
                        data: vec![
                            item("Mc9Pq2Lx7Ta", "Malaria cases confirmed", "DE_MAL_CONF"),
                            item("Md4Rt8Vk1Yb", "Malaria deaths", "DE_MAL_DEATH"),
                        ],
                        periods: vec![QueryItem::id("THIS_YEAR")],
                        org_units: vec![QueryItem::id("LEVEL-2")],
                        layout: None,
                        totals: false,
                    },
                },
                updated_at: 0,
            },
            1,
        )
        .unwrap();
    let o = run_args(&home, &["run", "--list"]);
    assert!(o.stdout.contains("Malaria by district"), "{}", o.stdout);

    let o = run_args(&home, &["run", "Malaria by district", "--on", "Main"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        !o.stderr.contains("has no"),
        "nothing is missing on the instance it was made on: {}",
        o.stderr
    );
    assert!(
        o.stdout.contains("Malaria cases confirmed") && o.stdout.contains("Malaria deaths"),
        "{}",
        o.stdout
    );

    let o = run_args(
        &home,
        &[
            "run",
            "malaria BY district",
            "--on",
            "Other",
            "--format",
            "csv",
        ],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.stderr.contains("has no data item Malaria deaths") && o.stderr.contains("left out"),
        "{}",
        o.stderr
    );
    assert!(
        o.stderr.contains("Malaria cases confirmed") && o.stderr.contains("the same code"),
        "{}",
        o.stderr
    );
    assert!(
        o.stdout.contains("Malaria cases confirmed") && !o.stdout.contains("Malaria deaths"),
        "{}",
        o.stdout
    );

    assert_eq!(run_args(&home, &["run", "Nope"]).code, 4);
}

#[tokio::test(flavor = "multi_thread")]
async fn login_through_the_browser_then_status_get_and_logout() {
    let si = StandIn::start(&[]).await;
    let home = Home::new();
    let client_id = si.fx("/clients/confidential/clientId");
    let secret = si.fx("/clients/confidential/clientSecret");
    let mut c = home.cmd();
    c.args([
        "instances",
        "add",
        "--name",
        "Browser",
        "--url",
        &si.base,
        "--auth",
        "oauth2",
        "--client-id",
        &client_id,
        "--client-secret-stdin",
    ])
    .write_stdin(format!("{secret}\n"));
    let o = run(c);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_no_secret(&o, &[&secret]);
    assert_eq!(run_args(&home, &["status"]).code, 3, "not signed in yet");

    // The system browser is replaced by a script that signs in to the stand-in and follows
    // the redirect to the CLI's loopback receiver (the app's command tests use the same one).
    let browser = support::repo_root().join("src-tauri/tests/fake-browser.sh");
    let mut c = home.cmd();
    c.env("DHIS2W_TEST_BROWSER", &browser)
        .env("FAKE_BROWSER_USER", si.fx("/users/admin/username"))
        .env("FAKE_BROWSER_PASSWORD", si.fx("/users/admin/password"))
        .args(["login", "Browser"]);
    let o = run(c);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.contains("signed in as"), "{}", o.stdout);
    assert!(o.stdout.contains("Access expires"), "{}", o.stdout);
    assert_no_secret(&o, &[&secret, &si.fx("/users/admin/password")]);

    let o = run_args(&home, &["get", "/api/me", "-q", "fields=username"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.stdout.contains(&si.fx("/users/admin/username")),
        "{}",
        o.stdout
    );
    assert_eq!(run_args(&home, &["status"]).code, 0);
    assert_eq!(run_args(&home, &["logout"]).code, 0);
    assert_eq!(run_args(&home, &["status"]).code, 3);

    // --no-browser prints the link to open elsewhere (nobody opens it here: stop waiting).
    let mut c = home.cmd();
    c.args(["login", "--no-browser"])
        .timeout(std::time::Duration::from_secs(8));
    let o = run(c);
    assert!(
        o.stderr.contains("Open this link in a browser"),
        "{}",
        o.stderr
    );
    assert!(o.stderr.contains("/oauth2/authorize?"), "{}", o.stderr);
    assert!(o.stderr.contains("code_challenge="), "{}", o.stderr);
}

#[test]
fn instances_of_the_dhis2w_python_tool_are_imported() {
    let home = Home::new();
    let file = home.path("dhis2-profiles.toml");
    std::fs::write(
        &file,
        "default = \"play\"\n\n[profiles.play]\nbase_url = \"https://play.example.org/dev/\"\nauth = \"basic\"\nusername = \"admin\"\npassword = \"district-SECRET-1\"\n\n[profiles.pat]\nbase_url = \"http://localhost:8080\"\nauth = \"pat\"\ntoken = \"d2p_SECRET2\"\n",
    )
    .unwrap();
    let o = run_args(
        &home,
        &["instances", "import-dhis2w", file.to_str().unwrap()],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.contains("Imported \"play\""), "{}", o.stdout);
    assert_no_secret(&o, &["district-SECRET-1", "d2p_SECRET2"]);
    let o = run_args(&home, &["instances", "show", "play"]);
    assert!(o.stdout.contains("Password stored: yes"), "{}", o.stdout);
    assert_no_secret(&o, &["district-SECRET-1"]);
    let cfg = std::fs::read_to_string(home.dir.path().join("config/profiles.toml")).unwrap();
    assert!(!cfg.contains("SECRET"), "no secret in the profiles file");
    assert_eq!(
        run_args(
            &home,
            &[
                "instances",
                "import-dhis2w",
                home.path("missing.toml").to_str().unwrap()
            ]
        )
        .code,
        0
    );
}

/// `dhis2w instances register-app`: shows what will be created, creates nothing without --yes,
/// then registers the app on the 2.44 stand-in and switches the instance to browser sign-in.
#[tokio::test]
async fn an_admin_registers_the_app_from_the_command_line() {
    let si = StandIn::start(&["--profile", "2.44"]).await;
    let home = Home::new();
    assert_eq!(add_basic(&home, &si, "Hmis").code, 0);
    let o = run_args(&home, &["instances", "register-app", "Hmis"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.stdout.contains("openid,profile,username,email"),
        "{}",
        o.stdout
    );
    assert!(o.stdout.contains("Nothing was created"), "{}", o.stdout);
    let o = run_args(
        &home,
        &["instances", "register-app", "Hmis", "--days", "7", "--yes"],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.contains("Registered"), "{}", o.stdout);
    assert!(o.stdout.contains("604800"), "7 days: {}", o.stdout);
    let o = run_args(&home, &["instances", "show", "Hmis", "--json"]);
    assert!(o.stdout.contains("oauth2"), "{}", o.stdout);
    assert!(o.stdout.contains("dhis2w-desktop-"), "{}", o.stdout);
    let o = run_args(&home, &["instances", "register-app", "Hmis", "--yes"]);
    assert_ne!(o.code, 0, "an OAuth2 instance cannot register again");
}
