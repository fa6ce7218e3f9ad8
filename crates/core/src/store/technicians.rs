//! The `technicians` table: the console's own users. The first administrator is created on
//! first run. Holds Argon2id hashes only; must never hold a password.

use crate::error::{Error, Result};
use crate::store::customers::ts;
use rusqlite::{Connection, OptionalExtension, params};
use time::OffsetDateTime;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TechnicianRow {
    pub id: i64,
    pub username: String,
    pub password_hash: String,
    pub role: String,
}

pub fn count(conn: &Connection) -> Result<u64> {
    let n: i64 = conn.query_row("SELECT count(*) FROM technicians", [], |r| r.get(0))?;
    Ok(n.max(0) as u64)
}

pub fn by_username(conn: &Connection, username: &str) -> Result<Option<TechnicianRow>> {
    Ok(conn
        .query_row(
            "SELECT id, username, password_hash, role FROM technicians WHERE username_key = ?1",
            [username.trim().to_lowercase()],
            |r| {
                Ok(TechnicianRow {
                    id: r.get(0)?,
                    username: r.get(1)?,
                    password_hash: r.get(2)?,
                    role: r.get(3)?,
                })
            },
        )
        .optional()?)
}

pub fn insert(
    conn: &Connection,
    username: &str,
    password_hash: &str,
    role: &str,
    at: OffsetDateTime,
) -> Result<()> {
    conn.execute(
        "INSERT INTO technicians (username, username_key, password_hash, role, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            username,
            username.trim().to_lowercase(),
            password_hash,
            role,
            ts(at)
        ],
    )
    .map_err(|e| {
        if e.to_string().contains("UNIQUE") {
            Error::field("username", "This username is taken.")
        } else {
            Error::from(e)
        }
    })?;
    Ok(())
}
