//! The customer service: Add Customer, Update Customer, delete (soft: the instance is told)
//! and Force Delete (it is not), each carried out against the customer's instance and saved
//! all-or-nothing across SQLite and the keychain.
//!
//! Must never leave a change half-done: a failed add leaves no row and no keychain entry, a
//! failed update leaves the old record and old credentials, and a delete removes both or
//! neither. Must never hand credentials to anything but the instance client, and never call
//! the keychain while holding the store.

use crate::CONSOLE_BUILD;
use crate::auth::Actor;
use crate::client::{About, Connection};
use crate::context::{Context, blocking};
use crate::error::{Error, Result};
use crate::events::ConsoleEvent;
use crate::model::{AdminCredentials, Customer, CustomerId, Health};
use crate::store::customers;
use crate::sync::SyncStatus;
use crate::validate::{self, CustomerInput, ValidCustomer};
use std::sync::Arc;

/// A customer as the Customer Management table shows it: the record, its last known health
/// and its sync status (whose label is the Status column).
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerView {
    pub customer: Customer,
    pub health: Health,
    pub sync: SyncStatus,
}

pub struct Customers {
    ctx: Arc<Context>,
}

impl Customers {
    pub(crate) fn new(ctx: Arc<Context>) -> Self {
        Self { ctx }
    }

    /// Every customer, sorted by name.
    pub fn list(&self) -> Result<Vec<Customer>> {
        self.ctx.store.read(customers::list)
    }

    pub fn get(&self, id: CustomerId) -> Result<Customer> {
        self.ctx.store.read(|c| customers::get(c, id))
    }

    /// A customer by id, as `not_found` when `actor` may not see it.
    pub fn visible(&self, actor: &Actor, id: CustomerId) -> Result<Customer> {
        match actor.reaches(id) {
            true => self.get(id),
            false => Err(Error::NotFound("The customer".into())),
        }
    }

    /// A customer's name for the audit, or `fallback` when it does not exist.
    pub fn name_or(&self, id: CustomerId, fallback: impl FnOnce() -> String) -> String {
        self.get(id).map_or_else(|_| fallback(), |c| c.name)
    }

    /// "Add Customer": validate, check the instance's build, log in with its admin
    /// credentials, link it to this MSSP, and only then save the customer and credentials.
    pub async fn add(&self, input: CustomerInput) -> Result<Customer> {
        let valid = validate::validate_customer(&input)?;
        self.ensure_name_free(&valid.name, None)?;
        let (about, mut conn) = self.verify_instance(&valid, None).await?;
        conn.link(&self.ctx.identity).await?;

        let now = self.ctx.now();
        let customer = Customer {
            id: CustomerId::new(),
            name: valid.name,
            email: valid.email,
            endpoint: valid.endpoint,
            instance_id: about.instance_id,
            build: about.build,
            created_at: now,
            updated_at: now,
        };
        if let Err(e) = self.save_new(&customer, &valid.credentials).await {
            // Nothing was kept here, so do not leave the instance thinking it is managed.
            if let Err(undo) = conn.unlink(self.ctx.identity.mssp_id).await {
                tracing::warn!(customer = %customer.name, error = %undo, "could not undo the link after a failed add");
            }
            return Err(e);
        }
        self.saved(customer.id);
        Ok(customer)
    }

    /// Keychain first, then the row; if the row fails the keychain entry is removed again.
    async fn save_new(&self, customer: &Customer, creds: &AdminCredentials) -> Result<()> {
        let (id, c) = (customer.id, creds.clone());
        let vault = self.ctx.vault.clone();
        blocking(move || vault.put(id, &c)).await?;
        if let Err(e) = self.ctx.store.write(|tx| customers::insert(tx, customer)) {
            let vault = self.ctx.vault.clone();
            if let Err(undo) = blocking(move || vault.delete(id)).await {
                tracing::error!(error = %undo, "could not remove the keychain entry of a customer that was not saved");
            }
            return Err(e);
        }
        Ok(())
    }

    /// "Update Customer": the same checks as adding, against the instance the form now names,
    /// with the credentials entered again.
    pub async fn update(&self, id: CustomerId, input: CustomerInput) -> Result<Customer> {
        let existing = self.get(id)?;
        let valid = validate::validate_customer(&input)?;
        self.ensure_name_free(&valid.name, Some(id))?;
        let (about, mut conn) = self.verify_instance(&valid, Some(id)).await?;
        conn.link(&self.ctx.identity).await?;

        let updated = Customer {
            name: valid.name,
            email: valid.email,
            endpoint: valid.endpoint,
            instance_id: about.instance_id,
            build: about.build,
            updated_at: self.ctx.now(),
            ..existing.clone()
        };
        let old_creds = self.replace_credentials(&updated, valid.credentials).await?;
        if existing.instance_id != updated.instance_id {
            // The customer now points at another instance; release the old one so it does
            // not stay managed by nobody. Best effort: the old one may be gone for good.
            if let Some(old) = old_creds {
                let client = self.ctx.client.clone();
                let mut old_conn = Connection::new(client, existing.endpoint.clone(), old);
                if let Err(e) = old_conn.unlink(self.ctx.identity.mssp_id).await {
                    tracing::warn!(customer = %updated.name, error = %e, "could not unlink the previous instance");
                }
            }
        }
        self.saved(id);
        Ok(updated)
    }

    /// New credentials in, then the row; if the row fails the old credentials go back.
    /// Returns the old credentials.
    async fn replace_credentials(
        &self,
        updated: &Customer,
        creds: AdminCredentials,
    ) -> Result<Option<AdminCredentials>> {
        let id = updated.id;
        let vault = self.ctx.vault.clone();
        let old = blocking(move || {
            let old = vault.get(id)?;
            vault.put(id, &creds)?;
            Ok(old)
        })
        .await?;
        if let Err(e) = self.ctx.store.write(|tx| customers::update(tx, updated)) {
            let (vault, previous) = (self.ctx.vault.clone(), old.clone());
            let restore = blocking(move || match previous {
                Some(old) => vault.put(id, &old),
                None => vault.delete(id),
            });
            if let Err(undo) = restore.await {
                tracing::error!(error = %undo, "could not restore a customer's previous credentials");
            }
            return Err(e);
        }
        Ok(old)
    }

    fn saved(&self, id: CustomerId) {
        self.ctx.emit(ConsoleEvent::CustomersChanged);
        self.ctx.emit(ConsoleEvent::CustomerSaved(id));
    }

    /// Soft delete (the admin's password already confirmed): dis-integrate the instance with
    /// `DELETE /mssp/v1/link`, then remove the customer and its credentials. When the
    /// instance is the problem, the error offers Force Delete.
    pub async fn delete(&self, customer: &Customer) -> Result<()> {
        let vault = self.ctx.vault.clone();
        let id = customer.id;
        let creds = blocking(move || vault.get(id)).await?.ok_or_else(|| Error::DeleteRefused {
            source: Box::new(Error::AuthFailed(
                "The keychain has no admin credentials for this customer, so the console cannot sign in to remove itself.".into(),
            )),
        })?;
        let client = self.ctx.client.clone();
        let mut conn = Connection::new(client, customer.endpoint.clone(), creds);
        conn.unlink(self.ctx.identity.mssp_id).await.map_err(|e| {
            if e.is_instance_failure() { Error::DeleteRefused { source: Box::new(e) } } else { e }
        })?;
        self.remove_locally(id).await
    }

    /// Removes the credentials, then the row; if the row cannot go, the credentials are put
    /// back, so the customer is removed whole or not at all.
    pub async fn remove_locally(&self, id: CustomerId) -> Result<()> {
        let vault = self.ctx.vault.clone();
        let backup = blocking(move || {
            let backup = vault.get(id)?;
            vault.delete(id)?;
            Ok(backup)
        })
        .await?;
        if let Err(e) = self.ctx.store.write(|tx| customers::delete(tx, id)) {
            if let Some(creds) = backup {
                let vault = self.ctx.vault.clone();
                if let Err(undo) = blocking(move || vault.put(id, &creds)).await {
                    tracing::error!(error = %undo, "could not restore the credentials of a customer that was not deleted");
                }
            }
            return Err(e);
        }
        self.ctx.emit(ConsoleEvent::CustomerRemoved(id));
        self.ctx.emit(ConsoleEvent::CustomersChanged);
        Ok(())
    }

    fn ensure_name_free(&self, name: &str, except: Option<CustomerId>) -> Result<()> {
        match self.ctx.store.read(|c| customers::name_holder(c, name, except))? {
            Some(holder) => Err(Error::field(
                "name",
                format!("A customer named \u{201c}{holder}\u{201d} already exists."),
            )),
            None => Ok(()),
        }
    }

    /// `about` (reachable, same build, not already integrated as someone else), then a login
    /// with the admin credentials. Returns the logged-in connection for the next call.
    async fn verify_instance(
        &self,
        valid: &ValidCustomer,
        except: Option<CustomerId>,
    ) -> Result<(About, Connection)> {
        let about = self.ctx.client.about(&valid.endpoint).await?;
        if about.build != CONSOLE_BUILD {
            return Err(Error::BuildMismatch {
                console: CONSOLE_BUILD,
                customer: Some(about.build),
            });
        }
        if let Some(holder) =
            self.ctx.store.read(|c| customers::instance_holder(c, about.instance_id, except))?
        {
            return Err(Error::field(
                "server",
                format!("This Log360 instance is already integrated as \u{201c}{holder}\u{201d}."),
            ));
        }
        let client = self.ctx.client.clone();
        let mut conn = Connection::new(client, valid.endpoint.clone(), valid.credentials.clone());
        conn.login().await?;
        Ok((about, conn))
    }
}
