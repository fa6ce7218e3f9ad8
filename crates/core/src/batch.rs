//! Acting on many customers at once (Sync All, the bulk bar's Sync Now, Check health,
//! Delete and certificate trust, an import): a bounded number at a time, progress as it goes
//! (k of N, failures counted and named with their reason), and cancellation that stops
//! starting new work while what runs finishes.
//!
//! Must never let one customer's failure stop the others, never report a customer twice,
//! and never send progress more often than a window can draw it.

use crate::error::Error;
use crate::locks::lock;
use crate::model::CustomerId;
use futures_util::StreamExt;
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Progress messages come at most this often (and at every failure, and at the end).
const PROGRESS_EVERY: Duration = Duration::from_millis(100);

/// A running batch's id, for cancelling it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct BatchId(pub u64);

/// One customer the batch could not act on, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// None for what is not a customer yet (an import's row).
    pub customer_id: Option<CustomerId>,
    pub name: String,
    /// The error's stable code (`unreachable`, `timeout`, …; `failed` for a failed sync).
    pub code: String,
    pub reason: String,
    /// A soft delete failed because of the instance: Force Delete is offered for it.
    pub force_delete_available: bool,
}

impl Failure {
    pub fn of(customer_id: CustomerId, name: &str, e: &Error) -> Self {
        Self {
            customer_id: Some(customer_id),
            name: name.to_owned(),
            code: e.origin_code().to_owned(),
            reason: e.to_string(),
            force_delete_available: e.force_delete_available(),
        }
    }
}

/// How far a batch has come. `failures` holds the failures since the previous message (all
/// of them in the [`Report`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    pub batch: BatchId,
    pub done: usize,
    pub total: usize,
    pub failed: usize,
    pub running: bool,
    pub cancelled: bool,
    pub failures: Vec<Failure>,
}

/// How a batch ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub batch: BatchId,
    pub done: usize,
    pub total: usize,
    pub cancelled: bool,
    pub failures: Vec<Failure>,
}

/// The batches running now, so a person can cancel one.
#[derive(Default)]
pub struct Batches {
    next: AtomicU64,
    running: Mutex<HashMap<BatchId, Arc<AtomicBool>>>,
}

/// A batch's place among the running ones; dropping it (however the batch ends) frees it.
pub struct Ticket {
    batches: Arc<Batches>,
    pub id: BatchId,
    pub cancel: Arc<AtomicBool>,
}

impl Drop for Ticket {
    fn drop(&mut self) {
        lock(&self.batches.running).remove(&self.id);
    }
}

impl Batches {
    pub fn begin(self: &Arc<Self>) -> Ticket {
        let id = BatchId(self.next.fetch_add(1, Ordering::Relaxed) + 1);
        let cancel = Arc::new(AtomicBool::new(false));
        lock(&self.running).insert(id, cancel.clone());
        Ticket { batches: self.clone(), id, cancel }
    }

    /// Stops the batch from starting more work; false when no such batch runs.
    pub fn cancel(&self, id: BatchId) -> bool {
        match lock(&self.running).get(&id) {
            Some(flag) => {
                flag.store(true, Ordering::Relaxed);
                true
            }
            None => false,
        }
    }
}

/// Runs `op` on each item, `concurrency` at a time, until done or cancelled. `op` answers
/// `Err(failure)` for an item it could not act on.
pub async fn run<T, Op, Fut>(
    batch: BatchId,
    items: Vec<T>,
    concurrency: usize,
    cancel: &AtomicBool,
    op: Op,
    mut progress: impl FnMut(Progress),
) -> Report
where
    Op: Fn(T) -> Fut,
    Fut: Future<Output = Result<(), Failure>>,
{
    let total = items.len();
    let (mut done, mut failures, mut unsent) = (0usize, Vec::new(), Vec::new());
    let message = |done, failed, running, failures: &mut Vec<Failure>| Progress {
        batch,
        done,
        total,
        failed,
        running,
        cancelled: !running && cancel.load(Ordering::Relaxed),
        failures: std::mem::take(failures),
    };
    progress(message(0, 0, true, &mut Vec::new()));
    let mut last_sent = Instant::now();
    let mut stream = futures_util::stream::iter(items)
        .map(|item| {
            let skip = cancel.load(Ordering::Relaxed);
            let work = (!skip).then(|| op(item));
            async move {
                match work {
                    Some(work) => Some(work.await),
                    None => None,
                }
            }
        })
        .buffer_unordered(concurrency.max(1));
    while let Some(outcome) = stream.next().await {
        let Some(outcome) = outcome else { continue };
        done += 1;
        if let Err(failure) = outcome {
            failures.push(failure.clone());
            unsent.push(failure);
        }
        if !unsent.is_empty() || last_sent.elapsed() >= PROGRESS_EVERY {
            progress(message(done, failures.len(), true, &mut unsent));
            last_sent = Instant::now();
        }
    }
    drop(stream);
    progress(message(done, failures.len(), false, &mut unsent));
    Report { batch, done, total, cancelled: cancel.load(Ordering::Relaxed), failures }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn failures_are_named_once_and_cancel_stops_new_work() {
        let batches = Arc::new(Batches::default());
        let ticket = batches.begin();
        let ids: Vec<CustomerId> = (0..50).map(|_| CustomerId::new()).collect();
        let mut messages = Vec::new();
        let cancel = ticket.cancel.clone();
        let report = run(
            ticket.id,
            ids.iter().copied().enumerate().collect(),
            4,
            &ticket.cancel,
            |(i, id): (usize, CustomerId)| {
                let cancel = cancel.clone();
                async move {
                    if i == 9 {
                        cancel.store(true, Ordering::Relaxed);
                    }
                    if i % 3 == 0 { Err(Failure::of(id, "x", &Error::Locked)) } else { Ok(()) }
                }
            },
            |p| messages.push(p),
        )
        .await;
        assert!(report.cancelled);
        assert!(report.done < 50, "no new work after the cancel: {}", report.done);
        let named: usize = messages.iter().map(|m| m.failures.len()).sum();
        assert_eq!(named, report.failures.len(), "each failure in exactly one message");
        let last = messages.last().unwrap();
        assert!(!last.running && last.cancelled);
        assert_eq!(last.done, report.done);
        drop(ticket);
        assert!(!batches.cancel(report.batch), "a finished batch is gone");
    }
}
