//! Health monitoring: "Check health", "Check now", a customer's uptime and history, and the
//! Monitoring page's settings.

use super::customers::{Customer, Health};
use super::events::StatusCounts;
use super::{ConsoleState, CustomerRef};
use crate::error::IpcResult;
use mssp_core::model::HealthState;
use mssp_core::monitor::{HealthDetail as CoreDetail, MonitorSettings as CoreSettings};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use ts_rs::TS;

#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct HealthEvent {
    #[serde(with = "time::serde::rfc3339")]
    #[ts(type = "string")]
    pub at: OffsetDateTime,
    pub from: HealthState,
    pub to: HealthState,
    pub reason: Option<String>,
}

/// Check results of one hour (`hour` is its start).
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct HourPoint {
    #[serde(with = "time::serde::rfc3339")]
    #[ts(type = "string")]
    pub hour: OffsetDateTime,
    pub checks: u32,
    pub failures: u32,
    pub avg_latency_ms: Option<u64>,
}

/// A customer's uptime (percent of the known time, null without data), state changes
/// (newest first) and hourly check results (last 7 days, oldest first).
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct HealthDetail {
    pub customer_id: String,
    pub health: Health,
    #[serde(with = "time::serde::rfc3339::option")]
    #[ts(type = "string | null")]
    pub since: Option<OffsetDateTime>,
    #[serde(rename = "uptime24h")]
    pub uptime_24h: Option<f64>,
    #[serde(rename = "uptime7d")]
    pub uptime_7d: Option<f64>,
    pub events: Vec<HealthEvent>,
    pub hourly: Vec<HourPoint>,
}

impl From<CoreDetail> for HealthDetail {
    fn from(d: CoreDetail) -> Self {
        let events = d.events.into_iter();
        let hourly = d.hourly.into_iter();
        Self {
            customer_id: d.customer.id.to_string(),
            health: d.health.into(),
            since: d.since,
            uptime_24h: d.uptime_24h,
            uptime_7d: d.uptime_7d,
            events: events
                .map(|e| HealthEvent { at: e.at, from: e.from, to: e.to, reason: e.reason })
                .collect(),
            hourly: hourly
                .map(|p| HourPoint {
                    hour: p.hour,
                    checks: p.checks,
                    failures: p.failures,
                    avg_latency_ms: p.avg_latency_ms,
                })
                .collect(),
        }
    }
}

/// Monitoring settings as the Monitoring page shows and sends them; validation errors use
/// these keys as `fields`.
#[derive(Debug, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MonitorSettings {
    pub interval_secs: u64,
    pub retry_secs: u64,
    pub failures_to_down: u32,
    pub successes_to_up: u32,
    pub notifications: bool,
    pub reminder_minutes: u64,
    pub retention_days: u32,
    /// Percent of customers failing within one interval before the console checks itself.
    pub offline_share_percent: u8,
    /// `host:port` the console must reach to count itself online ("" = default route and
    /// name resolution only).
    pub probe_address: String,
}

impl From<CoreSettings> for MonitorSettings {
    fn from(s: CoreSettings) -> Self {
        Self {
            interval_secs: s.interval_secs,
            retry_secs: s.retry_secs,
            failures_to_down: s.failures_to_down,
            successes_to_up: s.successes_to_up,
            notifications: s.notifications,
            reminder_minutes: s.reminder_minutes,
            retention_days: s.retention_days,
            offline_share_percent: s.offline_share_percent,
            probe_address: s.probe_address,
        }
    }
}

impl From<MonitorSettings> for CoreSettings {
    fn from(s: MonitorSettings) -> Self {
        Self {
            interval_secs: s.interval_secs,
            retry_secs: s.retry_secs,
            failures_to_down: s.failures_to_down,
            successes_to_up: s.successes_to_up,
            notifications: s.notifications,
            reminder_minutes: s.reminder_minutes,
            retention_days: s.retention_days,
            offline_share_percent: s.offline_share_percent,
            probe_address: s.probe_address,
        }
    }
}

/// "Check health": one sweep, then the customers by state (each one's health reached the
/// window as `health-updated` while it was checked).
#[tauri::command]
pub async fn check_health(console: ConsoleState<'_>) -> IpcResult<StatusCounts> {
    let c = console.check_health().await?;
    Ok(StatusCounts { up: c.up, down: c.down, unknown: c.unknown })
}

#[tauri::command]
pub async fn check_customer_now(console: ConsoleState<'_>, id: CustomerRef) -> IpcResult<Customer> {
    Ok(console.check_customer_now(id.0).await?.into())
}

#[tauri::command(async)]
pub fn customer_health(console: ConsoleState<'_>, id: CustomerRef) -> IpcResult<HealthDetail> {
    Ok(console.customer_health(id.0)?.into())
}

#[tauri::command(async)]
pub fn get_monitor_settings(console: ConsoleState<'_>) -> IpcResult<MonitorSettings> {
    Ok(console.monitor_settings()?.into())
}

#[tauri::command(async)]
pub fn update_monitor_settings(
    console: ConsoleState<'_>,
    settings: MonitorSettings,
) -> IpcResult<MonitorSettings> {
    console.set_monitor_settings(settings.into())?;
    Ok(console.monitor_settings()?.into())
}
