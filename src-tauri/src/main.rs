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
    raise_open_file_limit();
    mssp_console::run();
}

/// Best effort: lift the soft limit on open files towards the hard limit (macOS's soft
/// default of 256 leaves little room beside the window's own files once health checks run
/// 128 at a time).
fn raise_open_file_limit() {
    #[cfg(unix)]
    if let Err(e) = rlimit::increase_nofile_limit(8192) {
        eprintln!("mssp-console: could not raise the open-file limit: {e}");
    }
}
