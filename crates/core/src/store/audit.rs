//! The `audit` table: who did what to which customer, when, and how it ended.
//! Append-only: nothing here updates or deletes a row. Must never record a secret.

use crate::codec::{parse_ts, ts};
use crate::error::Result;
pub use crate::model::{AuditAction, Outcome};
use rusqlite::{Connection, params};
use time::OffsetDateTime;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub id: i64,
    pub at: OffsetDateTime,
    pub actor: String,
    /// e.g. `customer.add`, `customer.force_delete`, `admin.login`.
    pub action: String,
    /// What it was done to, usually a customer's name.
    pub target: String,
    pub outcome: Outcome,
    /// The force-delete reason, or why it failed.
    pub reason: Option<String>,
}

pub fn record(
    conn: &Connection,
    at: OffsetDateTime,
    actor: &str,
    action: AuditAction,
    target: &str,
    outcome: Outcome,
    reason: Option<&str>,
) -> Result<()> {
    conn.execute(
        "INSERT INTO audit (at, actor, action, target, outcome, reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![ts(at), actor, action.as_str(), target, outcome, reason],
    )?;
    Ok(())
}

/// The newest `limit` entries, newest first.
pub fn recent(conn: &Connection, limit: u32) -> Result<Vec<AuditEntry>> {
    let mut stmt = conn.prepare(
        "SELECT id, at, actor, action, target, outcome, reason FROM audit ORDER BY id DESC LIMIT ?1",
    )?;
    let rows = stmt.query_map([limit], |r| {
        Ok(AuditEntry {
            id: r.get(0)?,
            at: parse_ts(&r.get::<_, String>(1)?)?,
            actor: r.get(2)?,
            action: r.get(3)?,
            target: r.get(4)?,
            outcome: r.get(5)?,
            reason: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
