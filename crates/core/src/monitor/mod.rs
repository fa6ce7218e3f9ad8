//! Health monitoring: checks every integrated customer with `GET /mssp/v1/health` on an
//! interval, spread across it, with bounded concurrency; turns each result into Up/Down with
//! hysteresis ([`tracker`]); records state changes and hourly samples; and says what to
//! notify ([`notifier`]). Runs without a session, so it goes on while the console is locked.
//!
//! Must never let one slow instance delay the others (every check is bounded by the client's
//! timeouts and runs beside the rest), never hold more sockets than [`CONCURRENCY`], and
//! never notify the same outage twice (a restart resumes from the stored state).

pub mod notifier;
pub mod tracker;

pub use notifier::Notification;
pub use tracker::{Probe, Tracker, Transition};

use crate::client::{Connection, InstanceStatus};
use crate::console::{Console, ConsoleEvent, blocking};
use crate::error::{Error, FieldErrors, Result};
use crate::model::{Customer, CustomerId, Health, HealthState};
use crate::store::health::{self as history, HourAgg};
use crate::store::{customers, settings};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use time::OffsetDateTime;
use tokio::sync::mpsc;

/// Checks in flight at once, so sockets (file descriptors) are bounded by this, not by the
/// number of customers. Below macOS's default limit of 256 descriptors per process.
pub const CONCURRENCY: usize = 128;

/// At most this much of the first round's spread per customer (see `run`).
const INITIAL_SPREAD_PER_CUSTOMER: Duration = Duration::from_millis(20);

/// How often buffered samples are written and ended notification bursts are summarized.
const FLUSH_EVERY: Duration = Duration::from_secs(15);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MonitorSettings {
    /// Normal time between two checks of one customer (5 s to 1 h).
    pub interval_secs: u64,
    /// Time before re-checking a customer whose check just failed (1 s to the interval).
    pub retry_secs: u64,
    /// Failed checks in a row before a customer is Down.
    pub failures_to_down: u32,
    /// Good checks in a row before a Down customer is Up again.
    pub successes_to_up: u32,
    /// Desktop notifications on or off.
    pub notifications: bool,
    /// Remind while a customer is still down, every this many minutes (0 = never).
    pub reminder_minutes: u64,
    /// Days of history (state changes, hourly samples) kept.
    pub retention_days: u32,
}

impl Default for MonitorSettings {
    fn default() -> Self {
        Self {
            interval_secs: 30,
            retry_secs: 5,
            failures_to_down: 3,
            successes_to_up: 1,
            notifications: true,
            reminder_minutes: 0,
            retention_days: 30,
        }
    }
}

impl MonitorSettings {
    pub fn validate(&self) -> Result<()> {
        let mut e = FieldErrors::new();
        if !(5..=3600).contains(&self.interval_secs) {
            e.insert("intervalSecs", "Check every 5 to 3600 seconds.".into());
        }
        if self.retry_secs < 1 || self.retry_secs > self.interval_secs {
            e.insert(
                "retrySecs",
                "The retry must be at least 1 second and no longer than the check interval.".into(),
            );
        }
        if !(1..=10).contains(&self.failures_to_down) {
            e.insert("failuresToDown", "Choose 1 to 10 failed checks.".into());
        }
        if !(1..=10).contains(&self.successes_to_up) {
            e.insert("successesToUp", "Choose 1 to 10 good checks.".into());
        }
        if self.reminder_minutes > 1440 {
            e.insert(
                "reminderMinutes",
                "Remind at most every 1440 minutes (a day), or 0 for never.".into(),
            );
        }
        if !(1..=365).contains(&self.retention_days) {
            e.insert("retentionDays", "Keep history for 1 to 365 days.".into());
        }
        if e.is_empty() {
            Ok(())
        } else {
            Err(Error::Validation(e))
        }
    }

    fn window(&self) -> time::Duration {
        time::Duration::seconds(self.interval_secs as i64)
    }

    pub(crate) fn load(conn: &rusqlite::Connection) -> Result<Self> {
        Ok(settings::get(conn, "monitor")?
            .and_then(|json| serde_json::from_str::<Self>(&json).ok())
            .filter(|s| s.validate().is_ok())
            .unwrap_or_default())
    }

    pub(crate) fn save(&self, conn: &rusqlite::Connection) -> Result<()> {
        let json = serde_json::to_string(self).map_err(|e| Error::Internal(e.to_string()))?;
        settings::set(conn, "monitor", &json)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SweepReport {
    pub checked: usize,
    pub up: usize,
    pub down: usize,
    pub unknown: usize,
    pub elapsed: Duration,
}

type SharedConnection = Arc<tokio::sync::Mutex<Connection>>;

#[derive(Default)]
struct BoardInner {
    trackers: HashMap<CustomerId, Tracker>,
    /// Customers failing checks but not yet Down: a mass outage in the making.
    failing: usize,
    hourly: HashMap<(CustomerId, OffsetDateTime), HourAgg>,
    notifier: notifier::Notifier,
}

/// Everything the monitor knows, shared by the scheduler, "Check now" and the window.
#[derive(Default)]
pub(crate) struct Board {
    inner: Mutex<BoardInner>,
    connections: Mutex<HashMap<CustomerId, SharedConnection>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Board {
    pub(crate) fn get(&self, id: CustomerId) -> Health {
        lock(&self.inner)
            .trackers
            .get(&id)
            .map(Tracker::health)
            .unwrap_or_else(Health::unknown)
    }

    pub(crate) fn since(&self, id: CustomerId) -> Option<OffsetDateTime> {
        lock(&self.inner).trackers.get(&id).and_then(|t| t.since)
    }

    /// Resumes from the stored states: an outage already notified stays Down quietly.
    pub(crate) fn restore(
        &self,
        states: HashMap<CustomerId, (HealthState, OffsetDateTime, Option<String>)>,
    ) {
        let mut inner = lock(&self.inner);
        for (id, (state, since, reason)) in states {
            inner
                .trackers
                .insert(id, Tracker::restored(state, since, reason));
        }
    }

    /// A customer's connection details or credentials changed: log in afresh next time.
    pub(crate) fn forget_connection(&self, id: CustomerId) {
        lock(&self.connections).remove(&id);
    }

    pub(crate) fn remove(&self, id: CustomerId) {
        let mut inner = lock(&self.inner);
        if let Some(t) = inner.trackers.remove(&id)
            && t.is_failing()
        {
            inner.failing -= 1;
        }
        drop(inner);
        self.forget_connection(id);
    }

    fn counts(&self, customers: usize) -> (usize, usize, usize) {
        let inner = lock(&self.inner);
        let up = inner
            .trackers
            .values()
            .filter(|t| t.state == HealthState::Up)
            .count();
        let down = inner
            .trackers
            .values()
            .filter(|t| t.state == HealthState::Down)
            .count();
        (up, down, customers.saturating_sub(up + down))
    }
}

/// One check of one customer, without judging it.
async fn probe(console: &Console, customer: &Customer) -> Probe {
    let started = Instant::now();
    let conn = match connection_for(console, customer).await {
        Ok(conn) => conn,
        Err(Error::KeychainUnavailable(why)) => {
            return Probe::Inconclusive {
                reason: format!("credentials unavailable: {why}"),
            };
        }
        Err(e) => {
            return Probe::Down {
                latency_ms: None,
                reason: down_reason(&e),
            };
        }
    };
    let result = conn.lock().await.health().await;
    let latency_ms = started.elapsed().as_millis() as u64;
    match result {
        Ok(report) => {
            let stopped: Vec<_> = report
                .components
                .iter()
                .filter(|c| c.status != "running")
                .map(|c| format!("{} is {}", c.name, c.status))
                .collect();
            let warning = if stopped.is_empty() {
                (report.status == InstanceStatus::Degraded).then(|| "degraded".to_owned())
            } else {
                Some(stopped.join(", "))
            };
            Probe::Up {
                latency_ms,
                warning,
            }
        }
        Err(e) => {
            // Stale credentials or a half-open socket: start over at the next check.
            console.monitor.forget_connection(customer.id);
            Probe::Down {
                latency_ms: Some(latency_ms),
                reason: down_reason(&e),
            }
        }
    }
}

/// Short reasons for the tooltip and notifications: refused, timed out, TLS error, HTTP
/// status, bad credentials.
fn down_reason(e: &Error) -> String {
    match e {
        Error::Unreachable { detail, .. } => detail.clone(),
        Error::Timeout { seconds, .. } => format!("timed out after {seconds} s"),
        Error::Tls { detail, .. } => format!("TLS error: {detail}"),
        Error::InstanceError { status, .. } => format!("HTTP {status}"),
        Error::AuthFailed(_) => "bad credentials".into(),
        Error::LockedOut { .. } => "admin account locked out".into(),
        Error::InvalidResponse(why) => format!("invalid response: {why}"),
        other => other.to_string(),
    }
}

async fn connection_for(console: &Console, customer: &Customer) -> Result<SharedConnection> {
    if let Some(conn) = lock(&console.monitor.connections).get(&customer.id) {
        return Ok(conn.clone());
    }
    let vault = console.vault().clone();
    let id = customer.id;
    let creds = blocking(move || vault.get(id)).await?.ok_or_else(|| {
        Error::AuthFailed("no admin credentials are stored for this customer".into())
    })?;
    let conn = Arc::new(tokio::sync::Mutex::new(Connection::new(
        console.probe_client().clone(),
        customer.endpoint.clone(),
        creds,
    )));
    lock(&console.monitor.connections).insert(customer.id, conn.clone());
    Ok(conn)
}

/// Judges one result: updates the tracker, buffers the sample, records a state change, and
/// emits the events and notifications it calls for. Returns the customer's new health.
fn apply(
    console: &Console,
    customer: &Customer,
    probe: &Probe,
    at: OffsetDateTime,
) -> (Health, Duration) {
    let settings = console.monitor_settings();
    let mut notes = Vec::new();
    let (health, next, transition) = {
        let mut inner = lock(&console.monitor.inner);
        let tracker = inner.trackers.entry(customer.id).or_default();
        let was_failing = tracker.is_failing();
        let transition = tracker.observe(probe, at, &settings);
        let now_failing = tracker.is_failing();
        let reminder = tracker.reminder_due(at, &settings);
        let health = tracker.health();
        let next = tracker.next_check_in(&settings);
        let since = tracker.since;
        match (was_failing, now_failing) {
            (false, true) => inner.failing += 1,
            (true, false) => inner.failing -= 1,
            _ => {}
        }
        let (ok, latency) = match probe {
            Probe::Up { latency_ms, .. } => (true, Some(*latency_ms)),
            Probe::Down { latency_ms, .. } => (false, *latency_ms),
            Probe::Inconclusive { .. } => (true, None),
        };
        if !matches!(probe, Probe::Inconclusive { .. }) {
            inner
                .hourly
                .entry((customer.id, history::hour_of(at)))
                .or_default()
                .add(ok, latency);
        }
        if settings.notifications {
            let server = format!("{}:{}", customer.endpoint.server, customer.endpoint.port);
            let failing = inner.failing;
            if let Some(t) = &transition {
                let note = match (t.from, t.to) {
                    (_, HealthState::Down) => inner.notifier.down(
                        &customer.name,
                        &server,
                        t.reason.as_deref().unwrap_or("not answering"),
                        at,
                        settings.window(),
                        failing,
                    ),
                    (HealthState::Down, HealthState::Up) => {
                        inner
                            .notifier
                            .recovered(&customer.name, t.down_for, at, settings.window())
                    }
                    _ => None,
                };
                notes.extend(note);
            }
            if let (Some(down_for), Some(_)) = (reminder, since) {
                notes.push(inner.notifier.still_down(
                    &customer.name,
                    health.reason.as_deref(),
                    down_for,
                ));
            }
        }
        (health, next, transition)
    };
    if let Some(t) = &transition {
        if let Err(e) = console.store().write(|tx| {
            history::record_transition(tx, customer.id, t.from, t.to, t.at, t.reason.as_deref())
        }) {
            tracing::error!(error = %e, "could not record a health state change");
        }
        tracing::info!(customer = %customer.name, from = ?t.from, to = ?t.to, reason = ?t.reason, "health changed");
    }
    console.emit(ConsoleEvent::HealthUpdated {
        customer_id: customer.id,
        health: health.clone(),
    });
    for note in notes {
        console.emit(ConsoleEvent::Notify(note));
    }
    if transition.is_some() {
        emit_counts(console);
    }
    (health, next)
}

fn emit_counts(console: &Console) {
    let customers = console.store().read(customers::count).unwrap_or(0);
    let (up, down, unknown) = console.monitor.counts(customers);
    console.emit(ConsoleEvent::StatusCounts { up, down, unknown });
}

/// Checks one customer now ("Check now") and judges the result like any scheduled check.
pub(crate) async fn check_now(console: &Console, customer: &Customer) -> Health {
    let p = probe(console, customer).await;
    apply(console, customer, &p, console.now()).0
}

/// Writes buffered samples, prunes old history, sends the follow-ups of ended bursts.
fn flush(console: &Console) {
    let now = console.now();
    let (hourly, notes) = {
        let mut inner = lock(&console.monitor.inner);
        let hourly = std::mem::take(&mut inner.hourly);
        let notes = inner.notifier.flush(now);
        (hourly, notes)
    };
    if !hourly.is_empty()
        && let Err(e) = console.store().write(|tx| history::add_hourly(tx, &hourly))
    {
        tracing::error!(error = %e, "could not record health samples");
    }
    if console.monitor_settings().notifications {
        for note in notes {
            console.emit(ConsoleEvent::Notify(note));
        }
    }
}

/// Writes what the monitor has buffered; call before the process exits.
pub fn flush_now(console: &Console) {
    flush(console);
}

fn prune(console: &Console) {
    let keep = time::Duration::days(console.monitor_settings().retention_days as i64);
    match console
        .store()
        .write(|tx| history::prune(tx, console.now() - keep))
    {
        Ok(n) if n > 0 => tracing::info!(rows = n, "pruned old health history"),
        Ok(_) => {}
        Err(e) => tracing::error!(error = %e, "could not prune health history"),
    }
}

/// Checks every customer once, as fast as [`CONCURRENCY`] allows, judging each result like
/// a scheduled check. The "Check health" button and the benchmark use it.
pub async fn sweep_once(console: &Console) -> Result<SweepReport> {
    let started = Instant::now();
    let list = console.store().read(customers::list)?;
    let checked = list.len();
    futures_util::stream::iter(list)
        .map(|c| async move {
            let p = probe(console, &c).await;
            apply(console, &c, &p, console.now());
        })
        .buffer_unordered(CONCURRENCY)
        .collect::<Vec<()>>()
        .await;
    flush(console);
    let (up, down, unknown) = console.monitor.counts(checked);
    Ok(SweepReport {
        checked,
        up,
        down,
        unknown,
        elapsed: started.elapsed(),
    })
}

enum Command {
    CheckNow(CustomerId),
    Reload,
    Stop,
}

/// Controls the background monitor started by [`spawn`]. Dropping it does not stop it.
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

/// Starts scheduled monitoring of every customer. Must be called inside a tokio runtime.
pub fn spawn(console: Arc<Console>) -> MonitorHandle {
    let (tx, rx) = mpsc::unbounded_channel();
    let handle = MonitorHandle { tx };
    // Customer changes and settings changes reach the scheduler as reloads.
    let mut events = console.subscribe();
    let relay = handle.clone();
    tokio::spawn(async move {
        loop {
            match events.recv().await {
                Ok(ConsoleEvent::CustomersChanged | ConsoleEvent::MonitorSettingsChanged) => {
                    relay.reload()
                }
                Ok(_) => {}
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => relay.reload(),
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            }
            if relay.tx.is_closed() {
                break;
            }
        }
    });
    tokio::spawn(run(console, rx));
    handle
}

/// The scheduler: a queue of (due time, customer), each check on its own task behind a
/// semaphore, results fed back to schedule the next check.
async fn run(console: Arc<Console>, mut commands: mpsc::UnboundedReceiver<Command>) {
    let permits = Arc::new(tokio::sync::Semaphore::new(CONCURRENCY));
    let (done_tx, mut done_rx) = mpsc::unbounded_channel::<(CustomerId, Duration)>();
    let mut queue: BinaryHeap<Reverse<(tokio::time::Instant, CustomerId)>> = BinaryHeap::new();
    let mut customers: HashMap<CustomerId, Customer> = HashMap::new();
    let mut in_flight: HashSet<CustomerId> = HashSet::new();
    // The one due time that counts per customer; queue entries that disagree are stale
    // (a "Check now" or a reschedule superseded them) and are skipped.
    let mut due_at: HashMap<CustomerId, tokio::time::Instant> = HashMap::new();
    let mut flush_tick = tokio::time::interval(FLUSH_EVERY);
    let mut prune_tick = tokio::time::interval(Duration::from_secs(6 * 3600));

    let reload = |customers: &mut HashMap<CustomerId, Customer>,
                  queue: &mut BinaryHeap<Reverse<(tokio::time::Instant, CustomerId)>>,
                  due_at: &mut HashMap<CustomerId, tokio::time::Instant>| {
        let list = match console.store().read(customers::list) {
            Ok(list) => list,
            Err(e) => {
                tracing::error!(error = %e, "monitor could not read the customers");
                return;
            }
        };
        let fresh: HashMap<_, _> = list.into_iter().map(|c| (c.id, c)).collect();
        let interval = Duration::from_secs(console.monitor_settings().interval_secs);
        let now = tokio::time::Instant::now();
        // Spread the first checks so 10,000 customers are not all checked in the same second,
        // but over no more than 20 ms per customer: a handful are checked at once, and the
        // window is not grey for a whole interval after start.
        let new: Vec<_> = fresh
            .keys()
            .filter(|id| !customers.contains_key(id))
            .copied()
            .collect();
        let n = new.len().max(1) as u32;
        let spread = interval.min(INITIAL_SPREAD_PER_CUSTOMER * n);
        for (i, id) in new.into_iter().enumerate() {
            let offset = if customers.is_empty() {
                spread * i as u32 / n
            } else {
                Duration::ZERO
            };
            queue.push(Reverse((now + offset, id)));
            due_at.insert(id, now + offset);
        }
        due_at.retain(|id, _| fresh.contains_key(id));
        *customers = fresh;
        emit_counts(&console);
    };
    reload(&mut customers, &mut queue, &mut due_at);

    loop {
        let next_due = queue.peek().map(|Reverse((t, _))| *t);
        tokio::select! {
            _ = tokio::time::sleep_until(next_due.unwrap_or_else(|| tokio::time::Instant::now() + Duration::from_secs(3600))) => {
                let now = tokio::time::Instant::now();
                while let Some(Reverse((due, id))) = queue.peek().copied() {
                    if due > now { break; }
                    queue.pop();
                    if due_at.get(&id) != Some(&due) { continue; }
                    let Some(customer) = customers.get(&id).cloned() else { continue };
                    if !in_flight.insert(id) { continue; }
                    let (console, permits, done) = (console.clone(), permits.clone(), done_tx.clone());
                    tokio::spawn(async move {
                        let Ok(_permit) = permits.acquire_owned().await else { return };
                        let p = probe(&console, &customer).await;
                        let (_, next) = apply(&console, &customer, &p, console.now());
                        let _ = done.send((customer.id, next));
                    });
                }
            }
            Some((id, next)) = done_rx.recv() => {
                in_flight.remove(&id);
                if customers.contains_key(&id) {
                    let due = tokio::time::Instant::now() + next;
                    due_at.insert(id, due);
                    queue.push(Reverse((due, id)));
                }
            }
            command = commands.recv() => match command {
                Some(Command::CheckNow(id)) => {
                    let now = tokio::time::Instant::now();
                    due_at.insert(id, now);
                    queue.push(Reverse((now, id)));
                }
                Some(Command::Reload) => reload(&mut customers, &mut queue, &mut due_at),
                Some(Command::Stop) | None => break,
            },
            _ = flush_tick.tick() => flush(&console),
            _ = prune_tick.tick() => prune(&console),
        }
    }
    flush(&console);
}
