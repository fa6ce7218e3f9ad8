//! MSSP Console core: everything the console does that is not a window.
//!
//! Owns the domain (customers, the console's administrators, the audit trail), input
//! validation, the SQLite store, the OS-keychain vault for customer admin credentials,
//! and the client for the customer-instance protocol (`docs/customer-api.md`).
//! [`Console`] ties them together into the operations a person performs.
//!
//! Must never depend on Tauri or any UI toolkit: it builds and tests without WebKit,
//! and the shell in `src-tauri` only maps its functions and events.

pub mod auth;
pub mod client;
pub mod clock;
pub mod config;
pub mod console;
pub mod error;
pub mod instance_data;
pub mod licensing;
pub mod model;
pub mod monitor;
pub mod store;
pub mod sync;
pub mod validate;
pub mod vault;

pub use clock::{Clock, SystemClock};
pub use config::ConsoleConfig;
pub use console::{Console, ConsoleEvent, CustomerDetails, HealthDetail};
pub use error::{Error, Result};

/// The console's own Log360 build. A customer instance can only be integrated when its
/// build is the same (the product documentation's prerequisite), and the About box shows it.
pub const CONSOLE_BUILD: u32 = 7100;

/// The product version shown in the About box.
pub const CONSOLE_VERSION: &str = env!("CARGO_PKG_VERSION");
