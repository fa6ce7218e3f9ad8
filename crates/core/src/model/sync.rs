//! A customer's sync status, and what started a sync.

use serde::Serialize;
use time::OffsetDateTime;

/// What started a sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum Trigger {
    Manual,
    Scheduled,
    /// After the customer was added or edited, or the technicians changed.
    Change,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
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
        Self { state: SyncState::Never, at: None, reason: None }
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
}
