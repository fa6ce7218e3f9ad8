//! The façade's data-sync operations: Sync Now, Sync All, a customer's last snapshot, and
//! the sync interval.

use super::Console;
use crate::audit::AuditAction as A;
use crate::auth::Permission as P;
use crate::customers::CustomerView;
use crate::error::Result;
use crate::model::CustomerId;
use crate::sync::{BatchId, CustomerDetails, Progress, SyncSettings, SyncStatus, Trigger};

impl Console {
    /// "Sync Now" for one customer.
    pub async fn sync_customer(&self, id: CustomerId) -> Result<(CustomerView, SyncStatus)> {
        let (actor, customer) = self.on(P::CheckAndSync, id)?;
        let status = self.sync.sync_customer(id, Trigger::Manual, &actor.username);
        Ok((self.view(customer), status.await?))
    }

    /// "Sync All": every customer this session reaches, in the background, reporting to
    /// `progress`. Returns the batch and how many will be synced. Must be called inside a
    /// tokio runtime.
    pub fn sync_all(
        &self,
        progress: impl FnMut(Progress) + Send + 'static,
    ) -> Result<(BatchId, usize)> {
        let actor = self.actor(P::CheckAndSync)?;
        let ids = self.views(&actor)?.into_iter().map(|v| v.customer.id);
        self.sync.start_all(ids.collect(), actor.username, progress)
    }

    /// The bulk bar's "Sync Now": the chosen customers (each one this session must see), in
    /// the background like Sync All, which it shares a slot with.
    pub fn sync_customers(
        &self,
        ids: &[CustomerId],
        progress: impl FnMut(Progress) + Send + 'static,
    ) -> Result<(BatchId, usize)> {
        let actor = self.actor(P::CheckAndSync)?;
        let chosen = self.visible_all(&actor, ids)?.into_iter().map(|c| c.id).collect();
        self.sync.start_all(chosen, actor.username, progress)
    }

    pub fn cancel_sync_all(&self) -> Result<()> {
        self.actor(P::CheckAndSync).map(|_| self.sync.cancel_all())
    }

    /// The last synced snapshot and sync history of a customer (works offline).
    pub fn customer_details(&self, id: CustomerId) -> Result<CustomerDetails> {
        self.sync.details(self.on(P::View, id)?.1)
    }

    pub fn sync_settings(&self) -> Result<SyncSettings> {
        self.actor(P::View).map(|_| self.sync.settings())
    }

    pub fn set_sync_settings(&self, new: SyncSettings) -> Result<()> {
        self.sessions.audited_now(A::SyncSettings, "data sync", |_| self.sync.set_settings(new))
    }
}
