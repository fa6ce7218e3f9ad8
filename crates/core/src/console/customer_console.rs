//! The façade's "Open console": a one-time sign-in URL for a customer's own Log360 web
//! console, with what the shell needs to open it safely (whose it is, the only origin the
//! window may show, how its certificate must be checked). Operators open the customers
//! delegated to them; guests may not.
//!
//! The URL is a credential: it must never reach a log, the audit or an error message, and
//! only [`CustomerConsole::url`] carries it.

use super::Console;
use crate::audit::{AuditAction as A, Target};
use crate::auth::{Actor, Permission as P};
use crate::client::ConsoleUrl;
use crate::client::console::origin_of;
use crate::error::Result;
use crate::model::{ConnectionType, Customer, CustomerId};
use crate::trust::Pin;
use std::time::Instant;

/// Whose console a window shows and how it must be reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleTarget {
    pub customer_id: CustomerId,
    pub name: String,
    /// `scheme://host[:port]` as a browser spells it: the one origin the window may show.
    pub origin: String,
    pub connection: ConnectionType,
    /// The certificate trust the admin chose (HTTPS); None: the platform's trust store.
    pub pin: Option<Pin>,
    /// HTTP: the admin chose to talk to this customer unencrypted.
    pub cleartext: bool,
}

impl ConsoleTarget {
    fn of(customer: &Customer) -> Result<Self> {
        Ok(Self {
            customer_id: customer.id,
            name: customer.name.clone(),
            origin: origin_of(&customer.endpoint)?,
            connection: customer.endpoint.connection,
            pin: customer.pin.clone(),
            cleartext: customer.cleartext,
        })
    }

    /// HTTPS whose certificate this computer's trust store must vouch for (no pin).
    pub fn platform_trusted(&self) -> bool {
        self.connection == ConnectionType::Https && self.pin.is_none()
    }
}

/// A sign-in to open now.
#[derive(Debug, Clone)]
pub struct CustomerConsole {
    pub target: ConsoleTarget,
    /// One use, until `valid_until`.
    pub url: ConsoleUrl,
    pub valid_until: Instant,
    /// HTTPS: the certificate (DER) that the customer's own trust accepted on the connection
    /// that asked for the URL; a window may accept that certificate and no other.
    pub verified_certificate: Option<Vec<u8>>,
}

impl Console {
    /// What "Open console" would open for this customer, without contacting it or auditing:
    /// for the shell to decide before a ticket is spent (an open window to focus, a platform
    /// that cannot check this customer's pin). `forbidden` for guests, `not_found` for a
    /// customer this session cannot see.
    pub fn customer_console_target(&self, id: CustomerId) -> Result<ConsoleTarget> {
        ConsoleTarget::of(&self.on(P::OpenCustomerConsole, id)?.1)
    }

    /// "Open console": a one-time sign-in URL from the customer's instance, reached through
    /// the gate (its own trust, the identity proof before the login). Audited as
    /// `customer.console.open`, never with the URL.
    pub async fn customer_console_url(&self, id: CustomerId) -> Result<CustomerConsole> {
        let (_, customer) = self.on(P::OpenCustomerConsole, id)?;
        let audit_target = Target::customer(id, &customer.name);
        let open = async |actor: &Actor| {
            let target = ConsoleTarget::of(&customer)?;
            let (signed, verified_certificate) =
                crate::gate::console_sign_in(&self.ctx, &customer, &actor.username).await?;
            Ok(CustomerConsole {
                target,
                url: signed.url,
                valid_until: signed.valid_until,
                verified_certificate,
            })
        };
        self.sessions.audited(A::CustomerConsoleOpen, audit_target, None, open).await
    }
}
