//! The façade's bulk actions on chosen customers: Check health, Delete (one Confirm
//! Password for the batch) and Force Delete for those whose instance refused, and trusting
//! changed certificates after a review. Each customer acted on is audited on its own, as
//! when acted on alone; progress and failures go to the caller as the batch runs.
//! (The bulk Sync Now is in `sync.rs`, beside Sync All, whose slot it shares.)

use super::Console;
use crate::audit::Outcome;
use crate::audit::{AuditAction as A, Target};
use crate::auth::Permission as P;
use crate::batch::{self, Failure, Progress, Report};
use crate::error::Result;
use crate::model::{CustomerId, HealthState};
use crate::store::certificates;
use crate::validate::{self, TrustChoice};
use std::collections::HashMap;

/// Deletes run a few at a time: each tells an instance to drop its link.
const DELETE_CONCURRENCY: usize = 8;
/// Trusting a certificate makes one handshake per customer.
const TRUST_CONCURRENCY: usize = 16;

/// A customer whose server presents another certificate than the trusted one, as recorded
/// at its last contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangedCertificate {
    pub customer_id: CustomerId,
    pub name: String,
    pub server: String,
    pub port: u16,
    /// The SHA-256 trusted until now (hex), if one was pinned or seen.
    pub trusted_sha256: String,
    /// The SHA-256 it presents now (hex).
    pub presented_sha256: String,
    pub changed_at: Option<time::OffsetDateTime>,
}

impl Console {
    /// "Check health" on the chosen customers; each whose check failed is listed with why
    /// (code `down` once the monitor counts it down, `check_failed` before that).
    pub async fn check_customers(
        &self,
        ids: &[CustomerId],
        progress: impl FnMut(Progress),
    ) -> Result<Report> {
        let actor = self.actor(P::CheckAndSync)?;
        let chosen = self.visible_all(&actor, ids)?;
        let ticket = self.ctx.batches.begin();
        let check = async |customer: crate::model::Customer| {
            let (health, failed) = self.monitor.check_now_told(&customer).await;
            match failed {
                Some(reason) => Err(Failure {
                    customer_id: Some(customer.id),
                    name: customer.name,
                    code: if health.state == HealthState::Down { "down" } else { "check_failed" }
                        .into(),
                    reason,
                    force_delete_available: false,
                }),
                None => Ok(()),
            }
        };
        let concurrency = crate::monitor::CONCURRENCY;
        Ok(batch::run(ticket.id, chosen, concurrency, &ticket.cancel, check, progress).await)
    }

    /// The bulk bar's "Delete": the actor's password confirmed once, then each customer soft
    /// deleted (its instance told to drop the link) and audited. Those whose instance could
    /// not be told are listed with `force_delete_available`, for [`Self::force_delete_customers`].
    pub async fn delete_customers(
        &self,
        ids: &[CustomerId],
        password: &str,
        progress: impl FnMut(Progress),
    ) -> Result<Report> {
        let actor = self.actor(P::ManageCustomers)?;
        let chosen = self.visible_all(&actor, ids)?;
        if let Err(e) = self.sessions.confirm_password(&actor, password).await {
            let (audit, why) = (&self.ctx.audit, e.to_string());
            let target = format!("{} customers", chosen.len());
            audit.record(&actor.username, A::CustomerDelete, target, Outcome::Failure, Some(&why));
            return Err(e);
        }
        let ticket = self.ctx.batches.begin();
        let delete = async |customer: crate::model::Customer| {
            let deleted = self.customers.delete(&customer).await;
            let target = Target::customer(customer.id, &customer.name);
            self.ctx.audit.result(&actor.username, A::CustomerDelete, target, &deleted, None);
            deleted.map_err(|e| Failure::of(customer.id, &customer.name, &e))
        };
        let (id, cancel) = (ticket.id, &ticket.cancel);
        Ok(batch::run(id, chosen, DELETE_CONCURRENCY, cancel, delete, progress).await)
    }

    /// Force Delete for many: removed here although their instances could not be told, with
    /// one reason for all (each audited with it) and the password confirmed once.
    pub async fn force_delete_customers(
        &self,
        ids: &[CustomerId],
        password: &str,
        reason: &str,
        progress: impl FnMut(Progress),
    ) -> Result<Report> {
        let actor = self.actor(P::ManageCustomers)?;
        let reason = validate::validate_reason(reason)?;
        let chosen = self.visible_all(&actor, ids)?;
        self.sessions.confirm_password(&actor, password).await?;
        let ticket = self.ctx.batches.begin();
        let remove = async |customer: crate::model::Customer| {
            let removed = self.customers.remove_locally(customer.id).await;
            let target = Target::customer(customer.id, &customer.name);
            let audit = &self.ctx.audit;
            audit.result(&actor.username, A::CustomerForceDelete, target, &removed, Some(&reason));
            removed.map_err(|e| Failure::of(customer.id, &customer.name, &e))
        };
        let (id, cancel) = (ticket.id, &ticket.cancel);
        Ok(batch::run(id, chosen, DELETE_CONCURRENCY, cancel, remove, progress).await)
    }

    /// "Review changed certificates": the chosen customers (all visible ones when `ids` is
    /// empty) whose server presented another certificate than the trusted one.
    pub fn changed_certificates(&self, ids: &[CustomerId]) -> Result<Vec<ChangedCertificate>> {
        let actor = self.actor(P::ManageCustomers)?;
        let chosen = if ids.is_empty() {
            self.customers.list()?.into_iter().filter(|c| actor.reaches(c.id)).collect()
        } else {
            self.visible_all(&actor, ids)?
        };
        let mut certs = self.ctx.store.read(certificates::all)?;
        Ok(chosen
            .into_iter()
            .filter_map(|c| {
                let row = certs.remove(&c.id)?;
                Some(ChangedCertificate {
                    customer_id: c.id,
                    name: c.name,
                    server: c.endpoint.server,
                    port: c.endpoint.port,
                    trusted_sha256: row.sha256,
                    presented_sha256: row.changed_to?,
                    changed_at: row.changed_at,
                })
            })
            .collect())
    }

    /// Trusts, for each customer, exactly the certificate the administrator was shown (its
    /// SHA-256): a handshake proves the server presents it now, or that customer fails with
    /// why. Each trust is audited.
    pub async fn trust_certificates(
        &self,
        shown: &[(CustomerId, String)],
        progress: impl FnMut(Progress),
    ) -> Result<Report> {
        let actor = self.actor(P::ManageCustomers)?;
        let ids: Vec<CustomerId> = shown.iter().map(|(id, _)| *id).collect();
        let mut fingerprints: HashMap<CustomerId, String> = shown.iter().cloned().collect();
        let chosen = self.visible_all(&actor, &ids)?;
        let work: Vec<_> = chosen
            .into_iter()
            .filter_map(|c| fingerprints.remove(&c.id).map(|sha| (c, sha)))
            .collect();
        let ticket = self.ctx.batches.begin();
        let trust = async |(customer, sha256): (crate::model::Customer, String)| {
            let choice = TrustChoice::Certificate(sha256);
            let trusted = self.customers.trust_certificate(customer.id, &choice).await;
            let target = Target::customer(customer.id, &customer.name);
            self.ctx.audit.result(&actor.username, A::CertificateTrusted, target, &trusted, None);
            trusted.map(drop).map_err(|e| Failure::of(customer.id, &customer.name, &e))
        };
        let (id, cancel) = (ticket.id, &ticket.cancel);
        Ok(batch::run(id, work, TRUST_CONCURRENCY, cancel, trust, progress).await)
    }

    /// Stops a running bulk action from starting more work; false when it already ended.
    pub fn cancel_batch(&self, id: batch::BatchId) -> Result<bool> {
        self.actor(P::CheckAndSync)?;
        Ok(self.ctx.batches.cancel(id))
    }
}
