//! The audit service: writes who did what to which customer or technician, when, and how it
//! ended, and reads the trail back. Every service records through this one handle, with an
//! [`AuditAction`] rather than free text.
//!
//! Must never record a secret (passwords, tokens), and must never let a failed audit write
//! undo or fail the operation it describes: the failure is logged instead.

pub use crate::store::audit::{AuditAction, AuditEntry, Outcome, Target};

use crate::clock::Clock;
use crate::error::Result;
use crate::store::{Store, audit};
use std::sync::Arc;

#[derive(Clone)]
pub struct Audit {
    store: Store,
    clock: Arc<dyn Clock>,
}

impl Audit {
    pub(crate) fn new(store: Store, clock: Arc<dyn Clock>) -> Self {
        Self { store, clock }
    }

    pub fn record(
        &self,
        actor: &str,
        action: AuditAction,
        target: impl Into<Target>,
        outcome: Outcome,
        reason: Option<&str>,
    ) {
        let now = self.clock.now();
        let target = target.into();
        // Names typed at the login prompt land here: bounded and cleaned like any text.
        let actor = crate::sanitize::clean(actor, 128);
        if let Err(e) =
            self.store.write(|tx| audit::record(tx, now, &actor, action, &target, outcome, reason))
        {
            tracing::error!(error = %e, action = action.as_str(), "could not write the audit entry");
        }
    }

    /// Records an entry inside the caller's transaction, so the entries of a bulk change
    /// are written with it or not at all.
    pub fn record_in(
        &self,
        tx: &rusqlite::Connection,
        actor: &str,
        action: AuditAction,
        target: impl Into<Target>,
        reason: Option<&str>,
    ) -> Result<()> {
        let actor = crate::sanitize::clean(actor, 128);
        let target = target.into();
        audit::record(tx, self.clock.now(), &actor, action, &target, Outcome::Success, reason)
    }

    /// Records how `result` ended; a failure's message becomes the reason (after `reason`,
    /// when one was given, such as a force-delete reason).
    pub fn result<T>(
        &self,
        actor: &str,
        action: AuditAction,
        target: impl Into<Target>,
        result: &Result<T>,
        reason: Option<&str>,
    ) {
        match result {
            Ok(_) => self.record(actor, action, target, Outcome::Success, reason),
            Err(e) => {
                let why = match reason {
                    Some(reason) => format!("{reason} — failed: {e}"),
                    None => e.to_string(),
                };
                self.record(actor, action, target, Outcome::Failure, Some(&why))
            }
        }
    }

    /// The newest `limit` entries (1 to 1,000), newest first.
    pub fn recent(&self, limit: u32) -> Result<Vec<AuditEntry>> {
        self.store.read(|c| audit::recent(c, limit.clamp(1, 1000)))
    }
}
