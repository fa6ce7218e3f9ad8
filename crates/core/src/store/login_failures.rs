//! The `login_failures` table: failed logins of the console's own users per username key
//! and in total, with the time before which the next attempt is refused. Kept in the store
//! so the window and `mssp-admin` slow down the same guesser.
//!
//! Must never hold what was typed as a password, nor let one user's failures lock another
//! out for longer than the global backoff allows.

use crate::codec::{parse_ts, ts};
use crate::error::Result;
use rusqlite::{Connection, OptionalExtension, params};
use time::OffsetDateTime;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failures {
    pub failures: u32,
    pub last_at: OffsetDateTime,
    pub locked_until: Option<OffsetDateTime>,
}

pub fn get(conn: &Connection, key: &str) -> Result<Option<Failures>> {
    Ok(conn
        .query_row(
            "SELECT failures, last_at, locked_until FROM login_failures WHERE key = ?1",
            [key],
            |r| {
                Ok(Failures {
                    failures: r.get::<_, i64>(0)?.clamp(0, i64::from(u32::MAX)) as u32,
                    last_at: parse_ts(&r.get::<_, String>(1)?)?,
                    locked_until: r
                        .get::<_, Option<String>>(2)?
                        .map(|s| parse_ts(&s))
                        .transpose()?,
                })
            },
        )
        .optional()?)
}

pub fn put(conn: &Connection, key: &str, f: &Failures) -> Result<()> {
    conn.execute(
        "INSERT INTO login_failures (key, failures, last_at, locked_until) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, last_at = excluded.last_at,
             locked_until = excluded.locked_until",
        params![key, i64::from(f.failures), ts(f.last_at), f.locked_until.map(ts)],
    )?;
    Ok(())
}

pub fn clear(conn: &Connection, key: &str) -> Result<()> {
    conn.execute("DELETE FROM login_failures WHERE key = ?1", [key])?;
    Ok(())
}
