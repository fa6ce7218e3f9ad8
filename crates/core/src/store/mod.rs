//! The console's SQLite store: schema migrations, one writer connection, a small pool of
//! read connections, and transactions. Each table lives in its own module with its row type
//! and its queries.
//!
//! Must never touch the network or the keychain, and never hold a secret in the clear: the
//! administrators' passwords as Argon2id hashes, customers' secrets sealed by the vault. Callers must never make a network or keychain
//! call inside `read` or `write`: a slow one would hold a connection for its whole length.

pub mod alerts;
pub mod audit;
pub mod certificates;
pub mod customers;
pub mod health;
pub mod licensing;
pub mod login_failures;
pub mod prefs;
pub mod quiet;
pub mod secrets;
pub mod settings;
pub mod sync;
pub mod tags;
pub mod technicians;

use crate::error::{Error, Result};
use crate::locks::lock;
use rusqlite::{Connection, OpenFlags, Transaction};
use rusqlite_migration::{M, Migrations};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Idle read connections kept open for reuse; more are opened when reads overlap.
const IDLE_READERS: usize = 4;
/// How long a statement waits for a lock before failing (WAL readers never wait on the writer).
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The schema, one entry per version. Append only: never edit a released migration.
fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(include_str!("migrations/0001_initial.sql")),
        M::up(include_str!("migrations/0002_health.sql")),
        M::up(include_str!("migrations/0003_sync_technicians.sql")),
        M::up(include_str!("migrations/0004_licensing.sql")),
        M::up(include_str!("migrations/0005_trust_vault.sql")),
        M::up(include_str!("migrations/0006_hardening.sql")),
        M::up(include_str!("migrations/0007_tags_prefs.sql")),
        M::up(include_str!("migrations/0008_alerts.sql")),
        M::up(include_str!("migrations/0009_audit_chain.sql")),
    ])
}

/// The data folder readable by the user alone (0700) and the database file too (0600);
/// SQLite creates its WAL and shared-memory files with the database file's permissions.
fn private_files(path: &Path) -> std::io::Result<()> {
    let Some(dir) = path.parent() else { return Ok(()) };
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
        std::fs::OpenOptions::new().create(true).append(true).mode(0o600).open(path)?;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    #[cfg(not(unix))]
    std::fs::create_dir_all(dir)?;
    Ok(())
}

/// A handle to the database. Cheap to clone; all clones share one writer connection, so
/// every change goes through [`Store::write`] one at a time. Reads run on their own
/// connections: with WAL a read never waits for a write, so a long sync or sweep that is
/// writing never blocks the window's reads.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    writer: Mutex<Connection>,
    /// Idle read connections. Empty and unused for an in-memory database, whose data only
    /// its own connection sees: reads then take the writer.
    readers: Mutex<Vec<Connection>>,
    /// Asked only for `PRAGMA data_version`, which changes whenever another connection (the
    /// writer, or anyone else's) commits: see [`Store::generation`]. None in memory.
    watch: Option<Mutex<Connection>>,
    /// Commits through the writer, for an in-memory database (no other connection exists).
    commits: AtomicU64,
    path: Option<PathBuf>,
}

impl Store {
    /// Opens (creating if needed) the database file and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Self> {
        private_files(path)
            .map_err(|e| Error::Storage(format!("preparing {}: {e}", path.display())))?;
        let mut conn = Connection::open(path)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // WAL lets the window read while a write is in flight. NORMAL with WAL: a process
        // killed at any moment loses no committed transaction (the WAL is in the OS's
        // cache) and never corrupts; only an OS crash or power loss may lose the last few,
        // and every write here is atomic (a customer's row with its sealed secrets), so
        // what is lost is whole. FULL would add an fsync to every health change.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        migrations().to_latest(&mut conn)?;
        Ok(Self::with(conn, Some(path.to_path_buf())))
    }

    /// A private in-memory database, for tests.
    pub fn open_in_memory() -> Result<Self> {
        let mut conn = Connection::open_in_memory()?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        migrations().to_latest(&mut conn)?;
        Ok(Self::with(conn, None))
    }

    fn with(writer: Connection, path: Option<PathBuf>) -> Self {
        let watch = path.as_deref().and_then(|p| Self::open_reader(p).ok()).map(Mutex::new);
        Self {
            inner: Arc::new(Inner {
                writer: Mutex::new(writer),
                readers: Mutex::new(Vec::new()),
                watch,
                commits: AtomicU64::new(0),
                path,
            }),
        }
    }

    /// A number that changes whenever anything is committed to the database, by this store
    /// or any other connection: what a cache of a table compares before trusting itself.
    pub fn generation(&self) -> Result<u64> {
        match &self.inner.watch {
            Some(watch) => {
                let version: i64 =
                    lock(watch).pragma_query_value(None, "data_version", |row| row.get(0))?;
                Ok(version as u64)
            }
            None => Ok(self.inner.commits.load(Ordering::Acquire)),
        }
    }

    fn open_reader(path: &Path) -> Result<Connection> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        Ok(conn)
    }

    /// Runs `f` on a read connection. `f` sees the last committed state.
    pub fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let Some(path) = &self.inner.path else {
            return f(&lock(&self.inner.writer));
        };
        let idle = lock(&self.inner.readers).pop();
        let conn = match idle {
            Some(conn) => conn,
            None => Self::open_reader(path)?,
        };
        let value = f(&conn);
        let mut readers = lock(&self.inner.readers);
        if readers.len() < IDLE_READERS {
            readers.push(conn);
        }
        value
    }

    /// Runs `f` in one transaction: committed if `f` returns `Ok`, rolled back otherwise.
    pub fn write<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let mut conn = lock(&self.inner.writer);
        let tx = conn.transaction()?;
        let value = f(&tx)?;
        tx.commit()?;
        self.inner.commits.fetch_add(1, Ordering::AcqRel);
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generation_moves_with_every_commit_by_anyone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("console.db");
        let store = Store::open(&path).unwrap();
        let first = store.generation().unwrap();
        assert_eq!(store.generation().unwrap(), first, "reads alone do not move it");
        store.write(|tx| settings::set(tx, "k", "1")).unwrap();
        let second = store.generation().unwrap();
        assert_ne!(second, first, "a commit through this store");
        // Another connection to the same file (another store, another process).
        Store::open(&path).unwrap().write(|tx| settings::set(tx, "k", "2")).unwrap();
        assert_ne!(store.generation().unwrap(), second, "a commit through another connection");

        let memory = Store::open_in_memory().unwrap();
        let before = memory.generation().unwrap();
        memory.write(|tx| settings::set(tx, "k", "1")).unwrap();
        assert_ne!(memory.generation().unwrap(), before);
    }

    #[test]
    fn migrations_are_valid() {
        migrations().validate().expect("migrations validate");
    }

    #[test]
    fn reopening_a_file_keeps_data_and_schema() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/console.db");
        let store = Store::open(&path).unwrap();
        store.write(|tx| settings::set(tx, "probe", "1")).unwrap();
        drop(store);
        let store = Store::open(&path).unwrap();
        assert_eq!(store.read(|c| settings::get(c, "probe")).unwrap().as_deref(), Some("1"));
        let mode: String =
            store.read(|c| Ok(c.query_row("PRAGMA journal_mode", [], |r| r.get(0))?)).unwrap();
        assert_eq!(mode, "wal");
    }

    #[test]
    fn a_read_does_not_wait_for_a_write_in_progress() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("console.db")).unwrap();
        store.write(|tx| settings::set(tx, "k", "before")).unwrap();
        let reader = store.clone();
        store
            .write(|tx| {
                settings::set(tx, "k", "during")?;
                // The writer is held here; a read on the same handle still answers, with
                // the last committed value.
                let seen = reader.read(|c| settings::get(c, "k"))?;
                assert_eq!(seen.as_deref(), Some("before"));
                Ok(())
            })
            .unwrap();
        assert_eq!(store.read(|c| settings::get(c, "k")).unwrap().as_deref(), Some("during"));
    }

    #[cfg(unix)]
    #[test]
    fn the_data_folder_and_database_are_private_to_the_user() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir(&data).unwrap();
        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
        let store = Store::open(&data.join("console.db")).unwrap();
        store.write(|tx| settings::set(tx, "k", "v")).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&data), 0o700);
        for entry in std::fs::read_dir(&data).unwrap() {
            let path = entry.unwrap().path();
            assert_eq!(mode(&path), 0o600, "{}", path.display());
        }
    }

    #[test]
    fn a_failed_write_rolls_back() {
        let store = Store::open_in_memory().unwrap();
        let result: Result<()> = store.write(|tx| {
            settings::set(tx, "half", "done")?;
            Err(Error::Internal("boom".into()))
        });
        assert!(result.is_err());
        assert_eq!(store.read(|c| settings::get(c, "half")).unwrap(), None);
    }
}
