//! The façade's audit page (administrators): the trail filtered and paged from the store,
//! exported to CSV, verified against its chain, and kept for a retention (pruned).

use super::Console;
use crate::audit::{AuditEntry, AuditFilter, Verification};
use crate::auth::Permission as P;
use crate::context::blocking;
use crate::error::Result;
use std::borrow::Cow;

/// Most entries one export writes (a year of a busy console is far less).
pub const EXPORT_MAX: usize = 1_000_000;

/// One page of the audit page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    /// Pass as `before` for the next (older) page; None on the last page.
    pub next_before: Option<i64>,
}

impl Console {
    /// The filtered entries before entry `before`, newest first (keyset paging).
    pub fn audit_page(
        &self,
        filter: &AuditFilter,
        before: Option<i64>,
        limit: u32,
    ) -> Result<AuditPage> {
        self.actor(P::ReadAudit)?;
        let limit = limit.clamp(1, 500);
        let entries = self.ctx.audit.page(filter, before, limit)?;
        let next_before =
            (entries.len() == limit as usize).then(|| entries.last().map(|e| e.id)).flatten();
        Ok(AuditPage { entries, next_before })
    }

    /// The filtered entries as CSV (newest first), formulas defused.
    pub fn export_audit_csv(&self, filter: &AuditFilter) -> Result<String> {
        self.actor(P::ReadAudit)?;
        let header = ["Time", "Technician", "Action", "Target", "Customer id", "Outcome", "Reason"];
        let mut rows: Vec<Vec<Cow<'static, str>>> =
            vec![header.iter().map(|h| Cow::Borrowed(*h)).collect()];
        let mut before = None;
        while rows.len() <= EXPORT_MAX {
            let page = self.ctx.audit.page(filter, before, 1000)?;
            let Some(last) = page.last() else { break };
            before = Some(last.id);
            let done = page.len() < 1000;
            rows.extend(page.into_iter().map(|e| {
                vec![
                    Cow::Owned(crate::codec::ts(e.at)),
                    Cow::Owned(e.actor),
                    Cow::Owned(e.action),
                    Cow::Owned(e.target),
                    Cow::Owned(e.customer_id.map(|c| c.to_string()).unwrap_or_default()),
                    Cow::Borrowed(e.outcome.as_str()),
                    Cow::Owned(e.reason.unwrap_or_default()),
                ]
            }));
            if done {
                break;
            }
        }
        Ok(crate::spreadsheet::to_csv(rows))
    }

    /// "Verify integrity": recomputes the chain; reports the first entry that does not match.
    pub async fn verify_audit(&self) -> Result<Verification> {
        self.actor(P::ReadAudit)?;
        let audit = self.ctx.audit.clone();
        blocking(move || audit.verify()).await
    }

    pub fn audit_retention_days(&self) -> Result<u32> {
        self.actor(P::ReadAudit)?;
        self.ctx.audit.retention_days()
    }

    /// Sets how long the audit keeps entries (administrators, audited) and prunes now.
    pub async fn set_audit_retention_days(&self, days: u32) -> Result<usize> {
        let set = async |_: &crate::auth::Actor| {
            self.ctx.audit.set_retention_days(days)?;
            let audit = self.ctx.audit.clone();
            blocking(move || audit.prune()).await
        };
        let target = format!("{days} days");
        self.sessions.audited(crate::audit::AuditAction::AuditSettings, target, None, set).await
    }

    /// Prunes entries past the retention (the shell calls it at start and every few hours;
    /// needs no session). Returns how many went.
    pub async fn prune_audit(&self) -> Result<usize> {
        let audit = self.ctx.audit.clone();
        blocking(move || audit.prune()).await
    }
}
