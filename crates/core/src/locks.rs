//! The one way the console takes a `std::sync::Mutex` (the core, and the crates above it).
//!
//! A poisoned lock means a thread panicked while holding it. Every mutex in the core guards
//! in-memory bookkeeping that stays consistent at each statement (maps and sets updated in
//! one call) or a SQLite connection (whose transaction rolls back on drop), so the data is
//! still safe to use and the console must go on rather than cascade the panic.
//! Must never be used to hold a lock across an `.await`.

use std::sync::{Mutex, MutexGuard};

pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
