//! Background work under supervision: a check, a sync, a push or a Sync All runs on a task
//! of its own, and however it ends, a panic included, the caller gets an answer and the
//! places it held (in-flight set, running set, the Sync All slot) are released by guards.
//!
//! Must never let one task's panic take others down or keep a customer "in progress"
//! forever.

use std::future::Future;

/// Runs `work` on its own task. A panic becomes `Err` with what a person can act on.
pub(crate) async fn supervised<T: Send + 'static>(
    what: &str,
    work: impl Future<Output = T> + Send + 'static,
) -> Result<T, String> {
    match tokio::spawn(work).await {
        Ok(value) => Ok(value),
        Err(e) if e.is_panic() => {
            let detail = panic_text(e.into_panic());
            tracing::error!(%detail, "{what} failed unexpectedly");
            Err(format!(
                "{what} failed unexpectedly (internal error: {detail}); it will be retried"
            ))
        }
        Err(_) => Err(format!("{what} was stopped")),
    }
}

fn panic_text(payload: Box<dyn std::any::Any + Send>) -> String {
    let text = match payload.downcast::<String>() {
        Ok(s) => *s,
        Err(payload) => payload.downcast::<&str>().map(|s| (*s).to_owned()).unwrap_or_default(),
    };
    crate::sanitize::shown(&text)
}

/// Runs `release` when dropped, unless disarmed: the place a task held goes back however the
/// task ends (its future is dropped when it panics).
pub(crate) struct OnDrop<F: FnOnce()>(Option<F>);

impl<F: FnOnce()> OnDrop<F> {
    pub(crate) fn new(release: F) -> Self {
        Self(Some(release))
    }

    /// The task ended normally and released its place itself.
    pub(crate) fn disarm(mut self) {
        self.0 = None;
    }
}

impl<F: FnOnce()> Drop for OnDrop<F> {
    fn drop(&mut self) {
        if let Some(release) = self.0.take() {
            release();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    #[tokio::test]
    async fn a_panic_becomes_a_reason_and_the_place_is_released() {
        let released = Arc::new(AtomicBool::new(false));
        let flag = released.clone();
        let outcome = supervised("the sync of Acme", async move {
            let _place = OnDrop::new(move || flag.store(true, Ordering::SeqCst));
            let answer: Result<u32, &str> = Err("an answer the code did not expect");
            answer.map_err(|e| panic!("{e}")).unwrap_or_default()
        })
        .await;
        let reason = outcome.unwrap_err();
        assert!(reason.contains("failed unexpectedly"), "{reason}");
        assert!(reason.contains("an answer the code did not expect"), "{reason}");
        assert!(released.load(Ordering::SeqCst), "the guard ran during the unwind");
    }

    #[tokio::test]
    async fn a_disarmed_guard_does_nothing_and_values_pass_through() {
        let released = Arc::new(AtomicBool::new(false));
        let flag = released.clone();
        let value = supervised("a check", async move {
            let place = OnDrop::new(move || flag.store(true, Ordering::SeqCst));
            place.disarm();
            7
        })
        .await;
        assert_eq!(value, Ok(7));
        assert!(!released.load(Ordering::SeqCst));
    }
}
