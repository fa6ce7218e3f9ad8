//! The first screen: what this console is, first-run setup, logging in and out, and the
//! window's activity ping.

use super::ConsoleState;
use crate::error::IpcResult;
use mssp_core::auth::{IDLE_LOCK, Session as CoreSession};
use mssp_core::model::Role;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    pub product_name: &'static str,
    pub version: &'static str,
    pub build: u32,
    pub needs_setup: bool,
    pub session: Option<Session>,
    pub idle_lock_seconds: i64,
}

#[derive(Debug, Serialize, TS)]
pub struct Session {
    pub username: String,
    pub role: Role,
}

impl From<CoreSession> for Session {
    fn from(s: CoreSession) -> Self {
        Self { username: s.username, role: s.role }
    }
}

/// The first run's "Create administrator" form.
#[derive(Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct NewAdmin {
    pub username: String,
    #[ts(type = "string")]
    pub password: SecretString,
    #[ts(type = "string")]
    pub confirm_password: SecretString,
}

#[tauri::command]
pub fn app_info(console: ConsoleState<'_>) -> IpcResult<AppInfo> {
    Ok(AppInfo {
        product_name: "MSSP Console",
        version: mssp_core::CONSOLE_VERSION,
        build: mssp_core::CONSOLE_BUILD,
        needs_setup: console.sessions().needs_setup()?,
        session: console.sessions().current().map(Session::from),
        idle_lock_seconds: IDLE_LOCK.whole_seconds(),
    })
}

#[tauri::command]
pub async fn create_admin(console: ConsoleState<'_>, input: NewAdmin) -> IpcResult<Session> {
    let (password, confirm) =
        (input.password.expose_secret(), input.confirm_password.expose_secret());
    Ok(console.sessions().create_admin(&input.username, password, confirm).await?.into())
}

#[tauri::command]
pub async fn login(
    console: ConsoleState<'_>,
    username: String,
    password: SecretString,
) -> IpcResult<Session> {
    Ok(console.sessions().login(&username, password.expose_secret()).await?.into())
}

#[tauri::command]
pub fn logout(console: ConsoleState<'_>) {
    console.sessions().logout();
}

/// The person's own activity in the window (at most every 30 s): keeps the session alive.
#[tauri::command]
pub fn touch_session(console: ConsoleState<'_>) -> IpcResult<()> {
    console.sessions().touch()?;
    Ok(())
}
