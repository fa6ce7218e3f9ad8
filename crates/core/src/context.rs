//! The shared context every service is handed: the store, the vault, the instance clients,
//! the clock, this console's identity, the event bus and the audit. It is the only thing
//! services share; they never hold each other or the façade.
//!
//! Must never grow behaviour of its own beyond handing these out: a rule that belongs to a
//! capability lives in that capability's service.

use crate::CONSOLE_BUILD;
use crate::audit::Audit;
use crate::batch::Batches;
use crate::client::{InstanceClient, MsspIdentity, ProxyMode};
use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::events::{ConsoleEvent, Events};
use crate::locks::lock;
use crate::model::CustomerId;
use crate::quiet::QuietBook;
use crate::store::{Store, settings};
use crate::vault::Vault;
use std::collections::HashSet;
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};
use uuid::Uuid;

/// The name this console gives itself when it links an instance.
const DEFAULT_MSSP_NAME: &str = "Log360 MSSP";

pub struct Context {
    pub(crate) store: Store,
    pub(crate) vault: Vault,
    /// The client every customer client is made from (`InstanceClient::for_customer`): no
    /// idle keep-alive pool, because with one host per customer a pool would hold a socket
    /// per customer; sockets stay bounded by the concurrency of the work. Replaced when the
    /// admin changes the proxy.
    client: RwLock<InstanceClient>,
    pub(crate) clock: Arc<dyn Clock>,
    /// Replaced when a backup brings another console's identity to a fresh one.
    identity: RwLock<MsspIdentity>,
    pub(crate) events: Events,
    pub(crate) audit: Audit,
    /// The bulk actions running now (to cancel one).
    pub(crate) batches: Arc<Batches>,
    /// Maintenance windows and mutes, kept in memory for every check.
    pub(crate) quiet: Arc<QuietBook>,
    /// Problems already told (customer, kind), so a lasting one is told once, not per check.
    reported: Mutex<HashSet<(CustomerId, &'static str)>>,
}

impl Context {
    pub fn new(
        store: Store,
        vault: Vault,
        client: InstanceClient,
        clock: Arc<dyn Clock>,
    ) -> Result<Self> {
        let identity = store.write(|tx| {
            let mssp_id = match settings::get(tx, "mssp_id")? {
                Some(id) => Uuid::parse_str(&id)
                    .map_err(|e| Error::Storage(format!("the stored MSSP id is damaged: {e}")))?,
                None => {
                    let id = Uuid::new_v4();
                    settings::set(tx, "mssp_id", &id.to_string())?;
                    id
                }
            };
            let mssp_name =
                settings::get(tx, "mssp_name")?.unwrap_or_else(|| DEFAULT_MSSP_NAME.to_owned());
            Ok(MsspIdentity { mssp_id, mssp_name, build: CONSOLE_BUILD })
        })?;
        let quiet = Arc::new(QuietBook::new(store.clone())?);
        let stale = quiet.clone();
        let events = Events::default();
        // Tags (and so tag-wide windows and mutes) change with the customers.
        events.on(move |event| {
            if matches!(event, ConsoleEvent::CustomersChanged) {
                stale.mark_stale();
            }
        });
        Ok(Self {
            audit: Audit::new(store.clone(), clock.clone(), vault.clone()),
            client: RwLock::new(client.without_idle_pool()?),
            store,
            vault,
            clock,
            identity: RwLock::new(identity),
            events,
            batches: Arc::default(),
            quiet,
            reported: Mutex::new(HashSet::new()),
        })
    }

    /// True the first time `kind` is reported for this customer (until it is cleared).
    pub(crate) fn report_once(&self, id: CustomerId, kind: &'static str) -> bool {
        lock(&self.reported).insert((id, kind))
    }

    /// The problem went away (or the customer was edited): the next one is told again.
    pub(crate) fn clear_report(&self, id: CustomerId, kind: &'static str) {
        lock(&self.reported).remove(&(id, kind));
    }

    /// The client customer clients are made from.
    pub(crate) fn client(&self) -> InstanceClient {
        read(&self.client).clone()
    }

    /// Customer connections go through `proxy` from now on.
    pub(crate) fn set_proxy(&self, proxy: ProxyMode) -> Result<()> {
        let next = read(&self.client).with_proxy(proxy)?;
        *write(&self.client) = next;
        Ok(())
    }

    /// How this console introduces itself to the instances it links.
    pub(crate) fn identity(&self) -> MsspIdentity {
        read(&self.identity).clone()
    }

    /// Takes on another console's MSSP id and name (a backup restored on a fresh console),
    /// so the instances linked to it stay linked to this one.
    pub(crate) fn adopt_identity(&self, mssp_id: Uuid, mssp_name: &str) -> Result<()> {
        self.store.write(|tx| {
            settings::set(tx, "mssp_id", &mssp_id.to_string())?;
            settings::set(tx, "mssp_name", mssp_name)
        })?;
        let mut identity = write(&self.identity);
        identity.mssp_id = mssp_id;
        identity.mssp_name = mssp_name.to_owned();
        Ok(())
    }

    pub(crate) fn now(&self) -> time::OffsetDateTime {
        self.clock.now()
    }

    pub(crate) fn emit(&self, event: ConsoleEvent) {
        self.events.emit(event);
    }
}

// Poisoning: see `locks`; the values behind these locks are replaced whole.
fn read<T>(l: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    l.read().unwrap_or_else(|e| e.into_inner())
}

fn write<T>(l: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    l.write().unwrap_or_else(|e| e.into_inner())
}

/// Runs blocking work (keychain, Argon2, large transactions) off the async worker threads,
/// so a slow keychain never stalls health checks or the window.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::Internal(format!("a background task failed: {e}")))?
}
