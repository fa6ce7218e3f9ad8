//! The `alert_channels`, `channel_secrets`, `alert_rules` and `alert_deliveries` tables.
//!
//! Must never hold a channel's password or signing secret in the clear: `channel_secrets`
//! holds them sealed by the vault.

use crate::codec::{bad_column, parse_ts, ts};
use crate::error::{Error, Result};
use crate::model::{
    AlertChannel, AlertEvent, AlertRule, ChannelSettings, CustomerId, Delivery, DeliveryOutcome,
    RuleScope, TagId, name_key,
};
use crate::vault::Sealed;
use rusqlite::{Connection, OptionalExtension, Row, params};
use time::OffsetDateTime;

/// Deliveries kept per channel.
pub const DELIVERIES_KEPT: i64 = 200;

fn channel_from(r: &Row<'_>) -> rusqlite::Result<AlertChannel> {
    let settings: String = r.get(2)?;
    Ok(AlertChannel {
        id: r.get(0)?,
        name: r.get(1)?,
        settings: serde_json::from_str(&settings).map_err(bad_column)?,
        enabled: r.get(3)?,
        has_secret: r.get(4)?,
        created_at: parse_ts(&r.get::<_, String>(5)?)?,
    })
}

const CHANNEL_COLUMNS: &str = "c.id, c.name, c.settings, c.enabled, \
     EXISTS (SELECT 1 FROM channel_secrets s WHERE s.channel_id = c.id), c.created_at";

pub fn channels(conn: &Connection) -> Result<Vec<AlertChannel>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {CHANNEL_COLUMNS} FROM alert_channels c ORDER BY c.name_key"
    ))?;
    let rows = stmt.query_map([], channel_from)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn channel(conn: &Connection, id: i64) -> Result<AlertChannel> {
    conn.query_row(
        &format!("SELECT {CHANNEL_COLUMNS} FROM alert_channels c WHERE c.id = ?1"),
        [id],
        channel_from,
    )
    .optional()?
    .ok_or_else(|| Error::NotFound("The alert channel".into()))
}

/// The channel (other than `except`) already named so, ignoring case.
pub fn name_taken(conn: &Connection, name: &str, except: Option<i64>) -> Result<bool> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM alert_channels WHERE name_key = ?1 AND id IS NOT ?2",
            params![name_key(name), except],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// Saves a channel (a new one when `id` is None) and, when given, its sealed secret.
pub fn save_channel(
    conn: &Connection,
    id: Option<i64>,
    name: &str,
    settings: &ChannelSettings,
    enabled: bool,
    secret: Option<&Sealed>,
    at: OffsetDateTime,
) -> Result<i64> {
    let json = serde_json::to_string(settings).map_err(|e| Error::Internal(e.to_string()))?;
    let id = match id {
        None => {
            conn.execute(
                "INSERT INTO alert_channels (name, name_key, kind, settings, enabled, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![name, name_key(name), settings.kind(), json, enabled, ts(at)],
            )?;
            conn.last_insert_rowid()
        }
        Some(id) => {
            let n = conn.execute(
                "UPDATE alert_channels SET name = ?2, name_key = ?3, kind = ?4, settings = ?5, enabled = ?6
                 WHERE id = ?1",
                params![id, name, name_key(name), settings.kind(), json, enabled],
            )?;
            if n == 0 {
                return Err(Error::NotFound("The alert channel".into()));
            }
            id
        }
    };
    if let Some(sealed) = secret {
        conn.execute(
            "INSERT INTO channel_secrets (channel_id, sealed) VALUES (?1, ?2)
             ON CONFLICT (channel_id) DO UPDATE SET sealed = excluded.sealed",
            params![id, sealed.0],
        )?;
    }
    Ok(id)
}

pub fn forget_secret(conn: &Connection, id: i64) -> Result<()> {
    conn.execute("DELETE FROM channel_secrets WHERE channel_id = ?1", [id])?;
    Ok(())
}

pub fn secret(conn: &Connection, id: i64) -> Result<Option<Sealed>> {
    Ok(conn
        .query_row("SELECT sealed FROM channel_secrets WHERE channel_id = ?1", [id], |r| {
            r.get::<_, Vec<u8>>(0)
        })
        .optional()?
        .map(Sealed))
}

/// Deletes a channel with its secret, rules and log.
pub fn delete_channel(conn: &Connection, id: i64) -> Result<()> {
    let n = conn.execute("DELETE FROM alert_channels WHERE id = ?1", [id])?;
    if n == 0 { Err(Error::NotFound("The alert channel".into())) } else { Ok(()) }
}

fn rule_from(r: &Row<'_>) -> rusqlite::Result<AlertRule> {
    let events: String = r.get(2)?;
    let scope: String = r.get(3)?;
    let customers: String = r.get(5)?;
    let scope = match scope.as_str() {
        "tag" => RuleScope::Tag(TagId(r.get(4)?)),
        "customers" => RuleScope::Customers(
            serde_json::from_str::<Vec<CustomerId>>(&customers).map_err(bad_column)?,
        ),
        _ => RuleScope::All,
    };
    Ok(AlertRule {
        id: r.get(0)?,
        channel_id: r.get(1)?,
        events: serde_json::from_str::<Vec<AlertEvent>>(&events).map_err(bad_column)?,
        scope,
        sync_failures: r.get::<_, i64>(6)?.clamp(1, 100) as u32,
    })
}

pub fn rules(conn: &Connection) -> Result<Vec<AlertRule>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, channel_id, events, scope, tag_id, customer_ids, sync_failures FROM alert_rules ORDER BY id",
    )?;
    let rows = stmt.query_map([], rule_from)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Saves a rule (a new one when `rule.id` is 0).
pub fn save_rule(conn: &Connection, rule: &AlertRule, at: OffsetDateTime) -> Result<i64> {
    let events = serde_json::to_string(&rule.events).map_err(|e| Error::Internal(e.to_string()))?;
    let (scope, tag, customers) = match &rule.scope {
        RuleScope::All => ("all", None, "[]".to_owned()),
        RuleScope::Tag(t) => ("tag", Some(t.0), "[]".to_owned()),
        RuleScope::Customers(ids) => (
            "customers",
            None,
            serde_json::to_string(ids).map_err(|e| Error::Internal(e.to_string()))?,
        ),
    };
    if rule.id == 0 {
        conn.execute(
            "INSERT INTO alert_rules (channel_id, events, scope, tag_id, customer_ids, sync_failures, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![rule.channel_id, events, scope, tag, customers, rule.sync_failures, ts(at)],
        )?;
        Ok(conn.last_insert_rowid())
    } else {
        let n = conn.execute(
            "UPDATE alert_rules SET channel_id = ?2, events = ?3, scope = ?4, tag_id = ?5,
                 customer_ids = ?6, sync_failures = ?7
             WHERE id = ?1",
            params![rule.id, rule.channel_id, events, scope, tag, customers, rule.sync_failures],
        )?;
        if n == 0 { Err(Error::NotFound("The routing rule".into())) } else { Ok(rule.id) }
    }
}

pub fn delete_rule(conn: &Connection, id: i64) -> Result<()> {
    let n = conn.execute("DELETE FROM alert_rules WHERE id = ?1", [id])?;
    if n == 0 { Err(Error::NotFound("The routing rule".into())) } else { Ok(()) }
}

/// Logs one delivery attempt and keeps only the channel's last [`DELIVERIES_KEPT`].
pub fn log_delivery(conn: &Connection, channel: i64, d: &Delivery) -> Result<()> {
    conn.execute(
        "INSERT INTO alert_deliveries (channel_id, at, event, attempt, outcome, detail)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![channel, ts(d.at), d.event, d.attempt, d.outcome.as_str(), d.detail],
    )?;
    conn.execute(
        "DELETE FROM alert_deliveries WHERE channel_id = ?1 AND id <= (
             SELECT id FROM alert_deliveries WHERE channel_id = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)",
        params![channel, DELIVERIES_KEPT],
    )?;
    Ok(())
}

/// A channel's log, newest first.
pub fn deliveries(conn: &Connection, channel: i64) -> Result<Vec<Delivery>> {
    let mut stmt = conn.prepare_cached(
        "SELECT at, event, attempt, outcome, detail FROM alert_deliveries
         WHERE channel_id = ?1 ORDER BY id DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![channel, DELIVERIES_KEPT], |r| {
        let outcome: String = r.get(3)?;
        Ok(Delivery {
            at: parse_ts(&r.get::<_, String>(0)?)?,
            event: r.get(1)?,
            attempt: r.get::<_, i64>(2)?.max(0) as u32,
            outcome: match outcome.as_str() {
                "delivered" => DeliveryOutcome::Delivered,
                "failed" => DeliveryOutcome::Failed,
                _ => DeliveryOutcome::GaveUp,
            },
            detail: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
