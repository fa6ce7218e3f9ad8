//! This computer's settings for the console (start at login) and its updates: the About box.
//! Start-at-login and installing an update change the computer, so they need someone logged
//! in; the policy file can manage both (`managed`), and then the UI shows it and disables
//! them.

use super::ConsoleState;
use crate::desktop;
use crate::desktop::policy::Policy;
use crate::desktop::updates::{self, UpdateCheck, Updates};
use crate::error::{IpcError, IpcResult};
use serde::Serialize;
use tauri::{AppHandle, Manager, Runtime, State};
use ts_rs::TS;

#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DesktopSettings {
    /// "Start MSSP Console when I log in".
    pub start_at_login: bool,
    /// The policy file decides start-at-login (it is off and cannot be turned on).
    pub start_at_login_managed: bool,
    /// Why there are no update checks (policy, or a build without an update server).
    pub update_checks_off: Option<String>,
    /// Where the rules come from, when a policy file exists.
    pub policy_file: Option<String>,
    /// An update a check found, waiting for the admin's click.
    pub pending_update: Option<UpdateCheck>,
}

fn settings<R: Runtime>(app: &AppHandle<R>, policy: &Policy, updates: &Updates) -> DesktopSettings {
    DesktopSettings {
        // Under a policy that turns it off, it is off: the entry is removed at start
        // (`apply_policy`), and a leftover one is not reported as the admin's choice.
        start_at_login: !policy.disable_start_at_login
            && desktop::start_at_login(app).unwrap_or(false),
        start_at_login_managed: policy.disable_start_at_login,
        update_checks_off: updates::disabled_reason(app, policy),
        policy_file: policy.source.as_ref().map(|p| p.display().to_string()),
        pending_update: updates.pending(),
    }
}

fn must_be_logged_in(console: &ConsoleState<'_>) -> IpcResult<()> {
    match console.sessions().current() {
        Some(_) => Ok(()),
        None => Err(IpcError::new("locked", "Log in to change this.")),
    }
}

#[tauri::command]
pub fn get_desktop_settings<R: Runtime>(
    app: AppHandle<R>,
    policy: State<'_, Policy>,
    updates: State<'_, Updates>,
) -> IpcResult<DesktopSettings> {
    Ok(settings(&app, &policy, &updates))
}

#[tauri::command]
pub fn set_start_at_login<R: Runtime>(
    app: AppHandle<R>,
    console: ConsoleState<'_>,
    policy: State<'_, Policy>,
    updates: State<'_, Updates>,
    enabled: bool,
) -> IpcResult<DesktopSettings> {
    must_be_logged_in(&console)?;
    if policy.disable_start_at_login && enabled {
        return Err(IpcError::new(
            "managed_by_policy",
            "Starting at login is turned off by your organisation's policy.",
        ));
    }
    desktop::set_start_at_login(&app, &policy, enabled).map_err(|e| {
        IpcError::new("internal", format!("Could not change starting at login: {e}"))
    })?;
    Ok(settings(&app, &policy, &updates))
}

#[tauri::command]
pub async fn check_for_update<R: Runtime>(app: AppHandle<R>) -> IpcResult<UpdateCheck> {
    Ok(updates::check(&app).await)
}

/// Downloads the update a check found, verifies its signature, installs it and restarts.
#[tauri::command]
pub async fn install_update<R: Runtime>(
    app: AppHandle<R>,
    console: ConsoleState<'_>,
) -> IpcResult<()> {
    must_be_logged_in(&console)?;
    if let Some(message) = updates::disabled_reason(&app, &app.state::<Policy>()) {
        return Err(IpcError::new("managed_by_policy", message));
    }
    let (update, bytes) =
        updates::download_verified(&app).await.map_err(|e| IpcError::new(e.code, e.message))?;
    updates::install(&app, &update, &bytes).map_err(|e| IpcError::new(e.code, e.message))
}
