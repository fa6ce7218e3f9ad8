//! One customer's health state machine: Unknown, Up or Down, with hysteresis so one lost
//! packet neither alarms nor flaps. Pure: no I/O, no clock of its own (time comes in).
//!
//! Must never turn Down before `failures_to_down` failed checks in a row, nor Up again before
//! `successes_to_up` good ones.

use super::settings::MonitorSettings;
use crate::model::{Health, HealthState};
use std::time::Duration;
use time::OffsetDateTime;

/// What one check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Probe {
    /// The instance answered `health`; `warning` names components that are not running.
    Up { latency_ms: u64, warning: Option<String> },
    /// The instance could not be checked: refused, timed out, TLS, HTTP error, credentials.
    Down { latency_ms: Option<u64>, reason: String },
    /// The console could not run the check (e.g. the keychain is locked): says nothing about
    /// the instance, so it moves no streak.
    Inconclusive { reason: String },
}

/// A change of state worth recording (and maybe notifying).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub from: HealthState,
    pub to: HealthState,
    pub at: OffsetDateTime,
    pub reason: Option<String>,
    /// For Down → Up: how long it was down.
    pub down_for: Option<time::Duration>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tracker {
    pub state: HealthState,
    /// When the current state began (None while Unknown).
    pub since: Option<OffsetDateTime>,
    pub checked_at: Option<OffsetDateTime>,
    pub latency_ms: Option<u64>,
    /// What the tooltip says: why it is down, a warning while up, or a failure not yet
    /// counted as down.
    pub reason: Option<String>,
    fail_streak: u32,
    ok_streak: u32,
    reminded_at: Option<OffsetDateTime>,
    /// In a maintenance window or muted at its last check (so the end of it is noticed).
    pub quiet: bool,
}

impl Default for Tracker {
    fn default() -> Self {
        Self {
            state: HealthState::Unknown,
            since: None,
            checked_at: None,
            latency_ms: None,
            reason: None,
            fail_streak: 0,
            ok_streak: 0,
            reminded_at: None,
            quiet: false,
        }
    }
}

impl Tracker {
    /// The state remembered from the last run: an outage that was already notified stays
    /// Down without a new notification.
    pub fn restored(state: HealthState, since: OffsetDateTime, reason: Option<String>) -> Self {
        Self { state, since: Some(since), reason, ..Self::default() }
    }

    /// Failing checks have started but the customer is not Down (yet).
    pub fn is_failing(&self) -> bool {
        self.fail_streak > 0 && self.state != HealthState::Down
    }

    pub fn observe(
        &mut self,
        probe: &Probe,
        at: OffsetDateTime,
        settings: &MonitorSettings,
    ) -> Option<Transition> {
        // An inconclusive check is no check: "last checked" keeps the last real one (the
        // window says "not checked since …" while the console is offline).
        if !matches!(probe, Probe::Inconclusive { .. }) {
            self.checked_at = Some(at);
        }
        match probe {
            Probe::Up { latency_ms, warning } => {
                self.latency_ms = Some(*latency_ms);
                self.fail_streak = 0;
                self.ok_streak = self.ok_streak.saturating_add(1);
                if self.state != HealthState::Up && self.ok_streak >= settings.successes_to_up {
                    self.reason = warning.clone();
                    return Some(self.enter(HealthState::Up, at, None));
                }
                self.reason = match self.state {
                    HealthState::Down => Some(format!(
                        "recovering: {} of {} good checks",
                        self.ok_streak, settings.successes_to_up
                    )),
                    _ => warning.clone(),
                };
                None
            }
            Probe::Down { latency_ms, reason } => {
                self.latency_ms = *latency_ms;
                self.ok_streak = 0;
                self.fail_streak = self.fail_streak.saturating_add(1);
                if self.state != HealthState::Down && self.fail_streak >= settings.failures_to_down
                {
                    self.reason = Some(reason.clone());
                    return Some(self.enter(HealthState::Down, at, Some(reason.clone())));
                }
                self.reason = match self.state {
                    HealthState::Down => Some(reason.clone()),
                    _ => Some(format!(
                        "check failed ({} of {} before Down): {reason}",
                        self.fail_streak, settings.failures_to_down
                    )),
                };
                None
            }
            Probe::Inconclusive { reason } => {
                self.reason = Some(reason.clone());
                None
            }
        }
    }

    fn enter(&mut self, to: HealthState, at: OffsetDateTime, reason: Option<String>) -> Transition {
        let from = self.state;
        let down_for = match (from, self.since) {
            (HealthState::Down, Some(since)) => Some(at - since),
            _ => None,
        };
        self.state = to;
        self.since = Some(at);
        self.reminded_at = None;
        Transition { from, to, at, reason, down_for }
    }

    /// How long until this customer's next check: the retry interval while a failure (or a
    /// recovery) is being confirmed, the normal interval otherwise.
    pub fn next_check_in(&self, settings: &MonitorSettings) -> Duration {
        let confirming =
            self.is_failing() || (self.state == HealthState::Down && self.ok_streak > 0);
        if confirming {
            Duration::from_secs(settings.retry_secs)
        } else {
            Duration::from_secs(settings.interval_secs)
        }
    }

    /// When a reminder is due for a customer still down: how long it has been down.
    pub fn reminder_due(
        &mut self,
        at: OffsetDateTime,
        settings: &MonitorSettings,
    ) -> Option<time::Duration> {
        if settings.reminder_minutes == 0 || self.state != HealthState::Down {
            return None;
        }
        let since = self.since?;
        let last = self.reminded_at.unwrap_or(since);
        if at - last >= time::Duration::minutes(settings.reminder_minutes as i64) {
            self.reminded_at = Some(at);
            Some(at - since)
        } else {
            None
        }
    }

    pub fn health(&self) -> Health {
        Health {
            state: self.state,
            checked_at: self.checked_at,
            latency_ms: self.latency_ms,
            reason: self.reason.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const T0: OffsetDateTime = datetime!(2026-11-25 10:00 UTC);

    fn up() -> Probe {
        Probe::Up { latency_ms: 12, warning: None }
    }

    fn down() -> Probe {
        Probe::Down { latency_ms: None, reason: "connection refused".into() }
    }

    fn at(s: i64) -> OffsetDateTime {
        T0 + time::Duration::seconds(s)
    }

    #[test]
    fn first_good_check_turns_unknown_into_up() {
        let mut t = Tracker::default();
        let tr = t.observe(&up(), T0, &MonitorSettings::default()).unwrap();
        assert_eq!((tr.from, tr.to), (HealthState::Unknown, HealthState::Up));
        assert_eq!(t.health().latency_ms, Some(12));
    }

    #[test]
    fn down_only_after_three_failures_in_a_row_then_up_after_one_success() {
        let s = MonitorSettings::default();
        let mut t = Tracker::default();
        t.observe(&up(), at(0), &s);
        assert!(t.observe(&down(), at(30), &s).is_none());
        assert_eq!(t.state, HealthState::Up, "one failure is not an outage");
        assert!(t.is_failing());
        assert_eq!(t.next_check_in(&s), Duration::from_secs(5), "retried sooner");
        assert!(t.health().reason.unwrap().contains("1 of 3"));
        assert!(t.observe(&down(), at(35), &s).is_none());
        let tr = t.observe(&down(), at(40), &s).expect("third failure");
        assert_eq!((tr.from, tr.to), (HealthState::Up, HealthState::Down));
        assert_eq!(tr.reason.as_deref(), Some("connection refused"));
        assert_eq!(t.next_check_in(&s), Duration::from_secs(30));

        let tr = t.observe(&up(), at(100), &s).expect("recovered");
        assert_eq!(tr.down_for, Some(time::Duration::seconds(60)));
        assert_eq!(t.since, Some(at(100)));
    }

    #[test]
    fn a_flapping_instance_does_not_flap_the_state() {
        let s = MonitorSettings::default();
        let mut t = Tracker::default();
        t.observe(&up(), at(0), &s);
        for i in 1..50 {
            let p = if i % 3 == 0 { up() } else { down() };
            assert!(t.observe(&p, at(i * 5), &s).is_none(), "flapped at check {i}");
        }
        assert_eq!(t.state, HealthState::Up);
    }

    #[test]
    fn recovery_can_require_several_successes() {
        let s = MonitorSettings {
            successes_to_up: 2,
            failures_to_down: 1,
            ..MonitorSettings::default()
        };
        let mut t = Tracker::default();
        t.observe(&down(), at(0), &s).expect("down at once");
        assert!(t.observe(&up(), at(30), &s).is_none());
        assert_eq!(t.state, HealthState::Down);
        assert_eq!(t.next_check_in(&s), Duration::from_secs(5));
        assert!(t.observe(&up(), at(35), &s).is_some());
    }

    #[test]
    fn inconclusive_checks_move_no_streak() {
        let s = MonitorSettings::default();
        let mut t = Tracker::default();
        t.observe(&up(), at(0), &s);
        t.observe(&down(), at(30), &s);
        t.observe(&down(), at(35), &s);
        t.observe(&Probe::Inconclusive { reason: "keychain locked".into() }, at(40), &s);
        assert_eq!(t.state, HealthState::Up);
        assert!(t.observe(&down(), at(45), &s).is_some(), "third real failure");
    }

    #[test]
    fn reminders_only_when_enabled_and_still_down() {
        let mut s = MonitorSettings { failures_to_down: 1, ..MonitorSettings::default() };
        let mut t = Tracker::default();
        t.observe(&down(), at(0), &s);
        assert_eq!(t.reminder_due(at(3600), &s), None, "off by default");
        s.reminder_minutes = 10;
        assert_eq!(t.reminder_due(at(599), &s), None);
        assert_eq!(t.reminder_due(at(600), &s), Some(time::Duration::minutes(10)));
        assert_eq!(t.reminder_due(at(700), &s), None, "not again until 10 more minutes");
        assert!(t.reminder_due(at(1200), &s).is_some());
    }

    #[test]
    fn a_restored_outage_stays_down_without_a_transition() {
        let s = MonitorSettings::default();
        let mut t = Tracker::restored(HealthState::Down, at(-3600), Some("refused".into()));
        for i in 0..5 {
            assert!(t.observe(&down(), at(i * 30), &s).is_none());
        }
        let tr = t.observe(&up(), at(200), &s).unwrap();
        assert_eq!(tr.down_for, Some(time::Duration::seconds(3800)));
    }
}
