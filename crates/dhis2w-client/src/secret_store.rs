//! Secrets in the OS keyring: one entry per (instance id, secret kind), never in a file.
//!
//! [`SecretStore`] wraps the `keyring` crate (v4: Secret Service on Linux, Keychain on macOS,
//! Credential Manager on Windows). Availability is checked once when the store is opened; when
//! no keyring is usable the store runs in [`StorageMode::SessionOnly`]: secrets are kept in
//! memory for this run only, and [`StorageStatus`] says so for the UI's banner. It never falls
//! back to a file.
//!
//! The UI may set a secret and ask whether one is stored ([`SecretStore::has`],
//! [`SecretStore::stored`]); reading a secret ([`SecretStore::reveal`]) is for the core's auth
//! providers only and must never be exposed through a UI command.

use crate::profile::{is_valid_instance_id, InstanceInput};
use crate::token::{check_key, OAuth2Token, TokenKey, TokenStore};
use crate::{Error, ErrorKind, Result, Secret};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

/// The keyring service name: the app identifier.
pub const SERVICE: &str = "org.dhis2w.desktop";

/// Account name of the entry written and deleted once at start-up to check the keyring works.
const PROBE_ACCOUNT: &str = "availability-check";

/// What kind of secret an entry holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SecretKind {
    /// HTTP Basic password.
    Password,
    /// Personal access token.
    Pat,
    /// OAuth2 client secret (confidential clients only).
    ClientSecret,
    /// The OAuth2 token set, as JSON (see [`OAuth2Token`]).
    OAuth2Token,
    /// This computer's registration with the instance's DHIS2 ("keep me signed in"): its
    /// private key and client id, as JSON (see [`crate::auth::oauth2::DeviceRegistration`]).
    DeviceKey,
    /// A deep-link sign-in waiting for the browser: its state and PKCE verifier, for a few
    /// minutes (see [`crate::auth::oauth2::PendingSignIn`]).
    PendingSignIn,
}

impl SecretKind {
    /// Every kind.
    pub const ALL: [SecretKind; 6] = [
        Self::Password,
        Self::Pat,
        Self::ClientSecret,
        Self::OAuth2Token,
        Self::DeviceKey,
        Self::PendingSignIn,
    ];

    /// The stable name used in keyring account names.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Password => "password",
            Self::Pat => "pat",
            Self::ClientSecret => "client_secret",
            Self::OAuth2Token => "oauth2_token",
            Self::DeviceKey => "device_key",
            Self::PendingSignIn => "pending_sign_in",
        }
    }
}

impl fmt::Display for SecretKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where secrets are kept in this run.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StorageMode {
    /// In the OS keyring; they survive a restart.
    Keyring,
    /// In memory, for this run only (no usable keyring).
    SessionOnly,
}

/// Where secrets are kept, for the UI's banner. JSON: `{"mode": "keyring"|"session_only",
/// "detail": string|null}`.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StorageStatus {
    /// Keyring or session-only.
    #[cfg_attr(feature = "ts", ts(inline))]
    pub mode: StorageMode,
    /// Why the keyring cannot be used (plain words), when it cannot.
    pub detail: Option<String>,
}

/// Which secrets are stored for one instance ("stored: yes/no" only, never the values).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredSecrets {
    /// A Basic password.
    pub password: bool,
    /// A personal access token.
    pub pat: bool,
    /// An OAuth2 client secret.
    pub client_secret: bool,
    /// An OAuth2 token set.
    pub token: bool,
}

struct Inner {
    service: String,
    status: StorageStatus,
    /// Used only in session-only mode.
    memory: Mutex<HashMap<String, Secret>>,
    /// Fault switch for tests: every write (set, delete) fails as a locked keyring does.
    refuse_writes: std::sync::atomic::AtomicBool,
    /// Longest wait for a keyring call, in ms ([`CALL_TIMEOUT_MS`]; tests shorten it).
    timeout_ms: std::sync::atomic::AtomicU64,
    /// Fault switch for tests: every keyring call first waits this long (a hanging keyring).
    stall_ms: std::sync::atomic::AtomicU64,
    /// Fault switch for tests: the Secret Service is gone (its daemon stopped).
    gone: std::sync::atomic::AtomicBool,
    /// Keyring operations made so far (the benchmark's "keyring calls per request").
    calls: std::sync::atomic::AtomicU64,
}

/// The app's secrets: passwords, PATs, client secrets and OAuth2 token sets.
///
/// Cheap to clone (shared state). Keyring calls are blocking D-Bus calls, so every async method
/// runs them on tokio's blocking pool.
#[derive(Clone)]
pub struct SecretStore {
    inner: Arc<Inner>,
}

impl fmt::Debug for SecretStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretStore")
            .field("service", &self.inner.service)
            .field("status", &self.inner.status)
            .finish_non_exhaustive()
    }
}

fn account(id: &str, kind: SecretKind) -> String {
    format!("{id}:{}", kind.as_str())
}

fn check_id(id: &str) -> Result<()> {
    if is_valid_instance_id(id) {
        Ok(())
    } else {
        Err(Error::new(
            ErrorKind::InvalidInput,
            format!("\"{id}\" is not an instance id."),
        ))
    }
}

/// Plain words for a keyring error that makes the keyring unusable.
fn unavailable_detail(e: &keyring::Error) -> String {
    match e {
        keyring::Error::NoDefaultStore => {
            "No system keyring is available (no Secret Service on the session bus).".to_owned()
        }
        keyring::Error::PlatformFailure(_) => format!(
            "The system keyring could not be reached: is a Secret Service such as GNOME Keyring \
             or KWallet running? Start it (or log out and in again), then try again. ({e})"
        ),
        keyring::Error::NoStorageAccess(_) => format!(
            "The system keyring is locked or has no default collection. Unlock it (or create \
             the login keyring) and restart the app. ({e})"
        ),
        // Never format other variants: BadEncoding/BadDataFormat carry secret bytes.
        _ => "The system keyring gave an unexpected error.".to_owned(),
    }
}

/// Maps a keyring error from an operation to the core's error. Never includes secret bytes.
fn op_error(e: keyring::Error, action: &str) -> Error {
    match e {
        keyring::Error::NoDefaultStore
        | keyring::Error::PlatformFailure(_)
        | keyring::Error::NoStorageAccess(_) => Error::new(
            ErrorKind::StorageUnavailable,
            format!("Could not {action}: {}", unavailable_detail(&e)),
        ),
        keyring::Error::BadEncoding(_) | keyring::Error::BadDataFormat(..) => Error::new(
            ErrorKind::Internal,
            format!("Could not {action}: the keyring entry is not readable text. Enter it again."),
        ),
        keyring::Error::TooLong(..) => Error::new(
            ErrorKind::InvalidInput,
            format!("Could not {action}: the value is too long for the system keyring."),
        ),
        _ => Error::new(
            ErrorKind::Internal,
            format!("Could not {action}: the system keyring gave an unexpected error."),
        ),
    }
}

fn entry(service: &str, account: &str, action: &str) -> Result<keyring::Entry> {
    keyring::Entry::new(service, account).map_err(|e| op_error(e, action))
}

/// Checks once that the keyring can store and delete an entry. `Err` is the plain-words reason.
fn probe(service: &str) -> std::result::Result<(), String> {
    if let Err(e) = keyring::Entry::store_status() {
        return Err(unavailable_detail(e));
    }
    // A fresh account per check, so that two processes (or tests) starting at once never
    // share the probe entry.
    let mut nonce = [0u8; 8];
    rand::fill(&mut nonce);
    let nonce: String = nonce.iter().map(|b| format!("{b:02x}")).collect();
    let account = format!("{PROBE_ACCOUNT}-{nonce}");
    let entry = keyring::Entry::new(service, &account).map_err(|e| unavailable_detail(&e))?;
    entry
        .set_password("not a secret")
        .map_err(|e| unavailable_detail(&e))?;
    match entry.delete_credential() {
        Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
        Err(e) => Err(unavailable_detail(&e)),
    }
}

/// The longest value kept in one keyring entry, in UTF-16 code units. Windows Credential
/// Manager refuses blobs above 2,560 bytes and stores text as UTF-16 (1,280 units); a DHIS2
/// token set is longer. Longer values are split over several entries, on every platform, so
/// the split is tested where the tests run.
pub const MAX_ENTRY_UNITS: usize = 1_200;

/// The main entry of a split value holds `dhis2w-chunked:v1:<generation>:<parts>`; part `i`
/// is the entry `<account>#<generation>.<i>`. A new value gets a new generation, written in
/// full before the main entry points to it, so a crash in between leaves the old value whole.
const CHUNK_MARK: &str = "dhis2w-chunked:v1:";

fn chunk_account(account: &str, generation: &str, i: usize) -> String {
    format!("{account}#{generation}.{i}")
}

/// `(generation, parts)` of a main entry that points to a split value.
fn chunk_marker(raw: &str) -> Option<(String, usize)> {
    let rest = raw.strip_prefix(CHUNK_MARK)?;
    let (generation, parts) = rest.split_once(':')?;
    let parts: usize = parts.parse().ok()?;
    (generation.len() <= 32 && (1..=64).contains(&parts)).then(|| (generation.to_owned(), parts))
}

/// Splits `value` into pieces of at most [`MAX_ENTRY_UNITS`] UTF-16 units, on char boundaries.
fn split_units(value: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut start, mut units) = (0, 0);
    for (i, c) in value.char_indices() {
        if units + c.len_utf16() > MAX_ENTRY_UNITS {
            parts.push(&value[start..i]);
            start = i;
            units = 0;
        }
        units += c.len_utf16();
    }
    parts.push(&value[start..]);
    parts
}

fn kr_raw_get(service: &str, account: &str) -> Result<Option<String>> {
    let action = "read the secret from the system keyring";
    match entry(service, account, action)?.get_password() {
        Ok(v) => Ok(Some(v)),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(e) => Err(op_error(e, action)),
    }
}

fn kr_delete_parts(service: &str, account: &str, generation: &str, parts: usize) {
    for i in 1..=parts {
        let _ = kr_delete_one(service, &chunk_account(account, generation, i));
    }
}

fn kr_set(service: &str, account: &str, value: &str) -> Result<()> {
    let old = kr_raw_get(service, account)
        .ok()
        .flatten()
        .and_then(|r| chunk_marker(&r));
    if value.encode_utf16().count() <= MAX_ENTRY_UNITS && !value.starts_with(CHUNK_MARK) {
        kr_set_one(service, account, value)?;
    } else {
        let mut nonce = [0u8; 6];
        rand::fill(&mut nonce);
        let generation: String = nonce.iter().map(|b| format!("{b:02x}")).collect();
        let parts = split_units(value);
        for (i, part) in parts.iter().enumerate() {
            if let Err(e) = kr_set_one(service, &chunk_account(account, &generation, i + 1), part) {
                kr_delete_parts(service, account, &generation, i);
                return Err(e);
            }
        }
        let marker = format!("{CHUNK_MARK}{generation}:{}", parts.len());
        if let Err(e) = kr_set_one(service, account, &marker) {
            kr_delete_parts(service, account, &generation, parts.len());
            return Err(e);
        }
    }
    // The previous split value's parts are no longer pointed to.
    if let Some((generation, parts)) = old {
        kr_delete_parts(service, account, &generation, parts);
    }
    Ok(())
}

fn kr_set_one(service: &str, account: &str, value: &str) -> Result<()> {
    let action = "save the secret in the system keyring";
    let e = entry(service, account, action)?;
    match e.set_password(value) {
        Ok(()) => Ok(()),
        Err(keyring::Error::Ambiguous(dups)) => {
            // Several entries match (written by another tool): replace them all by one.
            for d in dups {
                let _ = d.delete_credential();
            }
            e.set_password(value).map_err(|e| op_error(e, action))
        }
        Err(err) => Err(op_error(err, action)),
    }
}

fn kr_get(service: &str, account: &str) -> Result<Option<Secret>> {
    let Some(raw) = kr_raw_get(service, account)? else {
        return Ok(None);
    };
    let Some((generation, parts)) = chunk_marker(&raw) else {
        return Ok(Some(Secret::new(raw)));
    };
    let mut value = String::new();
    for i in 1..=parts {
        match kr_raw_get(service, &chunk_account(account, &generation, i))? {
            Some(part) => value.push_str(&part),
            None => {
                return Err(Error::new(
                    ErrorKind::Internal,
                    "A secret in the system keyring is incomplete (a part of it is missing). \
                     Enter it again, or sign in again.",
                ))
            }
        }
    }
    Ok(Some(Secret::new(value)))
}

fn kr_has(service: &str, account: &str) -> Result<bool> {
    let action = "look up the system keyring";
    // Attributes only: the secret itself is not transferred.
    match entry(service, account, action)?.inner.get_attributes() {
        Ok(_) => Ok(true),
        Err(keyring::Error::Ambiguous(_)) => Ok(true),
        Err(keyring::Error::NoEntry) => Ok(false),
        Err(e) => Err(op_error(e, action)),
    }
}

fn kr_delete(service: &str, account: &str) -> Result<()> {
    if let Some((generation, parts)) = kr_raw_get(service, account)
        .ok()
        .flatten()
        .and_then(|r| chunk_marker(&r))
    {
        kr_delete_parts(service, account, &generation, parts);
    }
    kr_delete_one(service, account)
}

fn kr_delete_one(service: &str, account: &str) -> Result<()> {
    let action = "delete the secret from the system keyring";
    match entry(service, account, action)?.delete_credential() {
        Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
        Err(keyring::Error::Ambiguous(dups)) => {
            for d in dups {
                match d.delete_credential() {
                    Ok(()) | Err(keyring::Error::NoEntry) => {}
                    Err(e) => return Err(op_error(e, action)),
                }
            }
            Ok(())
        }
        Err(e) => Err(op_error(e, action)),
    }
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f).await.map_err(|e| {
        Error::new(
            ErrorKind::Internal,
            "The keyring call stopped unexpectedly.",
        )
        .with_source(e)
    })?
}

/// How long one keyring call may take. An unlock prompt waits for the user, but not for ever:
/// a call that never answers would hold the sign-in's token lock (every request waits on it).
const CALL_TIMEOUT_MS: u64 = 60_000;
/// The start-up check: the app opens even when the keyring hangs (then session-only).
const PROBE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

fn no_answer() -> Error {
    Error::new(
        ErrorKind::StorageUnavailable,
        "The system keyring did not answer. It may be locked and waiting for its password: \
         unlock it (your login keyring), then try again.",
    )
}

impl SecretStore {
    /// Opens the store for the app ([`SERVICE`]), checking once whether the OS keyring is
    /// usable. Never fails: without a keyring it is [`StorageMode::SessionOnly`].
    pub async fn open() -> Self {
        Self::open_with_service(SERVICE).await
    }

    /// Like [`Self::open`] with another service name (tests use their own).
    pub async fn open_with_service(service: impl Into<String>) -> Self {
        Self::open_checked(service.into(), PROBE_TIMEOUT, std::time::Duration::ZERO).await
    }

    /// Fault injection for tests: opens as [`Self::open_with_service`] does while the keyring's
    /// check hangs for `stall` (a keyring locked behind an unlock prompt nobody answers), giving
    /// up after `timeout` instead of [`PROBE_TIMEOUT`].
    #[doc(hidden)]
    pub async fn open_with_stalled_check(
        service: impl Into<String>,
        stall: std::time::Duration,
        timeout: std::time::Duration,
    ) -> Self {
        Self::open_checked(service.into(), timeout, stall).await
    }

    async fn open_checked(
        service: String,
        limit: std::time::Duration,
        stall: std::time::Duration,
    ) -> Self {
        let s = service.clone();
        let check = tokio::task::spawn_blocking(move || {
            std::thread::sleep(stall);
            probe(&s)
        });
        let result = match tokio::time::timeout(limit, check).await {
            Ok(r) => {
                r.unwrap_or_else(|_| Err("The keyring check stopped unexpectedly.".to_owned()))
            }
            Err(_) => Err(format!(
                "The system keyring did not answer within {} s (it may be locked and waiting \
                 for its password). Unlock it and restart the app to keep secrets between runs.",
                limit.as_secs()
            )),
        };
        Self::from_probe(service, result)
    }

    /// Blocking variant of [`Self::open_with_service`], for callers without a tokio runtime
    /// (a CLI). Do not call it on an async executor thread.
    pub fn open_blocking(service: impl Into<String>) -> Self {
        let service = service.into();
        let result = probe(&service);
        Self::from_probe(service, result)
    }

    fn from_probe(service: String, result: std::result::Result<(), String>) -> Self {
        match result {
            Ok(()) => {
                tracing::info!(service = %service, "secrets are kept in the system keyring");
                Self::build(service, StorageMode::Keyring, None)
            }
            Err(detail) => {
                tracing::warn!(reason = %detail, "system keyring unavailable; secrets are kept for this session only");
                Self::build(service, StorageMode::SessionOnly, Some(detail))
            }
        }
    }

    /// A store that keeps secrets in memory for this run only, with `detail` as the reason.
    pub fn session_only(detail: Option<String>) -> Self {
        Self::session_only_with_service(SERVICE, detail)
    }

    /// Like [`Self::session_only`] for another keyring service (tests use their own).
    pub fn session_only_with_service(service: impl Into<String>, detail: Option<String>) -> Self {
        Self::build(service.into(), StorageMode::SessionOnly, detail)
    }

    fn build(service: String, mode: StorageMode, detail: Option<String>) -> Self {
        Self {
            inner: Arc::new(Inner {
                service,
                status: StorageStatus { mode, detail },
                memory: Mutex::new(HashMap::new()),
                refuse_writes: Default::default(),
                timeout_ms: std::sync::atomic::AtomicU64::new(CALL_TIMEOUT_MS),
                stall_ms: Default::default(),
                gone: Default::default(),
                calls: Default::default(),
            }),
        }
    }

    /// Where secrets are kept, decided when the store was opened.
    pub fn status(&self) -> StorageStatus {
        self.inner.status.clone()
    }

    /// The keyring service name.
    pub fn service(&self) -> &str {
        &self.inner.service
    }

    /// Fault injection for tests (the fault matrix, rollback tests): while `on`, every write
    /// fails with the words of a locked keyring. Reads keep working.
    #[doc(hidden)]
    pub fn refuse_writes(&self, on: bool) {
        self.inner
            .refuse_writes
            .store(on, std::sync::atomic::Ordering::SeqCst);
    }

    /// Fault injection for tests: every keyring call waits `stall` first, and gives up after
    /// `timeout` (instead of a minute).
    #[doc(hidden)]
    pub fn stall_calls(&self, stall: std::time::Duration, timeout: std::time::Duration) {
        use std::sync::atomic::Ordering::SeqCst;
        self.inner.stall_ms.store(stall.as_millis() as u64, SeqCst);
        self.inner
            .timeout_ms
            .store(timeout.as_millis() as u64, SeqCst);
    }

    /// How many keyring operations (reads, writes, deletes on the OS keyring) this store has
    /// made; session-only mode makes none. For benchmarks and tests.
    #[doc(hidden)]
    pub fn keyring_calls(&self) -> u64 {
        self.inner.calls.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Fault injection for tests: while `on`, every keyring call fails as when the Secret
    /// Service's daemon has stopped in the middle of a session.
    #[doc(hidden)]
    pub fn vanish(&self, on: bool) {
        self.inner
            .gone
            .store(on, std::sync::atomic::Ordering::SeqCst);
    }

    /// Runs a blocking keyring call off the async threads, within the call timeout.
    async fn call<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> Result<T> + Send + 'static,
    ) -> Result<T> {
        use std::sync::atomic::Ordering::SeqCst;
        self.inner.calls.fetch_add(1, SeqCst);
        if self.inner.gone.load(SeqCst) {
            // The words D-Bus gives when nothing provides the Secret Service any more.
            return Err(op_error(
                keyring::Error::PlatformFailure(
                    "org.freedesktop.secrets was not provided by any .service files".into(),
                ),
                "use the system keyring",
            ));
        }
        let stall = self.inner.stall_ms.load(SeqCst);
        let limit = std::time::Duration::from_millis(self.inner.timeout_ms.load(SeqCst));
        let job = blocking(move || {
            if stall > 0 {
                std::thread::sleep(std::time::Duration::from_millis(stall));
            }
            f()
        });
        match tokio::time::timeout(limit, job).await {
            Ok(r) => r,
            Err(_) => {
                tracing::warn!("the system keyring did not answer within {limit:?}");
                Err(no_answer())
            }
        }
    }

    fn check_writable(&self, action: &str) -> Result<()> {
        if self
            .inner
            .refuse_writes
            .load(std::sync::atomic::Ordering::SeqCst)
        {
            return Err(op_error(
                keyring::Error::NoStorageAccess("access denied".into()),
                action,
            ));
        }
        Ok(())
    }

    fn session(&self) -> bool {
        self.inner.status.mode == StorageMode::SessionOnly
    }

    fn memory(&self) -> std::sync::MutexGuard<'_, HashMap<String, Secret>> {
        // A poisoned map still holds valid data; keep going.
        self.inner.memory.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Stores `secret` as the `kind` secret of instance `id`, replacing any previous one.
    /// An empty secret is refused (`invalid_input`).
    pub async fn set(&self, id: &str, kind: SecretKind, secret: Secret) -> Result<()> {
        check_id(id)?;
        if secret.is_empty() {
            return Err(Error::new(
                ErrorKind::InvalidInput,
                "The value is empty. Enter it, or remove the instance's secret instead.",
            ));
        }
        self.check_writable("store the secret")?;
        let acct = account(id, kind);
        if self.session() {
            self.memory().insert(acct, secret);
            return Ok(());
        }
        let service = self.inner.service.clone();
        self.call(move || kr_set(&service, &acct, secret.expose()))
            .await
    }

    /// True when a `kind` secret is stored for instance `id`. The value is not read.
    pub async fn has(&self, id: &str, kind: SecretKind) -> Result<bool> {
        check_id(id)?;
        let acct = account(id, kind);
        if self.session() {
            return Ok(self.memory().contains_key(&acct));
        }
        let service = self.inner.service.clone();
        self.call(move || kr_has(&service, &acct)).await
    }

    /// Which secrets are stored for instance `id`.
    pub async fn stored(&self, id: &str) -> Result<StoredSecrets> {
        Ok(StoredSecrets {
            password: self.has(id, SecretKind::Password).await?,
            pat: self.has(id, SecretKind::Pat).await?,
            client_secret: self.has(id, SecretKind::ClientSecret).await?,
            token: self.has(id, SecretKind::OAuth2Token).await?,
        })
    }

    /// Reads the `kind` secret of instance `id`.
    ///
    /// **For the core only** (auth providers, the token store). Never return its result, or
    /// anything derived from it, through a UI command: secrets are write-only for the UI.
    pub async fn reveal(&self, id: &str, kind: SecretKind) -> Result<Option<Secret>> {
        check_id(id)?;
        let acct = account(id, kind);
        if self.session() {
            return Ok(self.memory().get(&acct).cloned());
        }
        let service = self.inner.service.clone();
        self.call(move || kr_get(&service, &acct)).await
    }

    /// Deletes the `kind` secret of instance `id`; deleting nothing is not an error.
    pub async fn delete(&self, id: &str, kind: SecretKind) -> Result<()> {
        check_id(id)?;
        self.check_writable("delete the secret")?;
        let acct = account(id, kind);
        if self.session() {
            self.memory().remove(&acct);
            // An earlier run may have kept this secret in the keyring (session-only now because
            // the keyring is locked or was turned off): removing an instance or signing out
            // must not leave that copy behind. Best effort, bounded: the keyring may be absent.
            let service = self.inner.service.clone();
            let cleared = tokio::time::timeout(
                std::time::Duration::from_secs(3),
                blocking(move || kr_delete(&service, &acct)),
            )
            .await;
            if !matches!(cleared, Ok(Ok(()))) {
                tracing::debug!("no keyring copy cleared (keyring unavailable)");
            }
            return Ok(());
        }
        let service = self.inner.service.clone();
        self.call(move || kr_delete(&service, &acct)).await
    }

    /// Deletes every secret and token of instance `id`.
    pub async fn delete_all(&self, id: &str) -> Result<()> {
        for kind in SecretKind::ALL {
            self.delete(id, kind).await?;
        }
        Ok(())
    }

    /// Stores the secrets the user typed in the add/edit form for instance `id`: each
    /// non-empty `password`, `pat` or `client_secret` replaces the stored one; `None` (or an
    /// empty string) keeps what is stored.
    pub async fn save_input_secrets(&self, id: &str, input: &InstanceInput) -> Result<()> {
        let pairs = [
            (SecretKind::Password, &input.password),
            (SecretKind::Pat, &input.pat),
            (SecretKind::ClientSecret, &input.client_secret),
        ];
        for (kind, value) in pairs {
            if let Some(v) = value.as_ref().filter(|v| !v.is_empty()) {
                self.set(id, kind, v.clone()).await?;
            }
        }
        Ok(())
    }
}

/// Keeps OAuth2 token sets in the [`SecretStore`] (the OS keyring, or memory in session-only
/// mode) as JSON, one per instance: [`TokenKey::profile`] is the instance id. A token read back
/// is refused when its embedded key differs from the requested one ([`check_key`]).
#[derive(Clone, Debug)]
pub struct KeyringTokenStore {
    secrets: SecretStore,
}

impl KeyringTokenStore {
    /// A token store over `secrets`.
    pub fn new(secrets: SecretStore) -> Self {
        Self { secrets }
    }
}

#[async_trait]
impl TokenStore for KeyringTokenStore {
    async fn get(&self, key: &TokenKey) -> Result<Option<OAuth2Token>> {
        let Some(json) = self
            .secrets
            .reveal(&key.profile, SecretKind::OAuth2Token)
            .await?
        else {
            return Ok(None);
        };
        let token: OAuth2Token = serde_json::from_str(json.expose()).map_err(|_| {
            tracing::warn!(instance = %key.profile, "stored OAuth2 token set is unreadable");
            Error::new(
                ErrorKind::SignInRequired,
                "The saved sign-in could not be read. Sign in again.",
            )
        })?;
        check_key(key, token).map(Some)
    }

    async fn set(&self, key: &TokenKey, token: &OAuth2Token) -> Result<()> {
        if &token.key != key {
            return Err(Error::new(
                ErrorKind::Internal,
                "Refusing to store a token under another instance's key.",
            ));
        }
        let json = serde_json::to_string(token).map_err(|e| {
            Error::new(ErrorKind::Internal, "Could not encode the token.").with_source(e)
        })?;
        self.secrets
            .set(&key.profile, SecretKind::OAuth2Token, Secret::new(json))
            .await
    }

    async fn delete(&self, key: &TokenKey) -> Result<()> {
        self.secrets
            .delete(&key.profile, SecretKind::OAuth2Token)
            .await
    }
}

#[cfg(test)]
mod chunk_tests {
    use super::*;

    #[test]
    fn long_values_split_on_char_boundaries_within_the_windows_limit() {
        let value = format!("{}é😀{}", "a".repeat(1199), "b".repeat(3000));
        let parts = split_units(&value);
        assert!(parts.len() >= 4, "{}", parts.len());
        assert!(parts
            .iter()
            .all(|p| p.encode_utf16().count() <= MAX_ENTRY_UNITS));
        assert!(parts.iter().all(|p| p.encode_utf16().count() * 2 <= 2560));
        assert_eq!(parts.concat(), value);
        assert_eq!(split_units("short"), ["short"]);
        assert_eq!(
            chunk_marker("dhis2w-chunked:v1:abc123:3"),
            Some(("abc123".into(), 3))
        );
        assert_eq!(chunk_marker("dhis2w-chunked:v1:abc:0"), None);
        assert_eq!(chunk_marker("a password"), None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn session_only_keeps_secrets_in_memory() {
        let s = SecretStore::session_only(Some("no keyring".into()));
        assert_eq!(
            serde_json::to_value(s.status()).unwrap(),
            serde_json::json!({"mode": "session_only", "detail": "no keyring"})
        );
        assert!(!s.has("abc", SecretKind::Pat).await.unwrap());
        s.set("abc", SecretKind::Pat, "d2p_secret".into())
            .await
            .unwrap();
        assert!(s.has("abc", SecretKind::Pat).await.unwrap());
        assert_eq!(
            s.reveal("abc", SecretKind::Pat)
                .await
                .unwrap()
                .unwrap()
                .expose(),
            "d2p_secret"
        );
        assert_eq!(
            s.stored("abc").await.unwrap(),
            StoredSecrets {
                pat: true,
                ..Default::default()
            }
        );
        s.delete_all("abc").await.unwrap();
        assert!(!s.has("abc", SecretKind::Pat).await.unwrap());
        assert!(!format!("{s:?}").contains("d2p_secret"));
    }

    #[tokio::test]
    async fn rejects_bad_ids_and_empty_values() {
        let s = SecretStore::session_only(None);
        assert_eq!(
            s.set("a:b", SecretKind::Password, "x".into())
                .await
                .unwrap_err()
                .kind(),
            ErrorKind::InvalidInput
        );
        assert_eq!(
            s.set("ab", SecretKind::Password, "".into())
                .await
                .unwrap_err()
                .kind(),
            ErrorKind::InvalidInput
        );
    }

    #[test]
    fn status_json_uses_the_contract_names() {
        let st = StorageStatus {
            mode: StorageMode::Keyring,
            detail: None,
        };
        assert_eq!(
            serde_json::to_value(st).unwrap(),
            serde_json::json!({"mode": "keyring", "detail": null})
        );
        assert_eq!(
            serde_json::to_value(StoredSecrets::default()).unwrap(),
            serde_json::json!({"password": false, "pat": false, "clientSecret": false, "token": false})
        );
    }

    #[tokio::test]
    async fn token_store_checks_the_key() {
        let s = KeyringTokenStore::new(SecretStore::session_only(None));
        let key = TokenKey {
            profile: "inst1".into(),
            base_url: "https://a.org".into(),
            client_id: "c".into(),
        };
        let token = OAuth2Token {
            key: key.clone(),
            access_token: "at-123".into(),
            refresh_token: Some("rt-456".into()),
            expires_at: 1_900_000_000,
            scopes: vec!["ALL".into()],
        };
        assert!(s.get(&key).await.unwrap().is_none());
        s.set(&key, &token).await.unwrap();
        assert_eq!(s.get(&key).await.unwrap().unwrap(), token);
        let other = TokenKey {
            base_url: "https://b.org".into(),
            ..key.clone()
        };
        assert_eq!(
            s.get(&other).await.unwrap_err().kind(),
            ErrorKind::SignInRequired
        );
        assert!(s.set(&other, &token).await.is_err());
        s.delete(&key).await.unwrap();
        assert!(s.get(&key).await.unwrap().is_none());
    }
}
