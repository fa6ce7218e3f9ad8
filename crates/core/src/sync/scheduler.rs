//! Automatic sync: each customer after it is added or edited, everyone after the technicians
//! change, and everyone on the schedule, skipping customers that are running or backing off.
//!
//! Must never start a second sync of a customer that is running (the service's gate makes a
//! second request wait), and never retry a failing customer faster than its backoff allows.

use super::{BatchId, DataSync, SyncState, Trigger};
use crate::events::ConsoleEvent;
use crate::model::CustomerId;
use crate::store::customers;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;
use tokio::sync::{broadcast, mpsc};

/// How often the schedule looks for customers that are due.
const SCHEDULE_TICK: Duration = Duration::from_secs(20);

enum Command {
    SyncOne(CustomerId),
    SyncAll,
    Stop,
}

/// Controls the background sync started by [`DataSync::spawn`].
#[derive(Clone)]
pub struct SyncHandle {
    tx: mpsc::UnboundedSender<Command>,
}

impl SyncHandle {
    pub fn stop(&self) {
        let _ = self.tx.send(Command::Stop);
    }
}

impl DataSync {
    /// Starts automatic sync. Must be called inside a tokio runtime.
    pub fn spawn(self: &Arc<Self>) -> SyncHandle {
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(relay_changes(self.ctx.events.subscribe(), tx.clone()));
        tokio::spawn(run(self.clone(), rx));
        SyncHandle { tx }
    }

    /// Customers whose last sync is older than the interval, not running and not backing off.
    fn due_customers(&self) -> Vec<CustomerId> {
        let interval = time::Duration::minutes(self.settings().interval_minutes as i64);
        let now = self.ctx.now();
        let Ok(list) = self.ctx.store.read(customers::list) else {
            return Vec::new();
        };
        list.into_iter()
            .map(|c| c.id)
            .filter(|id| {
                let status = self.syncer.status(*id);
                status.state != SyncState::Running
                    && status.at.is_none_or(|at| now - at >= interval)
                    && self.syncer.backoff_remaining(*id).is_none()
            })
            .collect()
    }

    fn all_ids(&self) -> Vec<CustomerId> {
        self.ctx
            .store
            .read(customers::list)
            .map(|l| l.into_iter().map(|c| c.id).collect())
            .unwrap_or_default()
    }
}

async fn relay_changes(
    mut events: broadcast::Receiver<ConsoleEvent>,
    tx: mpsc::UnboundedSender<Command>,
) {
    loop {
        let command = match events.recv().await {
            Ok(ConsoleEvent::CustomerSaved(id)) => Command::SyncOne(id),
            Ok(ConsoleEvent::TechniciansChanged) => Command::SyncAll,
            Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => continue,
            Err(broadcast::error::RecvError::Closed) => break,
        };
        if tx.send(command).is_err() {
            break;
        }
    }
}

async fn run(sync: Arc<DataSync>, mut rx: mpsc::UnboundedReceiver<Command>) {
    let mut tick = tokio::time::interval(SCHEDULE_TICK);
    loop {
        let (ids, trigger, actor) = tokio::select! {
            _ = tick.tick() => (sync.due_customers(), Trigger::Scheduled, "scheduler"),
            command = rx.recv() => match command {
                Some(Command::SyncOne(id)) => (vec![id], Trigger::Change, "system"),
                Some(Command::SyncAll) => (sync.all_ids(), Trigger::Change, "system"),
                Some(Command::Stop) | None => break,
            },
        };
        if ids.is_empty() {
            continue;
        }
        let sync = sync.clone();
        tokio::spawn(async move {
            let never = AtomicBool::new(false);
            sync.sync_many(BatchId(0), ids, trigger, actor, &never, |_| {}).await;
        });
    }
}
