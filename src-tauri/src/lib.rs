//! The Tauri shell of MSSP Console: opens the core [`Console`] on the right data dir and
//! keychain service, maps commands and events, and runs the background timers. It holds no
//! business logic: every decision is the core's.

mod commands;
mod dto;
mod error;
mod tray;

pub use error::IpcError;

use mssp_core::{Console, ConsoleConfig, ConsoleEvent};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tauri::{AppHandle, Emitter, Manager, Runtime, WindowEvent};
use tauri_plugin_notification::NotificationExt;

/// Whether closing the window hides it into the tray (monitoring goes on) or quits.
struct KeepInTray(AtomicBool);

/// How often the idle lock is enforced even when nobody clicks.
const IDLE_CHECK_INTERVAL: Duration = Duration::from_secs(15);

/// Registers the commands; shared by the real app and the IPC tests (mock runtime).
pub fn app_builder<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder.invoke_handler(tauri::generate_handler![
        commands::app_info,
        commands::create_admin,
        commands::login,
        commands::logout,
        commands::touch_session,
        commands::list_customers,
        commands::add_customer,
        commands::update_customer,
        commands::delete_customer,
        commands::force_delete_customer,
        commands::check_health,
        commands::check_customer_now,
        commands::customer_health,
        commands::get_monitor_settings,
        commands::update_monitor_settings,
        commands::sync_customer,
        commands::sync_all,
        commands::cancel_sync_all,
        commands::customer_details,
        commands::get_sync_settings,
        commands::update_sync_settings,
        commands::list_technicians,
        commands::add_technician,
        commands::update_technician,
        commands::set_technician_enabled,
        commands::license_overview,
        commands::apply_license,
        commands::set_license_alert_threshold,
        commands::allocation_details,
        commands::update_allocation,
        commands::export_license_csv,
        commands::list_audit,
    ])
}

/// Forwards the core's events to the webview, the tray and the OS notification service, and
/// runs the health monitor and the idle-lock timer.
pub fn start_background<R: Runtime>(app: AppHandle<R>, console: Arc<Console>) {
    let mut events = console.subscribe();
    let emitter = app.clone();
    tauri::async_runtime::spawn(async move {
        loop {
            match events.recv().await {
                Ok(ConsoleEvent::HealthUpdated {
                    customer_id,
                    health,
                }) => {
                    let payload = dto::HealthUpdatedDto {
                        customer_id: customer_id.to_string(),
                        health: health.into(),
                    };
                    let _ = emitter.emit("health-updated", payload);
                }
                Ok(ConsoleEvent::StatusCounts { up, down, unknown }) => {
                    tray::show_counts(&emitter, down, up + down + unknown);
                    let _ =
                        emitter.emit("status-counts", dto::StatusCountsDto { up, down, unknown });
                }
                Ok(ConsoleEvent::Notify(note)) => {
                    // Sent from Rust so it arrives even while the window is hidden or locked.
                    if let Err(e) = emitter
                        .notification()
                        .builder()
                        .title(&note.title)
                        .body(&note.body)
                        .show()
                    {
                        tracing::warn!(error = %e, "could not show a desktop notification");
                    }
                }
                Ok(ConsoleEvent::SessionLocked) => {
                    let _ = emitter.emit("session-locked", ());
                }
                Ok(ConsoleEvent::SyncUpdated {
                    customer_id,
                    status,
                }) => {
                    let payload = dto::SyncUpdatedDto {
                        customer_id: customer_id.to_string(),
                        status: status.label(),
                        sync: status.into(),
                    };
                    let _ = emitter.emit("sync-updated", payload);
                }
                Ok(ConsoleEvent::SyncProgress(progress)) => {
                    let _ = emitter.emit("sync-progress", dto::SyncProgressDto::from(progress));
                }
                Ok(ConsoleEvent::LicenseChanged) => {
                    let _ = emitter.emit("license-changed", ());
                }
                Ok(
                    ConsoleEvent::CustomersChanged
                    | ConsoleEvent::CustomerSaved(_)
                    | ConsoleEvent::TechniciansChanged
                    | ConsoleEvent::MonitorSettingsChanged,
                ) => {}
                // The window fell behind; the next list refresh catches it up.
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            }
        }
    });

    // The monitor spawns its tasks on Tauri's tokio runtime; it lives as long as the app.
    let (monitor, sync) = {
        let _runtime = tauri::async_runtime::handle().inner().enter();
        (
            mssp_core::monitor::spawn(console.clone()),
            mssp_core::sync::spawn(console.clone()),
        )
    };
    app.manage(monitor);
    app.manage(sync);

    tauri::async_runtime::spawn(async move {
        let mut tick = tokio::time::interval(IDLE_CHECK_INTERVAL);
        loop {
            tick.tick().await;
            console.enforce_idle_lock();
        }
    });
}

/// Starts the desktop app.
pub fn run() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();

    let app = app_builder(tauri::Builder::default())
        .plugin(tauri_plugin_notification::init())
        .setup(|app| {
            let default_dir = app.path().app_data_dir()?;
            let config = ConsoleConfig::from_env(default_dir);
            tracing::info!(data_dir = %config.data_dir.display(), keychain_service = %config.keychain_service, "opening the console");
            let console = Arc::new(Console::open(&config)?);
            app.manage(console.clone());
            let keep = tray::create(app.handle());
            app.manage(KeepInTray(AtomicBool::new(keep)));
            start_background(app.handle().clone(), console);
            Ok(())
        })
        .on_window_event(|window, event| {
            if let WindowEvent::CloseRequested { api, .. } = event {
                let keep = window
                    .try_state::<KeepInTray>()
                    .is_some_and(|k| k.0.load(Ordering::Relaxed));
                if keep {
                    api.prevent_close();
                    let _ = window.hide();
                }
            }
        })
        .build(tauri::generate_context!("../tauri.conf.json"));
    match app {
        Ok(app) => app.run(|app, event| {
            if let tauri::RunEvent::Exit = event {
                if let Some(monitor) = app.try_state::<mssp_core::monitor::MonitorHandle>() {
                    monitor.stop();
                }
                if let Some(sync) = app.try_state::<mssp_core::sync::SyncHandle>() {
                    sync.stop();
                }
                if let Some(console) = app.try_state::<Arc<Console>>() {
                    mssp_core::monitor::flush_now(&console);
                }
            }
        }),
        Err(e) => {
            eprintln!("MSSP Console could not start: {e}");
            std::process::exit(1);
        }
    }
}
