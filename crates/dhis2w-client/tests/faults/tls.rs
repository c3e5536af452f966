//! TLS faults: a local HTTPS server with certificates made in the test (unknown CA, another
//! name, expired) and an https address that sends visitors to http.

use super::*;
use crate::tls_server::{https_server, pki, pki_with};
use std::path::PathBuf;

fn tls_client(base: &str, ca: Option<PathBuf>) -> Dhis2Client {
    let options = ClientOptions {
        extra_ca_pem: ca,
        max_retries: 0,
        ..fast()
    };
    let auth = Arc::new(BasicAuth::new("admin", Secret::new("district")).unwrap());
    Dhis2Client::new(base, auth, options).unwrap()
}

pub async fn tls_faults(m: &mut Matrix) {
    let dir = tempfile::tempdir().unwrap();
    let ca_file = |name: &str, pem: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, pem).unwrap();
        p
    };

    let own = pki(&["127.0.0.1"]);
    let addr = https_server(&own).await;
    m.hide.push((addr.to_string(), "<server>"));
    let base = format!("https://{addr}");
    let e = tls_client(&base, None).system_info().await.unwrap_err();
    m.failed(
        "TLS: a certificate from an unknown authority (the organisation's own CA)",
        &e,
        ErrorKind::Tls,
        "nothing is sent; with the CA file in the instance's settings the same server works (checked)",
    );
    let ca = ca_file("own.pem", &own.ca_pem);
    tls_client(&base, Some(ca.clone()))
        .system_info()
        .await
        .unwrap();

    let http = dhis2w_client::build_http_client(&ClientOptions {
        extra_ca_pem: Some(ca),
        ..ClientOptions::default()
    })
    .unwrap();
    let e = dhis2w_client::probe::resolve_base_url_with(&http, &format!("{base}/downgrade"))
        .await
        .unwrap_err();
    m.failed(
        "an `https` address that redirects to `http`",
        &e,
        ErrorKind::Tls,
        "the insecure address is not followed nor saved; no credential is sent",
    );

    let other = pki(&["dhis2.example.org"]);
    let addr = https_server(&other).await;
    m.hide.push((addr.to_string(), "<server>"));
    let ca = ca_file("other.pem", &other.ca_pem);
    let e = tls_client(&format!("https://{addr}"), Some(ca))
        .system_info()
        .await
        .unwrap_err();
    m.failed(
        "TLS: a certificate for another name",
        &e,
        ErrorKind::Tls,
        "nothing is sent; the instance stays as saved",
    );

    let old = pki_with(&["127.0.0.1"], true);
    let addr = https_server(&old).await;
    m.hide.push((addr.to_string(), "<server>"));
    let ca = ca_file("old.pem", &old.ca_pem);
    let e = tls_client(&format!("https://{addr}"), Some(ca))
        .system_info()
        .await
        .unwrap_err();
    assert!(e.message().contains("expired"), "{}", e.message());
    m.failed(
        "TLS: an expired certificate",
        &e,
        ErrorKind::Tls,
        "nothing is sent; the instance stays as saved",
    );
}
