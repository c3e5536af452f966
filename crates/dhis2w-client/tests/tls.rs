//! The per-instance extra CA certificate over real TLS: a local HTTPS server on 127.0.0.1 with
//! a certificate from a CA made in the test. Without the CA the client fails with kind `tls`
//! and plain words; with the instance's CA PEM the same request succeeds.

#[path = "support/tls.rs"]
mod tls_server;

use dhis2w_client::{
    BasicAuth, ClientOptions, Dhis2Client, ErrorKind, OAuth2Auth, OAuth2Config, Secret,
};
use std::path::PathBuf;
use std::sync::Arc;
use tls_server::{https_server, pki};

fn client(base: &str, extra_ca_pem: Option<PathBuf>) -> Dhis2Client {
    let opts = ClientOptions {
        extra_ca_pem,
        max_retries: 0,
        ..ClientOptions::default()
    };
    Dhis2Client::new(
        base,
        Arc::new(BasicAuth::new("admin", Secret::new("district")).unwrap()),
        opts,
    )
    .unwrap()
}

#[tokio::test]
async fn private_ca_is_a_tls_error_without_the_pem_and_works_with_it() {
    let pki = pki(&["127.0.0.1"]);
    let addr = https_server(&pki).await;
    let base = format!("https://127.0.0.1:{}", addr.port());

    // Without the instance's CA: kind `tls`, in plain words.
    let e = client(&base, None).system_info().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Tls, "{e:?}");
    let msg = e.message();
    assert!(msg.contains("CA certificate"), "{msg}");
    for jargon in [
        "rustls",
        "UnknownIssuer",
        "invalid peer",
        "error trying to connect",
    ] {
        assert!(!msg.contains(jargon), "jargon {jargon:?} in {msg}");
    }

    // With the CA PEM in the instance settings: success.
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, &pki.ca_pem).unwrap();
    let info = client(&base, Some(ca.clone())).system_info().await.unwrap();
    assert_eq!(info.version.as_deref(), Some("2.43.1"));

    // The OAuth2 provider builds its HTTP client from the same options (discovery, token).
    let opts = ClientOptions {
        extra_ca_pem: Some(ca),
        ..ClientOptions::default()
    };
    let auth = OAuth2Auth::new(
        OAuth2Config {
            profile: "tls".into(),
            base_url: base.clone(),
            client_id: "dhis2w-desktop".into(),
            client_auth: dhis2w_client::ClientAuth::None,
            scope: None,
        },
        Arc::new(dhis2w_client::MemoryTokenStore::new()),
        &opts,
    )
    .unwrap();
    // The server has no discovery document: that is "OAuth2 not enabled", not a TLS failure.
    let e = auth.metadata().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::OauthNotEnabled, "{e:?}");
}

#[tokio::test]
async fn a_certificate_for_another_name_is_a_tls_error_even_with_the_ca() {
    let pki = pki(&["dhis2.example.org"]);
    let addr = https_server(&pki).await;
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, &pki.ca_pem).unwrap();
    let e = client(&format!("https://127.0.0.1:{}", addr.port()), Some(ca))
        .system_info()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Tls, "{e:?}");
    assert!(e.message().contains("another address"), "{}", e.message());
}

/// Regression (issue 10): an https address that redirects to http was followed and the http
/// address saved, so every credential would travel in the clear. The probe now refuses it.
#[tokio::test]
async fn an_https_address_redirecting_to_http_is_refused() {
    let pki = pki(&["127.0.0.1"]);
    let addr = https_server(&pki).await;
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, &pki.ca_pem).unwrap();
    let http = dhis2w_client::build_http_client(&ClientOptions {
        extra_ca_pem: Some(ca),
        ..ClientOptions::default()
    })
    .unwrap();
    let e =
        dhis2w_client::probe::resolve_base_url_with(&http, &format!("https://{addr}/downgrade"))
            .await
            .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Tls, "{}", e.message());
    assert!(e.message().contains("insecure"), "{}", e.message());
    assert!(
        e.message().contains("http://127.0.0.1:9"),
        "{}",
        e.message()
    );
    // The same server's own address still resolves.
    let ok = dhis2w_client::probe::resolve_base_url_with(&http, &format!("https://{addr}"))
        .await
        .unwrap();
    assert_eq!(ok.scheme(), "https");
}
