//! The bulk bar: Sync Now, Check health, Delete (and Force Delete for those whose instance
//! refused) and certificate trust on many chosen customers, each reporting progress (k of N,
//! failures named with their reason) on the caller's channel, and cancellable.

use super::ConsoleState;
use super::CustomerRefs;
use crate::error::IpcResult;
use mssp_core::batch::{BatchId, Failure, Progress, Report};
use mssp_core::model::CustomerId;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use tauri::ipc::Channel;
use time::OffsetDateTime;
use ts_rs::TS;

/// One customer a bulk action could not act on.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct BatchFailure {
    /// Null for an import row that is not a customer.
    pub customer_id: Option<String>,
    pub name: String,
    pub code: String,
    pub reason: String,
    /// A soft delete failed because of the instance: offer Force Delete for it.
    pub force_delete_available: bool,
}

impl From<Failure> for BatchFailure {
    fn from(f: Failure) -> Self {
        Self {
            customer_id: f.customer_id.map(|id| id.to_string()),
            name: f.name,
            code: f.code,
            reason: f.reason,
            force_delete_available: f.force_delete_available,
        }
    }
}

/// Progress of a bulk action (and of Sync All): `failures` are those since the last message.
#[derive(Debug, Clone, Serialize, TS)]
pub struct BatchProgress {
    #[ts(type = "number")]
    pub batch: u64,
    pub done: usize,
    pub total: usize,
    pub failed: usize,
    pub running: bool,
    pub cancelled: bool,
    pub failures: Vec<BatchFailure>,
}

impl From<Progress> for BatchProgress {
    fn from(p: Progress) -> Self {
        Self {
            batch: p.batch.0,
            done: p.done,
            total: p.total,
            failed: p.failed,
            running: p.running,
            cancelled: p.cancelled,
            failures: p.failures.into_iter().map(BatchFailure::from).collect(),
        }
    }
}

/// How a bulk action ended: every failure with its reason.
#[derive(Debug, Serialize, TS)]
pub struct BatchReport {
    #[ts(type = "number")]
    pub batch: u64,
    pub done: usize,
    pub total: usize,
    pub cancelled: bool,
    pub failures: Vec<BatchFailure>,
}

impl From<Report> for BatchReport {
    fn from(r: Report) -> Self {
        Self {
            batch: r.batch.0,
            done: r.done,
            total: r.total,
            cancelled: r.cancelled,
            failures: r.failures.into_iter().map(BatchFailure::from).collect(),
        }
    }
}

/// A started background sync of many (Sync All, or the bulk bar's Sync Now).
#[derive(Debug, Serialize, TS)]
pub struct BatchStarted {
    #[ts(type = "number")]
    pub batch: u64,
    pub total: usize,
}

/// Sends progress to the window; a window that went away stops listening, the work goes on.
pub(crate) fn to_channel(channel: Channel<BatchProgress>) -> impl FnMut(Progress) + Send + 'static {
    move |p: Progress| {
        let _ = channel.send(p.into());
    }
}

/// The bulk bar's "Sync Now": in the background like Sync All (which it shares a slot
/// with); answers at once with the batch, progress on `on_progress`.
#[tauri::command]
pub async fn sync_customers(
    console: ConsoleState<'_>,
    customer_ids: CustomerRefs,
    on_progress: Channel<BatchProgress>,
) -> IpcResult<BatchStarted> {
    let (batch, total) = console.sync_customers(&customer_ids.0, to_channel(on_progress))?;
    Ok(BatchStarted { batch: batch.0, total })
}

/// "Check health" on the chosen customers; answers when done (those found down listed).
#[tauri::command]
pub async fn check_customers(
    console: ConsoleState<'_>,
    customer_ids: CustomerRefs,
    on_progress: Channel<BatchProgress>,
) -> IpcResult<BatchReport> {
    Ok(console.check_customers(&customer_ids.0, to_channel(on_progress)).await?.into())
}

/// "Delete" on the chosen customers with one Confirm Password; answers when done, those
/// whose instance refused listed with `forceDeleteAvailable`.
#[tauri::command]
pub async fn delete_customers(
    console: ConsoleState<'_>,
    customer_ids: CustomerRefs,
    password: SecretString,
    on_progress: Channel<BatchProgress>,
) -> IpcResult<BatchReport> {
    let pw = password.expose_secret();
    Ok(console.delete_customers(&customer_ids.0, pw, to_channel(on_progress)).await?.into())
}

/// "Force Delete" for many, one reason for all.
#[tauri::command]
pub async fn force_delete_customers(
    console: ConsoleState<'_>,
    customer_ids: CustomerRefs,
    password: SecretString,
    reason: String,
    on_progress: Channel<BatchProgress>,
) -> IpcResult<BatchReport> {
    let (ids, pw) = (&customer_ids.0, password.expose_secret());
    let progress = to_channel(on_progress);
    Ok(console.force_delete_customers(ids, pw, &reason, progress).await?.into())
}

/// A customer whose server presents another certificate than the trusted one.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ChangedCertificate {
    pub customer_id: String,
    pub name: String,
    pub server: String,
    pub port: u16,
    /// `AB:CD:…`, as the review dialog shows fingerprints.
    pub trusted_sha256: String,
    pub presented_sha256: String,
    #[serde(with = "time::serde::rfc3339::option")]
    #[ts(type = "string | null")]
    pub changed_at: Option<OffsetDateTime>,
}

fn shown(hex: &str) -> String {
    mssp_core::trust::Fingerprint::from_hex(hex).map_or_else(|| hex.to_owned(), |f| f.to_string())
}

/// "Review changed certificates": the chosen customers (all when none are chosen) whose
/// server presented another certificate.
#[tauri::command(async)]
pub fn changed_certificates(
    console: ConsoleState<'_>,
    customer_ids: CustomerRefs,
) -> IpcResult<Vec<ChangedCertificate>> {
    Ok(console
        .changed_certificates(&customer_ids.0)?
        .into_iter()
        .map(|c| ChangedCertificate {
            customer_id: c.customer_id.to_string(),
            name: c.name,
            server: c.server,
            port: c.port,
            trusted_sha256: shown(&c.trusted_sha256),
            presented_sha256: shown(&c.presented_sha256),
            changed_at: c.changed_at,
        })
        .collect())
}

/// A certificate the administrator was shown and chose to trust.
#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ShownCertificate {
    pub customer_id: String,
    pub sha256: String,
}

/// Trusts exactly the certificates shown (one by one, or all shown at once); answers when
/// done, each that no longer matches listed with why.
#[tauri::command]
pub async fn trust_certificates(
    console: ConsoleState<'_>,
    certificates: Vec<ShownCertificate>,
    on_progress: Channel<BatchProgress>,
) -> IpcResult<BatchReport> {
    let mut shown = Vec::with_capacity(certificates.len());
    for c in certificates {
        let id: CustomerId = c.customer_id.parse()?;
        shown.push((id, c.sha256));
    }
    Ok(console.trust_certificates(&shown, to_channel(on_progress)).await?.into())
}

/// Stops a bulk action from starting more work; answers false when it already ended.
#[tauri::command(async)]
pub fn cancel_batch(console: ConsoleState<'_>, batch: u64) -> IpcResult<bool> {
    Ok(console.cancel_batch(BatchId(batch))?)
}
