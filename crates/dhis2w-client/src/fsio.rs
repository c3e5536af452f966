//! Writing the app's own files (profiles, history, saved questions, exports): one atomic writer,
//! and file errors in plain words with their own kinds, so a full disk or a read-only file says
//! what happened and that nothing was changed.

use crate::error::{Error, ErrorKind};
use std::fs;
use std::io::Write as _;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

/// Fault switch for tests (the fault matrix): every write fails as on a full disk. A real full
/// disk cannot be made without mounting a small file system, which CI's containers may forbid.
static DISK_FULL: AtomicBool = AtomicBool::new(false);

/// Fault injection for tests: while `on`, every write of the app's files fails with "no space
/// left on device", as on a full disk.
#[doc(hidden)]
pub fn simulate_disk_full(on: bool) {
    DISK_FULL.store(on, Ordering::SeqCst);
}

/// The error a write meets on a full disk (or when the test switch says so).
pub(crate) fn check_space() -> std::io::Result<()> {
    if DISK_FULL.load(Ordering::SeqCst) {
        return Err(std::io::Error::from(std::io::ErrorKind::StorageFull));
    }
    Ok(())
}

/// Writes `data` to `path` through a temporary file in the same folder and a rename, so a crash
/// or a full disk never leaves a half-written file behind: readers see the old or the new file.
/// With `private` the file is created 0600 on Unix.
pub fn write_atomic(path: &Path, data: &[u8], private: bool) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".into());
    let tmp = dir.join(format!(".{name}.{:x}.tmp", rand::random::<u32>()));
    let result = (|| {
        let mut options = fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        if private {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        #[cfg(not(unix))]
        let _ = private;
        let mut f = options.open(&tmp)?;
        check_space()?;
        f.write_all(data)?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Refuses to replace a file whose permissions say read-only (someone, or the organisation's
/// IT, made it so on purpose): the atomic rename would otherwise replace it silently, even as
/// root. A missing file is fine.
pub fn ensure_writable(path: &Path, what: &str) -> crate::error::Result<()> {
    match fs::metadata(path) {
        Ok(m) if m.is_file() && m.permissions().readonly() => Err(Error::new(
            ErrorKind::FileNotWritable,
            format!(
                "{} is read-only, so {what} could not be saved. Nothing was changed. Make the \
                 file writable again (or ask whoever manages this computer), then try again.",
                path.display()
            ),
        )),
        _ => Ok(()),
    }
}

/// A file error in plain words: a full disk is [`ErrorKind::DiskFull`], a refused write
/// [`ErrorKind::FileNotWritable`], anything else `fallback`. `action` says what was being
/// done ("save the instance list").
pub fn file_error(action: &str, path: &Path, e: std::io::Error, fallback: ErrorKind) -> Error {
    use std::io::ErrorKind as Io;
    let p = path.display();
    let err = match e.kind() {
        Io::StorageFull => Error::new(
            ErrorKind::DiskFull,
            format!(
                "The disk is full, so dhis2w could not {action} ({p}). Nothing was changed. Free \
                 some space, then try again."
            ),
        ),
        Io::PermissionDenied | Io::ReadOnlyFilesystem => Error::new(
            ErrorKind::FileNotWritable,
            format!(
                "dhis2w may not write {p} ({e}), so it could not {action}. Nothing was changed. \
                 Check the folder's permissions (or ask whoever manages this computer), then \
                 try again."
            ),
        ),
        _ => Error::new(
            fallback,
            format!("Could not {action} ({p}: {e}). Check that the folder exists and is writable, then try again."),
        ),
    };
    err.with_source(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_disk_and_refused_writes_have_their_own_kinds() {
        // The disk-full switch is global, so it is exercised only by the fault matrix (its own
        // test binary); here the mapping of the errors a full disk gives.
        let path = Path::new("/x/f.toml");
        let err = file_error(
            "save it",
            path,
            std::io::Error::from(std::io::ErrorKind::StorageFull),
            ErrorKind::Internal,
        );
        assert_eq!(err.kind(), ErrorKind::DiskFull);
        assert!(
            err.message().contains("Free some space"),
            "{}",
            err.message()
        );
        let err = file_error(
            "save it",
            path,
            std::io::Error::from(std::io::ErrorKind::ReadOnlyFilesystem),
            ErrorKind::Internal,
        );
        assert_eq!(err.kind(), ErrorKind::FileNotWritable);
        let err = file_error(
            "save it",
            path,
            std::io::Error::from(std::io::ErrorKind::NotFound),
            ErrorKind::ProfileFile,
        );
        assert_eq!(err.kind(), ErrorKind::ProfileFile);
    }

    #[test]
    fn an_atomic_write_replaces_the_file_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.toml");
        write_atomic(&path, b"old", true).unwrap();
        write_atomic(&path, b"new", true).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_read_only_file_is_refused_even_for_root() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.toml");
        assert!(ensure_writable(&path, "it").is_ok(), "missing is fine");
        std::fs::write(&path, "x").unwrap();
        let mut p = std::fs::metadata(&path).unwrap().permissions();
        p.set_readonly(true);
        std::fs::set_permissions(&path, p).unwrap();
        let e = ensure_writable(&path, "the instance list").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::FileNotWritable);
    }
}
