//! How customers are monitored: check interval, retry, hysteresis, notifications, reminders
//! and history retention, validated field by field and kept in the `settings` table.
//!
//! Must never accept a value that would make the monitor spin (an interval under 5 s) or
//! keep history forever.

use crate::error::{Error, FieldErrors, Result};
use crate::store::settings;
use serde::{Deserialize, Serialize};

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
    /// When at least this share (percent) of customers fail within one interval, the
    /// console checks its own connectivity before blaming them.
    pub offline_share_percent: u8,
    /// `host:port` the console must reach to count itself online (empty: its default route
    /// and name resolution only), e.g. the office's gateway or a known server.
    pub probe_address: String,
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
            offline_share_percent: 50,
            probe_address: String::new(),
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
        if !(10..=100).contains(&self.offline_share_percent) {
            e.insert("offlineSharePercent", "Choose 10 to 100 percent.".into());
        }
        let probe = self.probe_address.trim();
        if !probe.is_empty() && !valid_probe(probe) {
            e.insert(
                "probeAddress",
                "Enter a host and port, like gateway.office.example:443 or 10.0.0.1:53.".into(),
            );
        }
        if e.is_empty() { Ok(()) } else { Err(Error::Validation(e)) }
    }

    /// The probe address as `(host, port)`, when one is set.
    pub(crate) fn probe(&self) -> Option<(String, u16)> {
        let probe = self.probe_address.trim();
        let (host, port) = probe.rsplit_once(':')?;
        let host = host.trim_start_matches('[').trim_end_matches(']');
        Some((host.to_owned(), port.parse().ok()?))
    }

    pub(crate) fn window(&self) -> time::Duration {
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

fn valid_probe(probe: &str) -> bool {
    match probe.rsplit_once(':') {
        Some((host, port)) => {
            !host.trim_start_matches('[').trim_end_matches(']').is_empty()
                && !host.chars().any(char::is_whitespace)
                && port.parse::<u16>().is_ok_and(|p| p > 0)
        }
        None => false,
    }
}
