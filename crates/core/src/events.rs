//! How the core's parts tell each other, and whoever shows the console, what happened,
//! without knowing who listens: [`ConsoleEvent`] on an [`Events`] bus.
//!
//! Two kinds of listener: hooks, run synchronously inside `emit` by services that must keep
//! their in-memory state in step before the emitting call returns (the monitor forgetting a
//! removed customer), and broadcast receivers for everything asynchronous (the shell, the
//! schedulers). A hook must be quick, must never block, and must never emit.
//! [`SyncObserver`] is the one place where a service awaits another's reaction: licensing
//! pushes a pending allocation after a successful sync, and the sync is not done until then.

use crate::locks::lock;
use crate::model::{Customer, CustomerId, Health, SyncStatus};
use futures_util::future::BoxFuture;
use std::sync::Mutex;
use tokio::sync::broadcast;

/// What a notification is about, so it can be told without names (while the console is
/// locked, or about customers the person at the window may not see).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    Down,
    Recovered,
    StillDown,
    CertificateChanged,
    CertificateExpiring,
    InstanceChanged,
    UsageAlert,
    /// This computer lost its network: customers could not be checked.
    Offline,
    Online,
    /// A customer's sync failed several times in a row (alert channels only).
    SyncFailing,
}

/// Something to tell the person through a desktop notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub title: String,
    pub body: String,
    pub kind: NoticeKind,
    /// The customers it names.
    pub customers: Vec<CustomerId>,
}

impl Notification {
    pub fn about(
        kind: NoticeKind,
        customers: Vec<CustomerId>,
        title: String,
        body: String,
    ) -> Self {
        Self { title, body, kind, customers }
    }

    /// The same news about `count` customers, without naming any.
    pub fn without_names(&self, count: usize) -> Self {
        let customers =
            if count == 1 { "1 customer".to_owned() } else { format!("{count} customers") };
        let (title, body) = match self.kind {
            NoticeKind::Down => ("Customers are down", format!("{customers} went down.")),
            NoticeKind::Recovered => ("Customers are back up", format!("{customers} recovered.")),
            NoticeKind::StillDown => {
                ("Customers are still down", format!("{customers} still down."))
            }
            NoticeKind::CertificateChanged => {
                ("A certificate changed", format!("The certificate of {customers} changed."))
            }
            NoticeKind::CertificateExpiring => (
                "A certificate expires soon",
                format!("The certificate of {customers} expires soon."),
            ),
            NoticeKind::InstanceChanged => (
                "Another instance answers",
                format!("Another Log360 instance answers for {customers}."),
            ),
            NoticeKind::UsageAlert => {
                ("Usage is near an allocation", format!("{customers} near an allocation."))
            }
            NoticeKind::Offline => ("This computer is offline", self.body.clone()),
            NoticeKind::Online => ("This computer is back online", self.body.clone()),
            NoticeKind::SyncFailing => {
                ("Syncs keep failing", format!("The sync of {customers} keeps failing."))
            }
        };
        Self {
            title: format!("MSSP Console: {title}"),
            body,
            kind: self.kind,
            customers: Vec::new(),
        }
    }
}

/// What the console tells whoever shows it, without knowing who that is.
#[derive(Debug, Clone, PartialEq)]
pub enum ConsoleEvent {
    HealthUpdated {
        customer_id: CustomerId,
        health: Health,
    },
    /// Customers by state, after any state change.
    StatusCounts {
        up: usize,
        down: usize,
        unknown: usize,
    },
    /// Something to tell the person through a desktop notification.
    Notify(Notification),
    /// A customer was added, updated or removed.
    CustomersChanged,
    /// A customer was added or edited: its connection details or credentials may have
    /// changed (so it is synced now, and any logged-in connection to it is dropped).
    CustomerSaved(CustomerId),
    /// A customer was deleted or force deleted.
    CustomerRemoved(CustomerId),
    /// A customer's sync started or ended.
    SyncUpdated {
        customer_id: CustomerId,
        status: SyncStatus,
    },
    /// Technicians or their delegations changed (so everyone is synced).
    TechniciansChanged,
    /// The license, an allocation or a push result changed.
    LicenseChanged,
    MonitorSettingsChanged,
    /// Customer connections go another way (the proxy changed): drop the ones kept open.
    NetworkChanged,
    /// The session idled out; the window should show the login screen.
    SessionLocked,
    /// This computer went offline (since when), or came back (None).
    ConnectivityChanged {
        offline_since: Option<time::OffsetDateTime>,
    },
    /// Maintenance windows or mutes changed: rows show "Maintenance" or "Muted" anew.
    QuietChanged,
    /// A customer's sync failed `failures` times in a row (for alert channels).
    SyncFailing {
        customer_id: CustomerId,
        failures: u32,
        reason: String,
    },
    /// The first administrator was created by `mssp-admin` over the local channel; a window
    /// still showing first-run setup should show the login screen instead.
    SetUpElsewhere,
}

type Hook = Box<dyn Fn(&ConsoleEvent) + Send + Sync>;

/// The event bus: synchronous hooks, then broadcast.
pub struct Events {
    sender: broadcast::Sender<ConsoleEvent>,
    hooks: Mutex<Vec<Hook>>,
}

impl Default for Events {
    fn default() -> Self {
        // Large enough for a health sweep's burst of updates between two reads of a
        // receiver; a receiver that lags still catches up from the services' state.
        let (sender, _) = broadcast::channel(4096);
        Self { sender, hooks: Mutex::new(Vec::new()) }
    }
}

impl Events {
    pub fn subscribe(&self) -> broadcast::Receiver<ConsoleEvent> {
        self.sender.subscribe()
    }

    /// Runs `hook` for every event, inside `emit`, before any receiver sees it.
    pub(crate) fn on(&self, hook: impl Fn(&ConsoleEvent) + Send + Sync + 'static) {
        lock(&self.hooks).push(Box::new(hook));
    }

    pub(crate) fn emit(&self, event: ConsoleEvent) {
        for hook in lock(&self.hooks).iter() {
            hook(&event);
        }
        // No receiver (no window yet) is fine: the state is still in the services.
        let _ = self.sender.send(event);
    }
}

/// A service that must act after a customer's successful sync, before the sync returns.
pub trait SyncObserver: Send + Sync {
    fn synced<'a>(&'a self, customer: &'a Customer) -> BoxFuture<'a, ()>;
}
