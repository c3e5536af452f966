//! The OAuth2 provider and the redirect capturers against the DHIS2 stand-in, with the test
//! acting as the browser over plain HTTP.

mod support;

use async_trait::async_trait;
use dhis2w_client::capture::{
    DeepLinkCapturer, DeepLinkHandle, DeepLinkOptions, LoopbackCapturer, LoopbackOptions,
    RedirectCapturer,
};
use dhis2w_client::{
    AuthProvider, BrowserOpener, ClientAuth, ClientOptions, Dhis2Client, ErrorKind,
    MemoryTokenStore, OAuth2Auth, OAuth2Config, OAuth2Token, Secret, SessionState, SignInOptions,
    SignInProgress, SignInStage, TokenKey, TokenStore,
};
use serde_json::json;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::{BrowserScript, Deliver, StandIn, TestBrowser};
use tokio_util::sync::CancellationToken;

#[derive(Clone, Copy)]
enum Kind {
    Public,
    Basic,
    Post,
}

/// Counts store writes, to check tokens are written only when they change.
#[derive(Default)]
struct CountingStore {
    inner: MemoryTokenStore,
    gets: AtomicUsize,
    sets: AtomicUsize,
    deletes: AtomicUsize,
}

#[async_trait]
impl TokenStore for CountingStore {
    async fn get(&self, key: &TokenKey) -> dhis2w_client::Result<Option<OAuth2Token>> {
        self.gets.fetch_add(1, Ordering::SeqCst);
        self.inner.get(key).await
    }
    async fn set(&self, key: &TokenKey, token: &OAuth2Token) -> dhis2w_client::Result<()> {
        self.sets.fetch_add(1, Ordering::SeqCst);
        self.inner.set(key, token).await
    }
    async fn delete(&self, key: &TokenKey) -> dhis2w_client::Result<()> {
        self.deletes.fetch_add(1, Ordering::SeqCst);
        self.inner.delete(key).await
    }
}

fn oauth(si: &StandIn, kind: Kind, store: Arc<dyn TokenStore>, scope: Option<&str>) -> OAuth2Auth {
    let (client_id, client_auth) = match kind {
        Kind::Public => (si.fx("/clients/public/clientId"), ClientAuth::None),
        Kind::Basic => (
            si.fx("/clients/confidential/clientId"),
            ClientAuth::SecretBasic(Secret::new(si.fx("/clients/confidential/clientSecret"))),
        ),
        Kind::Post => (
            si.fx("/clients/confidential/clientId"),
            ClientAuth::SecretPost(Secret::new(si.fx("/clients/confidential/clientSecret"))),
        ),
    };
    OAuth2Auth::new(
        OAuth2Config {
            profile: "test".into(),
            base_url: si.base.clone(),
            client_id,
            client_auth,
            scope: scope.map(str::to_owned),
        },
        store,
        &ClientOptions::default(),
    )
    .unwrap()
}

fn admin(si: &StandIn) -> BrowserScript {
    BrowserScript::new(
        &si.fx("/users/admin/username"),
        &si.fx("/users/admin/password"),
    )
}

fn recorder() -> (Arc<Mutex<Vec<SignInProgress>>>, SignInOptions) {
    let events = Arc::new(Mutex::new(vec![]));
    let e2 = events.clone();
    let opts = SignInOptions {
        progress: Some(Arc::new(move |p| e2.lock().unwrap().push(p))),
        ..SignInOptions::default()
    };
    (events, opts)
}

async fn port_is_closed(port: u16) -> bool {
    tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
}

/// Signs in through the loopback capturer and the HTTP browser; returns the provider.
async fn signed_in(si: &StandIn, kind: Kind, store: Arc<dyn TokenStore>) -> Arc<OAuth2Auth> {
    let auth = Arc::new(oauth(si, kind, store, None));
    let cap = LoopbackCapturer::bind().await.unwrap();
    let browser = TestBrowser::new(admin(si));
    auth.sign_in(&cap, &browser, SignInOptions::default())
        .await
        .unwrap();
    auth
}

fn client(si: &StandIn, auth: Arc<OAuth2Auth>) -> Dhis2Client {
    Dhis2Client::new(&si.base, auth, ClientOptions::default()).unwrap()
}

#[tokio::test]
async fn public_client_full_flow_through_the_loopback_capturer() {
    let si = StandIn::start(&[]).await;
    let store = Arc::new(CountingStore::default());
    let auth = Arc::new(oauth(&si, Kind::Public, store.clone(), None));
    let cap = LoopbackCapturer::bind().await.unwrap();
    let port = cap.local_addr().port();
    assert!(cap.local_addr().ip().is_loopback());
    assert_eq!(
        cap.redirect_uri(),
        format!("http://127.0.0.1:{port}/oauth2/callback")
    );
    let browser = TestBrowser::new(admin(&si));
    let (events, opts) = recorder();
    let signed = auth.sign_in(&cap, &browser, opts).await.unwrap();
    assert_eq!(signed.me.username(), Some("admin"));
    assert!(
        !signed.has_refresh_token,
        "DHIS2 public clients get no refresh token"
    );

    let seen = browser.outcome().await;
    assert!(seen.saw_login && seen.saw_consent);
    assert_eq!(seen.callback_status, Some(200));
    assert!(seen.callback_body.contains("return to dhis2w Desktop"));
    // The authorize request: PKCE S256, state, scope by version (2.43.1 → ALL), no prompt.
    let url = url::Url::parse(&seen.authorize_url).unwrap();
    let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(q["code_challenge_method"], "S256");
    assert_eq!(q["code_challenge"].len(), 43);
    assert!(q["state"].len() >= 22, "state has at least 128 bits");
    assert_eq!(q["scope"], "ALL");
    assert!(!q.contains_key("prompt"));

    let stages: Vec<_> = events.lock().unwrap().iter().map(|e| e.stage).collect();
    assert_eq!(
        stages,
        [
            SignInStage::WaitingForBrowser,
            SignInStage::Exchanging,
            SignInStage::Done
        ]
    );
    assert_eq!(
        events.lock().unwrap()[0].authorize_url.as_deref(),
        Some(seen.authorize_url.as_str())
    );

    assert!(
        port_is_closed(port).await,
        "the listener is closed after the flow"
    );

    // The token works, and is read from / written to the store only when it changes.
    let c = client(&si, auth.clone());
    for _ in 0..20 {
        assert_eq!(c.me().await.unwrap().username(), Some("admin"));
    }
    assert_eq!(store.sets.load(Ordering::SeqCst), 1);
    assert!(store.gets.load(Ordering::SeqCst) <= 1);
    assert!(si
        .requests()
        .await
        .iter()
        .any(|r| r["path"] == "/api/me" && r["auth"] == "bearer"));
}

#[tokio::test]
async fn confidential_clients_with_basic_and_post_auth_and_scope_override() {
    let si = StandIn::start(&["--profile", "2.42"]).await;
    for kind in [Kind::Basic, Kind::Post] {
        let auth = Arc::new(oauth(
            &si,
            kind,
            Arc::new(MemoryTokenStore::new()),
            Some("openid profile username email"),
        ));
        let cap = LoopbackCapturer::bind().await.unwrap();
        let browser = TestBrowser::new(admin(&si));
        let opts = SignInOptions {
            prompt_login: true,
            ..SignInOptions::default()
        };
        let signed = auth.sign_in(&cap, &browser, opts).await.unwrap();
        assert!(signed.has_refresh_token);
        assert_eq!(signed.me.username(), Some("admin"));
        let seen = browser.outcome().await;
        let url = url::Url::parse(&seen.authorize_url).unwrap();
        let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
        assert_eq!(q["scope"], "openid profile username email");
        assert_eq!(q["prompt"], "login");
        // DHIS2 ignores prompt=login: its logout page opened first ends the browser's session.
        let opened = browser.opened.lock().unwrap().clone();
        assert_eq!(opened.len(), 2, "{opened:?}");
        assert!(opened[0].ends_with("/dhis-web-commons-security/logout.action"));
        auth.refresh_now().await.unwrap();
        assert_eq!(
            client(&si, auth.clone()).me().await.unwrap().username(),
            Some("admin")
        );
    }
    assert_eq!(si.token_posts("authorization_code").await, 2);
    assert_eq!(si.token_posts("refresh_token").await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn refresh_ahead_of_expiry_is_single_flight_across_200_requests() {
    let si = StandIn::start(&["--access-ttl", "64"]).await;
    let store = Arc::new(CountingStore::default());
    let auth = signed_in(&si, Kind::Basic, store.clone()).await;
    let first = store.inner.get(auth.token_key()).await.unwrap().unwrap();
    let c = client(&si, auth.clone());
    c.me().await.unwrap();
    assert_eq!(
        si.token_posts("refresh_token").await,
        0,
        "not yet near expiry"
    );
    // Now within 60 s of expiry, but not expired.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let mut tasks = vec![];
    for _ in 0..200 {
        let c = c.clone();
        tasks.push(tokio::spawn(async move { c.me().await }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(
        si.token_posts("refresh_token").await,
        1,
        "exactly one refresh"
    );
    let status = si.token_status(first.access_token.expose()).await;
    assert_eq!(
        status["active"], true,
        "refreshed before the old token expired: {status}"
    );
    let now = store.inner.get(auth.token_key()).await.unwrap().unwrap();
    assert_ne!(now.access_token, first.access_token);
    assert_eq!(
        now.refresh_token, first.refresh_token,
        "old refresh token kept"
    );
    assert_eq!(
        store.sets.load(Ordering::SeqCst),
        2,
        "sign-in + one refresh"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn server_side_expiry_gives_one_refresh_and_one_retry() {
    let si = StandIn::start(&[]).await;
    let auth = signed_in(&si, Kind::Post, Arc::new(MemoryTokenStore::new())).await;
    let c = client(&si, auth.clone());
    c.me().await.unwrap();
    si.expire_tokens().await;
    let mut tasks = vec![];
    for _ in 0..200 {
        let c = c.clone();
        tasks.push(tokio::spawn(async move { c.me().await }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(si.token_posts("refresh_token").await, 1);
    // A key rotation (DHIS2 restart) is survived the same way.
    si.rotate_key().await;
    c.me().await.unwrap();
    assert_eq!(si.token_posts("refresh_token").await, 2);
}

#[tokio::test]
async fn public_client_reaches_sign_in_required_without_opening_a_browser() {
    let si = StandIn::start(&["--access-ttl", "2"]).await;
    let auth = Arc::new(oauth(
        &si,
        Kind::Public,
        Arc::new(MemoryTokenStore::new()),
        None,
    ));
    let cap = LoopbackCapturer::bind().await.unwrap();
    let opened = Arc::new(AtomicUsize::new(0));
    struct Counting(TestBrowser, Arc<AtomicUsize>);
    #[async_trait]
    impl BrowserOpener for Counting {
        async fn open(&self, url: &str) -> dhis2w_client::Result<()> {
            self.1.fetch_add(1, Ordering::SeqCst);
            self.0.open(url).await
        }
    }
    let browser = Counting(TestBrowser::new(admin(&si)), opened.clone());
    auth.sign_in(&cap, &browser, SignInOptions::default())
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let e = client(&si, auth.clone()).me().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::SignInRequired, "{e}");
    assert!(auth.headers().await.is_ok(), "token kept until sign-out");
    assert_eq!(
        auth.refresh_if_needed().await.unwrap_err().kind(),
        ErrorKind::SignInRequired
    );
    assert_eq!(
        opened.load(Ordering::SeqCst),
        1,
        "no browser from background calls"
    );
    assert_eq!(si.token_posts("refresh_token").await, 0);

    // Never signed in at all.
    let fresh = oauth(&si, Kind::Public, Arc::new(MemoryTokenStore::new()), None);
    assert_eq!(
        fresh.headers().await.unwrap_err().kind(),
        ErrorKind::SignInRequired
    );
}

#[tokio::test]
async fn public_client_status_needs_sign_in_after_expiry() {
    let si = StandIn::start(&["--access-ttl", "2"]).await;
    let auth = signed_in(&si, Kind::Public, Arc::new(MemoryTokenStore::new())).await;
    let now = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64
    };
    let st = auth.status().await.unwrap().expect("a token");
    assert!(!st.has_refresh_token && !st.rejected);
    assert_eq!(st.session_state(now()), SessionState::SignedIn);
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let e = client(&si, auth.clone()).me().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::SignInRequired, "{e}");
    let st = auth
        .status()
        .await
        .unwrap()
        .expect("the token is kept until sign-out");
    assert_eq!(st.session_state(now()), SessionState::NeedsSignIn);
}

#[tokio::test]
async fn a_public_token_the_server_rejected_needs_sign_in_until_a_new_sign_in() {
    let si = StandIn::start(&[]).await;
    let store: Arc<dyn TokenStore> = Arc::new(MemoryTokenStore::new());
    let auth = signed_in(&si, Kind::Public, store.clone()).await;
    let c = client(&si, auth.clone());
    c.me().await.unwrap();
    let now = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64
    };
    // The server ends the token early; it is still valid by its own expiry.
    si.expire_tokens().await;
    let e = c.me().await.unwrap_err();
    assert!(
        matches!(
            e.kind(),
            ErrorKind::TokenExpired | ErrorKind::SignInRequired
        ),
        "{e}"
    );
    let st = auth.status().await.unwrap().expect("a token");
    assert!(st.expires_at > now(), "not expired by its own clock");
    assert!(st.rejected, "the rejection is remembered");
    assert_eq!(st.session_state(now()), SessionState::NeedsSignIn);
    // Still so on the next ask, and no refresh was attempted (public clients have none).
    assert_eq!(
        auth.status().await.unwrap().unwrap().session_state(now()),
        SessionState::NeedsSignIn
    );
    assert_eq!(si.token_posts("refresh_token").await, 0);

    // Signing in again (same provider) clears it.
    let cap = LoopbackCapturer::bind().await.unwrap();
    auth.sign_in(
        &cap,
        &TestBrowser::new(admin(&si)),
        SignInOptions::default(),
    )
    .await
    .unwrap();
    let st = auth.status().await.unwrap().unwrap();
    assert!(!st.rejected);
    assert_eq!(st.session_state(now()), SessionState::SignedIn);
    c.me().await.unwrap();

    // A provider built later from the store (e.g. after an edit) starts without the memory.
    let again = oauth(&si, Kind::Public, store, None);
    assert!(!again.status().await.unwrap().unwrap().rejected);
}

#[tokio::test]
async fn a_confidential_token_the_server_rejected_is_refreshed_not_marked() {
    let si = StandIn::start(&[]).await;
    let auth = signed_in(&si, Kind::Basic, Arc::new(MemoryTokenStore::new())).await;
    let c = client(&si, auth.clone());
    si.expire_tokens().await;
    c.me().await.unwrap();
    let st = auth.status().await.unwrap().unwrap();
    assert!(!st.rejected);
    assert_eq!(st.session_state(0), SessionState::SignedIn);
    assert_eq!(si.token_posts("refresh_token").await, 1);
}

#[tokio::test]
async fn invalid_grant_on_refresh_means_sign_in_required_and_forgets_the_token() {
    let si = StandIn::start(&[]).await;
    let store = Arc::new(MemoryTokenStore::new());
    let auth = signed_in(&si, Kind::Basic, store.clone()).await;
    si.set_faults(json!({"refreshInvalidGrant": true})).await;
    let e = auth.refresh_now().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::SignInRequired);
    assert!(store.get(auth.token_key()).await.unwrap().is_none());
    assert_eq!(
        auth.headers().await.unwrap_err().kind(),
        ErrorKind::SignInRequired
    );
}

#[tokio::test]
async fn token_endpoint_failure_is_a_server_error() {
    let si = StandIn::start(&[]).await;
    let auth = signed_in(&si, Kind::Basic, Arc::new(MemoryTokenStore::new())).await;
    si.set_faults(json!({"tokenEndpointFailure": true})).await;
    let e = auth.refresh_now().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ServerError, "{e}");
    si.clear_faults().await;
    auth.refresh_now().await.unwrap();
}

#[tokio::test]
async fn wrong_state_and_stray_requests_are_ignored() {
    let si = StandIn::start(&[]).await;
    let auth = oauth(&si, Kind::Public, Arc::new(MemoryTokenStore::new()), None);
    let cap = LoopbackCapturer::bind().await.unwrap();
    let mut script = admin(&si);
    script.strays = true;
    script.wrong_state_first = true;
    let browser = TestBrowser::new(script);
    auth.sign_in(&cap, &browser, SignInOptions::default())
        .await
        .unwrap();
    let seen = browser.outcome().await;
    assert_eq!(
        seen.stray_statuses,
        vec![404; 7],
        "favicon, /, no state x2, other path, POST, wrong state"
    );
    assert_eq!(seen.callback_status, Some(200));
}

#[tokio::test]
async fn cancelling_consent_is_access_denied_with_plain_words() {
    let si = StandIn::start(&[]).await;
    let store = Arc::new(MemoryTokenStore::new());
    let auth = oauth(&si, Kind::Public, store.clone(), None);
    let cap = LoopbackCapturer::bind().await.unwrap();
    let port = cap.local_addr().port();
    let mut script = admin(&si);
    script.approve = false;
    let browser = TestBrowser::new(script);
    let (events, opts) = recorder();
    let e = auth.sign_in(&cap, &browser, opts).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Cancelled, "{e}");
    assert!(e.message().contains("cancelled"));
    let seen = browser.outcome().await;
    assert!(seen.callback_url.contains("error=access_denied"));
    assert_eq!(seen.callback_status, Some(400));
    assert!(seen.callback_body.contains("return to dhis2w Desktop"));
    assert_eq!(
        events.lock().unwrap().last().unwrap().stage,
        SignInStage::Cancelled
    );
    assert!(store.get(auth.token_key()).await.unwrap().is_none());
    assert!(port_is_closed(port).await);
}

#[tokio::test]
async fn loopback_times_out_and_can_be_cancelled_and_closes_the_port() {
    let si = StandIn::start(&[]).await;
    let auth = oauth(&si, Kind::Public, Arc::new(MemoryTokenStore::new()), None);
    // Timeout: the browser never comes back.
    let cap = LoopbackCapturer::bind_with(LoopbackOptions {
        timeout: Duration::from_millis(1500),
        ..LoopbackOptions::default()
    })
    .await
    .unwrap();
    let port = cap.local_addr().port();
    let mut script = admin(&si);
    script.deliver = Deliver::Nowhere;
    let (events, opts) = recorder();
    let e = auth
        .sign_in(&cap, &TestBrowser::new(script.clone()), opts)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout);
    assert_eq!(
        events.lock().unwrap().last().unwrap().stage,
        SignInStage::Failed
    );
    assert!(port_is_closed(port).await);

    // Cancel from the app.
    let cap = LoopbackCapturer::bind().await.unwrap();
    let port = cap.local_addr().port();
    let (events, opts) = recorder();
    let cancel = opts.cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(800)).await;
        cancel.cancel();
    });
    let started = std::time::Instant::now();
    let e = auth
        .sign_in(&cap, &TestBrowser::new(script), opts)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Cancelled);
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(
        events.lock().unwrap().last().unwrap().stage,
        SignInStage::Cancelled
    );
    assert!(port_is_closed(port).await);

    // A used capturer refuses a second wait.
    let e = cap
        .wait_for_code("x", &CancellationToken::new())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Internal);
}

#[tokio::test]
async fn replayed_code_and_callback_are_refused() {
    let si = StandIn::start(&[]).await;
    let store = Arc::new(MemoryTokenStore::new());
    let auth = Arc::new(oauth(&si, Kind::Public, store.clone(), None));
    let cap = LoopbackCapturer::bind().await.unwrap();
    let redirect_uri = cap.redirect_uri();
    let browser = TestBrowser::new(admin(&si));
    auth.sign_in(&cap, &browser, SignInOptions::default())
        .await
        .unwrap();
    let seen = browser.outcome().await;
    // Re-delivering the callback (a browser reload, or an attacker) finds no listener.
    let reload = reqwest::Client::new().get(&seen.callback_url).send().await;
    assert!(reload.is_err(), "the callback port is closed after use");
    // Replaying the code at the token endpoint (without our PKCE verifier) is refused.
    let code = url::Url::parse(&seen.callback_url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let replay = si
        .http
        .post(format!("{}/oauth2/token", si.base))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", redirect_uri.as_str()),
            ("client_id", si.fx("/clients/public/clientId").as_str()),
            (
                "code_verifier",
                "replayed-without-the-verifier-aaaaaaaaaaaaaaaaaaaa",
            ),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), 400);
    let body: serde_json::Value = replay.json().await.unwrap();
    assert_eq!(body["error"], "invalid_grant");
    assert_eq!(si.token_posts("authorization_code").await, 2);
    // Exactly one code exchange came from the app, and its session still works.
    let token = store.get(auth.token_key()).await.unwrap().unwrap();
    let st = si.token_status(token.access_token.expose()).await;
    assert_eq!(st["active"], true, "{st}");
    assert_eq!(
        client(&si, auth).me().await.unwrap().username(),
        Some("admin")
    );
}

#[tokio::test]
async fn sign_out_revokes_and_deletes_the_token() {
    let si = StandIn::start(&[]).await;
    let store = Arc::new(MemoryTokenStore::new());
    let auth = signed_in(&si, Kind::Basic, store.clone()).await;
    let token = store.get(auth.token_key()).await.unwrap().unwrap();
    let report = auth.sign_out().await.unwrap();
    assert!(report.revoked, "{report:?}");
    let st = si
        .token_status(token.refresh_token.as_ref().unwrap().expose())
        .await;
    assert_eq!(st["revoked"], true, "{st}");
    assert_eq!(st["active"], false);
    let st = si.token_status(token.access_token.expose()).await;
    assert_eq!(st["active"], false, "{st}");
    assert!(store.get(auth.token_key()).await.unwrap().is_none());
    assert_eq!(
        auth.headers().await.unwrap_err().kind(),
        ErrorKind::SignInRequired
    );

    // Public clients cannot revoke on DHIS2: reported, token still deleted locally.
    let store = Arc::new(MemoryTokenStore::new());
    let auth = signed_in(&si, Kind::Public, store.clone()).await;
    let report = auth.sign_out().await.unwrap();
    assert!(!report.revoked);
    assert!(report.detail.unwrap().contains("public"));
    assert!(store.get(auth.token_key()).await.unwrap().is_none());
}

#[tokio::test]
async fn deep_link_capturer_completes_the_flow() {
    let si = StandIn::start(&[]).await;
    let auth = oauth(&si, Kind::Basic, Arc::new(MemoryTokenStore::new()), None);
    let (cap, handle) = DeepLinkCapturer::new(DeepLinkOptions::default());
    assert_eq!(cap.redirect_uri(), "org.dhis2w.desktop:/oauth2/callback");
    let mut script = admin(&si);
    script.deliver = Deliver::DeepLink(handle.clone());
    script.wrong_state_first = true;
    let signed = auth
        .sign_in(&cap, &TestBrowser::new(script), SignInOptions::default())
        .await
        .unwrap();
    assert_eq!(signed.me.username(), Some("admin"));
    assert!(!handle.deliver("https://example.org/?code=x"));
}

/// Delivers a forged callback with the right state but a foreign `iss`.
struct ForgedIss(DeepLinkHandle);

#[async_trait]
impl BrowserOpener for ForgedIss {
    async fn open(&self, url: &str) -> dhis2w_client::Result<()> {
        let u = url::Url::parse(url).unwrap();
        let state = u.query_pairs().find(|(k, _)| k == "state").unwrap().1;
        assert!(self.0.deliver(&format!(
            "org.dhis2w.desktop:/oauth2/callback?code=abc&state={state}&iss=https%3A%2F%2Fevil.example%2F"
        )));
        Ok(())
    }
}

#[tokio::test]
async fn a_foreign_iss_is_refused() {
    let si = StandIn::start(&[]).await;
    let auth = oauth(&si, Kind::Public, Arc::new(MemoryTokenStore::new()), None);
    let (cap, handle) = DeepLinkCapturer::new(DeepLinkOptions::default());
    let e = auth
        .sign_in(&cap, &ForgedIss(handle), SignInOptions::default())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::OauthError);
    assert_eq!(si.token_posts("authorization_code").await, 0, "no exchange");
}

#[tokio::test]
async fn oauth_not_enabled_on_a_2_40_server() {
    let si = StandIn::start(&["--profile", "2.40"]).await;
    // 2.40 has only the legacy confidential client.
    let auth = oauth(&si, Kind::Basic, Arc::new(MemoryTokenStore::new()), None);
    let e = auth.metadata().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::OauthNotEnabled, "{e}");
    assert!(e.message().contains("personal access token"));
    let cap = LoopbackCapturer::bind().await.unwrap();
    let browser = TestBrowser::new(admin(&si));
    let e = auth
        .sign_in(&cap, &browser, SignInOptions::default())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::OauthNotEnabled);
    // Discovery alone (no version hint) also says so: 404 and no /oauth2/jwks.
    let http = dhis2w_client::build_http_client(&ClientOptions::default()).unwrap();
    let e = dhis2w_client::auth::discover(&http, &url::Url::parse(&si.base).unwrap())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::OauthNotEnabled);
}

#[tokio::test]
async fn broken_mapping_claim_fails_sign_in_with_admin_words() {
    let si = StandIn::start(&[]).await;
    si.set_faults(json!({"mappingBroken": true})).await;
    let store = Arc::new(MemoryTokenStore::new());
    let auth = oauth(&si, Kind::Public, store.clone(), None);
    let cap = LoopbackCapturer::bind().await.unwrap();
    let e = auth
        .sign_in(
            &cap,
            &TestBrowser::new(admin(&si)),
            SignInOptions::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidMappingClaim, "{e}");
    assert!(e.message().contains("administrator"));
    assert!(
        store.get(auth.token_key()).await.unwrap().is_none(),
        "not stored"
    );
}

#[tokio::test]
async fn a_token_stored_for_another_instance_or_client_is_refused() {
    let si = StandIn::start(&[]).await;
    let store = Arc::new(MemoryTokenStore::new());
    let auth = oauth(&si, Kind::Public, store.clone(), None);
    let mut other = auth.token_key().clone();
    other.base_url = "https://other.example".into();
    let forged = OAuth2Token {
        key: other,
        access_token: Secret::new("x"),
        refresh_token: None,
        expires_at: i64::MAX,
        scopes: vec![],
    };
    store.set(auth.token_key(), &forged).await.unwrap();
    let e = auth.headers().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::SignInRequired);
}

/// A tiny token endpoint: `POST /oauth2/token` → `307`/`308`/`301` to `/oauth2/token/`, which
/// answers a token only if the POST body arrived again. Records `(method, path, body)`.
async fn redirecting_token_server(
    status: u16,
) -> (String, Arc<Mutex<Vec<(String, String, String)>>>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(vec![]));
    let seen2 = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = listener.accept().await else {
                return;
            };
            let seen = seen2.clone();
            tokio::spawn(async move {
                let mut buf = vec![];
                let mut chunk = [0u8; 4096];
                let (head, mut body) = loop {
                    let n = s.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        break (
                            String::from_utf8_lossy(&buf[..i]).into_owned(),
                            buf[i + 4..].to_vec(),
                        );
                    }
                };
                let len: usize = head
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().parse().unwrap())
                    })
                    .unwrap_or(0);
                while body.len() < len {
                    let n = s.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        break;
                    }
                    body.extend_from_slice(&chunk[..n]);
                }
                let mut words = head.split_whitespace();
                let (method, path) = (
                    words.next().unwrap().to_owned(),
                    words.next().unwrap().to_owned(),
                );
                let body = String::from_utf8_lossy(&body).into_owned();
                seen.lock()
                    .unwrap()
                    .push((method.clone(), path.clone(), body.clone()));
                let resp = if path == "/oauth2/token" {
                    format!("HTTP/1.1 {status} Moved\r\nLocation: /oauth2/token/\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                } else if method == "POST" && body.contains("grant_type=refresh_token") {
                    let b =
                        r#"{"access_token":"new-access","token_type":"Bearer","expires_in":300}"#;
                    format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{b}", b.len())
                } else {
                    let b = r#"{"error":"invalid_request"}"#;
                    format!("HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{b}", b.len())
                };
                let _ = s.write_all(resp.as_bytes()).await;
            });
        }
    });
    (base, seen)
}

#[tokio::test]
async fn token_post_redirects_are_re_sent_as_posts_with_the_form() {
    for status in [301u16, 302, 307, 308] {
        let (base, seen) = redirecting_token_server(status).await;
        let store = Arc::new(MemoryTokenStore::new());
        let meta: dhis2w_client::auth::ServerMetadata = serde_json::from_value(json!({
            "issuer": format!("{base}/"),
            "authorization_endpoint": format!("{base}/oauth2/authorize"),
            "token_endpoint": format!("{base}/oauth2/token"),
        }))
        .unwrap();
        let auth = OAuth2Auth::new(
            OAuth2Config {
                profile: "p".into(),
                base_url: base.clone(),
                client_id: "c".into(),
                client_auth: ClientAuth::SecretPost(Secret::new("s")),
                scope: None,
            },
            store.clone(),
            &ClientOptions::default(),
        )
        .unwrap()
        .with_metadata(meta);
        let old = OAuth2Token {
            key: auth.token_key().clone(),
            access_token: Secret::new("old-access"),
            refresh_token: Some(Secret::new("the-refresh-token")),
            expires_at: 0,
            scopes: vec!["ALL".into()],
        };
        store.set(auth.token_key(), &old).await.unwrap();
        auth.refresh_if_needed().await.unwrap();
        let now = store.get(auth.token_key()).await.unwrap().unwrap();
        assert_eq!(now.access_token.expose(), "new-access");
        assert_eq!(
            now.refresh_token, old.refresh_token,
            "kept when none is returned"
        );
        assert_eq!(now.scopes, old.scopes);
        let seen = seen.lock().unwrap().clone();
        assert_eq!(seen.len(), 2, "{status}: {seen:?}");
        assert_eq!(seen[1].0, "POST", "{status}: still a POST");
        assert_eq!(seen[1].1, "/oauth2/token/");
        assert!(seen[1].2.contains("refresh_token=the-refresh-token"));
        assert!(seen[1].2.contains("client_secret=s"));
    }
}

#[tokio::test]
async fn missing_discovery_falls_back_to_dhis2_default_paths() {
    let si = StandIn::start(&["--no-discovery", "--context-path", "/dhis"]).await;
    let store = Arc::new(MemoryTokenStore::new());
    let auth = Arc::new(oauth(&si, Kind::Basic, store.clone(), None));
    let meta = auth.metadata().await.unwrap().clone();
    assert_eq!(
        meta.authorization_endpoint,
        format!("{}/oauth2/authorize", si.base)
    );
    assert_eq!(meta.token_endpoint, format!("{}/oauth2/token", si.base));
    assert_eq!(
        meta.revocation_endpoint.as_deref(),
        Some(format!("{}/oauth2/revoke", si.base).as_str())
    );
    assert_eq!(meta.issuer, si.fx("/issuer"), "DHIS2's issuer rule");
    let log = si.requests().await;
    assert!(
        log.iter()
            .any(|r| r["path"] == "/dhis/.well-known/openid-configuration" && r["status"] == 404),
        "discovery really was missing: {log:?}"
    );
    // The whole life cycle runs on the fallback paths.
    let cap = LoopbackCapturer::bind().await.unwrap();
    let signed = auth
        .sign_in(
            &cap,
            &TestBrowser::new(admin(&si)),
            SignInOptions::default(),
        )
        .await
        .unwrap();
    assert!(signed.has_refresh_token);
    client(&si, auth.clone()).me().await.unwrap();
    auth.refresh_now().await.unwrap();
    assert_eq!(si.token_posts("refresh_token").await, 1);
    let refresh = store
        .get(auth.token_key())
        .await
        .unwrap()
        .unwrap()
        .refresh_token
        .unwrap();
    let report = auth.sign_out().await.unwrap();
    assert!(report.revoked, "{report:?}");
    assert_eq!(si.token_status(refresh.expose()).await["revoked"], true);
}

/// The `POST …/oauth2/token…` entries of the stand-in's request log.
async fn token_endpoint_log(si: &StandIn) -> Vec<serde_json::Value> {
    si.requests()
        .await
        .into_iter()
        .filter(|r| {
            r["method"] == "POST"
                && r["path"]
                    .as_str()
                    .unwrap_or("")
                    .trim_end_matches('/')
                    .ends_with("/oauth2/token")
        })
        .collect()
}

#[tokio::test]
async fn token_and_revocation_posts_survive_the_trailing_slash_301() {
    let si = StandIn::start(&["--trailing-slash"]).await;
    let store = Arc::new(MemoryTokenStore::new());
    let auth = Arc::new(oauth(&si, Kind::Post, store.clone(), None));
    let cap = LoopbackCapturer::bind().await.unwrap();
    auth.sign_in(
        &cap,
        &TestBrowser::new(admin(&si)),
        SignInOptions::default(),
    )
    .await
    .unwrap();
    client(&si, auth.clone()).me().await.unwrap();
    auth.refresh_now().await.unwrap();
    let log = token_endpoint_log(&si).await;
    // Each grant: a 301 at /oauth2/token, then the same POST with its form at /oauth2/token/.
    let redirected: Vec<_> = log
        .iter()
        .filter(|r| r["path"] == "/oauth2/token")
        .collect();
    assert_eq!(redirected.len(), 2, "{log:?}");
    assert!(redirected.iter().all(|r| r["status"] == 301), "{log:?}");
    let served: Vec<_> = log
        .iter()
        .filter(|r| r["path"] == "/oauth2/token/")
        .collect();
    assert_eq!(served.len(), 2, "{log:?}");
    assert_eq!(served[0]["grantType"], "authorization_code");
    assert_eq!(served[1]["grantType"], "refresh_token");
    assert!(served.iter().all(|r| r["status"] == 200), "{log:?}");
    // Sign-out's revocation POSTs follow the 301 the same way.
    let token = store.get(auth.token_key()).await.unwrap().unwrap();
    let report = auth.sign_out().await.unwrap();
    assert!(report.revoked, "{report:?}");
    let refresh = token.refresh_token.unwrap();
    assert_eq!(si.token_status(refresh.expose()).await["revoked"], true);
    assert!(si
        .requests()
        .await
        .iter()
        .any(|r| r["path"] == "/oauth2/revoke/" && r["status"] == 200));
}

#[tokio::test]
async fn discovery_fallback_follows_the_trailing_slash_301_on_jwks() {
    let si = StandIn::start(&["--no-discovery", "--trailing-slash"]).await;
    let http = dhis2w_client::build_http_client(&ClientOptions::default()).unwrap();
    let base = url::Url::parse(&si.base).unwrap();
    let meta = dhis2w_client::auth::discover(&http, &base).await.unwrap();
    assert_eq!(meta.token_endpoint, format!("{}/oauth2/token", si.base));
}

#[tokio::test]
async fn oauth2_server_switched_off_is_oauth_not_enabled() {
    let si = StandIn::start(&["--oauth2-off"]).await;
    let auth = oauth(&si, Kind::Basic, Arc::new(MemoryTokenStore::new()), None);
    // 2.42.6+: discovery answers with a 302 to the login page.
    let e = auth.metadata().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::OauthNotEnabled, "{e}");
    assert!(e.message().contains("administrator"), "{}", e.message());
    let opened = Arc::new(AtomicUsize::new(0));
    struct Counting(Arc<AtomicUsize>);
    #[async_trait]
    impl BrowserOpener for Counting {
        async fn open(&self, _url: &str) -> dhis2w_client::Result<()> {
            self.0.fetch_add(1, Ordering::SeqCst);
            Ok(())
        }
    }
    let cap = LoopbackCapturer::bind().await.unwrap();
    let e = auth
        .sign_in(&cap, &Counting(opened.clone()), SignInOptions::default())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::OauthNotEnabled);
    assert_eq!(
        opened.load(Ordering::SeqCst),
        0,
        "no browser for a server without OAuth2"
    );

    // A token kept from when the server had OAuth2 on: the token endpoint now gives DHIS2's
    // generic 401 (not OAuth JSON), which is "OAuth2 not enabled", not a protocol error.
    let store = Arc::new(MemoryTokenStore::new());
    let meta = dhis2w_client::auth::ServerMetadata {
        issuer: format!("{}/", si.base),
        authorization_endpoint: format!("{}/oauth2/authorize", si.base),
        token_endpoint: format!("{}/oauth2/token", si.base),
        revocation_endpoint: None,
        userinfo_endpoint: None,
        jwks_uri: None,
        code_challenge_methods_supported: vec!["S256".into()],
        token_endpoint_auth_methods_supported: vec![],
        extra: Default::default(),
    };
    let auth = oauth(&si, Kind::Basic, store.clone(), None).with_metadata(meta);
    store
        .set(
            auth.token_key(),
            &OAuth2Token {
                key: auth.token_key().clone(),
                access_token: Secret::new("old-access"),
                refresh_token: Some(Secret::new("old-refresh")),
                expires_at: 0,
                scopes: vec!["ALL".into()],
            },
        )
        .await
        .unwrap();
    let e = auth.refresh_now().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::OauthNotEnabled, "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn tokens_shorter_than_the_refresh_margin_are_not_refreshed_on_every_request() {
    // An administrator may set an access-token lifetime below the 60 s margin.
    let si = StandIn::start(&["--access-ttl", "6"]).await;
    let auth = signed_in(&si, Kind::Basic, Arc::new(MemoryTokenStore::new())).await;
    let c = client(&si, auth.clone());
    let burst = |c: Dhis2Client| async move {
        let tasks: Vec<_> = (0..50)
            .map(|_| {
                let c = c.clone();
                tokio::spawn(async move { c.me().await })
            })
            .collect();
        for t in tasks {
            t.await.unwrap().unwrap();
        }
    };
    burst(c.clone()).await;
    assert_eq!(si.token_posts("refresh_token").await, 0, "fresh token");
    // Past half its lifetime: one refresh for all concurrent callers.
    tokio::time::sleep(Duration::from_millis(3600)).await;
    burst(c.clone()).await;
    assert_eq!(si.token_posts("refresh_token").await, 1);
}

/// A loopback capturer that announces another redirect URI than the one it listens on.
struct WrongRedirect(LoopbackCapturer, String);

#[async_trait]
impl RedirectCapturer for WrongRedirect {
    fn redirect_uri(&self) -> String {
        self.1.clone()
    }
    async fn wait_for_code(
        &self,
        state: &str,
        cancel: &CancellationToken,
    ) -> dhis2w_client::Result<dhis2w_client::capture::AuthorizationResponse> {
        self.0.wait_for_code(state, cancel).await
    }
}

#[tokio::test]
async fn an_unregistered_redirect_uri_or_client_fails_fast_without_a_browser() {
    let si = StandIn::start(&[]).await;
    let opened = Arc::new(AtomicUsize::new(0));
    struct Counting(Arc<AtomicUsize>);
    #[async_trait]
    impl BrowserOpener for Counting {
        async fn open(&self, _url: &str) -> dhis2w_client::Result<()> {
            self.0.fetch_add(1, Ordering::SeqCst);
            Ok(())
        }
    }
    let short = LoopbackOptions {
        timeout: Duration::from_secs(20),
        ..LoopbackOptions::default()
    };
    // `localhost` is not loopback for DHIS2 (exact match needed), and a wrong path never matches.
    for uri in [
        "http://localhost:5555/oauth2/callback".to_owned(),
        "http://127.0.0.1:5555/other/callback".to_owned(),
    ] {
        let auth = oauth(&si, Kind::Public, Arc::new(MemoryTokenStore::new()), None);
        let cap = WrongRedirect(
            LoopbackCapturer::bind_with(short.clone()).await.unwrap(),
            uri.clone(),
        );
        let started = std::time::Instant::now();
        let e = auth
            .sign_in(&cap, &Counting(opened.clone()), SignInOptions::default())
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::RedirectNotRegistered, "{uri}: {e}");
        assert!(
            e.message().contains("http://127.0.0.1/oauth2/callback") || e.message().contains(&uri),
            "{}",
            e.message()
        );
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "no waiting for the timeout"
        );
    }
    // An unknown client id.
    let cfg_auth = OAuth2Auth::new(
        OAuth2Config {
            profile: "test".into(),
            base_url: si.base.clone(),
            client_id: "no-such-client".into(),
            client_auth: ClientAuth::None,
            scope: None,
        },
        Arc::new(MemoryTokenStore::new()),
        &ClientOptions::default(),
    )
    .unwrap();
    let cap = LoopbackCapturer::bind_with(short.clone()).await.unwrap();
    let e = cfg_auth
        .sign_in(&cap, &Counting(opened.clone()), SignInOptions::default())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::OauthError, "{e}");
    assert!(e.message().contains("no-such-client"), "{}", e.message());
    assert_eq!(
        opened.load(Ordering::SeqCst),
        0,
        "the browser was never opened"
    );
}

/// A token store whose writes fail while `fail_sets` is on (a locked or vanished keyring).
#[derive(Default)]
struct FlakyStore {
    inner: MemoryTokenStore,
    fail_sets: std::sync::atomic::AtomicBool,
}

#[async_trait]
impl TokenStore for FlakyStore {
    async fn get(&self, key: &TokenKey) -> dhis2w_client::Result<Option<OAuth2Token>> {
        self.inner.get(key).await
    }
    async fn set(&self, key: &TokenKey, token: &OAuth2Token) -> dhis2w_client::Result<()> {
        if self.fail_sets.load(Ordering::SeqCst) {
            return Err(dhis2w_client::Error::new(
                ErrorKind::StorageUnavailable,
                "The keyring is locked.",
            ));
        }
        self.inner.set(key, token).await
    }
    async fn delete(&self, key: &TokenKey) -> dhis2w_client::Result<()> {
        self.inner.delete(key).await
    }
}

#[tokio::test]
async fn a_keyring_failure_on_refresh_keeps_the_new_token_in_memory_and_says_so() {
    let si = StandIn::start(&[]).await;
    let store = Arc::new(FlakyStore::default());
    let auth = signed_in(&si, Kind::Basic, store.clone()).await;
    let stored_before = store.get(auth.token_key()).await.unwrap().unwrap();
    let sent_before = auth.headers().await.unwrap();

    store.fail_sets.store(true, Ordering::SeqCst);
    let e = auth.refresh_now().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::StorageUnavailable, "{e}");
    assert!(e.message().contains("could not be saved"), "{e}");
    // The new token (and the refresh token that came with it) lives on in memory: the
    // session keeps working, nothing the server issued is lost.
    let sent_after = auth.headers().await.unwrap();
    assert_ne!(sent_after, sent_before, "the refreshed token was dropped");
    assert_eq!(
        client(&si, auth.clone()).me().await.unwrap().username(),
        Some("admin")
    );
    assert_eq!(
        store.get(auth.token_key()).await.unwrap().unwrap(),
        stored_before
    );

    // Once the keyring works again, the next refresh stores what memory holds.
    store.fail_sets.store(false, Ordering::SeqCst);
    auth.refresh_now().await.unwrap();
    let stored = store.get(auth.token_key()).await.unwrap().unwrap();
    let sent = auth.headers().await.unwrap();
    assert_eq!(
        sent.get(reqwest::header::AUTHORIZATION)
            .unwrap()
            .to_str()
            .unwrap(),
        format!("Bearer {}", stored.access_token.expose())
    );
}

/// Records how many revocation requests the stand-in had seen when the token was deleted.
struct OrderStore {
    inner: MemoryTokenStore,
    log: String,
    http: reqwest::Client,
    revokes_at_delete: Mutex<Vec<usize>>,
}

#[async_trait]
impl TokenStore for OrderStore {
    async fn get(&self, key: &TokenKey) -> dhis2w_client::Result<Option<OAuth2Token>> {
        self.inner.get(key).await
    }
    async fn set(&self, key: &TokenKey, token: &OAuth2Token) -> dhis2w_client::Result<()> {
        self.inner.set(key, token).await
    }
    async fn delete(&self, key: &TokenKey) -> dhis2w_client::Result<()> {
        let log: serde_json::Value = self
            .http
            .get(&self.log)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let revokes = log["requests"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| {
                r["path"]
                    .as_str()
                    .unwrap_or("")
                    .starts_with("/oauth2/revoke")
            })
            .count();
        self.revokes_at_delete.lock().unwrap().push(revokes);
        self.inner.delete(key).await
    }
}

#[tokio::test]
async fn sign_out_deletes_the_local_token_before_revoking() {
    let si = StandIn::start(&[]).await;
    let store = Arc::new(OrderStore {
        inner: MemoryTokenStore::new(),
        log: format!("{}/__standin/requests", si.base),
        http: si.http.clone(),
        revokes_at_delete: Mutex::new(vec![]),
    });
    let auth = signed_in(&si, Kind::Basic, store.clone()).await;
    let token = store.get(auth.token_key()).await.unwrap().unwrap();
    let report = auth.sign_out().await.unwrap();
    assert!(report.revoked, "{report:?}");
    assert_eq!(*store.revokes_at_delete.lock().unwrap(), [0]);
    assert!(store.get(auth.token_key()).await.unwrap().is_none());
    let st = si
        .token_status(token.refresh_token.as_ref().unwrap().expose())
        .await;
    assert_eq!(st["revoked"], true, "{st}");
}

/// A sign-in cancelled before the browser opens (e.g. while discovery runs) never opens it.
/// Failed before the fix: the browser opened on a flow nobody waited for any more.
#[tokio::test]
async fn a_flow_cancelled_before_the_browser_opens_never_opens_it() {
    let si = StandIn::start(&[]).await;
    let auth = oauth(&si, Kind::Public, Arc::new(MemoryTokenStore::new()), None);
    let cap = LoopbackCapturer::bind().await.unwrap();
    let browser = TestBrowser::new(admin(&si));
    let cancel = CancellationToken::new();
    cancel.cancel();
    let e = auth
        .sign_in(
            &cap,
            &browser,
            SignInOptions {
                cancel,
                ..SignInOptions::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Cancelled, "{}", e.message());
    assert!(browser.opened.lock().unwrap().is_empty());
}
