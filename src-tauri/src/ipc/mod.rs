//! The IPC contract between the webview and the core, one module per capability: each holds
//! that capability's commands and the transport types they take and return (camelCase,
//! apart from the core's types so either can change without the other). A command takes the
//! console from state, makes one core call and maps its result; no SQL, HTTP or keychain.
//!
//! Must never return a customer's credentials (`hasCredentials` is as far as it goes), and
//! never grow a command that is not in `command_table.rs`.

pub mod alerts;
pub mod app;
pub mod audit;
pub mod bulk;
pub mod customer_console;
pub mod customers;
pub mod desktop;
pub mod events;
pub mod find;
mod id;
pub mod import;
pub mod license;
pub mod monitor;
pub mod quiet;
pub mod settings;
pub mod sync;
pub mod tags;
pub mod technicians;
pub mod trust;

use mssp_core::Console;
use std::sync::Arc;

pub use id::{CustomerRef, CustomerRefs, TechnicianRef};

pub(crate) type ConsoleState<'a> = tauri::State<'a, Arc<Console>>;

/// Turns the command table into [`COMMANDS`] and [`handler`].
macro_rules! command_table {
    ($($module:ident :: $name:ident),* $(,)?) => {
        /// Every command the webview may call, by name (`docs/ipc.md` documents each).
        pub const COMMANDS: &[&str] = &[$(stringify!($name)),*];

        /// The invoke handler for exactly [`COMMANDS`].
        pub fn handler<R: tauri::Runtime>()
        -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static {
            tauri::generate_handler![$($module::$name),*]
        }
    };
}

include!("command_table.rs");

#[cfg(test)]
mod typescript;
