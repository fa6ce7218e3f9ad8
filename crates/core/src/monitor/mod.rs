//! Health monitoring: checks every integrated customer with `GET /mssp/v1/health` on an
//! interval, spread across it, with bounded concurrency ([`scheduler`]); turns each result
//! into Up/Down with hysteresis ([`tracker`]); records state changes and hourly samples; and
//! says what to notify ([`notifier`]), unless the customer is quiet (a maintenance window
//! or a mute: `crate::quiet`). Tells "this computer is offline" from a storm of outages
//! ([`offline`]) and a machine that slept from instances that failed. Runs without a
//! session, so it goes on while the console is locked.
//!
//! Must never let one slow instance delay the others (every check is bounded by the client's
//! timeouts and runs beside the rest), never hold more sockets than [`CONCURRENCY`], and
//! never notify the same outage twice (a restart resumes from the stored state).

mod board;
pub mod notifier;
mod offline;
pub mod scheduler;
pub mod settings;
pub mod tracker;

pub use notifier::Notification;
pub use offline::SELF_CHECK_EVERY;
pub use scheduler::MonitorHandle;
pub use settings::MonitorSettings;
pub use tracker::{Probe, Tracker, Transition};

use crate::client::InstanceStatus;
use crate::context::Context;
use crate::error::{Error, Result};
use crate::events::ConsoleEvent;
use crate::events::NoticeKind;
use crate::gate;
use crate::locks::lock;
use crate::model::{Customer, CustomerId, Health, HealthState, Quiet};
use crate::store::customers;
use crate::store::health::{self as history, EventRow, HourPoint};
use crate::tasks::supervised;
use board::{Board, SharedConnection};
use futures_util::StreamExt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use time::OffsetDateTime;

/// Checks in flight at once, so sockets (file descriptors) are bounded by this, not by the
/// number of customers. Below macOS's default limit of 256 descriptors per process.
pub const CONCURRENCY: usize = 128;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SweepReport {
    pub checked: usize,
    pub up: usize,
    pub down: usize,
    pub unknown: usize,
    pub elapsed: Duration,
}

/// What the customer detail view shows about health.
#[derive(Debug, Clone)]
pub struct HealthDetail {
    pub customer: Customer,
    pub health: Health,
    /// When the current state began.
    pub since: Option<OffsetDateTime>,
    /// Percent of the known time the customer was up; None without data.
    pub uptime_24h: Option<f64>,
    pub uptime_7d: Option<f64>,
    pub events: Vec<EventRow>,
    pub hourly: Vec<HourPoint>,
}

/// The monitor service.
pub struct Monitor {
    ctx: Arc<Context>,
    board: Arc<Board>,
    settings: Mutex<MonitorSettings>,
    offline: Arc<offline::Offline>,
}

/// A check during which the wall clock moved this much more than the monotonic one spanned
/// a sleep of the machine: it says nothing about the instance.
const SLEPT_AFTER: time::Duration = time::Duration::seconds(30);

impl Monitor {
    /// Resumes from the stored states and settings, and forgets customers as they are
    /// removed or edited.
    pub(crate) fn new(ctx: Arc<Context>) -> Result<Arc<Self>> {
        let settings = ctx.store.read(MonitorSettings::load)?;
        let board = Arc::new(Board::default());
        board.restore(ctx.store.read(history::current_states)?);
        let hooked = board.clone();
        let offline = Arc::new(offline::Offline::default());
        let forgets = offline.clone();
        ctx.events.on(move |event| match event {
            ConsoleEvent::CustomerRemoved(id) => {
                hooked.remove(*id);
                forgets.forget(*id);
            }
            ConsoleEvent::CustomerSaved(id) => hooked.forget_connection(*id),
            ConsoleEvent::NetworkChanged => hooked.forget_connections(),
            _ => {}
        });
        Ok(Arc::new(Self { ctx, board, settings: Mutex::new(settings), offline }))
    }

    pub fn settings(&self) -> MonitorSettings {
        lock(&self.settings).clone()
    }

    pub fn set_settings(&self, new: MonitorSettings) -> Result<()> {
        new.validate()?;
        self.ctx.store.write(|tx| new.save(tx))?;
        *lock(&self.settings) = new;
        self.ctx.emit(ConsoleEvent::MonitorSettingsChanged);
        Ok(())
    }

    /// (up, down, unknown) among `ids`.
    pub fn counts_of(&self, ids: impl Iterator<Item = CustomerId>) -> (usize, usize, usize) {
        let mut counts = (0, 0, 0);
        for id in ids {
            match self.board.get(id).state {
                HealthState::Up => counts.0 += 1,
                HealthState::Down => counts.1 += 1,
                HealthState::Unknown => counts.2 += 1,
            }
        }
        counts
    }

    /// A customer's last known health.
    pub fn health(&self, id: CustomerId) -> Health {
        self.board.get(id)
    }

    /// A customer's uptime, state changes and hourly check results.
    pub fn detail(&self, customer: Customer) -> Result<HealthDetail> {
        let (id, now) = (customer.id, self.ctx.now());
        let day = time::Duration::days(1);
        // Maintenance is planned downtime: uptime leaves it out.
        let maintenance = self.ctx.quiet.maintenance_between(id, now - day * 7, now);
        self.ctx.store.read(|c| {
            Ok(HealthDetail {
                health: self.board.get(id),
                since: self.board.since(id),
                uptime_24h: history::uptime(c, id, now - day, now, &maintenance)?,
                uptime_7d: history::uptime(c, id, now - day * 7, now, &maintenance)?,
                events: history::events(c, id, 50)?,
                hourly: history::hourly(c, id, now - day * 7)?,
                customer,
            })
        })
    }

    /// Checks one customer now ("Check now") and judges the result like any scheduled check.
    pub async fn check_now(&self, customer: &Customer) -> Health {
        self.check_now_told(customer).await.0
    }

    /// [`Self::check_now`], with why this one check failed when it did: the judged health
    /// turns Down only after several failed checks, but a person who asked for a check wants
    /// to hear about this one.
    pub async fn check_now_told(&self, customer: &Customer) -> (Health, Option<String>) {
        let p = self.probe(customer).await;
        let failed = match &p {
            Probe::Up { .. } => None,
            Probe::Down { reason, .. } | Probe::Inconclusive { reason } => Some(reason.clone()),
        };
        (self.apply(customer, &p, self.ctx.now()).0, failed)
    }

    /// Checks every customer once, as fast as [`CONCURRENCY`] allows, judging each result like
    /// a scheduled check. The "Check health" button and the benchmark use it.
    pub async fn sweep_once(&self) -> Result<SweepReport> {
        let started = Instant::now();
        let list = self.ctx.store.read(customers::list)?;
        let checked = list.len();
        futures_util::stream::iter(list)
            .map(|c| async move {
                let p = self.probe(&c).await;
                self.apply(&c, &p, self.ctx.now());
            })
            .buffer_unordered(CONCURRENCY)
            .collect::<Vec<()>>()
            .await;
        self.flush();
        let (up, down, unknown) = self.board.counts(checked);
        Ok(SweepReport { checked, up, down, unknown, elapsed: started.elapsed() })
    }

    /// A scheduled check on a supervised task of its own: a panic is recorded as an
    /// inconclusive check with its reason, and the customer is checked again at the retry.
    /// Returns when to check it next.
    pub(crate) async fn check_supervised(self: &Arc<Self>, customer: Customer) -> Duration {
        let (monitor, c) = (self.clone(), customer.clone());
        let outcome = supervised("the health check", async move {
            let p = monitor.probe(&c).await;
            monitor.apply(&c, &p, monitor.ctx.now()).1
        });
        match outcome.await {
            Ok(next) => next,
            Err(reason) => {
                let p = Probe::Inconclusive { reason };
                self.apply(&customer, &p, self.ctx.now());
                Duration::from_secs(self.settings().retry_secs)
            }
        }
    }

    /// One check of one customer, as the monitor counts it: a check the machine slept
    /// through, or one that failed while this computer is offline, says nothing about the
    /// instance and is inconclusive.
    async fn probe(&self, customer: &Customer) -> Probe {
        let (wall, mono) = (self.ctx.now(), Instant::now());
        let probe = self.probe_instance(customer).await;
        let spanned = time::Duration::try_from(mono.elapsed()).unwrap_or(time::Duration::MAX);
        if self.ctx.now() - wall - spanned > SLEPT_AFTER {
            return Probe::Inconclusive { reason: "not checked: this computer was asleep".into() };
        }
        self.offline_aware(customer, probe).await
    }

    /// Judges a check against this computer's own connectivity when many customers fail.
    async fn offline_aware(&self, customer: &Customer, probe: Probe) -> Probe {
        let answered = match &probe {
            Probe::Up { .. } => true,
            Probe::Down { .. } => false,
            Probe::Inconclusive { .. } => return probe,
        };
        self.offline.record(customer.id, answered);
        if answered {
            self.back_online();
            return probe;
        }
        let settings = self.settings();
        let total = self.board.len();
        if !self.offline.suspicious(Duration::from_secs(settings.interval_secs), total, &settings) {
            return probe;
        }
        let verdict = match self.offline.cached() {
            Some(verdict) => verdict,
            None => {
                let names = self.failing_host_names();
                let verdict = offline::connectivity(&settings, &names).await;
                self.offline.remember(verdict.clone());
                verdict
            }
        };
        match verdict {
            Ok(()) => {
                self.back_online();
                probe
            }
            Err(why) => {
                if self.offline.enter(self.ctx.now()) {
                    tracing::warn!(reason = %why, "this computer is offline; customers are not blamed");
                    let body = format!(
                        "{total} customers could not be checked ({why}). They keep their last known state until the network is back."
                    );
                    let note = Notification::about(
                        NoticeKind::Offline,
                        Vec::new(),
                        "This computer is offline".into(),
                        body,
                    );
                    self.notify(note);
                    self.ctx.emit(ConsoleEvent::ConnectivityChanged {
                        offline_since: self.offline.since(),
                    });
                }
                Probe::Inconclusive {
                    reason: format!("not checked: this computer is offline ({why})"),
                }
            }
        }
    }

    /// The computer reaches the network again: one notice, and no customer "recovers".
    fn back_online(&self) {
        if let Some(since) = self.offline.leave() {
            let minutes = (self.ctx.now() - since).whole_minutes().max(0);
            tracing::info!(minutes, "this computer is back online");
            let note = Notification::about(
                NoticeKind::Online,
                Vec::new(),
                "This computer is back online".into(),
                format!("Customers are checked again after {minutes} min offline."),
            );
            self.notify(note);
            self.ctx.emit(ConsoleEvent::ConnectivityChanged { offline_since: None });
        }
    }

    /// Since when this computer has been offline, if it is.
    pub fn offline_since(&self) -> Option<OffsetDateTime> {
        self.offline.since()
    }

    fn notify(&self, note: Notification) {
        if self.settings().notifications {
            self.ctx.emit(ConsoleEvent::Notify(note));
        }
    }

    /// Host names (not addresses) of customers failing now, to test name resolution with.
    fn failing_host_names(&self) -> Vec<String> {
        let failing = self.board.failing_ids();
        let Ok(list) = self.ctx.store.read(customers::list) else { return Vec::new() };
        list.into_iter()
            .filter(|c| failing.contains(&c.id))
            .map(|c| c.endpoint.server)
            .filter(|s| s.parse::<std::net::IpAddr>().is_err() && s != "localhost")
            .take(3)
            .collect()
    }

    /// One check of one customer, without judging it.
    async fn probe_instance(&self, customer: &Customer) -> Probe {
        let started = Instant::now();
        let conn = match self.connection_for(customer).await {
            Ok(conn) => conn,
            Err(Error::KeychainUnavailable(why)) => {
                return Probe::Inconclusive { reason: format!("credentials unavailable: {why}") };
            }
            Err(e) => {
                return Probe::Down { latency_ms: None, reason: down_reason(&e) };
            }
        };
        let result = {
            let mut conn = conn.lock().await;
            let result = conn.health().await;
            gate::learn(&self.ctx, customer, conn.client(), result.as_ref().map(|_| ()));
            result
        };
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
                    Some(crate::sanitize::shown(&stopped.join(", ")))
                };
                Probe::Up { latency_ms, warning }
            }
            Err(e) => {
                // Stale credentials or a half-open socket: start over at the next check.
                self.board.forget_connection(customer.id);
                Probe::Down { latency_ms: Some(latency_ms), reason: down_reason(&e) }
            }
        }
    }

    async fn connection_for(&self, customer: &Customer) -> Result<SharedConnection> {
        if let Some(conn) = self.board.connection(customer.id) {
            return Ok(conn);
        }
        let conn = Arc::new(tokio::sync::Mutex::new(gate::connect(&self.ctx, customer).await?));
        self.board.keep_connection(customer.id, conn.clone());
        Ok(conn)
    }

    /// Judges one result: updates the tracker, buffers the sample, records a state change,
    /// and emits the events and notifications it calls for. Returns the customer's new
    /// health and when to check it next.
    fn apply(&self, customer: &Customer, probe: &Probe, at: OffsetDateTime) -> (Health, Duration) {
        let settings = self.settings();
        let (health, next, transition, notes) = self.judge(customer, probe, at, &settings);
        if let Some(t) = &transition {
            if let Err(e) = self.ctx.store.write(|tx| {
                history::record_transition(tx, customer.id, t.from, t.to, t.at, t.reason.as_deref())
            }) {
                tracing::error!(error = %e, "could not record a health state change");
            }
            tracing::info!(customer = %customer.name, from = ?t.from, to = ?t.to, reason = ?t.reason, "health changed");
        }
        self.ctx
            .emit(ConsoleEvent::HealthUpdated { customer_id: customer.id, health: health.clone() });
        for note in notes {
            self.ctx.emit(ConsoleEvent::Notify(note));
        }
        if transition.is_some() {
            self.emit_counts();
        }
        (health, next)
    }

    /// The in-memory part of [`Self::apply`], under the board's lock.
    fn judge(
        &self,
        customer: &Customer,
        probe: &Probe,
        at: OffsetDateTime,
        settings: &MonitorSettings,
    ) -> (Health, Duration, Option<Transition>, Vec<Notification>) {
        let quiet = self.ctx.quiet.of(customer.id, at);
        let mut inner = lock(&self.board.inner);
        let tracker = inner.trackers.entry(customer.id).or_default();
        let was_failing = tracker.is_failing();
        let was_quiet = std::mem::replace(&mut tracker.quiet, quiet.is_some());
        let transition = tracker.observe(probe, at, settings);
        let now_failing = tracker.is_failing();
        let reminder = tracker.reminder_due(at, settings);
        let (health, next, since) =
            (tracker.health(), tracker.next_check_in(settings), tracker.since);
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
        // Uptime leaves maintenance out; an inconclusive check is no sample at all.
        let in_maintenance = quiet.as_ref().is_some_and(Quiet::is_maintenance);
        if !matches!(probe, Probe::Inconclusive { .. }) && !in_maintenance {
            let hour = (customer.id, history::hour_of(at));
            inner.hourly.entry(hour).or_default().add(ok, latency);
        }
        let mut notes = Vec::new();
        if settings.notifications
            && quiet.is_none()
            && was_quiet
            && health.state == HealthState::Down
        {
            // The window (or mute) ended and the customer is still down: told once.
            let why = health.reason.as_deref().unwrap_or("not answering");
            notes.push(Notification::about(
                NoticeKind::StillDown,
                vec![customer.id],
                format!("{} is still down", customer.name),
                format!("Its maintenance or mute ended and it is still down: {why}"),
            ));
        }
        if settings.notifications && quiet.is_none() {
            let server = format!("{}:{}", customer.endpoint.server, customer.endpoint.port);
            let (failing, window) = (inner.failing, settings.window());
            if let Some(t) = &transition {
                let note = match (t.from, t.to) {
                    (_, HealthState::Down) => {
                        let why = t.reason.as_deref().unwrap_or("not answering");
                        let n = &mut inner.notifier;
                        n.down((customer.id, &customer.name), &server, why, at, window, failing)
                    }
                    (HealthState::Down, HealthState::Up) => {
                        let n = &mut inner.notifier;
                        n.recovered((customer.id, &customer.name), t.down_for, at, window)
                    }
                    _ => None,
                };
                notes.extend(note);
            }
            if let (Some(down_for), Some(_)) = (reminder, since) {
                let why = health.reason.as_deref();
                notes.push(inner.notifier.still_down((customer.id, &customer.name), why, down_for));
            }
        }
        (health, next, transition, notes)
    }

    fn emit_counts(&self) {
        let customers = self.ctx.store.read(customers::count).unwrap_or(0);
        let (up, down, unknown) = self.board.counts(customers);
        self.ctx.emit(ConsoleEvent::StatusCounts { up, down, unknown });
    }

    /// Writes buffered samples and sends the follow-ups of ended bursts. Call it before the
    /// process exits too.
    pub fn flush(&self) {
        let now = self.ctx.now();
        let (hourly, notes) = {
            let mut inner = lock(&self.board.inner);
            let hourly = std::mem::take(&mut inner.hourly);
            (hourly, inner.notifier.flush(now))
        };
        if !hourly.is_empty()
            && let Err(e) = self.ctx.store.write(|tx| history::add_hourly(tx, &hourly))
        {
            tracing::error!(error = %e, "could not record health samples");
        }
        if self.settings().notifications {
            for note in notes {
                self.ctx.emit(ConsoleEvent::Notify(note));
            }
        }
    }

    fn prune(&self) {
        let keep = time::Duration::days(self.settings().retention_days as i64);
        let before = self.ctx.now() - keep;
        match self.ctx.store.write(|tx| history::prune(tx, before)) {
            Ok(n) if n > 0 => tracing::info!(rows = n, "pruned old health history"),
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "could not prune health history"),
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
        Error::CertificateUntrusted { .. } => "certificate not trusted".into(),
        Error::CertificateChanged { presented, .. } => {
            format!("certificate changed (now {}); review it", presented.sha256)
        }
        Error::CertificateExpired { .. } => "certificate expired".into(),
        Error::InstanceChanged { expected, found, .. } if expected != found => {
            format!("another Log360 instance answers (id {found}); nothing was sent")
        }
        Error::InstanceChanged { .. } => {
            "the instance cannot prove it is the integrated one; nothing was sent".into()
        }
        Error::InstanceError { status, .. } => format!("HTTP {status}"),
        Error::AuthFailed(_) => "bad credentials".into(),
        Error::LockedOut { .. } => "admin account locked out".into(),
        Error::InvalidResponse(why) => format!("invalid response: {why}"),
        other => other.to_string(),
    }
}
