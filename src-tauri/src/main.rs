//! The `mssp-console` binary: the desktop window.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    if cfg!(target_os = "linux")
        && std::env::var_os("DISPLAY").is_none()
        && std::env::var_os("WAYLAND_DISPLAY").is_none()
    {
        // GTK would panic with a less helpful message.
        eprintln!("mssp-console needs a display: set DISPLAY (or run under xvfb-run).");
        std::process::exit(2);
    }
    mssp_console::run();
}
