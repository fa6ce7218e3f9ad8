//! "Open console": a customer's own Log360 console, signed in without its password, in a
//! window of that customer's own (`customer_window.rs`). The one-time sign-in URL never
//! crosses IPC: it goes from the core straight into that window.

use super::{ConsoleState, CustomerRef};
use crate::customer_window::{self, Shown};
use crate::error::IpcResult;
use serde::Serialize;
use tauri::{AppHandle, Runtime};
use ts_rs::TS;

/// Where a customer's console was shown.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ConsoleWindow {
    pub customer_id: String,
    /// The window's label: `customer-console-<customer id>`.
    pub label: String,
    /// `opened`: a new window, signed in; `focused`: the customer's window was open and is
    /// brought forward (no new sign-in); `browser`: no window could be made, so the default
    /// browser got the sign-in (only for a certificate this computer trusts).
    #[ts(type = "\"opened\" | \"focused\" | \"browser\"")]
    pub shown: &'static str,
}

/// Operators for the customers delegated to them; guests are `forbidden`. A pinned customer
/// on a platform that cannot check its pin is `console_unavailable`, before anything is
/// asked of the customer.
#[tauri::command]
pub async fn open_customer_console<R: Runtime>(
    app: AppHandle<R>,
    console: ConsoleState<'_>,
    id: CustomerRef,
) -> IpcResult<ConsoleWindow> {
    let target = console.customer_console_target(id.0)?;
    let technician_id = console.sessions().current().ok_or(mssp_core::Error::Locked)?.technician_id;
    let shown = if customer_window::focus(&app, target.customer_id, technician_id) {
        Shown::Focused
    } else {
        customer_window::check_supported(&target)?;
        let signed = console.customer_console_url(id.0).await?;
        customer_window::open(&app, &console, signed, technician_id)?
    };
    Ok(ConsoleWindow {
        customer_id: target.customer_id.to_string(),
        label: customer_window::label(target.customer_id),
        shown: match shown {
            Shown::Opened => "opened",
            Shown::Focused => "focused",
            Shown::Browser => "browser",
        },
    })
}
