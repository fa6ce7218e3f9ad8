//! A customer's health as last observed.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum HealthState {
    Up,
    Down,
    Unknown,
}

/// What the console last saw of a customer's instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Health {
    pub state: HealthState,
    pub checked_at: Option<OffsetDateTime>,
    pub latency_ms: Option<u64>,
    /// Why it is down, or which components are not running while it is up.
    pub reason: Option<String>,
}

impl Health {
    pub fn unknown() -> Self {
        Self { state: HealthState::Unknown, checked_at: None, latency_ms: None, reason: None }
    }
}
