//! What runs behind the window for as long as the app lives: the core's events forwarded
//! as webview events, desktop notifications (sent from Rust, so they arrive while the window
//! is hidden or locked) and the tray's count; the health monitor and the sync schedule; and
//! the idle-lock timer.
//!
//! Must never decide anything: each event is mapped, never judged.

use crate::ipc::customers::SyncStatus;
use crate::ipc::events::{HealthUpdated, StatusCounts, SyncUpdated};
use crate::tray;
use mssp_core::{Console, ConsoleEvent};
use std::sync::Arc;
use std::time::Duration;
use tauri::{AppHandle, Emitter, Manager, Runtime};
use tauri_plugin_notification::NotificationExt;
use tokio::sync::broadcast::error::RecvError;

/// How often the idle lock is enforced even when nobody clicks.
const IDLE_CHECK_INTERVAL: Duration = Duration::from_secs(15);

/// Starts forwarding, the monitor, the sync schedule and the idle timer.
pub fn start<R: Runtime>(app: AppHandle<R>, console: Arc<Console>) {
    tauri::async_runtime::spawn(forward(app.clone(), console.clone()));

    // The monitor and the schedule spawn their tasks on Tauri's tokio runtime.
    let (monitor, sync) = {
        let _runtime = tauri::async_runtime::handle().inner().enter();
        (console.monitor().spawn(), console.sync().spawn())
    };
    app.manage(monitor);
    app.manage(sync);

    tauri::async_runtime::spawn(async move {
        let mut tick = tokio::time::interval(IDLE_CHECK_INTERVAL);
        loop {
            tick.tick().await;
            console.sessions().enforce_idle_lock();
        }
    });
}

async fn forward<R: Runtime>(app: AppHandle<R>, console: Arc<Console>) {
    let mut events = console.subscribe();
    loop {
        match events.recv().await {
            Ok(event) => deliver(&app, event),
            // The window fell behind; the next list refresh catches it up.
            Err(RecvError::Lagged(_)) => continue,
            Err(RecvError::Closed) => break,
        }
    }
}

fn deliver<R: Runtime>(app: &AppHandle<R>, event: ConsoleEvent) {
    let sent = match event {
        ConsoleEvent::HealthUpdated { customer_id, health } => {
            let payload =
                HealthUpdated { customer_id: customer_id.to_string(), health: health.into() };
            app.emit("health-updated", payload)
        }
        ConsoleEvent::StatusCounts { up, down, unknown } => {
            tray::show_counts(app, down, up + down + unknown);
            app.emit("status-counts", StatusCounts { up, down, unknown })
        }
        ConsoleEvent::SyncUpdated { customer_id, status } => {
            let (label, sync) = (status.label(), SyncStatus::from(status));
            let payload = SyncUpdated { customer_id: customer_id.to_string(), status: label, sync };
            app.emit("sync-updated", payload)
        }
        ConsoleEvent::Notify(note) => {
            let shown = app.notification().builder().title(&note.title).body(&note.body).show();
            if let Err(e) = shown {
                tracing::warn!(error = %e, "could not show a desktop notification");
            }
            Ok(())
        }
        ConsoleEvent::LicenseChanged => app.emit("license-changed", ()),
        ConsoleEvent::SessionLocked => app.emit("session-locked", ()),
        ConsoleEvent::CustomersChanged
        | ConsoleEvent::CustomerSaved(_)
        | ConsoleEvent::CustomerRemoved(_)
        | ConsoleEvent::TechniciansChanged
        | ConsoleEvent::MonitorSettingsChanged
        | ConsoleEvent::NetworkChanged => Ok(()),
    };
    if let Err(e) = sent {
        tracing::debug!(error = %e, "could not deliver an event to the window");
    }
}
