//! Quiet times: maintenance windows (planned work: nothing is told, uptime leaves the time
//! out) and mutes (notifications and alert channels stay quiet for a while).

use super::{CustomerId, TagId};
use time::OffsetDateTime;

/// What a window or a mute covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QuietScope {
    Customer(CustomerId),
    Tag(TagId),
    /// Mutes only: every desktop notification of this computer.
    All,
}

/// When a maintenance window is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Schedule {
    /// From `start` until `end`.
    Once { start: OffsetDateTime, end: OffsetDateTime },
    /// Every chosen weekday (bit 0 Monday … bit 6 Sunday) at `start_minute` after midnight
    /// in `time_zone` (an IANA name), for `duration_minutes`.
    Weekly { weekdays: u8, start_minute: u16, duration_minutes: u32, time_zone: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaintenanceWindow {
    pub id: i64,
    pub scope: QuietScope,
    pub schedule: Schedule,
    pub note: String,
    pub created_by: String,
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mute {
    pub id: i64,
    pub scope: QuietScope,
    /// None: until unmuted.
    pub until: Option<OffsetDateTime>,
    pub created_by: String,
    pub created_at: OffsetDateTime,
}

/// Why a customer is quiet now, and until when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Quiet {
    /// In a maintenance window ending at `until` (the latest end of those in force).
    Maintenance { until: OffsetDateTime, note: String },
    /// Muted until `until` (None: until unmuted).
    Muted { until: Option<OffsetDateTime> },
}

impl Quiet {
    pub fn is_maintenance(&self) -> bool {
        matches!(self, Quiet::Maintenance { .. })
    }
}
