//! The app's log: a file in the data folder (`logs/dhis2w.log`, rotated at 2 MB, three old
//! files kept), every line redacted before it is written, and the last lines kept in memory for
//! "Copy diagnostics". The level is `info`, `debug` with the "detailed log" switch, or what the
//! `DHIS2W_LOG` variable says (`error`, `warn`, `info`, `debug`, `trace`).

use std::collections::VecDeque;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use regex::Regex;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::{reload, Registry};

use crate::error::{Error, ErrorKind, Result};

/// The log file's name in `<data dir>/logs/`.
pub const LOG_FILE: &str = "dhis2w.log";
/// Lines kept in memory for "Copy diagnostics".
pub const RECENT_LINES: usize = 200;
const MAX_BYTES: u64 = 2 * 1024 * 1024;
const KEEP: usize = 3;

/// What a line looks like once no secret is left in it: `Authorization` values, Bearer and
/// Basic credentials, JWTs, DHIS2 personal access tokens, and credential-looking parameters or
/// JSON fields. Applied to every line before it is written or kept.
pub fn redact_line(line: &str) -> String {
    static RULES: OnceLock<Vec<(Regex, &'static str)>> = OnceLock::new();
    let rules = RULES.get_or_init(|| {
        [
            (
                r"(?i)\b((?:proxy-)?authorization)(\s*[:=]\s*)(?:bearer|basic|apitoken)?\s*[^\s,;]+",
                "$1$2[hidden]",
            ),
            (r"(?i)\b(bearer|basic|apitoken)\s+[A-Za-z0-9._~+/=-]{8,}", "$1 [hidden]"),
            (
                r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*",
                "[hidden-jwt]",
            ),
            (r"\bd2p(?:at)?_[A-Za-z0-9]{8,}", "[hidden-pat]"),
            (
                r#"(?i)\b(access_token|refresh_token|id_token|password|passwd|client_secret|code_verifier|code|token|secret|pat)=([^&\s"',;]+)"#,
                "$1=[hidden]",
            ),
            (
                r#"(?i)"(access_token|refresh_token|id_token|password|client_secret|clientSecret|secret|pat|token)"\s*:\s*"[^"]*""#,
                "\"$1\":\"[hidden]\"",
            ),
        ]
        .into_iter()
        .map(|(re, to)| (Regex::new(re).expect("a valid redaction rule"), to))
        .collect()
    });
    let mut out = std::borrow::Cow::Borrowed(line);
    for (re, to) in rules {
        if re.is_match(&out) {
            out = std::borrow::Cow::Owned(re.replace_all(&out, *to).into_owned());
        }
    }
    out.into_owned()
}

/// Where the lines go: the file (rotated) and the recent lines in memory.
struct Sink {
    path: PathBuf,
    file: Mutex<Option<File>>,
    recent: Mutex<VecDeque<String>>,
}

impl Sink {
    fn open(dir: &Path) -> Result<Self> {
        let logs = dir.join("logs");
        let mut b = std::fs::DirBuilder::new();
        b.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt as _;
            b.mode(0o700);
        }
        b.create(&logs).map_err(|e| {
            Error::new(
                ErrorKind::Internal,
                format!("Could not create the log folder {}.", logs.display()),
            )
            .with_source(e)
        })?;
        let path = logs.join(LOG_FILE);
        Ok(Self {
            file: Mutex::new(Self::append_to(&path)),
            path,
            recent: Mutex::new(VecDeque::with_capacity(RECENT_LINES)),
        })
    }

    fn append_to(path: &Path) -> Option<File> {
        let mut o = OpenOptions::new();
        o.create(true).append(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            o.mode(0o600);
        }
        o.open(path).ok()
    }

    /// `dhis2w.log` → `dhis2w.log.1` → … → `dhis2w.log.3` (the oldest dropped).
    fn rotate(&self, file: &mut Option<File>) {
        *file = None;
        let name = |i: usize| PathBuf::from(format!("{}.{i}", self.path.display()));
        let _ = std::fs::remove_file(name(KEEP));
        for i in (1..KEEP).rev() {
            let _ = std::fs::rename(name(i), name(i + 1));
        }
        let _ = std::fs::rename(&self.path, name(1));
        *file = Self::append_to(&self.path);
    }

    fn write(&self, text: &str) {
        let clean = redact_line(text);
        {
            let mut recent = self.recent.lock().unwrap_or_else(|p| p.into_inner());
            for line in clean.lines() {
                if recent.len() == RECENT_LINES {
                    recent.pop_front();
                }
                recent.push_back(line.to_owned());
            }
        }
        let mut file = self.file.lock().unwrap_or_else(|p| p.into_inner());
        if file
            .as_ref()
            .and_then(|f| f.metadata().ok())
            .is_some_and(|m| m.len() > MAX_BYTES)
        {
            self.rotate(&mut file);
        }
        if let Some(f) = file.as_mut() {
            let _ = f.write_all(clean.as_bytes());
        }
    }
}

/// One event's text, handed to the sink (redacted) when the formatter is done with it.
struct EventWriter {
    sink: Arc<Sink>,
    buf: Vec<u8>,
}

impl Write for EventWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for EventWriter {
    fn drop(&mut self) {
        if !self.buf.is_empty() {
            self.sink.write(&String::from_utf8_lossy(&self.buf));
        }
    }
}

#[derive(Clone)]
struct Writers(Arc<Sink>);

impl<'a> MakeWriter<'a> for Writers {
    type Writer = EventWriter;
    fn make_writer(&'a self) -> EventWriter {
        EventWriter {
            sink: self.0.clone(),
            buf: Vec::new(),
        }
    }
}

/// The installed log.
pub struct Log {
    sink: Arc<Sink>,
    level: reload::Handle<LevelFilter, Registry>,
    forced: Option<LevelFilter>,
}

static INSTALLED: OnceLock<Log> = OnceLock::new();

/// `logs/detailed`: present while the "detailed log" switch is on.
fn detailed_marker(log_file: &Path) -> PathBuf {
    log_file.with_file_name("detailed")
}

fn env_level() -> Option<LevelFilter> {
    std::env::var("DHIS2W_LOG")
        .ok()
        .and_then(|v| v.trim().parse::<LevelFilter>().ok())
}

impl Log {
    /// Makes the log file under `data_dir` the process's log (once; later calls return the
    /// first). Detailed when the switch was left on ([`Log::set_detailed`]); `DHIS2W_LOG` wins.
    pub fn install(data_dir: &Path) -> Result<&'static Log> {
        if let Some(l) = INSTALLED.get() {
            return Ok(l);
        }
        let sink = Arc::new(Sink::open(data_dir)?);
        let detailed = detailed_marker(&sink.path).is_file();
        let forced = env_level();
        let start = forced.unwrap_or(if detailed {
            LevelFilter::DEBUG
        } else {
            LevelFilter::INFO
        });
        let (filter, level) = reload::Layer::new(start);
        let fmt = tracing_subscriber::fmt::layer()
            .with_ansi(false)
            .with_target(true)
            .with_writer(Writers(sink.clone()));
        let subscriber = Registry::default().with(filter).with(fmt);
        tracing::subscriber::set_global_default(subscriber).map_err(|e| {
            Error::new(ErrorKind::Internal, "Another log is already installed.").with_source(e)
        })?;
        let log = INSTALLED.get_or_init(|| Log {
            sink,
            level,
            forced,
        });
        tracing::info!(
            version = env!("CARGO_PKG_VERSION"),
            "dhis2w log started ({start})"
        );
        Ok(log)
    }

    /// The installed log, if any.
    pub fn get() -> Option<&'static Log> {
        INSTALLED.get()
    }

    /// Turns the detailed (debug) log on or off, also for the next runs (a marker file beside
    /// the log); `DHIS2W_LOG` keeps its level.
    pub fn set_detailed(&self, on: bool) {
        let marker = detailed_marker(&self.sink.path);
        if on {
            let _ = std::fs::write(&marker, b"");
        } else {
            let _ = std::fs::remove_file(&marker);
        }
        if self.forced.is_some() {
            return;
        }
        let level = if on {
            LevelFilter::DEBUG
        } else {
            LevelFilter::INFO
        };
        let _ = self.level.modify(|l| *l = level);
        tracing::info!("log level {level}");
    }

    /// Whether the detailed log is on.
    pub fn detailed(&self) -> bool {
        detailed_marker(&self.sink.path).is_file()
    }

    /// The log file.
    pub fn path(&self) -> &Path {
        &self.sink.path
    }

    /// The last [`RECENT_LINES`] lines, redacted.
    pub fn recent(&self) -> Vec<String> {
        self.sink
            .recent
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_reach_a_line() {
        let jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.c2lnbmF0dXJl";
        for (line, secret) in [
            ("Authorization: Bearer abcdefgh12345678", "abcdefgh12345678"),
            (
                "authorization=Basic YWRtaW46ZGlzdHJpY3Q=",
                "YWRtaW46ZGlzdHJpY3Q",
            ),
            (
                "sending ApiToken d2pat_ABCDEFGHIJ1234567890",
                "d2pat_ABCDEFGHIJ1234567890",
            ),
            (&format!("token {jwt} refused"), jwt),
            (
                "GET /api/me?access_token=s3cr3t-value&fields=id",
                "s3cr3t-value",
            ),
            (
                "form: grant_type=refresh_token&refresh_token=rt-123456&client_secret=cs-98765",
                "rt-123456",
            ),
            (
                "form: code=abc123xyz&code_verifier=verifier-0987",
                "verifier-0987",
            ),
            (
                r#"{"access_token":"at-1","refresh_token":"rt-2","expires_in":300}"#,
                "at-1",
            ),
            (r#"{"password": "district"}"#, "district"),
        ] {
            let out = redact_line(line);
            assert!(!out.contains(secret), "{line} -> {out}");
        }
        let plain = "GET /api/organisationUnits?fields=id,name&pageSize=50 -> 200 in 12 ms";
        assert_eq!(redact_line(plain), plain, "ordinary lines stay as they are");
    }

    #[test]
    fn the_sink_rotates_and_keeps_the_recent_lines() {
        let dir = tempfile::tempdir().unwrap();
        let sink = Sink::open(dir.path()).unwrap();
        let line = format!("{} Bearer abcdefgh12345678\n", "x".repeat(1000));
        for _ in 0..(MAX_BYTES as usize / 1000 + 50) {
            sink.write(&line);
        }
        let logs = dir.path().join("logs");
        assert!(logs.join(format!("{LOG_FILE}.1")).is_file(), "rotated");
        let recent = sink.recent.lock().unwrap();
        assert_eq!(recent.len(), RECENT_LINES);
        assert!(recent.iter().all(|l| !l.contains("abcdefgh12345678")));
        for entry in std::fs::read_dir(&logs).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            assert!(!text.contains("abcdefgh12345678"));
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(logs.join(LOG_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
