//! Signed updates through `tauri-plugin-updater`: asking the update server (the `latest.json`
//! manifest a release publishes) whether a newer version exists, and fetching and installing
//! it on the admin's click. The plugin checks each download's minisign signature against the
//! public key in `tauri.conf.json`; an update that does not verify is never installed.
//!
//! A check happens at start, at most once a day (after the first screen, never in its way),
//! and from the About box. Must never install anything without the admin's click, and never
//! check when the policy file turns checks off or the build has no update server (a
//! developer's build).

use super::policy::Policy;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_updater::{Update, UpdaterExt};
use time::OffsetDateTime;
use ts_rs::TS;

/// At most one check at start per day.
pub const CHECK_EVERY: time::Duration = time::Duration::days(1);
/// A check that takes longer than this is a failed one ("could not check").
const CHECK_TIMEOUT: Duration = Duration::from_secs(20);

/// The outcome of a check, as the About box shows it.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase", rename_all_fields = "camelCase", tag = "status")]
pub enum UpdateCheck {
    /// This is the newest version.
    UpToDate { version: String },
    /// A newer version, with its release notes.
    Available {
        version: String,
        current_version: String,
        notes: Option<String>,
        #[ts(optional)]
        #[serde(skip_serializing_if = "Option::is_none")]
        date: Option<String>,
    },
    /// The update server could not be asked (offline, server down): said quietly.
    CouldNotCheck { message: String },
    /// No checks: the policy file turns them off, or this build has no update server.
    Disabled { message: String },
}

/// What the console remembers between checks: the update the admin may install, and when
/// the last check at start ran (a file in the data dir, so a restart does not check again).
pub struct Updates {
    pending: Mutex<Option<Update>>,
    stamp: PathBuf,
}

impl Updates {
    pub fn new(data_dir: &Path) -> Self {
        Self { pending: Mutex::new(None), stamp: data_dir.join("last-update-check") }
    }

    fn last_check(&self) -> Option<OffsetDateTime> {
        let text = std::fs::read_to_string(&self.stamp).ok()?;
        OffsetDateTime::parse(text.trim(), &time::format_description::well_known::Rfc3339).ok()
    }

    fn record_check(&self, at: OffsetDateTime) {
        if let Ok(text) = at.format(&time::format_description::well_known::Rfc3339) {
            let _ = std::fs::write(&self.stamp, text);
        }
    }

    /// Whether the start-up check is due at `now`.
    pub fn due(&self, now: OffsetDateTime) -> bool {
        check_due(self.last_check(), now)
    }

    /// The version waiting to be installed, if a check found one.
    pub fn pending(&self) -> Option<UpdateCheck> {
        self.pending.lock().ok()?.as_ref().map(available)
    }
}

/// Due when never checked, or the last check is a day old (or in the future: a clock reset).
pub fn check_due(last: Option<OffsetDateTime>, now: OffsetDateTime) -> bool {
    match last {
        None => true,
        Some(last) => now - last >= CHECK_EVERY || last > now,
    }
}

fn available(u: &Update) -> UpdateCheck {
    UpdateCheck::Available {
        version: u.version.clone(),
        current_version: u.current_version.clone(),
        notes: u.body.clone().filter(|n| !n.trim().is_empty()),
        date: u.date.and_then(|d| d.format(&time::format_description::well_known::Rfc3339).ok()),
    }
}

/// Why this console does not check, if it does not.
pub fn disabled_reason<R: Runtime>(app: &AppHandle<R>, policy: &Policy) -> Option<String> {
    if policy.disable_update_check {
        return Some("Update checks are turned off by your organisation's policy.".into());
    }
    let configured = app
        .config()
        .plugins
        .0
        .get("updater")
        .and_then(|u| u.get("endpoints"))
        .and_then(|e| e.as_array())
        .is_some_and(|e| !e.is_empty());
    (!configured).then(|| "This build of MSSP Console does not check for updates.".into())
}

/// Asks the update server. Never fails: an error becomes "could not check".
pub async fn check<R: Runtime>(app: &AppHandle<R>) -> UpdateCheck {
    let policy = app.state::<Policy>();
    if let Some(message) = disabled_reason(app, &policy) {
        return UpdateCheck::Disabled { message };
    }
    let current = app.package_info().version.to_string();
    let asked = match app.updater_builder().timeout(CHECK_TIMEOUT).build() {
        Ok(updater) => updater.check().await,
        Err(e) => Err(e),
    };
    let updates = app.state::<Updates>();
    let result = match asked {
        Ok(Some(update)) => {
            let shown = available(&update);
            if let Ok(mut slot) = updates.pending.lock() {
                *slot = Some(update);
            }
            shown
        }
        Ok(None) => {
            if let Ok(mut slot) = updates.pending.lock() {
                *slot = None;
            }
            UpdateCheck::UpToDate { version: current }
        }
        Err(e) => {
            tracing::info!(error = %e, "could not check for updates");
            UpdateCheck::CouldNotCheck { message: could_not_check(&e) }
        }
    };
    if !matches!(result, UpdateCheck::CouldNotCheck { .. }) {
        updates.record_check(OffsetDateTime::now_utc());
    }
    result
}

/// The start-up check: after `delay` (the first screen comes first), only when due.
pub async fn check_at_start<R: Runtime>(app: AppHandle<R>, delay: Duration) -> Option<UpdateCheck> {
    tokio::time::sleep(delay).await;
    let due = app.state::<Updates>().due(OffsetDateTime::now_utc());
    if !due || disabled_reason(&app, &app.state::<Policy>()).is_some() {
        return None;
    }
    Some(check(&app).await)
}

/// Why an update was not installed, for the admin.
#[derive(Debug)]
pub struct InstallError {
    pub code: &'static str,
    pub message: String,
}

/// Downloads the update a check found and verifies its signature; returns the verified bytes
/// and the update, ready for [`install`].
pub async fn download_verified<R: Runtime>(
    app: &AppHandle<R>,
) -> Result<(Update, Vec<u8>), InstallError> {
    let update =
        app.state::<Updates>().pending.lock().ok().and_then(|u| u.clone()).ok_or_else(|| {
            InstallError {
                code: "not_found",
                message: "There is no update to install: check for updates first.".into(),
            }
        })?;
    match update.download(|_, _| {}, || {}).await {
        Ok(bytes) => Ok((update, bytes)),
        Err(e) => Err(install_error(&e)),
    }
}

/// Installs verified bytes (the plugin verifies them once more) and restarts into the new
/// version. Windows: the installer takes over and the console exits.
pub fn install<R: Runtime>(
    app: &AppHandle<R>,
    update: &Update,
    bytes: &[u8],
) -> Result<(), InstallError> {
    update.install(bytes).map_err(|e| install_error(&e))?;
    tracing::info!(version = %update.version, "update installed; restarting");
    app.restart();
}

fn could_not_check(e: &tauri_plugin_updater::Error) -> String {
    use tauri_plugin_updater::Error as E;
    match e {
        E::Reqwest(_) | E::Network(_) | E::ReleaseNotFound => {
            "Could not check for updates: the update server cannot be reached. The console will try again tomorrow, or check now from About.".into()
        }
        other => format!("Could not check for updates: {other}."),
    }
}

fn install_error(e: &tauri_plugin_updater::Error) -> InstallError {
    use tauri_plugin_updater::Error as E;
    match e {
        E::Minisign(_)
        | E::Base64(_)
        | E::SignatureUtf8(_)
        | E::SignedVersionMismatch { .. }
        | E::MissingSignedVersion => InstallError {
            code: "update_signature_invalid",
            message: "The downloaded update was refused: its signature does not match MSSP Console's update key, so it may not come from the MSSP Console publisher. Nothing was installed.".into(),
        },
        E::Reqwest(_) | E::Network(_) => InstallError {
            code: "unreachable",
            message: "The update could not be downloaded: the update server cannot be reached. Nothing was installed.".into(),
        },
        other => InstallError { code: "update_failed", message: format!("The update could not be installed: {other}.") },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn the_start_check_runs_at_most_daily() {
        let now = datetime!(2026-12-02 08:00 UTC);
        assert!(check_due(None, now));
        assert!(!check_due(Some(datetime!(2026-12-01 09:00 UTC)), now));
        assert!(check_due(Some(datetime!(2026-12-01 08:00 UTC)), now));
        assert!(check_due(Some(datetime!(2027-01-01 08:00 UTC)), now), "a clock set back");
    }

    #[test]
    fn the_last_check_survives_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let now = OffsetDateTime::now_utc();
        assert!(Updates::new(dir.path()).due(now));
        Updates::new(dir.path()).record_check(now);
        assert!(!Updates::new(dir.path()).due(now + time::Duration::hours(23)));
        assert!(Updates::new(dir.path()).due(now + time::Duration::hours(25)));
    }
}
