//! The `maintenance_windows` and `mutes` tables.
//!
//! Must never judge whether something is quiet now (that is `crate::quiet`'s), only keep
//! what was planned.

use crate::codec::{bad_column, parse_ts, ts};
use crate::error::{Error, Result};
use crate::model::{CustomerId, MaintenanceWindow, Mute, QuietScope, Schedule, TagId};
use rusqlite::{Connection, Row, params};
use time::OffsetDateTime;
use uuid::Uuid;

fn scope_of(
    r: &Row<'_>,
    scope: usize,
    customer: usize,
    tag: usize,
) -> rusqlite::Result<QuietScope> {
    let kind: String = r.get(scope)?;
    Ok(match kind.as_str() {
        "customer" => {
            let id: String = r.get(customer)?;
            QuietScope::Customer(CustomerId(Uuid::parse_str(&id).map_err(bad_column)?))
        }
        "tag" => QuietScope::Tag(TagId(r.get(tag)?)),
        _ => QuietScope::All,
    })
}

fn scope_columns(scope: QuietScope) -> (&'static str, Option<String>, Option<i64>) {
    match scope {
        QuietScope::Customer(id) => ("customer", Some(id.to_string()), None),
        QuietScope::Tag(id) => ("tag", None, Some(id.0)),
        QuietScope::All => ("all", None, None),
    }
}

const WINDOW_COLUMNS: &str = "id, scope, customer_id, tag_id, kind, starts_at, ends_at, weekdays, \
     start_minute, duration_minutes, time_zone, note, created_by, created_at";

fn window_from(r: &Row<'_>) -> rusqlite::Result<MaintenanceWindow> {
    let kind: String = r.get(4)?;
    let schedule = if kind == "once" {
        Schedule::Once {
            start: parse_ts(&r.get::<_, String>(5)?)?,
            end: parse_ts(&r.get::<_, String>(6)?)?,
        }
    } else {
        Schedule::Weekly {
            weekdays: r.get::<_, i64>(7)?.clamp(0, 0x7f) as u8,
            start_minute: r.get::<_, i64>(8)?.clamp(0, 1439) as u16,
            duration_minutes: r.get::<_, i64>(9)?.clamp(1, 10080) as u32,
            time_zone: r.get(10)?,
        }
    };
    Ok(MaintenanceWindow {
        id: r.get(0)?,
        scope: scope_of(r, 1, 2, 3)?,
        schedule,
        note: r.get(11)?,
        created_by: r.get(12)?,
        created_at: parse_ts(&r.get::<_, String>(13)?)?,
    })
}

pub fn windows(conn: &Connection) -> Result<Vec<MaintenanceWindow>> {
    let mut stmt = conn
        .prepare_cached(&format!("SELECT {WINDOW_COLUMNS} FROM maintenance_windows ORDER BY id"))?;
    let rows = stmt.query_map([], window_from)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Saves a window: a new one when `id` is None. Returns its id.
pub fn save_window(conn: &Connection, id: Option<i64>, w: &MaintenanceWindow) -> Result<i64> {
    let (scope, customer, tag) = scope_columns(w.scope);
    let (kind, starts, ends, weekdays, start_minute, duration, zone) = match &w.schedule {
        Schedule::Once { start, end } => {
            ("once", Some(ts(*start)), Some(ts(*end)), None, None, None, None)
        }
        Schedule::Weekly { weekdays, start_minute, duration_minutes, time_zone } => (
            "weekly",
            None,
            None,
            Some(*weekdays as i64),
            Some(*start_minute as i64),
            Some(*duration_minutes as i64),
            Some(time_zone.clone()),
        ),
    };
    match id {
        None => {
            conn.execute(
                "INSERT INTO maintenance_windows (scope, customer_id, tag_id, kind, starts_at, ends_at,
                     weekdays, start_minute, duration_minutes, time_zone, note, created_by, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                params![
                    scope, customer, tag, kind, starts, ends, weekdays, start_minute, duration, zone,
                    w.note, w.created_by, ts(w.created_at)
                ],
            )?;
            Ok(conn.last_insert_rowid())
        }
        Some(id) => {
            let n = conn.execute(
                "UPDATE maintenance_windows SET scope = ?2, customer_id = ?3, tag_id = ?4, kind = ?5,
                     starts_at = ?6, ends_at = ?7, weekdays = ?8, start_minute = ?9,
                     duration_minutes = ?10, time_zone = ?11, note = ?12
                 WHERE id = ?1",
                params![
                    id, scope, customer, tag, kind, starts, ends, weekdays, start_minute, duration,
                    zone, w.note
                ],
            )?;
            if n == 0 { Err(Error::NotFound("The maintenance window".into())) } else { Ok(id) }
        }
    }
}

pub fn delete_window(conn: &Connection, id: i64) -> Result<()> {
    let n = conn.execute("DELETE FROM maintenance_windows WHERE id = ?1", [id])?;
    if n == 0 { Err(Error::NotFound("The maintenance window".into())) } else { Ok(()) }
}

fn mute_from(r: &Row<'_>) -> rusqlite::Result<Mute> {
    Ok(Mute {
        id: r.get(0)?,
        scope: scope_of(r, 1, 2, 3)?,
        until: r.get::<_, Option<String>>(4)?.map(|s| parse_ts(&s)).transpose()?,
        created_by: r.get(5)?,
        created_at: parse_ts(&r.get::<_, String>(6)?)?,
    })
}

pub fn mutes(conn: &Connection) -> Result<Vec<Mute>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, scope, customer_id, tag_id, until, created_by, created_at FROM mutes ORDER BY id",
    )?;
    let rows = stmt.query_map([], mute_from)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Mutes `scope` until `until`, replacing an earlier mute of the same scope.
pub fn mute(
    conn: &Connection,
    scope: QuietScope,
    until: Option<OffsetDateTime>,
    by: &str,
    at: OffsetDateTime,
) -> Result<()> {
    unmute(conn, scope)?;
    let (kind, customer, tag) = scope_columns(scope);
    conn.execute(
        "INSERT INTO mutes (scope, customer_id, tag_id, until, created_by, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![kind, customer, tag, until.map(ts), by, ts(at)],
    )?;
    Ok(())
}

/// Ends the mutes of `scope`; returns how many there were.
pub fn unmute(conn: &Connection, scope: QuietScope) -> Result<usize> {
    let (kind, customer, tag) = scope_columns(scope);
    Ok(conn.execute(
        "DELETE FROM mutes WHERE scope = ?1 AND customer_id IS ?2 AND tag_id IS ?3",
        params![kind, customer, tag],
    )?)
}

/// Forgets mutes that have ended.
pub fn prune_mutes(conn: &Connection, now: OffsetDateTime) -> Result<usize> {
    Ok(conn.execute("DELETE FROM mutes WHERE until IS NOT NULL AND until <= ?1", [ts(now)])?)
}
