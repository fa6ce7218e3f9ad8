//! The console as a desktop program: how it starts ([`start`]: at login, hidden in the
//! tray, after the keychain opens), starting at login (`tauri-plugin-autostart`), signed
//! updates ([`updates`]), and the policy file of managed desktops ([`policy`]) that can turn
//! the last two off. Holds no business logic; never touches customers or credentials.

pub mod policy;
pub mod start;
pub mod updates;

use policy::Policy;
use tauri::{AppHandle, Runtime};
use tauri_plugin_autostart::{MacosLauncher, ManagerExt};

/// The desktop plugins, shared by the real app and the tests (mock runtime).
pub fn plugins<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder
        // macOS: a LaunchAgent (a login item the admin can see in System Settings).
        .plugin(tauri_plugin_autostart::init(
            MacosLauncher::LaunchAgent,
            Some(vec![start::AUTOSTART_ARG]),
        ))
        .plugin(tauri_plugin_updater::Builder::new().build())
}

/// Whether the console is set to start at login (the OS's own entry is the record of it).
pub fn start_at_login<R: Runtime>(app: &AppHandle<R>) -> Result<bool, String> {
    app.autolaunch().is_enabled().map_err(|e| e.to_string())
}

/// Turns start-at-login on or off, unless the policy manages it.
pub fn set_start_at_login<R: Runtime>(
    app: &AppHandle<R>,
    policy: &Policy,
    enabled: bool,
) -> Result<(), String> {
    if enabled && policy.disable_start_at_login {
        return Err("Starting at login is turned off by your organisation's policy.".into());
    }
    let launcher = app.autolaunch();
    let done = if enabled { launcher.enable() } else { launcher.disable() };
    done.map_err(|e| e.to_string())
}

/// At start: a policy that turns start-at-login off also removes an entry made before it.
pub fn apply_policy<R: Runtime>(app: &AppHandle<R>, policy: &Policy) {
    if policy.disable_start_at_login && start_at_login(app).unwrap_or(false) {
        match app.autolaunch().disable() {
            Ok(()) => tracing::info!("start-at-login removed: the policy file turns it off"),
            Err(e) => {
                tracing::warn!(error = %e, "could not remove start-at-login as the policy asks")
            }
        }
    }
}
