//! The shared context every service is handed: the store, the vault, the instance clients,
//! the clock, this console's identity, the event bus and the audit. It is the only thing
//! services share; they never hold each other or the façade.
//!
//! Must never grow behaviour of its own beyond handing these out: a rule that belongs to a
//! capability lives in that capability's service.

use crate::CONSOLE_BUILD;
use crate::audit::Audit;
use crate::client::{InstanceClient, MsspIdentity};
use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::events::{ConsoleEvent, Events};
use crate::store::{Store, settings};
use crate::vault::Vault;
use std::sync::Arc;
use uuid::Uuid;

/// The name this console gives itself when it links an instance.
const DEFAULT_MSSP_NAME: &str = "Log360 MSSP";

pub struct Context {
    pub(crate) store: Store,
    pub(crate) vault: Vault,
    /// For adding, editing and deleting customers: pooled, so a form's `about`, `session`
    /// and `link` share one connection.
    pub(crate) client: InstanceClient,
    /// For health checks, syncs and pushes: no idle keep-alive pool, because with one host
    /// per customer a pool would hold a socket per customer; this keeps sockets bounded by
    /// the concurrency of that work.
    pub(crate) probe_client: InstanceClient,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) identity: MsspIdentity,
    pub(crate) events: Events,
    pub(crate) audit: Audit,
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
        Ok(Self {
            audit: Audit::new(store.clone(), clock.clone()),
            probe_client: client.without_idle_pool()?,
            store,
            vault,
            client,
            clock,
            identity,
            events: Events::default(),
        })
    }

    pub(crate) fn now(&self) -> time::OffsetDateTime {
        self.clock.now()
    }

    pub(crate) fn emit(&self, event: ConsoleEvent) {
        self.events.emit(event);
    }
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
