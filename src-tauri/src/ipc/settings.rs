//! Console-wide settings that are not a page of their own: how customer connections reach
//! the network (proxy), and the encrypted backup that moves the console to another computer.

use super::ConsoleState;
use super::license::Export;
use crate::error::IpcResult;
use mssp_core::network::NetworkSettings as CoreNetwork;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// `proxy`: `none` (the default: customer connections never go through a proxy), `system`
/// (the computer's proxy settings) or `url` (`proxyUrl`).
#[derive(Debug, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NetworkSettings {
    #[ts(type = "\"none\" | \"system\" | \"url\"")]
    pub proxy: String,
    pub proxy_url: String,
}

impl From<CoreNetwork> for NetworkSettings {
    fn from(n: CoreNetwork) -> Self {
        let proxy = if n.proxy.is_empty() { "none".to_owned() } else { n.proxy };
        Self { proxy, proxy_url: n.proxy_url }
    }
}

/// What restoring a backup did: the customers added, and the ones skipped with why.
#[derive(Debug, Serialize, TS)]
pub struct ImportReport {
    pub imported: Vec<String>,
    pub skipped: Vec<Skipped>,
}

#[derive(Debug, Serialize, TS)]
pub struct Skipped {
    pub name: String,
    pub reason: String,
}

#[tauri::command(async)]
pub fn get_network_settings(console: ConsoleState<'_>) -> IpcResult<NetworkSettings> {
    Ok(console.network_settings()?.into())
}

#[tauri::command(async)]
pub fn update_network_settings(
    console: ConsoleState<'_>,
    settings: NetworkSettings,
) -> IpcResult<NetworkSettings> {
    console.set_network_settings(CoreNetwork {
        proxy: settings.proxy,
        proxy_url: settings.proxy_url,
    })?;
    get_network_settings(console)
}

/// Writes the encrypted backup to the Downloads folder (a name the webview does not choose).
#[tauri::command]
pub async fn export_backup<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    console: ConsoleState<'_>,
    passphrase: SecretString,
) -> IpcResult<Export> {
    let backup = console.export_backup(passphrase).await?;
    Ok(super::license::save_download(&app, &backup.file_name, &backup.bytes)?)
}

/// Restores a backup file's content (as the file picker read it) with its passphrase.
#[tauri::command]
pub async fn import_backup(
    console: ConsoleState<'_>,
    content: String,
    passphrase: SecretString,
) -> IpcResult<ImportReport> {
    let report = console.import_backup(content.into_bytes(), passphrase).await?;
    let skipped = report.skipped.into_iter().map(|(name, reason)| Skipped { name, reason });
    Ok(ImportReport { imported: report.imported, skipped: skipped.collect() })
}
