//! The sync tables: each customer's last good data snapshot and its sync history (the last
//! 50 runs). Must never let a failed run touch the snapshot: runs and snapshots are written
//! separately, and only a successful run writes a snapshot.

use crate::codec::{bad_column, parse_ts, ts};
use crate::error::Result;
use crate::model::CustomerId;
pub use crate::model::Trigger;
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::HashMap;
use time::OffsetDateTime;
use uuid::Uuid;

/// Runs kept per customer.
pub const RUNS_KEPT: u32 = 50;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub collected_at: OffsetDateTime,
    pub synced_at: OffsetDateTime,
    /// The instance's validated `data` answer, as JSON text.
    pub data: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRow {
    pub started_at: OffsetDateTime,
    pub duration_ms: u64,
    pub trigger: Trigger,
    pub success: bool,
    pub reason: Option<String>,
}

impl RunRow {
    pub fn finished_at(&self) -> OffsetDateTime {
        self.started_at + time::Duration::milliseconds(self.duration_ms as i64)
    }
}

pub fn save_snapshot(conn: &Connection, id: CustomerId, s: &Snapshot) -> Result<()> {
    conn.execute(
        "INSERT INTO customer_snapshots (customer_id, collected_at, synced_at, data)
         SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM customers WHERE id = ?1)
         ON CONFLICT (customer_id) DO UPDATE SET
             collected_at = excluded.collected_at, synced_at = excluded.synced_at, data = excluded.data",
        params![id.to_string(), ts(s.collected_at), ts(s.synced_at), s.data],
    )?;
    Ok(())
}

pub fn snapshot(conn: &Connection, id: CustomerId) -> Result<Option<Snapshot>> {
    conn.query_row(
        "SELECT collected_at, synced_at, data FROM customer_snapshots WHERE customer_id = ?1",
        [id.to_string()],
        |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)),
    )
    .optional()?
    .map(|(c, s, data)| {
        Ok(Snapshot { collected_at: parse_ts(&c)?, synced_at: parse_ts(&s)?, data })
    })
    .transpose()
}

/// Records a run and keeps only the newest [`RUNS_KEPT`] of that customer.
pub fn record_run(conn: &Connection, id: CustomerId, run: &RunRow) -> Result<()> {
    let cid = id.to_string();
    conn.execute(
        "INSERT INTO sync_runs (customer_id, started_at, duration_ms, trigger, outcome, reason)
         SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE EXISTS (SELECT 1 FROM customers WHERE id = ?1)",
        params![
            cid,
            ts(run.started_at),
            run.duration_ms as i64,
            run.trigger,
            if run.success { "success" } else { "failed" },
            run.reason
        ],
    )?;
    conn.execute(
        "DELETE FROM sync_runs WHERE customer_id = ?1 AND id NOT IN
             (SELECT id FROM sync_runs WHERE customer_id = ?1 ORDER BY id DESC LIMIT ?2)",
        params![cid, RUNS_KEPT],
    )?;
    Ok(())
}

fn run_from(r: &rusqlite::Row<'_>, offset: usize) -> rusqlite::Result<RunRow> {
    Ok(RunRow {
        started_at: parse_ts(&r.get::<_, String>(offset)?)?,
        duration_ms: r.get::<_, i64>(offset + 1)?.max(0) as u64,
        trigger: r.get(offset + 2)?,
        success: match r.get::<_, String>(offset + 3)?.as_str() {
            "success" => true,
            "failed" => false,
            other => {
                return Err(bad_column(crate::codec::UnknownValue {
                    kind: "sync outcome",
                    value: other.to_owned(),
                }));
            }
        },
        reason: r.get(offset + 4)?,
    })
}

/// A customer's runs, newest first.
pub fn runs(conn: &Connection, id: CustomerId) -> Result<Vec<RunRow>> {
    let mut stmt = conn.prepare(
        "SELECT started_at, duration_ms, trigger, outcome, reason FROM sync_runs
         WHERE customer_id = ?1 ORDER BY id DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![id.to_string(), RUNS_KEPT], |r| run_from(r, 0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Every customer's latest run.
pub fn latest_runs(conn: &Connection) -> Result<HashMap<CustomerId, RunRow>> {
    let mut stmt = conn.prepare(
        "SELECT customer_id, started_at, duration_ms, trigger, outcome, reason FROM sync_runs
         WHERE id IN (SELECT max(id) FROM sync_runs GROUP BY customer_id)",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, run_from(r, 1)?)))?;
    let mut out = HashMap::new();
    for row in rows {
        let (id, run) = row?;
        if let Ok(uuid) = Uuid::parse_str(&id) {
            out.insert(CustomerId(uuid), run);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;
    use time::macros::datetime;

    #[test]
    fn only_the_last_fifty_runs_are_kept_and_snapshots_upsert() {
        let store = Store::open_in_memory().unwrap();
        let id = CustomerId::new();
        store
            .write(|tx| {
                tx.execute(
                    "INSERT INTO customers (id, name, name_key, email, server, port, connection_type, instance_id, build, created_at, updated_at)
                     VALUES (?1, 'n', 'n', 'e', 's', 1, 'HTTP', 'i', 7100, 't', 't')",
                    [id.to_string()],
                )?;
                Ok(())
            })
            .unwrap();
        let t0 = datetime!(2026-11-25 10:00 UTC);
        for i in 0..60 {
            let run = RunRow {
                started_at: t0 + time::Duration::minutes(i),
                duration_ms: 120,
                trigger: Trigger::Scheduled,
                success: i % 2 == 0,
                reason: (i % 2 == 1).then(|| format!("run {i}")),
            };
            store.write(|tx| record_run(tx, id, &run)).unwrap();
        }
        let runs = store.read(|c| runs(c, id)).unwrap();
        assert_eq!(runs.len(), 50);
        assert_eq!(runs[0].reason.as_deref(), Some("run 59"));
        assert_eq!(store.read(latest_runs).unwrap()[&id], runs[0]);

        let snap = Snapshot { collected_at: t0, synced_at: t0, data: "{}".into() };
        store.write(|tx| save_snapshot(tx, id, &snap)).unwrap();
        let newer = Snapshot { data: "{\"a\":1}".into(), ..snap };
        store.write(|tx| save_snapshot(tx, id, &newer)).unwrap();
        assert_eq!(store.read(|c| snapshot(c, id)).unwrap(), Some(newer));
    }
}
