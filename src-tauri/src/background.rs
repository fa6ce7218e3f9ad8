//! What runs behind the window for as long as the app lives: the core's events forwarded
//! as webview events, desktop notifications (sent from Rust, so they arrive while the window
//! is hidden or locked) and the tray's menu and count; the health monitor, the sync
//! schedule and the alert routing to mail and webhooks; and the idle-lock timer.
//!
//! Must never decide anything: each event is mapped, never judged.

use crate::ipc::customers::SyncStatus;
use crate::ipc::events::{Connectivity, HealthUpdated, StatusCounts, SyncUpdated};
use crate::tray;
use mssp_core::locks::lock;
use mssp_core::model::{CustomerId, Health};
use mssp_core::{Console, ConsoleEvent};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tauri::{AppHandle, Emitter, Manager, Runtime};
use tauri_plugin_notification::NotificationExt;
use tokio::sync::broadcast::error::RecvError;

/// The longest a `customers-changed` waits for others to fold into it.
const CUSTOMERS_CHANGED_EVERY: Duration = Duration::from_millis(300);

/// How often the health of the customers checked meanwhile goes to the window, as one event.
/// Each event is a script the webview runs; one per check would be hundreds a second with
/// thousands of customers, and would take the window's main thread from the person.
const HEALTH_EVERY: Duration = Duration::from_millis(250);

const AUDIT_PRUNE_EVERY: Duration = Duration::from_secs(6 * 3600);

/// How often the idle lock is enforced even when nobody clicks.
const IDLE_CHECK_INTERVAL: Duration = Duration::from_secs(15);

/// Starts forwarding, the monitor, the sync schedule and the idle timer.
pub fn start<R: Runtime>(app: AppHandle<R>, console: Arc<Console>) {
    tauri::async_runtime::spawn(forward(app.clone(), console.clone()));

    // The monitor, the schedule and the alert routing spawn their tasks on a runtime of their
    // own. A sweep of thousands of customers queues thousands of tasks: on Tauri's runtime the
    // window's commands waited behind them (a one-row read took 0.8 s at 10,000). Apart, the
    // two share the cores through the OS, and a command starts at once. If that runtime cannot
    // be built, Tauri's serves, as before.
    let work = BackgroundRuntime::new();
    let tauris = tauri::async_runtime::handle();
    let (monitor, sync) = {
        let _runtime = match &work.0 {
            Some(runtime) => runtime.enter(),
            None => tauris.inner().enter(),
        };
        // Alerts to mail and webhooks are routed from here on, beside the monitor.
        console.alerts().spawn();
        (console.monitor().spawn(), console.sync().spawn())
    };
    app.manage(work);
    app.manage(monitor);
    app.manage(sync);

    // The audit keeps its retention: pruned at start and every few hours (it waits for the
    // keychain's key, so a locked keychain only delays it).
    let pruning = console.clone();
    tauri::async_runtime::spawn(async move {
        let mut tick = tokio::time::interval(AUDIT_PRUNE_EVERY);
        loop {
            tick.tick().await;
            match pruning.prune_audit().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(entries = n, "pruned the audit past its retention"),
                Err(e) => tracing::warn!(error = %e, "could not prune the audit yet"),
            }
        }
    });

    tauri::async_runtime::spawn(async move {
        let mut tick = tokio::time::interval(IDLE_CHECK_INTERVAL);
        loop {
            tick.tick().await;
            console.sessions().enforce_idle_lock();
        }
    });
}

/// The runtime of the monitor, the sync schedule and the alert routing; lives as long as the
/// app (managed state).
struct BackgroundRuntime(Option<tokio::runtime::Runtime>);

impl BackgroundRuntime {
    fn new() -> Self {
        let workers = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 4));
        let built = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers)
            .thread_name("mssp-background")
            .enable_all()
            .build();
        match built {
            Ok(runtime) => Self(Some(runtime)),
            Err(e) => {
                tracing::warn!(error = %e, "no runtime of its own for the monitor: sharing the window's");
                Self(None)
            }
        }
    }
}

impl Drop for BackgroundRuntime {
    /// At exit, without waiting for checks in flight (and without the panic a runtime
    /// dropped inside another's task would raise).
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}

async fn forward<R: Runtime>(app: AppHandle<R>, console: Arc<Console>) {
    let mut events = console.subscribe();
    // Customers added, edited, removed or tagged: told at most every CUSTOMERS_CHANGED_EVERY
    // (an import adds hundreds a second; the window reloads its list once for them).
    let changed = Arc::new(AtomicBool::new(false));
    let (flag, to) = (changed.clone(), app.clone());
    tauri::async_runtime::spawn(async move {
        let mut tick = tokio::time::interval(CUSTOMERS_CHANGED_EVERY);
        loop {
            tick.tick().await;
            if flag.swap(false, Ordering::Relaxed) {
                let _ = to.emit("customers-changed", ());
            }
        }
    });
    // Health after each check: the last per customer, sent every HEALTH_EVERY. The counts
    // too: a sweep changes thousands of states, and each count reads every customer and
    // rebuilds the tray's menu, so they go at most once per tick.
    let checked: Arc<Mutex<HashMap<CustomerId, Health>>> = Arc::default();
    let recount = Arc::new(AtomicBool::new(false));
    let (pending, to, from) = (checked.clone(), app.clone(), console.clone());
    let counts_due = recount.clone();
    tauri::async_runtime::spawn(async move {
        let mut tick = tokio::time::interval(HEALTH_EVERY);
        loop {
            tick.tick().await;
            if counts_due.swap(false, Ordering::Relaxed) {
                send_counts(&to, &from);
            }
            let batch = std::mem::take(&mut *lock(&pending));
            let updates: Vec<HealthUpdated> = batch
                .into_iter()
                .filter(|(id, _)| from.may_see(*id))
                .map(|(id, health)| HealthUpdated {
                    customer_id: id.to_string(),
                    health: health.into(),
                })
                .collect();
            if !updates.is_empty() {
                let _ = to.emit("health-updated", updates);
            }
        }
    });
    loop {
        match events.recv().await {
            Ok(ConsoleEvent::HealthUpdated { customer_id, health }) => {
                lock(&checked).insert(customer_id, health);
            }
            // Counted again for what this session sees at the next tick (`deliver`).
            Ok(ConsoleEvent::StatusCounts { .. }) => recount.store(true, Ordering::Relaxed),
            Ok(
                ConsoleEvent::CustomersChanged
                | ConsoleEvent::CustomerSaved(_)
                | ConsoleEvent::CustomerRemoved(_),
            ) => changed.store(true, Ordering::Relaxed),
            // Rows say "Maintenance" or "Muted": the list is read again; the tray too.
            Ok(ConsoleEvent::QuietChanged) => {
                changed.store(true, Ordering::Relaxed);
                tray::refresh(&app, &console);
            }
            Ok(event) => deliver(&app, &console, event),
            // The window fell behind; the next list refresh catches it up.
            Err(RecvError::Lagged(_)) => continue,
            Err(RecvError::Closed) => break,
        }
    }
}

/// The customers by state, as this session may see them, to the tray and the window.
fn send_counts<R: Runtime>(app: &AppHandle<R>, console: &Console) {
    let c = console.status_counts();
    tray::refresh(app, console);
    let counts = StatusCounts { up: c.up, down: c.down, unknown: c.unknown };
    if console.sessions().current().is_some()
        && let Err(e) = app.emit("status-counts", counts)
    {
        tracing::debug!(error = %e, "could not tell the window the counts");
    }
}

/// Each event as the person at the window may see it (see `Console::may_see`,
/// `status_counts`, `deliverable`): nothing about customers they may not see, no names
/// while the console is locked.
fn deliver<R: Runtime>(app: &AppHandle<R>, console: &Console, event: ConsoleEvent) {
    let sent = match event {
        ConsoleEvent::SyncUpdated { customer_id, status } if console.may_see(customer_id) => {
            let (label, sync) = (status.label(), SyncStatus::from(status));
            let payload = SyncUpdated { customer_id: customer_id.to_string(), status: label, sync };
            app.emit("sync-updated", payload)
        }
        ConsoleEvent::Notify(note) => {
            if let Some(note) = console.deliverable(&note) {
                notify(app, &note.title, &note.body);
            }
            Ok(())
        }
        ConsoleEvent::LicenseChanged => app.emit("license-changed", ()),
        ConsoleEvent::SessionLocked => {
            crate::customer_window::close_all(app);
            app.emit("session-locked", ())
        }
        ConsoleEvent::SetUpElsewhere => app.emit("set-up-elsewhere", ()),
        ConsoleEvent::ConnectivityChanged { offline_since } => {
            tray::refresh(app, console);
            let since = offline_since.map(mssp_core::codec::ts);
            app.emit("connectivity-changed", Connectivity { offline_since: since })
        }
        // Batched in `forward`: health and the counts go at most every HEALTH_EVERY.
        ConsoleEvent::HealthUpdated { .. }
        | ConsoleEvent::StatusCounts { .. }
        | ConsoleEvent::SyncUpdated { .. }
        | ConsoleEvent::CustomersChanged
        | ConsoleEvent::CustomerSaved(_)
        | ConsoleEvent::CustomerRemoved(_)
        | ConsoleEvent::TechniciansChanged
        | ConsoleEvent::MonitorSettingsChanged
        | ConsoleEvent::NetworkChanged
        | ConsoleEvent::QuietChanged
        | ConsoleEvent::SyncFailing { .. } => Ok(()),
    };
    if let Err(e) = sent {
        tracing::debug!(error = %e, "could not deliver an event to the window");
    }
}

/// A desktop notification, sent from Rust so it arrives while the window is hidden or locked.
fn notify<R: Runtime>(app: &AppHandle<R>, title: &str, body: &str) {
    let body = escape_markup(body);
    if let Err(e) = app.notification().builder().title(title).body(body.as_ref()).show() {
        tracing::warn!(error = %e, "could not show a desktop notification");
    }
}

/// Freedesktop notification servers may read a subset of HTML in the body (`body-markup`):
/// escaped, a customer's "<b>" or "&amp;" stays text. Other desktops show the body as is.
fn escape_markup(body: &str) -> std::borrow::Cow<'_, str> {
    if cfg!(all(unix, not(target_os = "macos"))) && body.contains(['<', '>', '&']) {
        body.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").into()
    } else {
        body.into()
    }
}

#[cfg(test)]
mod tests {
    use super::escape_markup;

    #[cfg(all(unix, not(target_os = "macos")))]
    #[test]
    fn notification_bodies_carry_no_markup() {
        assert_eq!(escape_markup("<b>Acme</b> & co"), "&lt;b&gt;Acme&lt;/b&gt; &amp; co");
        assert_eq!(escape_markup("plain"), "plain");
    }
}
