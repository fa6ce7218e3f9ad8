//! The monitor's scheduler: a queue of (due time, customer), each check on its own task
//! behind a semaphore, results fed back to schedule the next check; "Check now", reloads on
//! customer or settings changes, periodic flushes and pruning.
//!
//! Must never run two checks of one customer at once, never check more than
//! [`CONCURRENCY`](super::CONCURRENCY) customers at once, and never check all customers in the
//! same instant after a start.

use super::{CONCURRENCY, Monitor};
use crate::events::ConsoleEvent;
use crate::model::{Customer, CustomerId};
use crate::store::customers;
use crate::tasks::OnDrop;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, mpsc};
use tokio::time::Instant;

/// At most this much of the first round's spread per customer (see `Schedule::reload`).
const INITIAL_SPREAD_PER_CUSTOMER: Duration = Duration::from_millis(20);
/// How often buffered samples are written and ended notification bursts are summarized.
const FLUSH_EVERY: Duration = Duration::from_secs(15);
const PRUNE_EVERY: Duration = Duration::from_secs(6 * 3600);
/// How often the scheduler looks for a sleep of the machine (the wall clock running ahead
/// of the monotonic one, which stops while the machine sleeps).
const WAKE_CHECK_EVERY: Duration = Duration::from_secs(5);

enum Command {
    CheckNow(CustomerId),
    Reload,
    Stop,
}

/// Controls the background monitor started by [`Monitor::spawn`]. Dropping it does not stop
/// it.
#[derive(Clone)]
pub struct MonitorHandle {
    tx: mpsc::UnboundedSender<Command>,
}

impl MonitorHandle {
    /// Checks this customer as soon as a slot is free.
    pub fn check_now(&self, id: CustomerId) {
        let _ = self.tx.send(Command::CheckNow(id));
    }

    /// Re-reads the customer list and the settings.
    pub fn reload(&self) {
        let _ = self.tx.send(Command::Reload);
    }

    pub fn stop(&self) {
        let _ = self.tx.send(Command::Stop);
    }
}

impl Monitor {
    /// Starts scheduled monitoring of every customer. Must be called inside a tokio runtime.
    pub fn spawn(self: &Arc<Self>) -> MonitorHandle {
        let (tx, rx) = mpsc::unbounded_channel();
        let handle = MonitorHandle { tx };
        tokio::spawn(relay_changes(self.ctx.events.subscribe(), handle.clone()));
        tokio::spawn(run(self.clone(), rx));
        handle
    }
}

/// Customer changes and settings changes reach the scheduler as reloads.
async fn relay_changes(mut events: broadcast::Receiver<ConsoleEvent>, relay: MonitorHandle) {
    loop {
        match events.recv().await {
            Ok(ConsoleEvent::CustomersChanged | ConsoleEvent::MonitorSettingsChanged) => {
                relay.reload()
            }
            Ok(_) => {}
            Err(broadcast::error::RecvError::Lagged(_)) => relay.reload(),
            Err(broadcast::error::RecvError::Closed) => break,
        }
        if relay.tx.is_closed() {
            break;
        }
    }
}

/// Who is due when. The one due time that counts per customer is in `due_at`; queue entries
/// that disagree are stale (a "Check now" or a reschedule superseded them) and are skipped.
#[derive(Default)]
struct Schedule {
    queue: BinaryHeap<Reverse<(Instant, CustomerId)>>,
    due_at: HashMap<CustomerId, Instant>,
    customers: HashMap<CustomerId, Customer>,
    in_flight: HashSet<CustomerId>,
}

impl Schedule {
    fn set_due(&mut self, id: CustomerId, at: Instant) {
        self.due_at.insert(id, at);
        self.queue.push(Reverse((at, id)));
    }

    fn next_due(&self) -> Instant {
        self.queue
            .peek()
            .map(|Reverse((t, _))| *t)
            .unwrap_or_else(|| Instant::now() + Duration::from_secs(3600))
    }

    /// The customers due now that are not being checked already.
    fn take_due(&mut self) -> Vec<Customer> {
        let now = Instant::now();
        let mut due = Vec::new();
        while let Some(Reverse((at, id))) = self.queue.peek().copied() {
            if at > now {
                break;
            }
            self.queue.pop();
            if self.due_at.get(&id) != Some(&at) {
                continue;
            }
            if let Some(customer) = self.customers.get(&id)
                && self.in_flight.insert(id)
            {
                due.push(customer.clone());
            }
        }
        due
    }

    /// Takes the fresh customer list. New customers are spread over the interval so 10,000
    /// customers are not all checked in the same second, but over no more than 20 ms per
    /// customer: a handful are checked at once, and the window is not grey for a whole
    /// interval after start.
    fn reload(&mut self, list: Vec<Customer>, interval: Duration) {
        let fresh: HashMap<_, _> = list.into_iter().map(|c| (c.id, c)).collect();
        let new: Vec<_> =
            fresh.keys().filter(|id| !self.customers.contains_key(id)).copied().collect();
        let n = new.len().max(1) as u32;
        let spread = interval.min(INITIAL_SPREAD_PER_CUSTOMER * n);
        let first_start = self.customers.is_empty();
        let now = Instant::now();
        for (i, id) in new.into_iter().enumerate() {
            let offset = if first_start { spread * i as u32 / n } else { Duration::ZERO };
            self.set_due(id, now + offset);
        }
        self.due_at.retain(|id, _| fresh.contains_key(id));
        self.customers = fresh;
    }

    /// After a sleep: every customer is checked again first, spread as at a start.
    fn recheck_all(&mut self, interval: Duration) {
        let ids: Vec<CustomerId> = self.customers.keys().copied().collect();
        let n = ids.len().max(1) as u32;
        let spread = interval.min(INITIAL_SPREAD_PER_CUSTOMER * n);
        let now = Instant::now();
        for (i, id) in ids.into_iter().enumerate() {
            self.set_due(id, now + spread * i as u32 / n);
        }
    }
}

async fn run(monitor: Arc<Monitor>, mut commands: mpsc::UnboundedReceiver<Command>) {
    let permits = Arc::new(tokio::sync::Semaphore::new(CONCURRENCY));
    let (done_tx, mut done_rx) = mpsc::unbounded_channel::<(CustomerId, Duration)>();
    let mut schedule = Schedule::default();
    let mut flush_tick = tokio::time::interval(FLUSH_EVERY);
    let mut prune_tick = tokio::time::interval(PRUNE_EVERY);
    let mut wake_tick = tokio::time::interval(WAKE_CHECK_EVERY);
    let mut clocks = (monitor.ctx.now(), Instant::now());
    reload(&monitor, &mut schedule);

    loop {
        tokio::select! {
            _ = tokio::time::sleep_until(schedule.next_due()) => {
                for customer in schedule.take_due() {
                    let (monitor, permits, done) = (monitor.clone(), permits.clone(), done_tx.clone());
                    tokio::spawn(async move {
                        // Back in the queue however the check ends (a panic included), so a
                        // customer is never left "in flight" and unchecked forever.
                        let retry = Duration::from_secs(monitor.settings().retry_secs);
                        let id = customer.id;
                        let requeue = OnDrop::new({
                            let done = done.clone();
                            move || { let _ = done.send((id, retry)); }
                        });
                        let Ok(_permit) = permits.acquire_owned().await else { return };
                        let next = monitor.check_supervised(customer).await;
                        requeue.disarm();
                        let _ = done.send((id, next));
                    });
                }
            }
            Some((id, next)) = done_rx.recv() => {
                schedule.in_flight.remove(&id);
                if schedule.customers.contains_key(&id) {
                    schedule.set_due(id, Instant::now() + next);
                }
            }
            command = commands.recv() => match command {
                Some(Command::CheckNow(id)) => schedule.set_due(id, Instant::now()),
                Some(Command::Reload) => reload(&monitor, &mut schedule),
                Some(Command::Stop) | None => break,
            },
            _ = flush_tick.tick() => monitor.flush(),
            _ = prune_tick.tick() => monitor.prune(),
            _ = wake_tick.tick() => {
                let now = (monitor.ctx.now(), Instant::now());
                let monotonic = time::Duration::try_from(now.1 - clocks.1).unwrap_or(time::Duration::MAX);
                if now.0 - clocks.0 - monotonic > super::SLEPT_AFTER {
                    tracing::info!("the machine slept: every customer is checked again first");
                    let interval = Duration::from_secs(monitor.settings().interval_secs);
                    schedule.recheck_all(interval);
                }
                clocks = now;
            }
        }
    }
    monitor.flush();
}

fn reload(monitor: &Monitor, schedule: &mut Schedule) {
    match monitor.ctx.store.read(customers::list) {
        Ok(list) => {
            let interval = Duration::from_secs(monitor.settings().interval_secs);
            schedule.reload(list, interval);
            monitor.emit_counts();
        }
        Err(e) => tracing::error!(error = %e, "monitor could not read the customers"),
    }
}
