//! The test browser on its own, without the app: it must carry an authorization request through
//! the stand-in's login and consent pages and deliver code + state to a loopback listener, as the
//! app's loopback capturer would receive them. If this fails, the app scenarios cannot pass.

use std::time::Duration;

use anyhow::{bail, Context, Result};
use base64::Engine;
use dhis2w_e2e::*;
use sha2::Digest;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn b64url(b: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_browser_completes_loopback_sign_in() -> Result<()> {
    let env = TestEnv::new("test-browser")?;
    let standin = StandIn::start(&[], &env.root).await?;
    let (user, password, _) = standin.user("admin");
    let (client_id, secret) = standin.client("confidential");

    // A loopback listener on an ephemeral port, like the app's.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let redirect_uri = format!("http://127.0.0.1:{port}/oauth2/callback");
    let verifier = b64url(&rand_bytes());
    let challenge = b64url(&sha2::Sha256::digest(verifier.as_bytes()));
    let state = b64url(&rand_bytes());
    let mut au = url::Url::parse(&format!("{}/oauth2/authorize", standin.url))?;
    au.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &client_id)
        .append_pair("redirect_uri", &redirect_uri)
        .append_pair("scope", "ALL")
        .append_pair("state", &state)
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256");

    env.set_browser(&user, &password, "complete")?;
    let browser =
        tokio::process::Command::new(repo_root().join("tests/e2e/browser/test-browser.mjs"))
            .arg(au.as_str())
            .env("DHIS2W_TEST_BROWSER_LOG", env.browser_log())
            .env("DHIS2W_TEST_BROWSER_CONFIG", env.path("test-browser.json"))
            .kill_on_drop(true)
            .spawn()?;

    // Serve exactly one callback request.
    let (mut sock, _) = tokio::time::timeout(Duration::from_secs(40), listener.accept())
        .await
        .context("the test browser never reached the loopback listener")??;
    let mut buf = vec![0u8; 8192];
    let n = sock.read(&mut buf).await?;
    let req = String::from_utf8_lossy(&buf[..n]).to_string();
    let target = req
        .split_whitespace()
        .nth(1)
        .unwrap_or_default()
        .to_string();
    let body = "<html><body><p>Signed in. You can close this tab.</p></body></html>";
    sock.write_all(
        format!("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len())
            .as_bytes(),
    )
    .await?;
    drop(sock);
    let cb = url::Url::parse(&format!("http://127.0.0.1{target}"))?;
    assert_eq!(cb.path(), "/oauth2/callback");
    let q: std::collections::HashMap<_, _> = cb.query_pairs().into_owned().collect();
    assert_eq!(
        q.get("state"),
        Some(&state),
        "state must come back unchanged"
    );
    let code = q.get("code").cloned().context("no code on the callback")?;

    let out = tokio::time::timeout(Duration::from_secs(20), browser.wait_with_output()).await??;
    assert!(out.status.success(), "test browser exit: {:?}", out.status);
    let events = env.browser_events();
    let names: Vec<_> = events
        .iter()
        .map(|e| e["event"].as_str().unwrap_or_default().to_string())
        .collect();
    for expected in ["start", "login", "consent", "callback", "exit"] {
        assert!(
            names.iter().any(|n| n == expected),
            "missing '{expected}' in the test browser log: {names:?}"
        );
    }
    let log = std::fs::read_to_string(env.browser_log())?;
    assert!(
        !log.contains(&code),
        "the test browser log must not contain the authorization code"
    );
    assert!(
        !log.contains(&password),
        "the test browser log must not contain the password"
    );

    // The code is real: it exchanges for tokens.
    let tok: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/oauth2/token", standin.url))
        .basic_auth(&client_id, secret.as_deref())
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", &redirect_uri),
            ("code_verifier", &verifier),
        ])
        .send()
        .await?
        .json()
        .await?;
    if tok["access_token"].as_str().is_none() {
        bail!("token exchange failed: {tok}");
    }
    env.passed();
    Ok(())
}

/// Deep-link mode: the redirect to `org.dhis2w.desktop:/oauth2/callback?...` is captured and
/// handed to the desktop with `gio open`. A stand-in handler (a .desktop file in isolated XDG dirs)
/// records what it was given.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_browser_delivers_deep_link_with_gio_open() -> Result<()> {
    let env = TestEnv::new("test-browser-deeplink")?;
    let standin = StandIn::start(&[], &env.root).await?;
    let (user, password, _) = standin.user("admin");
    let (client_id, _) = standin.client("public");

    let apps = env.path("xdg-data/applications");
    std::fs::create_dir_all(&apps)?;
    let handler = env.path("handler.sh");
    std::fs::write(
        &handler,
        format!(
            "#!/bin/sh\nprintf '%s' \"$1\" > '{}'\n",
            env.path("delivered.txt").display()
        ),
    )?;
    std::process::Command::new("chmod")
        .arg("755")
        .arg(&handler)
        .status()?;
    std::fs::write(
        apps.join("e2e-fake-handler.desktop"),
        format!("[Desktop Entry]\nType=Application\nName=fake\nExec={} %u\nMimeType=x-scheme-handler/org.dhis2w.desktop\nNoDisplay=true\n", handler.display()),
    )?;
    std::fs::write(
        env.path("xdg-config/mimeapps.list"),
        "[Default Applications]\nx-scheme-handler/org.dhis2w.desktop=e2e-fake-handler.desktop\n",
    )?;

    let redirect_uri = "org.dhis2w.desktop:/oauth2/callback";
    let verifier = b64url(&rand_bytes());
    let challenge = b64url(&sha2::Sha256::digest(verifier.as_bytes()));
    let state = b64url(&rand_bytes());
    let mut au = url::Url::parse(&format!("{}/oauth2/authorize", standin.url))?;
    au.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &client_id)
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("scope", "ALL")
        .append_pair("state", &state)
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256");

    env.set_browser(&user, &password, "complete")?;
    let mut cmd =
        tokio::process::Command::new(repo_root().join("tests/e2e/browser/test-browser.mjs"));
    cmd.arg(au.as_str()).kill_on_drop(true);
    for (k, v) in env.app_env(true) {
        cmd.env(k, v);
    }
    let out = tokio::time::timeout(Duration::from_secs(60), cmd.output()).await??;
    let names: Vec<_> = env
        .browser_events()
        .iter()
        .map(|e| e["event"].as_str().unwrap_or_default().to_string())
        .collect();
    assert!(
        out.status.success(),
        "test browser exit {:?}; events {names:?}",
        out.status
    );
    for expected in [
        "start",
        "login",
        "consent",
        "deeplink-captured",
        "gio-open",
        "exit",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "missing '{expected}' in the test browser log: {names:?}"
        );
    }
    let delivered = poll(
        "the handler to record the URL",
        Duration::from_secs(10),
        || async {
            Ok(std::fs::read_to_string(env.path("delivered.txt"))
                .ok()
                .filter(|s| !s.is_empty()))
        },
    )
    .await?;
    let u = url::Url::parse(&delivered)?;
    assert_eq!(u.scheme(), "org.dhis2w.desktop");
    assert_eq!(u.path(), "/oauth2/callback");
    let q: std::collections::HashMap<_, _> = u.query_pairs().into_owned().collect();
    assert_eq!(q.get("state"), Some(&state));
    assert!(
        q.get("code").map(|c| !c.is_empty()).unwrap_or(false),
        "no code in {delivered}"
    );
    env.passed();
    Ok(())
}

fn rand_bytes() -> [u8; 32] {
    let mut b = [0u8; 32];
    let s = std::collections::hash_map::RandomState::new();
    for (i, chunk) in b.chunks_mut(8).enumerate() {
        use std::hash::{BuildHasher, Hasher};
        let mut h = s.build_hasher();
        h.write_usize(i);
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos(),
        );
        chunk.copy_from_slice(&h.finish().to_le_bytes());
    }
    b
}
