//! The Tauri shell of MSSP Console: opens the core [`Console`] on the right data dir and
//! keychain service, maps commands ([`ipc`]) and events ([`background`]), and owns the
//! window and tray. It holds no business logic: every decision is the core's.

mod background;
mod error;
pub mod ipc;
mod tray;

pub use error::IpcError;

use mssp_core::{Console, ConsoleConfig};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tauri::{Manager, Runtime, WindowEvent};

/// Whether closing the window hides it into the tray (monitoring goes on) or quits.
struct KeepInTray(AtomicBool);

/// Registers the commands; shared by the real app and the IPC tests (mock runtime).
pub fn app_builder<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder.invoke_handler(ipc::handler())
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
            background::start(app.handle().clone(), console);
            Ok(())
        })
        .on_window_event(|window, event| {
            if let WindowEvent::CloseRequested { api, .. } = event {
                let keep = window.try_state::<KeepInTray>().is_some_and(|k| k.0.load(Ordering::Relaxed));
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
                    console.monitor().flush();
                }
            }
        }),
        Err(e) => {
            eprintln!("MSSP Console could not start: {e}");
            std::process::exit(1);
        }
    }
}
