//! The per-instance extra CA certificate over real TLS: a local HTTPS server on 127.0.0.1 with
//! a certificate from a CA made in the test. Without the CA the client fails with kind `tls`
//! and plain words; with the instance's CA PEM the same request succeeds.

use dhis2w_client::{
    BasicAuth, ClientOptions, Dhis2Client, ErrorKind, OAuth2Auth, OAuth2Config, Secret,
};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, SanType};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::rustls::{self, ServerConfig};
use tokio_rustls::TlsAcceptor;

struct Pki {
    ca_pem: String,
    leaf_der: CertificateDer<'static>,
    leaf_key: PrivateKeyDer<'static>,
}

/// A CA and a server certificate it signed, for `names` (IP addresses or DNS names).
fn pki(names: &[&str]) -> Pki {
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "dhis2w test CA");
    let ca_key = KeyPair::generate().unwrap();
    let ca_cert = ca.self_signed(&ca_key).unwrap();

    let mut leaf = CertificateParams::new(Vec::<String>::new()).unwrap();
    for n in names {
        leaf.subject_alt_names.push(match n.parse::<IpAddr>() {
            Ok(ip) => SanType::IpAddress(ip),
            Err(_) => SanType::DnsName((*n).try_into().unwrap()),
        });
    }
    leaf.distinguished_name
        .push(DnType::CommonName, "dhis2 test server");
    let leaf_key = KeyPair::generate().unwrap();
    let leaf_cert = leaf.signed_by(&leaf_key, &ca_cert, &ca_key).unwrap();
    Pki {
        ca_pem: ca_cert.pem(),
        leaf_der: leaf_cert.der().clone(),
        leaf_key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
    }
}

/// Serves HTTPS on 127.0.0.1:<ephemeral>: `/api/system/info` and `/api/loginConfig` as JSON,
/// 404 otherwise. Runs until the test's runtime ends.
async fn https_server(pki: &Pki) -> SocketAddr {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![pki.leaf_der.clone()], pki.leaf_key.clone_key())
        .unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // A client that refuses the certificate ends the handshake: nothing to serve.
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&head);
                let path = head.split_whitespace().nth(1).unwrap_or("");
                if path == "/downgrade" {
                    // An https address that sends visitors to http (issue 10's downgrade).
                    let resp = "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:9/dhis\r\n\
                                Content-Length: 0\r\nConnection: close\r\n\r\n";
                    let _ = tls.write_all(resp.as_bytes()).await;
                    let _ = tls.shutdown().await;
                    return;
                }
                let (status, body) = match path {
                    "/api/system/info" => {
                        ("200 OK", r#"{"version":"2.43.1","revision":"8f6a2b9"}"#)
                    }
                    "/api/loginConfig" => ("200 OK", r#"{"apiVersion":"2.43.1"}"#),
                    _ => (
                        "404 Not Found",
                        r#"{"httpStatus":"Not Found","httpStatusCode":404,"status":"ERROR","message":"Not found"}"#,
                    ),
                };
                let resp = format!(
                    "HTTP/1.1 {status}\r\nContent-Type: application/json;charset=UTF-8\r\n\
                     Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = tls.write_all(resp.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    addr
}

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
