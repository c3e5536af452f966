//! [`Dhis2Client`]: the DHIS2 HTTP client used with any [`AuthProvider`].

use crate::models::{LoginConfig, Me, ResourcePath, Resources, SystemInfo};
use crate::webmessage::{error_from_response, is_login_page, is_login_redirect};
use crate::{AuthProvider, Error, ErrorKind, Result};
use futures_util::StreamExt;
use reqwest::header::{
    HeaderMap, HeaderValue, ACCEPT, CONTENT_LENGTH, CONTENT_TYPE, LOCATION, RETRY_AFTER,
};
pub use reqwest::Method;
use reqwest::StatusCode;
use serde::de::DeserializeOwned;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;
use url::Url;

/// `X-Requested-With: XMLHttpRequest`: makes DHIS2 answer a missing or rejected login with a
/// 401 JSON WebMessage instead of a 302 to its login page (dhis2-server.md §5.1).
pub const X_REQUESTED_WITH: (&str, &str) = ("x-requested-with", "XMLHttpRequest");

/// Connection and retry settings shared by the client, discovery and the probe.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Time allowed to connect (default 10 s).
    pub connect_timeout: Duration,
    /// Longest silence while waiting for or reading a response (default 60 s).
    pub read_timeout: Duration,
    /// Longest time for a whole request, body included (default 15 min): a body that trickles in
    /// a byte at a time never trips `read_timeout`, and must still end. A 57 MB list arrives in
    /// seconds; the user can also cancel any request before this.
    pub total_timeout: Duration,
    /// An extra CA certificate (PEM file) trusted for this instance, on top of the OS store.
    pub extra_ca_pem: Option<PathBuf>,
    /// Retries of idempotent requests on 429/502/503/504 (default 3).
    pub max_retries: u32,
    /// First backoff delay; doubles on each retry (default 500 ms).
    pub retry_base_delay: Duration,
    /// Upper bound for a server's `Retry-After` (default 30 s).
    pub max_retry_after: Duration,
    /// Same-origin redirects followed for API reads (default 5).
    pub max_redirects: u32,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(60),
            total_timeout: Duration::from_secs(15 * 60),
            extra_ca_pem: None,
            max_retries: 3,
            retry_base_delay: Duration::from_millis(500),
            max_retry_after: Duration::from_secs(30),
            max_redirects: 5,
        }
    }
}

/// The largest extra-CA file accepted (a PEM bundle of many certificates is a few hundred KB).
const MAX_CA_FILE: u64 = 1024 * 1024;

/// `O_NONBLOCK`, where its value is known without the libc crate: opening a named pipe that
/// replaced the file after the check must not wait for a writer. Regular files ignore it.
#[cfg(all(
    target_os = "linux",
    any(
        target_arch = "x86_64",
        target_arch = "x86",
        target_arch = "aarch64",
        target_arch = "arm",
        target_arch = "riscv64"
    )
))]
const OPEN_NONBLOCK: i32 = 0o4000;
#[cfg(any(target_os = "macos", target_os = "ios"))]
const OPEN_NONBLOCK: i32 = 0x0004;

/// Reads the extra-CA file: a regular file of at most [`MAX_CA_FILE`] bytes, else a clear
/// error. The checks come before any read, so a pipe, a device such as /dev/zero or a huge
/// file never blocks the caller (this runs on async threads) or fills the memory.
fn read_ca_file(path: &Path) -> Result<Vec<u8>> {
    use std::io::Read;
    let unreadable = |e: std::io::Error| {
        Error::new(
            ErrorKind::InvalidInput,
            format!(
                "Could not read the CA certificate file {}. Check the path in the instance \
                 settings.",
                path.display()
            ),
        )
        .with_source(e)
    };
    let not_regular = || {
        Error::new(
            ErrorKind::InvalidInput,
            format!(
                "{} is not a regular file. Choose the CA certificate file itself (a .pem or .crt \
                 file) in the instance settings.",
                path.display()
            ),
        )
    };
    let too_large = || {
        Error::new(
            ErrorKind::InvalidInput,
            format!(
                "{} is larger than 1 MB, which no CA certificate is. Choose the CA certificate \
                 file (PEM) your administrator gave you in the instance settings.",
                path.display()
            ),
        )
    };
    let meta = std::fs::metadata(path).map_err(unreadable)?;
    if !meta.is_file() {
        return Err(not_regular());
    }
    if meta.len() > MAX_CA_FILE {
        return Err(too_large());
    }
    let mut open = std::fs::OpenOptions::new();
    open.read(true);
    #[cfg(any(
        all(
            target_os = "linux",
            any(
                target_arch = "x86_64",
                target_arch = "x86",
                target_arch = "aarch64",
                target_arch = "arm",
                target_arch = "riscv64"
            )
        ),
        target_os = "macos",
        target_os = "ios"
    ))]
    {
        use std::os::unix::fs::OpenOptionsExt;
        open.custom_flags(OPEN_NONBLOCK);
    }
    let file = open.open(path).map_err(unreadable)?;
    // The same checks on what was opened, in case the path changed in between.
    let meta = file.metadata().map_err(unreadable)?;
    if !meta.is_file() {
        return Err(not_regular());
    }
    let mut pem = Vec::with_capacity(meta.len().min(MAX_CA_FILE) as usize);
    file.take(MAX_CA_FILE + 1)
        .read_to_end(&mut pem)
        .map_err(unreadable)?;
    if pem.len() as u64 > MAX_CA_FILE {
        return Err(too_large());
    }
    Ok(pem)
}

/// Builds the `reqwest` client every part of the core uses: rustls with the OS trust store
/// plus the optional extra CA, no automatic redirects, no cookie store, connection reuse.
pub fn build_http_client(options: &ClientOptions) -> Result<reqwest::Client> {
    let mut b = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(options.connect_timeout)
        .read_timeout(options.read_timeout)
        .timeout(options.total_timeout)
        .pool_idle_timeout(Duration::from_secs(90))
        .tcp_keepalive(Duration::from_secs(60))
        .user_agent(concat!("dhis2w-desktop/", env!("CARGO_PKG_VERSION")));
    if let Some(path) = &options.extra_ca_pem {
        let pem = read_ca_file(path)?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
            Error::new(
                ErrorKind::InvalidInput,
                format!(
                    "{} is not a PEM certificate. Ask your administrator for the CA certificate \
                     in PEM format (it starts with -----BEGIN CERTIFICATE-----).",
                    path.display()
                ),
            )
            .with_source(e)
        })?;
        if certs.is_empty() {
            return Err(Error::new(
                ErrorKind::InvalidInput,
                format!("{} holds no certificate.", path.display()),
            ));
        }
        for c in certs {
            b = b.add_root_certificate(c);
        }
    }
    b.build().map_err(|e| {
        Error::new(
            ErrorKind::Tls,
            "Could not set up secure connections on this computer.",
        )
        .with_source(e)
    })
}

/// The rustls error somewhere in `e`'s source chain, if any. `std::io::Error` hides the error
/// it wraps from `source()` (it returns the inner error's source), so each `io::Error` is
/// looked into with `get_ref()` as well.
fn find_rustls_error<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    let mut src: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = src {
        if let Some(t) = s.downcast_ref::<rustls::Error>() {
            return Some(t);
        }
        if let Some(inner) = s
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            if let Some(t) = find_rustls_error(inner) {
                return Some(t);
            }
        }
        src = s.source();
    }
    None
}

/// True when the failure happened while setting up TLS: recognised from the rustls error in
/// the chain; words are only a fallback for errors that lost their type on the way.
fn is_tls_failure(e: &reqwest::Error) -> bool {
    if find_rustls_error(e).is_some() {
        return true;
    }
    let mut chain = String::new();
    let mut src: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = src {
        chain.push_str(&s.to_string().to_ascii_lowercase());
        chain.push(' ');
        src = s.source();
    }
    chain.contains("certificate")
        || chain.contains("tls")
        || chain.contains("handshake")
        || chain.contains("unknownissuer")
}

/// Whether a connect error is a failed name lookup (hyper-util's resolver says "dns error").
fn is_dns_failure(e: &reqwest::Error) -> bool {
    let mut src: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = src {
        let text = s.to_string().to_ascii_lowercase();
        if text.contains("dns error") || text.contains("failed to lookup address") {
            return true;
        }
        src = s.source();
    }
    false
}

/// Maps a transport error to an error kind with plain words.
pub fn map_transport_error(e: reqwest::Error, what: &str) -> Error {
    let tls = is_tls_failure(&e);
    let err = if e.is_timeout() {
        Error::new(
            ErrorKind::Timeout,
            format!("{what} took too long to answer. Check your connection and try again."),
        )
    } else if tls {
        use rustls::CertificateError as C;
        let message = match find_rustls_error(&e) {
            Some(rustls::Error::InvalidCertificate(C::NotValidForName))
            | Some(rustls::Error::InvalidCertificate(C::NotValidForNameContext { .. })) => format!(
                "The secure connection to {what} failed: the server's certificate is for another \
                 address. Check the address in the instance settings."
            ),
            Some(rustls::Error::InvalidCertificate(C::Expired))
            | Some(rustls::Error::InvalidCertificate(C::ExpiredContext { .. })) => format!(
                "The secure connection to {what} failed: the server's certificate has expired. \
                 Tell the server's administrator."
            ),
            _ => format!(
                "The secure connection to {what} failed (certificate problem). If your \
                 organisation uses its own certificate authority, add its CA certificate (PEM) \
                 in the instance settings."
            ),
        };
        Error::new(ErrorKind::Tls, message)
    } else if e.is_connect() && is_dns_failure(&e) {
        Error::new(
            ErrorKind::ServerUnreachable,
            format!(
                "The name of {what} could not be found (DNS). Check the address for typing \
                 mistakes, and that this computer is on the right network (VPN)."
            ),
        )
    } else if e.is_connect() {
        Error::new(
            ErrorKind::ServerUnreachable,
            format!("Could not reach {what}. Check the address and your internet connection."),
        )
    } else if e.is_body() || e.is_decode() || e.is_request() {
        Error::new(
            ErrorKind::ServerUnreachable,
            format!("The connection to {what} was interrupted. Try again."),
        )
    } else {
        Error::new(
            ErrorKind::Internal,
            format!("Talking to {what} failed unexpectedly."),
        )
    };
    err.with_source(e)
}

/// The largest answer read for the small documents of set-up and sign-in: the probe's
/// answers, OAuth2 discovery, the token endpoint and `/api/me` (1 MB; DHIS2 sends a few KB).
pub const MAX_SMALL_ANSWER: usize = 1024 * 1024;

/// The error for an answer larger than [`MAX_SMALL_ANSWER`].
pub fn answer_too_large(what: &str, host: &str) -> Error {
    Error::new(
        ErrorKind::NotDhis2,
        format!(
            "{host} sent an answer to {what} larger than 1 MB, far more than DHIS2 sends there, so \
             the app stopped reading it. Check the address; if it is right, tell your DHIS2 \
             administrator."
        ),
    )
}

/// Reads a response body of at most `limit` bytes: a larger one (announced or actually sent)
/// is [`answer_too_large`], found without reading the rest.
pub async fn read_capped(
    mut resp: reqwest::Response,
    limit: usize,
    what: &str,
    host: &str,
) -> Result<bytes::Bytes> {
    if resp.content_length().is_some_and(|n| n > limit as u64) {
        return Err(answer_too_large(what, host));
    }
    let mut body = Vec::new();
    while let Some(chunk) = resp
        .chunk()
        .await
        .map_err(|e| map_transport_error(e, host))?
    {
        if body.len() + chunk.len() > limit {
            return Err(answer_too_large(what, host));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.into())
}

/// Joins `path` (e.g. `/api/me`) to a base URL without a trailing slash, keeping the context
/// path (`https://host/dhis` + `/api/me` → `https://host/dhis/api/me`). A path that would climb
/// out of the context path (`..`, also percent-encoded or with backslashes) is refused: the
/// request would carry the instance's credentials to another application on the same host.
pub fn join_path(base: &Url, path: &str) -> Result<Url> {
    refuse_climbing(path)?;
    let mut s = base.as_str().trim_end_matches('/').to_owned();
    if !path.starts_with('/') {
        s.push('/');
    }
    s.push_str(path);
    let url = Url::parse(&s).map_err(|_| {
        Error::new(
            ErrorKind::InvalidInput,
            format!("\"{path}\" is not a valid API path. Type a path such as /api/me."),
        )
    })?;
    // Belt and braces: whatever the parser made of the text, it must stay under the base.
    if !same_origin(&url, base) || !under_base_path(&url, base) {
        return Err(leaves_instance(path));
    }
    Ok(url)
}

fn leaves_instance(path: &str) -> Error {
    Error::new(
        ErrorKind::InvalidInput,
        format!(
            "\"{path}\" would leave this instance's address (it climbs up with \"..\"). Remove \
             the \"..\" parts and type the API path from the start, e.g. /api/dataElements."
        ),
    )
}

/// True when `u`'s path is the base's path or below it (`/dhis` covers `/dhis` and `/dhis/…`,
/// not `/dhis2/…`, another application on the host).
fn under_base_path(u: &Url, base: &Url) -> bool {
    let base_path = base.path().trim_end_matches('/');
    base_path.is_empty() || u.path() == base_path || u.path().starts_with(&format!("{base_path}/"))
}

/// Refuses a `..` segment in the path part of `path` (before `?` or `#`), in every spelling
/// a URL parser or a Java server resolves as one: `%2e`, `\` and `%5c` as separators, `%2f`
/// (decoded by some proxies), `..;` (Tomcat drops path parameters), tabs and newlines (the
/// URL parser removes them).
fn refuse_climbing(path: &str) -> Result<()> {
    let cleaned: String = path
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let path_part = cleaned.split(['?', '#']).next().unwrap_or("");
    let decoded = path_part
        .to_ascii_lowercase()
        .replace("%2e", ".")
        .replace("%2f", "/")
        .replace("%5c", "/")
        .replace('\\', "/");
    let climbs = decoded
        .split('/')
        .any(|seg| seg.split(';').next().unwrap_or("").trim() == "..");
    if climbs {
        Err(leaves_instance(path))
    } else {
        Ok(())
    }
}

/// A `Retry-After` value in seconds (the HTTP-date form is not used by DHIS2's stacks);
/// `None` for anything else. The caller caps it ([`ClientOptions::max_retry_after`]).
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// Same scheme, host and port.
pub fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str() == b.host_str()
        && a.port_or_known_default() == b.port_or_known_default()
}

/// Normalises a base URL: http(s) only, no query or fragment, no trailing slash.
pub fn normalise_base_url(input: &str) -> Result<Url> {
    let bad = || {
        Error::new(
            ErrorKind::InvalidInput,
            format!(
                "\"{input}\" is not a web address. Type the DHIS2 address, e.g. \
                 https://dhis2.example.org"
            ),
        )
    };
    let trimmed = input.trim();
    let with_scheme = if trimmed.contains("://") {
        trimmed.to_owned()
    } else {
        format!("https://{trimmed}")
    };
    let mut u = Url::parse(&with_scheme).map_err(|_| bad())?;
    if !matches!(u.scheme(), "http" | "https") || u.host_str().is_none() {
        return Err(bad());
    }
    u.set_query(None);
    u.set_fragment(None);
    let path = u.path().trim_end_matches('/').to_owned();
    u.set_path(&path);
    Ok(u)
}

/// A response as the API browser shows it.
#[derive(Debug, Clone)]
pub struct RawResponse {
    /// HTTP status.
    pub status: u16,
    /// Response headers, in order.
    pub headers: Vec<(String, String)>,
    /// The URL that answered.
    pub url: String,
    /// Time from sending to the last body byte.
    pub elapsed: Duration,
    /// The body, unchanged.
    pub body: bytes::Bytes,
    /// The `Content-Type`, if any.
    pub content_type: Option<String>,
}

impl RawResponse {
    /// Parses the body as JSON.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_slice(&self.body).map_err(|e| {
            Error::new(
                ErrorKind::NotDhis2,
                "The server's answer was not the JSON DHIS2 sends. Check the address.",
            )
            .with_source(e)
        })
    }

    /// True for 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// Reports download progress: bytes received so far, and the total if the server said it.
pub type ProgressFn<'a> = &'a (dyn Fn(u64, Option<u64>) + Send + Sync);

/// How [`Dhis2Client`] reads a response body: progress reports, cancellation, a size limit.
#[derive(Default, Clone, Copy)]
struct Reading<'a> {
    progress: Option<ProgressFn<'a>>,
    cancel: Option<&'a CancellationToken>,
    limit: Option<usize>,
    /// The user's limit for answers read to be shown ([`crate::download::too_large_to_show`]).
    view_limit: Option<u64>,
}

/// The DHIS2 API client. Cheap to clone (shares the connection pool).
///
/// Every request carries `X-Requested-With: XMLHttpRequest` and the provider's headers, goes
/// only to the base URL's origin (redirects are not followed automatically; same-origin ones
/// are followed by hand, cross-origin ones are refused), keeps no cookies, retries idempotent
/// requests on 429/502/503/504 honouring `Retry-After`, and after a 401 asks the provider once
/// for newer credentials and retries once.
#[derive(Clone)]
pub struct Dhis2Client {
    http: reqwest::Client,
    base: Url,
    auth: Arc<dyn AuthProvider>,
    options: ClientOptions,
}

impl std::fmt::Debug for Dhis2Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dhis2Client")
            .field("base", &self.base.as_str())
            .field("scheme", &self.auth.scheme())
            .finish_non_exhaustive()
    }
}

impl Dhis2Client {
    /// A client for the canonical `base_url` (see [`crate::resolve_base_url`]).
    pub fn new(
        base_url: &str,
        auth: Arc<dyn AuthProvider>,
        options: ClientOptions,
    ) -> Result<Self> {
        let http = build_http_client(&options)?;
        Self::with_http(base_url, auth, http, options)
    }

    /// Like [`Dhis2Client::new`] but reusing an HTTP client built with [`build_http_client`].
    pub fn with_http(
        base_url: &str,
        auth: Arc<dyn AuthProvider>,
        http: reqwest::Client,
        options: ClientOptions,
    ) -> Result<Self> {
        Ok(Self {
            http,
            base: normalise_base_url(base_url)?,
            auth,
            options,
        })
    }

    /// The base URL (no trailing slash).
    pub fn base_url(&self) -> &Url {
        &self.base
    }

    /// The auth provider.
    pub fn auth(&self) -> &Arc<dyn AuthProvider> {
        &self.auth
    }

    /// The underlying HTTP client.
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// Builds the URL for `path` (`/api/...`); absolute URLs are accepted only on the base's
    /// origin and under its path.
    pub fn url(&self, path: &str, query: &[(String, String)]) -> Result<Url> {
        let mut url = if path.starts_with("http://") || path.starts_with("https://") {
            // Climbing is refused here too, before the parser resolves it out of sight.
            let after_scheme = path.split_once("://").map(|(_, r)| r).unwrap_or("");
            if let Some(i) = after_scheme.find(['/', '\\']) {
                refuse_climbing(&after_scheme[i..])?;
            }
            let u = Url::parse(path).map_err(|_| {
                Error::new(
                    ErrorKind::InvalidInput,
                    format!("\"{path}\" is not a valid URL."),
                )
            })?;
            if !self.is_ours(&u) {
                return Err(Error::new(
                    ErrorKind::InvalidInput,
                    format!(
                        "{path} is not on this instance ({}). Your credentials are only sent to \
                         the instance's own address.",
                        self.base
                    ),
                ));
            }
            u
        } else {
            join_path(&self.base, path)?
        };
        if !query.is_empty() {
            let mut q = url.query_pairs_mut();
            for (k, v) in query {
                q.append_pair(k, v);
            }
        }
        Ok(url)
    }

    fn is_ours(&self, u: &Url) -> bool {
        same_origin(u, &self.base) && under_base_path(u, &self.base)
    }

    pub(crate) fn host_label(&self) -> String {
        self.base.host_str().unwrap_or("the server").to_owned()
    }

    async fn cancellable<T>(
        cancel: Option<&CancellationToken>,
        fut: impl std::future::Future<Output = Result<T>>,
    ) -> Result<T> {
        match cancel {
            Some(c) => tokio::select! {
                biased;
                _ = c.cancelled() => Err(Error::new(ErrorKind::Cancelled, "Request cancelled.")),
                r = fut => r,
            },
            None => fut.await,
        }
    }

    fn retry_delay(&self, attempt: u32, headers: &HeaderMap) -> Duration {
        let from_server = headers
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        match from_server {
            Some(d) => d.min(self.options.max_retry_after),
            None => self
                .options
                .retry_base_delay
                .saturating_mul(2u32.saturating_pow(attempt))
                .min(Duration::from_secs(8)),
        }
    }

    /// Sends a request with auth, the 401 retry, the retry policy and same-origin redirects.
    /// Returns the response head (body unread). Login redirects and 401s become errors.
    pub(crate) async fn send(
        &self,
        method: Method,
        url: Url,
        body: Option<&(String, bytes::Bytes)>,
        cancel: Option<&CancellationToken>,
    ) -> Result<reqwest::Response> {
        let idempotent = matches!(
            method,
            Method::GET | Method::HEAD | Method::OPTIONS | Method::PUT | Method::DELETE
        );
        let mut url = url;
        let mut tried_refresh = false;
        let mut attempts = 0u32;
        let mut redirects = 0u32;
        loop {
            Self::cancellable(cancel, self.auth.refresh_if_needed()).await?;
            let auth_headers = self.auth.headers().await?;
            let mut req = self
                .http
                .request(method.clone(), url.clone())
                .headers(auth_headers.clone())
                .header(X_REQUESTED_WITH.0, X_REQUESTED_WITH.1)
                .header(
                    ACCEPT,
                    HeaderValue::from_static("application/json, */*;q=0.5"),
                );
            if let Some((content_type, bytes)) = body {
                req = req
                    .header(CONTENT_TYPE, content_type.as_str())
                    .body(bytes.clone());
            }
            let label = self.host_label();
            let resp = Self::cancellable(cancel, async {
                req.send().await.map_err(|e| map_transport_error(e, &label))
            })
            .await?;
            let status = resp.status();
            if status == StatusCode::UNAUTHORIZED && !tried_refresh {
                tried_refresh = true;
                if self.auth.on_unauthorized(&auth_headers).await? {
                    continue;
                }
            }
            if idempotent
                && matches!(status.as_u16(), 429 | 502 | 503 | 504)
                && attempts < self.options.max_retries
            {
                let delay = self.retry_delay(attempts, resp.headers());
                attempts += 1;
                drop(resp);
                tracing::debug!(status = status.as_u16(), ?delay, "retrying");
                Self::cancellable(cancel, async {
                    tokio::time::sleep(delay).await;
                    Ok(())
                })
                .await?;
                continue;
            }
            if status.is_redirection() {
                if is_login_redirect(status, resp.headers()) {
                    return Err(error_from_response(
                        status,
                        resp.headers(),
                        b"",
                        self.auth.scheme(),
                    ));
                }
                let target = resp
                    .headers()
                    .get(LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|l| url.join(l).ok());
                match target {
                    Some(t) if self.is_ours(&t) && redirects < self.options.max_redirects => {
                        redirects += 1;
                        url = t;
                        continue;
                    }
                    Some(t) => {
                        return Err(Error::new(
                            ErrorKind::InvalidInput,
                            format!(
                                "The server sent this request to another address ({}). Your \
                                 credentials are only sent to {}; edit the instance and use the \
                                 address DHIS2 really runs at.",
                                t.origin().ascii_serialization(),
                                self.base
                            ),
                        ))
                    }
                    None => {}
                }
            }
            if status == StatusCode::UNAUTHORIZED {
                let headers = resp.headers().clone();
                let body = read_capped(
                    resp,
                    MAX_SMALL_ANSWER,
                    "a sign-in check",
                    &self.host_label(),
                )
                .await
                .unwrap_or_default();
                return Err(error_from_response(
                    status,
                    &headers,
                    &body,
                    self.auth.scheme(),
                ));
            }
            return Ok(resp);
        }
    }

    /// GET `path` with `query`: status, headers, elapsed time and body bytes. Any HTTP status
    /// the server answers with is returned as is, except "not signed in" answers (401, a
    /// redirect or HTML login page), which become errors.
    pub async fn get(&self, path: &str, query: &[(String, String)]) -> Result<RawResponse> {
        self.get_streaming(path, query, None, None).await
    }

    /// Like [`Dhis2Client::get`], reporting progress after each chunk and stopping with
    /// [`ErrorKind::Cancelled`] when `cancel` fires.
    pub async fn get_streaming(
        &self,
        path: &str,
        query: &[(String, String)],
        progress: Option<ProgressFn<'_>>,
        cancel: Option<&CancellationToken>,
    ) -> Result<RawResponse> {
        self.get_streaming_within(path, query, progress, cancel, None)
            .await
    }

    /// [`Dhis2Client::get_streaming`] that stops reading at `view_limit` bytes with
    /// [`ErrorKind::TooLarge`] (the user's limit for answers to show; "Save to file" has none).
    pub async fn get_streaming_within(
        &self,
        path: &str,
        query: &[(String, String)],
        progress: Option<ProgressFn<'_>>,
        cancel: Option<&CancellationToken>,
        view_limit: Option<u64>,
    ) -> Result<RawResponse> {
        let reading = Reading {
            progress,
            cancel,
            limit: None,
            view_limit,
        };
        self.execute(Method::GET, path, query, None, reading).await
    }

    /// Any method, with an optional body `(content type, bytes)`. Only idempotent methods are
    /// retried on 429/502/503/504. Statuses are returned as by [`Dhis2Client::get`].
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        query: &[(String, String)],
        body: Option<(String, bytes::Bytes)>,
    ) -> Result<RawResponse> {
        self.execute(method, path, query, body.as_ref(), Reading::default())
            .await
    }

    async fn execute(
        &self,
        method: Method,
        path: &str,
        query: &[(String, String)],
        req_body: Option<&(String, bytes::Bytes)>,
        reading: Reading<'_>,
    ) -> Result<RawResponse> {
        let Reading {
            progress,
            cancel,
            limit,
            view_limit,
        } = reading;
        let url = self.url(path, query)?;
        let started = Instant::now();
        let resp = self.send(method, url, req_body, cancel).await?;
        let status = resp.status();
        let final_url = resp.url().to_string();
        let headers = resp.headers().clone();
        let total = headers
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        let label = self.host_label();
        if let (Some(limit), Some(total)) = (limit, total) {
            if total > limit as u64 {
                return Err(answer_too_large(path, &label));
            }
        }
        if let (Some(view), Some(total)) = (view_limit, total) {
            if total > view && status.is_success() {
                return Err(crate::download::too_large_to_show(view, Some(total)));
            }
        }
        let mut body = Vec::with_capacity(total.unwrap_or(0).min(8 * 1024 * 1024) as usize);
        let mut stream = resp.bytes_stream();
        loop {
            let next = Self::cancellable(cancel, async { Ok(stream.next().await) }).await?;
            match next {
                None => break,
                Some(Ok(chunk)) => {
                    if limit.is_some_and(|l| body.len() + chunk.len() > l) {
                        return Err(answer_too_large(path, &label));
                    }
                    if view_limit.is_some_and(|v| (body.len() + chunk.len()) as u64 > v) {
                        return Err(crate::download::too_large_to_show(
                            view_limit.unwrap_or(0),
                            None,
                        ));
                    }
                    body.extend_from_slice(&chunk);
                    if let Some(p) = progress {
                        p(body.len() as u64, total);
                    }
                }
                Some(Err(e)) => return Err(map_transport_error(e, &label)),
            }
        }
        if status.is_success() && is_login_page(&headers, &body) {
            return Err(error_from_response(
                status,
                &headers,
                &body,
                self.auth.scheme(),
            ));
        }
        Ok(RawResponse {
            status: status.as_u16(),
            headers: headers
                .iter()
                .map(|(k, v)| {
                    (
                        k.as_str().to_owned(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect(),
            url: final_url,
            elapsed: started.elapsed(),
            content_type: headers
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            body: bytes::Bytes::from(body),
        })
    }

    /// GET `path` and parse a 2xx JSON body as `T`; any other answer becomes its error kind.
    pub async fn get_json<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(String, String)],
    ) -> Result<T> {
        let raw = self.get(path, query).await?;
        self.check(&raw)?;
        raw.json()
    }

    /// [`Dhis2Client::get_json`] for the small documents, read up to [`MAX_SMALL_ANSWER`].
    async fn get_small_json<T: DeserializeOwned>(&self, path: &str) -> Result<T> {
        let raw = self
            .execute(
                Method::GET,
                path,
                &[],
                None,
                Reading {
                    limit: Some(MAX_SMALL_ANSWER),
                    ..Reading::default()
                },
            )
            .await?;
        self.check(&raw)?;
        raw.json()
    }

    /// `Ok` for a 2xx answer; any other answer as its error kind (DHIS2's WebMessage words).
    pub fn check(&self, raw: &RawResponse) -> Result<()> {
        if raw.is_success() {
            return Ok(());
        }
        let mut h = HeaderMap::new();
        for (k, v) in &raw.headers {
            if let (Ok(k), Ok(v)) = (
                reqwest::header::HeaderName::from_bytes(k.as_bytes()),
                HeaderValue::from_str(v),
            ) {
                h.append(k, v);
            }
        }
        Err(error_from_response(
            StatusCode::from_u16(raw.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            &h,
            &raw.body,
            self.auth.scheme(),
        ))
    }

    /// `GET /api/system/info`.
    pub async fn system_info(&self) -> Result<SystemInfo> {
        self.get_small_json("/api/system/info").await
    }

    /// `GET /api/me`.
    pub async fn me(&self) -> Result<Me> {
        self.get_small_json("/api/me").await
    }

    /// `GET /api/loginConfig` (2.41+; works without credentials).
    pub async fn login_config(&self) -> Result<LoginConfig> {
        self.get_small_json("/api/loginConfig").await
    }

    /// `GET /api/resources`.
    pub async fn resources(&self) -> Result<Resources> {
        self.get_json("/api/resources", &[]).await
    }

    /// The API paths of `/api/resources`, for the API browser's autocomplete.
    pub async fn resource_paths(&self) -> Result<Vec<ResourcePath>> {
        Ok(self.resources().await?.paths())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_normalise_and_join() {
        let b = normalise_base_url("play.im.dhis2.org/stable-2-42-4/").unwrap();
        assert_eq!(b.as_str(), "https://play.im.dhis2.org/stable-2-42-4");
        assert_eq!(
            join_path(&b, "/api/me").unwrap().as_str(),
            "https://play.im.dhis2.org/stable-2-42-4/api/me"
        );
        let b = normalise_base_url("http://127.0.0.1:8080/").unwrap();
        assert_eq!(
            join_path(&b, "api/me").unwrap().as_str(),
            "http://127.0.0.1:8080/api/me"
        );
        assert!(normalise_base_url("ftp://x").is_err());
        assert!(normalise_base_url("").is_err());
    }

    #[test]
    fn paths_cannot_leave_the_context_path() {
        let b = normalise_base_url("https://a.example/dhis").unwrap();
        for bad in [
            "/../other",
            "../other/api",
            "/api/../../other",
            "/%2e%2e/other",
            "/%2E%2E/other",
            "/.%2e/other",
            "/%2e./other",
            "/api/%2E%2E/%2e%2E/other",
            "/..\\other",
            "/api\\..\\..\\other",
            "/..;/other",
            "/.\t./other",
            "/api/..%2f..%2fother",
            "/api/%2e%2e%5cother",
        ] {
            let err = join_path(&b, bad).expect_err(bad);
            assert_eq!(err.kind(), ErrorKind::InvalidInput, "{bad}");
            assert!(err.message().contains("leave"), "{bad}: {}", err.message());
        }
        let c = Dhis2Client::new(
            b.as_str(),
            Arc::new(crate::BasicAuth::new("u", crate::Secret::new("p")).unwrap()),
            ClientOptions::default(),
        )
        .unwrap();
        assert!(c.url("/../other/api/me", &[]).is_err());
        assert!(c.url("https://a.example/dhis/%2e%2e/other", &[]).is_err());
        // Dots that stay inside, and `..` in the query, are fine.
        for ok in [
            "/api/me",
            "/api/x..y",
            "/api/.../z",
            "/api/me?filter=name:like:..",
            "/api/me#/../x",
        ] {
            let u = join_path(&b, ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
            assert!(u.path().starts_with("/dhis/"), "{ok} -> {u}");
        }
    }

    /// Builds the HTTP client with `ca` on another thread, so a read that blocks fails the
    /// test instead of hanging it.
    fn build_with_ca(ca: PathBuf) -> Result<reqwest::Client> {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let options = ClientOptions {
                extra_ca_pem: Some(ca),
                ..ClientOptions::default()
            };
            let _ = tx.send(build_http_client(&options));
        });
        rx.recv_timeout(Duration::from_secs(5))
            .expect("reading the CA file blocked for more than 5 s")
    }

    #[test]
    fn the_extra_ca_file_must_be_a_small_regular_file() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big.pem");
        std::fs::write(&big, vec![b'A'; 1024 * 1024 + 1]).unwrap();
        let e = build_with_ca(big).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert!(e.message().contains("larger than 1 MB"), "{e}");

        let e = build_with_ca(dir.path().to_owned()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert!(e.message().contains("not a regular file"), "{e}");

        #[cfg(unix)]
        {
            // A named pipe nobody writes to: reading it would wait for ever.
            let fifo = dir.path().join("fifo.pem");
            let made = std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap();
            assert!(made.success());
            let e = build_with_ca(fifo).unwrap_err();
            assert!(e.message().contains("not a regular file"), "{e}");
        }

        let missing = build_with_ca(dir.path().join("missing.pem")).unwrap_err();
        assert!(missing.message().contains("Could not read"), "{missing}");
        let not_pem = dir.path().join("x.pem");
        std::fs::write(&not_pem, b"hello").unwrap();
        let e = build_with_ca(not_pem).unwrap_err();
        assert!(
            e.message().contains("holds no certificate") || e.message().contains("not a PEM"),
            "{e}"
        );
    }

    #[test]
    fn client_refuses_foreign_absolute_urls() {
        let c = Dhis2Client::new(
            "https://a.example/dhis",
            Arc::new(crate::BasicAuth::new("u", crate::Secret::new("p")).unwrap()),
            ClientOptions::default(),
        )
        .unwrap();
        assert!(c.url("https://a.example/dhis/api/me", &[]).is_ok());
        assert!(c.url("https://b.example/dhis/api/me", &[]).is_err());
        assert!(c.url("https://a.example/other/api/me", &[]).is_err());
        assert!(c.url("https://a.example/dhis2/api/me", &[]).is_err());
        let u = c
            .url("/api/dataElements", &[("fields".into(), "id,name".into())])
            .unwrap();
        assert_eq!(
            u.as_str(),
            "https://a.example/dhis/api/dataElements?fields=id%2Cname"
        );
    }

    #[test]
    fn retry_after_is_honoured_and_capped() {
        let c = Dhis2Client::new(
            "https://a.example",
            Arc::new(crate::BasicAuth::new("u", crate::Secret::new("p")).unwrap()),
            ClientOptions::default(),
        )
        .unwrap();
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_static("2"));
        assert_eq!(c.retry_delay(0, &h), Duration::from_secs(2));
        h.insert(RETRY_AFTER, HeaderValue::from_static("3600"));
        assert_eq!(c.retry_delay(0, &h), Duration::from_secs(30));
        assert_eq!(
            c.retry_delay(1, &HeaderMap::new()),
            Duration::from_millis(1000)
        );
    }
}
