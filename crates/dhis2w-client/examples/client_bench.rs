//! Benchmark (not a test), issue 13 rows P1, P1b and P2, against a DHIS2 stand-in it starts:
//! - P1: authenticated GETs through `Dhis2Client` (Basic, PAT, OAuth2 with its tokens in the
//!   real keyring), 8 at a time, small (`/api/me`) and 200-item answers, beside raw `reqwest`
//!   sending the same header to the same server; the ratio is ours / raw (goal ≥ 0.95).
//! - P1b: keyring operations per request in steady state, counted on the store over the real
//!   Secret Service (goal 0), and per refresh (goal 1).
//! - P2: sign-in machine time: the redirect reaching the loopback receiver → code exchanged →
//!   token stored → `/api/me` verified (goal ≤ 50 ms), beside the stand-in's token endpoint
//!   answering a refresh by itself (the floor).
//!
//! Prints Markdown table rows. Needs a Secret Service (run inside
//! `dbus-run-session -- tests/harness/keyring-session.sh`).
//!
//! cargo run --release -p dhis2w-client --example client_bench -- [--requests N] [--runs N]

#[path = "../tests/support/mod.rs"]
mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use dhis2w_client::capture::LoopbackCapturer;
use dhis2w_client::secret_store::{SecretStore, StorageMode};
use dhis2w_client::{
    AuthProvider, BasicAuth, ClientAuth, ClientOptions, Dhis2Client, KeyringTokenStore, OAuth2Auth,
    OAuth2Config, PatAuth, Secret, SignInOptions, TokenStore,
};
use futures_util::StreamExt as _;
use support::{BrowserScript, StandIn, TestBrowser};

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn stats(mut v: Vec<f64>) -> (f64, f64, f64) {
    v.sort_by(|a, b| a.total_cmp(b));
    (v[v.len() / 2], v[0], v[v.len() - 1])
}

const CONCURRENCY: usize = 8;

/// One kind of answer: its label, path, query and how many requests a run sends.
type Shape<'a> = (&'a str, &'a str, &'a [(String, String)], usize);

/// Requests per second for `n` GETs of `path`, 8 at a time, through our client.
async fn ours(c: &Dhis2Client, path: &str, query: &[(String, String)], n: usize) -> f64 {
    let t = Instant::now();
    futures_util::stream::iter(0..n)
        .map(|_| async {
            let r = c.get(path, query).await.expect("request");
            assert_eq!(r.status, 200, "{path}");
        })
        .buffer_unordered(CONCURRENCY)
        .collect::<Vec<_>>()
        .await;
    n as f64 / t.elapsed().as_secs_f64()
}

/// The same with a plain `reqwest` client sending `header` (the floor).
async fn raw(
    http: &reqwest::Client,
    url: &str,
    query: &[(String, String)],
    header: &reqwest::header::HeaderMap,
    n: usize,
) -> f64 {
    let t = Instant::now();
    futures_util::stream::iter(0..n)
        .map(|_| async {
            let r = http
                .get(url)
                .query(query)
                .headers(header.clone())
                .header("X-Requested-With", "XMLHttpRequest")
                .send()
                .await
                .expect("raw request");
            assert_eq!(r.status(), 200);
            r.bytes().await.expect("raw body");
        })
        .buffer_unordered(CONCURRENCY)
        .collect::<Vec<_>>()
        .await;
    n as f64 / t.elapsed().as_secs_f64()
}

async fn oauth(si: &StandIn, store: Arc<dyn TokenStore>) -> Arc<OAuth2Auth> {
    Arc::new(
        OAuth2Auth::new(
            OAuth2Config {
                profile: format!("bench-{}", std::process::id()),
                base_url: si.base.clone(),
                client_id: si.fx("/clients/confidential/clientId"),
                client_auth: ClientAuth::SecretBasic(Secret::new(
                    si.fx("/clients/confidential/clientSecret"),
                )),
                scope: None,
            },
            store,
            &ClientOptions::default(),
        )
        .expect("oauth2"),
    )
}

/// One browser sign-in; the time from the redirect reaching our receiver to a verified,
/// stored sign-in.
async fn timed_sign_in(si: &StandIn, auth: &Arc<OAuth2Auth>) -> f64 {
    let cap = LoopbackCapturer::bind().await.expect("loopback");
    let browser = TestBrowser::new(BrowserScript::new(
        &si.fx("/users/admin/username"),
        &si.fx("/users/admin/password"),
    ));
    auth.sign_in(&cap, &browser, SignInOptions::default())
        .await
        .expect("sign-in");
    let c = Dhis2Client::new(&si.base, auth.clone(), ClientOptions::default()).expect("client");
    c.me().await.expect("verified");
    let done = Instant::now();
    let from = browser
        .outcome()
        .await
        .delivered_at
        .expect("the callback was delivered");
    done.duration_since(from).as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() {
    let requests = arg("--requests", 2000).max(8);
    let runs = arg("--runs", 3).max(1);
    let si = StandIn::start(&[]).await;
    let service = format!("dhis2w-bench-{}", std::process::id());
    let secrets = SecretStore::open_with_service(&service).await;
    assert_eq!(
        secrets.status().mode,
        StorageMode::Keyring,
        "no Secret Service: run inside dbus-run-session -- tests/harness/keyring-session.sh"
    );
    let tokens: Arc<dyn TokenStore> = Arc::new(KeyringTokenStore::new(secrets.clone()));
    let user = si.fx("/users/admin/username");
    let password = si.fx("/users/admin/password");

    // P2 first (a fresh sign-in each run), which also leaves the OAuth2 sign-in for P1.
    let mut sign_in_ms = Vec::new();
    let mut auth = oauth(&si, tokens.clone()).await;
    for _ in 0..runs {
        auth = oauth(&si, tokens.clone()).await;
        sign_in_ms.push(timed_sign_in(&si, &auth).await);
    }
    let stored = tokens
        .get(auth.token_key())
        .await
        .expect("read")
        .expect("stored");
    let http = reqwest::Client::new();
    let mut floor_ms = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        let r = http
            .post(format!("{}/oauth2/token", si.base))
            .basic_auth(
                si.fx("/clients/confidential/clientId"),
                Some(si.fx("/clients/confidential/clientSecret")),
            )
            .form(&[
                ("grant_type", "refresh_token"),
                (
                    "refresh_token",
                    stored.refresh_token.as_ref().expect("refresh").expose(),
                ),
            ])
            .send()
            .await
            .expect("token endpoint");
        assert!(r.status().is_success(), "{}", r.status());
        r.bytes().await.expect("token body");
        floor_ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    // That refresh replaced the tokens on the server: sign in once more for P1.
    auth = oauth(&si, tokens.clone()).await;
    timed_sign_in(&si, &auth).await;

    // P1.
    let basic: Arc<dyn AuthProvider> =
        Arc::new(BasicAuth::new(&user, Secret::new(&password)).expect("basic"));
    let pat: Arc<dyn AuthProvider> =
        Arc::new(PatAuth::new(Secret::new(si.fx("/pats/valid"))).expect("pat"));
    let oauth2: Arc<dyn AuthProvider> = auth.clone();
    let page = vec![
        ("fields".to_owned(), "id,displayName".to_owned()),
        ("pageSize".to_owned(), "200".to_owned()),
    ];
    let shapes: [Shape; 2] = [
        ("small (`/api/me`)", "/api/me", &[], requests),
        (
            "200 org units",
            "/api/organisationUnits",
            &page,
            (requests / 4).max(8),
        ),
    ];
    let mut ratios = Vec::new();
    for (method, provider) in [("Basic", basic), ("PAT", pat), ("OAuth2", oauth2)] {
        let c =
            Dhis2Client::new(&si.base, provider.clone(), ClientOptions::default()).expect("client");
        let header = provider.headers().await.expect("headers");
        for (label, path, query, n) in &shapes {
            let url = format!("{}{path}", si.base);
            // Warm both (connections, the session's first refresh check).
            ours(&c, path, query, CONCURRENCY).await;
            raw(&http, &url, query, &header, CONCURRENCY).await;
            let (mut a, mut b) = (Vec::new(), Vec::new());
            for _ in 0..runs {
                a.push(ours(&c, path, query, *n).await);
                b.push(raw(&http, &url, query, &header, *n).await);
            }
            let (am, amin, amax) = stats(a);
            let (bm, _, _) = stats(b);
            ratios.push(am / bm);
            println!(
                "| P1 | {method}, {label}, {CONCURRENCY} at a time: requests per second | ≥ 0.95× raw | {am:.0} /s (min {amin:.0}, max {amax:.0}) | raw reqwest {bm:.0} /s | {:.2}× | {runs} runs of {n} |",
                am / bm
            );
        }
    }

    // P1b: keyring operations in steady state, then across one refresh.
    let c = Dhis2Client::new(&si.base, auth.clone(), ClientOptions::default()).expect("client");
    c.me().await.expect("warm");
    let before = secrets.keyring_calls();
    ours(&c, "/api/me", &[], requests).await;
    let steady = secrets.keyring_calls() - before;
    println!(
        "| P1b | keyring operations per OAuth2 request, steady state (real Secret Service) | 0 | {:.3} ({steady} in {requests} requests) | – | – | |",
        steady as f64 / requests as f64
    );
    si.expire_tokens().await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    let before = secrets.keyring_calls();
    ours(&c, "/api/me", &[], 200).await;
    let across = secrets.keyring_calls() - before;
    println!(
        "| P1b | keyring operations across one refresh (200 requests, 8 at a time) | 1 | {across} | – | – | |"
    );

    // P2.
    let (m, min, max) = stats(sign_in_ms);
    let (fm, _, _) = stats(floor_ms);
    println!(
        "| P2 | sign-in machine time: redirect received → code exchanged → stored → `/api/me` verified | ≤ 50 ms | {m:.1} ms (min {min:.1}, max {max:.1}) | the token endpoint alone {fm:.1} ms | {:.1}× | {runs} runs |",
        m / fm
    );
    let _ = tokens.delete(auth.token_key()).await;
    let worst = ratios.iter().cloned().fold(f64::INFINITY, f64::min);
    eprintln!("client_bench: lowest P1 ratio {worst:.2}");
}
