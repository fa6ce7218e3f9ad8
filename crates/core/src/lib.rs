//! MSSP Console core: everything the console does that is not a window.
//!
//! Layers, each importing only the ones below it (see `ARCHITECTURE.md`):
//! - the façade [`Console`], one method per operation a person performs;
//! - one service per capability: [`auth`] (sessions, permissions), [`customers`],
//!   [`technicians`], [`monitor`], [`sync`], [`licensing`], [`audit`];
//! - the [`context`] they share and the [`events`] they tell each other by;
//! - the parts: [`store`] (SQLite), [`vault`] (OS keychain), [`client`] (the customer-instance
//!   protocol), [`validate`], [`instance_data`];
//! - the foundation: [`model`], [`error`], [`codec`], [`clock`], [`config`].
//!
//! Must never depend on Tauri or any UI toolkit: it builds and tests without WebKit,
//! and the shell in `src-tauri` only maps its functions and events.

pub mod alerts;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod batch;
pub mod client;
pub mod clock;
pub mod codec;
pub mod config;
pub mod console;
pub mod context;
pub mod customers;
pub mod data_lock;
pub mod error;
pub mod events;
pub mod gate;
pub mod import;
pub mod instance_data;
pub mod licensing;
pub mod locks;
pub mod model;
pub mod monitor;
pub mod network;
pub mod query;
pub mod quiet;
pub mod sanitize;
pub mod spreadsheet;
pub mod store;
pub mod sync;
pub mod tags;
mod tasks;
pub mod technicians;
pub mod trust;
pub mod validate;
pub mod vault;

pub use clock::{Clock, SystemClock};
pub use config::ConsoleConfig;
pub use console::Console;
pub use customers::CustomerView;
pub use error::{Error, Result};
pub use events::ConsoleEvent;
pub use monitor::HealthDetail;
pub use sync::CustomerDetails;

/// The console's own Log360 build. A customer instance can only be integrated when its
/// build is the same (the product documentation's prerequisite), and the About box shows it.
pub const CONSOLE_BUILD: u32 = 7100;

/// The product version shown in the About box.
pub const CONSOLE_VERSION: &str = env!("CARGO_PKG_VERSION");
