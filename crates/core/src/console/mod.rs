//! The façade the shell and `mssp-admin` call: one method per operation a person performs,
//! each a permission check and one service call, audited through [`Sessions::audited`]. It
//! owns the services and wires them (licensing observes syncs); the services never see it.
//! Logging in and out is the session service's own business: [`Console::sessions`]. The
//! operations are grouped by area, as the shell's commands are: [`customers`] (with health
//! checks and certificate review), [`sync`], [`admin`] (technicians, audit, licensing);
//! [`views`] composes what the table shows.
//!
//! Must never hold a rule of its own: validation, persistence and the protocol live in the
//! services. Must never skip the permission check or the audit of an operation.

use crate::auth::{Actor, Permission as P, Sessions};
use crate::client::{ClientConfig, InstanceClient, MsspIdentity};
use crate::clock::{Clock, SystemClock};
use crate::config::ConsoleConfig;
use crate::context::Context;
use crate::customers::Customers;
use crate::data_lock::DataDirLock;
use crate::error::Result;
use crate::events::ConsoleEvent;
use crate::licensing::Licensing;
use crate::model::{Customer, CustomerId};
use crate::monitor::Monitor;
use crate::network::NetworkSettings;
use crate::store::Store;
use crate::sync::DataSync;
use crate::tags::Tags;
use crate::technicians::Technicians;
use crate::vault::Vault;
use std::sync::Arc;
use tokio::sync::broadcast;

mod admin;
mod alerts;
mod audit_page;
mod bulk;
mod customer_console;
mod customers;
mod find;
mod import;
mod notices;
mod quiet;
mod sync;
mod tags;
mod views;

pub use audit_page::AuditPage;
pub use bulk::ChangedCertificate;
pub use customer_console::{ConsoleTarget, CustomerConsole};
pub use import::IMPORT_CONCURRENCY;
pub use notices::StatusCounts;
pub use quiet::{MaintenanceInput, MuteFor, TRAY_DOWN_SHOWN, TrayModel};

pub struct Console {
    ctx: Arc<Context>,
    sessions: Sessions,
    customers: Customers,
    technicians: Technicians,
    monitor: Arc<Monitor>,
    sync: Arc<DataSync>,
    licensing: Arc<Licensing>,
    tags: Tags,
    imports: crate::import::Imports,
    alerts: Arc<crate::alerts::Alerts>,
    /// Held while this console works on its data dir (none for consoles built from parts).
    _data_dir_lock: Option<DataDirLock>,
}

impl Console {
    /// Opens the console's data dir with the OS keychain; `already_running` when another
    /// console (the window, or `mssp-admin`) works on it.
    pub fn open(config: &ConsoleConfig) -> Result<Self> {
        let lock = DataDirLock::acquire(&config.data_dir)?;
        let store = Store::open(&config.database_path())?;
        let vault = Vault::platform(config.keychain_service.clone());
        let client = InstanceClient::new(ClientConfig::default())?;
        let mut console = Self::with_parts(store, vault, client, Arc::new(SystemClock))?;
        console._data_dir_lock = Some(lock);
        Ok(console)
    }

    pub fn with_parts(
        store: Store,
        vault: Vault,
        client: InstanceClient,
        clock: Arc<dyn Clock>,
    ) -> Result<Self> {
        let ctx = Arc::new(Context::new(store, vault, client, clock)?);
        ctx.set_proxy(ctx.store.read(NetworkSettings::load)?.proxy_mode()?)?;
        let licensing = Licensing::new(ctx.clone());
        let customers = Customers::new(ctx.clone());
        if let Err(e) = customers.migrate_legacy_credentials() {
            // Retried at the next start; until then those customers' credentials cannot be read.
            tracing::warn!(error = %e, "could not move credentials into the vault yet");
        }
        Ok(Self {
            sessions: Sessions::new(ctx.clone()),
            customers,
            technicians: Technicians::new(ctx.clone()),
            monitor: Monitor::new(ctx.clone())?,
            sync: DataSync::new(ctx.clone(), vec![licensing.clone()])?,
            licensing,
            tags: Tags::new(ctx.clone()),
            imports: crate::import::Imports::default(),
            alerts: crate::alerts::Alerts::new(ctx.clone()),
            ctx,
            _data_dir_lock: None,
        })
    }

    /// Reads the console's data key from the OS keychain now (blocking: call it off the async
    /// threads). At login the keychain may not be unlocked yet; a console started by the
    /// session calls this until it succeeds before its background work needs the key.
    pub fn open_keychain(&self) -> Result<()> {
        self.ctx.vault.unlock()
    }

    pub fn identity(&self) -> MsspIdentity {
        self.ctx.identity()
    }

    pub fn subscribe(&self) -> broadcast::Receiver<ConsoleEvent> {
        self.ctx.events.subscribe()
    }

    /// First-run setup, log in and out, the idle lock.
    pub fn sessions(&self) -> &Sessions {
        &self.sessions
    }

    /// The health monitor, for the shell to start and stop its schedule.
    pub fn monitor(&self) -> &Arc<Monitor> {
        &self.monitor
    }

    /// The data sync, for the shell to start and stop its schedule.
    pub fn sync(&self) -> &Arc<DataSync> {
        &self.sync
    }

    /// The person acting now, if they hold `permission`.
    fn actor(&self, permission: P) -> Result<Actor> {
        self.sessions.authorize(permission)
    }

    /// The person acting now and the customer `id`, which they must hold `permission` for
    /// and be able to see (`not_found` otherwise).
    fn on(&self, permission: P, id: CustomerId) -> Result<(Actor, Customer)> {
        let actor = self.actor(permission)?;
        let customer = self.customers.visible(&actor, id)?;
        Ok((actor, customer))
    }
}
