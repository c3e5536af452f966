//! Basic and PAT providers, the HTTP client's behaviour, base-URL resolution and the probe,
//! against the DHIS2 stand-in.

mod support;

use async_trait::async_trait;
use dhis2w_client::client::Method;
use dhis2w_client::{
    probe, resolve_base_url, AuthProvider, BasicAuth, ClientOptions, Dhis2Client, ErrorKind,
    PatAuth, Secret, SignInMethod,
};
use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION};
use serde_json::json;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use support::StandIn;
use tokio_util::sync::CancellationToken;

fn basic(si: &StandIn, user: &str) -> Dhis2Client {
    let auth = BasicAuth::new(
        si.fx(&format!("/users/{user}/username")),
        Secret::new(si.fx(&format!("/users/{user}/password"))),
    )
    .unwrap();
    Dhis2Client::new(&si.base, Arc::new(auth), fast_options()).unwrap()
}

fn fast_options() -> ClientOptions {
    ClientOptions {
        retry_base_delay: Duration::from_millis(50),
        ..ClientOptions::default()
    }
}

fn pat(si: &StandIn, which: &str) -> Dhis2Client {
    let auth = PatAuth::new(Secret::new(si.fx(&format!("/pats/{which}")))).unwrap();
    Dhis2Client::new(&si.base, Arc::new(auth), fast_options()).unwrap()
}

/// Sends a fixed header without any offline check (to see what the server says).
struct RawHeader(&'static str);

#[async_trait]
impl AuthProvider for RawHeader {
    async fn headers(&self) -> dhis2w_client::Result<HeaderMap> {
        let mut h = HeaderMap::new();
        h.insert(AUTHORIZATION, HeaderValue::from_static(self.0));
        Ok(h)
    }
    async fn refresh_if_needed(&self) -> dhis2w_client::Result<()> {
        Ok(())
    }
    fn scheme(&self) -> &'static str {
        "pat"
    }
}

#[tokio::test]
async fn basic_auth_reads_typed_helpers() {
    let si = StandIn::start(&[]).await;
    let c = basic(&si, "admin");
    let me = c.me().await.unwrap();
    assert_eq!(me.username(), Some("admin"));
    assert_eq!(me.display_name(), Some("John Traore"));
    assert!(!me.extra.is_empty(), "unknown keys are kept");
    let info = c.system_info().await.unwrap();
    assert_eq!(info.version.as_deref(), Some(si.fx("/version").as_str()));
    let cfg = c.login_config().await.unwrap();
    assert_eq!(cfg.api_version.as_deref(), Some(si.fx("/version").as_str()));
    let res = c.resources().await.unwrap();
    assert!(res
        .resources
        .iter()
        .any(|r| r.plural.as_deref() == Some("dataElements")));
    // Every /api call carried Basic auth; nothing created a session cookie reuse.
    let reqs = si.requests().await;
    let api: Vec<_> = reqs
        .iter()
        .filter(|r| r["path"].as_str().unwrap().starts_with("/api/"))
        .collect();
    assert!(api.len() >= 4);
    assert!(api.iter().all(|r| r["auth"] == "basic"), "{api:?}");
}

#[tokio::test]
async fn basic_auth_failures_map_to_kinds_without_retry() {
    let si = StandIn::start(&[]).await;
    let wrong = Dhis2Client::new(
        &si.base,
        Arc::new(BasicAuth::new("admin", Secret::new("wrong")).unwrap()),
        fast_options(),
    )
    .unwrap();
    let e = wrong.me().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidCredentials, "{e}");
    assert!(!e.message().contains("wrong"));
    let me_calls = si
        .requests()
        .await
        .iter()
        .filter(|r| r["path"] == "/api/me")
        .count();
    assert_eq!(me_calls, 1, "a Basic 401 is never retried (lockout)");

    let e = basic(&si, "locked").me().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::AccountLocked, "{e}");
    let e = basic(&si, "disabled").me().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::AccountDisabled, "{e}");
}

#[tokio::test]
async fn pat_auth_and_pat_failures() {
    let si = StandIn::start(&[]).await;
    let me = pat(&si, "valid").me().await.unwrap();
    assert_eq!(me.username(), Some("admin"));
    assert!(si
        .requests()
        .await
        .iter()
        .any(|r| r["path"] == "/api/me" && r["auth"] == "apitoken"));

    let e = pat(&si, "expired").me().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TokenExpired, "{e}");

    // Method-limited (GET only): GET works, POST is refused.
    assert!(pat(&si, "getOnly").me().await.is_ok());
    let e = pat(&si, "getOnly")
        .request(
            Method::POST,
            "/api/dataElements",
            &[],
            Some(("application/json".into(), bytes::Bytes::from_static(b"{}"))),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PatRejected, "{e}");
    assert!(e.message().contains("request methods"));

    for which in ["ipLimited", "referrer", "lockedOwner", "twofaOwner"] {
        let e = pat(&si, which).me().await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::PatRejected, "{which}: {e}");
    }

    // Malformed: refused offline, before anything is sent.
    si.clear_requests().await;
    let mut bad = si.fx("/pats/valid");
    bad.replace_range(10..11, if &bad[10..11] == "A" { "B" } else { "A" });
    let e = PatAuth::new(Secret::new(bad)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PatMalformed);
    assert!(si.requests().await.is_empty(), "nothing was sent");

    // And if one slipped through, the server's 400 maps to the same kind.
    let c = Dhis2Client::new(
        &si.base,
        Arc::new(RawHeader(
            "ApiToken d2p_iKrAY7sR6rPea1rub181baRzyyui2AW07ymXPRExAgwa051Mej",
        )),
        fast_options(),
    )
    .unwrap();
    let e = c.me().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PatMalformed, "{e}");
}

#[tokio::test]
async fn v1_pat_on_a_2_40_server() {
    let si = StandIn::start(&["--profile", "2.40"]).await;
    let me = pat(&si, "v1").me().await.unwrap();
    assert_eq!(me.username(), Some("admin"), "2.40 nests the username");
}

#[tokio::test]
async fn cross_host_redirect_never_receives_credentials() {
    let si = StandIn::start(&[]).await;
    let alias = si.fx("/aliasUrl");
    let canonical = resolve_base_url(&alias).await.unwrap();
    assert_eq!(canonical.as_str().trim_end_matches('/'), si.base);
    let c = Dhis2Client::new(
        canonical.as_str(),
        Arc::new(BasicAuth::new("admin", Secret::new("district")).unwrap()),
        fast_options(),
    )
    .unwrap();
    c.me().await.unwrap();
    // A client pointed at the alias refuses to follow the redirect with credentials.
    let aliased = Dhis2Client::new(
        &alias,
        Arc::new(BasicAuth::new("admin", Secret::new("district")).unwrap()),
        fast_options(),
    )
    .unwrap();
    let e = aliased.me().await.unwrap_err();
    assert!(e.message().contains("another address"), "{e}");

    let port = si.host_port().split(':').nth(1).unwrap().to_owned();
    let reqs = si.requests().await;
    let alias_host = format!("localhost:{port}");
    let to_alias: Vec<_> = reqs.iter().filter(|r| r["host"] == alias_host).collect();
    assert!(
        !to_alias.is_empty(),
        "the alias host was contacted: {reqs:?}"
    );
    // Only the explicit aliased client (which the app never builds) sent auth to the alias;
    // the resolution itself sent none.
    let with_auth: Vec<_> = to_alias.iter().filter(|r| r["auth"] != "none").collect();
    assert!(
        with_auth.len() <= 1 && with_auth.iter().all(|r| r["path"] == "/api/me"),
        "{with_auth:?}"
    );
    // Resolution + canonical client: no auth to the alias at all.
    si.clear_requests().await;
    let canonical = resolve_base_url(&alias).await.unwrap();
    let c = Dhis2Client::new(
        canonical.as_str(),
        Arc::new(BasicAuth::new("admin", Secret::new("district")).unwrap()),
        fast_options(),
    )
    .unwrap();
    c.me().await.unwrap();
    let reqs = si.requests().await;
    assert!(reqs.iter().any(|r| r["host"] == alias_host));
    assert!(
        reqs.iter()
            .filter(|r| r["host"] == alias_host)
            .all(|r| r["auth"] == "none"),
        "{reqs:?}"
    );
}

#[tokio::test]
async fn resolve_strips_login_and_app_pages_under_a_context_path() {
    let si = StandIn::start(&["--context-path", "/dhis"]).await;
    assert!(si.base.ends_with("/dhis"));
    for typed in [
        si.base.clone(),
        format!("{}/", si.base),
        format!("{}/dhis-web-dashboard/", si.base),
        format!("{}/login/", si.base),
    ] {
        let u = resolve_base_url(&typed).await.unwrap();
        assert_eq!(u.as_str().trim_end_matches('/'), si.base, "{typed}");
    }
    let alias = si.fx("/aliasUrl");
    let u = resolve_base_url(&alias).await.unwrap();
    assert_eq!(u.as_str().trim_end_matches('/'), si.base);
    let c = basic(&si, "admin");
    assert_eq!(c.me().await.unwrap().username(), Some("admin"));
}

#[tokio::test]
async fn probe_reports_version_and_methods() {
    let si = StandIn::start(&[]).await;
    let p = probe(&si.fx("/aliasUrl")).await.unwrap();
    assert_eq!(p.canonical_url, si.base.trim_end_matches('/'));
    assert_eq!(p.version.as_deref(), Some(si.fx("/version").as_str()));
    assert!(p.methods.oauth2.available, "{p:?}");
    assert_eq!(p.recommended, SignInMethod::Oauth2);
    assert_eq!(p.redirect_uris.loopback, "http://127.0.0.1/oauth2/callback");
    assert!(p.system_name.is_some());
    let v = serde_json::to_value(&p).unwrap();
    assert_eq!(v["recommended"], "oauth2");
    assert!(v["redirectUris"]["deepLink"].is_string());

    let old = StandIn::start(&["--profile", "2.40"]).await;
    let p = probe(&old.base).await.unwrap();
    assert_eq!(p.version, None);
    assert!(!p.methods.oauth2.available);
    assert!(p.methods.oauth2.reason.is_some());
    assert_eq!(p.recommended, SignInMethod::Pat);
}

#[tokio::test]
async fn probe_rejects_what_is_not_dhis2_and_unreachable_servers() {
    // A plain web server that is not DHIS2.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                use tokio::io::{AsyncReadExt, AsyncWriteExt};
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf).await;
                let body = "<html>hello</html>";
                let _ = s
                    .write_all(
                        format!(
                            "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                            body.len()
                        )
                        .as_bytes(),
                    )
                    .await;
            });
        }
    });
    let e = probe(&format!("http://{addr}")).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotDhis2, "{e}");

    // Nothing listens on a freshly closed port.
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = l.local_addr().unwrap();
    drop(l);
    let e = probe(&format!("http://{dead}")).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ServerUnreachable, "{e}");
    let c = Dhis2Client::new(
        &format!("http://{dead}"),
        Arc::new(BasicAuth::new("a", Secret::new("b")).unwrap()),
        fast_options(),
    )
    .unwrap();
    assert_eq!(
        c.me().await.unwrap_err().kind(),
        ErrorKind::ServerUnreachable
    );
}

#[tokio::test]
async fn retries_idempotent_requests_honouring_retry_after() {
    let si = StandIn::start(&[]).await;
    let c = basic(&si, "admin");
    si.set_faults(json!({"status": 503, "statusCount": 2, "retryAfter": 1}))
        .await;
    let started = std::time::Instant::now();
    let raw = c.get("/api/system/info", &[]).await.unwrap();
    assert_eq!(raw.status, 200);
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "Retry-After: 1 was honoured twice"
    );
    let n = si
        .requests()
        .await
        .iter()
        .filter(|r| r["path"] == "/api/system/info")
        .count();
    assert_eq!(n, 3);

    // A POST is not idempotent: no retry.
    si.clear_requests().await;
    si.set_faults(json!({"status": 503, "statusCount": 5}))
        .await;
    let raw = c
        .request(
            Method::POST,
            "/api/dataElements",
            &[],
            Some(("application/json".into(), bytes::Bytes::from_static(b"{}"))),
        )
        .await
        .unwrap();
    assert_eq!(raw.status, 503);
    let n = si
        .requests()
        .await
        .iter()
        .filter(|r| r["path"] == "/api/dataElements")
        .count();
    assert_eq!(n, 1);

    // Retries are bounded: a permanent 503 ends as server_error.
    si.clear_faults().await;
    si.set_faults(json!({"status": 503, "statusCount": 100}))
        .await;
    let e = c.system_info().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ServerError);
}

#[tokio::test]
async fn raw_get_streams_with_progress_and_can_be_cancelled() {
    let si = StandIn::start(&[]).await;
    let c = basic(&si, "admin");
    let calls = AtomicU64::new(0);
    let last = AtomicU64::new(0);
    let progress = |bytes: u64, _total: Option<u64>| {
        calls.fetch_add(1, Ordering::SeqCst);
        assert!(bytes >= last.swap(bytes, Ordering::SeqCst));
    };
    let q = vec![("paging".to_owned(), "false".to_owned())];
    let raw = c
        .get_streaming("/api/organisationUnits", &q, Some(&progress), None)
        .await
        .unwrap();
    assert_eq!(raw.status, 200);
    assert!(calls.load(Ordering::SeqCst) >= 1);
    assert_eq!(last.load(Ordering::SeqCst), raw.body.len() as u64);
    assert!(raw.headers.iter().any(|(k, _)| k == "content-type"));
    let v: serde_json::Value = raw.json().unwrap();
    assert!(v["organisationUnits"].as_array().unwrap().len() > 100);

    // Cancel after the first chunk.
    let cancel = CancellationToken::new();
    let cancel2 = cancel.clone();
    let stop = move |_: u64, _: Option<u64>| cancel2.cancel();
    let e = c
        .get_streaming("/api/organisationUnits", &q, Some(&stop), Some(&cancel))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Cancelled);

    // Cancel while waiting for a slow server.
    si.set_faults(json!({"delayMs": 3000})).await;
    let cancel = CancellationToken::new();
    let c2 = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        c2.cancel();
    });
    let started = std::time::Instant::now();
    let e = c
        .get_streaming("/api/me", &[], None, Some(&cancel))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Cancelled);
    assert!(started.elapsed() < Duration::from_secs(2));
    si.clear_faults().await;

    // A connection reset mid-body is reported, not silently truncated.
    si.set_faults(json!({"resetMidBody": true})).await;
    let e = c.get("/api/organisationUnits", &q).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ServerUnreachable, "{e}");

    // Non-2xx answers are returned as is for the browser; typed helpers map them.
    si.clear_faults().await;
    let raw = c.get("/api/dataElements/nonexistent1", &[]).await.unwrap();
    assert!(raw.status == 404 || raw.status == 405, "{}", raw.status);
    let e = c
        .get_json::<serde_json::Value>("/api/dataElements/abcdefghijk", &[])
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
}

#[tokio::test]
async fn analyst_is_forbidden_where_admins_are_not() {
    let si = StandIn::start(&[]).await;
    let c = basic(&si, "analyst");
    let info = c.system_info().await.unwrap();
    assert!(info.version.is_some());
    // The OAuth2 client list needs F_OAUTH2_CLIENT_MANAGE.
    let e = c
        .get_json::<serde_json::Value>("/api/oAuth2Clients", &[])
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Forbidden, "{e}");
}

#[tokio::test]
async fn bad_extra_ca_file_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("ca.pem");
    std::fs::write(&f, "not a certificate").unwrap();
    let opts = ClientOptions {
        extra_ca_pem: Some(f),
        ..ClientOptions::default()
    };
    let e = Dhis2Client::new(
        "https://x.example",
        Arc::new(BasicAuth::new("a", Secret::new("b")).unwrap()),
        opts,
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    let opts = ClientOptions {
        extra_ca_pem: Some(dir.path().join("missing.pem")),
        ..ClientOptions::default()
    };
    assert!(Dhis2Client::new(
        "https://x.example",
        Arc::new(BasicAuth::new("a", Secret::new("b")).unwrap()),
        opts
    )
    .is_err());
}

#[tokio::test]
async fn a_server_slower_than_the_read_timeout_is_a_timeout() {
    let si = StandIn::start(&[]).await;
    let auth = BasicAuth::new(
        si.fx("/users/admin/username"),
        Secret::new(si.fx("/users/admin/password")),
    )
    .unwrap();
    let c = Dhis2Client::new(
        &si.base,
        Arc::new(auth),
        ClientOptions {
            read_timeout: Duration::from_millis(300),
            ..fast_options()
        },
    )
    .unwrap();
    si.set_faults(json!({"delayMs": 2000})).await;
    let started = std::time::Instant::now();
    let e = c.me().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e:?}");
    assert!(e.message().contains("too long"), "{}", e.message());
    assert!(started.elapsed() < Duration::from_millis(1800));
    si.clear_faults().await;
    c.me().await.unwrap();
}
