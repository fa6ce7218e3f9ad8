//! License Management: the MSSP license and its pool, each customer's allocation and usage
//! (Edit License, Allocation Details), the usage alert threshold, and the CSV report.

use super::{ConsoleState, CustomerRef};
use crate::error::IpcResult;
use mssp_core::licensing::{
    self as core, AllocationDetails as CoreDetails, LicenseOverview as CoreOverview,
};
use mssp_core::model::PushState;
use mssp_core::store::licensing::Counts;
use serde::Serialize;
use std::collections::BTreeMap;
use time::OffsetDateTime;
use ts_rs::TS;

/// The applied license, with its expiry judged by the core (`expiringSoon`: ≤ 30 days).
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LicenseInfo {
    pub license_id: String,
    pub licensee: String,
    pub edition: String,
    #[serde(with = "time::serde::rfc3339")]
    #[ts(type = "string")]
    pub expires_at: OffsetDateTime,
    pub days_left: i64,
    pub expiring_soon: bool,
    pub expired: bool,
}

/// One resource of the pool; `overBy` is how far allocations exceed a smaller new pool.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PoolLine {
    pub resource: String,
    pub label: String,
    pub total: u64,
    pub allocated: u64,
    pub in_use: u64,
    pub available: u64,
    pub over_by: u64,
}

#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LicenseCustomer {
    pub customer_id: String,
    pub name: String,
    pub allocation: Counts,
    /// Null before the first sync.
    pub usage: Option<Counts>,
    #[ts(type = "\"none\" | \"applied\" | \"pending\" | \"failed\"")]
    pub push_state: &'static str,
    /// Resources whose usage is at or above the threshold.
    pub alerts: Vec<String>,
}

#[derive(Debug, Serialize, TS)]
pub struct LicenseOverview {
    pub license: Option<LicenseInfo>,
    pub threshold: u8,
    pub resources: Vec<PoolLine>,
    pub customers: Vec<LicenseCustomer>,
}

fn push_state(p: Option<PushState>) -> &'static str {
    p.map(PushState::as_str).unwrap_or("none")
}

impl From<CoreOverview> for LicenseOverview {
    fn from(o: CoreOverview) -> Self {
        let license = o.license.map(|l| LicenseInfo {
            license_id: l.row.license_id,
            licensee: l.row.licensee,
            edition: l.row.edition,
            expires_at: l.row.expires_at,
            days_left: l.days_left,
            expiring_soon: l.expiring_soon,
            expired: l.expired,
        });
        let resources = o.pool.into_iter().map(|p| PoolLine {
            resource: p.resource,
            label: p.label,
            total: p.total,
            allocated: p.allocated,
            in_use: p.in_use,
            available: p.available,
            over_by: p.over_by,
        });
        let customers = o.customers.into_iter().map(|c| LicenseCustomer {
            customer_id: c.id.to_string(),
            name: c.name,
            allocation: c.allocation,
            usage: c.usage,
            push_state: push_state(c.push_state),
            alerts: c.alerts,
        });
        Self {
            license,
            threshold: o.threshold,
            resources: resources.collect(),
            customers: customers.collect(),
        }
    }
}

/// A resource in the Allocation Details box: `available` is the free pool plus what this
/// customer already has.
#[derive(Debug, Serialize, TS)]
pub struct Limit {
    pub resource: String,
    pub label: String,
    pub total: u64,
    pub available: u64,
}

/// One customer's allocation; send `version` back with `update_allocation`.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AllocationDetails {
    pub customer_id: String,
    pub name: String,
    pub version: i64,
    pub allocation: Counts,
    pub usage: Option<Counts>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[ts(type = "string | null")]
    pub usage_at: Option<OffsetDateTime>,
    #[ts(type = "\"none\" | \"applied\" | \"pending\" | \"failed\"")]
    pub push_state: &'static str,
    pub push_reason: Option<String>,
    pub changed_by: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[ts(type = "string | null")]
    pub changed_at: Option<OffsetDateTime>,
    pub resources: Vec<Limit>,
    pub alerts: Vec<String>,
}

impl From<CoreDetails> for AllocationDetails {
    fn from(d: CoreDetails) -> Self {
        let state = d.state.as_ref();
        let resources = d.limits.into_iter().map(|l| Limit {
            resource: l.resource,
            label: l.label,
            total: l.total,
            available: l.available,
        });
        Self {
            customer_id: d.customer.id.to_string(),
            name: d.customer.name,
            version: d.version,
            allocation: d.allocation,
            usage_at: d.usage.as_ref().map(|(_, at)| *at),
            usage: d.usage.map(|(u, _)| u),
            push_state: push_state(state.map(|s| s.push_state)),
            push_reason: state.and_then(|s| s.push_reason.clone()),
            changed_by: state.map(|s| s.changed_by.clone()),
            changed_at: state.map(|s| s.changed_at),
            resources: resources.collect(),
            alerts: d.alerts,
        }
    }
}

/// Where an exported file was written.
#[derive(Debug, Serialize, TS)]
pub struct Export {
    pub path: String,
}

#[tauri::command(async)]
pub fn license_overview(console: ConsoleState<'_>) -> IpcResult<LicenseOverview> {
    Ok(console.license_overview()?.into())
}

/// Applies the license file's content (admin only).
#[tauri::command(async)]
pub fn apply_license(console: ConsoleState<'_>, text: String) -> IpcResult<LicenseOverview> {
    Ok(console.apply_license(&text)?.into())
}

#[tauri::command(async)]
pub fn set_license_alert_threshold(
    console: ConsoleState<'_>,
    percent: u8,
) -> IpcResult<LicenseOverview> {
    Ok(console.set_license_alert_threshold(percent)?.into())
}

#[tauri::command(async)]
pub fn allocation_details(
    console: ConsoleState<'_>,
    customer_id: CustomerRef,
) -> IpcResult<AllocationDetails> {
    Ok(console.allocation_details(customer_id.0)?.into())
}

/// Edit License → Update: saves and pushes; field errors are keyed by resource name.
#[tauri::command]
pub async fn update_allocation(
    console: ConsoleState<'_>,
    customer_id: CustomerRef,
    version: i64,
    allocation: BTreeMap<String, i64>,
) -> IpcResult<AllocationDetails> {
    Ok(console.update_allocation(customer_id.0, version, allocation).await?.into())
}

/// Writes the allocation and usage report to the Downloads folder (the only files the
/// webview can cause to be written, with names it does not choose).
#[tauri::command(async)]
pub fn export_license_csv<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    console: ConsoleState<'_>,
) -> IpcResult<Export> {
    let core::Report { file_name, csv } = console.license_report()?;
    Ok(save_download(&app, &file_name, csv.as_bytes())?)
}

/// Saves `bytes` as `file_name` in the Downloads folder (the app-data folder when there is
/// none), readable by the user alone where the OS allows it.
pub(crate) fn save_download<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    file_name: &str,
    bytes: &[u8],
) -> mssp_core::Result<Export> {
    use tauri::Manager;
    let dir = app.path().download_dir().or_else(|_| app.path().app_data_dir()).map_err(|e| {
        mssp_core::Error::Internal(format!("no folder to save {file_name} in: {e}"))
    })?;
    let path = dir.join(file_name);
    std::fs::create_dir_all(&dir)
        .and_then(|()| std::fs::write(&path, bytes))
        .map_err(|e| mssp_core::Error::Internal(format!("writing {}: {e}", path.display())))?;
    Ok(Export { path: path.display().to_string() })
}
