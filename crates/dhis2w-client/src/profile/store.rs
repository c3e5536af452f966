//! The profiles file: one TOML file, written atomically, never overwritten when unreadable.

use super::{is_valid_instance_id, RedirectMode};
use super::{new_instance_id, validate, AuthKind, Instance, InstanceInput, OAuth2Settings};
use crate::secret_store::SecretStore;
use crate::{Error, ErrorKind, Result};
use serde::{Deserialize, Serialize};
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// Name of the profiles file inside the app's config directory.
pub const FILE_NAME: &str = "profiles.toml";
/// Directory (inside the OS config dir) shared by the desktop app and the CLI.
const DIR_NAME: &str = "dhis2w-desktop";
/// The schema version this build writes and understands.
pub const FILE_VERSION: u32 = 1;

// ---------------------------------------------------------------------------------------------
// On-disk records (snake_case TOML). Kept apart from the UI types so the JSON shape can change
// without touching the file format.

#[derive(Debug, Serialize, Deserialize)]
struct FileData {
    version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    default: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    active: Option<String>,
    #[serde(default, rename = "instance", skip_serializing_if = "Vec::is_empty")]
    instances: Vec<InstanceRecord>,
}

#[derive(Debug, Serialize, Deserialize)]
struct InstanceRecord {
    id: String,
    name: String,
    base_url: String,
    auth: AuthKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ca_cert_path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    color: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    notes: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    oauth2: Option<OAuth2Record>,
}

#[derive(Debug, Serialize, Deserialize)]
struct OAuth2Record {
    client_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    scope: Option<String>,
    #[serde(default)]
    redirect_mode: RedirectMode,
}

impl From<InstanceRecord> for Instance {
    fn from(r: InstanceRecord) -> Self {
        Instance {
            id: r.id,
            name: r.name,
            base_url: r.base_url,
            auth_kind: r.auth,
            username: r.username,
            oauth2: r.oauth2.map(|o| OAuth2Settings {
                client_id: o.client_id,
                scope: o.scope,
                redirect_mode: o.redirect_mode,
            }),
            ca_cert_path: r.ca_cert_path,
            color: r.color,
            notes: r.notes,
        }
    }
}

impl From<&Instance> for InstanceRecord {
    fn from(i: &Instance) -> Self {
        InstanceRecord {
            id: i.id.clone(),
            name: i.name.clone(),
            base_url: i.base_url.clone(),
            auth: i.auth_kind,
            username: i.username.clone(),
            ca_cert_path: i.ca_cert_path.clone(),
            color: i.color.clone(),
            notes: i.notes.clone(),
            oauth2: i.oauth2.as_ref().map(|o| OAuth2Record {
                client_id: o.client_id.clone(),
                scope: o.scope.clone(),
                redirect_mode: o.redirect_mode,
            }),
        }
    }
}

/// The in-memory contents of the profiles file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Data {
    default_id: Option<String>,
    active_id: Option<String>,
    instances: Vec<Instance>,
}

impl Data {
    fn position(&self, id: &str) -> Result<usize> {
        self.instances
            .iter()
            .position(|i| i.id == id)
            .ok_or_else(|| unknown_instance(id))
    }

    fn to_toml(&self) -> Result<String> {
        let file = FileData {
            version: FILE_VERSION,
            default: self.default_id.clone(),
            active: self.active_id.clone(),
            instances: self.instances.iter().map(InstanceRecord::from).collect(),
        };
        let body = toml::to_string(&file).map_err(|e| {
            Error::new(ErrorKind::Internal, "Could not encode the profiles.").with_source(e)
        })?;
        Ok(format!(
            "# dhis2w Desktop instances. Holds no passwords, tokens or keys: those are in the OS keyring.\n{body}"
        ))
    }
}

fn unknown_instance(id: &str) -> Error {
    Error::new(
        ErrorKind::NotFound,
        format!("No instance with id \"{id}\". It may have been removed; reload the list."),
    )
}

/// Why loading failed: the file could not be read at all (leave it alone and report), it was
/// read but is not a valid profiles file (may be backed up and replaced by an empty one), or it
/// was written by a newer dhis2w (left untouched and shown read-only: replacing it would lose
/// instances this version cannot understand).
enum LoadError {
    Io(Error),
    Invalid(Error),
    Newer(Error),
}

impl From<LoadError> for Error {
    fn from(e: LoadError) -> Self {
        match e {
            LoadError::Io(e) | LoadError::Invalid(e) | LoadError::Newer(e) => e,
        }
    }
}

/// A file this version must not rewrite: a newer format version, or a sign-in method it does
/// not know (both written by a newer dhis2w). Checked on the untyped TOML, before the typed parse
/// would call it broken.
fn newer_than_this(path: &Path, text: &str) -> Option<Error> {
    let table: toml::Table = toml::from_str(text).ok()?;
    let newer = |what: String| {
        Error::new(
            ErrorKind::ProfileFile,
            format!(
                "The profiles file {} was written by a newer version of dhis2w ({what}). \
                 It is left as it is and shown read-only; update dhis2w to see and change \
                 these instances.",
                path.display()
            ),
        )
    };
    if let Some(v) = table.get("version").and_then(|v| v.as_integer()) {
        if v > i64::from(FILE_VERSION) {
            return Some(newer(format!(
                "format version {v}; this version understands {FILE_VERSION}"
            )));
        }
    }
    let instances = table.get("instance").and_then(|v| v.as_array())?;
    instances.iter().find_map(|i| {
        let auth = i.get("auth")?.as_str()?;
        let known = toml::Value::String(auth.to_owned())
            .try_into::<AuthKind>()
            .is_ok();
        (!known).then(|| {
            newer(format!(
                "it uses a sign-in method \"{auth}\" this version does not know"
            ))
        })
    })
}

fn parse(path: &Path, text: &str) -> std::result::Result<Data, LoadError> {
    if let Some(e) = newer_than_this(path, text) {
        return Err(LoadError::Newer(e));
    }
    parse_current(path, text).map_err(LoadError::Invalid)
}

fn parse_current(path: &Path, text: &str) -> std::result::Result<Data, Error> {
    let bad = |what: String| {
        Error::new(
            ErrorKind::ProfileFile,
            format!(
                "The profiles file {} cannot be used: {what}. It has not been changed; \
                 fix it, or start with an empty list (the file is then kept as a backup).",
                path.display()
            ),
        )
    };
    let file: FileData = toml::from_str(text).map_err(|e| bad(e.message().to_owned()))?;
    if file.version == 0 || file.version > FILE_VERSION {
        return Err(bad(format!(
            "it has format version {}, and this app understands version {FILE_VERSION}; \
             it was probably written by a newer dhis2w",
            file.version
        )));
    }
    let mut instances: Vec<Instance> = Vec::with_capacity(file.instances.len());
    for r in file.instances {
        if !is_valid_instance_id(&r.id) {
            return Err(bad(format!("an instance has an invalid id \"{}\"", r.id)));
        }
        if instances.iter().any(|i| i.id == r.id) {
            return Err(bad(format!("two instances have the same id \"{}\"", r.id)));
        }
        // A username or password in an address would be sent as a credential by any HTTP
        // client: such a file is refused, never used (and never rewritten without it).
        if url::Url::parse(&r.base_url)
            .is_ok_and(|u| !u.username().is_empty() || u.password().is_some())
        {
            return Err(bad(format!(
                "the address of \"{}\" contains a username or password; remove it from the \
                 address (sign-in details belong in the app, never in this file)",
                r.name
            )));
        }
        instances.push(r.into());
    }
    let known = |id: Option<String>| id.filter(|id| instances.iter().any(|i| &i.id == id));
    Ok(Data {
        default_id: known(file.default),
        active_id: known(file.active),
        instances,
    })
}

fn read_file(path: &Path) -> std::result::Result<Option<Data>, LoadError> {
    let bytes = match fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            // The next step depends on what is wrong: a folder in the file's place needs moving,
            // a refused read needs permissions.
            let message = if path.is_dir() {
                format!(
                    "The profiles file {} is a folder, not a file. Move or rename that folder \
                     (nothing in it is changed), then start dhis2w again.",
                    path.display()
                )
            } else if e.kind() == std::io::ErrorKind::PermissionDenied {
                format!(
                    "dhis2w may not read the profiles file {}. Give your user permission to \
                     read and write it (for example: chmod u+rw on that file), then try again.",
                    path.display()
                )
            } else {
                format!(
                    "Cannot read the profiles file {}: {e}. Check the disk and the file's \
                     permissions, then try again.",
                    path.display()
                )
            };
            return Err(LoadError::Io(
                Error::new(ErrorKind::ProfileFile, message).with_source(e),
            ));
        }
    };
    let text = String::from_utf8(bytes).map_err(|_| {
        LoadError::Invalid(Error::new(
            ErrorKind::ProfileFile,
            format!(
                "The profiles file {} is not text (UTF-8). It has not been changed; \
                 start with an empty list to keep it as a backup.",
                path.display()
            ),
        ))
    })?;
    parse(path, &text).map(Some)
}

fn io_error(what: &str, path: &Path, e: std::io::Error) -> Error {
    crate::fsio::file_error(what, path, e, ErrorKind::ProfileFile)
}

/// Creates `dir` (and parents) with mode 0700 on Unix.
fn create_dir(dir: &Path) -> Result<()> {
    let mut b = fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        b.mode(0o700);
    }
    b.create(dir)
        .map_err(|e| io_error("create the folder", dir, e))
}

fn open_new_private(path: &Path) -> std::io::Result<fs::File> {
    let mut o = fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        o.mode(0o600);
    }
    o.open(path)
}

fn sync_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| io_error("flush the folder", dir, e))?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// What identifies one version of the file without reading it.
type FileStamp = (SystemTime, u64);

fn stamp(path: &Path) -> Option<FileStamp> {
    let m = fs::metadata(path).ok()?;
    Some((m.modified().ok()?, m.len()))
}

/// An exclusive advisory lock on `.profiles.toml.lock` beside the profiles file, held for one
/// read-modify-write. The lock file is never removed (removing it would let two writers lock
/// two different files); it holds nothing.
struct WriteLock(fs::File);

impl WriteLock {
    fn acquire(path: &Path) -> Result<Self> {
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or_else(|| Path::new("."));
        create_dir(dir)?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| FILE_NAME.to_owned());
        let lock_path = dir.join(format!(".{name}.lock"));
        let mut o = fs::OpenOptions::new();
        o.create(true).truncate(false).write(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            o.mode(0o600);
        }
        let file = o
            .open(&lock_path)
            .map_err(|e| io_error("open the lock file", &lock_path, e))?;
        // Another writer holds it for a few milliseconds at most; block until it is free.
        file.lock().map_err(|e| io_error("lock", &lock_path, e))?;
        Ok(Self(file))
    }
}

impl Drop for WriteLock {
    fn drop(&mut self) {
        let _ = self.0.unlock();
    }
}

/// Where a test asks the atomic write to stop, simulating a crash.
#[cfg(test)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Crash {
    None,
    AfterTempWrite,
}

/// Writes `contents` to `path` atomically: temp file in the same folder, fsync, rename, fsync
/// the folder. Mode 0600 on Unix. Readers see either the old or the new file, never a mix.
fn write_atomic(path: &Path, contents: &[u8], #[cfg(test)] crash: Crash) -> Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or_else(|| Path::new("."));
    create_dir(dir)?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| FILE_NAME.to_owned());
    let mut suffix = [0u8; 6];
    rand::fill(&mut suffix);
    let hex: String = suffix.iter().map(|b| format!("{b:02x}")).collect();
    let tmp = dir.join(format!(".{file_name}.tmp-{}-{hex}", std::process::id()));
    let result = (|| {
        let mut f = open_new_private(&tmp).map_err(|e| io_error("create", &tmp, e))?;
        crate::fsio::check_space().map_err(|e| io_error("save the instance list", path, e))?;
        f.write_all(contents)
            .and_then(|_| f.sync_all())
            .map_err(|e| io_error("write", &tmp, e))?;
        drop(f);
        #[cfg(test)]
        if crash == Crash::AfterTempWrite {
            return Err(Error::new(ErrorKind::Internal, "simulated crash"));
        }
        fs::rename(&tmp, path).map_err(|e| io_error("replace", path, e))?;
        sync_dir(dir)?;
        remove_stale_temps(dir, &file_name);
        Ok(())
    })();
    if result.is_err() {
        #[cfg(test)]
        if crash == Crash::AfterTempWrite {
            // A real crash leaves the temp file behind; so does the simulation.
            return result;
        }
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Removes temp files left by a write that crashed (older than ten minutes, so a concurrent
/// writer's file is never touched). They hold no secret; this only keeps the folder tidy.
fn remove_stale_temps(dir: &Path, file_name: &str) {
    let prefix = format!(".{file_name}.tmp-");
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let stale = e
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age.as_secs() > 600);
        if stale && e.file_name().to_string_lossy().starts_with(&prefix) {
            let _ = fs::remove_file(e.path());
        }
    }
}

/// `YYYYMMDDTHHMMSSZ` (UTC) for backup names.
fn utc_stamp(t: SystemTime) -> String {
    let secs = t
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0) as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil-from-days (proleptic Gregorian), after H. Hinnant's public-domain algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// Copies the unreadable file at `path` to `<name>.broken-<timestamp>` (never replacing an
/// existing backup) and returns the backup's path.
fn backup_broken(path: &Path) -> Result<PathBuf> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| FILE_NAME.to_owned());
    let stamp = utc_stamp(SystemTime::now());
    let bytes = fs::read(path).map_err(|e| io_error("read", path, e))?;
    for n in 0..1000 {
        let candidate = if n == 0 {
            dir.join(format!("{name}.broken-{stamp}"))
        } else {
            dir.join(format!("{name}.broken-{stamp}-{n}"))
        };
        match open_new_private(&candidate) {
            Ok(mut f) => {
                f.write_all(&bytes)
                    .and_then(|_| f.sync_all())
                    .map_err(|e| io_error("write the backup", &candidate, e))?;
                sync_dir(dir)?;
                return Ok(candidate);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(io_error("create the backup", &candidate, e)),
        }
    }
    Err(Error::new(
        ErrorKind::ProfileFile,
        format!("Too many backups of {} already exist.", path.display()),
    ))
}

/// What [`ProfileStore::open_or_recover`] did with an unreadable profiles file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Recovery {
    /// Where the unreadable file was copied, untouched.
    pub backup_path: PathBuf,
    /// Why it could not be used (plain words, for the banner).
    pub reason: String,
}

/// The instances of one profiles file.
///
/// Every change re-reads the file first (so edits made meanwhile by the CLI are kept), applies
/// the change, validates it and writes the whole file atomically. A file that cannot be parsed
/// is never written over by a change: the change fails with [`ErrorKind::ProfileFile`].
#[derive(Debug)]
pub struct ProfileStore {
    path: PathBuf,
    data: Data,
    /// The file's modification time and length when last read or written: a change means
    /// another program (the CLI, the app) wrote it.
    seen: Option<FileStamp>,
    /// Why the file is shown read-only (written by a newer dhis2w), if it is. Every change then
    /// fails with the same words, and the file is never rewritten.
    read_only: Option<String>,
    #[cfg(test)]
    crash: Crash,
}

impl ProfileStore {
    /// `<OS config dir>/dhis2w-desktop/profiles.toml`, e.g.
    /// `$XDG_CONFIG_HOME/dhis2w-desktop/profiles.toml` on Linux.
    pub fn default_path() -> Result<PathBuf> {
        dirs::config_dir()
            .map(|d| d.join(DIR_NAME).join(FILE_NAME))
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::ProfileFile,
                    "This system has no configuration folder, so instances cannot be saved. \
                     Set XDG_CONFIG_HOME or HOME.",
                )
            })
    }

    fn with_data(path: PathBuf, data: Data) -> Self {
        Self {
            seen: stamp(&path),
            path,
            data,
            read_only: None,
            #[cfg(test)]
            crash: Crash::None,
        }
    }

    /// Opens the profiles file at `path`. A missing file is an empty store (nothing is written
    /// until the first change). A file that cannot be read or parsed gives an
    /// [`ErrorKind::ProfileFile`] error and is left untouched; see [`Self::open_or_recover`].
    pub fn open(path: impl Into<PathBuf>) -> Result<Self> {
        let path = path.into();
        let data = read_file(&path)?.unwrap_or_default();
        Ok(Self::with_data(path, data))
    }

    /// Like [`Self::open`], but when the file exists and cannot be parsed, copies it to
    /// `profiles.toml.broken-<UTC timestamp>`, replaces it with an empty list and returns the
    /// [`Recovery`] (backup path and reason) for the UI to show. A file that cannot even be read
    /// (permissions, I/O error) is still an error, and nothing is written.
    pub fn open_or_recover(path: impl Into<PathBuf>) -> Result<(Self, Option<Recovery>)> {
        let path = path.into();
        match read_file(&path) {
            Ok(data) => Ok((Self::with_data(path, data.unwrap_or_default()), None)),
            Err(LoadError::Io(e)) => Err(e),
            Err(LoadError::Newer(e)) => {
                tracing::warn!(path = %path.display(), "profiles file from a newer dhis2w; read-only");
                let mut store = Self::with_data(path, Data::default());
                store.read_only = Some(e.message().to_owned());
                Ok((store, None))
            }
            Err(LoadError::Invalid(e)) => {
                let backup_path = backup_broken(&path)?;
                tracing::warn!(
                    path = %path.display(),
                    backup = %backup_path.display(),
                    "profiles file unreadable; backed up and starting empty"
                );
                let store = Self::with_data(path, Data::default());
                store.write(&store.data)?;
                Ok((
                    store,
                    Some(Recovery {
                        backup_path,
                        reason: e.message().to_owned(),
                    }),
                ))
            }
        }
    }

    /// The file this store reads and writes.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// All instances, in the order they were added.
    pub fn instances(&self) -> &[Instance] {
        &self.data.instances
    }

    /// The instance with `id`.
    pub fn get(&self, id: &str) -> Option<&Instance> {
        self.data.instances.iter().find(|i| i.id == id)
    }

    /// The instance with `id`, or a `not_found` error.
    pub fn require(&self, id: &str) -> Result<&Instance> {
        self.get(id).ok_or_else(|| unknown_instance(id))
    }

    /// The instance with this display name (case-insensitive).
    pub fn find_by_name(&self, name: &str) -> Option<&Instance> {
        let lower = name.trim().to_lowercase();
        self.data
            .instances
            .iter()
            .find(|i| i.name.to_lowercase() == lower)
    }

    /// The default instance's id (opened at start-up).
    pub fn default_id(&self) -> Option<&str> {
        self.data.default_id.as_deref()
    }

    /// The active instance's id (the one the user works with now).
    pub fn active_id(&self) -> Option<&str> {
        self.data.active_id.as_deref()
    }

    /// Re-reads the file, picking up changes made by another program (e.g. the CLI).
    pub fn reload(&mut self) -> Result<()> {
        let seen = stamp(&self.path);
        match read_file(&self.path) {
            Ok(data) => {
                self.data = data.unwrap_or_default();
                self.read_only = None;
            }
            Err(LoadError::Newer(e)) => {
                self.data = Data::default();
                self.read_only = Some(e.message().to_owned());
            }
            Err(e) => return Err(e.into()),
        }
        self.seen = seen;
        Ok(())
    }

    /// Why the file is read-only (it was written by a newer dhis2w), if it is.
    pub fn read_only(&self) -> Option<&str> {
        self.read_only.as_deref()
    }

    /// Re-reads the file only when it changed since this store last read or wrote it (cheap:
    /// one `stat`), so a front end sees instances another program added without a restart.
    pub fn refresh(&mut self) -> Result<()> {
        if stamp(&self.path) != self.seen {
            self.reload()?;
        }
        Ok(())
    }

    fn write(&self, data: &Data) -> Result<()> {
        crate::fsio::ensure_writable(&self.path, "the instance list")?;
        let text = data.to_toml()?;
        write_atomic(
            &self.path,
            text.as_bytes(),
            #[cfg(test)]
            self.crash,
        )
    }

    /// Re-reads the file, applies `change`, writes the result, all under the profiles lock
    /// file, so the app and the CLI writing at the same time never lose each other's changes.
    /// On any error nothing is written and the in-memory state is the file's current state.
    fn mutate<T>(&mut self, change: impl FnOnce(&mut Data) -> Result<T>) -> Result<T> {
        let _lock = WriteLock::acquire(&self.path)?;
        let mut data = read_file(&self.path)?.unwrap_or_default();
        self.data = data.clone();
        let out = change(&mut data)?;
        self.write(&data)?;
        self.data = data;
        self.seen = stamp(&self.path);
        Ok(out)
    }

    /// Validates `input` and adds a new instance with a fresh id. The first instance added
    /// becomes the default and the active one. Secrets in `input` are ignored here.
    pub fn add(&mut self, input: &InstanceInput) -> Result<Instance> {
        self.mutate(|data| {
            let mut id = new_instance_id();
            while data.instances.iter().any(|i| i.id == id) {
                id = new_instance_id();
            }
            let inst = validate(&id, input, &data.instances)?;
            data.instances.push(inst.clone());
            if data.default_id.is_none() {
                data.default_id = Some(id.clone());
            }
            if data.active_id.is_none() {
                data.active_id = Some(id);
            }
            Ok(inst)
        })
    }

    /// Replaces every non-secret field of instance `id` with the validated `input`; the id
    /// stays. Secrets in `input` are ignored here. When the base URL, the sign-in method or the
    /// OAuth2 client changes, a stored OAuth2 token no longer matches (its [`TokenKey`] differs)
    /// and is refused on read; call [`SecretStore::delete`] for it if you want it gone now.
    ///
    /// [`TokenKey`]: crate::TokenKey
    pub fn update(&mut self, id: &str, input: &InstanceInput) -> Result<Instance> {
        self.mutate(|data| {
            let pos = data.position(id)?;
            let others: Vec<Instance> = data
                .instances
                .iter()
                .filter(|i| i.id != id)
                .cloned()
                .collect();
            let inst = validate(id, input, &others)?;
            data.instances[pos] = inst.clone();
            Ok(inst)
        })
    }

    /// Gives instance `id` a new display name.
    pub fn rename(&mut self, id: &str, name: &str) -> Result<Instance> {
        let current = {
            self.reload()?;
            self.require(id)?.clone()
        };
        let input = InstanceInput {
            name: name.to_owned(),
            ..input_from(&current)
        };
        self.update(id, &input)
    }

    /// Removes instance `id` and deletes all its secrets and tokens from `secrets` first. If
    /// the secrets cannot be deleted, the instance is kept and the error returned, so the user
    /// can retry and nothing is orphaned in the keyring. If it was the default, there is no
    /// default any more; if it was active, the default (or nothing) becomes active.
    pub async fn remove(&mut self, id: &str, secrets: &SecretStore) -> Result<Instance> {
        self.reload()?;
        self.require(id)?;
        secrets.delete_all(id).await?;
        self.mutate(|data| {
            let pos = data.position(id)?;
            let removed = data.instances.remove(pos);
            if data.default_id.as_deref() == Some(id) {
                data.default_id = None;
            }
            if data.active_id.as_deref() == Some(id) {
                data.active_id = data.default_id.clone();
            }
            Ok(removed)
        })
    }

    /// Makes `id` the default instance; `None` clears the default.
    pub fn set_default(&mut self, id: Option<&str>) -> Result<()> {
        self.mutate(|data| {
            if let Some(id) = id {
                data.position(id)?;
            }
            data.default_id = id.map(str::to_owned);
            Ok(())
        })
    }

    /// Makes `id` the active instance; `None` clears it.
    pub fn set_active(&mut self, id: Option<&str>) -> Result<()> {
        self.mutate(|data| {
            if let Some(id) = id {
                data.position(id)?;
            }
            data.active_id = id.map(str::to_owned);
            Ok(())
        })
    }
}

/// The form input that would recreate `inst` (no secrets): the start of an edit.
pub fn input_from(inst: &Instance) -> InstanceInput {
    InstanceInput {
        name: inst.name.clone(),
        base_url: inst.base_url.clone(),
        auth_kind: Some(inst.auth_kind),
        username: inst.username.clone(),
        oauth2: inst.oauth2.clone(),
        ca_cert_path: inst.ca_cert_path.clone(),
        color: inst.color.clone(),
        notes: inst.notes.clone(),
        ..InstanceInput::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn basic(name: &str) -> InstanceInput {
        let mut i = InstanceInput::new(name, "https://play.im.dhis2.org/dev", AuthKind::Basic);
        i.username = Some("admin".into());
        i
    }

    fn tmp() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cfg").join(FILE_NAME);
        (dir, path)
    }

    #[test]
    fn utc_stamp_is_correct() {
        assert_eq!(utc_stamp(UNIX_EPOCH), "19700101T000000Z");
        let t = UNIX_EPOCH + Duration::from_secs(1_795_743_847); // 2026-11-27T01:44:07Z
        assert_eq!(utc_stamp(t), "20261127T014407Z");
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400); // 2000-02-29T00:00:00Z
        assert_eq!(utc_stamp(leap), "20000229T000000Z");
    }

    #[test]
    fn an_address_with_a_username_or_password_is_refused_when_loaded() {
        let (_d, path) = tmp();
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        for url in [
            "https://admin:district@play.example.org",
            "https://admin@play.example.org",
        ] {
            std::fs::write(
                &path,
                format!("version = 1\n\n[[instance]]\nid = \"abcdefgh12345678\"\nname = \"Play\"\nbase_url = \"{url}\"\nauth = \"basic\"\nusername = \"admin\"\n"),
            )
            .unwrap();
            let e = ProfileStore::open(&path).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::ProfileFile);
            assert!(
                e.message().contains("username or password"),
                "{}",
                e.message()
            );
            assert!(
                !e.message().contains("district"),
                "the secret is not repeated"
            );
        }
    }

    #[test]
    fn missing_file_is_empty_and_not_created_until_a_change() {
        let (_d, path) = tmp();
        let s = ProfileStore::open(&path).unwrap();
        assert!(s.instances().is_empty());
        assert!(!path.exists());
    }

    #[test]
    fn round_trip_of_every_field() {
        let (_d, path) = tmp();
        let mut s = ProfileStore::open(&path).unwrap();
        let a = s.add(&basic("Play")).unwrap();
        let mut o = InstanceInput::new("Sierra Leone", "https://sl.example.org/", AuthKind::Oauth2);
        o.oauth2 = Some(OAuth2Settings {
            client_id: "dhis2w-desktop".into(),
            scope: Some("ALL".into()),
            redirect_mode: RedirectMode::DeepLink,
        });
        o.ca_cert_path = Some("/etc/ssl/sl.pem".into());
        o.color = Some("#ff8800".into());
        o.notes = Some("Line one\nline \"two\"".into());
        let b = s.add(&o).unwrap();
        s.set_active(Some(&b.id)).unwrap();

        let t = ProfileStore::open(&path).unwrap();
        assert_eq!(t.instances(), &[a.clone(), b.clone()]);
        assert_eq!(t.default_id(), Some(a.id.as_str()));
        assert_eq!(t.active_id(), Some(b.id.as_str()));
        let text = fs::read_to_string(&path).unwrap();
        assert!(text.contains("version = 1"), "{text}");
        assert!(
            text.contains("base_url = \"https://sl.example.org\""),
            "{text}"
        );
        assert!(text.contains("redirect_mode = \"deep_link\""), "{text}");
    }

    #[cfg(unix)]
    #[test]
    fn file_is_private() {
        use std::os::unix::fs::PermissionsExt as _;
        let (_d, path) = tmp();
        let mut s = ProfileStore::open(&path).unwrap();
        s.add(&basic("Play")).unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let dir_mode = fs::metadata(path.parent().unwrap())
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(dir_mode, 0o700);
    }

    #[test]
    fn add_rejects_duplicates_and_leaves_file_unchanged() {
        let (_d, path) = tmp();
        let mut s = ProfileStore::open(&path).unwrap();
        s.add(&basic("Play")).unwrap();
        let before = fs::read(&path).unwrap();
        let e = s.add(&basic("PLAY")).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert_eq!(fs::read(&path).unwrap(), before);
        assert_eq!(s.instances().len(), 1);
    }

    #[test]
    fn update_rename_default_active() {
        let (_d, path) = tmp();
        let mut s = ProfileStore::open(&path).unwrap();
        let a = s.add(&basic("A")).unwrap();
        let b = s.add(&basic("B")).unwrap();
        // Renaming to own name in another case is fine; to another's name is not.
        s.rename(&a.id, "a").unwrap();
        assert_eq!(
            s.rename(&a.id, "b").unwrap_err().kind(),
            ErrorKind::InvalidInput
        );
        let mut edit = basic("B2");
        edit.base_url = "http://localhost:8080/".into();
        let b2 = s.update(&b.id, &edit).unwrap();
        assert_eq!(b2.id, b.id);
        assert_eq!(b2.base_url, "http://localhost:8080");
        s.set_default(Some(&b.id)).unwrap();
        s.set_active(Some(&b.id)).unwrap();
        assert_eq!(
            s.set_active(Some("nope")).unwrap_err().kind(),
            ErrorKind::NotFound
        );
        let t = ProfileStore::open(&path).unwrap();
        assert_eq!(t.default_id(), Some(b.id.as_str()));
        assert_eq!(t.get(&a.id).unwrap().name, "a");
        assert_eq!(t.find_by_name("B2").unwrap().id, b.id);
    }

    #[test]
    fn changes_keep_edits_made_by_another_program() {
        let (_d, path) = tmp();
        let mut desktop = ProfileStore::open(&path).unwrap();
        let mut cli = ProfileStore::open(&path).unwrap();
        desktop.add(&basic("From desktop")).unwrap();
        cli.add(&basic("From CLI")).unwrap();
        desktop.add(&basic("Desktop again")).unwrap();
        let names: Vec<_> = ProfileStore::open(&path)
            .unwrap()
            .instances()
            .iter()
            .map(|i| i.name.clone())
            .collect();
        assert_eq!(names, ["From desktop", "From CLI", "Desktop again"]);
    }

    #[test]
    fn crash_between_write_and_rename_keeps_the_old_file() {
        let (_d, path) = tmp();
        let mut s = ProfileStore::open(&path).unwrap();
        s.add(&basic("Old")).unwrap();
        let before = fs::read(&path).unwrap();

        s.crash = Crash::AfterTempWrite;
        let e = s.add(&basic("New")).unwrap_err();
        assert_eq!(e.message(), "simulated crash");

        // The temp file was written (the crash happened after it) ...
        let dir = path.parent().unwrap();
        let temps: Vec<_> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains(".tmp-"))
            .collect();
        assert_eq!(temps.len(), 1, "{temps:?}");
        let temp_text = fs::read_to_string(dir.join(&temps[0])).unwrap();
        assert!(temp_text.contains("New"));
        // ... and the real file is the old one, byte for byte, and parses.
        assert_eq!(fs::read(&path).unwrap(), before);
        let reopened = ProfileStore::open(&path).unwrap();
        assert_eq!(reopened.instances().len(), 1);
        assert_eq!(reopened.instances()[0].name, "Old");

        // After a restart, the next write succeeds; an old leftover is tidied away.
        let leftover = dir.join(&temps[0]);
        fs::File::options()
            .write(true)
            .open(&leftover)
            .unwrap()
            .set_modified(SystemTime::now() - Duration::from_secs(3600))
            .unwrap();
        s.crash = Crash::None;
        s.add(&basic("New")).unwrap();
        assert!(!leftover.exists());
        assert_eq!(ProfileStore::open(&path).unwrap().instances().len(), 2);
    }

    #[test]
    fn unparseable_file_is_never_overwritten() {
        let (_d, path) = tmp();
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        let junk = b"version = 1\n[[instance]\nname = \"half written";
        fs::write(&path, junk).unwrap();

        let e = ProfileStore::open(&path).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ProfileFile);
        assert_eq!(fs::read(&path).unwrap(), junk);

        // A store opened earlier cannot write over it either.
        let other_dir = tempfile::tempdir().unwrap();
        let mut s = ProfileStore::open(other_dir.path().join("x.toml")).unwrap();
        s.path = path.clone();
        assert_eq!(
            s.add(&basic("A")).unwrap_err().kind(),
            ErrorKind::ProfileFile
        );
        assert_eq!(fs::read(&path).unwrap(), junk);
    }

    #[test]
    fn open_or_recover_backs_up_and_starts_empty() {
        let (_d, path) = tmp();
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        let junk = "version = 1\n[[instance]]\nid = \"a\"\nname = 3\n";
        fs::write(&path, junk).unwrap();

        let (mut s, rec) = ProfileStore::open_or_recover(&path).unwrap();
        let rec = rec.expect("a recovery");
        let backup_name = rec.backup_path.file_name().unwrap().to_string_lossy();
        assert!(
            backup_name.starts_with("profiles.toml.broken-"),
            "{backup_name}"
        );
        assert_eq!(fs::read_to_string(&rec.backup_path).unwrap(), junk);
        assert!(!rec.reason.is_empty());
        assert!(s.instances().is_empty());
        s.add(&basic("Fresh")).unwrap();
        assert_eq!(ProfileStore::open(&path).unwrap().instances().len(), 1);
        assert_eq!(fs::read_to_string(&rec.backup_path).unwrap(), junk);

        // A second recovery in the same second gets its own backup.
        fs::write(&path, junk).unwrap();
        let (_, rec2) = ProfileStore::open_or_recover(&path).unwrap();
        assert_ne!(rec2.unwrap().backup_path, rec.backup_path);
    }

    #[test]
    fn unknown_auth_kind_or_newer_version_in_file_is_a_profile_file_error() {
        let (_d, path) = tmp();
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(
            &path,
            "version = 1\n[[instance]]\nid = \"a\"\nname = \"A\"\nbase_url = \"https://x.org\"\nauth = \"kerberos\"\n",
        )
        .unwrap();
        assert_eq!(
            ProfileStore::open(&path).unwrap_err().kind(),
            ErrorKind::ProfileFile
        );
        fs::write(&path, "version = 2\n").unwrap();
        let e = ProfileStore::open(&path).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ProfileFile);
        assert!(e.message().contains("newer"));
    }

    #[test]
    fn a_folder_in_place_of_the_file_is_an_error_that_says_so() {
        let (_d, path) = tmp();
        fs::create_dir_all(&path).unwrap();
        let e = ProfileStore::open_or_recover(&path).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ProfileFile);
        assert!(
            e.message().contains("is a folder, not a file"),
            "{}",
            e.message()
        );
        assert!(path.is_dir(), "left as it is");
    }

    /// Regression: a file from a newer dhis2w was backed up and replaced by an empty list.
    #[test]
    fn a_newer_file_is_kept_untouched_and_read_only() {
        for text in [
            "version = 2\n[[instance]]\nid = \"abcdefgh12345678\"\nname = \"Play\"\nfuture = true\n",
            "version = 1\n[[instance]]\nid = \"abcdefgh12345678\"\nname = \"A\"\nbase_url = \"https://x.org\"\nauth = \"kerberos\"\n",
        ] {
            let (d, path) = tmp();
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(&path, text).unwrap();
            let (mut store, recovery) = ProfileStore::open_or_recover(&path).unwrap();
            assert!(recovery.is_none(), "no backup, no replacement");
            let why = store.read_only().expect("read-only").to_owned();
            assert!(why.contains("newer version of dhis2w"), "{why}");
            assert!(store.instances().is_empty());
            // Every change is refused with the same words; the file is unchanged.
            let e = store.add(&basic("B")).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::ProfileFile);
            assert!(e.message().contains("read-only"), "{}", e.message());
            store.refresh().unwrap();
            assert!(store.read_only().is_some());
            assert_eq!(fs::read_to_string(&path).unwrap(), text);
            let names: Vec<String> = fs::read_dir(d.path().join("cfg"))
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            assert!(
                !names.iter().any(|n| n.contains("broken")),
                "no backup made: {names:?}"
            );
            // Once the file is one this version understands, it is writable again.
            fs::write(&path, "version = 1\n").unwrap();
            store.reload().unwrap();
            assert!(store.read_only().is_none());
            store.add(&basic("C")).unwrap();
        }
    }

    #[test]
    fn open_or_recover_of_good_or_missing_file_reports_nothing() {
        let (_d, path) = tmp();
        let (mut s, rec) = ProfileStore::open_or_recover(&path).unwrap();
        assert!(rec.is_none());
        s.add(&basic("A")).unwrap();
        let (s, rec) = ProfileStore::open_or_recover(&path).unwrap();
        assert!(rec.is_none());
        assert_eq!(s.instances().len(), 1);
    }
}
