//! The `audit` table: who did what to which customer, when, and how it ended.
//! Append-only: nothing here updates or deletes a row. Must never record a secret.

use crate::codec::{parse_ts, ts};
use crate::error::Result;
use crate::model::CustomerId;
pub use crate::model::{AuditAction, Outcome, Target};
use rusqlite::{Connection, params};
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub id: i64,
    pub at: OffsetDateTime,
    pub actor: String,
    /// e.g. `customer.add`, `customer.force_delete`, `admin.login`.
    pub action: String,
    /// What it was done to, usually a customer's name.
    pub target: String,
    /// The customer it was done to, when it was one.
    pub customer_id: Option<CustomerId>,
    pub outcome: Outcome,
    /// The force-delete reason, or why it failed.
    pub reason: Option<String>,
}

pub fn record(
    conn: &Connection,
    at: OffsetDateTime,
    actor: &str,
    action: AuditAction,
    target: &Target,
    outcome: Outcome,
    reason: Option<&str>,
) -> Result<()> {
    conn.execute(
        "INSERT INTO audit (at, actor, action, target, outcome, reason, customer_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            ts(at),
            actor,
            action.as_str(),
            target.name,
            outcome,
            reason,
            target.customer.map(|c| c.to_string())
        ],
    )?;
    Ok(())
}

/// The newest `limit` entries, newest first.
pub fn recent(conn: &Connection, limit: u32) -> Result<Vec<AuditEntry>> {
    let mut stmt = conn.prepare(
        "SELECT id, at, actor, action, target, outcome, reason, customer_id FROM audit
         ORDER BY id DESC LIMIT ?1",
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
            customer_id: r
                .get::<_, Option<String>>(7)?
                .and_then(|id| Uuid::parse_str(&id).ok())
                .map(CustomerId),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
