//! The `technician_prefs` table: each technician's preferences of the window (the Customer
//! Management sort), as small JSON values under a key.
//!
//! Must never hold anything but view preferences: no secrets, nothing a rule depends on.

use crate::error::Result;
use rusqlite::{Connection, OptionalExtension, params};

pub fn get(conn: &Connection, technician: i64, key: &str) -> Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT value FROM technician_prefs WHERE technician_id = ?1 AND key = ?2",
            params![technician, key],
            |r| r.get(0),
        )
        .optional()?)
}

pub fn put(conn: &Connection, technician: i64, key: &str, value: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO technician_prefs (technician_id, key, value) VALUES (?1, ?2, ?3)
         ON CONFLICT (technician_id, key) DO UPDATE SET value = excluded.value",
        params![technician, key, value],
    )?;
    Ok(())
}
