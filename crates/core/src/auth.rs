//! The console's own authentication: Argon2id password hashes for its technicians, and the
//! session of the person at the window with its idle lock.
//!
//! Must never store or log a password, and never compare passwords except through Argon2's
//! verifier.

use crate::error::{Error, Result};
use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use std::sync::LazyLock;
use time::{Duration, OffsetDateTime};

/// The console locks itself after this long without activity.
pub const IDLE_LOCK: Duration = Duration::minutes(15);

/// Hashes a password with Argon2id (the crate's defaults follow OWASP's recommendation).
/// Slow on purpose: call it off the async runtime's worker threads.
pub fn hash_password(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::Internal(format!("hashing the password: {e}")))
}

/// True when `password` matches the stored Argon2 PHC string.
pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|hash| {
            Argon2::default()
                .verify_password(password.as_bytes(), &hash)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash nobody's password matches, verified against when a username is unknown so that
/// "no such user" takes as long as "wrong password" and does not reveal who exists.
pub fn dummy_hash() -> &'static str {
    static DUMMY: LazyLock<String> = LazyLock::new(|| {
        hash_password("no technician has this password, it only burns time").unwrap_or_default()
    });
    &DUMMY
}

/// Who is at the window, and when they last did something.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub technician_id: i64,
    pub username: String,
    pub role: crate::store::technicians::Role,
    pub last_activity: OffsetDateTime,
}

impl Session {
    pub fn is_idle(&self, now: OffsetDateTime) -> bool {
        now - self.last_activity >= IDLE_LOCK
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_and_verify_only_the_right_password() {
        let phc = hash_password("correct horse battery").unwrap();
        assert!(phc.starts_with("$argon2id$"), "{phc}");
        assert!(!phc.contains("correct horse"));
        assert!(verify_password("correct horse battery", &phc));
        assert!(!verify_password("correct horse batterY", &phc));
        assert!(!verify_password("anything", "not a hash"));
        assert!(!verify_password("anything", dummy_hash()));
    }

    #[test]
    fn idle_after_fifteen_minutes() {
        let t0 = time::macros::datetime!(2026-11-25 09:00 UTC);
        let s = Session {
            technician_id: 1,
            username: "admin".into(),
            role: crate::store::technicians::Role::Admin,
            last_activity: t0,
        };
        assert!(!s.is_idle(t0 + Duration::minutes(14)));
        assert!(s.is_idle(t0 + Duration::minutes(15)));
    }
}
