//! One console per data dir: whoever works on a data dir (the window, or `mssp-admin` when
//! no window runs) holds an exclusive lock on `console.lock` in it for as long as it runs.
//! Two consoles on one data dir would run two monitors and two schedulers (double
//! notifications, the same customer synced twice at once).
//!
//! Must never be released while the holder runs (the file handle lives as long as it), and
//! never outlive it (the OS drops the lock when the process ends, however it ends).

use crate::error::{Error, Result};
use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};

pub const LOCK_FILE: &str = "console.lock";

/// The held lock; dropping it releases it.
#[derive(Debug)]
pub struct DataDirLock {
    _file: File,
    pub path: PathBuf,
}

impl DataDirLock {
    /// Takes the lock, or `already_running` when another process holds it.
    pub fn acquire(data_dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(data_dir).map_err(|e| {
            Error::Storage(format!("creating the data folder {}: {e}", data_dir.display()))
        })?;
        let path = data_dir.join(LOCK_FILE);
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| Error::Storage(format!("opening {}: {e}", path.display())))?;
        match file.try_lock() {
            Ok(()) => Ok(Self { _file: file, path }),
            Err(TryLockError::WouldBlock) => {
                Err(Error::AlreadyRunning(data_dir.display().to_string()))
            }
            Err(TryLockError::Error(e)) => {
                Err(Error::Storage(format!("locking {}: {e}", path.display())))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_until_the_first_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let first = DataDirLock::acquire(dir.path()).unwrap();
        let err = DataDirLock::acquire(dir.path()).unwrap_err();
        assert_eq!(err.code(), "already_running");
        drop(first);
        DataDirLock::acquire(dir.path()).expect("free again");
    }
}
