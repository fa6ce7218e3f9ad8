//! Points tauri-build at the repository-root `tauri.conf.json` and declares the app's
//! commands, so each one gets an `allow-<command>` permission that `capabilities/` must grant.
//! The commands come from `src/ipc/command_table.rs`, the one list the invoke handler is
//! built from too.

macro_rules! command_table {
    ($($module:ident :: $name:ident),* $(,)?) => {
        const COMMANDS: &[&str] = &[$(stringify!($name)),*];
    };
}

include!("src/ipc/command_table.rs");

fn main() {
    println!("cargo:rerun-if-changed=../tauri.conf.json");
    println!("cargo:rerun-if-changed=../ui");
    println!("cargo:rerun-if-changed=src/ipc/command_table.rs");
    let attributes = tauri_build::Attributes::new()
        .config_path("../tauri.conf.json")
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    tauri_build::try_build(attributes).expect("tauri-build failed");
}
