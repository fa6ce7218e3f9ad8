//! Data sync: "Sync Now", "Sync All" with its progress on a channel, a customer's last
//! synced snapshot and sync history, and the sync interval.

use super::bulk::{BatchProgress, BatchStarted, to_channel};
use super::customers::{Customer, SyncStatus};
use super::{ConsoleState, CustomerRef};
use crate::error::IpcResult;
use mssp_core::instance_data::{InstanceData, ProxyMode, TechnicianAuth};
use mssp_core::model::{Role, Trigger};
use mssp_core::sync::SyncSettings as CoreSettings;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use tauri::ipc::Channel;
use time::OffsetDateTime;
use ts_rs::TS;

#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SyncRun {
    #[serde(with = "time::serde::rfc3339")]
    #[ts(type = "string")]
    pub started_at: OffsetDateTime,
    pub duration_ms: u64,
    pub trigger: Trigger,
    #[ts(type = "\"success\" | \"failed\"")]
    pub outcome: &'static str,
    pub reason: Option<String>,
}

#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Integration {
    pub enabled: bool,
    pub host: String,
    pub port: u16,
    #[serde(with = "time::serde::rfc3339::option")]
    #[ts(type = "string | null")]
    pub last_heartbeat: Option<OffsetDateTime>,
}

#[derive(Debug, Serialize, TS)]
pub struct Component {
    pub id: String,
    pub name: String,
    pub status: String,
    pub version: String,
    pub integration: Integration,
}

#[derive(Debug, Serialize, TS)]
pub struct ReverseProxy {
    pub enabled: bool,
    pub mode: ProxyMode,
    pub host: String,
    pub port: u16,
}

#[derive(Debug, Serialize, TS)]
pub struct InstanceTechnician {
    pub id: String,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub auth: TechnicianAuth,
    pub enabled: bool,
}

#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct InstanceLicense {
    pub edition: String,
    #[serde(with = "time::serde::rfc3339")]
    #[ts(type = "string")]
    pub expires_at: OffsetDateTime,
    pub usage: BTreeMap<String, u64>,
    pub allocated: BTreeMap<String, u64>,
}

/// The last synced snapshot of a customer's instance.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Snapshot {
    pub components: Vec<Component>,
    pub reverse_proxy: ReverseProxy,
    pub technicians: Vec<InstanceTechnician>,
    pub license: InstanceLicense,
}

impl From<InstanceData> for Snapshot {
    fn from(d: InstanceData) -> Self {
        let components = d.components.into_iter().map(|c| Component {
            id: c.id,
            name: c.name,
            status: c.status,
            version: c.version,
            integration: Integration {
                enabled: c.integration.enabled,
                host: c.integration.host,
                port: c.integration.port,
                last_heartbeat: c.integration.last_heartbeat,
            },
        });
        let technicians = d.technicians.into_iter().map(|t| InstanceTechnician {
            id: t.id,
            name: t.name,
            email: t.email,
            role: t.role,
            auth: t.auth,
            enabled: t.enabled,
        });
        let (proxy, license) = (d.reverse_proxy, d.license);
        Self {
            components: components.collect(),
            reverse_proxy: ReverseProxy {
                enabled: proxy.enabled,
                mode: proxy.mode,
                host: proxy.host,
                port: proxy.port,
            },
            technicians: technicians.collect(),
            license: InstanceLicense {
                edition: license.edition,
                expires_at: license.expires_at,
                usage: license.usage,
                allocated: license.allocated,
            },
        }
    }
}

/// What the last sync brought (works offline): the snapshot (null until the first
/// successful sync) and the runs, newest first.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CustomerDetails {
    pub customer_id: String,
    pub sync: SyncStatus,
    #[serde(with = "time::serde::rfc3339::option")]
    #[ts(type = "string | null")]
    pub synced_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[ts(type = "string | null")]
    pub collected_at: Option<OffsetDateTime>,
    pub snapshot: Option<Snapshot>,
    pub runs: Vec<SyncRun>,
}

impl From<mssp_core::CustomerDetails> for CustomerDetails {
    fn from(d: mssp_core::CustomerDetails) -> Self {
        let runs = d.runs.into_iter().map(|r| SyncRun {
            started_at: r.started_at,
            duration_ms: r.duration_ms,
            trigger: r.trigger,
            outcome: if r.success { "success" } else { "failed" },
            reason: r.reason,
        });
        Self {
            customer_id: d.customer.id.to_string(),
            sync: d.sync.into(),
            synced_at: d.synced_at,
            collected_at: d.data.as_ref().map(|data| data.collected_at),
            snapshot: d.data.map(Snapshot::from),
            runs: runs.collect(),
        }
    }
}

#[derive(Debug, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SyncSettings {
    pub interval_minutes: u64,
}

/// "Sync Now": answers after the sync (a second call while one runs waits for it).
#[tauri::command]
pub async fn sync_customer(console: ConsoleState<'_>, id: CustomerRef) -> IpcResult<Customer> {
    console.sync_customer(id.0).await?;
    Ok(console.customer(id.0)?.into())
}

/// "Sync All": starts in the background and answers with how many will be synced; progress
/// goes to `on_progress`. Async so it runs on the runtime the background sync is spawned on.
#[tauri::command]
pub async fn sync_all(
    console: ConsoleState<'_>,
    on_progress: Channel<BatchProgress>,
) -> IpcResult<BatchStarted> {
    let (batch, total) = console.sync_all(to_channel(on_progress))?;
    Ok(BatchStarted { batch: batch.0, total })
}

#[tauri::command(async)]
pub fn cancel_sync_all(console: ConsoleState<'_>) -> IpcResult<()> {
    Ok(console.cancel_sync_all()?)
}

#[tauri::command(async)]
pub fn customer_details(console: ConsoleState<'_>, id: CustomerRef) -> IpcResult<CustomerDetails> {
    Ok(console.customer_details(id.0)?.into())
}

#[tauri::command(async)]
pub fn get_sync_settings(console: ConsoleState<'_>) -> IpcResult<SyncSettings> {
    Ok(SyncSettings { interval_minutes: console.sync_settings()?.interval_minutes })
}

#[tauri::command(async)]
pub fn update_sync_settings(
    console: ConsoleState<'_>,
    settings: SyncSettings,
) -> IpcResult<SyncSettings> {
    console.set_sync_settings(CoreSettings { interval_minutes: settings.interval_minutes })?;
    get_sync_settings(console)
}
