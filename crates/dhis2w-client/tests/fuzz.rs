//! Property-based fuzzing of the core's parsers of untrusted input (proptest). Each target
//! runs `DHIS2W_FUZZ_CASES` cases (default 10,000; `make fuzz` runs 200,000) and prints
//! `fuzz <target>: <n> cases` (the test harness runs this file with `--nocapture`).
//! Properties: nothing panics; path joining never leaves the instance's origin or context
//! path; what should round-trip does.

use dhis2w_client::auth::oauth2::jwt_exp;
use dhis2w_client::capture::{callback_from_deep_link, callback_from_request, DeepLinkCapturer};
use dhis2w_client::client::{join_path, normalise_base_url, parse_retry_after, same_origin};
use dhis2w_client::history::{is_secret_param, redact_path, HistoryStore};
use dhis2w_client::table::{excel_serial, iso_date};
use dhis2w_client::webmessage::{bearer_error_description, error_from_response, WebMessage};
use dhis2w_client::{check_pat, AuthKind, ErrorKind, InstanceInput, ProfileStore};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use reqwest::header::{HeaderMap, HeaderValue, CONTENT_TYPE, LOCATION, WWW_AUTHENTICATE};
use reqwest::StatusCode;
use std::time::Instant;

/// The number of cases per target: `DHIS2W_FUZZ_CASES`, else 10,000.
fn cases() -> u32 {
    std::env::var("DHIS2W_FUZZ_CASES")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(10_000)
}

/// Runs `test` on `n` values of `strategy`; a panic or a failed property fails the test
/// with the smallest input proptest finds. Prints the case count.
fn fuzz<S: Strategy>(
    target: &str,
    n: u32,
    strategy: S,
    test: impl Fn(S::Value) -> Result<(), TestCaseError>,
) {
    let config = Config {
        cases: n,
        // No regression files next to the sources: a failure prints its input instead.
        failure_persistence: None,
        ..Config::with_cases(n)
    };
    let started = Instant::now();
    let mut runner = TestRunner::new(config);
    if let Err(e) = runner.run(&strategy, test) {
        panic!("fuzz {target}: {e}");
    }
    println!(
        "fuzz {target}: {n} cases passed in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

/// Text made of the characters that matter to URL, query and HTTP parsers, plus any Unicode.
fn tricky_text(max: usize) -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => proptest::sample::select(vec![
            "/", "?", "#", "&", "=", "%", "%2e", "%2E", "%2f", "%5c", "%00", "%zz", "..", ".",
            "\\", ";", ":", "@", "+", " ", "\t", "\r\n", "\n", "\"", "'", "<", ">", "[", "]",
            "é", "€", "😀", "\u{0}", "\u{7f}", "\u{feff}", "state", "code", "error", "iss",
            "access_token", "token", "password", "api", "dhis", "oauth2", "callback",
        ])
        .prop_map(str::to_owned),
        2 => proptest::collection::vec(proptest::char::range('-', 'z'), 1..8)
            .prop_map(String::from_iter),
        1 => proptest::collection::vec(any::<char>(), 1..8).prop_map(String::from_iter),
    ];
    proptest::collection::vec(piece, 0..max).prop_map(|v| v.concat())
}

/// Any text, up to 40 characters (cheaper than proptest's regex-based `any::<String>()`).
fn any_text() -> impl Strategy<Value = String> {
    proptest::collection::vec(any::<char>(), 0..40).prop_map(String::from_iter)
}

fn form(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[test]
fn fuzz_loopback_callback_request_parser() {
    let n = cases();
    let raw = prop_oneof![
        any_text(),
        (
            proptest::sample::select(vec!["GET", "POST", "get", "", "GET  "]),
            proptest::sample::select(vec!["/oauth2/callback", "/oauth2/callback/", "/", "//x"]),
            tricky_text(12),
            tricky_text(6),
        )
            .prop_map(|(m, p, q, rest)| format!("{m} {p}?{q} HTTP/1.1\r\n{rest}\r\n\r\n")),
    ];
    fuzz("loopback callback request (any input)", n, raw, |head| {
        if let Some(Ok(r)) = callback_from_request(&head, "s1") {
            prop_assert!(!r.code.expose().is_empty());
            prop_assert!(head.contains("state=s1") || head.contains("state=%73"));
        }
        Ok(())
    });
    let pairs = (tricky_text(6), tricky_text(6), tricky_text(6));
    fuzz(
        "loopback callback request (round trip)",
        n,
        pairs,
        |(code, state, iss)| {
            let head = format!(
                "GET /oauth2/callback?code={}&state={}&iss={} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
                form(&code),
                form(&state),
                form(&iss)
            );
            match callback_from_request(&head, &state) {
                Some(Ok(r)) => {
                    prop_assert_eq!(r.code.expose(), code.as_str());
                    prop_assert_eq!(r.iss.as_deref(), Some(iss.as_str()));
                }
                Some(Err(e)) => prop_assert!(code.is_empty(), "{e}"),
                None => prop_assert!(false, "own callback ignored"),
            }
            // Another flow's state is ignored.
            let other = format!("{state}x");
            prop_assert!(callback_from_request(&head, &other).is_none());
            Ok(())
        },
    );
}

#[test]
fn fuzz_deep_link_parser() {
    let n = cases();
    let (_capturer, handle) = DeepLinkCapturer::new(Default::default());
    let raw = prop_oneof![
        any_text(),
        (
            proptest::sample::select(vec![
                "org.dhis2w.desktop:",
                "org.dhis2w.desktop://",
                "ORG.DHIS2W.DESKTOP:",
                "https://",
                "",
            ]),
            tricky_text(12),
        )
            .prop_map(|(s, rest)| format!("{s}{rest}")),
    ];
    fuzz("deep link (any input)", n, raw, |url| {
        let delivered = handle.deliver(&url);
        let judged = callback_from_deep_link(&url, "s1");
        if delivered || judged.is_some() {
            let u = url::Url::parse(url.trim()).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(u.scheme(), "org.dhis2w.desktop");
            prop_assert_eq!(u.path(), "/oauth2/callback");
        }
        Ok(())
    });
    fuzz(
        "deep link (round trip)",
        n,
        (tricky_text(6), tricky_text(6)),
        |(code, state)| {
            let url = format!(
                "org.dhis2w.desktop:/oauth2/callback?state={}&code={}",
                form(&state),
                form(&code)
            );
            prop_assert!(handle.deliver(&url));
            match callback_from_deep_link(&url, &state) {
                Some(Ok(r)) => prop_assert_eq!(r.code.expose(), code.as_str()),
                Some(Err(_)) => prop_assert!(code.is_empty()),
                None => prop_assert!(false, "own callback ignored"),
            }
            Ok(())
        },
    );
}

#[test]
fn fuzz_profiles_loader() {
    let n = cases();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("profiles.toml");
    let value = prop_oneof![
        tricky_text(6).prop_map(|s| format!("{s:?}")),
        any::<i64>().prop_map(|v| v.to_string()),
        Just("true".to_owned()),
        Just("[]".to_owned()),
        Just("{}".to_owned()),
        Just("\"basic\"".to_owned()),
        Just("\"oauth2\"".to_owned()),
        Just("\"https://x.example/dhis\"".to_owned()),
    ];
    let key = proptest::sample::select(vec![
        "id",
        "name",
        "base_url",
        "auth",
        "username",
        "ca_cert_path",
        "color",
        "notes",
        "version",
        "default",
        "active",
        "client_id",
        "redirect_mode",
        "scope",
    ]);
    let line = prop_oneof![
        3 => (key, value).prop_map(|(k, v)| format!("{k} = {v}")),
        1 => proptest::sample::select(vec!["[[instance]]", "[instance.oauth2]", "[x]", "version = 1", "version = 2"])
            .prop_map(str::to_owned),
        1 => tricky_text(8),
    ];
    let text = prop_oneof![
        proptest::collection::vec(line, 0..10).prop_map(|l| l.join("\n")),
        any::<Vec<u8>>().prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
    ];
    fuzz("profiles loader (TOML)", n, text, |text| {
        std::fs::write(&path, &text).unwrap();
        match ProfileStore::open(&path) {
            Ok(store) => {
                for i in store.instances() {
                    prop_assert!(dhis2w_client::profile::is_valid_instance_id(&i.id));
                }
            }
            Err(e) => prop_assert_eq!(e.kind(), ErrorKind::ProfileFile),
        }
        Ok(())
    });
    // Round trip through the file: fewer cases, each write is synced to disk.
    let m = (n / 100).max(20);
    let rt = dir.path().join("rt.toml");
    fuzz(
        "profiles loader (round trip)",
        m,
        (tricky_text(6), tricky_text(6)),
        |(name, notes)| {
            let _ = std::fs::remove_file(&rt);
            let mut store = ProfileStore::open(&rt).unwrap();
            let mut input = InstanceInput::new(&name, "https://x.example/dhis", AuthKind::Pat);
            input.notes = Some(notes);
            if let Ok(added) = store.add(&input) {
                let again = ProfileStore::open(&rt).unwrap();
                prop_assert_eq!(again.instances(), store.instances());
                prop_assert_eq!(&again.get(&added.id).unwrap().name, &added.name);
            }
            Ok(())
        },
    );
}

#[test]
fn fuzz_webmessage_and_error_parsing() {
    let n = cases();
    let body = prop_oneof![
        any::<Vec<u8>>(),
        (
            any::<Option<u16>>(),
            tricky_text(6),
            tricky_text(6),
            any::<bool>()
        )
            .prop_map(|(code, message, dev, status)| {
                let mut v = serde_json::json!({ "message": message, "devMessage": dev });
                if let Some(c) = code {
                    v["httpStatusCode"] = c.into();
                }
                if status {
                    v["status"] = "ERROR".into();
                }
                serde_json::to_vec(&v).unwrap()
            }),
    ];
    let scheme = proptest::sample::select(vec!["basic", "pat", "oauth2", "none"]);
    let input = (
        100u16..600,
        body,
        tricky_text(8),
        tricky_text(8),
        any::<bool>(),
        scheme,
    );
    fuzz(
        "WebMessage and error mapping",
        n,
        input,
        |(status, body, auth, location, html, scheme)| {
            let _ = WebMessage::parse(&body);
            let mut h = HeaderMap::new();
            if let Ok(v) = HeaderValue::from_str(&format!("Bearer {auth}")) {
                h.append(WWW_AUTHENTICATE, v);
            }
            if let Ok(v) = HeaderValue::from_str(&auth) {
                h.append(WWW_AUTHENTICATE, v);
            }
            if let Ok(v) = HeaderValue::from_str(&location) {
                h.insert(LOCATION, v);
            }
            if html {
                h.insert(CONTENT_TYPE, HeaderValue::from_static("text/html"));
            }
            let _ = bearer_error_description(&h);
            let status = StatusCode::from_u16(status).unwrap();
            let e = error_from_response(status, &h, &body, scheme);
            prop_assert!(!e.message().is_empty());
            Ok(())
        },
    );
    fuzz(
        "WWW-Authenticate error_description (round trip)",
        n,
        "[ -~]{0,40}",
        |d| {
            let quoted = d.replace('\\', "\\\\").replace('"', "\\\"");
            let mut h = HeaderMap::new();
            h.insert(
                WWW_AUTHENTICATE,
                HeaderValue::from_str(&format!(
                    "Bearer error=\"invalid_token\", error_description=\"{quoted}\""
                ))
                .unwrap(),
            );
            prop_assert_eq!(bearer_error_description(&h), Some(d));
            Ok(())
        },
    );
}

#[test]
fn fuzz_pat_check() {
    let n = cases();
    let token = prop_oneof![
        any_text(),
        "d2p_[a-zA-Z0-9]{48,52}",
        "d2pat_[a-zA-Z0-9]{40,44}",
        ("[ \t]{0,2}", "d2p_[a-zA-Z0-9é]{50}", "[ \n]{0,2}").prop_map(|(a, b, c)| a + &b + &c),
    ];
    fuzz("PAT check", n, token, |t| {
        if let Ok(v) = check_pat(&t) {
            let t = t.trim();
            let (prefix, len) = match v {
                dhis2w_client::auth::PatVersion::V2 => ("d2p_", 50),
                dhis2w_client::auth::PatVersion::V1 => ("d2pat_", 42),
            };
            let body = t.strip_prefix(prefix).unwrap_or("");
            prop_assert_eq!(body.len(), len);
            prop_assert!(body.bytes().all(|b| b.is_ascii_alphanumeric()));
        }
        Ok(())
    });
    // DHIS2's own test vectors stay valid whatever whitespace surrounds them.
    let valid = proptest::sample::select(vec![
        "d2p_iKrAY7sR6rPea1rub181baRzyyui2AW07ymXPRExAgwa051Mei",
        "d2pat_e0b5Y9bXWtUcfEY8BMHHj9aJZkXCQ7O50174669582",
    ]);
    fuzz(
        "PAT check (valid tokens)",
        n,
        (valid, "[ \t\r\n]{0,3}", "[ \t\r\n]{0,3}"),
        |(t, a, b)| {
            let padded = format!("{a}{t}{b}");
            prop_assert!(check_pat(&padded).is_ok());
            Ok(())
        },
    );
}

#[test]
fn fuzz_base_url_normalisation_and_path_joining() {
    let n = cases();
    let input = prop_oneof![
        any_text(),
        (
            proptest::sample::select(vec!["", "http://", "https://", "ftp://", "HTTPS://"]),
            tricky_text(10)
        )
            .prop_map(|(a, b)| a.to_owned() + &b),
    ];
    fuzz("base URL normalisation", n, input, |s| {
        if let Ok(u) = normalise_base_url(&s) {
            prop_assert!(matches!(u.scheme(), "http" | "https"));
            prop_assert!(u.query().is_none() && u.fragment().is_none());
            prop_assert!(u.path() == "/" || !u.path().ends_with('/'), "{}", u);
            let again = normalise_base_url(u.as_str()).unwrap();
            prop_assert_eq!(again, u);
        }
        Ok(())
    });
    let base = proptest::sample::select(vec![
        "https://a.example",
        "https://a.example/dhis",
        "http://127.0.0.1:8080/a/b",
        "https://a.example/dhis%20x",
    ]);
    fuzz(
        "path joining stays on the instance",
        n,
        (base, tricky_text(14)),
        |(base, path)| {
            let base = normalise_base_url(base).unwrap();
            if let Ok(u) = join_path(&base, &path) {
                prop_assert!(same_origin(&u, &base), "{} -> {}", path, u);
                prop_assert!(u.username().is_empty() && u.password().is_none());
                let bp = base.path().trim_end_matches('/');
                prop_assert!(
                    bp.is_empty() || u.path() == bp || u.path().starts_with(&format!("{bp}/")),
                    "{:?} -> {}",
                    path,
                    u
                );
            }
            Ok(())
        },
    );
}

#[test]
fn fuzz_history_loader() {
    let n = cases();
    let dir = tempfile::tempdir().unwrap();
    let store = HistoryStore::new(dir.path());
    let file = dir.path().join("i.json");
    let entry = (tricky_text(10), proptest::collection::vec((tricky_text(3), tricky_text(3)), 0..3))
        .prop_map(|(path, query)| {
            serde_json::json!({"id": "x", "path": path, "query": query, "status": 200, "at": 1, "pinned": false})
        });
    let text = prop_oneof![
        any::<Vec<u8>>(),
        proptest::collection::vec(entry, 0..4).prop_map(|e| {
            serde_json::to_vec(&serde_json::json!({"version": 1, "entries": e})).unwrap()
        }),
    ];
    fuzz("history loader", n, text, |bytes| {
        std::fs::write(&file, &bytes).unwrap();
        for e in store.list("i").unwrap() {
            prop_assert_eq!(redact_path(&e.path), e.path.clone());
            prop_assert!(!e.query.iter().any(|(k, _)| is_secret_param(k)));
        }
        Ok(())
    });
    let m = (n / 100).max(20);
    fuzz(
        "history (round trip)",
        m,
        (tricky_text(10), tricky_text(4)),
        |(path, value)| {
            let _ = std::fs::remove_file(&file);
            let q = vec![
                ("fields".to_owned(), value),
                ("token".to_owned(), "t".to_owned()),
            ];
            let e = store.record("i", &path, &q, 200, 1).unwrap();
            let listed = store.list("i").unwrap();
            prop_assert_eq!(listed, vec![e.clone()]);
            prop_assert_eq!(e.path, redact_path(&path));
            prop_assert_eq!(e.query.len(), 1);
            Ok(())
        },
    );
}

#[test]
fn fuzz_jwt_expiry() {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    let n = cases();
    let token = prop_oneof![
        any_text(),
        (any::<Vec<u8>>(), tricky_text(4))
            .prop_map(|(b, s)| format!("h.{}.{s}", URL_SAFE_NO_PAD.encode(b))),
    ];
    fuzz("JWT expiry (any input)", n, token, |t| {
        let _ = jwt_exp(&t);
        Ok(())
    });
    fuzz("JWT expiry (round trip)", n, any::<i64>(), |exp| {
        let payload = URL_SAFE_NO_PAD.encode(format!(r#"{{"sub":"a","exp":{exp}}}"#));
        prop_assert_eq!(jwt_exp(&format!("h.{payload}.sig")), Some(exp));
        Ok(())
    });
}

#[test]
fn fuzz_retry_after() {
    let n = cases();
    fuzz("Retry-After (any input)", n, any_text(), |s| {
        if let Some(d) = parse_retry_after(&s) {
            prop_assert!(s.trim().bytes().all(|b| b.is_ascii_digit() || b == b'+'));
            let _ = d;
        }
        Ok(())
    });
    fuzz("Retry-After (round trip)", n, any::<u64>(), |secs| {
        prop_assert_eq!(
            parse_retry_after(&format!(" {secs} ")),
            Some(std::time::Duration::from_secs(secs))
        );
        Ok(())
    });
}

#[test]
fn fuzz_excel_serial() {
    let n = cases();
    let text = prop_oneof![
        any_text(),
        (
            "[0-9]{4}-[0-9]{2}-[0-9]{2}",
            proptest::sample::select(vec!["", "T", " ", "t", "Té"]),
            "[0-9:.Z+é-]{0,14}"
        )
            .prop_map(|(d, t, rest)| d + t + &rest),
    ];
    fuzz("excel_serial (any input)", n, text, |s| {
        if let Some(v) = excel_serial(&s) {
            // 1900-01-01 is serial 1 (2 with Excel's 1900 leap-year bug), 9999-12-31 2958465.
            prop_assert!(
                v.is_finite() && (1.0..2_958_466.0).contains(&v),
                "{s} -> {v}"
            );
        }
        Ok(())
    });
    // Every day from 1900-03-01 (past Excel's phantom 1900-02-29) to 9999-12-31.
    let days = -25_508i64..=2_932_896;
    fuzz("excel_serial (round trip)", n, days, |day| {
        let date = iso_date(day * 86_400);
        prop_assert_eq!(excel_serial(&date), Some((day + 25_569) as f64), "{}", date);
        Ok(())
    });
}
