//! Secret storage against a real Secret Service (gnome-keyring on a private D-Bus session).
//!
//! Run: `dbus-run-session -- tests/harness/keyring-session.sh env DHIS2W_REQUIRE_KEYRING=1 \
//!        cargo test -p dhis2w-client --test keyring`
//!
//! Without a usable keyring these tests print a notice and pass, unless
//! `DHIS2W_REQUIRE_KEYRING=1`, in which case they fail.

// The auth tests own this module; silence its lints here so this target stays independent.
#[allow(clippy::type_complexity)]
mod support;

use dhis2w_client::capture::LoopbackCapturer;
use dhis2w_client::from_profile::{client_options, profile_auth};
use dhis2w_client::leak_scan::{assert_no_secrets, encoded_forms, scan_for_secrets};
use dhis2w_client::profile::{OAuth2Settings, RedirectMode};
use dhis2w_client::{
    AuthKind, ErrorKind, InstanceInput, KeyringTokenStore, OAuth2Token, ProfileStore, Secret,
    SecretKind, SecretStore, StorageMode, TokenKey, TokenStore,
};
use dhis2w_client::{Dhis2Client, SignInOptions};
use std::path::PathBuf;
use std::time::Duration;

/// Tests use their own service name so they never touch the app's real entries.
const TEST_SERVICE: &str = "org.dhis2w.desktop.test";

async fn keyring_or_skip(test: &str) -> Option<SecretStore> {
    let store = SecretStore::open_with_service(TEST_SERVICE).await;
    let status = store.status();
    match status.mode {
        StorageMode::Keyring => Some(store),
        StorageMode::SessionOnly => {
            let detail = status.detail.unwrap_or_default();
            if std::env::var("DHIS2W_REQUIRE_KEYRING").as_deref() == Ok("1") {
                panic!("DHIS2W_REQUIRE_KEYRING=1 but no usable keyring: {detail}");
            }
            eprintln!(
                "NOTICE: {test} skipped: no usable keyring ({detail}). Run it under \
                 `dbus-run-session -- tests/harness/keyring-session.sh`."
            );
            None
        }
    }
}

fn new_id() -> String {
    dhis2w_client::profile::new_instance_id()
}

fn token_for(id: &str, access: &str, refresh: &str) -> OAuth2Token {
    OAuth2Token {
        key: TokenKey {
            profile: id.to_owned(),
            base_url: "https://dhis2.example.org".into(),
            client_id: "dhis2w-desktop".into(),
        },
        access_token: Secret::new(access),
        refresh_token: Some(Secret::new(refresh)),
        expires_at: 1_900_000_000,
        scopes: vec!["ALL".into()],
    }
}

#[tokio::test]
async fn set_get_delete_every_secret_kind() {
    let Some(store) = keyring_or_skip("set_get_delete_every_secret_kind").await else {
        return;
    };
    assert_eq!(store.status().detail, None);
    let id = new_id();
    for kind in SecretKind::ALL {
        let value = format!("{kind}-value-{id}");
        assert!(!store.has(&id, kind).await.unwrap());
        assert!(store.reveal(&id, kind).await.unwrap().is_none());
        store.set(&id, kind, Secret::new(&value)).await.unwrap();
        assert!(store.has(&id, kind).await.unwrap());

        // Read back through a brand-new store (new keyring entries, same Secret Service).
        let fresh = SecretStore::open_with_service(TEST_SERVICE).await;
        assert_eq!(
            fresh.reveal(&id, kind).await.unwrap().unwrap().expose(),
            value
        );
        // Replacing keeps one entry.
        let value2 = format!("{value}-2");
        store.set(&id, kind, Secret::new(&value2)).await.unwrap();
        assert_eq!(
            store.reveal(&id, kind).await.unwrap().unwrap().expose(),
            value2
        );

        store.delete(&id, kind).await.unwrap();
        assert!(!store.has(&id, kind).await.unwrap());
        assert!(store.reveal(&id, kind).await.unwrap().is_none());
        // Deleting nothing is not an error (NoEntry is not "unavailable").
        store.delete(&id, kind).await.unwrap();
    }
}

#[tokio::test]
async fn stored_flags_and_input_secrets() {
    let Some(store) = keyring_or_skip("stored_flags_and_input_secrets").await else {
        return;
    };
    let id = new_id();
    let mut input = InstanceInput::new("X", "https://x.org", AuthKind::Basic);
    input.password = Some("pw-input".into());
    input.pat = Some("".into()); // empty = keep
    store.save_input_secrets(&id, &input).await.unwrap();
    let flags = store.stored(&id).await.unwrap();
    assert!(flags.password && !flags.pat && !flags.client_secret && !flags.token);
    store.delete_all(&id).await.unwrap();
    assert_eq!(store.stored(&id).await.unwrap(), Default::default());
}

#[tokio::test]
async fn token_store_round_trip_and_key_check() {
    let Some(store) = keyring_or_skip("token_store_round_trip_and_key_check").await else {
        return;
    };
    let tokens = KeyringTokenStore::new(store.clone());
    let id = new_id();
    let token = token_for(&id, "at-round-trip", "rt-round-trip");
    assert!(tokens.get(&token.key).await.unwrap().is_none());
    tokens.set(&token.key, &token).await.unwrap();
    assert!(store.has(&id, SecretKind::OAuth2Token).await.unwrap());
    assert_eq!(tokens.get(&token.key).await.unwrap().unwrap(), token);

    // Same instance, another server: the stored token is refused.
    let other = TokenKey {
        base_url: "https://evil.example.org".into(),
        ..token.key.clone()
    };
    assert_eq!(
        tokens.get(&other).await.unwrap_err().kind(),
        ErrorKind::SignInRequired
    );
    tokens.delete(&token.key).await.unwrap();
    assert!(tokens.get(&token.key).await.unwrap().is_none());
}

#[tokio::test]
async fn removing_an_instance_deletes_its_secrets_and_tokens() {
    let Some(store) = keyring_or_skip("removing_an_instance_deletes_its_secrets_and_tokens").await
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut profiles = ProfileStore::open(dir.path().join("profiles.toml")).unwrap();
    let mut input = InstanceInput::new("Gone", "https://gone.example.org", AuthKind::Oauth2);
    input.oauth2 = Some(OAuth2Settings {
        client_id: "dhis2w-desktop".into(),
        scope: None,
        redirect_mode: RedirectMode::Loopback,
    });
    let gone = profiles.add(&input).unwrap();
    let kept = profiles
        .add(&InstanceInput {
            username: Some("admin".into()),
            ..InstanceInput::new("Kept", "https://kept.example.org", AuthKind::Basic)
        })
        .unwrap();
    for kind in SecretKind::ALL {
        store
            .set(&gone.id, kind, Secret::new(format!("gone-{kind}")))
            .await
            .unwrap();
    }
    store
        .set(&kept.id, SecretKind::Password, "kept-pw".into())
        .await
        .unwrap();

    profiles.remove(&gone.id, &store).await.unwrap();
    assert!(profiles.get(&gone.id).is_none());
    for kind in SecretKind::ALL {
        assert!(!store.has(&gone.id, kind).await.unwrap(), "{kind} left");
    }
    assert!(store.has(&kept.id, SecretKind::Password).await.unwrap());
    assert_eq!(profiles.default_id(), None);
    store.delete_all(&kept.id).await.unwrap();
}

/// The child half of [`no_secret_service_gives_session_only`]; runs only in that subprocess.
#[tokio::test]
#[ignore = "run in a subprocess by no_secret_service_gives_session_only"]
async fn child_without_secret_service() {
    if std::env::var("DHIS2W_KEYRING_CHILD").as_deref() != Ok("1") {
        return;
    }
    let store = SecretStore::open_with_service(TEST_SERVICE).await;
    let status = store.status();
    assert_eq!(status.mode, StorageMode::SessionOnly, "{status:?}");
    let detail = status.detail.clone().expect("a reason");
    assert!(detail.contains("keyring"), "{detail}");
    let json = serde_json::to_value(&status).unwrap();
    assert_eq!(json["mode"], "session_only");

    // Session-only still works, in memory.
    let id = new_id();
    store
        .set(&id, SecretKind::Pat, "d2p_session_only".into())
        .await
        .unwrap();
    assert!(store.has(&id, SecretKind::Pat).await.unwrap());
    assert_eq!(
        store
            .reveal(&id, SecretKind::Pat)
            .await
            .unwrap()
            .unwrap()
            .expose(),
        "d2p_session_only"
    );
    let tokens = KeyringTokenStore::new(store.clone());
    let t = token_for(&id, "at-mem", "rt-mem");
    tokens.set(&t.key, &t).await.unwrap();
    assert_eq!(tokens.get(&t.key).await.unwrap().unwrap(), t);
    // ... and only for this store (this run).
    let other = SecretStore::open_with_service(TEST_SERVICE).await;
    assert!(!other.has(&id, SecretKind::Pat).await.unwrap());
    println!("CHILD-OK");
}

#[test]
fn no_secret_service_gives_session_only() {
    let exe = std::env::current_exe().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(exe)
        .args([
            "--exact",
            "child_without_secret_service",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            format!("unix:path={}/no-such-bus", dir.path().display()),
        )
        .env("XDG_RUNTIME_DIR", dir.path())
        .env_remove("DISPLAY")
        .env("DHIS2W_KEYRING_CHILD", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("CHILD-OK"),
        "child failed:\n{stdout}\n{stderr}"
    );
}

/// The secrets used in the cycle; every encoded form of each is looked for.
fn needles(values: &[&str]) -> Vec<String> {
    values.iter().flat_map(|v| encoded_forms(v)).collect()
}

fn xdg_data_home() -> Option<PathBuf> {
    std::env::var_os("XDG_DATA_HOME").map(PathBuf::from)
}

#[tokio::test]
async fn full_cycle_leaves_no_secret_in_any_file() {
    let Some(store) = keyring_or_skip("full_cycle_leaves_no_secret_in_any_file").await else {
        return;
    };
    let root = tempfile::tempdir().unwrap();
    let config = root.path().join("config");
    let dhis2w_cli = root.path().join("cli/profiles.toml");
    let password = "district-Cycle-9f3a";
    let pat = "d2p_CycleTokenValue0123456789abcdef";
    let client_secret = "client-secret-cycle-77";
    let access = "access-token-cycle-xyz";
    let refresh = "refresh-token-cycle-xyz";

    let mut profiles = ProfileStore::open(config.join("profiles.toml")).unwrap();
    // Add through the form...
    let mut basic = InstanceInput::new("Basic", "https://b.example.org", AuthKind::Basic);
    basic.username = Some("admin".into());
    basic.password = Some(password.into());
    let b = profiles.add(&basic).unwrap();
    store.save_input_secrets(&b.id, &basic).await.unwrap();
    let mut pat_in = InstanceInput::new("Pat", "https://p.example.org", AuthKind::Pat);
    pat_in.pat = Some(pat.into());
    let p = profiles.add(&pat_in).unwrap();
    store.save_input_secrets(&p.id, &pat_in).await.unwrap();
    // ... and by import from the CLI file (which holds a secret itself; it is not scanned).
    std::fs::create_dir_all(dhis2w_cli.parent().unwrap()).unwrap();
    std::fs::write(
        &dhis2w_cli,
        format!(
            "[profiles.sso]\nbase_url = \"https://o.example.org\"\nauth = \"oauth2\"\n\
             client_id = \"dhis2w\"\nclient_secret = \"{client_secret}\"\n"
        ),
    )
    .unwrap();
    let report = profiles
        .import_dhis2w(std::slice::from_ref(&dhis2w_cli), &store)
        .await
        .unwrap();
    assert_eq!(report.imported.len(), 1, "{report:?}");
    let o = profiles.find_by_name("sso").unwrap().clone();
    // A token set, as a sign-in would store it.
    let tokens = KeyringTokenStore::new(store.clone());
    let t = token_for(&o.id, access, refresh);
    tokens.set(&t.key, &t).await.unwrap();
    profiles.set_active(Some(&o.id)).unwrap();
    // Sign out.
    tokens.delete(&t.key).await.unwrap();

    let mut roots = vec![config.clone()];
    roots.extend(xdg_data_home());
    let all = needles(&[password, pat, client_secret, access, refresh]);
    let refs: Vec<&str> = all.iter().map(String::as_str).collect();
    assert_no_secrets(&roots, &refs);

    for id in [&b.id, &p.id, &o.id] {
        profiles.remove(id, &store).await.unwrap();
    }
}

/// A tracing subscriber that writes every event and span field to a file, so the test can
/// check that nothing the core logs (at any level) contains a secret.
mod file_log {
    use std::fmt::Write as _;
    use std::io::Write as _;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::Mutex;
    use tracing::field::{Field, Visit};
    use tracing::span::{Attributes, Id, Record};
    use tracing::{Event, Metadata, Subscriber};

    pub struct FileLog {
        file: Mutex<std::fs::File>,
        next: AtomicU64,
    }

    impl FileLog {
        pub fn new(path: &std::path::Path) -> Self {
            Self {
                file: Mutex::new(std::fs::File::create(path).unwrap()),
                next: AtomicU64::new(1),
            }
        }
        fn write(&self, line: String) {
            let _ = writeln!(self.file.lock().unwrap(), "{line}");
        }
    }

    struct Fields(String);
    impl Visit for Fields {
        fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
            let _ = write!(self.0, " {}={value:?}", field.name());
        }
        fn record_str(&mut self, field: &Field, value: &str) {
            let _ = write!(self.0, " {}={value}", field.name());
        }
    }

    impl Subscriber for FileLog {
        fn enabled(&self, _: &Metadata<'_>) -> bool {
            true
        }
        fn new_span(&self, attrs: &Attributes<'_>) -> Id {
            let mut f = Fields(format!("SPAN {}", attrs.metadata().name()));
            attrs.record(&mut f);
            self.write(f.0);
            Id::from_u64(self.next.fetch_add(1, Ordering::Relaxed))
        }
        fn record(&self, _: &Id, values: &Record<'_>) {
            let mut f = Fields("RECORD".into());
            values.record(&mut f);
            self.write(f.0);
        }
        fn record_follows_from(&self, _: &Id, _: &Id) {}
        fn event(&self, event: &Event<'_>) {
            let m = event.metadata();
            let mut f = Fields(format!("{} {}", m.level(), m.target()));
            event.record(&mut f);
            self.write(f.0);
        }
        fn enter(&self, _: &Id) {}
        fn exit(&self, _: &Id) {}
    }
}

/// Add, sign in (verify with /api/me) and sign out with Basic, PAT and OAuth2 (confidential
/// client, browser flow) against the DHIS2 stand-in, with the core's logs captured at TRACE;
/// then no secret value may be in any file under the config dir, the keyring's data dir, the
/// test's temp dirs or the log.
#[tokio::test]
async fn standin_cycle_basic_pat_oauth2_leaves_no_secret_in_files_or_logs() {
    let Some(secrets) =
        keyring_or_skip("standin_cycle_basic_pat_oauth2_leaves_no_secret_in_files_or_logs").await
    else {
        return;
    };
    let root = tempfile::tempdir().unwrap();
    let config = root.path().join("config");
    let cache = root.path().join("cache");
    std::fs::create_dir_all(&cache).unwrap();
    let log_path = root.path().join("core.log");
    let _log = tracing::subscriber::set_default(file_log::FileLog::new(&log_path));
    tracing::info!("cycle starts");

    let si = support::StandIn::start(&[]).await;
    let username = si.fx("/users/admin/username");
    let password = si.fx("/users/admin/password");
    let pat = si.fx("/pats/valid");
    let client_id = si.fx("/clients/confidential/clientId");
    let client_secret = si.fx("/clients/confidential/clientSecret");

    let mut profiles = ProfileStore::open(config.join("profiles.toml")).unwrap();
    let mut basic = InstanceInput::new("Stand-in basic", &si.base, AuthKind::Basic);
    basic.username = Some(username.clone());
    basic.password = Some(Secret::new(&password));
    let mut pat_in = InstanceInput::new("Stand-in PAT", &si.base, AuthKind::Pat);
    pat_in.pat = Some(Secret::new(&pat));
    let mut oauth_in = InstanceInput::new("Stand-in OAuth2", &si.base, AuthKind::Oauth2);
    oauth_in.oauth2 = Some(OAuth2Settings {
        client_id: client_id.clone(),
        scope: None,
        redirect_mode: RedirectMode::Loopback,
    });
    oauth_in.client_secret = Some(Secret::new(&client_secret));

    let mut access_tokens = Vec::new();
    let mut ids = Vec::new();
    for input in [&basic, &pat_in, &oauth_in] {
        let inst = profiles.add(input).unwrap();
        secrets.save_input_secrets(&inst.id, input).await.unwrap();
        ids.push(inst.id.clone());
        let options = client_options(&inst);
        let auth = profile_auth(&inst, &secrets, &options).await.unwrap();
        if let Some(o) = auth.oauth2() {
            let cap = LoopbackCapturer::bind().await.unwrap();
            let browser =
                support::TestBrowser::new(support::BrowserScript::new(&username, &password));
            let signed = o
                .sign_in(&cap, &browser, SignInOptions::default())
                .await
                .unwrap();
            assert!(signed.has_refresh_token, "confidential client");
            assert!(secrets
                .has(&inst.id, SecretKind::OAuth2Token)
                .await
                .unwrap());
            // Remember the token values to look for them (read the way the core does).
            let json = secrets
                .reveal(&inst.id, SecretKind::OAuth2Token)
                .await
                .unwrap()
                .unwrap();
            let t: OAuth2Token = serde_json::from_str(json.expose()).unwrap();
            access_tokens.push(t.access_token.expose().to_owned());
            if let Some(r) = &t.refresh_token {
                access_tokens.push(r.expose().to_owned());
            }
        }
        let client = Dhis2Client::new(&inst.base_url, auth.provider(), options).unwrap();
        let me = client.me().await.unwrap();
        assert_eq!(me.username(), Some(username.as_str()));
        profiles.set_active(Some(&inst.id)).unwrap();
        // Sign out.
        if let Some(o) = auth.oauth2() {
            o.sign_out().await.unwrap();
            assert!(!secrets
                .has(&inst.id, SecretKind::OAuth2Token)
                .await
                .unwrap());
        }
    }
    assert_eq!(access_tokens.len(), 2);
    tracing::info!("cycle ends");
    drop(_log);

    let basic_header = format!("{username}:{password}");
    let mut plain = vec![
        password.as_str(),
        pat.as_str(),
        client_secret.as_str(),
        basic_header.as_str(),
    ];
    plain.extend(access_tokens.iter().map(String::as_str));
    let all = needles(&plain);
    let refs: Vec<&str> = all.iter().map(String::as_str).collect();
    let mut roots = vec![root.path().to_owned()];
    roots.extend(xdg_data_home());
    // The scan itself works: it finds the PAT when one is written on purpose.
    let canary = cache.join("canary");
    std::fs::write(&canary, &pat).unwrap();
    assert_eq!(scan_for_secrets(&roots, &refs).len(), 1);
    std::fs::remove_file(&canary).unwrap();
    let log_text = std::fs::read_to_string(&log_path).unwrap();
    assert!(log_text.contains("cycle ends"), "the log was captured");
    eprintln!("scanned a log of {} lines", log_text.lines().count());
    assert_no_secrets(&roots, &refs);

    for id in &ids {
        profiles.remove(id, &secrets).await.unwrap();
        assert_eq!(secrets.stored(id).await.unwrap(), Default::default());
    }
}

/// Regression (issue 14): in session-only mode (the keyring locked at start, or turned off),
/// removing an instance or signing out cleared only the memory, leaving the copy an earlier
/// run had stored in the keyring.
#[tokio::test]
async fn session_only_removal_also_clears_an_older_keyring_copy() {
    let Some(keyring) =
        keyring_or_skip("session_only_removal_also_clears_an_older_keyring_copy").await
    else {
        return;
    };
    let id = dhis2w_client::profile::new_instance_id();
    keyring
        .set(&id, SecretKind::Password, Secret::new("an-older-copy"))
        .await
        .unwrap();
    keyring
        .set(
            &id,
            SecretKind::OAuth2Token,
            Secret::new("{\"older\":true}"),
        )
        .await
        .unwrap();
    let session = SecretStore::session_only_with_service(TEST_SERVICE, None);
    session.delete(&id, SecretKind::OAuth2Token).await.unwrap();
    assert!(
        !keyring.has(&id, SecretKind::OAuth2Token).await.unwrap(),
        "sign-out"
    );
    session.delete_all(&id).await.unwrap();
    assert!(
        !keyring.has(&id, SecretKind::Password).await.unwrap(),
        "removal"
    );
}

/// What a Secret Service client reads for `account` under the test service (`secret-tool
/// lookup`), `None` when there is no such item.
fn raw_item(account: &str) -> Option<String> {
    let out = std::process::Command::new("secret-tool")
        .args(["lookup", "--", "service", TEST_SERVICE, "username", account])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    (out.status.success() && !text.is_empty()).then_some(text)
}

/// Windows Credential Manager refuses entries above 2,560 bytes (UTF-16): every keyring entry
/// stays under it, a longer value (a DHIS2 token set) is split over several entries, read back
/// whole, replaced without leaving old parts, and deleted with all its parts.
#[tokio::test]
async fn long_secrets_are_split_into_entries_windows_accepts() {
    let Some(keyring) =
        keyring_or_skip("long_secrets_are_split_into_entries_windows_accepts").await
    else {
        return;
    };
    let id = dhis2w_client::profile::new_instance_id();
    let account = format!("{id}:oauth2_token");
    let long = format!("{{\"access_token\":\"{}é\"}}", "x".repeat(5_000));
    keyring
        .set(&id, SecretKind::OAuth2Token, Secret::new(&long))
        .await
        .unwrap();
    assert_eq!(
        keyring
            .reveal(&id, SecretKind::OAuth2Token)
            .await
            .unwrap()
            .unwrap()
            .expose(),
        long
    );
    let main = raw_item(&account).expect("the main entry");
    let (generation, parts) = main
        .strip_prefix("dhis2w-chunked:v1:")
        .and_then(|r| r.split_once(':'))
        .map(|(g, n)| (g.to_owned(), n.trim().parse::<usize>().unwrap()))
        .expect("the main entry points to the parts");
    assert!(parts >= 5, "{parts}");
    for i in 1..=parts {
        let part = raw_item(&format!("{account}#{generation}.{i}")).expect("a part");
        assert!(
            part.encode_utf16().count() * 2 <= 2_560,
            "part {i}: {} UTF-16 units",
            part.encode_utf16().count()
        );
    }
    // Replaced by a short value: the old parts go.
    keyring
        .set(&id, SecretKind::OAuth2Token, Secret::new("short"))
        .await
        .unwrap();
    assert_eq!(raw_item(&account).as_deref(), Some("short"));
    assert!(raw_item(&format!("{account}#{generation}.1")).is_none());
    // A long value again, then deleted: nothing is left.
    keyring
        .set(&id, SecretKind::OAuth2Token, Secret::new(&long))
        .await
        .unwrap();
    let main = raw_item(&account).unwrap();
    let generation = main.split(':').nth(2).unwrap().to_owned();
    keyring.delete(&id, SecretKind::OAuth2Token).await.unwrap();
    assert!(raw_item(&account).is_none());
    assert!(raw_item(&format!("{account}#{generation}.1")).is_none());
}

/// Regression (issue 14): keyring calls had no time limit, so a keyring waiting for its unlock
/// password held the sign-in for ever. A call now gives up with plain words, and the next one
/// works once the keyring answers.
#[tokio::test]
async fn a_keyring_that_does_not_answer_gives_up_with_plain_words() {
    let Some(keyring) =
        keyring_or_skip("a_keyring_that_does_not_answer_gives_up_with_plain_words").await
    else {
        return;
    };
    let id = dhis2w_client::profile::new_instance_id();
    keyring.stall_calls(Duration::from_secs(3), Duration::from_millis(300));
    let started = std::time::Instant::now();
    let e = keyring
        .set(&id, SecretKind::Password, Secret::new("not-stored"))
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(e.kind(), ErrorKind::StorageUnavailable, "{}", e.message());
    assert!(e.message().contains("did not answer"), "{}", e.message());
    assert!(e.message().contains("unlock it"), "{}", e.message());
    keyring.stall_calls(Duration::ZERO, Duration::from_secs(60));
    // The stalled call may still land late; what counts is that the store works again.
    tokio::time::sleep(Duration::from_secs(4)).await;
    keyring
        .set(&id, SecretKind::Password, Secret::new("stored"))
        .await
        .unwrap();
    assert_eq!(
        keyring
            .reveal(&id, SecretKind::Password)
            .await
            .unwrap()
            .unwrap()
            .expose(),
        "stored"
    );
    keyring.delete_all(&id).await.unwrap();
}
