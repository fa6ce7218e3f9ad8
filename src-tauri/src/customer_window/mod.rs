//! A customer's own Log360 console in a window of its own ("Open console"): one window per
//! customer (opened again, it is focused), titled with the customer's name, with a cookie
//! store of its own that no other window shares and nothing keeps, and closed when the
//! console locks, logs out, changes hands or loses its main window.
//!
//! The page in it is the customer's, untrusted content inside the app. The window therefore
//! has no capability (`capabilities/` names the main window only, so every command from it is
//! refused), and on Linux Tauri's scripts and IPC bridge are removed before the customer's
//! page loads, so the page never holds the invoke key. Its navigation stays on the customer's
//! origin; it opens no new windows and takes no downloads. Its certificate is checked as the
//! core checks it: the platform's trust store, or for a pinned customer (Linux only) exactly
//! the certificate the customer's pin accepted moments before on the connection that asked
//! for the URL.
//!
//! Must never log the sign-in URL, never open it anywhere a certificate goes unchecked, and
//! never let two customers' windows share a cookie store.

#[cfg(target_os = "linux")]
mod webkit;
#[cfg(target_os = "linux")]
use webkit::load;

use crate::error::IpcError;
use mssp_core::Console;
use mssp_core::console::{ConsoleTarget, CustomerConsole};
use mssp_core::locks::lock;
use mssp_core::model::CustomerId;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tauri::webview::NewWindowResponse;
use tauri::{AppHandle, Manager, Runtime, Url, WebviewUrl, WebviewWindow, WebviewWindowBuilder};

/// Every customer console window's label starts so; the rest is the customer's id.
pub const LABEL_PREFIX: &str = "customer-console-";

/// How often the windows are checked against the session (logout, another technician).
const WATCH_EVERY: Duration = Duration::from_millis(500);

/// The window label of a customer's console.
pub fn label(id: CustomerId) -> String {
    format!("{LABEL_PREFIX}{id}")
}

/// How a console was shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    /// A new window signed in.
    Opened,
    /// The customer's window was open already: brought forward, no new sign-in.
    Focused,
    /// No window could be made: the default browser got the URL (only for a certificate the
    /// platform trusts).
    Browser,
}

/// Which technician's session opened each window, and whether the watcher runs.
#[derive(Default)]
struct Windows {
    owners: Mutex<HashMap<String, i64>>,
    watching: AtomicBool,
}

fn windows<R: Runtime>(app: &AppHandle<R>) -> tauri::State<'_, Windows> {
    if app.try_state::<Windows>().is_none() {
        app.manage(Windows::default());
    }
    app.state::<Windows>()
}

/// Brings the customer's console window forward if `technician_id`'s session opened it; a
/// window another session opened (not closed yet by the watcher) is closed instead.
pub fn focus<R: Runtime>(app: &AppHandle<R>, id: CustomerId, technician_id: i64) -> bool {
    let Some(window) = app.get_webview_window(&label(id)) else { return false };
    let owner = app.try_state::<Windows>().and_then(|w| lock(&w.owners).get(&label(id)).copied());
    if owner != Some(technician_id) {
        let _ = window.destroy();
        return false;
    }
    let _ = window.unminimize();
    let _ = window.show();
    let _ = window.set_focus();
    true
}

/// Why this platform cannot open a pinned customer's console, if it cannot.
pub fn pins_unsupported() -> Option<&'static str> {
    if cfg!(target_os = "linux") {
        None
    } else if cfg!(windows) {
        Some(
            "WebView2, the system web view on Windows, accepts only certificates the Windows \
             trust store vouches for, and MSSP Console cannot yet hand it this customer's own \
             certificate trust",
        )
    } else if cfg!(target_os = "macos") {
        Some(
            "WKWebView, the system web view on macOS, accepts only certificates the macOS \
             trust store vouches for, and MSSP Console cannot yet hand it this customer's own \
             certificate trust",
        )
    } else {
        Some("this platform's web view accepts only certificates its trust store vouches for")
    }
}

/// Refuses, before any sign-in is asked for, what this platform cannot open safely.
pub fn check_supported(target: &ConsoleTarget) -> Result<(), IpcError> {
    match (&target.pin, pins_unsupported()) {
        (Some(_), Some(why)) => Err(unavailable(format!(
            "Open console is unavailable on this platform for {}, whose certificate is trusted \
             through a pin (a self-signed certificate or the customer's own CA): {why}. Open \
             it from a browser that trusts the customer's certificate, or give the customer's \
             server a certificate this computer trusts.",
            target.name
        ))),
        _ => Ok(()),
    }
}

fn unavailable(message: String) -> IpcError {
    IpcError {
        code: "console_unavailable",
        message,
        fields: None,
        force_delete_available: false,
        certificate: None,
    }
}

/// Opens the signed-in console in the customer's own window, for the session of
/// `technician_id`. When no window can be made, only a customer whose certificate the
/// platform trusts falls back to the default browser.
pub fn open<R: Runtime>(
    app: &AppHandle<R>,
    console: &Arc<Console>,
    signed: CustomerConsole,
    technician_id: i64,
) -> Result<Shown, IpcError> {
    check_supported(&signed.target)?;
    let id = signed.target.customer_id;
    let windows = windows(app);
    // Owned before it exists, so the watcher never takes it for an orphan.
    lock(&windows.owners).insert(label(id), technician_id);
    if !windows.watching.swap(true, Ordering::SeqCst) {
        tauri::async_runtime::spawn(watch(app.clone(), console.clone()));
    }
    let window = match build(app, &signed.target) {
        Ok(window) => window,
        // Opened twice at once: the first window stands (this sign-in goes unused).
        Err(
            tauri::Error::WindowLabelAlreadyExists(_) | tauri::Error::WebviewLabelAlreadyExists(_),
        ) => {
            return match focus(app, id, technician_id) {
                true => Ok(Shown::Focused),
                false => Err(unavailable("The console window was closed while opening.".into())),
            };
        }
        Err(e) => {
            lock(&windows.owners).remove(&label(id));
            tracing::warn!(customer = %id, error = %e, "could not make a console window");
            if signed.target.platform_trusted() {
                open::that_detached(signed.url.expose()).map_err(|e| {
                    unavailable(format!(
                        "Neither a console window nor the default browser could be opened: {e}."
                    ))
                })?;
                return Ok(Shown::Browser);
            }
            return Err(unavailable(format!("The console window could not be opened: {e}.")));
        }
    };
    if let Err(e) = load(&window, &signed) {
        let _ = window.destroy();
        return Err(unavailable(format!("The console window could not load the page: {e}.")));
    }
    Ok(Shown::Opened)
}

/// The window, showing nothing yet: its own cookie store, no way off the customer's origin,
/// no new windows, no downloads, no developer tools.
fn build<R: Runtime>(
    app: &AppHandle<R>,
    target: &ConsoleTarget,
) -> tauri::Result<WebviewWindow<R>> {
    let origin = Url::parse(&target.origin).map_err(tauri::Error::InvalidUrl)?.origin();
    let blank: Url = "about:blank".parse().map_err(tauri::Error::InvalidUrl)?;
    let builder =
        WebviewWindowBuilder::new(app, label(target.customer_id), WebviewUrl::External(blank))
            .title(format!("{} — Log360 console", target.name))
            .inner_size(1100.0, 760.0)
            .center()
            // Linux: an ephemeral WebKit context per window; macOS: a non-persistent data store
            // per web view. Nothing is shared between windows, nothing outlives them.
            .incognito(true)
            .devtools(false)
            .disable_drag_drop_handler()
            .on_navigation(move |url| {
                matches!(url.as_str(), "about:blank" | "about:srcdoc") || url.origin() == origin
            })
            .on_new_window(|_, _| NewWindowResponse::Deny)
            .on_download(|_, _| false);
    // Windows: InPrivate web views of one profile share their session, so each customer gets
    // a WebView2 environment (user data folder) of its own too.
    #[cfg(windows)]
    let builder = builder.data_directory(
        app.path()
            .app_local_data_dir()?
            .join("customer-consoles")
            .join(target.customer_id.to_string()),
    );
    // Closing it closes it: only the main window hides into the tray (see `lib.rs`).
    builder.build()
}

/// Loads the sign-in URL into the window.
#[cfg(not(target_os = "linux"))]
fn load<R: Runtime>(window: &WebviewWindow<R>, signed: &CustomerConsole) -> tauri::Result<()> {
    let url = Url::parse(signed.url.expose()).map_err(tauri::Error::InvalidUrl)?;
    window.navigate(url)
}

/// Closes every customer console window (the console locked).
pub fn close_all<R: Runtime>(app: &AppHandle<R>) {
    close_where(app, |_| true);
}

fn close_where<R: Runtime>(app: &AppHandle<R>, close: impl Fn(Option<i64>) -> bool) {
    let owners = app.try_state::<Windows>();
    for (label, window) in app.webview_windows() {
        if !label.starts_with(LABEL_PREFIX) {
            continue;
        }
        let owner = owners.as_ref().and_then(|w| lock(&w.owners).get(&label).copied());
        if close(owner) {
            let _ = window.destroy();
            if let Some(w) = &owners {
                lock(&w.owners).remove(&label);
            }
        }
    }
}

/// Closes the windows whose session ended: logged out, locked, another technician logged
/// in, or the main window gone (the app is quitting).
async fn watch<R: Runtime>(app: AppHandle<R>, console: Arc<Console>) {
    let mut tick = tokio::time::interval(WATCH_EVERY);
    loop {
        tick.tick().await;
        let session = console.sessions().current().map(|s| s.technician_id);
        let main_gone = app.get_webview_window("main").is_none();
        close_where(&app, |owner| main_gone || session.is_none() || owner != session);
    }
}
