//! The `audit` table: who did what to which customer, when, and how it ended; chained so
//! that editing, inserting or deleting a row shows (see `crate::audit`).
//!
//! Append-only: rows are never updated except to seal their chain once, and deleted only by
//! pruning, which moves the chain's anchor. Must never record a secret.

use crate::codec::{parse_ts, ts};
use crate::error::{Error, Result};
use crate::model::CustomerId;
pub use crate::model::{AuditAction, Outcome, Target};
use hmac::{KeyInit, Mac};
use rusqlite::{Connection, OptionalExtension, Row, params};
use time::OffsetDateTime;
use uuid::Uuid;

/// The key the chain is computed with (derived from the keychain's data key).
pub type ChainKey = [u8; 32];

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

/// What the audit page filters on; every part optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// The technician (exact, ignoring case).
    pub actor: Option<String>,
    pub customer: Option<CustomerId>,
    /// An action, or a family of them by prefix (`customer.` for every customer action).
    pub action: Option<String>,
    pub outcome: Option<Outcome>,
    pub from: Option<OffsetDateTime>,
    pub to: Option<OffsetDateTime>,
    /// Words found in the target, the reason or the actor.
    pub text: Option<String>,
}

const COLUMNS: &str = "id, at, actor, action, target, outcome, reason, customer_id";

fn entry(r: &Row<'_>) -> rusqlite::Result<AuditEntry> {
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
}

/// The bytes an entry's chain value covers, fields separated by a unit separator.
fn canonical(e: &AuditEntry) -> String {
    let customer = e.customer_id.map(|c| c.to_string()).unwrap_or_default();
    [
        e.id.to_string(),
        ts(e.at),
        e.actor.clone(),
        e.action.clone(),
        e.target.clone(),
        customer,
        e.outcome.as_str().to_owned(),
        e.reason.clone().unwrap_or_default(),
    ]
    .join("\u{1f}")
}

fn mac(key: &ChainKey, parts: &[&[u8]]) -> String {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key).expect("any key length");
    for part in parts {
        mac.update(part);
        mac.update(b"\x1e");
    }
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

/// The chain value of `e` following `previous`.
pub fn link(key: &ChainKey, previous: &str, e: &AuditEntry) -> String {
    mac(key, &[previous.as_bytes(), canonical(e).as_bytes()])
}

fn mark_mac(key: &ChainKey, name: &str, entry_id: i64, chain: &str) -> String {
    mac(key, &[name.as_bytes(), entry_id.to_string().as_bytes(), chain.as_bytes()])
}

/// A mark: `(entry_id, chain, mac)`.
fn read_mark(conn: &Connection, name: &str) -> Result<Option<(i64, String, String)>> {
    Ok(conn
        .query_row("SELECT entry_id, chain, mac FROM audit_marks WHERE name = ?1", [name], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?)
}

fn write_mark(
    conn: &Connection,
    key: &ChainKey,
    name: &str,
    entry_id: i64,
    chain: &str,
) -> Result<()> {
    conn.execute(
        "INSERT INTO audit_marks (name, entry_id, chain, mac) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (name) DO UPDATE SET entry_id = excluded.entry_id, chain = excluded.chain, mac = excluded.mac",
        params![name, entry_id, chain, mark_mac(key, name, entry_id, chain)],
    )?;
    Ok(())
}

/// An entry to write.
#[derive(Debug, Clone, Copy)]
pub struct NewEntry<'a> {
    pub at: OffsetDateTime,
    pub actor: &'a str,
    pub action: AuditAction,
    pub target: &'a Target,
    pub outcome: Outcome,
    pub reason: Option<&'a str>,
}

/// Writes an entry; chains it (and any entry written before the key could be read) when
/// `key` is given.
pub fn record(conn: &Connection, key: Option<&ChainKey>, e: &NewEntry<'_>) -> Result<()> {
    conn.execute(
        "INSERT INTO audit (at, actor, action, target, outcome, reason, customer_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            ts(e.at),
            e.actor,
            e.action.as_str(),
            e.target.name,
            e.outcome,
            e.reason,
            e.target.customer.map(|c| c.to_string())
        ],
    )?;
    if let Some(key) = key {
        seal_pending(conn, key)?;
    }
    Ok(())
}

/// Chains every entry not chained yet, in order, and moves the head mark. Returns how many.
pub fn seal_pending(conn: &Connection, key: &ChainKey) -> Result<usize> {
    let mut stmt = conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM audit WHERE chain IS NULL ORDER BY id"))?;
    let pending = stmt.query_map([], entry)?.collect::<rusqlite::Result<Vec<_>>>()?;
    if pending.is_empty() {
        return Ok(0);
    }
    for e in &pending {
        let previous: Option<String> = conn
            .query_row(
                "SELECT chain FROM audit WHERE id < ?1 ORDER BY id DESC LIMIT 1",
                [e.id],
                |r| r.get(0),
            )
            .optional()?
            .flatten();
        let previous = match previous {
            Some(p) => p,
            None => read_mark(conn, "anchor")?.map(|(_, chain, _)| chain).unwrap_or_default(),
        };
        let chain = link(key, &previous, e);
        conn.execute("UPDATE audit SET chain = ?2 WHERE id = ?1", params![e.id, chain])?;
        write_mark(conn, key, "head", e.id, &chain)?;
    }
    Ok(pending.len())
}

/// The newest `limit` entries, newest first.
pub fn recent(conn: &Connection, limit: u32) -> Result<Vec<AuditEntry>> {
    page(conn, &AuditFilter::default(), None, limit)
}

/// One page of the filtered entries, newest first, before entry `before` (keyset paging:
/// as fast on page 5,000 as on page 1).
pub fn page(
    conn: &Connection,
    filter: &AuditFilter,
    before: Option<i64>,
    limit: u32,
) -> Result<Vec<AuditEntry>> {
    let mut sql = format!("SELECT {COLUMNS} FROM audit WHERE id < ?1");
    let mut args: Vec<rusqlite::types::Value> = vec![before.unwrap_or(i64::MAX).into()];
    // Adds `clause` with its one parameter, numbered `?N` where `{}` stands.
    fn add(
        sql: &mut String,
        args: &mut Vec<rusqlite::types::Value>,
        clause: &str,
        value: rusqlite::types::Value,
    ) {
        args.push(value);
        sql.push_str(&clause.replace("{}", &format!("?{}", args.len())));
    }
    if let Some(actor) = &filter.actor {
        add(&mut sql, &mut args, " AND actor = {} COLLATE NOCASE", actor.trim().to_owned().into());
    }
    if let Some(customer) = filter.customer {
        add(&mut sql, &mut args, " AND customer_id = {}", customer.to_string().into());
    }
    if let Some(action) = &filter.action {
        if action.ends_with('.') {
            let prefix = format!("{}%", like_escape(action));
            add(&mut sql, &mut args, " AND action LIKE {} ESCAPE '\\'", prefix.into());
        } else {
            add(&mut sql, &mut args, " AND action = {}", action.clone().into());
        }
    }
    if let Some(outcome) = filter.outcome {
        add(&mut sql, &mut args, " AND outcome = {}", outcome.as_str().to_owned().into());
    }
    if let Some(from) = filter.from {
        add(&mut sql, &mut args, " AND at >= {}", ts(from).into());
    }
    if let Some(to) = filter.to {
        add(&mut sql, &mut args, " AND at < {}", ts(to).into());
    }
    for word in filter.text.as_deref().unwrap_or_default().split_whitespace().take(8) {
        let pattern = format!("%{}%", like_escape(word));
        add(
            &mut sql,
            &mut args,
            " AND (target LIKE {} ESCAPE '\\' OR coalesce(reason, '') LIKE {} ESCAPE '\\' OR actor LIKE {} ESCAPE '\\')",
            pattern.into(),
        );
    }
    args.push(i64::from(limit.clamp(1, 1000)).into());
    sql.push_str(&format!(" ORDER BY id DESC LIMIT ?{}", args.len()));
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(args), entry)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn like_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

/// What "Verify integrity" found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    /// Entries whose chain matched.
    pub verified: usize,
    /// The first entry that does not match (edited, or one before it inserted or deleted).
    pub first_mismatch: Option<AuditEntry>,
    /// The newest entries were deleted (the head mark names an entry that is gone or
    /// another chain), or a mark was edited.
    pub marks_broken: Option<String>,
    /// Entries written before the key could be read, not chained yet.
    pub pending: usize,
}

/// Recomputes the chain from the anchor to the head.
pub fn verify(conn: &Connection, key: &ChainKey) -> Result<Verification> {
    let mut v = Verification { verified: 0, first_mismatch: None, marks_broken: None, pending: 0 };
    let anchor = read_mark(conn, "anchor")?;
    let head = read_mark(conn, "head")?;
    for (name, mark) in [("anchor", &anchor), ("head", &head)] {
        if let Some((id, chain, m)) = mark
            && mark_mac(key, name, *id, chain) != *m
        {
            v.marks_broken = Some(format!("The audit trail's {name} mark was edited."));
        }
    }
    let mut previous = anchor.as_ref().map(|(_, c, _)| c.clone()).unwrap_or_default();
    let mut last: Option<(i64, String)> = None;
    let mut stmt = conn.prepare(&format!("SELECT {COLUMNS}, chain FROM audit ORDER BY id"))?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let e = entry(row)?;
        let chain: Option<String> = row.get(8)?;
        let Some(chain) = chain else {
            v.pending += 1;
            continue;
        };
        if v.first_mismatch.is_none() {
            if link(key, &previous, &e) == chain {
                v.verified += 1;
            } else {
                v.first_mismatch = Some(e.clone());
            }
        }
        previous = chain.clone();
        last = Some((e.id, chain));
    }
    if v.marks_broken.is_none() {
        match (&head, &last) {
            (Some((id, chain, _)), Some((last_id, last_chain)))
                if id != last_id || chain != last_chain =>
            {
                v.marks_broken = Some(format!(
                    "The newest entries were removed: the trail ended at entry {id}, it now ends at {last_id}."
                ));
            }
            (Some((id, _, _)), None) => {
                v.marks_broken = Some(format!("Every entry up to {id} was removed."));
            }
            _ => {}
        }
    }
    Ok(v)
}

/// Deletes the entries older than `before` (keeping at least the newest one), moving the
/// anchor to the last one deleted. Returns how many went.
pub fn prune(conn: &Connection, key: &ChainKey, before: OffsetDateTime) -> Result<usize> {
    seal_pending(conn, key)?;
    let newest: Option<i64> = conn.query_row("SELECT max(id) FROM audit", [], |r| r.get(0))?;
    let last: Option<(i64, Option<String>)> = conn
        .query_row(
            "SELECT id, chain FROM audit WHERE at < ?1 AND id < ?2 ORDER BY id DESC LIMIT 1",
            params![ts(before), newest.unwrap_or(0)],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((last_id, Some(chain))) = last else { return Ok(0) };
    let n = conn.execute("DELETE FROM audit WHERE id <= ?1", [last_id])?;
    write_mark(conn, key, "anchor", last_id, &chain)?;
    Ok(n)
}

/// How many entries there are (for the page's count).
pub fn count(conn: &Connection) -> Result<u64> {
    let n: i64 = conn.query_row("SELECT count(*) FROM audit", [], |r| r.get(0))?;
    u64::try_from(n).map_err(|e| Error::Storage(e.to_string()))
}
