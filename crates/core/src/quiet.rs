//! Whether a customer is quiet now: in a maintenance window (its own or one of its tags'),
//! or muted. Read on every health check, so the windows, mutes and the customers' tags are
//! kept in memory here and reloaded when they change.
//!
//! Must never read the store on the path of a check (only `reload` does), and never treat
//! a weekly window's time as UTC: it is wall-clock time in its own time zone, DST included.

use crate::error::{Error, FieldErrors, Result};
use crate::locks::lock;
use crate::model::{CustomerId, MaintenanceWindow, Mute, Quiet, QuietScope, Schedule, TagId};
use crate::store::{Store, quiet, tags};
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use time::OffsetDateTime;

#[derive(Default)]
struct Book {
    windows: Vec<MaintenanceWindow>,
    mutes: Vec<Mute>,
    tags: HashMap<CustomerId, Vec<TagId>>,
}

/// Customers' tags change in bursts (an import tags hundreds a second): they are read again
/// at most this often.
const TAGS_STALE_FOR: Duration = Duration::from_secs(2);

/// The quiet times, as the store held them at the last reload.
pub struct QuietBook {
    store: Store,
    book: Mutex<Book>,
    /// Customers' tags changed since the last reload.
    stale: AtomicBool,
    loaded_at: Mutex<Instant>,
}

impl QuietBook {
    pub fn new(store: Store) -> Result<Self> {
        let book = Self {
            store,
            book: Mutex::default(),
            stale: AtomicBool::new(false),
            loaded_at: Mutex::new(Instant::now()),
        };
        book.reload()?;
        Ok(book)
    }

    /// Reads the windows, mutes and customers' tags again (after they changed).
    pub fn reload(&self) -> Result<()> {
        let (windows, mutes, tags) = self
            .store
            .read(|c| Ok((quiet::windows(c)?, quiet::mutes(c)?, tags::by_customer(c)?)))?;
        *lock(&self.book) = Book { windows, mutes, tags };
        *lock(&self.loaded_at) = Instant::now();
        Ok(())
    }

    /// Customers or their tags changed: read them again before long.
    pub fn mark_stale(&self) {
        self.stale.store(true, Ordering::Relaxed);
    }

    fn fresh(&self) {
        if self.stale.load(Ordering::Relaxed)
            && lock(&self.loaded_at).elapsed() >= TAGS_STALE_FOR
            && self.stale.swap(false, Ordering::Relaxed)
            && let Err(e) = self.reload()
        {
            tracing::warn!(error = %e, "could not read maintenance windows and mutes again");
            self.stale.store(true, Ordering::Relaxed);
        }
    }

    /// Why `customer` is quiet at `at`, if it is: maintenance wins over a mute (it also
    /// keeps the time out of uptime).
    pub fn of(&self, customer: CustomerId, at: OffsetDateTime) -> Option<Quiet> {
        self.fresh();
        let book = lock(&self.book);
        let tags = book.tags.get(&customer).map(Vec::as_slice).unwrap_or(&[]);
        let covers = |scope: &QuietScope| match scope {
            QuietScope::Customer(id) => *id == customer,
            QuietScope::Tag(tag) => tags.contains(tag),
            QuietScope::All => false,
        };
        let maintenance = book
            .windows
            .iter()
            .filter(|w| covers(&w.scope))
            .filter_map(|w| active_until(&w.schedule, at).map(|until| (until, &w.note)))
            .max_by_key(|(until, _)| *until);
        if let Some((until, note)) = maintenance {
            return Some(Quiet::Maintenance { until, note: note.clone() });
        }
        let muted = book
            .mutes
            .iter()
            .filter(|m| covers(&m.scope) && m.until.is_none_or(|u| u > at))
            .map(|m| m.until)
            .max_by(|a, b| match (a, b) {
                (None, None) => std::cmp::Ordering::Equal,
                (None, _) => std::cmp::Ordering::Greater,
                (_, None) => std::cmp::Ordering::Less,
                (Some(a), Some(b)) => a.cmp(b),
            });
        muted.map(|until| Quiet::Muted { until })
    }

    /// The maintenance a customer had (as the windows stand now) between `from` and `to`,
    /// as intervals, for uptime to leave out.
    pub fn maintenance_between(
        &self,
        customer: CustomerId,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> Vec<(OffsetDateTime, OffsetDateTime)> {
        self.fresh();
        let book = lock(&self.book);
        let tags = book.tags.get(&customer).map(Vec::as_slice).unwrap_or(&[]);
        let mut out = Vec::new();
        for w in book.windows.iter().filter(|w| match w.scope {
            QuietScope::Customer(id) => id == customer,
            QuietScope::Tag(tag) => tags.contains(&tag),
            QuietScope::All => false,
        }) {
            match &w.schedule {
                Schedule::Once { start, end } if *end > from && *start < to => {
                    out.push((*start, *end))
                }
                Schedule::Once { .. } => {}
                Schedule::Weekly { duration_minutes, .. } => {
                    // Probed in steps no longer than the window, so none is stepped over.
                    let length = time::Duration::minutes(i64::from(*duration_minutes));
                    let step = length.min(time::Duration::minutes(15));
                    let mut at = from - length;
                    while at < to {
                        match active_until(&w.schedule, at) {
                            Some(end) => {
                                if !out.contains(&(end - length, end)) {
                                    out.push((end - length, end));
                                }
                                at = end;
                            }
                            None => at += step,
                        }
                    }
                }
            }
        }
        out
    }

    /// Until when every desktop notification of this computer is muted, if it is.
    pub fn all_muted(&self, at: OffsetDateTime) -> Option<Option<OffsetDateTime>> {
        lock(&self.book)
            .mutes
            .iter()
            .find(|m| m.scope == QuietScope::All && m.until.is_none_or(|u| u > at))
            .map(|m| m.until)
    }
}

/// When the window in force at `at` ends, if one is.
pub fn active_until(schedule: &Schedule, at: OffsetDateTime) -> Option<OffsetDateTime> {
    match schedule {
        Schedule::Once { start, end } => (*start <= at && at < *end).then_some(*end),
        Schedule::Weekly { weekdays, start_minute, duration_minutes, time_zone } => {
            let zone = jiff::tz::TimeZone::get(time_zone).ok()?;
            let now =
                jiff::Timestamp::from_second(at.unix_timestamp()).ok()?.to_zoned(zone.clone());
            let duration = i64::from(*duration_minutes);
            // A window that started on an earlier day may still run (at most a week long).
            let days_back = i64::from(duration_minutes.div_ceil(24 * 60)).clamp(1, 7);
            (0..=days_back)
                .filter_map(|back| {
                    let day = now.date().checked_sub(jiff::Span::new().days(back)).ok()?;
                    let weekday = day.weekday().to_monday_zero_offset();
                    if weekdays & (1 << weekday) == 0 {
                        return None;
                    }
                    let (h, m) = (
                        i8::try_from(start_minute / 60).ok()?,
                        i8::try_from(start_minute % 60).ok()?,
                    );
                    let start = day.at(h, m, 0, 0).to_zoned(zone.clone()).ok()?;
                    let end = start.checked_add(jiff::Span::new().minutes(duration)).ok()?;
                    let (start, end) = (start.timestamp().as_second(), end.timestamp().as_second());
                    let now = at.unix_timestamp();
                    (start <= now && now < end)
                        .then(|| OffsetDateTime::from_unix_timestamp(end).ok())?
                })
                .max()
        }
    }
}

/// Checks a window as typed: one-off windows end after they start and last at most 31 days;
/// weekly windows have days, a time zone this computer knows, and last at most a week.
pub fn validate(schedule: &Schedule) -> Result<()> {
    let mut errors = FieldErrors::new();
    match schedule {
        Schedule::Once { start, end } => {
            if end <= start {
                errors.insert("endsAt", "The end must be after the start.".into());
            } else if *end - *start > time::Duration::days(31) {
                errors.insert("endsAt", "A one-off window lasts at most 31 days.".into());
            }
        }
        Schedule::Weekly { weekdays, start_minute, duration_minutes, time_zone } => {
            if weekdays & 0x7f == 0 {
                errors.insert("weekdays", "Choose at least one day.".into());
            }
            if *start_minute >= 24 * 60 {
                errors.insert("startTime", "Start between 00:00 and 23:59.".into());
            }
            if *duration_minutes == 0 || *duration_minutes > 7 * 24 * 60 {
                errors.insert("durationMinutes", "Last between 1 minute and 7 days.".into());
            }
            if jiff::tz::TimeZone::get(time_zone).is_err() {
                errors.insert(
                    "timeZone",
                    format!(
                        "“{time_zone}” is not a time zone this computer knows (e.g. Europe/Berlin)."
                    ),
                );
            }
        }
    }
    if errors.is_empty() { Ok(()) } else { Err(Error::Validation(errors)) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn weekly(days: u8, start: u16, minutes: u32, zone: &str) -> Schedule {
        Schedule::Weekly {
            weekdays: days,
            start_minute: start,
            duration_minutes: minutes,
            time_zone: zone.into(),
        }
    }

    #[test]
    fn a_weekly_window_runs_in_its_own_time_zone_across_midnight() {
        // Saturdays 22:00–02:00 Berlin time (CET, UTC+1 in January).
        let sat = weekly(1 << 5, 22 * 60, 240, "Europe/Berlin");
        // 2027-01-02 is a Saturday. 21:30 UTC = 22:30 Berlin: inside, until 01:00 UTC.
        assert_eq!(
            active_until(&sat, datetime!(2027-01-02 21:30 UTC)),
            Some(datetime!(2027-01-03 01:00 UTC))
        );
        // Sunday 00:30 UTC = 01:30 Berlin, the same window, started the day before.
        assert!(active_until(&sat, datetime!(2027-01-03 00:30 UTC)).is_some());
        // 01:00 UTC = 02:00 Berlin: over.
        assert_eq!(active_until(&sat, datetime!(2027-01-03 01:00 UTC)), None);
        // The Friday before: not a chosen day.
        assert_eq!(active_until(&sat, datetime!(2027-01-01 21:30 UTC)), None);
    }

    #[test]
    fn summer_time_moves_the_window_in_utc_not_on_the_wall_clock() {
        // Mondays 09:00 for an hour in New York: 14:00 UTC in winter, 13:00 UTC in summer.
        let mon = weekly(1, 9 * 60, 60, "America/New_York");
        assert!(active_until(&mon, datetime!(2027-01-04 14:30 UTC)).is_some());
        assert!(active_until(&mon, datetime!(2027-01-04 13:30 UTC)).is_none());
        assert!(active_until(&mon, datetime!(2027-07-05 13:30 UTC)).is_some());
        assert!(active_until(&mon, datetime!(2027-07-05 14:30 UTC)).is_none());
    }

    #[test]
    fn a_one_off_window_is_half_open_and_windows_are_checked() {
        let once = Schedule::Once {
            start: datetime!(2027-01-01 10:00 UTC),
            end: datetime!(2027-01-01 12:00 UTC),
        };
        assert_eq!(
            active_until(&once, datetime!(2027-01-01 10:00 UTC)),
            Some(datetime!(2027-01-01 12:00 UTC))
        );
        assert_eq!(active_until(&once, datetime!(2027-01-01 12:00 UTC)), None);
        let backwards = Schedule::Once {
            start: datetime!(2027-01-01 12:00 UTC),
            end: datetime!(2027-01-01 10:00 UTC),
        };
        assert!(validate(&backwards).unwrap_err().fields().unwrap().contains_key("endsAt"));
        let nowhere = weekly(1, 0, 60, "Mars/Olympus_Mons");
        assert!(validate(&nowhere).unwrap_err().fields().unwrap().contains_key("timeZone"));
        assert!(
            validate(&weekly(0, 0, 60, "UTC"))
                .unwrap_err()
                .fields()
                .unwrap()
                .contains_key("weekdays")
        );
        assert!(validate(&weekly(1, 0, 60, "UTC")).is_ok());
    }
}
