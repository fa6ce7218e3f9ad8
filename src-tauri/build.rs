//! Points tauri-build at the repository-root `tauri.conf.json` and declares the app's
//! commands, so each one gets an `allow-<command>` permission that `capabilities/` must grant.

/// Every command the webview may call; keep in step with `generate_handler!` in `lib.rs`
/// and with `docs/ipc.md`.
const COMMANDS: &[&str] = &[
    "app_info",
    "create_admin",
    "login",
    "logout",
    "touch_session",
    "list_customers",
    "add_customer",
    "update_customer",
    "delete_customer",
    "force_delete_customer",
    "check_health",
    "check_customer_now",
    "customer_health",
    "get_monitor_settings",
    "update_monitor_settings",
    "sync_customer",
    "sync_all",
    "cancel_sync_all",
    "customer_details",
    "get_sync_settings",
    "update_sync_settings",
    "list_technicians",
    "add_technician",
    "update_technician",
    "set_technician_enabled",
    "license_overview",
    "apply_license",
    "set_license_alert_threshold",
    "allocation_details",
    "update_allocation",
    "export_license_csv",
    "list_audit",
];

fn main() {
    println!("cargo:rerun-if-changed=../tauri.conf.json");
    println!("cargo:rerun-if-changed=../ui");
    let attributes = tauri_build::Attributes::new()
        .config_path("../tauri.conf.json")
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    tauri_build::try_build(attributes).expect("tauri-build failed");
}
