//! Data sync: one sync of one customer logs in, checks the build, pulls `data`, pushes the
//! central technicians delegated to that customer, and stores the snapshot and the run in one
//! transaction. Manual ("Sync Now", "Sync All"), after a change, and on a schedule
//! ([`scheduler`]) with bounded concurrency and exponential backoff with jitter for customers
//! that keep failing. After a successful sync, the [`SyncObserver`]s it was given (licensing)
//! act before the sync returns.
//!
//! Must never run two syncs of one customer at once (a second request waits for the running
//! one and takes its result), and never let a failed sync erase the last good snapshot.

pub mod scheduler;
pub mod settings;
mod status;

pub use crate::batch::{BatchId, Failure, Progress, Report};
pub use crate::store::sync::Trigger;
pub use scheduler::SyncHandle;
pub use settings::SyncSettings;
pub use status::{SyncState, SyncStatus};

use crate::CONSOLE_BUILD;
use crate::audit::{AuditAction, Outcome, Target};
use crate::batch;
use crate::client::{Connection, LinkKey};
use crate::context::Context;
use crate::error::{Error, Result};
use crate::events::{ConsoleEvent, SyncObserver};
use crate::gate;
use crate::instance_data::{CentralTechnician, InstanceData};
use crate::locks::lock;
use crate::model::{Customer, CustomerId};
use crate::store::licensing::{self as license_store, Counts};
use crate::store::sync::{self as history, RunRow, Snapshot};
use crate::store::{customers, secrets, technicians};
use crate::tasks::{OnDrop, supervised};
use crate::vault::Secrets;
use status::Syncer;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use time::OffsetDateTime;

/// Syncs in flight at once (Sync All, the schedule).
pub const CONCURRENCY: usize = 64;

/// What the customer detail view shows from the last sync.
#[derive(Debug, Clone)]
pub struct CustomerDetails {
    pub customer: Customer,
    pub sync: SyncStatus,
    pub synced_at: Option<OffsetDateTime>,
    /// The last good snapshot; None until the first successful sync.
    pub data: Option<InstanceData>,
    pub runs: Vec<RunRow>,
}

/// The sync service.
pub struct DataSync {
    ctx: Arc<Context>,
    syncer: Arc<Syncer>,
    settings: Mutex<SyncSettings>,
    observers: Vec<Arc<dyn SyncObserver>>,
}

impl DataSync {
    pub(crate) fn new(
        ctx: Arc<Context>,
        observers: Vec<Arc<dyn SyncObserver>>,
    ) -> Result<Arc<Self>> {
        let settings = ctx.store.read(SyncSettings::load)?;
        let syncer = Arc::new(Syncer::default());
        syncer.restore(ctx.store.read(history::latest_runs)?);
        let hooked = syncer.clone();
        ctx.events.on(move |event| {
            if let ConsoleEvent::CustomerRemoved(id) = event {
                hooked.forget(*id);
            }
        });
        Ok(Arc::new(Self { ctx, syncer, settings: Mutex::new(settings), observers }))
    }

    pub fn settings(&self) -> SyncSettings {
        lock(&self.settings).clone()
    }

    pub fn set_settings(&self, new: SyncSettings) -> Result<()> {
        new.validate()?;
        self.ctx.store.write(|tx| new.save(tx))?;
        *lock(&self.settings) = new;
        Ok(())
    }

    /// A customer's sync status.
    pub fn status(&self, id: CustomerId) -> SyncStatus {
        self.syncer.status(id)
    }

    /// How long a customer that keeps failing waits before its next scheduled sync.
    pub fn backoff(&self, id: CustomerId) -> Option<Duration> {
        self.syncer.backoff_remaining(id)
    }

    /// The last synced snapshot and sync history of a customer (works offline).
    pub fn details(&self, customer: Customer) -> Result<CustomerDetails> {
        let id = customer.id;
        let (snapshot, runs) =
            self.ctx.store.read(|c| Ok((history::snapshot(c, id)?, history::runs(c, id)?)))?;
        let data = snapshot
            .as_ref()
            .map(|s| serde_json::from_str(&s.data))
            .transpose()
            .map_err(|e| Error::Storage(format!("the stored snapshot is damaged: {e}")))?;
        Ok(CustomerDetails {
            customer,
            sync: self.syncer.status(id),
            synced_at: snapshot.as_ref().map(|s| s.synced_at),
            data,
            runs,
        })
    }

    /// Syncs one customer, on a supervised task of its own: however the sync ends (a panic
    /// included), the customer is no longer "Sync in progress" and the reason is recorded.
    /// A second call while one runs waits for it and returns its outcome instead of syncing
    /// again.
    pub async fn sync_customer(
        self: &Arc<Self>,
        id: CustomerId,
        trigger: Trigger,
        actor: &str,
    ) -> Result<SyncStatus> {
        let (sync, actor) = (self.clone(), actor.to_owned());
        let work = async move { sync.sync_one(id, trigger, &actor).await };
        match supervised("the sync", work).await {
            Ok(outcome) => outcome,
            Err(reason) => Ok(self.syncer.failed(id, reason)),
        }
    }

    async fn sync_one(&self, id: CustomerId, trigger: Trigger, actor: &str) -> Result<SyncStatus> {
        let gate = self.syncer.gate(id);
        let _guard = match gate.clone().try_lock_owned() {
            Ok(guard) => guard,
            Err(_) => {
                // Someone else is syncing this customer: wait for them, report their result.
                let _ = gate.lock().await;
                return Ok(self.syncer.status(id));
            }
        };
        let customer = self.ctx.store.read(|c| customers::get(c, id))?;
        self.syncer.set_running(id, true);
        // Released however this ends; a panic is recorded by `sync_customer`.
        let running = OnDrop::new(|| self.syncer.set_running(id, false));
        self.emit_status(id);

        let started_at = self.ctx.now();
        let started = Instant::now();
        let outcome = self.pull_and_push(&customer).await;
        let run = RunRow {
            started_at,
            duration_ms: started.elapsed().as_millis() as u64,
            trigger,
            success: outcome.is_ok(),
            reason: outcome.as_ref().err().cloned(),
        };
        let status = self.save_run(id, &outcome, &run);
        let failures = self.syncer.finish(id, status.clone());
        if failures > 0 {
            let reason = status.reason.clone().unwrap_or_default();
            self.ctx.emit(ConsoleEvent::SyncFailing { customer_id: id, failures, reason });
        }
        running.disarm();
        self.audit(actor, Target::customer(id, &customer.name), trigger, &status);
        self.emit_status(id);
        if status.state == SyncState::Success {
            for observer in &self.observers {
                observer.synced(&customer).await;
            }
        }
        Ok(status)
    }

    /// The snapshot, usage and run in one transaction; a failed run touches only the history.
    fn save_run(
        &self,
        id: CustomerId,
        outcome: &Result<(Snapshot, Counts), String>,
        run: &RunRow,
    ) -> SyncStatus {
        let saved = self.ctx.store.write(|tx| {
            if let Ok((snapshot, usage)) = outcome {
                history::save_snapshot(tx, id, snapshot)?;
                license_store::set_usage(tx, id, usage, snapshot.collected_at)?;
            }
            history::record_run(tx, id, run)
        });
        match saved {
            Ok(()) => status::status_of(run),
            Err(e) => SyncStatus {
                state: SyncState::Failed,
                at: Some(run.finished_at()),
                reason: Some(format!("saving the data: {e}")),
            },
        }
    }

    /// Audits what a person did (Sync Now, Sync All) and every sync that failed; a routine
    /// scheduled sync that succeeded belongs in the sync history only (2,000 customers
    /// every 15 minutes would add 190,000 audit rows a day).
    fn audit(&self, actor: &str, target: Target, trigger: Trigger, status: &SyncStatus) {
        let (outcome, reason) = match &status.reason {
            Some(r) if status.state == SyncState::Failed => (Outcome::Failure, Some(r.as_str())),
            _ => (Outcome::Success, None),
        };
        if outcome == Outcome::Success && trigger != Trigger::Manual {
            return;
        }
        let action = match trigger {
            Trigger::Manual => AuditAction::CustomerSync,
            Trigger::Scheduled => AuditAction::CustomerSyncScheduled,
            Trigger::Change => AuditAction::CustomerSyncAfterChange,
        };
        self.ctx.audit.record(actor, action, target, outcome, reason);
    }

    fn emit_status(&self, id: CustomerId) {
        self.ctx
            .emit(ConsoleEvent::SyncUpdated { customer_id: id, status: self.syncer.status(id) });
    }

    /// The steps of one sync; the error is the reason a person can act on, naming the step.
    async fn pull_and_push(&self, customer: &Customer) -> Result<(Snapshot, Counts), String> {
        let mut conn = gate::connect(&self.ctx, customer)
            .await
            .map_err(|e| reason("reading the credentials", &e))?;
        let outcome = self.steps(customer, &mut conn).await;
        let error = outcome.as_ref().err().map(|(_, e)| e);
        gate::learn(&self.ctx, customer, conn.client(), error.map_or(Ok(()), Err));
        outcome.map_err(|(step, e)| reason(step, &e))
    }

    async fn steps(
        &self,
        customer: &Customer,
        conn: &mut Connection,
    ) -> Result<(Snapshot, Counts), (&'static str, Error)> {
        // The instance proves who it is before anything else; that answer carries its build.
        let about = conn.verify().await.map_err(|e| ("connecting", e))?;
        if about.build != CONSOLE_BUILD {
            let e = Error::BuildMismatch { console: CONSOLE_BUILD, customer: Some(about.build) };
            return Err(("checking the build", e));
        }
        conn.login().await.map_err(|e| ("logging in", e))?;
        self.give_link_key(customer, conn).await.map_err(|e| ("linking", e))?;
        let data = conn.data().await.map_err(|e| ("pulling data", e))?;
        let central =
            self.central_technicians(customer.id).map_err(|e| ("reading the technicians", e))?;
        conn.put_technicians(&central).await.map_err(|e| ("pushing technicians", e))?;
        let (collected_at, usage) = (data.collected_at, data.license.usage.clone());
        let data = data.with_pushed_technicians(&central);
        let json = serde_json::to_string(&data)
            .map_err(|e| ("storing the data", Error::Internal(e.to_string())))?;
        Ok((Snapshot { collected_at, synced_at: self.ctx.now(), data: json }, usage))
    }

    /// A customer integrated before link keys existed gets one now (its id was compared
    /// before the login), so from the next login on it must prove who it is.
    async fn give_link_key(&self, customer: &Customer, conn: &mut Connection) -> Result<()> {
        let Some(secrets) = gate::secrets(&self.ctx, customer.id).await? else { return Ok(()) };
        if secrets.link_key.is_some() {
            return Ok(());
        }
        let key = LinkKey::generate()?;
        conn.link(&self.ctx.identity(), &key).await?;
        let sealed =
            gate::seal(&self.ctx, customer.id, Secrets { link_key: Some(key), ..secrets }).await?;
        self.ctx.store.write(|tx| secrets::put(tx, customer.id, &sealed))
    }

    fn central_technicians(&self, id: CustomerId) -> Result<Vec<CentralTechnician>> {
        let rows = self.ctx.store.read(|c| technicians::delegated_to(c, id))?;
        Ok(rows
            .into_iter()
            .map(|t| CentralTechnician {
                id: t.uid,
                name: t.username,
                email: t.email,
                role: t.role,
            })
            .collect())
    }

    /// Syncs every customer in `customers`, [`CONCURRENCY`] at a time, reporting progress
    /// (each failed sync named with its reason); stops starting new ones when cancelled.
    pub async fn sync_many(
        self: &Arc<Self>,
        batch: BatchId,
        customers: Vec<CustomerId>,
        trigger: Trigger,
        actor: &str,
        cancel: &AtomicBool,
        progress: impl FnMut(Progress),
    ) -> Report {
        let name = |id: CustomerId| {
            let found = self.ctx.store.read(|c| customers::get(c, id));
            found.map_or_else(|_| id.to_string(), |c| c.name)
        };
        let sync_one = |id: CustomerId| async move {
            match self.sync_customer(id, trigger, actor).await {
                Ok(SyncStatus { state: SyncState::Success, .. }) => Ok(()),
                Ok(status) => Err(Failure {
                    customer_id: Some(id),
                    name: name(id),
                    code: "sync_failed".into(),
                    reason: status.reason.unwrap_or_else(|| "the sync failed".into()),
                    force_delete_available: false,
                }),
                Err(e) => Err(Failure::of(id, &name(id), &e)),
            }
        };
        batch::run(batch, customers, CONCURRENCY, cancel, sync_one, progress).await
    }

    /// "Sync All", or the bulk bar's Sync Now: starts syncing `customers` in the background,
    /// reporting progress to `progress`. Returns the batch (to cancel it) and how many will
    /// be synced; `conflict` while another such sync runs. Must be called inside a tokio
    /// runtime.
    pub fn start_all(
        self: &Arc<Self>,
        customers: Vec<CustomerId>,
        actor: String,
        progress: impl FnMut(Progress) + Send + 'static,
    ) -> Result<(BatchId, usize)> {
        let ticket = {
            let mut slot = lock(&self.syncer.sync_all);
            if slot.is_some() {
                return Err(Error::Conflict(
                    "A sync of many customers is already running; cancel it or wait for it.".into(),
                ));
            }
            let ticket = self.ctx.batches.begin();
            *slot = Some(ticket.cancel.clone());
            ticket
        };
        let (batch, total) = (ticket.id, customers.len());
        let sync = self.clone();
        tokio::spawn(async move {
            // The slot and the batch go back however this ends.
            let _free = OnDrop::new(|| {
                lock(&sync.syncer.sync_all).take();
            });
            let cancel = &ticket.cancel;
            sync.sync_many(batch, customers, Trigger::Manual, &actor, cancel, progress).await;
        });
        Ok((batch, total))
    }

    /// Stops a running Sync All from starting more syncs; those running finish.
    pub fn cancel_all(&self) {
        if let Some(flag) = lock(&self.syncer.sync_all).as_ref() {
            flag.store(true, Ordering::Relaxed);
        }
    }
}

/// "pulling data: timed out after 15 s", "logging in: bad credentials", …
fn reason(step: &str, e: &Error) -> String {
    let what = match e {
        Error::Unreachable { detail, .. } => format!("unreachable ({detail})"),
        Error::Timeout { seconds, .. } => format!("timed out after {seconds} s"),
        Error::AuthFailed(_) => "bad credentials".to_owned(),
        Error::BuildMismatch { .. } => format!("build mismatch: {e}"),
        Error::InvalidResponse(why) => format!("invalid response ({why})"),
        other => other.to_string(),
    };
    format!("{step}: {what}")
}
