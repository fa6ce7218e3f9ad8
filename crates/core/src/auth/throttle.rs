//! Backoff after failed logins of the console's own users, per user and for all users, kept
//! in the store so separate processes on one data dir share it. A person who mistypes waits
//! a second or two after the third try; a script guessing waits longer with each failure,
//! up to 15 minutes per user, and everyone waits once failures pile up across users.
//!
//! Must never tell whether a username exists (unknown names are counted like known ones),
//! and never lock a user out for longer than [`USER_MAX`].

use crate::error::{Error, Result};
use crate::store::login_failures::{self, Failures};
use rusqlite::Connection;
use time::{Duration, OffsetDateTime};

/// Failures of one user allowed before the next attempt has to wait.
pub const USER_FREE: u32 = 3;
/// The longest one user waits.
pub const USER_MAX: Duration = Duration::minutes(15);
/// A user's failures are forgotten after this long without one.
const USER_FORGET: Duration = Duration::hours(24);
/// Failures of all users within [`GLOBAL_WINDOW`] allowed before every attempt waits.
pub const GLOBAL_FREE: u32 = 20;
const GLOBAL_WINDOW: Duration = Duration::minutes(10);
const GLOBAL_MAX: Duration = Duration::minutes(5);
const GLOBAL_KEY: &str = "global";

fn user_key(username: &str) -> String {
    format!("user:{}", crate::sanitize::clean(&username.trim().to_lowercase(), 128))
}

/// `2^(n-1)` seconds for the `n`th failure past the free ones, at most `max`.
fn wait(over: u32, max: Duration) -> Duration {
    let seconds = 1i64.checked_shl(over.saturating_sub(1).min(30)).unwrap_or(i64::MAX);
    Duration::seconds(seconds).min(max)
}

/// Refuses an attempt that comes before its wait is over.
pub(crate) fn check(conn: &Connection, username: &str, now: OffsetDateTime) -> Result<()> {
    let until = [user_key(username), GLOBAL_KEY.to_owned()]
        .iter()
        .filter_map(|key| login_failures::get(conn, key).transpose())
        .collect::<Result<Vec<_>>>()?
        .into_iter()
        .filter_map(|f| f.locked_until)
        .max();
    match until {
        Some(until) if until > now => {
            let secs = (until - now).as_seconds_f64().ceil().max(1.0) as u64;
            Err(Error::LoginThrottled { retry_after_s: secs })
        }
        _ => Ok(()),
    }
}

/// Counts a failed attempt for `username` and for everyone.
pub(crate) fn failed(conn: &Connection, username: &str, now: OffsetDateTime) -> Result<()> {
    let user = user_key(username);
    bump(conn, &user, now, USER_FORGET, USER_FREE, USER_MAX)?;
    bump(conn, GLOBAL_KEY, now, GLOBAL_WINDOW, GLOBAL_FREE, GLOBAL_MAX)
}

fn bump(
    conn: &Connection,
    key: &str,
    now: OffsetDateTime,
    forget_after: Duration,
    free: u32,
    max: Duration,
) -> Result<()> {
    let before = login_failures::get(conn, key)?.filter(|f| now - f.last_at < forget_after);
    let failures = before.map_or(0, |f| f.failures).saturating_add(1);
    let locked_until = (failures > free).then(|| now + wait(failures - free, max));
    login_failures::put(conn, key, &Failures { failures, last_at: now, locked_until })
}

/// A successful login forgets that user's failures (not everyone's).
pub(crate) fn succeeded(conn: &Connection, username: &str) -> Result<()> {
    login_failures::clear(conn, &user_key(username))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;
    use time::macros::datetime;

    const T0: OffsetDateTime = datetime!(2026-12-02 09:00 UTC);

    #[test]
    fn a_mistype_costs_nothing_and_guessing_slows_to_a_crawl() {
        let store = Store::open_in_memory().unwrap();
        let fail = |at| store.write(|tx| failed(tx, "admin", at)).unwrap();
        let admin = |at| store.read(|c| check(c, "admin", at));
        for _ in 0..USER_FREE {
            fail(T0);
            assert!(admin(T0).is_ok(), "three tries are free");
        }
        fail(T0);
        assert_eq!(admin(T0).unwrap_err().code(), "login_throttled");
        assert!(admin(T0 + Duration::seconds(1)).is_ok(), "a second later");
        let mut at = T0;
        for _ in 0..20 {
            at += Duration::minutes(16);
            fail(at);
        }
        let Err(Error::LoginThrottled { retry_after_s }) = admin(at) else { panic!() };
        assert_eq!(retry_after_s, 15 * 60, "at most 15 minutes");
        assert!(store.read(|c| check(c, "someone-else", at)).is_ok(), "others are not locked out");
        store.write(|tx| succeeded(tx, "ADMIN ")).unwrap();
        assert!(admin(at).is_ok(), "a success forgets the failures");
    }

    #[test]
    fn failures_across_users_slow_everyone() {
        let store = Store::open_in_memory().unwrap();
        for i in 0..=GLOBAL_FREE {
            store.write(|tx| failed(tx, &format!("user{i}"), T0)).unwrap();
        }
        assert!(store.read(|c| check(c, "anyone", T0)).is_err());
        assert!(store.read(|c| check(c, "anyone", T0 + GLOBAL_MAX)).is_ok());
    }
}
