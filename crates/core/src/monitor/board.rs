//! What the monitor knows between checks, shared by the scheduler, "Check now" and the
//! window: each customer's tracker, the hourly samples not yet written, the notifier's burst
//! state, and the logged-in connection kept per customer for the next check.
//!
//! Must never hold a lock across an `.await`, and never keep a connection for a customer
//! whose details changed or that was removed.

use super::notifier::Notifier;
use super::tracker::Tracker;
use crate::client::Connection;
use crate::locks::lock;
use crate::model::{CustomerId, Health, HealthState};
use crate::store::health::HourAgg;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use time::OffsetDateTime;

pub(crate) type SharedConnection = Arc<tokio::sync::Mutex<Connection>>;

#[derive(Default)]
pub(crate) struct BoardInner {
    pub(crate) trackers: HashMap<CustomerId, Tracker>,
    /// Customers failing checks but not yet Down: a mass outage in the making.
    pub(crate) failing: usize,
    pub(crate) hourly: HashMap<(CustomerId, OffsetDateTime), HourAgg>,
    pub(crate) notifier: Notifier,
}

#[derive(Default)]
pub(crate) struct Board {
    pub(crate) inner: Mutex<BoardInner>,
    connections: Mutex<HashMap<CustomerId, SharedConnection>>,
}

impl Board {
    pub(crate) fn get(&self, id: CustomerId) -> Health {
        lock(&self.inner).trackers.get(&id).map(Tracker::health).unwrap_or_else(Health::unknown)
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
            inner.trackers.insert(id, Tracker::restored(state, since, reason));
        }
    }

    /// How many customers the monitor knows.
    pub(crate) fn len(&self) -> usize {
        lock(&self.inner).trackers.len()
    }

    /// The customers whose checks are failing now (Down, or failing before Down).
    pub(crate) fn failing_ids(&self) -> std::collections::HashSet<CustomerId> {
        let inner = lock(&self.inner);
        inner
            .trackers
            .iter()
            .filter(|(_, t)| t.is_failing() || t.state == HealthState::Down)
            .map(|(id, _)| *id)
            .collect()
    }

    pub(crate) fn connection(&self, id: CustomerId) -> Option<SharedConnection> {
        lock(&self.connections).get(&id).cloned()
    }

    pub(crate) fn keep_connection(&self, id: CustomerId, conn: SharedConnection) {
        lock(&self.connections).insert(id, conn);
    }

    /// A customer's connection details or credentials changed: log in afresh next time.
    pub(crate) fn forget_connection(&self, id: CustomerId) {
        lock(&self.connections).remove(&id);
    }

    /// Every connection goes: customer connections go another way from now on.
    pub(crate) fn forget_connections(&self) {
        lock(&self.connections).clear();
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

    /// (up, down, unknown) out of `customers`.
    pub(crate) fn counts(&self, customers: usize) -> (usize, usize, usize) {
        let inner = lock(&self.inner);
        let count = |state| inner.trackers.values().filter(|t| t.state == state).count();
        let (up, down) = (count(HealthState::Up), count(HealthState::Down));
        (up, down, customers.saturating_sub(up + down))
    }
}
