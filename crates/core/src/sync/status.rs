//! What the sync service knows between runs: each customer's last status, who is running,
//! who is backing off and until when, the per-customer gate that keeps one sync per customer,
//! and the one Sync All slot.
//!
//! Must never hold a lock across an `.await`.

use crate::locks::lock;
use crate::model::CustomerId;
pub use crate::model::{SyncState, SyncStatus};
use crate::store::sync::RunRow;
use backon::{BackoffBuilder, ExponentialBackoff, ExponentialBuilder};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// First and longest wait before a customer that keeps failing is synced again on schedule.
const BACKOFF_MIN: Duration = Duration::from_secs(60);
const BACKOFF_MAX: Duration = Duration::from_secs(3600);

struct Backoff {
    delays: ExponentialBackoff,
    not_before: Instant,
}

/// The status a finished run leaves.
pub(crate) fn status_of(run: &RunRow) -> SyncStatus {
    SyncStatus {
        state: if run.success { SyncState::Success } else { SyncState::Failed },
        at: Some(run.finished_at()),
        reason: run.reason.clone(),
    }
}

#[derive(Default)]
pub(crate) struct Syncer {
    gates: Mutex<HashMap<CustomerId, Arc<tokio::sync::Mutex<()>>>>,
    running: Mutex<HashSet<CustomerId>>,
    last: Mutex<HashMap<CustomerId, SyncStatus>>,
    backoff: Mutex<HashMap<CustomerId, Backoff>>,
    /// Failed runs in a row, per customer (for "sync failing N times in a row" alerts).
    failures: Mutex<HashMap<CustomerId, u32>>,
    pub(crate) sync_all: Mutex<Option<Arc<AtomicBool>>>,
}

impl Syncer {
    /// Loads every customer's last run, so the Status column is right from the start.
    pub(crate) fn restore(&self, runs: HashMap<CustomerId, RunRow>) {
        let mut last = lock(&self.last);
        for (id, run) in runs {
            last.insert(id, status_of(&run));
        }
    }

    pub(crate) fn status(&self, id: CustomerId) -> SyncStatus {
        let mut status = lock(&self.last).get(&id).cloned().unwrap_or_else(SyncStatus::never);
        if lock(&self.running).contains(&id) {
            status.state = SyncState::Running;
        }
        status
    }

    pub(crate) fn set_running(&self, id: CustomerId, running: bool) {
        let mut set = lock(&self.running);
        if running {
            set.insert(id);
        } else {
            set.remove(&id);
        }
    }

    /// Records how a run ended; returns the failed runs in a row (0 after a success).
    pub(crate) fn finish(&self, id: CustomerId, status: SyncStatus) -> u32 {
        let ok = status.state == SyncState::Success;
        lock(&self.last).insert(id, status);
        self.set_running(id, false);
        self.note_outcome(id, ok);
        let mut failures = lock(&self.failures);
        let n = failures.entry(id).or_default();
        *n = if ok { 0 } else { n.saturating_add(1) };
        *n
    }

    /// A sync that ended without finishing (it panicked): not running any more, failed with
    /// `reason`, and backing off like any failure.
    pub(crate) fn failed(&self, id: CustomerId, reason: String) -> SyncStatus {
        let status = SyncStatus {
            state: SyncState::Failed,
            at: Some(time::OffsetDateTime::now_utc()),
            reason: Some(reason),
        };
        self.finish(id, status.clone());
        status
    }

    pub(crate) fn forget(&self, id: CustomerId) {
        lock(&self.last).remove(&id);
        lock(&self.backoff).remove(&id);
        lock(&self.gates).remove(&id);
        lock(&self.failures).remove(&id);
    }

    /// The gate that keeps one sync per customer at a time.
    pub(crate) fn gate(&self, id: CustomerId) -> Arc<tokio::sync::Mutex<()>> {
        lock(&self.gates).entry(id).or_default().clone()
    }

    /// How long a customer that keeps failing waits before its next scheduled sync; None
    /// when it is not backing off.
    pub(crate) fn backoff_remaining(&self, id: CustomerId) -> Option<Duration> {
        lock(&self.backoff)
            .get(&id)
            .and_then(|b| b.not_before.checked_duration_since(Instant::now()))
    }

    fn note_outcome(&self, id: CustomerId, ok: bool) {
        let mut backoff = lock(&self.backoff);
        if ok {
            backoff.remove(&id);
            return;
        }
        let entry = backoff.entry(id).or_insert_with(|| Backoff {
            delays: ExponentialBuilder::default()
                .with_min_delay(BACKOFF_MIN)
                .with_max_delay(BACKOFF_MAX)
                .with_factor(2.0)
                .with_jitter()
                .without_max_times()
                .build(),
            not_before: Instant::now(),
        });
        let delay = entry.delays.next().unwrap_or(BACKOFF_MAX);
        entry.not_before = Instant::now() + delay;
    }
}
