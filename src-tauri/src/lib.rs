//! The Tauri shell of MSSP Console: opens the core [`Console`] on the right data dir and
//! keychain service, maps commands ([`ipc`]) and events ([`background`]), and owns the
//! window and tray. It holds no business logic: every decision is the core's.

mod background;
mod customer_window;
pub mod desktop;
mod error;
pub mod ipc;
mod tray;

pub use error::IpcError;

use desktop::start::StartMode;
use mssp_core::{Console, ConsoleConfig};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tauri::{Emitter, Manager, Runtime, WindowEvent};

/// The start-up update check waits this long, so it never competes with the first screen.
const UPDATE_CHECK_DELAY: Duration = Duration::from_secs(15);

/// Whether closing the window hides it into the tray (monitoring goes on) or quits.
struct KeepInTray(AtomicBool);

/// Registers the commands; shared by the real app and the IPC tests (mock runtime).
pub fn app_builder<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder.invoke_handler(ipc::handler())
}

/// Asks the console already running on `data_dir` to show its window.
async fn focus_running(data_dir: &std::path::Path) -> mssp_core::Result<()> {
    let mut running = mssp_local::LocalClient::connect(data_dir).await?;
    running.call(&mssp_local::Request::Focus).await.map(drop)
}

/// Starts the desktop app.
pub fn run() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();

    let app = desktop::plugins(app_builder(tauri::Builder::default()))
        .plugin(tauri_plugin_notification::init())
        .setup(|app| {
            let default_dir = app.path().app_data_dir()?;
            let config = ConsoleConfig::from_env(default_dir);
            tracing::info!(data_dir = %config.data_dir.display(), keychain_service = %config.keychain_service, "opening the console");
            let console = match Console::open(&config) {
                Ok(console) => Arc::new(console),
                Err(mssp_core::Error::AlreadyRunning(_))
                    if std::env::args().any(|a| a == desktop::start::AUTOSTART_ARG) =>
                {
                    // A login start while the console already runs: nothing to bring forward.
                    std::process::exit(0);
                }
                Err(mssp_core::Error::AlreadyRunning(_)) => {
                    // One console per data dir: bring the running window forward instead.
                    let asked = tauri::async_runtime::block_on(focus_running(&config.data_dir));
                    if let Err(e) = asked {
                        eprintln!("MSSP Console is already running on this data folder: {e}");
                    }
                    std::process::exit(0);
                }
                Err(e) => return Err(e.into()),
            };
            app.manage(console.clone());
            let handle = app.handle().clone();
            let focus: mssp_local::Focus = Arc::new(move || tray::show_window(&handle));
            let data_dir = config.data_dir.clone();
            let served = console.clone();
            tauri::async_runtime::spawn(async move {
                // Without the channel the window works; only mssp-admin and a second launch
                // cannot reach it.
                if let Err(e) = mssp_local::serve(served, &data_dir, focus).await {
                    tracing::warn!(error = %e, "the local channel for mssp-admin is not available");
                }
            });
            let keep = tray::create(app.handle());
            app.manage(KeepInTray(AtomicBool::new(keep)));

            let policy = desktop::policy::Policy::load();
            desktop::apply_policy(app.handle(), &policy);
            app.manage(policy);
            app.manage(desktop::updates::Updates::new(&config.data_dir));

            let mode = desktop::start::start_mode(std::env::args(), keep);
            if let Some(window) = app.get_webview_window("main") {
                match mode {
                    StartMode::Shown => {}
                    StartMode::InTray => window.hide()?,
                    StartMode::Minimised => window.minimize()?,
                }
            }
            if mode == StartMode::Shown {
                background::start(app.handle().clone(), console);
            } else {
                // Started by the OS at login: the desktop may unlock the keychain only after
                // starting us. Monitoring and sync need the console's key, so they wait for it
                // (retrying, never giving up on a locked keychain) instead of failing.
                let handle = app.handle().clone();
                tauri::async_runtime::spawn(async move {
                    let delays = desktop::start::keychain_retry_delays();
                    desktop::start::wait_for_keychain(console.clone(), delays).await;
                    background::start(handle, console);
                });
            }

            // The daily update check, once the first screen is up.
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                let found = desktop::updates::check_at_start(handle.clone(), UPDATE_CHECK_DELAY).await;
                if let Some(update @ desktop::updates::UpdateCheck::Available { .. }) = found {
                    let _ = handle.emit("update-available", update);
                }
            });
            Ok(())
        })
        .on_window_event(|window, event| {
            // Only the main window hides into the tray; a customer's console window closes.
            if let WindowEvent::CloseRequested { api, .. } = event
                && window.label() == "main"
            {
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
