//! Faults of the server and the network: HTTP errors, cut and endless bodies, redirects, DNS.

use super::*;

pub async fn api_faults(m: &mut Matrix, si: &StandIn) {
    let c = basic_client(si, &fast());
    c.me().await.unwrap();

    si.set_faults(json!({"apiStatus": {"status": 503, "retryAfter": 1, "count": 5}}))
        .await;
    let e = c.me().await.unwrap_err();
    m.failed(
        "503 Service Unavailable with `Retry-After` (a proxy; longer than the retries)",
        &e,
        ErrorKind::ServerError,
        "the request was retried after the `Retry-After` delay; works once the server is back",
    );
    si.clear_faults().await;
    c.me().await.unwrap();

    si.set_faults(json!({"apiStatus": {"status": 502, "body": "html", "count": 1}}))
        .await;
    c.me().await.unwrap();
    m.absorbed(
        "one 502 Bad Gateway (nginx's HTML page)",
        "retried at once for a read; the user sees the answer",
        "nothing to keep",
    );

    si.set_faults(json!({"resetMidBody": {"count": 1}})).await;
    let e = c.get("/api/organisationUnits", &[]).await.unwrap_err();
    m.failed(
        "connection closed in the middle of a body",
        &e,
        ErrorKind::ServerUnreachable,
        "no partial answer is shown as whole; the next request works",
    );
    c.me().await.unwrap();

    let drip = ClientOptions {
        total_timeout: Duration::from_secs(2),
        ..fast()
    };
    let slow = basic_client(si, &drip);
    si.set_faults(json!({"slowDrip": {"count": 1, "intervalMs": 100}}))
        .await;
    let e = slow.get("/api/organisationUnits", &[]).await.unwrap_err();
    m.failed(
        "a body that never ends (a byte every 100 ms)",
        &e,
        ErrorKind::Timeout,
        "the whole-request deadline ends it (15 min by default; 2 s in the test); the next request works",
    );
    slow.me().await.unwrap();

    si.clear_requests().await;
    si.set_faults(json!({"redirect": {"to": "cross-host", "count": 1}}))
        .await;
    let r = c.get("/api/me", &[]).await;
    let sent = si.requests().await;
    let leaked = sent.iter().any(|q| {
        q["host"]
            .as_str()
            .is_some_and(|h| h.starts_with("localhost"))
            && q["auth"] != "none"
    });
    assert!(!leaked, "credentials went to another host: {sent:?}");
    match r {
        Err(e) => m.failed(
            "a redirect to another host",
            &e,
            e.kind(),
            "the password is never sent to the other host (checked in the server's log)",
        ),
        Ok(resp) => {
            assert_ne!(resp.status, 200, "not followed with credentials");
            m.absorbed(
                "a redirect to another host",
                &format!(
                    "not followed: the answer ({}) is shown as it came",
                    resp.status
                ),
                "the password is never sent to the other host (checked in the server's log)",
            );
        }
    }
    si.clear_faults().await;
}

pub async fn network_faults(m: &mut Matrix) {
    let options = fast();
    let auth = Arc::new(BasicAuth::new("admin", Secret::new("district")).unwrap());
    let dns = Dhis2Client::new(
        "http://dhis2w-no-such-host.invalid",
        auth.clone(),
        options.clone(),
    )
    .unwrap();
    let e = dns.me().await.unwrap_err();
    m.failed(
        "DNS failure (the name does not exist)",
        &e,
        ErrorKind::ServerUnreachable,
        "nothing changes; the instance stays as saved",
    );
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let refused = Dhis2Client::new(&format!("http://127.0.0.1:{port}"), auth, options).unwrap();
    let e = refused.me().await.unwrap_err();
    m.hide.push((format!("127.0.0.1:{port}"), "<server>"));
    m.failed(
        "server down (connection refused)",
        &e,
        ErrorKind::ServerUnreachable,
        "nothing changes; the instance stays as saved",
    );
}
