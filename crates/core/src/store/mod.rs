//! The console's SQLite store: schema migrations, the one connection, and transactions.
//! Each table lives in its own module with its row type and its queries.
//!
//! Must never touch the network or the keychain, and never hold a secret other than the
//! administrators' Argon2id password hashes.

pub mod audit;
pub mod customers;
pub mod health;
pub mod licensing;
pub mod settings;
pub mod sync;
pub mod technicians;

use crate::error::{Error, Result};
use rusqlite::{Connection, Transaction};
use rusqlite_migration::{M, Migrations};
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

/// The schema, one entry per version. Append only: never edit a released migration.
fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(include_str!("migrations/0001_initial.sql")),
        M::up(include_str!("migrations/0002_health.sql")),
        M::up(include_str!("migrations/0003_sync_technicians.sql")),
        M::up(include_str!("migrations/0004_licensing.sql")),
    ])
}

/// A handle to the database. Cheap to clone; all clones share one connection, so there is
/// exactly one writer and every change goes through [`Store::write`].
#[derive(Clone)]
pub struct Store {
    conn: Arc<Mutex<Connection>>,
}

impl Store {
    /// Opens (creating if needed) the database file and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Self> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| {
                Error::Storage(format!("creating the data folder {}: {e}", dir.display()))
            })?;
        }
        let conn = Connection::open(path)?;
        Self::init(conn, true)
    }

    /// A private in-memory database, for tests.
    pub fn open_in_memory() -> Result<Self> {
        Self::init(Connection::open_in_memory()?, false)
    }

    fn init(mut conn: Connection, wal: bool) -> Result<Self> {
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        if wal {
            // WAL lets the window read while a write is in flight; NORMAL is durable enough
            // with WAL and far cheaper than FULL.
            conn.pragma_update(None, "journal_mode", "WAL")?;
            conn.pragma_update(None, "synchronous", "NORMAL")?;
        }
        migrations().to_latest(&mut conn)?;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite inconsistent (the transaction
        // rolls back on drop), so a poisoned lock is still safe to use.
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `f` on the connection, for reads.
    pub fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        f(&self.lock())
    }

    /// Runs `f` in one transaction: committed if `f` returns `Ok`, rolled back otherwise.
    pub fn write<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        let value = f(&tx)?;
        tx.commit()?;
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(
            store
                .read(|c| settings::get(c, "probe"))
                .unwrap()
                .as_deref(),
            Some("1")
        );
        let mode: String = store
            .read(|c| Ok(c.query_row("PRAGMA journal_mode", [], |r| r.get(0))?))
            .unwrap();
        assert_eq!(mode, "wal");
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
