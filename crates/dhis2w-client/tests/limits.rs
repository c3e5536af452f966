//! Size limits on the small answers of set-up and sign-in (probe, discovery, token, `/api/me`):
//! a larger answer is an error with its own words, and it is never read to the end. Each test
//! runs a tiny local HTTP server whose oversized answers never end (a client that reads them
//! fully would wait for ever) or announce a too-large `Content-Length`.

use dhis2w_client::auth::oauth2::{discover, ServerMetadata};
use dhis2w_client::{
    BasicAuth, ClientAuth, ClientOptions, Dhis2Client, ErrorKind, MemoryTokenStore, OAuth2Auth,
    OAuth2Config, OAuth2Token, Secret, TokenStore,
};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// What the tiny server answers on a path.
#[derive(Clone, Copy)]
enum Answer {
    /// 200 JSON with this body.
    Json(&'static str),
    /// 200 JSON that starts like an object and never ends (no `Content-Length`).
    Endless,
    /// 200 JSON announcing 2 MB (and sending it, if read).
    Announced2Mb,
}

/// Serves `routes` (exact path → answer; anything else 404) on `127.0.0.1:<free port>`.
async fn server(routes: Vec<(&'static str, Answer)>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = listener.accept().await else {
                return;
            };
            let routes = routes.clone();
            tokio::spawn(async move {
                let mut buf = vec![];
                let mut chunk = [0u8; 4096];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match s.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&buf).into_owned();
                let path = head.split_whitespace().nth(1).unwrap_or("").to_owned();
                let path = path.split('?').next().unwrap_or("").to_owned();
                let answer = routes.iter().find(|(p, _)| *p == path).map(|(_, a)| *a);
                let json_head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n";
                match answer {
                    None => {
                        let _ = s
                            .write_all(
                                b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                            )
                            .await;
                    }
                    Some(Answer::Json(body)) => {
                        let _ = s
                            .write_all(
                                format!(
                                    "{json_head}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                                    body.len()
                                )
                                .as_bytes(),
                            )
                            .await;
                    }
                    Some(Answer::Endless) => {
                        let _ = s
                            .write_all(
                                format!("{json_head}Connection: close\r\n\r\n{{\"x\":\"")
                                    .as_bytes(),
                            )
                            .await;
                        let filler = vec![b'a'; 64 * 1024];
                        // Stops when the client hangs up, or after 1 GB as a safety net.
                        for _ in 0..16 * 1024 {
                            if s.write_all(&filler).await.is_err() {
                                return;
                            }
                        }
                    }
                    Some(Answer::Announced2Mb) => {
                        let len = 2 * 1024 * 1024;
                        let _ = s
                            .write_all(
                                format!(
                                    "{json_head}Content-Length: {len}\r\nConnection: close\r\n\r\n"
                                )
                                .as_bytes(),
                            )
                            .await;
                        let _ = s.write_all(&vec![b' '; len]).await;
                    }
                }
            });
        }
    });
    base
}

/// Runs `fut` with a deadline: a client that reads an endless answer never finishes.
async fn within<T>(fut: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(20), fut)
        .await
        .expect("the answer was read without a size limit (no result within 20 s)")
}

fn assert_too_large(e: &dhis2w_client::Error) {
    assert_eq!(e.kind(), ErrorKind::NotDhis2, "{e}");
    assert!(e.message().contains("larger than 1 MB"), "{e}");
}

const LOGIN_CONFIG: &str = r#"{"apiVersion":"2.42.1","applicationTitle":"T"}"#;

#[tokio::test]
async fn an_oversized_probe_answer_is_refused() {
    for answer in [Answer::Endless, Answer::Announced2Mb] {
        let base = server(vec![
            ("/", Answer::Json("{}")),
            ("/api/loginConfig", answer),
            ("/api/system/info", answer),
        ])
        .await;
        let e = within(dhis2w_client::probe(&base)).await.unwrap_err();
        assert_too_large(&e);
    }
}

#[tokio::test]
async fn an_oversized_discovery_document_is_refused() {
    for answer in [Answer::Endless, Answer::Announced2Mb] {
        let base = server(vec![
            ("/api/loginConfig", Answer::Json(LOGIN_CONFIG)),
            ("/.well-known/openid-configuration", answer),
        ])
        .await;
        let http = dhis2w_client::build_http_client(&ClientOptions::default()).unwrap();
        let e = within(discover(&http, &url::Url::parse(&base).unwrap()))
            .await
            .unwrap_err();
        assert_too_large(&e);
    }
}

#[tokio::test]
async fn an_oversized_token_answer_is_refused() {
    for answer in [Answer::Endless, Answer::Announced2Mb] {
        let base = server(vec![("/oauth2/token", answer)]).await;
        let meta: ServerMetadata = serde_json::from_value(json!({
            "issuer": format!("{base}/"),
            "authorization_endpoint": format!("{base}/oauth2/authorize"),
            "token_endpoint": format!("{base}/oauth2/token"),
        }))
        .unwrap();
        let store = Arc::new(MemoryTokenStore::new());
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
            scopes: vec![],
        };
        store.set(auth.token_key(), &old).await.unwrap();
        let e = within(auth.refresh_now()).await.unwrap_err();
        assert_too_large(&e);
    }
}

#[tokio::test]
async fn an_oversized_me_answer_is_refused() {
    for answer in [Answer::Endless, Answer::Announced2Mb] {
        let base = server(vec![("/api/me", answer)]).await;
        let auth = BasicAuth::new("admin", Secret::new("district")).unwrap();
        let client = Dhis2Client::new(&base, Arc::new(auth), ClientOptions::default()).unwrap();
        let e = within(client.me()).await.unwrap_err();
        assert_too_large(&e);
    }
}

#[tokio::test]
async fn answers_under_the_limit_still_work() {
    let base = server(vec![
        (
            "/api/me",
            Answer::Json(r#"{"id":"a","displayName":"John"}"#),
        ),
        ("/api/loginConfig", Answer::Json(LOGIN_CONFIG)),
    ])
    .await;
    let auth = BasicAuth::new("admin", Secret::new("district")).unwrap();
    let client = Dhis2Client::new(&base, Arc::new(auth), ClientOptions::default()).unwrap();
    assert_eq!(
        within(client.me()).await.unwrap().display_name(),
        Some("John")
    );
    let p = within(dhis2w_client::probe(&base)).await.unwrap();
    assert_eq!(p.version.as_deref(), Some("2.42.1"));
}
