//! Capturing the OAuth2 authorization response: the loopback HTTP receiver, the deep-link
//! receiver, and the [`BrowserOpener`] hook.
//!
//! A capturer is created first (so its redirect URI is known before the authorize URL is
//! built), then [`RedirectCapturer::wait_for_code`] waits for the callback that carries this
//! flow's `state`. Everything else is ignored.

use crate::{Error, ErrorKind, Result, Secret};
use async_trait::async_trait;
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::{AbortHandle, JoinSet};
use tokio_util::sync::CancellationToken;
use url::Url;

/// The path the loopback receiver answers on.
pub const CALLBACK_PATH: &str = "/oauth2/callback";
/// The redirect URI to register in DHIS2 for the loopback mode (any port is accepted for IP
/// literals, dhis2-server.md §2.6).
pub const LOOPBACK_REGISTERED_URI: &str = "http://127.0.0.1/oauth2/callback";
/// The private-use-scheme redirect URI of the deep-link mode.
pub const DEEP_LINK_REDIRECT_URI: &str = "org.dhis2w.desktop:/oauth2/callback";
/// Connections the loopback receiver serves at once; past that, the oldest is dropped.
const MAX_LIVE_CONNECTIONS: usize = 64;
/// The default time a user gets to finish signing in.
pub const DEFAULT_SIGN_IN_TIMEOUT: Duration = Duration::from_secs(300);

/// What the authorization server sent back: the code and, if present, `iss` (RFC 9207).
#[derive(Debug, Clone)]
pub struct AuthorizationResponse {
    /// The authorization code (or, for a device enrolment, the initial access token `iat`).
    pub code: Secret,
    /// The `iss` parameter, if the server sent one.
    pub iss: Option<String>,
}

/// Receives the redirect of one sign-in attempt.
#[async_trait]
pub trait RedirectCapturer: Send + Sync {
    /// The redirect URI to put in the authorize request (known before waiting).
    fn redirect_uri(&self) -> String;

    /// Waits until a callback carrying `state` arrives, the capturer's timeout passes
    /// ([`ErrorKind::Timeout`]) or `cancel` fires ([`ErrorKind::Cancelled`]). Callbacks with
    /// another state are ignored. A capturer serves one attempt; its resources are released
    /// when this returns.
    async fn wait_for_code(
        &self,
        state: &str,
        cancel: &CancellationToken,
    ) -> Result<AuthorizationResponse>;
}

/// Opens the authorize URL in the user's browser. The app plugs in the system browser; tests
/// plug in an HTTP driver.
#[async_trait]
pub trait BrowserOpener: Send + Sync {
    /// Opens `url`. An error is reported but the flow keeps waiting (the user can copy the URL).
    async fn open(&self, url: &str) -> Result<()>;
}

fn ct_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Judges callback query parameters. `None`: not for this flow (no or wrong `state`); ignore it.
fn evaluate_callback<'a>(
    pairs: impl Iterator<Item = (std::borrow::Cow<'a, str>, std::borrow::Cow<'a, str>)>,
    expected_state: &str,
) -> Option<Result<AuthorizationResponse>> {
    let (mut state, mut code, mut error, mut desc, mut iss) = (None, None, None, None, None);
    for (k, v) in pairs {
        match k.as_ref() {
            "state" => state = Some(v.into_owned()),
            // A device enrolment answers with its initial access token (dhis2-dcr.md §1) where
            // the code flow has its code: the flow that waits knows which one it asked for.
            "code" | "iat" => code = Some(v.into_owned()),
            "error" => error = Some(v.into_owned()),
            "error_description" => desc = Some(v.into_owned()),
            "iss" => iss = Some(v.into_owned()),
            _ => {}
        }
    }
    // state first, before reading anything else (RFC 6749 §10.12).
    if !ct_eq(state.as_deref()?, expected_state) {
        return None;
    }
    if let Some(error) = error {
        return Some(Err(authorization_error(&error, desc.as_deref())));
    }
    match code {
        Some(code) if !code.is_empty() => Some(Ok(AuthorizationResponse {
            code: Secret::new(code),
            iss,
        })),
        _ => Some(Err(Error::new(
            ErrorKind::OauthError,
            "DHIS2 came back without an authorization code. Try signing in again.",
        ))),
    }
}

/// Maps an `error=` on the authorization response to an error with plain words.
pub fn authorization_error(error: &str, description: Option<&str>) -> Error {
    let detail = description
        .filter(|d| !d.is_empty())
        .map(|d| format!(" DHIS2 said: \"{d}\"."))
        .unwrap_or_default();
    match error {
        "access_denied" => Error::new(
            ErrorKind::Cancelled,
            "The sign-in was cancelled in the browser (permission was not given). Click Sign in \
             to try again.",
        ),
        "invalid_scope" => Error::new(
            ErrorKind::OauthError,
            format!(
                "DHIS2 refused the requested permissions (scope).{detail} Ask your DHIS2 \
                 administrator which scope the app's OAuth2 client allows, and set it in the \
                 instance settings."
            ),
        ),
        "unauthorized_client" | "invalid_client" => Error::new(
            ErrorKind::OauthError,
            format!(
                "DHIS2 does not allow this app's OAuth2 client to sign in.{detail} Ask your \
                 DHIS2 administrator to check the client registration."
            ),
        ),
        other => Error::new(
            ErrorKind::OauthError,
            format!(
                "DHIS2 refused the sign-in ({other}).{detail} Try again; if it keeps \
                 happening, ask your DHIS2 administrator."
            ),
        ),
    }
}

/// Escapes text for HTML element content and attribute values.
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
    out
}

/// The words of the pages the loopback receiver shows in the browser, per language.
struct PageWords {
    lang: &'static str,
    signed_in: &'static str,
    finishing: &'static str,
    not_finished: &'static str,
    see_app: &'static str,
    close_tab: &'static str,
    not_found: &'static str,
    not_part: &'static str,
}

const PAGE_WORDS: [PageWords; 4] = [
    PageWords {
        lang: "en",
        signed_in: "Signed in",
        finishing: "dhis2w Desktop received your sign-in and is finishing it now.",
        not_finished: "Sign-in did not finish",
        see_app: "dhis2w Desktop says what happened and what to do next.",
        close_tab: "You can close this tab and return to dhis2w Desktop.",
        not_found: "Not found",
        not_part: "This address is not part of the sign-in.",
    },
    PageWords {
        lang: "fr",
        signed_in: "Connecté",
        finishing: "dhis2w Desktop a reçu votre connexion et la termine.",
        not_finished: "La connexion n’a pas abouti",
        see_app: "dhis2w Desktop indique ce qui s’est passé et que faire ensuite.",
        close_tab: "Vous pouvez fermer cet onglet et revenir à dhis2w Desktop.",
        not_found: "Introuvable",
        not_part: "Cette adresse ne fait pas partie de la connexion.",
    },
    PageWords {
        lang: "es",
        signed_in: "Sesión iniciada",
        finishing: "dhis2w Desktop recibió su inicio de sesión y lo está completando.",
        not_finished: "El inicio de sesión no se completó",
        see_app: "dhis2w Desktop indica qué ocurrió y qué hacer a continuación.",
        close_tab: "Puede cerrar esta pestaña y volver a dhis2w Desktop.",
        not_found: "No encontrado",
        not_part: "Esta dirección no forma parte del inicio de sesión.",
    },
    PageWords {
        lang: "pt",
        signed_in: "Sessão iniciada",
        finishing: "O dhis2w Desktop recebeu o seu início de sessão e está a concluí-lo.",
        not_finished: "O início de sessão não terminou",
        see_app: "O dhis2w Desktop indica o que aconteceu e o que fazer a seguir.",
        close_tab: "Pode fechar este separador e voltar ao dhis2w Desktop.",
        not_found: "Não encontrado",
        not_part: "Este endereço não faz parte do início de sessão.",
    },
];

/// The language of the loopback pages (index into [`PAGE_WORDS`]): the app's UI language.
static PAGE_LANGUAGE: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Shows the browser pages of the sign-in in `lang` (`en`, `fr`, `es`, `pt`); false (and no
/// change) for another language.
pub fn set_page_language(lang: &str) -> bool {
    match PAGE_WORDS.iter().position(|w| w.lang == lang) {
        Some(i) => {
            PAGE_LANGUAGE.store(i, std::sync::atomic::Ordering::Relaxed);
            true
        }
        None => false,
    }
}

fn words() -> &'static PageWords {
    &PAGE_WORDS[PAGE_LANGUAGE.load(std::sync::atomic::Ordering::Relaxed) % PAGE_WORDS.len()]
}

/// A page with a title, a line, optional details (the core's English words) and "you can close
/// this tab", in the app's language.
fn page(title: &str, body: &str, details: Option<&str>) -> String {
    let w = words();
    let details = details
        .map(|d| {
            format!(
                "<p style=\"color:#6b7280;font-size:.9rem\">{}</p>",
                html_escape(d)
            )
        })
        .unwrap_or_default();
    format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\"><title>{t}</title>\
         <style>body{{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;\
         padding:0 1rem;color:#1f2937}}h1{{font-size:1.4rem}}</style></head><body>\
         <h1>{t}</h1><p>{b}</p>{details}<p>{close}</p></body></html>",
        lang = w.lang,
        t = html_escape(title),
        b = html_escape(body),
        close = html_escape(w.close_tab),
    )
}

fn outcome_page(outcome: &Result<AuthorizationResponse>) -> (u16, String) {
    let w = words();
    match outcome {
        Ok(_) => (200, page(w.signed_in, w.finishing, None)),
        Err(e) => (400, page(w.not_finished, w.see_app, Some(e.message()))),
    }
}

/// Options of [`LoopbackCapturer`].
#[derive(Debug, Clone)]
pub struct LoopbackOptions {
    /// How long to wait for the browser (default 5 minutes).
    pub timeout: Duration,
    /// How long one connection may take to send its request head (default 5 s).
    pub header_timeout: Duration,
}

impl Default for LoopbackOptions {
    fn default() -> Self {
        Self {
            timeout: DEFAULT_SIGN_IN_TIMEOUT,
            header_timeout: Duration::from_secs(5),
        }
    }
}

/// The loopback receiver (RFC 8252 §7.3): listens on `127.0.0.1:<ephemeral>` only while
/// waiting, answers `GET /oauth2/callback?…&state=<this flow's state>` with a small page, and
/// answers everything else with 404 while it keeps waiting.
pub struct LoopbackCapturer {
    listener: Mutex<Option<TcpListener>>,
    addr: SocketAddr,
    options: LoopbackOptions,
}

impl LoopbackCapturer {
    /// Binds `127.0.0.1:0` with default options.
    pub async fn bind() -> Result<Self> {
        Self::bind_with(LoopbackOptions::default()).await
    }

    /// Binds `127.0.0.1:0` with `options`.
    pub async fn bind_with(options: LoopbackOptions) -> Result<Self> {
        let listener = TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, 0))
            .await
            .map_err(|e| {
                Error::new(
                    ErrorKind::Internal,
                    "Could not open a local port to receive the sign-in. Check that no security \
                     software blocks local connections, then try again.",
                )
                .with_source(e)
            })?;
        let addr = listener.local_addr().map_err(|e| {
            Error::new(ErrorKind::Internal, "Could not read the local port.").with_source(e)
        })?;
        Ok(Self {
            listener: Mutex::new(Some(listener)),
            addr,
            options,
        })
    }

    /// The bound address (`127.0.0.1:<port>`).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Closes the listener without waiting (e.g. when the flow is abandoned before waiting).
    pub fn close(&self) {
        self.listener
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
    }
}

#[async_trait]
impl RedirectCapturer for LoopbackCapturer {
    fn redirect_uri(&self) -> String {
        format!("http://127.0.0.1:{}{}", self.addr.port(), CALLBACK_PATH)
    }

    async fn wait_for_code(
        &self,
        state: &str,
        cancel: &CancellationToken,
    ) -> Result<AuthorizationResponse> {
        let listener = self
            .listener
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::Internal,
                    "This sign-in receiver was already used. Start the sign-in again.",
                )
            })?;
        let (tx, mut rx) = mpsc::channel::<Result<AuthorizationResponse>>(1);
        let expected: std::sync::Arc<str> = state.into();
        let mut conns = JoinSet::new();
        // Abort handles of the live connections, oldest first.
        let mut live: VecDeque<AbortHandle> = VecDeque::new();
        let deadline = tokio::time::sleep(self.options.timeout);
        tokio::pin!(deadline);
        let result = loop {
            tokio::select! {
                biased;
                _ = cancel.cancelled() => break Err(Error::new(
                    ErrorKind::Cancelled,
                    "Sign-in cancelled.",
                )),
                Some(outcome) = rx.recv() => break outcome,
                _ = &mut deadline => break Err(Error::new(
                    ErrorKind::Timeout,
                    format!(
                        "No sign-in arrived from the browser within {} minutes. Click Sign in to \
                         try again.",
                        (self.options.timeout.as_secs() / 60).max(1)
                    ),
                )),
                accepted = listener.accept() => {
                    if let Ok((stream, _)) = accepted {
                        // Each connection is served on its own task with its own read timeout,
                        // and their number is bounded. When full, the oldest goes, never the
                        // newcomer: idle local connections must not starve the browser's
                        // callback, which sends its request as soon as it connects.
                        while conns.try_join_next().is_some() {}
                        live.retain(|h| !h.is_finished());
                        while live.len() >= MAX_LIVE_CONNECTIONS {
                            if let Some(oldest) = live.pop_front() {
                                oldest.abort();
                            }
                        }
                        live.push_back(conns.spawn(serve_connection(
                            stream,
                            expected.clone(),
                            tx.clone(),
                            self.options.header_timeout,
                        )));
                    }
                }
            }
        };
        drop(listener);
        conns.abort_all();
        result
    }
}

pub(crate) async fn read_request_head(stream: &mut TcpStream) -> std::io::Result<String> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    loop {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
        if buf.windows(4).any(|w| w == b"\r\n\r\n") || buf.windows(2).any(|w| w == b"\n\n") {
            return Ok(String::from_utf8_lossy(&buf).into_owned());
        }
        if buf.len() > 16 * 1024 {
            return Err(std::io::ErrorKind::InvalidData.into());
        }
    }
}

/// Writes the answer page; a peer that does not read gets 5 s, not the receiver's lifetime.
async fn respond(stream: &mut TcpStream, status: u16, body: &str) {
    let _ = tokio::time::timeout(
        Duration::from_secs(5),
        respond_unbounded(stream, status, body),
    )
    .await;
}

async fn respond_unbounded(stream: &mut TcpStream, status: u16, body: &str) {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        _ => "Not Found",
    };
    let head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\n\
         Content-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\
         Referrer-Policy: no-referrer\r\nX-Content-Type-Options: nosniff\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes()).await;
    let _ = stream.write_all(body.as_bytes()).await;
    let _ = stream.flush().await;
    let _ = stream.shutdown().await;
}

/// Judges the request head the loopback receiver got: `None` when it is not this flow's
/// callback (anything but `GET /oauth2/callback?…` with `expected_state`; answered with 404),
/// else the flow's outcome. Public for the property tests of this parser of untrusted input.
pub fn callback_from_request(
    head: &str,
    expected_state: &str,
) -> Option<Result<AuthorizationResponse>> {
    let mut words = head.lines().next().unwrap_or_default().split_whitespace();
    let (method, target) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
    if method != "GET" || !target.starts_with('/') {
        return None;
    }
    let url = Url::parse(&format!("http://127.0.0.1{target}")).ok()?;
    if url.path() != CALLBACK_PATH {
        return None;
    }
    evaluate_callback(url.query_pairs(), expected_state)
}

/// Judges a URL the app was opened with, as [`DeepLinkCapturer`] does: `None` when it is not
/// this app's callback with `expected_state`.
pub fn callback_from_deep_link(
    url: &str,
    expected_state: &str,
) -> Option<Result<AuthorizationResponse>> {
    evaluate_callback(parse_deep_link(url)?.query_pairs(), expected_state)
}

async fn serve_connection(
    mut stream: TcpStream,
    expected_state: std::sync::Arc<str>,
    tx: mpsc::Sender<Result<AuthorizationResponse>>,
    header_timeout: Duration,
) {
    let Ok(Ok(head)) = tokio::time::timeout(header_timeout, read_request_head(&mut stream)).await
    else {
        return;
    };
    let not_found = page(words().not_found, words().not_part, None);
    match callback_from_request(&head, &expected_state) {
        None => respond(&mut stream, 404, &not_found).await,
        Some(outcome) => {
            let (status, html) = outcome_page(&outcome);
            respond(&mut stream, status, &html).await;
            let _ = tx.try_send(outcome);
        }
    }
}

/// Options of [`DeepLinkCapturer`].
#[derive(Debug, Clone)]
pub struct DeepLinkOptions {
    /// How long to wait (default 5 minutes).
    pub timeout: Duration,
}

impl Default for DeepLinkOptions {
    fn default() -> Self {
        Self {
            timeout: DEFAULT_SIGN_IN_TIMEOUT,
        }
    }
}

/// The deep-link receiver: the app feeds it the URLs it is opened with (through a
/// [`DeepLinkHandle`]); only `org.dhis2w.desktop:/oauth2/callback?…` with this flow's state
/// ends the wait.
pub struct DeepLinkCapturer {
    rx: tokio::sync::Mutex<mpsc::UnboundedReceiver<String>>,
    options: DeepLinkOptions,
}

/// Feeds URLs to a [`DeepLinkCapturer`]. Cheap to clone; keep one in the app's deep-link handler.
#[derive(Clone)]
pub struct DeepLinkHandle {
    tx: mpsc::UnboundedSender<String>,
}

impl DeepLinkHandle {
    /// Hands a URL the app was opened with to the waiting flow. Returns false when the URL is
    /// not an OAuth2 callback of this app or no flow listens any more (the app may then handle
    /// or ignore it). Never log the URL itself: it carries the code.
    pub fn deliver(&self, url: &str) -> bool {
        parse_deep_link(url).is_some() && self.tx.send(url.to_owned()).is_ok()
    }
}

/// The `state` of a sign-in link the app was opened with (`None`: not this app's callback).
pub fn deep_link_state(url: &str) -> Option<String> {
    parse_deep_link(url)?
        .query_pairs()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned())
}

fn parse_deep_link(url: &str) -> Option<Url> {
    let u = Url::parse(url.trim()).ok()?;
    (u.scheme() == "org.dhis2w.desktop"
        && u.host().is_none()
        && u.path() == CALLBACK_PATH
        && u.fragment().is_none())
    .then_some(u)
}

impl DeepLinkCapturer {
    /// A capturer and the handle that feeds it.
    pub fn new(options: DeepLinkOptions) -> (Self, DeepLinkHandle) {
        let (tx, rx) = mpsc::unbounded_channel();
        (
            Self {
                rx: tokio::sync::Mutex::new(rx),
                options,
            },
            DeepLinkHandle { tx },
        )
    }
}

#[async_trait]
impl RedirectCapturer for DeepLinkCapturer {
    fn redirect_uri(&self) -> String {
        DEEP_LINK_REDIRECT_URI.to_owned()
    }

    async fn wait_for_code(
        &self,
        state: &str,
        cancel: &CancellationToken,
    ) -> Result<AuthorizationResponse> {
        let mut rx = self.rx.lock().await;
        let deadline = tokio::time::sleep(self.options.timeout);
        tokio::pin!(deadline);
        loop {
            tokio::select! {
                biased;
                _ = cancel.cancelled() => return Err(Error::new(ErrorKind::Cancelled, "Sign-in cancelled.")),
                _ = &mut deadline => return Err(Error::new(
                    ErrorKind::Timeout,
                    "No sign-in arrived from the browser in time. Click Sign in to try again.",
                )),
                got = rx.recv() => {
                    let Some(raw) = got else {
                        return Err(Error::new(ErrorKind::Cancelled, "Sign-in cancelled."));
                    };
                    let Some(url) = parse_deep_link(&raw) else { continue };
                    if let Some(outcome) = evaluate_callback(url.query_pairs(), state) {
                        rx.close();
                        return outcome;
                    }
                    tracing::debug!("ignored a deep link without this flow's state");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_speak_the_apps_language() {
        assert!(set_page_language("fr"));
        let (status, html) = outcome_page(&Err(authorization_error("access_denied", None)));
        assert_eq!(status, 400);
        assert!(html.contains("lang=\"fr\""), "{html}");
        assert!(html.contains("La connexion n’a pas abouti"), "{html}");
        assert!(html.contains("Vous pouvez fermer cet onglet"), "{html}");
        assert!(!set_page_language("de"), "an unknown language is refused");
        assert!(
            outcome_page(&Err(authorization_error("access_denied", None)))
                .1
                .contains("lang=\"fr\"")
        );
        for lang in ["es", "pt", "en"] {
            assert!(set_page_language(lang));
            let html = page(words().not_found, words().not_part, None);
            assert!(html.contains(&format!("lang=\"{lang}\"")), "{html}");
        }
        assert!(page("t", "b", None).contains("You can close this tab"));
    }

    #[test]
    fn escapes_html() {
        assert_eq!(
            html_escape("<script>alert('x')&\"</script>"),
            "&lt;script&gt;alert(&#x27;x&#x27;)&amp;&quot;&lt;/script&gt;"
        );
        let (status, html) = outcome_page(&Err(authorization_error(
            "server_error",
            Some("<img src=x onerror=alert(1)>"),
        )));
        assert_eq!(status, 400);
        assert!(!html.contains("<img"));
        assert!(html.contains("&lt;img"));
        assert!(html.contains("return to dhis2w Desktop"));
    }

    #[test]
    fn callback_rules() {
        let u = Url::parse("http://x/?code=abc&state=s1&iss=http%3A%2F%2Fi").unwrap();
        let r = evaluate_callback(u.query_pairs(), "s1").unwrap().unwrap();
        assert_eq!(r.code.expose(), "abc");
        assert_eq!(r.iss.as_deref(), Some("http://i"));
        let u = Url::parse("http://x/?code=abc&state=s2").unwrap();
        assert!(evaluate_callback(u.query_pairs(), "s1").is_none());
        let u = Url::parse("http://x/?code=abc").unwrap();
        assert!(evaluate_callback(u.query_pairs(), "s1").is_none());
        let u = Url::parse("http://x/?error=access_denied&state=s1").unwrap();
        let e = evaluate_callback(u.query_pairs(), "s1")
            .unwrap()
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Cancelled);
        let u = Url::parse("http://x/?error=invalid_scope&error_description=bad&state=s1").unwrap();
        let e = evaluate_callback(u.query_pairs(), "s1")
            .unwrap()
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::OauthError);
        assert!(e.message().contains("bad"));
    }

    #[tokio::test]
    async fn idle_local_connections_cannot_starve_the_real_callback() {
        let cap = LoopbackCapturer::bind_with(LoopbackOptions {
            timeout: Duration::from_secs(20),
            // Longer than the test: idle connections are not timed out during it.
            header_timeout: Duration::from_secs(30),
        })
        .await
        .unwrap();
        let addr = cap.local_addr();
        let cancel = CancellationToken::new();
        let browser = async {
            let mut idle = Vec::new();
            for _ in 0..100 {
                idle.push(TcpStream::connect(addr).await.unwrap());
            }
            // Let the receiver accept them all before the real callback arrives.
            tokio::time::sleep(Duration::from_millis(300)).await;
            let mut s = TcpStream::connect(addr).await.unwrap();
            s.write_all(
                b"GET /oauth2/callback?code=the-code&state=s1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
            )
            .await
            .unwrap();
            let mut answer = String::new();
            let _ = s.read_to_string(&mut answer).await;
            drop(idle);
            answer
        };
        let (outcome, answer) = tokio::time::timeout(Duration::from_secs(10), async {
            tokio::join!(cap.wait_for_code("s1", &cancel), browser)
        })
        .await
        .expect("the real callback did not get through within 10 s");
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer:?}");
        assert_eq!(outcome.unwrap().code.expose(), "the-code");
    }

    #[test]
    fn deep_link_shape() {
        assert!(parse_deep_link("org.dhis2w.desktop:/oauth2/callback?code=a&state=b").is_some());
        assert!(parse_deep_link("org.dhis2w.desktop://evil/oauth2/callback?code=a").is_none());
        assert!(parse_deep_link("org.dhis2w.desktop:/other?code=a").is_none());
        assert!(parse_deep_link("https://x/oauth2/callback?code=a").is_none());
    }
}
