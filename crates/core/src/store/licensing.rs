//! The license tables: the applied MSSP license, allocations per customer and resource (with
//! a version per customer for optimistic concurrency), push state, usage as last synced, and
//! raised usage alerts. Must never let a count go negative (the schema refuses it).

use crate::codec::{bad_column, parse_ts, ts};
use crate::error::Result;
use crate::model::CustomerId;
pub use crate::model::PushState;
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::{BTreeMap, HashMap, HashSet};
use time::OffsetDateTime;
use uuid::Uuid;

pub type Counts = BTreeMap<String, u64>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LicenseRow {
    pub license_id: String,
    pub licensee: String,
    pub edition: String,
    pub expires_at: OffsetDateTime,
    pub resources: Counts,
    pub applied_at: OffsetDateTime,
    pub applied_by: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateRow {
    pub version: i64,
    pub push_state: PushState,
    pub push_reason: Option<String>,
    pub changed_by: String,
    pub changed_at: OffsetDateTime,
    /// What the instance last accepted.
    pub applied: Option<Counts>,
}

fn json(c: &Counts) -> String {
    serde_json::to_string(c).unwrap_or_else(|_| "{}".into())
}

/// A stored JSON object of counts; a damaged one fails the read rather than reading as none.
fn counts(s: &str) -> rusqlite::Result<Counts> {
    serde_json::from_str(s).map_err(bad_column)
}

pub fn license(conn: &Connection) -> Result<Option<LicenseRow>> {
    conn.query_row(
        "SELECT license_id, licensee, edition, expires_at, resources, applied_at, applied_by FROM license WHERE id = 1",
        [],
        |r| {
            Ok(LicenseRow {
                license_id: r.get(0)?,
                licensee: r.get(1)?,
                edition: r.get(2)?,
                expires_at: parse_ts(&r.get::<_, String>(3)?)?,
                resources: counts(&r.get::<_, String>(4)?)?,
                applied_at: parse_ts(&r.get::<_, String>(5)?)?,
                applied_by: r.get(6)?,
            })
        },
    )
    .optional()
    .map_err(Into::into)
}

pub fn set_license(conn: &Connection, l: &LicenseRow) -> Result<()> {
    conn.execute(
        "INSERT INTO license (id, license_id, licensee, edition, expires_at, resources, applied_at, applied_by)
         VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (id) DO UPDATE SET license_id = excluded.license_id, licensee = excluded.licensee,
             edition = excluded.edition, expires_at = excluded.expires_at, resources = excluded.resources,
             applied_at = excluded.applied_at, applied_by = excluded.applied_by",
        params![l.license_id, l.licensee, l.edition, ts(l.expires_at), json(&l.resources), ts(l.applied_at), l.applied_by],
    )?;
    Ok(())
}

fn per_customer(conn: &Connection, sql: &str) -> Result<HashMap<CustomerId, Counts>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map([], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?))
    })?;
    let mut out: HashMap<CustomerId, Counts> = HashMap::new();
    for row in rows {
        let (id, resource, n) = row?;
        if let Ok(id) = Uuid::parse_str(&id) {
            out.entry(CustomerId(id)).or_default().insert(resource, n.max(0) as u64);
        }
    }
    Ok(out)
}

pub fn all_allocations(conn: &Connection) -> Result<HashMap<CustomerId, Counts>> {
    per_customer(conn, "SELECT customer_id, resource, count FROM allocations")
}

pub fn all_usage(conn: &Connection) -> Result<HashMap<CustomerId, Counts>> {
    per_customer(conn, "SELECT customer_id, resource, count FROM customer_usage")
}

pub fn allocation(conn: &Connection, id: CustomerId) -> Result<Counts> {
    counts_of(conn, "allocations", id)
}

pub fn usage(conn: &Connection, id: CustomerId) -> Result<Option<(Counts, OffsetDateTime)>> {
    let at: Option<String> = conn
        .query_row(
            "SELECT max(at) FROM customer_usage WHERE customer_id = ?1",
            [id.to_string()],
            |r| r.get(0),
        )
        .optional()?
        .flatten();
    match at {
        Some(at) => Ok(Some((counts_of(conn, "customer_usage", id)?, parse_ts(&at)?))),
        None => Ok(None),
    }
}

fn counts_of(conn: &Connection, table: &str, id: CustomerId) -> Result<Counts> {
    let mut stmt = conn
        .prepare_cached(&format!("SELECT resource, count FROM {table} WHERE customer_id = ?1"))?;
    let rows = stmt.query_map([id.to_string()], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?.max(0) as u64))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn set_allocation(conn: &Connection, id: CustomerId, c: &Counts) -> Result<()> {
    conn.execute("DELETE FROM allocations WHERE customer_id = ?1", [id.to_string()])?;
    let mut stmt = conn.prepare_cached(
        "INSERT INTO allocations (customer_id, resource, count) VALUES (?1, ?2, ?3)",
    )?;
    for (resource, n) in c.iter().filter(|(_, n)| **n > 0) {
        stmt.execute(params![id.to_string(), resource, *n as i64])?;
    }
    Ok(())
}

/// Replaces a customer's usage with what its last sync reported (same transaction as the
/// snapshot).
pub fn set_usage(
    conn: &Connection,
    id: CustomerId,
    usage: &Counts,
    at: OffsetDateTime,
) -> Result<()> {
    conn.execute("DELETE FROM customer_usage WHERE customer_id = ?1", [id.to_string()])?;
    let mut stmt = conn.prepare_cached(
        "INSERT INTO customer_usage (customer_id, resource, count, at)
         SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM customers WHERE id = ?1)",
    )?;
    for (resource, n) in usage {
        stmt.execute(params![id.to_string(), resource, *n as i64, ts(at)])?;
    }
    Ok(())
}

pub fn state(conn: &Connection, id: CustomerId) -> Result<Option<StateRow>> {
    conn.query_row(
        "SELECT version, push_state, push_reason, changed_by, changed_at, applied FROM allocation_state WHERE customer_id = ?1",
        [id.to_string()],
        |r| {
            Ok(StateRow {
                version: r.get(0)?,
                push_state: r.get(1)?,
                push_reason: r.get(2)?,
                changed_by: r.get(3)?,
                changed_at: parse_ts(&r.get::<_, String>(4)?)?,
                applied: r
                    .get::<_, Option<String>>(5)?
                    .map(|s| counts(&s))
                    .transpose()?,
            })
        },
    )
    .optional()
    .map_err(Into::into)
}

pub fn all_push_states(conn: &Connection) -> Result<HashMap<CustomerId, PushState>> {
    let mut stmt = conn.prepare("SELECT customer_id, push_state FROM allocation_state")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, PushState>(1)?)))?;
    let mut out = HashMap::new();
    for row in rows {
        let (id, state) = row?;
        if let Ok(id) = Uuid::parse_str(&id) {
            out.insert(CustomerId(id), state);
        }
    }
    Ok(out)
}

pub fn put_state(conn: &Connection, id: CustomerId, s: &StateRow) -> Result<()> {
    conn.execute(
        "INSERT INTO allocation_state (customer_id, version, push_state, push_reason, changed_by, changed_at, applied)
         SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7 WHERE EXISTS (SELECT 1 FROM customers WHERE id = ?1)
         ON CONFLICT (customer_id) DO UPDATE SET version = excluded.version, push_state = excluded.push_state,
             push_reason = excluded.push_reason, changed_by = excluded.changed_by,
             changed_at = excluded.changed_at, applied = excluded.applied",
        params![
            id.to_string(),
            s.version,
            s.push_state,
            s.push_reason,
            s.changed_by,
            ts(s.changed_at),
            s.applied.as_ref().map(json)
        ],
    )?;
    Ok(())
}

pub fn alerts(conn: &Connection) -> Result<HashSet<(CustomerId, String)>> {
    let mut stmt = conn.prepare("SELECT customer_id, resource FROM usage_alerts")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    let mut out = HashSet::new();
    for row in rows {
        let (id, resource) = row?;
        if let Ok(id) = Uuid::parse_str(&id) {
            out.insert((CustomerId(id), resource));
        }
    }
    Ok(out)
}

pub fn set_alert(conn: &Connection, id: CustomerId, resource: &str, raised: bool) -> Result<()> {
    if raised {
        conn.execute(
            "INSERT OR IGNORE INTO usage_alerts (customer_id, resource)
             SELECT ?1, ?2 WHERE EXISTS (SELECT 1 FROM customers WHERE id = ?1)",
            params![id.to_string(), resource],
        )?;
    } else {
        conn.execute(
            "DELETE FROM usage_alerts WHERE customer_id = ?1 AND resource = ?2",
            params![id.to_string(), resource],
        )?;
    }
    Ok(())
}
