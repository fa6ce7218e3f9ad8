//! The audit trail as the window reads it.

use super::ConsoleState;
use crate::error::IpcResult;
use mssp_core::audit::{AuditEntry as CoreEntry, Outcome};
use serde::Serialize;
use time::OffsetDateTime;
use ts_rs::TS;

#[derive(Debug, Serialize, TS)]
pub struct AuditEntry {
    pub id: i64,
    #[serde(with = "time::serde::rfc3339")]
    #[ts(type = "string")]
    pub at: OffsetDateTime,
    pub actor: String,
    /// e.g. `customer.add`, `customer.force_delete`, `admin.login`.
    pub action: String,
    pub target: String,
    pub outcome: Outcome,
    pub reason: Option<String>,
}

impl From<CoreEntry> for AuditEntry {
    fn from(a: CoreEntry) -> Self {
        Self {
            id: a.id,
            at: a.at,
            actor: a.actor,
            action: a.action,
            target: a.target,
            outcome: a.outcome,
            reason: a.reason,
        }
    }
}

/// The newest `limit` entries (1 to 1,000), newest first.
#[tauri::command]
pub fn list_audit(console: ConsoleState<'_>, limit: u32) -> IpcResult<Vec<AuditEntry>> {
    Ok(console.audit_log(limit)?.into_iter().map(AuditEntry::from).collect())
}
