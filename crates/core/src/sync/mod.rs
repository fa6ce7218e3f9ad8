//! Data sync: one sync of one customer logs in, checks the build, pulls `data`, pushes the
//! central technicians delegated to that customer, and stores the snapshot and the run in one
//! transaction. Manual ("Sync Now", "Sync All"), after a change, and on a schedule with
//! bounded concurrency and exponential backoff with jitter for customers that keep failing.
//!
//! Must never run two syncs of one customer at once (a second request waits for the running
//! one and takes its result), and never let a failed sync erase the last good snapshot.

use crate::CONSOLE_BUILD;
use crate::client::Connection;
use crate::console::{Console, ConsoleEvent, blocking};
use crate::error::{Error, FieldErrors, Result};
use crate::instance_data::CentralTechnician;
use crate::model::{Customer, CustomerId};
use crate::store::sync::{self as history, RunRow, Snapshot};
use crate::store::{customers, settings, technicians};
use backon::{BackoffBuilder, ExponentialBackoff, ExponentialBuilder};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use time::OffsetDateTime;

/// Syncs in flight at once (Sync All, the schedule).
pub const CONCURRENCY: usize = 64;
/// First and longest wait before a customer that keeps failing is synced again on schedule.
const BACKOFF_MIN: Duration = Duration::from_secs(60);
const BACKOFF_MAX: Duration = Duration::from_secs(3600);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SyncSettings {
    /// Every customer is synced this often (1 minute to a day).
    pub interval_minutes: u64,
}

impl Default for SyncSettings {
    fn default() -> Self {
        Self {
            interval_minutes: 15,
        }
    }
}

impl SyncSettings {
    pub fn validate(&self) -> Result<()> {
        if (1..=1440).contains(&self.interval_minutes) {
            Ok(())
        } else {
            Err(Error::Validation(FieldErrors::from([(
                "intervalMinutes",
                "Sync every 1 to 1440 minutes.".to_owned(),
            )])))
        }
    }

    pub(crate) fn load(conn: &rusqlite::Connection) -> Result<Self> {
        Ok(settings::get(conn, "sync")?
            .and_then(|json| serde_json::from_str::<Self>(&json).ok())
            .filter(|s| s.validate().is_ok())
            .unwrap_or_default())
    }

    pub(crate) fn save(&self, conn: &rusqlite::Connection) -> Result<()> {
        let json = serde_json::to_string(self).map_err(|e| Error::Internal(e.to_string()))?;
        settings::set(conn, "sync", &json)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    Manual,
    Scheduled,
    /// After the customer was added or edited, or the technicians changed.
    Change,
}

impl Trigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Manual => "manual",
            Trigger::Scheduled => "scheduled",
            Trigger::Change => "change",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SyncState {
    Never,
    Running,
    Success,
    Failed,
}

/// A customer's sync status as the Status column shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncStatus {
    pub state: SyncState,
    /// When the last run finished.
    pub at: Option<OffsetDateTime>,
    /// Why the last run failed.
    pub reason: Option<String>,
}

impl SyncStatus {
    pub fn never() -> Self {
        Self {
            state: SyncState::Never,
            at: None,
            reason: None,
        }
    }

    /// The seed's words for the Status column.
    pub fn label(&self) -> &'static str {
        match self.state {
            SyncState::Never => "Never synced",
            SyncState::Running => "Sync in progress",
            SyncState::Success => "Data Collection Successful",
            SyncState::Failed => "Sync failed",
        }
    }

    fn from_run(run: &RunRow) -> Self {
        Self {
            state: if run.success {
                SyncState::Success
            } else {
                SyncState::Failed
            },
            at: Some(run.finished_at()),
            reason: run.reason.clone(),
        }
    }
}

/// Progress of a Sync All.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub done: usize,
    pub total: usize,
    pub failed: usize,
    pub running: bool,
    pub cancelled: bool,
}

struct Backoff {
    delays: ExponentialBackoff,
    failures: u32,
    not_before: Instant,
}

/// Sync state shared by Sync Now, Sync All and the schedule.
#[derive(Default)]
pub(crate) struct Syncer {
    locks: Mutex<HashMap<CustomerId, Arc<tokio::sync::Mutex<()>>>>,
    running: Mutex<HashSet<CustomerId>>,
    last: Mutex<HashMap<CustomerId, SyncStatus>>,
    backoff: Mutex<HashMap<CustomerId, Backoff>>,
    sync_all: Mutex<Option<Arc<AtomicBool>>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Syncer {
    /// Loads every customer's last run, so the Status column is right from the start.
    pub(crate) fn restore(&self, runs: HashMap<CustomerId, RunRow>) {
        let mut last = lock(&self.last);
        for (id, run) in runs {
            last.insert(id, SyncStatus::from_run(&run));
        }
    }

    pub(crate) fn status(&self, id: CustomerId) -> SyncStatus {
        if lock(&self.running).contains(&id) {
            let mut s = lock(&self.last)
                .get(&id)
                .cloned()
                .unwrap_or_else(SyncStatus::never);
            s.state = SyncState::Running;
            return s;
        }
        lock(&self.last)
            .get(&id)
            .cloned()
            .unwrap_or_else(SyncStatus::never)
    }

    pub(crate) fn forget(&self, id: CustomerId) {
        lock(&self.last).remove(&id);
        lock(&self.backoff).remove(&id);
        lock(&self.locks).remove(&id);
    }

    fn lock_for(&self, id: CustomerId) -> Arc<tokio::sync::Mutex<()>> {
        lock(&self.locks).entry(id).or_default().clone()
    }

    /// How long a customer that keeps failing waits before its next scheduled sync; None
    /// when it is not backing off.
    pub fn backoff_remaining(&self, id: CustomerId) -> Option<Duration> {
        lock(&self.backoff)
            .get(&id)
            .and_then(|b| b.not_before.checked_duration_since(Instant::now()))
    }

    fn note_outcome(&self, id: CustomerId, ok: bool) -> Option<Duration> {
        let mut backoff = lock(&self.backoff);
        if ok {
            backoff.remove(&id);
            return None;
        }
        let entry = backoff.entry(id).or_insert_with(|| Backoff {
            delays: ExponentialBuilder::default()
                .with_min_delay(BACKOFF_MIN)
                .with_max_delay(BACKOFF_MAX)
                .with_factor(2.0)
                .with_jitter()
                .without_max_times()
                .build(),
            failures: 0,
            not_before: Instant::now(),
        });
        let delay = entry.delays.next().unwrap_or(BACKOFF_MAX);
        entry.failures += 1;
        entry.not_before = Instant::now() + delay;
        Some(delay)
    }
}

/// Syncs one customer. A second call while one runs waits for it and returns its outcome
/// instead of syncing again.
pub async fn sync_customer(
    console: &Console,
    id: CustomerId,
    trigger: Trigger,
    actor: &str,
) -> Result<SyncStatus> {
    let syncer = &console.syncer;
    let gate = syncer.lock_for(id);
    let _guard = match gate.clone().try_lock_owned() {
        Ok(guard) => guard,
        Err(_) => {
            // Someone else is syncing this customer: wait for them, report their result.
            let _ = gate.lock().await;
            return Ok(syncer.status(id));
        }
    };
    let customer = console.store().read(|c| customers::get(c, id))?;
    lock(&syncer.running).insert(id);
    emit_status(console, id);

    let started_at = console.now();
    let started = Instant::now();
    let outcome = pull_and_push(console, &customer).await;
    let duration_ms = started.elapsed().as_millis() as u64;
    let run = RunRow {
        started_at,
        duration_ms,
        trigger: trigger.as_str().to_owned(),
        success: outcome.is_ok(),
        reason: outcome.as_ref().err().cloned(),
    };
    let saved = console.store().write(|tx| {
        if let Ok((snapshot, usage)) = &outcome {
            history::save_snapshot(tx, id, snapshot)?;
            crate::store::licensing::set_usage(tx, id, usage, snapshot.collected_at)?;
        }
        history::record_run(tx, id, &run)
    });
    let status = match saved {
        Ok(()) => SyncStatus::from_run(&run),
        Err(e) => SyncStatus {
            state: SyncState::Failed,
            at: Some(run.finished_at()),
            reason: Some(format!("saving the data: {e}")),
        },
    };
    lock(&syncer.last).insert(id, status.clone());
    lock(&syncer.running).remove(&id);
    syncer.note_outcome(id, status.state == SyncState::Success);
    console.audit_sync(actor, &customer.name, trigger, &status);
    emit_status(console, id);
    if status.state == SyncState::Success {
        // A pending allocation goes out now the instance answers; usage may cross a threshold.
        crate::licensing::after_sync(console, &customer).await;
    }
    Ok(status)
}

fn emit_status(console: &Console, id: CustomerId) {
    console.emit(ConsoleEvent::SyncUpdated {
        customer_id: id,
        status: console.syncer.status(id),
    });
}

/// The steps of one sync; the error is the reason a person can act on, naming the step.
async fn pull_and_push(
    console: &Console,
    customer: &Customer,
) -> Result<(Snapshot, crate::store::licensing::Counts), String> {
    let vault = console.vault().clone();
    let id = customer.id;
    let creds = blocking(move || vault.get(id))
        .await
        .map_err(|e| reason("reading the credentials", &e))?
        .ok_or_else(|| {
            "reading the credentials: none are stored; use Edit to enter them".to_owned()
        })?;
    // The client without an idle pool: after a Sync All of thousands of customers a pool
    // would keep one socket per customer open.
    let about = console
        .probe_client()
        .about(&customer.endpoint)
        .await
        .map_err(|e| reason("connecting", &e))?;
    if about.build != CONSOLE_BUILD {
        return Err(reason(
            "checking the build",
            &Error::BuildMismatch {
                console: CONSOLE_BUILD,
                customer: Some(about.build),
            },
        ));
    }
    let mut conn = Connection::new(
        console.probe_client().clone(),
        customer.endpoint.clone(),
        creds,
    );
    conn.login().await.map_err(|e| reason("logging in", &e))?;
    let data = conn.data().await.map_err(|e| reason("pulling data", &e))?;
    let central: Vec<CentralTechnician> = console
        .store()
        .read(|c| technicians::delegated_to(c, id))
        .map_err(|e| reason("reading the technicians", &e))?
        .into_iter()
        .map(|t| CentralTechnician {
            id: t.uid,
            name: t.username,
            email: t.email,
            role: t.role,
        })
        .collect();
    conn.put_technicians(&central)
        .await
        .map_err(|e| reason("pushing technicians", &e))?;
    let collected_at = data.collected_at;
    let usage = data.license.usage.clone();
    let data = data.with_pushed_technicians(&central);
    Ok((
        Snapshot {
            collected_at,
            synced_at: console.now(),
            data: serde_json::to_string(&data).map_err(|e| format!("storing the data: {e}"))?,
        },
        usage,
    ))
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

/// Syncs every customer in `ids` (all when None), [`CONCURRENCY`] at a time, reporting
/// progress; stops starting new ones when `cancel` is set.
pub async fn sync_many(
    console: &Console,
    ids: Vec<CustomerId>,
    trigger: Trigger,
    actor: &str,
    cancel: Arc<AtomicBool>,
    mut progress: impl FnMut(Progress),
) -> Progress {
    let total = ids.len();
    let done = AtomicUsize::new(0);
    let failed = AtomicUsize::new(0);
    progress(Progress {
        done: 0,
        total,
        failed: 0,
        running: true,
        cancelled: false,
    });
    let mut stream = futures_util::stream::iter(ids)
        .map(|id| {
            let cancel = cancel.clone();
            let (done, failed) = (&done, &failed);
            async move {
                if cancel.load(Ordering::Relaxed) {
                    return;
                }
                let ok = matches!(
                    sync_customer(console, id, trigger, actor).await,
                    Ok(SyncStatus {
                        state: SyncState::Success,
                        ..
                    })
                );
                if !ok {
                    failed.fetch_add(1, Ordering::Relaxed);
                }
                done.fetch_add(1, Ordering::Relaxed);
            }
        })
        .buffer_unordered(CONCURRENCY);
    while stream.next().await.is_some() {
        progress(Progress {
            done: done.load(Ordering::Relaxed),
            total,
            failed: failed.load(Ordering::Relaxed),
            running: true,
            cancelled: false,
        });
    }
    let last = Progress {
        done: done.load(Ordering::Relaxed),
        total,
        failed: failed.load(Ordering::Relaxed),
        running: false,
        cancelled: cancel.load(Ordering::Relaxed),
    };
    progress(last);
    last
}

/// "Sync All": starts syncing every customer the actor may reach in the background; progress
/// arrives as [`ConsoleEvent::SyncProgress`]. Returns how many will be synced.
pub(crate) fn start_sync_all(
    console: Arc<Console>,
    ids: Vec<CustomerId>,
    actor: String,
) -> Result<usize> {
    let cancel = Arc::new(AtomicBool::new(false));
    {
        let mut slot = lock(&console.syncer.sync_all);
        if slot.is_some() {
            return Err(Error::Conflict("A Sync All is already running.".into()));
        }
        *slot = Some(cancel.clone());
    }
    let total = ids.len();
    tokio::spawn(async move {
        let events = console.clone();
        sync_many(&console, ids, Trigger::Manual, &actor, cancel, |p| {
            events.emit(ConsoleEvent::SyncProgress(p));
        })
        .await;
        lock(&console.syncer.sync_all).take();
    });
    Ok(total)
}

pub(crate) fn cancel_sync_all(console: &Console) {
    if let Some(flag) = lock(&console.syncer.sync_all).as_ref() {
        flag.store(true, Ordering::Relaxed);
    }
}

enum Command {
    SyncOne(CustomerId),
    SyncAll,
    Stop,
}

/// Controls the background sync started by [`spawn`].
#[derive(Clone)]
pub struct SyncHandle {
    tx: tokio::sync::mpsc::UnboundedSender<Command>,
}

impl SyncHandle {
    pub fn stop(&self) {
        let _ = self.tx.send(Command::Stop);
    }
}

/// How often the schedule looks for customers that are due.
const SCHEDULE_TICK: Duration = Duration::from_secs(20);

/// Starts automatic sync: each customer after it is added or edited, everyone after the
/// technicians change, and everyone on the schedule, skipping customers that are backing off.
/// Must be called inside a tokio runtime.
pub fn spawn(console: Arc<Console>) -> SyncHandle {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let handle = SyncHandle { tx: tx.clone() };
    let mut events = console.subscribe();
    tokio::spawn(async move {
        loop {
            let command = match events.recv().await {
                Ok(ConsoleEvent::CustomerSaved(id)) => Command::SyncOne(id),
                Ok(ConsoleEvent::TechniciansChanged) => Command::SyncAll,
                Ok(_) => continue,
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            };
            if tx.send(command).is_err() {
                break;
            }
        }
    });
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(SCHEDULE_TICK);
        loop {
            tokio::select! {
                _ = tick.tick() => {
                    let due = due_customers(&console);
                    if !due.is_empty() {
                        let console = console.clone();
                        tokio::spawn(async move {
                            sync_many(&console, due, Trigger::Scheduled, "scheduler", Arc::new(AtomicBool::new(false)), |_| {}).await;
                        });
                    }
                }
                command = rx.recv() => match command {
                    Some(Command::SyncOne(id)) => {
                        let console = console.clone();
                        tokio::spawn(async move {
                            let _ = sync_customer(&console, id, Trigger::Change, "system").await;
                        });
                    }
                    Some(Command::SyncAll) => {
                        let ids = console.store().read(customers::list).map(|l| l.into_iter().map(|c| c.id).collect()).unwrap_or_default();
                        let console = console.clone();
                        tokio::spawn(async move {
                            sync_many(&console, ids, Trigger::Change, "system", Arc::new(AtomicBool::new(false)), |_| {}).await;
                        });
                    }
                    Some(Command::Stop) | None => break,
                }
            }
        }
    });
    handle
}

/// Customers whose last sync is older than the interval, not running and not backing off.
fn due_customers(console: &Console) -> Vec<CustomerId> {
    let interval = time::Duration::minutes(console.sync_settings().interval_minutes as i64);
    let now = console.now();
    let Ok(list) = console.store().read(customers::list) else {
        return Vec::new();
    };
    list.into_iter()
        .map(|c| c.id)
        .filter(|id| {
            let status = console.syncer.status(*id);
            status.state != SyncState::Running
                && status.at.is_none_or(|at| now - at >= interval)
                && console.syncer.backoff_remaining(*id).is_none()
        })
        .collect()
}
