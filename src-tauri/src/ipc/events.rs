//! The small notices the core's events become in the webview (`health-updated`,
//! `status-counts`, `sync-updated`, `license-changed`, `session-locked`,
//! `set-up-elsewhere`). Long operations report on a channel given by their caller instead
//! (Sync All).

use super::customers::{Health, SyncStatus};
use serde::Serialize;
use ts_rs::TS;

/// A customer's health after a check. `health-updated` carries a list of these: the
/// customers checked since the last one (at most a few a second), each once.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct HealthUpdated {
    pub customer_id: String,
    pub health: Health,
}

/// Customers by state, after any state change.
#[derive(Debug, Clone, Serialize, TS)]
pub struct StatusCounts {
    pub up: usize,
    pub down: usize,
    pub unknown: usize,
}

/// A customer's sync started or ended; `status` is the Status column's words.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SyncUpdated {
    pub customer_id: String,
    pub status: &'static str,
    pub sync: SyncStatus,
}

/// `connectivity-changed`: this computer went offline (since when, RFC 3339) or came back
/// (`offlineSince` null). Customers are not blamed meanwhile.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Connectivity {
    pub offline_since: Option<String>,
}
