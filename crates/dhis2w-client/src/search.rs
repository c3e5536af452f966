//! "Find anything by name": DHIS2's own search over the kinds of object analysts look for,
//! asked in parallel, grouped by kind; and "what is this UID?".
//!
//! Each kind is asked with `filter=identifiable:token:<text>` (dhis2-analytics.md: every word
//! must match the id, code or name, case-insensitively), `fields=id,displayName,code` and a
//! small page. A kind the user may not read (403), or that the server does not have (404),
//! is left out rather than failing the whole search.

use crate::client::Dhis2Client;
use crate::models::is_uid;
use crate::{Error, ErrorKind, Result};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The kinds searched, in the order results are shown.
pub const KINDS: [&str; 7] = [
    "dataElements",
    "indicators",
    "dataSets",
    "programs",
    "organisationUnits",
    "categoryOptions",
    "users",
];

/// Hits per kind.
pub const PER_KIND: u32 = 10;

/// One object found.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchHit {
    pub id: String,
    pub name: String,
    pub code: Option<String>,
    pub kind: String,
    pub path: String,
}

/// The hits of one kind.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchGroup {
    pub kind: String,
    pub hits: Vec<SearchHit>,
    pub total: Option<u64>,
}

/// What a search found, grouped by kind (kinds with no hit left out).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchResults {
    pub text: String,
    pub groups: Vec<SearchGroup>,
}

/// What a UID is.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectRef {
    pub id: String,
    pub kind: String,
    pub path: String,
    pub name: Option<String>,
}

/// The search words as DHIS2's filter value: trimmed, inner whitespace collapsed, and the
/// characters that would end the filter expression (`:` `,` `[` `]`) replaced by spaces.
pub fn clean_text(text: &str) -> String {
    let replaced: String = text
        .chars()
        .map(|c| {
            if matches!(c, ':' | ',' | '[' | ']') || c.is_control() {
                ' '
            } else {
                c
            }
        })
        .collect();
    replaced.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The query for one kind.
pub fn kind_query(kind: &str, text: &str) -> Vec<(String, String)> {
    let _ = kind;
    vec![
        ("filter".into(), format!("identifiable:token:{text}")),
        ("fields".into(), "id,displayName,code".into()),
        ("pageSize".into(), PER_KIND.to_string()),
        ("order".into(), "displayName:asc".into()),
    ]
}

fn hits_of(kind: &str, value: &Value) -> (Vec<SearchHit>, Option<u64>) {
    let total = value
        .get("pager")
        .and_then(|p| p.get("total"))
        .and_then(Value::as_u64);
    let hits = value
        .get(kind)
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|o| {
                    let id = o.get("id")?.as_str()?.to_owned();
                    let name = o
                        .get("displayName")
                        .or_else(|| o.get("name"))
                        .and_then(Value::as_str)
                        .unwrap_or(&id)
                        .to_owned();
                    Some(SearchHit {
                        path: format!("/api/{kind}/{id}"),
                        code: o.get("code").and_then(Value::as_str).map(str::to_owned),
                        kind: kind.to_owned(),
                        id,
                        name,
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    (hits, total)
}

/// Searches every kind in [`KINDS`] for `text` at once. Fewer than 2 characters searches
/// nothing (an empty result). A kind that fails with "not allowed" or "not found" is left
/// out; any other failure of every kind is returned as the error.
pub async fn search(client: &Dhis2Client, text: &str) -> Result<SearchResults> {
    let text = clean_text(text);
    let mut out = SearchResults {
        text: text.clone(),
        groups: Vec::new(),
    };
    if text.chars().count() < 2 {
        return Ok(out);
    }
    let asks = KINDS.iter().map(|kind| {
        let q = kind_query(kind, &text);
        async move {
            (
                *kind,
                client.get_json::<Value>(&format!("/api/{kind}"), &q).await,
            )
        }
    });
    let answers = futures_util::future::join_all(asks).await;
    let mut first_error: Option<Error> = None;
    let mut any_ok = false;
    for (kind, answer) in answers {
        match answer {
            Ok(v) => {
                any_ok = true;
                let (hits, total) = hits_of(kind, &v);
                if !hits.is_empty() {
                    out.groups.push(SearchGroup {
                        kind: kind.to_owned(),
                        hits,
                        total,
                    });
                }
            }
            Err(e) if matches!(e.kind(), ErrorKind::Forbidden | ErrorKind::NotFound) => {}
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    match first_error {
        Some(e) if !any_ok => Err(e),
        _ => Ok(out),
    }
}

/// What object `uid` is: `GET /api/identifiableObjects/{uid}` names it and its `href` tells
/// its kind (the path segment before the UID).
pub async fn identify(client: &Dhis2Client, uid: &str) -> Result<ObjectRef> {
    let uid = uid.trim();
    if !is_uid(uid) {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            format!("\"{uid}\" is not a DHIS2 identifier (11 letters and digits, starting with a letter)."),
        ));
    }
    let v: Value = client
        .get_json(&format!("/api/identifiableObjects/{uid}"), &[])
        .await
        .map_err(|e| {
            if e.kind() == ErrorKind::NotFound {
                Error::new(
                    ErrorKind::NotFound,
                    format!("No object with the identifier {uid} exists on this server."),
                )
            } else {
                e
            }
        })?;
    let kind = v
        .get("href")
        .and_then(Value::as_str)
        .and_then(|h| kind_from_href(h, uid))
        .ok_or_else(|| {
            Error::new(
                ErrorKind::NotFound,
                format!("The server did not say what kind of object {uid} is."),
            )
        })?;
    let name = v
        .get("displayName")
        .or_else(|| v.get("name"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    Ok(ObjectRef {
        path: format!("/api/{kind}/{uid}"),
        id: uid.to_owned(),
        kind,
        name,
    })
}

/// `https://x/api/dataElements/abc` → `dataElements` (the segment before the UID).
pub fn kind_from_href(href: &str, uid: &str) -> Option<String> {
    let path = href.split(['?', '#']).next()?;
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let pos = segs.iter().rposition(|s| *s == uid)?;
    let kind = segs.get(pos.checked_sub(1)?)?;
    (kind.chars().all(|c| c.is_ascii_alphabetic()) && *kind != "api").then(|| (*kind).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn text_is_cleaned_for_the_filter() {
        assert_eq!(clean_text("  malaria   cases "), "malaria cases");
        assert_eq!(clean_text("a:b,c[d]"), "a b c d");
        assert_eq!(
            kind_query("dataElements", "anc 1st")[0].1,
            "identifiable:token:anc 1st"
        );
    }

    #[test]
    fn hits_come_from_the_collection() {
        let v = json!({"pager": {"total": 12}, "dataElements": [
            {"id": "fbfJHSPpUQD", "displayName": "ANC 1st visit", "code": "DE_1"},
            {"id": "x2", "name": "Named only"},
            {"displayName": "no id"}
        ]});
        let (hits, total) = hits_of("dataElements", &v);
        assert_eq!(total, Some(12));
        assert_eq!(hits.len(), 2);
        assert_eq!(hits[0].path, "/api/dataElements/fbfJHSPpUQD");
        assert_eq!(hits[0].code.as_deref(), Some("DE_1"));
        assert_eq!(hits[1].name, "Named only");
    }

    #[test]
    fn the_kind_comes_from_the_href() {
        assert_eq!(
            kind_from_href("http://h/dhis/api/dataElements/fbfJHSPpUQD", "fbfJHSPpUQD").as_deref(),
            Some("dataElements")
        );
        assert_eq!(
            kind_from_href("http://h/api/41/indicators/abc?x=1", "abc").as_deref(),
            Some("indicators")
        );
        assert_eq!(kind_from_href("http://h/api/abc", "abc"), None);
        assert_eq!(kind_from_href("http://h/x", "abc"), None);
    }
}
