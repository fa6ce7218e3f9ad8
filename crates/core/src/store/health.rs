//! The health tables: each customer's current state (so a restart resumes where it was and
//! does not re-notify), its state changes, and hourly aggregates of check results for uptime
//! and the chart. Rows of a deleted customer go with it (cascade); old rows are pruned.
//!
//! Must never store more than one row per customer per hour of samples: at 10,000 customers
//! checked every 30 s, raw results would be 29 million rows a day.

use crate::codec::{parse_ts, ts};
use crate::error::Result;
use crate::model::{CustomerId, HealthState};
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::HashMap;
use time::OffsetDateTime;
use uuid::Uuid;

/// Records a state change and the new current state together.
pub fn record_transition(
    conn: &Connection,
    id: CustomerId,
    from: HealthState,
    to: HealthState,
    at: OffsetDateTime,
    reason: Option<&str>,
) -> Result<()> {
    let cid = id.to_string();
    // The customer may have been deleted while its check was in flight: record nothing then.
    conn.execute(
        "INSERT INTO health_events (customer_id, at, from_state, to_state, reason)
         SELECT ?1, ?2, ?3, ?4, ?5 WHERE EXISTS (SELECT 1 FROM customers WHERE id = ?1)",
        params![cid, ts(at), from, to, reason],
    )?;
    if to == HealthState::Unknown {
        conn.execute("DELETE FROM health_state WHERE customer_id = ?1", [&cid])?;
    } else {
        conn.execute(
            "INSERT INTO health_state (customer_id, state, since, reason)
             SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM customers WHERE id = ?1)
             ON CONFLICT (customer_id) DO UPDATE SET
                 state = excluded.state, since = excluded.since, reason = excluded.reason",
            params![cid, to, ts(at), reason],
        )?;
    }
    Ok(())
}

/// A customer's stored current state: which, since when, and why.
pub type StoredState = (HealthState, OffsetDateTime, Option<String>);

/// The current state of every customer that has one, as the last run left it.
pub fn current_states(conn: &Connection) -> Result<HashMap<CustomerId, StoredState>> {
    let mut stmt = conn.prepare("SELECT customer_id, state, since, reason FROM health_state")?;
    let rows = stmt.query_map([], |r| {
        let id: String = r.get(0)?;
        let state: HealthState = r.get(1)?;
        let since: String = r.get(2)?;
        Ok((id, state, since, r.get::<_, Option<String>>(3)?))
    })?;
    let mut out = HashMap::new();
    for row in rows {
        let (id, state, since, reason) = row?;
        if let Ok(uuid) = Uuid::parse_str(&id) {
            out.insert(CustomerId(uuid), (state, parse_ts(&since)?, reason));
        }
    }
    Ok(out)
}

/// Check results of one customer in one hour, summed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HourAgg {
    pub checks: u32,
    pub failures: u32,
    pub latency_sum_ms: u64,
    pub latency_count: u32,
}

impl HourAgg {
    pub fn add(&mut self, ok: bool, latency_ms: Option<u64>) {
        self.checks += 1;
        if !ok {
            self.failures += 1;
        }
        if let Some(ms) = latency_ms {
            self.latency_sum_ms += ms;
            self.latency_count += 1;
        }
    }
}

/// The start of the UTC hour `t` falls in.
pub fn hour_of(t: OffsetDateTime) -> OffsetDateTime {
    let t = t.to_offset(time::UtcOffset::UTC);
    t.replace_minute(0)
        .and_then(|t| t.replace_second(0))
        .and_then(|t| t.replace_nanosecond(0))
        .unwrap_or(t)
}

/// Adds buffered aggregates to the stored ones (one transaction for the whole buffer).
pub fn add_hourly(
    conn: &Connection,
    aggs: &HashMap<(CustomerId, OffsetDateTime), HourAgg>,
) -> Result<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO health_hourly (customer_id, hour, checks, failures, latency_sum_ms, latency_count)
         SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE EXISTS (SELECT 1 FROM customers WHERE id = ?1)
         ON CONFLICT (customer_id, hour) DO UPDATE SET
             checks = checks + excluded.checks,
             failures = failures + excluded.failures,
             latency_sum_ms = latency_sum_ms + excluded.latency_sum_ms,
             latency_count = latency_count + excluded.latency_count",
    )?;
    for ((id, hour), a) in aggs {
        stmt.execute(params![
            id.to_string(),
            ts(*hour),
            a.checks,
            a.failures,
            a.latency_sum_ms as i64,
            a.latency_count
        ])?;
    }
    Ok(())
}

#[derive(Debug, Clone, PartialEq)]
pub struct HourPoint {
    pub hour: OffsetDateTime,
    pub checks: u32,
    pub failures: u32,
    pub avg_latency_ms: Option<u64>,
}

pub fn hourly(conn: &Connection, id: CustomerId, from: OffsetDateTime) -> Result<Vec<HourPoint>> {
    let mut stmt = conn.prepare(
        "SELECT hour, checks, failures, latency_sum_ms, latency_count FROM health_hourly
         WHERE customer_id = ?1 AND hour >= ?2 ORDER BY hour",
    )?;
    let rows = stmt.query_map(params![id.to_string(), ts(hour_of(from))], |r| {
        let sum: i64 = r.get(3)?;
        let count: i64 = r.get(4)?;
        Ok(HourPoint {
            hour: parse_ts(&r.get::<_, String>(0)?)?,
            checks: r.get(1)?,
            failures: r.get(2)?,
            avg_latency_ms: (count > 0).then(|| (sum / count) as u64),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRow {
    pub at: OffsetDateTime,
    pub from: HealthState,
    pub to: HealthState,
    pub reason: Option<String>,
}

/// State changes of a customer, newest first.
pub fn events(conn: &Connection, id: CustomerId, limit: u32) -> Result<Vec<EventRow>> {
    let mut stmt = conn.prepare(
        "SELECT at, from_state, to_state, reason FROM health_events
         WHERE customer_id = ?1 ORDER BY at DESC, id DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![id.to_string(), limit], |r| {
        Ok(EventRow {
            at: parse_ts(&r.get::<_, String>(0)?)?,
            from: r.get(1)?,
            to: r.get(2)?,
            reason: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Percentage of the time between `from` and `now` the customer was Up, counting only time
/// its state was known (Up or Down). None when nothing is known for that span.
pub fn uptime(
    conn: &Connection,
    id: CustomerId,
    from: OffsetDateTime,
    now: OffsetDateTime,
    excluded: &[(OffsetDateTime, OffsetDateTime)],
) -> Result<Option<f64>> {
    let cid = id.to_string();
    let mut state: HealthState = conn
        .query_row(
            "SELECT to_state FROM health_events WHERE customer_id = ?1 AND at < ?2
             ORDER BY at DESC, id DESC LIMIT 1",
            params![cid, ts(from)],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(HealthState::Unknown);
    let mut cursor = from;
    let (mut up, mut down) = (time::Duration::ZERO, time::Duration::ZERO);
    let mut stmt = conn.prepare(
        "SELECT at, to_state FROM health_events WHERE customer_id = ?1 AND at >= ?2 AND at <= ?3
         ORDER BY at, id",
    )?;
    // Time inside `excluded` (maintenance) counts neither way.
    let mut account = |state: HealthState, start: OffsetDateTime, end: OffsetDateTime| {
        let left_out: time::Duration = excluded
            .iter()
            .map(|(a, b)| (end.min(*b) - start.max(*a)).max(time::Duration::ZERO))
            .sum();
        let span = (end - start - left_out).max(time::Duration::ZERO);
        match state {
            HealthState::Up => up += span,
            HealthState::Down => down += span,
            HealthState::Unknown => {}
        }
    };
    let rows = stmt.query_map(params![cid, ts(from), ts(now)], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, HealthState>(1)?))
    })?;
    for row in rows {
        let (at, to) = row?;
        let at = parse_ts(&at)?;
        account(state, cursor, at);
        cursor = at;
        state = to;
    }
    account(state, cursor, now);
    let known = (up + down).as_seconds_f64();
    Ok((known > 0.0).then(|| 100.0 * up.as_seconds_f64() / known))
}

/// Drops history older than `before`; the current state of each customer is kept.
pub fn prune(conn: &Connection, before: OffsetDateTime) -> Result<usize> {
    let cutoff = ts(before);
    let events = conn.execute("DELETE FROM health_events WHERE at < ?1", [&cutoff])?;
    let hours = conn.execute("DELETE FROM health_hourly WHERE hour < ?1", [&cutoff])?;
    Ok(events + hours)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ConnectionType, Customer, Endpoint};
    use crate::store::{Store, customers};
    use time::macros::datetime;

    const T0: OffsetDateTime = datetime!(2026-11-25 10:00 UTC);

    fn store_with_customer() -> (Store, CustomerId) {
        let store = Store::open_in_memory().unwrap();
        let c = Customer {
            id: CustomerId::new(),
            name: "Acme".into(),
            email: "a@acme.example".into(),
            endpoint: Endpoint {
                connection: ConnectionType::Http,
                server: "127.0.0.1".into(),
                port: 8095,
            },
            instance_id: Uuid::new_v4(),
            build: 7100,
            pin: None,
            cleartext: true,
            created_at: T0,
            updated_at: T0,
        };
        store.write(|tx| customers::insert(tx, &c)).unwrap();
        (store, c.id)
    }

    #[test]
    fn uptime_counts_time_up_over_time_known() {
        let (store, id) = store_with_customer();
        let h = |n: i64| T0 + time::Duration::hours(n);
        store
            .write(|tx| {
                record_transition(tx, id, HealthState::Unknown, HealthState::Up, h(0), None)?;
                record_transition(
                    tx,
                    id,
                    HealthState::Up,
                    HealthState::Down,
                    h(18),
                    Some("refused"),
                )?;
                record_transition(tx, id, HealthState::Down, HealthState::Up, h(24), None)
            })
            .unwrap();
        let u = store.read(|c| uptime(c, id, h(0), h(24), &[])).unwrap().unwrap();
        assert!((u - 75.0).abs() < 1e-9, "{u}");
        // A window starting mid-outage takes the state in force at its start.
        let u = store.read(|c| uptime(c, id, h(20), h(30), &[])).unwrap().unwrap();
        assert!((u - 60.0).abs() < 1e-9, "{u}");
        assert_eq!(store.read(|c| uptime(c, id, h(-10), h(-5), &[])).unwrap(), None);
        // Planned maintenance over the outage leaves it out: 18 h up of 18 h counted.
        let u = store.read(|c| uptime(c, id, h(0), h(24), &[(h(18), h(24))])).unwrap().unwrap();
        assert!((u - 100.0).abs() < 1e-9, "{u}");
        // Half of it planned: 18 h up, 3 h down.
        let u = store.read(|c| uptime(c, id, h(0), h(24), &[(h(21), h(30))])).unwrap().unwrap();
        assert!((u - 100.0 * 18.0 / 21.0).abs() < 1e-9, "{u}");

        let states = store.read(current_states).unwrap();
        assert_eq!(states[&id].0, HealthState::Up);
        assert_eq!(states[&id].1, h(24));
        let ev = store.read(|c| events(c, id, 10)).unwrap();
        assert_eq!(ev.len(), 3);
        assert_eq!((ev[0].from, ev[0].to), (HealthState::Down, HealthState::Up));
    }

    #[test]
    fn hourly_aggregates_add_up_and_history_is_pruned_and_cascades() {
        let (store, id) = store_with_customer();
        let mut buf = HashMap::new();
        let hour = hour_of(T0 + time::Duration::minutes(42));
        assert_eq!(hour, T0);
        let agg: &mut HourAgg = buf.entry((id, hour)).or_default();
        agg.add(true, Some(10));
        agg.add(false, None);
        store.write(|tx| add_hourly(tx, &buf)).unwrap();
        store.write(|tx| add_hourly(tx, &buf)).unwrap();
        let points = store.read(|c| hourly(c, id, T0)).unwrap();
        assert_eq!(
            points,
            [HourPoint { hour: T0, checks: 4, failures: 2, avg_latency_ms: Some(10) }]
        );

        // Samples of a customer deleted meanwhile are dropped, not an error.
        let ghost = CustomerId::new();
        let mut buf2 = HashMap::new();
        buf2.entry((ghost, hour)).or_insert_with(HourAgg::default).add(true, Some(1));
        store.write(|tx| add_hourly(tx, &buf2)).unwrap();
        store
            .write(|tx| record_transition(tx, ghost, HealthState::Up, HealthState::Down, T0, None))
            .unwrap();

        store
            .write(|tx| record_transition(tx, id, HealthState::Unknown, HealthState::Up, T0, None))
            .unwrap();
        assert_eq!(store.write(|tx| prune(tx, T0 + time::Duration::hours(2))).unwrap(), 2);
        assert!(store.read(|c| hourly(c, id, T0)).unwrap().is_empty());
        assert_eq!(store.read(current_states).unwrap().len(), 1, "current state kept");

        store.write(|tx| customers::delete(tx, id)).unwrap();
        assert!(store.read(current_states).unwrap().is_empty(), "cascaded");
    }
}
