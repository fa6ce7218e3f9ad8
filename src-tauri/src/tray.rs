//! The tray icon and its menu, built from the core's [`TrayModel`]: the first ten customers
//! that are down (each with "Open" and "Mute 1 h"), "and N more", "Mute all notifications
//! for 1 h" (or "Unmute notifications"), "Show MSSP Console" and "Quit". Its tooltip (and
//! title where the OS shows one) says how many customers are down. Closing the window keeps
//! monitoring running in the tray, but only where a tray exists to bring it back from;
//! everything in the menu is reachable from the window too.

use mssp_core::Console;
use mssp_core::console::{MuteFor, TrayModel};
use mssp_core::model::{CustomerId, QuietScope};
use std::sync::Arc;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem, Submenu};
use tauri::tray::{MouseButton, MouseButtonState, TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Emitter, Manager, Runtime};

const TRAY_ID: &str = "main";

pub fn show_window<R: Runtime>(app: &AppHandle<R>) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

/// Creates the tray icon. Returns false when this desktop has no tray to show it in.
pub fn create<R: Runtime>(app: &AppHandle<R>) -> bool {
    if !desktop_has_tray() {
        tracing::info!("no system tray on this desktop: closing the window quits the console");
        return false;
    }
    let model = app.try_state::<Arc<Console>>().map(|c| c.tray_model());
    let built = (|| -> tauri::Result<()> {
        let menu = match &model {
            Some(model) => menu(app, model)?,
            None => Menu::with_items(
                app,
                &[&MenuItem::with_id(app, "quit", "Quit", true, None::<&str>)?],
            )?,
        };
        let mut builder = TrayIconBuilder::with_id(TRAY_ID)
            .tooltip("MSSP Console")
            .menu(&menu)
            .show_menu_on_left_click(false)
            .on_menu_event(|app, event| on_menu(app, event.id.as_ref()))
            .on_tray_icon_event(|tray, event| {
                if let TrayIconEvent::Click {
                    button: MouseButton::Left,
                    button_state: MouseButtonState::Up,
                    ..
                } = event
                {
                    show_window(tray.app_handle());
                }
            });
        if let Some(icon) = app.default_window_icon() {
            builder = builder.icon(icon.clone());
        }
        builder.build(app)?;
        Ok(())
    })();
    match built {
        Ok(()) => true,
        Err(e) => {
            tracing::warn!(error = %e, "could not create the tray icon: closing the window quits the console");
            false
        }
    }
}

/// The menu for `model`.
fn menu<R: Runtime>(app: &AppHandle<R>, model: &TrayModel) -> tauri::Result<Menu<R>> {
    let menu = Menu::new(app)?;
    if model.locked && model.more > 0 {
        let text = format!("{} down (log in to see which)", count(model.more));
        menu.append(&MenuItem::with_id(app, "locked", text, false, None::<&str>)?)?;
    }
    for (id, name) in &model.down {
        let open = MenuItem::with_id(app, format!("open:{id}"), "Open", true, None::<&str>)?;
        let mute = MenuItem::with_id(app, format!("mute:{id}"), "Mute 1 h", true, None::<&str>)?;
        let label = format!("{name}: down");
        menu.append(&Submenu::with_items(app, label, true, &[&open, &mute])?)?;
    }
    if !model.locked && model.more > 0 {
        let text = format!("and {} more", model.more);
        menu.append(&MenuItem::with_id(app, "more", text, false, None::<&str>)?)?;
    }
    if let Some(since) = model.offline_since {
        let text = format!(
            "This computer is offline (since {:02}:{:02} UTC)",
            since.hour(),
            since.minute()
        );
        menu.append(&MenuItem::with_id(app, "offline", text, false, None::<&str>)?)?;
    }
    if !model.down.is_empty() || model.more > 0 || model.offline_since.is_some() {
        menu.append(&PredefinedMenuItem::separator(app)?)?;
    }
    let mute_all = match model.muted_until {
        Some(_) => {
            MenuItem::with_id(app, "unmute-all", "Unmute notifications", true, None::<&str>)?
        }
        None => MenuItem::with_id(
            app,
            "mute-all",
            "Mute all notifications for 1 h",
            true,
            None::<&str>,
        )?,
    };
    menu.append(&mute_all)?;
    menu.append(&MenuItem::with_id(app, "show", "Show MSSP Console", true, None::<&str>)?)?;
    menu.append(&MenuItem::with_id(app, "quit", "Quit", true, None::<&str>)?)?;
    Ok(menu)
}

fn count(n: usize) -> String {
    if n == 1 { "1 customer".into() } else { format!("{n} customers") }
}

fn on_menu<R: Runtime>(app: &AppHandle<R>, id: &str) {
    let Some(console) = app.try_state::<Arc<Console>>().map(|c| c.inner().clone()) else {
        return;
    };
    let done = match id.split_once(':') {
        Some(("open", customer)) => {
            show_window(app);
            let _ = app.emit("open-customer", customer.to_owned());
            Ok(())
        }
        Some(("mute", customer)) => match customer.parse::<CustomerId>() {
            Ok(id) => console.mute(QuietScope::Customer(id), MuteFor::Hours(1)).map(drop),
            Err(e) => Err(e),
        },
        _ => match id {
            "mute-all" => console.mute(QuietScope::All, MuteFor::Hours(1)).map(drop),
            "unmute-all" => console.unmute(QuietScope::All),
            "show" => {
                show_window(app);
                Ok(())
            }
            "quit" => {
                app.exit(0);
                Ok(())
            }
            _ => Ok(()),
        },
    };
    if let Err(e) = done {
        // Locked, or not allowed: the window says why (and offers to log in).
        tracing::info!(error = %e, "a tray action needs the window");
        show_window(app);
    }
    refresh(app, &console);
}

/// Rebuilds the menu and the tooltip from the console's current state.
pub fn refresh<R: Runtime>(app: &AppHandle<R>, console: &Console) {
    let Some(tray) = app.tray_by_id(TRAY_ID) else {
        return;
    };
    let model = console.tray_model();
    if let Ok(menu) = menu(app, &model) {
        let _ = tray.set_menu(Some(menu));
    }
    let c = console.status_counts();
    show_counts(app, c.down, c.up + c.down + c.unknown);
}

/// Says how many customers are down, in the tooltip and (macOS, Linux indicators) the title.
fn show_counts<R: Runtime>(app: &AppHandle<R>, down: usize, total: usize) {
    let Some(tray) = app.tray_by_id(TRAY_ID) else {
        return;
    };
    let tooltip = match down {
        0 => format!("MSSP Console: all {total} customers up"),
        1 => "MSSP Console: 1 customer down".to_owned(),
        n => format!("MSSP Console: {n} customers down"),
    };
    let _ = tray.set_tooltip(Some(&tooltip));
    let _ = tray.set_title((down > 0).then(|| format!("{down} down")).as_deref());
}

/// Linux desktops show tray icons only when a StatusNotifier host runs (stock GNOME has
/// none); hiding the window there would leave no way back to it.
#[cfg(all(unix, not(target_os = "macos")))]
fn desktop_has_tray() -> bool {
    let check = || -> zbus::Result<bool> {
        let conn = zbus::blocking::Connection::session()?;
        let dbus = zbus::blocking::fdo::DBusProxy::new(&conn)?;
        Ok(dbus.name_has_owner("org.kde.StatusNotifierWatcher".try_into()?)?)
    };
    check().unwrap_or(false)
}

#[cfg(not(all(unix, not(target_os = "macos"))))]
fn desktop_has_tray() -> bool {
    true
}
