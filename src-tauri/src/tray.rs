//! The tray icon: its tooltip (and title where the OS shows one) says how many customers are
//! down; clicking it shows the window; its menu has Show and Quit. Closing the window keeps
//! monitoring running in the tray, but only where a tray exists to bring it back from.

use tauri::menu::{Menu, MenuItem};
use tauri::tray::{MouseButton, MouseButtonState, TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Manager, Runtime};

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
    let built = (|| -> tauri::Result<()> {
        let show = MenuItem::with_id(app, "show", "Show MSSP Console", true, None::<&str>)?;
        let quit = MenuItem::with_id(app, "quit", "Quit", true, None::<&str>)?;
        let menu = Menu::with_items(app, &[&show, &quit])?;
        let mut builder = TrayIconBuilder::with_id(TRAY_ID)
            .tooltip("MSSP Console")
            .menu(&menu)
            .show_menu_on_left_click(false)
            .on_menu_event(|app, event| match event.id.as_ref() {
                "show" => show_window(app),
                "quit" => app.exit(0),
                _ => {}
            })
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

/// Says how many customers are down, in the tooltip and (macOS, Linux indicators) the title.
pub fn show_counts<R: Runtime>(app: &AppHandle<R>, down: usize, total: usize) {
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
