//! The Tauri shell of MSSP Console: opens the core [`Console`] on the right data dir and
//! keychain service, maps commands and events, and runs the background timers. It holds no
//! business logic: every decision is the core's.

mod commands;
mod dto;
mod error;

pub use error::IpcError;

use mssp_core::{Console, ConsoleConfig, ConsoleEvent};
use std::sync::Arc;
use std::time::Duration;
use tauri::{AppHandle, Emitter, Manager, Runtime};

/// How often the window's health icons are refreshed in the background.
const HEALTH_INTERVAL: Duration = Duration::from_secs(30);
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
        commands::list_audit,
    ])
}

/// Forwards the core's events to the webview and runs the health and idle-lock timers.
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
                Ok(ConsoleEvent::SessionLocked) => {
                    let _ = emitter.emit("session-locked", ());
                }
                // The window fell behind; the next list refresh catches it up.
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            }
        }
    });

    let sweeper = console.clone();
    tauri::async_runtime::spawn(async move {
        let mut tick = tokio::time::interval(HEALTH_INTERVAL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = sweeper.sweep_health().await {
                tracing::warn!(error = %e, "health sweep failed");
            }
        }
    });

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
        .setup(|app| {
            let default_dir = app.path().app_data_dir()?;
            let config = ConsoleConfig::from_env(default_dir);
            tracing::info!(data_dir = %config.data_dir.display(), keychain_service = %config.keychain_service, "opening the console");
            let console = Arc::new(Console::open(&config)?);
            app.manage(console.clone());
            start_background(app.handle().clone(), console);
            Ok(())
        })
        .build(tauri::generate_context!("../tauri.conf.json"));
    match app {
        Ok(app) => app.run(|_, _| {}),
        Err(e) => {
            eprintln!("MSSP Console could not start: {e}");
            std::process::exit(1);
        }
    }
}
