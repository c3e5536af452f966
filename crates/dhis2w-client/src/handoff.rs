//! One-time loopback addresses for large answers.
//!
//! The app hands a large answer to its webview as `http://127.0.0.1:PORT/answer/<token>`, which
//! the page reads with `fetch`, instead of returning the bytes through Tauri's IPC. WebKitGTK
//! reads an IPC (custom-scheme) answer from an in-memory stream a few kilobytes at a time through
//! the main loop: a 60 MB org-unit list took about 8.6 s that way, against well under a second
//! over a socket (issue 13, P4 in docs/performance.md).
//!
//! Each address holds one answer, answers once, and lapses after [`OFFER_LIFETIME`]; the token is
//! 256 random bits, so no other program on the computer can guess one. Only `GET` and the CORS
//! preflight are answered; the server listens on 127.0.0.1 only.

use crate::error::{Error, ErrorKind, Result};
use bytes::Bytes;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

/// How long an offered answer waits to be read.
pub const OFFER_LIFETIME: Duration = Duration::from_secs(120);

/// How long a connection may take to send its request head (the page sends it at once).
const HEAD_TIMEOUT: Duration = Duration::from_secs(2);

/// Connections served at once; more wait to be accepted, so a flood of idle connections cannot
/// use up the app's file handles.
const MAX_CONNECTIONS: usize = 32;

/// How long writing one answer may take (a reader that stops reading is dropped).
const WRITE_TIMEOUT: Duration = Duration::from_secs(300);

struct Offer {
    body: Bytes,
    expires: Instant,
}

#[derive(Default)]
struct Offers(Mutex<HashMap<String, Offer>>);

impl Offers {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Offer>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The answers that have not lapsed (lapsed ones are dropped first).
    fn live(&self) -> std::sync::MutexGuard<'_, HashMap<String, Offer>> {
        let mut offers = self.lock();
        let now = Instant::now();
        offers.retain(|_, o| o.expires > now);
        offers
    }

    /// Removes and returns the answer behind `token` if it has not lapsed.
    fn take(&self, token: &str) -> Option<Offer> {
        self.live().remove(token)
    }

    /// Puts back an answer whose delivery failed, so the page's fallback can still take it.
    fn restore(&self, token: &str, offer: Offer) {
        if offer.expires > Instant::now() {
            self.lock().insert(token.to_owned(), offer);
        }
    }
}

/// Aborts the accept loop when the last [`Handoff`] is dropped.
struct AcceptLoop(tokio::task::AbortHandle);

impl Drop for AcceptLoop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The loopback server handing large answers to the webview. Cheap to clone.
#[derive(Clone)]
pub struct Handoff {
    addr: SocketAddr,
    offers: Arc<Offers>,
    _accept: Arc<AcceptLoop>,
}

impl Handoff {
    /// Listens on 127.0.0.1 at a port the system picks. Needs a Tokio runtime.
    pub async fn start() -> Result<Self> {
        let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).map_err(no_port)?;
        Self::from_std(listener)
    }

    /// Serves on a listener bound earlier (the app reserves its port before the window exists,
    /// so the page's CSP can name it). Call it inside a Tokio runtime.
    pub fn from_std(listener: std::net::TcpListener) -> Result<Self> {
        listener.set_nonblocking(true).map_err(no_port)?;
        let listener = TcpListener::from_std(listener).map_err(no_port)?;
        let addr = listener.local_addr().map_err(|e| {
            Error::new(ErrorKind::Internal, "The local port has no address.").with_source(e)
        })?;
        let offers = Arc::new(Offers::default());
        let serving = offers.clone();
        let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
        let task = tokio::spawn(async move {
            loop {
                let Ok(slot) = slots.clone().acquire_owned().await else {
                    return;
                };
                match listener.accept().await {
                    Ok((stream, _)) => {
                        let serving = serving.clone();
                        tokio::spawn(async move {
                            serve(stream, serving).await;
                            drop(slot);
                        });
                    }
                    // Out of file handles, or a connection reset before it was accepted: wait
                    // a little rather than spin.
                    Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
                }
            }
        });
        Ok(Self {
            addr,
            offers,
            _accept: Arc::new(AcceptLoop(task.abort_handle())),
        })
    }

    /// The server's address.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Keeps `body` for one read and returns its address. An answer nobody reads (the window was
    /// reloaded or closed meanwhile) is dropped after [`OFFER_LIFETIME`].
    pub fn offer(&self, body: Bytes) -> String {
        let token = crate::auth::oauth2::random_b64(32);
        self.offers.live().insert(
            token.clone(),
            Offer {
                body,
                expires: Instant::now() + OFFER_LIFETIME,
            },
        );
        let offers = Arc::downgrade(&self.offers);
        tokio::spawn(async move {
            tokio::time::sleep(OFFER_LIFETIME).await;
            if let Some(offers) = offers.upgrade() {
                drop(offers.live());
            }
        });
        format!("http://{}/answer/{token}", self.addr)
    }

    /// Takes an offered answer by its address without HTTP (the page's fallback when it cannot
    /// reach the loopback address, e.g. behind a proxy that does not exempt 127.0.0.1).
    pub fn take(&self, url: &str) -> Option<Bytes> {
        let token = url.rsplit_once("/answer/")?.1;
        self.offers.take(token).map(|o| o.body)
    }

    /// How many answers are waiting to be read.
    pub fn pending(&self) -> usize {
        self.offers.live().len()
    }
}

fn no_port(e: std::io::Error) -> Error {
    Error::new(
        ErrorKind::Internal,
        "Could not open a local port to pass a large answer to the window.",
    )
    .with_source(e)
}

/// The method and path of a request head.
fn request_line(head: &str) -> Option<(&str, &str)> {
    let mut parts = head.lines().next()?.split_whitespace();
    let method = parts.next()?;
    let target = parts.next()?;
    Some((method, target))
}

/// CORS: the page's origin is `tauri://localhost` (or `http://tauri.localhost`, or the Vite dev
/// server); any origin may read, as only the unguessable token grants an answer.
const CORS: &str = "Access-Control-Allow-Origin: *\r\nAccess-Control-Allow-Methods: GET\r\n\
                    Access-Control-Max-Age: 600\r\n";

async fn serve(mut stream: TcpStream, offers: Arc<Offers>) {
    let head =
        match tokio::time::timeout(HEAD_TIMEOUT, crate::capture::read_request_head(&mut stream))
            .await
        {
            Ok(Ok(head)) => head,
            _ => return,
        };
    let mut taken = None;
    let (status, reason) = match request_line(&head) {
        Some(("OPTIONS", _)) => (204, "No Content"),
        Some(("GET", target)) => {
            let token = target.strip_prefix("/answer/").unwrap_or_default();
            taken = offers.take(token).map(|o| (token.to_owned(), o));
            if taken.is_some() {
                (200, "OK")
            } else {
                (404, "Not Found")
            }
        }
        Some(_) => (405, "Method Not Allowed"),
        None => (400, "Bad Request"),
    };
    // RFC 9110: no Content-Length on a 204; a 405 names the methods that work.
    let length = match status {
        204 => String::new(),
        _ => format!(
            "Content-Length: {}\r\n",
            taken.as_ref().map_or(0, |(_, o)| o.body.len())
        ),
    };
    let allow = if status == 405 {
        "Allow: GET, OPTIONS\r\n"
    } else {
        ""
    };
    let head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/octet-stream\r\n\
         {length}{allow}Cache-Control: no-store\r\nConnection: close\r\n\
         X-Content-Type-Options: nosniff\r\n{CORS}\r\n"
    );
    let sent = tokio::time::timeout(WRITE_TIMEOUT, async {
        stream.write_all(head.as_bytes()).await?;
        if let Some((_, offer)) = &taken {
            stream.write_all(&offer.body).await?;
        }
        stream.flush().await?;
        stream.shutdown().await
    })
    .await;
    // Not delivered (the reader went away, or was too slow): the page's fallback may take it.
    if !matches!(sent, Ok(Ok(()))) {
        if let Some((token, offer)) = taken {
            offers.restore(&token, offer);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn get(url: &str) -> (u16, Vec<u8>, Option<String>) {
        let resp = reqwest::Client::new().get(url).send().await.unwrap();
        let status = resp.status().as_u16();
        let cors = resp
            .headers()
            .get("access-control-allow-origin")
            .map(|v| v.to_str().unwrap().to_owned());
        (status, resp.bytes().await.unwrap().to_vec(), cors)
    }

    #[tokio::test]
    async fn an_answer_is_read_once_over_http() {
        let handoff = Handoff::start().await.unwrap();
        let body: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
        let url = handoff.offer(Bytes::from(body.clone()));
        assert!(url.starts_with(&format!(
            "http://127.0.0.1:{}/answer/",
            handoff.local_addr().port()
        )));
        assert_eq!(handoff.pending(), 1);
        let (status, got, cors) = get(&url).await;
        assert_eq!(status, 200);
        assert_eq!(got, body);
        assert_eq!(cors.as_deref(), Some("*"));
        assert_eq!(handoff.pending(), 0);
        // A second read finds nothing.
        let (status, got, _) = get(&url).await;
        assert_eq!((status, got.len()), (404, 0));
    }

    #[tokio::test]
    async fn unknown_tokens_other_paths_and_methods_get_nothing() {
        let handoff = Handoff::start().await.unwrap();
        let url = handoff.offer(Bytes::from_static(b"secret-ish data"));
        let base = format!("http://{}", handoff.local_addr());
        assert_eq!(get(&format!("{base}/answer/nope")).await.0, 404);
        assert_eq!(get(&format!("{base}/")).await.0, 404);
        let post = reqwest::Client::new().post(&url).send().await.unwrap();
        assert_eq!(post.status().as_u16(), 405);
        // The refused attempts did not use up the answer.
        assert_eq!(get(&url).await.1, b"secret-ish data");
    }

    #[tokio::test]
    async fn take_without_http_and_tokens_differ() {
        let handoff = Handoff::start().await.unwrap();
        let a = handoff.offer(Bytes::from_static(b"a"));
        let b = handoff.offer(Bytes::from_static(b"b"));
        assert_ne!(a, b);
        assert_eq!(handoff.take(&b).as_deref(), Some(&b"b"[..]));
        assert_eq!(handoff.take(&b), None);
        assert_eq!(handoff.take("http://127.0.0.1:1/other"), None);
        assert_eq!(get(&a).await.1, b"a");
    }

    async fn raw(addr: SocketAddr, request: &str) -> String {
        use tokio::io::AsyncReadExt;
        let mut conn = TcpStream::connect(addr).await.unwrap();
        conn.write_all(request.as_bytes()).await.unwrap();
        let mut out = Vec::new();
        conn.read_to_end(&mut out).await.unwrap();
        String::from_utf8_lossy(&out).into_owned()
    }

    #[tokio::test]
    async fn preflight_and_wrong_methods_follow_http() {
        let handoff = Handoff::start().await.unwrap();
        let addr = handoff.local_addr();
        let pre = raw(addr, "OPTIONS /answer/x HTTP/1.1\r\nHost: h\r\n\r\n").await;
        assert!(pre.starts_with("HTTP/1.1 204 "), "{pre}");
        assert!(
            !pre.to_ascii_lowercase().contains("content-length"),
            "{pre}"
        );
        assert!(pre.contains("Access-Control-Allow-Origin: *"), "{pre}");
        let put = raw(addr, "PUT /answer/x HTTP/1.1\r\nHost: h\r\n\r\n").await;
        assert!(put.starts_with("HTTP/1.1 405 "), "{put}");
        assert!(put.contains("Allow: GET, OPTIONS\r\n"), "{put}");
        let junk = raw(addr, "\r\n\r\n").await;
        assert!(junk.starts_with("HTTP/1.1 400 "), "{junk}");
    }

    #[tokio::test]
    async fn an_answer_not_delivered_can_still_be_taken() {
        use tokio::io::AsyncReadExt;
        let handoff = Handoff::start().await.unwrap();
        // Larger than the loopback socket buffers, so the write cannot finish without a reader.
        let url = handoff.offer(Bytes::from(vec![b'x'; 64 * 1024 * 1024]));
        let path = url
            .split_once(&handoff.local_addr().to_string())
            .unwrap()
            .1
            .to_owned();
        let mut conn = TcpStream::connect(handoff.local_addr()).await.unwrap();
        conn.write_all(format!("GET {path} HTTP/1.1\r\nHost: h\r\n\r\n").as_bytes())
            .await
            .unwrap();
        let mut first = [0u8; 1024];
        let n = conn.read(&mut first).await.unwrap();
        assert!(String::from_utf8_lossy(&first[..n]).starts_with("HTTP/1.1 200 "));
        assert_eq!(handoff.pending(), 0, "taken while it is being written");
        drop(conn);
        for _ in 0..100 {
            if handoff.pending() == 1 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(handoff.take(&url).map(|b| b.len()), Some(64 * 1024 * 1024));
    }

    #[tokio::test]
    async fn idle_connections_cannot_block_the_page() {
        let handoff = Handoff::start().await.unwrap();
        let url = handoff.offer(Bytes::from_static(b"still here"));
        // More idle connections than are served at once; each is dropped after HEAD_TIMEOUT.
        let mut idle = Vec::new();
        for _ in 0..MAX_CONNECTIONS + 8 {
            idle.push(TcpStream::connect(handoff.local_addr()).await.unwrap());
        }
        let got = tokio::time::timeout(Duration::from_secs(20), get(&url))
            .await
            .expect("answered once the idle connections timed out");
        assert_eq!(got.1, b"still here");
        drop(idle);
    }

    #[tokio::test]
    async fn serves_on_a_port_reserved_earlier() {
        let reserved = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
        let port = reserved.local_addr().unwrap().port();
        let handoff = Handoff::from_std(reserved).unwrap();
        let url = handoff.offer(Bytes::from_static(b"ok"));
        assert!(
            url.starts_with(&format!("http://127.0.0.1:{port}/answer/")),
            "{url}"
        );
        assert_eq!(get(&url).await.1, b"ok");
    }

    #[tokio::test]
    async fn answers_lapse() {
        let handoff = Handoff::start().await.unwrap();
        let url = handoff.offer(Bytes::from_static(b"x"));
        assert_eq!(handoff.pending(), 1);
        // std Instant is not paused by Tokio: age the offer directly.
        handoff
            .offers
            .lock()
            .values_mut()
            .for_each(|o| o.expires = Instant::now() - Duration::from_secs(1));
        assert_eq!(handoff.pending(), 0);
        assert_eq!(handoff.take(&url), None);
    }
}
