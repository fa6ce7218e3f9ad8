//! The audit log page (administrators): the trail filtered by technician, customer, action,
//! outcome, time and words, paged newest first; exported to CSV; verified against its
//! chain; and kept for a retention.

use super::ConsoleState;
use super::license::{Export, save_download};
use crate::error::IpcResult;
use mssp_core::audit::{AuditEntry as CoreEntry, AuditFilter as CoreFilter, Outcome};
use mssp_core::model::CustomerId;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use ts_rs::TS;

#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    pub id: i64,
    #[serde(with = "time::serde::rfc3339")]
    #[ts(type = "string")]
    pub at: OffsetDateTime,
    pub actor: String,
    /// e.g. `customer.add`, `customer.force_delete`, `admin.login`.
    pub action: String,
    pub target: String,
    /// The customer it was about, when it was one.
    pub customer_id: Option<String>,
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
            customer_id: a.customer_id.map(|c| c.to_string()),
            outcome: a.outcome,
            reason: a.reason,
        }
    }
}

/// The page's filters; every one optional. `action` ending in "." is a family
/// ("customer." for every customer action); `from`/`to` are RFC 3339.
#[derive(Debug, Default, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub customer_id: Option<String>,
    pub action: Option<String>,
    #[ts(type = "Outcome | null")]
    pub outcome: Option<Outcome>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub text: Option<String>,
}

impl AuditFilter {
    fn core(self) -> mssp_core::Result<CoreFilter> {
        let time =
            |field: &'static str, v: Option<String>| -> mssp_core::Result<Option<OffsetDateTime>> {
                match v.filter(|s| !s.trim().is_empty()) {
                    None => Ok(None),
                    Some(s) => OffsetDateTime::parse(s.trim(), &Rfc3339)
                        .map(Some)
                        .map_err(|_| mssp_core::Error::field(field, "Enter a date and time.")),
                }
            };
        let blank = |v: Option<String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        Ok(CoreFilter {
            actor: blank(self.actor),
            customer: match blank(self.customer_id) {
                Some(id) => Some(id.parse::<CustomerId>()?),
                None => None,
            },
            action: blank(self.action),
            outcome: self.outcome,
            from: time("from", self.from)?,
            to: time("to", self.to)?,
            text: blank(self.text),
        })
    }
}

#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    /// Pass as `before` for the next (older) page; null on the last.
    pub next_before: Option<i64>,
}

#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AuditVerification {
    /// Every entry matched its chain and nothing was removed.
    pub intact: bool,
    pub verified: usize,
    /// The first entry that does not match: it was edited, or one before it was inserted
    /// or deleted.
    pub first_mismatch: Option<AuditEntry>,
    /// The newest entries were removed, or a mark was edited.
    pub marks_broken: Option<String>,
    /// Entries written while the keychain was locked, not chained yet.
    pub pending: usize,
}

/// The newest `limit` entries (1 to 1,000), newest first.
#[tauri::command(async)]
pub fn list_audit(console: ConsoleState<'_>, limit: u32) -> IpcResult<Vec<AuditEntry>> {
    Ok(console.audit_log(limit)?.into_iter().map(AuditEntry::from).collect())
}

/// One page of the filtered trail (`limit` 1–500), before entry `before` (null: newest).
#[tauri::command(async)]
pub fn audit_page(
    console: ConsoleState<'_>,
    filter: AuditFilter,
    before: Option<i64>,
    limit: u32,
) -> IpcResult<AuditPage> {
    let page = console.audit_page(&filter.core()?, before, limit)?;
    Ok(AuditPage {
        entries: page.entries.into_iter().map(AuditEntry::from).collect(),
        next_before: page.next_before,
    })
}

/// The filtered trail as CSV in the Downloads folder.
#[tauri::command(async)]
pub fn export_audit<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    console: ConsoleState<'_>,
    filter: AuditFilter,
) -> IpcResult<Export> {
    let csv = console.export_audit_csv(&filter.core()?)?;
    let day = OffsetDateTime::now_utc().date();
    Ok(save_download(&app, &format!("mssp-audit-{day}.csv"), csv.as_bytes())?)
}

/// "Verify integrity".
#[tauri::command]
pub async fn verify_audit(console: ConsoleState<'_>) -> IpcResult<AuditVerification> {
    let v = console.verify_audit().await?;
    Ok(AuditVerification {
        intact: v.first_mismatch.is_none() && v.marks_broken.is_none(),
        verified: v.verified,
        first_mismatch: v.first_mismatch.map(AuditEntry::from),
        marks_broken: v.marks_broken,
        pending: v.pending,
    })
}

#[tauri::command(async)]
pub fn get_audit_retention(console: ConsoleState<'_>) -> IpcResult<u32> {
    Ok(console.audit_retention_days()?)
}

/// Sets the retention (30–3,650 days; audited) and prunes now; answers how many went.
#[tauri::command]
pub async fn set_audit_retention(console: ConsoleState<'_>, days: u32) -> IpcResult<usize> {
    Ok(console.set_audit_retention_days(days).await?)
}
