//! What the background tells the window, the tray and the desktop, filtered for whoever is
//! at the window: only the customers they may see, and, while the console is locked,
//! counts without names.
//!
//! Must never put a customer's name in front of a person who may not see that customer, nor
//! on a locked screen.

use super::Console;
use crate::auth::{Actor, Reach};
use crate::events::Notification;
use crate::model::CustomerId;

/// Customers by health, for the tray and the window's summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusCounts {
    pub up: usize,
    pub down: usize,
    pub unknown: usize,
}

impl Console {
    /// True when the person at the window may see this customer (false while locked).
    pub fn may_see(&self, id: CustomerId) -> bool {
        self.sessions.observer().is_some_and(|actor| actor.reaches(id))
    }

    /// Customers by health among those the person at the window may see; all customers
    /// while the console is locked (the tray shows counts, never names).
    pub fn status_counts(&self) -> StatusCounts {
        let ids = self.customers.list().unwrap_or_default().into_iter().map(|c| c.id);
        let (up, down, unknown) = match self.sessions.observer() {
            Some(actor) => self.monitor.counts_of(ids.filter(|id| actor.reaches(*id))),
            None => self.monitor.counts_of(ids),
        };
        StatusCounts { up, down, unknown }
    }

    /// `note` as it may be shown now: whole to someone who may see every customer it names,
    /// as a count to someone who may see some of them or while the console is locked, not
    /// at all to someone who may see none.
    pub fn deliverable(&self, note: &Notification) -> Option<Notification> {
        let now = self.ctx.now();
        // "Mute all notifications" silences this computer's desktop (alert channels go on).
        if self.ctx.quiet.all_muted(now).is_some() {
            return None;
        }
        if note.customers.is_empty() {
            return Some(note.clone());
        }
        // Nothing about customers in maintenance or muted (the monitor already leaves them
        // out of its own notices; this covers certificates and licensing).
        if note.customers.iter().all(|id| self.ctx.quiet.of(*id, now).is_some()) {
            return None;
        }
        match self.sessions.observer() {
            None => Some(note.without_names(note.customers.len())),
            Some(Actor { reach: Reach::All, .. }) => Some(note.clone()),
            Some(actor) => {
                let seen = note.customers.iter().filter(|id| actor.reaches(**id)).count();
                match seen {
                    0 => None,
                    n if n == note.customers.len() => Some(note.clone()),
                    n => Some(note.without_names(n)),
                }
            }
        }
    }
}
