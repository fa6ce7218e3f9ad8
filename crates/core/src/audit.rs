//! The audit service: writes who did what to which customer or technician, when, and how it
//! ended, and reads the trail back for the audit page (filtered, paged, exported). Every
//! service records through this one handle, with an [`AuditAction`] rather than free text.
//!
//! The trail is tamper-evident: each entry carries an HMAC-SHA256 chained over the previous
//! one, keyed by a key derived from the keychain's data key, so editing, inserting or
//! deleting a row in the database shows in "Verify integrity". An entry written before the
//! key could be read (the keychain still locked) is chained at the next write after it can.
//!
//! Must never record a secret (passwords, tokens), must never let a failed audit write
//! undo or fail the operation it describes (the failure is logged instead), and must never
//! wait for the keychain on the path of a write.

pub use crate::store::audit::{
    AuditAction, AuditEntry, AuditFilter, Outcome, Target, Verification,
};

use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::store::audit::{ChainKey, NewEntry};
use crate::store::{Store, audit, settings};
use crate::vault::Vault;
use std::sync::Arc;
use time::OffsetDateTime;

/// What the chain key is derived for.
pub const CHAIN_PURPOSE: &str = "audit chain v1";
/// Default days the audit keeps; a setting.
pub const DEFAULT_RETENTION_DAYS: u32 = 365;

#[derive(Clone)]
pub struct Audit {
    store: Store,
    clock: Arc<dyn Clock>,
    vault: Vault,
}

impl Audit {
    pub(crate) fn new(store: Store, clock: Arc<dyn Clock>, vault: Vault) -> Self {
        Self { store, clock, vault }
    }

    /// The chain key if the keychain's data key is open (never waits for the keychain).
    fn key(&self) -> Option<ChainKey> {
        self.vault.derived_key_if_open(CHAIN_PURPOSE).map(|k| *k)
    }

    /// The chain key, reading the keychain if need be. Blocking.
    fn key_now(&self) -> Result<ChainKey> {
        self.vault.derived_key(CHAIN_PURPOSE).map(|k| *k)
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
        let key = self.key();
        let entry = NewEntry { at: now, actor: &actor, action, target: &target, outcome, reason };
        let written = self.store.write(|tx| audit::record(tx, key.as_ref(), &entry));
        if let Err(e) = written {
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
        let key = self.key();
        let at = self.clock.now();
        let entry = NewEntry {
            at,
            actor: &actor,
            action,
            target: &target,
            outcome: Outcome::Success,
            reason,
        };
        audit::record(tx, key.as_ref(), &entry)
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

    /// A page of the filtered entries before entry `before`, newest first.
    pub fn page(
        &self,
        filter: &AuditFilter,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<AuditEntry>> {
        self.store.read(|c| audit::page(c, filter, before, limit))
    }

    /// Recomputes the chain from the anchor to the head ("Verify integrity"). Blocking.
    pub fn verify(&self) -> Result<Verification> {
        let key = self.key_now()?;
        self.store.write(|tx| audit::seal_pending(tx, &key))?;
        self.store.read(|c| audit::verify(c, &key))
    }

    pub fn retention_days(&self) -> Result<u32> {
        let kept = self.store.read(|c| settings::get(c, "audit_retention_days"))?;
        Ok(kept.and_then(|v| v.parse().ok()).unwrap_or(DEFAULT_RETENTION_DAYS))
    }

    pub fn set_retention_days(&self, days: u32) -> Result<()> {
        if !(30..=3650).contains(&days) {
            return Err(Error::field("retentionDays", "Keep the audit 30 to 3,650 days."));
        }
        self.store.write(|tx| settings::set(tx, "audit_retention_days", &days.to_string()))
    }

    /// Deletes entries older than the retention, moving the chain's anchor. Blocking.
    pub fn prune(&self) -> Result<usize> {
        let days = self.retention_days()?;
        let before: OffsetDateTime = self.clock.now() - time::Duration::days(days.into());
        let key = self.key_now()?;
        self.store.write(|tx| audit::prune(tx, &key, before))
    }
}
