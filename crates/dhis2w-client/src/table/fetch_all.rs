//! "Get all pages": follows DHIS2's pager page by page, with progress and cancel, handing each
//! page's items to a sink (merged JSON for the app, a spreadsheet for an export).
//!
//! The pager is always followed rather than asking for `paging=false`: page by page is what
//! lets the user see "page 7 of 29", cancel, and keep memory bounded, and DHIS2 computes a
//! `paging=false` answer in one go on the server with no progress at all. Each page asks for
//! [`PAGE_SIZE`] items unless the request set its own `pageSize`.

use super::shape::{collection_info, Pager};
use crate::client::{Dhis2Client, RawResponse};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

/// Items per page when the request does not say (DHIS2 answers 10,000 small objects per page
/// comfortably; 400,000 org units take 40 requests).
pub const PAGE_SIZE: u64 = 10_000;

/// Progress of a fetch of all pages: "page 7 of 29 · 3,400 of 14,180 items".
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageProgress {
    /// Pages received so far.
    pub page: u64,
    /// Number of pages, when the server says.
    pub page_count: Option<u64>,
    /// Items received so far.
    pub items: u64,
    /// Items in the whole collection, when the server says.
    pub total: Option<u64>,
}

/// One page: the collection key and its items.
#[derive(Debug)]
pub struct Page {
    /// e.g. `organisationUnits`.
    pub key: String,
    /// The page's objects.
    pub items: Vec<Value>,
    /// The answer's URL (credential-free: the client never puts one in a URL).
    pub url: String,
}

/// What a completed fetch of all pages gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchSummary {
    /// The collection key.
    pub key: String,
    /// Pages fetched.
    pub pages: u64,
    /// Items received.
    pub items: u64,
    /// The first page's URL.
    pub first_url: String,
}

/// The query for page `page`: the caller's query without its own `page`/`paging`, and a
/// `pageSize` (theirs, or [`PAGE_SIZE`]).
pub fn page_query(query: &[(String, String)], page: u64) -> Vec<(String, String)> {
    let mut q: Vec<(String, String)> = query
        .iter()
        .filter(|(k, _)| k != "page" && k != "paging")
        .cloned()
        .collect();
    if !q.iter().any(|(k, _)| k == "pageSize") {
        q.push(("pageSize".into(), PAGE_SIZE.to_string()));
    }
    q.push(("page".into(), page.to_string()));
    q
}

/// Fetches every page of the collection at `path`, calling `on_page` with each page's items
/// and `progress` after each page. A failure part-way returns an error that says how far it
/// got ("stopped at page 7 of 29: …"), so nothing is silently truncated; items already handed
/// to `on_page` are the caller's to discard.
pub async fn fetch_all_pages(
    client: &Dhis2Client,
    path: &str,
    query: &[(String, String)],
    progress: &(dyn Fn(&PageProgress) + Send + Sync),
    cancel: Option<&CancellationToken>,
    mut on_page: impl FnMut(Page) -> Result<()>,
) -> Result<FetchSummary> {
    let mut state = PageProgress {
        page: 0,
        page_count: None,
        items: 0,
        total: None,
    };
    let mut summary: Option<FetchSummary> = None;
    loop {
        let page_no = state.page + 1;
        let fetched = fetch_page(client, path, &page_query(query, page_no), cancel).await;
        let (raw, value) = match fetched {
            Ok(ok) => ok,
            Err(e) if state.page == 0 => return Err(e),
            Err(e) => return Err(stopped(e, &state)),
        };
        let obj = value.as_object().ok_or_else(|| not_a_collection(path))?;
        let info = collection_info(obj).ok_or_else(|| not_a_collection(path))?;
        let pager = info.pager.clone().unwrap_or_default();
        let Some(Value::Array(items)) = value.get(&info.key).cloned() else {
            return Err(not_a_collection(path));
        };
        let n = items.len() as u64;
        state.page = page_no;
        state.items += n;
        state.page_count = pager.page_count.or(state.page_count);
        state.total = pager.total.or(state.total);
        let s = summary.get_or_insert_with(|| FetchSummary {
            key: info.key.clone(),
            pages: 0,
            items: 0,
            first_url: raw.url.clone(),
        });
        s.pages = page_no;
        s.items = state.items;
        on_page(Page {
            key: info.key,
            items,
            url: raw.url,
        })?;
        progress(&state);
        if is_last(&pager, page_no, n) {
            break;
        }
        if cancel.is_some_and(CancellationToken::is_cancelled) {
            return Err(Error::new(crate::ErrorKind::Cancelled, "Stopped."));
        }
    }
    Ok(summary.expect("at least one page"))
}

/// The last page: no pager (not paged), no `nextPage` link on a pager that would give one,
/// the page count reached, or an empty page.
fn is_last(pager: &Pager, page: u64, items: u64) -> bool {
    if items == 0 {
        return true;
    }
    match (pager.page_count, &pager.next_page) {
        (Some(count), _) => page >= count,
        (None, Some(_)) => false,
        (None, None) => true,
    }
}

async fn fetch_page(
    client: &Dhis2Client,
    path: &str,
    query: &[(String, String)],
    cancel: Option<&CancellationToken>,
) -> Result<(RawResponse, Value)> {
    let raw = client.get_streaming(path, query, None, cancel).await?;
    client.check(&raw)?;
    let value: Value = raw.json()?;
    Ok((raw, value))
}

fn not_a_collection(path: &str) -> Error {
    Error::new(
        crate::ErrorKind::InvalidInput,
        format!("{path} is not a list DHIS2 can page through, so there are no other pages to get."),
    )
}

/// The error of a fetch that failed after some pages: the same kind, with how far it got.
fn stopped(e: Error, state: &PageProgress) -> Error {
    let of = |n: Option<u64>| n.map(|n| format!(" of {n}")).unwrap_or_default();
    Error::new(
        e.kind(),
        format!(
            "Stopped at page {}{}: {} items{} were received before this error, and they are not \
             shown as complete. {}",
            state.page + 1,
            of(state.page_count),
            state.items,
            of(state.total),
            e.message()
        ),
    )
}

/// Builds one merged DHIS2 collection (`{"<key>": [...], "pager": {...}}`) from pages, as
/// JSON bytes, without keeping the pages' parsed items.
#[derive(Debug, Default)]
pub struct MergedJson {
    out: Vec<u8>,
    items: u64,
    key: Option<String>,
}

impl MergedJson {
    /// An empty merge.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends one page.
    pub fn push(&mut self, page: &Page) -> Result<()> {
        if self.key.is_none() {
            self.out.push(b'{');
            serde_json::to_writer(&mut self.out, &page.key).map_err(encode_error)?;
            self.out.extend_from_slice(b":[");
            self.key = Some(page.key.clone());
        }
        for item in &page.items {
            if self.items > 0 {
                self.out.push(b',');
            }
            serde_json::to_writer(&mut self.out, item).map_err(encode_error)?;
            self.items += 1;
        }
        Ok(())
    }

    /// The merged document: every item, and a pager that says "one page of all of them".
    pub fn finish(mut self, key: &str) -> Vec<u8> {
        if self.key.is_none() {
            self.out.push(b'{');
            let _ = serde_json::to_writer(&mut self.out, key);
            self.out.extend_from_slice(b":[");
        }
        let n = self.items;
        self.out.extend_from_slice(
            format!("],\"pager\":{{\"page\":1,\"pageCount\":1,\"total\":{n},\"pageSize\":{n}}}}}")
                .as_bytes(),
        );
        self.out
    }
}

fn encode_error(e: serde_json::Error) -> Error {
    Error::new(
        crate::ErrorKind::Internal,
        "Could not put the pages together.",
    )
    .with_source(e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn page_queries_replace_paging_and_keep_the_rest() {
        let q = vec![
            ("fields".to_owned(), "id,name".to_owned()),
            ("page".to_owned(), "4".to_owned()),
            ("paging".to_owned(), "false".to_owned()),
        ];
        let p = page_query(&q, 2);
        assert_eq!(
            p,
            vec![
                ("fields".to_owned(), "id,name".to_owned()),
                ("pageSize".to_owned(), PAGE_SIZE.to_string()),
                ("page".to_owned(), "2".to_owned()),
            ]
        );
        let own = page_query(&[("pageSize".into(), "50".into())], 1);
        assert_eq!(own.iter().filter(|(k, _)| k == "pageSize").count(), 1);
        assert!(own.contains(&("pageSize".into(), "50".into())));
    }

    #[test]
    fn the_last_page_is_recognised() {
        let paged = Pager {
            page_count: Some(3),
            ..Pager::default()
        };
        assert!(!is_last(&paged, 2, 10));
        assert!(is_last(&paged, 3, 10));
        assert!(is_last(&Pager::default(), 1, 10));
        let linked = Pager {
            next_page: Some("x".into()),
            ..Pager::default()
        };
        assert!(!is_last(&linked, 1, 10));
        assert!(is_last(&linked, 1, 0));
    }

    #[test]
    fn merged_json_is_one_collection() {
        let mut m = MergedJson::new();
        for items in [
            vec![json!({"id": "a"}), json!({"id": "b"})],
            vec![json!({"id": "c"})],
        ] {
            m.push(&Page {
                key: "dataElements".into(),
                items,
                url: String::new(),
            })
            .unwrap();
        }
        let v: Value = serde_json::from_slice(&m.finish("dataElements")).unwrap();
        assert_eq!(v["dataElements"].as_array().unwrap().len(), 3);
        assert_eq!(v["pager"]["total"], 3);
        assert_eq!(v["pager"]["pageCount"], 1);
        let v: Value = serde_json::from_slice(&MergedJson::new().finish("users")).unwrap();
        assert_eq!(v["users"], json!([]));
    }

    #[test]
    fn a_failure_part_way_says_how_far_it_got() {
        let state = PageProgress {
            page: 6,
            page_count: Some(29),
            items: 3000,
            total: Some(14180),
        };
        let e = stopped(
            Error::new(crate::ErrorKind::ServerError, "The server failed."),
            &state,
        );
        assert_eq!(e.kind(), crate::ErrorKind::ServerError);
        assert!(e.message().contains("page 7 of 29"), "{}", e.message());
        assert!(
            e.message().contains("3000 items of 14180"),
            "{}",
            e.message()
        );
    }
}
