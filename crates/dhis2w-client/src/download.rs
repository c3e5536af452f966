//! Answers too large to show: a size limit for what is read into memory, and "Save to file",
//! which streams the body straight to disk (never held in memory) with progress and cancel.

use crate::client::{map_transport_error, Dhis2Client, ProgressFn};
use crate::error::{Error, ErrorKind, Result};
use crate::webmessage::error_from_response;
use futures_util::StreamExt as _;
use reqwest::Method;
use std::path::Path;
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt as _;
use tokio_util::sync::CancellationToken;

/// The default largest answer the app reads into memory to show (200 MB; Settings changes it).
pub const DEFAULT_VIEW_LIMIT: u64 = 200 * 1024 * 1024;

/// The error for an answer above the user's limit: its own kind, so the app can offer
/// "Save to file" right there.
pub fn too_large_to_show(limit: u64, size: Option<u64>) -> Error {
    let mb = |b: u64| b.div_ceil(1024 * 1024);
    let size = size.map(|s| format!(" ({} MB)", mb(s))).unwrap_or_default();
    Error::new(
        ErrorKind::TooLarge,
        format!(
            "This answer{size} is larger than the {} MB the app opens (Settings). Save it to a \
             file instead, or raise the limit in Settings.",
            mb(limit)
        ),
    )
}

/// What "Save to file" wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Download {
    /// HTTP status (2xx: other answers are errors).
    pub status: u16,
    /// Bytes written.
    pub bytes: u64,
    /// The `Content-Type`, if any.
    pub content_type: Option<String>,
    /// Time from sending to the last byte.
    pub elapsed: Duration,
}

impl Dhis2Client {
    /// GETs `path` and streams a 2xx body into `dest` (through a temporary file in the same
    /// folder, renamed at the end: a cancelled or failed download leaves nothing behind and
    /// never replaces an existing file half-way). Never holds the body in memory. Any other
    /// answer is returned as its error, like every request.
    pub async fn download_to(
        &self,
        path: &str,
        query: &[(String, String)],
        dest: &Path,
        progress: Option<ProgressFn<'_>>,
        cancel: Option<&CancellationToken>,
    ) -> Result<Download> {
        let dir = dest
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let file_error = |e: std::io::Error| {
            crate::fsio::file_error("save the answer", dest, e, ErrorKind::InvalidInput)
        };
        let url = self.url(path, query)?;
        let started = Instant::now();
        let resp = self.send(Method::GET, url, None, cancel).await?;
        let status = resp.status();
        let headers = resp.headers().clone();
        let label = self.host_label();
        if !status.is_success() {
            // An error answer is small; read at most 1 MB of it for its words.
            let body = resp
                .bytes()
                .await
                .map_err(|e| map_transport_error(e, &label))?;
            let cut = &body[..body.len().min(crate::client::MAX_SMALL_ANSWER)];
            return Err(error_from_response(
                status,
                &headers,
                cut,
                self.auth().scheme(),
            ));
        }
        let total = resp.content_length();
        let tmp = tempfile::Builder::new()
            .prefix(".dhis2w-download-")
            .tempfile_in(dir)
            .map_err(file_error)?;
        let (std_file, tmp_path) = tmp.into_parts();
        let mut file =
            tokio::io::BufWriter::with_capacity(256 * 1024, tokio::fs::File::from_std(std_file));
        let mut written = 0u64;
        let mut stream = resp.bytes_stream();
        loop {
            let next = match cancel {
                Some(c) => tokio::select! {
                    biased;
                    _ = c.cancelled() => {
                        return Err(Error::new(ErrorKind::Cancelled, "Download cancelled; nothing was saved."));
                    }
                    n = stream.next() => n,
                },
                None => stream.next().await,
            };
            match next {
                None => break,
                Some(Ok(chunk)) => {
                    crate::fsio::check_space().map_err(file_error)?;
                    file.write_all(&chunk).await.map_err(file_error)?;
                    written += chunk.len() as u64;
                    if let Some(p) = progress {
                        p(written, total);
                    }
                }
                Some(Err(e)) => return Err(map_transport_error(e, &label)),
            }
        }
        file.flush().await.map_err(file_error)?;
        let file = file.into_inner();
        file.sync_all().await.map_err(file_error)?;
        drop(file);
        // The download is an ordinary document for the user, like an export.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let _ = std::fs::set_permissions(&tmp_path, std::fs::Permissions::from_mode(0o644));
        }
        tmp_path.persist(dest).map_err(|e| file_error(e.error))?;
        Ok(Download {
            status: status.as_u16(),
            bytes: written,
            content_type: headers
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            elapsed: started.elapsed(),
        })
    }
}
