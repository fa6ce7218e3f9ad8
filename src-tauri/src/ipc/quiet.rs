//! Quiet times: maintenance windows (administrators plan them, per customer or tag, once or
//! weekly in a time zone) and mutes ("Mute for 1 h / 4 h / 8 h / until I unmute", for a
//! customer, a tag, or all of this computer's notifications), plus what the tray shows, for
//! desktops without one.

use super::{ConsoleState, CustomerRefs};
use crate::error::IpcResult;
use mssp_core::console::{MaintenanceInput as CoreInput, MuteFor, TrayModel};
use mssp_core::model::{self, CustomerId, QuietScope, Schedule, TagId};
use mssp_core::{Error, codec::ts};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use ts_rs::TS;

/// What a window or mute covers: `{ kind: "customer", id }`, `{ kind: "tag", id }`, or
/// `{ kind: "all" }` (mutes only: every desktop notification of this computer).
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Scope {
    Customer { id: String },
    Tag { id: i64 },
    All,
}

impl Scope {
    fn core(&self) -> Result<QuietScope, Error> {
        Ok(match self {
            Scope::Customer { id } => QuietScope::Customer(id.parse::<CustomerId>()?),
            Scope::Tag { id } => QuietScope::Tag(TagId(*id)),
            Scope::All => QuietScope::All,
        })
    }

    fn of(scope: QuietScope) -> Self {
        match scope {
            QuietScope::Customer(id) => Scope::Customer { id: id.to_string() },
            QuietScope::Tag(id) => Scope::Tag { id: id.0 },
            QuietScope::All => Scope::All,
        }
    }
}

/// A maintenance window: `once` with `startsAt`/`endsAt` (RFC 3339), or `weekly` with
/// `weekdays` (Monday first, 7 booleans), `startTime` ("HH:MM"), `durationMinutes` and
/// `timeZone` (IANA, e.g. "Europe/Berlin").
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Maintenance {
    /// Null for a new one.
    pub id: Option<i64>,
    pub scope: Scope,
    #[ts(type = "\"once\" | \"weekly\"")]
    pub kind: String,
    #[serde(default)]
    pub starts_at: Option<String>,
    #[serde(default)]
    pub ends_at: Option<String>,
    #[serde(default)]
    pub weekdays: Vec<bool>,
    #[serde(default)]
    pub start_time: Option<String>,
    #[serde(default)]
    pub duration_minutes: Option<u32>,
    #[serde(default)]
    pub time_zone: Option<String>,
    #[serde(default)]
    pub note: String,
    /// Read only: who planned it.
    #[serde(default)]
    pub created_by: String,
}

fn field(name: &'static str, message: &str) -> Error {
    Error::field(name, message)
}

impl Maintenance {
    fn schedule(&self) -> Result<Schedule, Error> {
        let time = |name: &'static str, v: &Option<String>| {
            let text = v.as_deref().unwrap_or_default();
            OffsetDateTime::parse(text, &Rfc3339).map_err(|_| field(name, "Enter a date and time."))
        };
        match self.kind.as_str() {
            "once" => Ok(Schedule::Once {
                start: time("startsAt", &self.starts_at)?,
                end: time("endsAt", &self.ends_at)?,
            }),
            "weekly" => {
                let weekdays = self
                    .weekdays
                    .iter()
                    .take(7)
                    .enumerate()
                    .filter(|(_, on)| **on)
                    .fold(0u8, |bits, (i, _)| bits | (1 << i));
                let start = self.start_time.as_deref().unwrap_or_default();
                let start_minute = start
                    .split_once(':')
                    .and_then(|(h, m)| {
                        Some((h.trim().parse::<u16>().ok()?, m.trim().parse::<u16>().ok()?))
                    })
                    .filter(|(h, m)| *h < 24 && *m < 60)
                    .map(|(h, m)| h * 60 + m)
                    .ok_or_else(|| field("startTime", "Enter the start as HH:MM."))?;
                Ok(Schedule::Weekly {
                    weekdays,
                    start_minute,
                    duration_minutes: self.duration_minutes.unwrap_or(0),
                    time_zone: self.time_zone.clone().unwrap_or_default().trim().to_owned(),
                })
            }
            _ => Err(field("kind", "Choose once or weekly.")),
        }
    }
}

impl From<model::MaintenanceWindow> for Maintenance {
    fn from(w: model::MaintenanceWindow) -> Self {
        let mut out = Maintenance {
            id: Some(w.id),
            scope: Scope::of(w.scope),
            kind: String::new(),
            starts_at: None,
            ends_at: None,
            weekdays: Vec::new(),
            start_time: None,
            duration_minutes: None,
            time_zone: None,
            note: w.note,
            created_by: w.created_by,
        };
        match w.schedule {
            Schedule::Once { start, end } => {
                out.kind = "once".into();
                out.starts_at = Some(ts(start));
                out.ends_at = Some(ts(end));
            }
            Schedule::Weekly { weekdays, start_minute, duration_minutes, time_zone } => {
                out.kind = "weekly".into();
                out.weekdays = (0..7).map(|i| weekdays & (1 << i) != 0).collect();
                out.start_time = Some(format!("{:02}:{:02}", start_minute / 60, start_minute % 60));
                out.duration_minutes = Some(duration_minutes);
                out.time_zone = Some(time_zone);
            }
        }
        out
    }
}

#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MuteRow {
    pub scope: Scope,
    /// RFC 3339; null until unmuted.
    pub until: Option<String>,
    pub created_by: String,
}

/// What the tray menu shows (and the window shows where the desktop has no tray).
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TrayStatus {
    /// The first ten customers that are down: `[id, name]`.
    pub down: Vec<(String, String)>,
    pub more: usize,
    /// Every desktop notification muted: until then (null: until unmuted), or absent.
    pub muted: bool,
    pub muted_until: Option<String>,
    pub offline_since: Option<String>,
}

impl From<TrayModel> for TrayStatus {
    fn from(t: TrayModel) -> Self {
        Self {
            down: t.down.into_iter().map(|(id, name)| (id.to_string(), name)).collect(),
            more: t.more,
            muted: t.muted_until.is_some(),
            muted_until: t.muted_until.flatten().map(ts),
            offline_since: t.offline_since.map(ts),
        }
    }
}

#[tauri::command(async)]
pub fn list_maintenance(console: ConsoleState<'_>) -> IpcResult<Vec<Maintenance>> {
    Ok(console.maintenance_windows()?.into_iter().map(Maintenance::from).collect())
}

/// Plans or changes a window (administrators; field errors on `startsAt`, `endsAt`,
/// `weekdays`, `startTime`, `durationMinutes`, `timeZone`).
#[tauri::command(async)]
pub fn save_maintenance(console: ConsoleState<'_>, window: Maintenance) -> IpcResult<Maintenance> {
    let input =
        CoreInput { scope: window.scope.core()?, schedule: window.schedule()?, note: window.note };
    Ok(console.save_maintenance(window.id, input)?.into())
}

#[tauri::command(async)]
pub fn delete_maintenance(console: ConsoleState<'_>, id: i64) -> IpcResult<()> {
    Ok(console.delete_maintenance(id)?)
}

#[tauri::command(async)]
pub fn list_mutes(console: ConsoleState<'_>) -> IpcResult<Vec<MuteRow>> {
    Ok(console
        .mutes()?
        .into_iter()
        .map(|m| MuteRow {
            scope: Scope::of(m.scope),
            until: m.until.map(ts),
            created_by: m.created_by,
        })
        .collect())
}

fn duration(hours: Option<u32>) -> MuteFor {
    hours.map_or(MuteFor::UntilUnmuted, MuteFor::Hours)
}

/// "Mute for `hours`" (null: until unmuted); answers until when (null: until unmuted).
#[tauri::command(async)]
pub fn mute(
    console: ConsoleState<'_>,
    scope: Scope,
    hours: Option<u32>,
) -> IpcResult<Option<String>> {
    Ok(console.mute(scope.core()?, duration(hours))?.map(ts))
}

/// The bulk bar's mute: each chosen customer.
#[tauri::command(async)]
pub fn mute_customers(
    console: ConsoleState<'_>,
    customer_ids: CustomerRefs,
    hours: Option<u32>,
) -> IpcResult<usize> {
    Ok(console.mute_customers(&customer_ids.0, duration(hours))?)
}

#[tauri::command(async)]
pub fn unmute(console: ConsoleState<'_>, scope: Scope) -> IpcResult<()> {
    Ok(console.unmute(scope.core()?)?)
}

/// The tray's model: who is down, whether notifications are muted, whether this computer
/// is offline.
#[tauri::command(async)]
pub fn tray_status(console: ConsoleState<'_>) -> IpcResult<TrayStatus> {
    Ok(console.tray_model().into())
}
