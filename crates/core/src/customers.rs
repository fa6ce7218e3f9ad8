//! The customer service: Add Customer, Update Customer, delete (soft: the instance is told)
//! and Force Delete (it is not), each carried out against the customer's instance and saved
//! all-or-nothing: the row and its sealed secrets in one transaction. Also the certificate
//! review ("Review and trust the new certificate") and the move of credentials from the old
//! per-customer keychain entries into the vault.
//!
//! Must never leave a change half-done (a failed add leaves no row and unlinks the instance;
//! a failed update keeps the old record and secrets), never send credentials to a server
//! whose certificate the admin has not trusted, and never hand credentials to anything but
//! the instance client.

use crate::CONSOLE_BUILD;
use crate::auth::Actor;
use crate::client::{About, Connection, Inspection, InstanceClient, LinkKey};
use crate::context::Context;
use crate::error::{Error, Result};
use crate::events::ConsoleEvent;
use crate::gate;
use crate::locks::lock;
use crate::model::{ConnectionType, Customer, CustomerId, Endpoint, Health, SyncStatus};
use crate::store::certificates::CertificateRow;
use crate::store::{certificates, customers, secrets, settings};
use crate::trust::Pin;
use crate::validate::{self, CustomerInput, ValidCustomer};
use crate::vault::Secrets;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use uuid::Uuid;

/// A customer as the Customer Management table shows it: the record, its last known health,
/// its sync status (whose label is the Status column) and what was seen of its certificate.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerView {
    pub customer: Customer,
    pub health: Health,
    pub sync: SyncStatus,
    pub certificate: Option<CertificateStatus>,
    pub tags: Vec<crate::model::TagId>,
    /// In a maintenance window or muted now.
    pub quiet: Option<crate::model::Quiet>,
}

/// What was last seen of a customer's certificate, judged on the console's clock.
#[derive(Debug, Clone, PartialEq)]
pub struct CertificateStatus {
    pub row: CertificateRow,
    /// It expires within [`gate::CERTIFICATE_WARNING_DAYS`] (or has expired).
    pub expiring_soon: bool,
}

impl CertificateStatus {
    pub fn judge(row: CertificateRow, now: time::OffsetDateTime) -> Self {
        let expiring_soon = !row.sha256.is_empty()
            && (row.not_after - now).whole_days() <= gate::CERTIFICATE_WARNING_DAYS;
        Self { row, expiring_soon }
    }
}

/// What "Review certificate" shows: the trust chosen, and what the instance presents now.
#[derive(Debug, Clone)]
pub struct CertificateReview {
    pub customer: Customer,
    pub inspection: Inspection,
    pub seen: Option<CertificateRow>,
}

/// What [`Customers::probe`] found, credentials unsent.
#[derive(Debug, Clone)]
pub struct InstanceProbe {
    /// HTTPS: the certificate presented and whether this computer trusts it.
    pub inspection: Option<Inspection>,
    pub build: Option<u32>,
    /// Why adding it would fail (unreachable, build mismatch, already integrated); None when
    /// nothing was found wrong before logging in.
    pub problem: Option<String>,
}

impl InstanceProbe {
    fn failed(inspection: Option<Inspection>, e: &Error) -> Self {
        Self { inspection, build: None, problem: Some(e.to_string()) }
    }
}

pub struct Customers {
    ctx: Arc<Context>,
    /// One add or edit per instance at a time: two forms naming the same instance must not
    /// both link it, nor the loser unlink what the winner integrated.
    integrating: Mutex<HashMap<Uuid, Arc<tokio::sync::Mutex<()>>>>,
    /// The list as last read, and the store's generation it was read at: the window asks for
    /// it at every keystroke of a search, and 10,000 rows take longer to read than to search.
    listed: Mutex<Option<(u64, Arc<Vec<Customer>>)>>,
}

impl Customers {
    pub(crate) fn new(ctx: Arc<Context>) -> Self {
        Self { ctx, integrating: Mutex::new(HashMap::new()), listed: Mutex::new(None) }
    }

    fn integrating(&self, instance: Uuid) -> Arc<tokio::sync::Mutex<()>> {
        lock(&self.integrating).entry(instance).or_default().clone()
    }

    /// Every customer, sorted by name.
    pub fn list(&self) -> Result<Vec<Customer>> {
        Ok(self.listed()?.as_ref().clone())
    }

    /// [`Self::list`], read again only when something was committed since the last read.
    pub fn listed(&self) -> Result<Arc<Vec<Customer>>> {
        // The generation is taken before the read, so the list kept is at least that new; a
        // commit in between only makes the next call read again.
        let generation = self.ctx.store.generation()?;
        if let Some((seen, list)) = lock(&self.listed).as_ref()
            && *seen == generation
        {
            return Ok(list.clone());
        }
        let list = Arc::new(self.ctx.store.read(customers::list)?);
        *lock(&self.listed) = Some((generation, list.clone()));
        Ok(list)
    }

    pub fn get(&self, id: CustomerId) -> Result<Customer> {
        self.ctx.store.read(|c| customers::get(c, id))
    }

    /// What was last seen of a customer's certificate.
    pub fn certificate(&self, id: CustomerId) -> Result<Option<CertificateRow>> {
        self.ctx.store.read(|c| certificates::get(c, id))
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

    /// "Add Customer": validate, check the instance's certificate (trusted by this computer
    /// or by the admin's choice) and build, log in with its admin credentials, link it to
    /// this MSSP with a fresh link key, and only then save the customer and its secrets.
    pub async fn add(&self, id: CustomerId, input: CustomerInput) -> Result<Customer> {
        let valid = validate::validate_customer(&input)?;
        self.ensure_name_free(&valid.name, None)?;
        let client =
            self.ctx.client().for_customer(valid.endpoint.connection, valid.pin.as_ref())?;
        let (about, mut conn, _turn) = self.verify_instance(client, &valid, None).await?;
        let key = LinkKey::generate()?;
        conn.link(&self.ctx.identity(), &key).await?;

        let now = self.ctx.now();
        let customer = Customer {
            id,
            name: valid.name,
            email: valid.email,
            endpoint: valid.endpoint,
            instance_id: about.instance_id,
            build: about.build,
            pin: valid.pin,
            cleartext: valid.cleartext,
            created_at: now,
            updated_at: now,
        };
        let secrets = Secrets { credentials: valid.credentials, link_key: Some(key) };
        if let Err(e) = self.save(&customer, secrets, false).await {
            // Nothing was kept here, so do not leave the instance thinking it is managed,
            // unless another customer holds it (then the link is that customer's).
            let held =
                self.ctx.store.read(|c| customers::instance_holder(c, about.instance_id, None));
            if matches!(held, Ok(Some(_))) {
                return Err(e);
            }
            if let Err(undo) = conn.unlink(self.ctx.identity().mssp_id).await {
                tracing::warn!(customer = %customer.name, error = %undo, "could not undo the link after a failed add");
            }
            return Err(e);
        }
        gate::learn(&self.ctx, &customer, conn.client(), Ok(()));
        self.saved(customer.id);
        Ok(customer)
    }

    /// The row and its sealed secrets in one transaction: both or neither.
    async fn save(&self, customer: &Customer, secrets: Secrets, update: bool) -> Result<()> {
        let sealed = gate::seal(&self.ctx, customer.id, secrets).await?;
        self.ctx.store.write(|tx| {
            if update {
                customers::update(tx, customer)?;
                certificates::forget(tx, customer.id)?;
            } else {
                customers::insert(tx, customer)?;
            }
            secrets::put(tx, customer.id, &sealed)
        })
    }

    /// "Update Customer": the same checks as adding, against the instance the form now names,
    /// with the credentials entered again. Linking gives the instance a new key, so this is
    /// also how an admin deliberately integrates a reinstalled instance.
    pub async fn update(&self, id: CustomerId, input: CustomerInput) -> Result<Customer> {
        let existing = self.get(id)?;
        let valid = validate::validate_customer(&input)?;
        self.ensure_name_free(&valid.name, Some(id))?;
        // The same server keeps the trust chosen for it unless the form chose another.
        let pin = match &valid.pin {
            Some(pin) => Some(pin.clone()),
            None if valid.endpoint == existing.endpoint => existing.pin.clone(),
            None => None,
        };
        let client = self.ctx.client().for_customer(valid.endpoint.connection, pin.as_ref())?;
        let (about, mut conn, _turn) = self.verify_instance(client, &valid, Some(id)).await?;
        let key = LinkKey::generate()?;
        conn.link(&self.ctx.identity(), &key).await?;

        let updated = Customer {
            name: valid.name,
            email: valid.email,
            endpoint: valid.endpoint,
            instance_id: about.instance_id,
            build: about.build,
            pin,
            cleartext: valid.cleartext,
            updated_at: self.ctx.now(),
            ..existing.clone()
        };
        let old = gate::secrets(&self.ctx, id).await.ok().flatten();
        let secrets = Secrets { credentials: valid.credentials, link_key: Some(key) };
        if let Err(e) = self.save(&updated, secrets, true).await {
            if existing.instance_id != updated.instance_id
                && let Err(undo) = conn.unlink(self.ctx.identity().mssp_id).await
            {
                tracing::warn!(customer = %updated.name, error = %undo, "could not undo the link after a failed update");
            }
            return Err(e);
        }
        if existing.instance_id != updated.instance_id {
            self.release_previous(&existing, old).await;
        }
        gate::learn(&self.ctx, &updated, conn.client(), Ok(()));
        self.ctx.clear_report(id, "instance_changed");
        self.saved(id);
        Ok(updated)
    }

    /// The customer now points at another instance; release the old one so it does not stay
    /// managed by nobody. Best effort: the old one may be gone for good, or not provable.
    async fn release_previous(&self, existing: &Customer, old: Option<Secrets>) {
        let Some(old) = old else { return };
        let Ok(client) = gate::client(&self.ctx, existing) else { return };
        let identity = crate::client::InstanceIdentity {
            instance_id: existing.instance_id,
            link_key: old.link_key,
        };
        let mut conn =
            Connection::to_integrated(client, existing.endpoint.clone(), old.credentials, identity);
        if let Err(e) = conn.unlink(self.ctx.identity().mssp_id).await {
            tracing::warn!(customer = %existing.name, error = %e, "could not unlink the previous instance");
        }
    }

    fn saved(&self, id: CustomerId) {
        self.ctx.emit(ConsoleEvent::CustomersChanged);
        self.ctx.emit(ConsoleEvent::CustomerSaved(id));
    }

    /// Soft delete (the admin's password already confirmed): dis-integrate the instance with
    /// `DELETE /mssp/v1/link`, then remove the customer and its secrets. When the instance is
    /// the problem (unreachable, another instance, a changed certificate), the error offers
    /// Force Delete.
    pub async fn delete(&self, customer: &Customer) -> Result<()> {
        let refused = |e: Error| {
            if e.is_instance_failure() { Error::DeleteRefused { source: Box::new(e) } } else { e }
        };
        let mut conn = gate::connect(&self.ctx, customer).await.map_err(refused)?;
        let unlinked = conn.unlink(self.ctx.identity().mssp_id).await;
        gate::learn(&self.ctx, customer, conn.client(), unlinked.as_ref().map(|_| ()));
        unlinked.map_err(refused)?;
        self.remove_locally(customer.id).await
    }

    /// Removes the customer and (by cascade, in the same transaction) its secrets.
    pub async fn remove_locally(&self, id: CustomerId) -> Result<()> {
        self.ctx.store.write(|tx| customers::delete(tx, id))?;
        self.ctx.clear_report(id, "instance_changed");
        self.ctx.emit(ConsoleEvent::CustomerRemoved(id));
        self.ctx.emit(ConsoleEvent::CustomersChanged);
        Ok(())
    }

    /// "Review certificate": what the customer's server presents now, beside the trust chosen.
    pub async fn review_certificate(&self, customer: Customer) -> Result<CertificateReview> {
        if customer.endpoint.connection != ConnectionType::Https {
            return Err(Error::Conflict(
                "This customer is integrated over HTTP: it has no certificate.".into(),
            ));
        }
        let inspection = self.ctx.client().inspect(&customer.endpoint).await?;
        let seen = self.certificate(customer.id)?;
        Ok(CertificateReview { customer, inspection, seen })
    }

    /// "Trust this certificate" after a review: pins what the server presents now, if it is
    /// still the certificate with the fingerprint the admin checked.
    pub async fn trust_certificate(
        &self,
        id: CustomerId,
        choice: &validate::TrustChoice,
    ) -> Result<Customer> {
        let existing = self.get(id)?;
        let mut errors = crate::error::FieldErrors::new();
        let Some(pin) = validate::trust_pin(choice, &mut errors) else {
            return Err(Error::Validation(errors));
        };
        let client = self.ctx.client().for_customer(existing.endpoint.connection, Some(&pin))?;
        // A handshake under the new pin proves the server presents what the admin checked.
        let about = client.about(&existing.endpoint).await?;
        if about.instance_id != existing.instance_id {
            let target = format!("{}:{}", existing.endpoint.server, existing.endpoint.port);
            return Err(Error::InstanceChanged {
                target,
                expected: existing.instance_id,
                found: about.instance_id,
                proven: false,
            });
        }
        let updated = Customer { pin: Some(pin), updated_at: self.ctx.now(), ..existing };
        self.ctx.store.write(|tx| {
            customers::update(tx, &updated)?;
            certificates::forget(tx, id)
        })?;
        gate::learn(&self.ctx, &updated, &client, Ok(()));
        self.saved(id);
        Ok(updated)
    }

    /// Moves credentials kept in per-customer keychain entries (before the envelope vault)
    /// into sealed secrets, then deletes those entries. Crash-safe: each customer's sealed
    /// secrets are written before its entry is deleted, and a start that stops half-way
    /// finishes next time (the `vault_migrated` flag is set only at the end).
    pub(crate) fn migrate_legacy_credentials(&self) -> Result<usize> {
        if self.ctx.store.read(|c| settings::get(c, "vault_migrated"))?.is_some() {
            return Ok(0);
        }
        let vault = &self.ctx.vault;
        let mut moved = 0;
        for id in self.ctx.store.read(secrets::customers_without)? {
            let Some(credentials) = vault.legacy_get(id)? else { continue };
            let sealed = vault.seal(id, &Secrets { credentials, link_key: None })?;
            self.ctx.store.write(|tx| secrets::put(tx, id, &sealed))?;
            moved += 1;
        }
        for id in self.ctx.store.read(secrets::customers_with)? {
            vault.legacy_delete(id)?;
        }
        self.ctx.store.write(|tx| settings::set(tx, "vault_migrated", "1"))?;
        Ok(moved)
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

    /// What an instance shows before any credentials are sent (an import's "check instances"):
    /// its certificate over HTTPS (whether or not this computer trusts it) and its `about`,
    /// read under a pin of exactly that certificate. Never logs in.
    pub async fn probe(&self, endpoint: &Endpoint) -> InstanceProbe {
        let client = self.ctx.client();
        let inspection = match endpoint.connection {
            ConnectionType::Http => None,
            ConnectionType::Https => match client.inspect(endpoint).await {
                Ok(inspection) => Some(inspection),
                Err(e) => return InstanceProbe::failed(None, &e),
            },
        };
        let pin = inspection
            .as_ref()
            .and_then(|i| i.chain.first())
            .map(|leaf| Pin::Certificate(leaf.sha256));
        let about = match client.for_customer(endpoint.connection, pin.as_ref()) {
            Ok(client) => client.about(endpoint).await,
            Err(e) => Err(e),
        };
        match about {
            Ok(about) if about.build != CONSOLE_BUILD => {
                let e =
                    Error::BuildMismatch { console: CONSOLE_BUILD, customer: Some(about.build) };
                InstanceProbe { build: Some(about.build), ..InstanceProbe::failed(inspection, &e) }
            }
            Ok(about) => match self
                .ctx
                .store
                .read(|c| customers::instance_holder(c, about.instance_id, None))
            {
                Ok(Some(holder)) => InstanceProbe {
                    build: Some(about.build),
                    problem: Some(format!(
                        "This Log360 instance is already integrated as “{holder}”."
                    )),
                    inspection,
                },
                _ => InstanceProbe { inspection, build: Some(about.build), problem: None },
            },
            Err(e) => InstanceProbe::failed(inspection, &e),
        }
    }

    /// `about` (reachable, trusted certificate, same build, not already integrated as someone
    /// else), then a login with the admin credentials. Returns the logged-in connection.
    async fn verify_instance(
        &self,
        client: InstanceClient,
        valid: &ValidCustomer,
        except: Option<CustomerId>,
    ) -> Result<(About, Connection, tokio::sync::OwnedMutexGuard<()>)> {
        let about = client.about(&valid.endpoint).await?;
        // Held until the customer is saved or given up: checked and linked by one form only.
        let turn = self.integrating(about.instance_id).lock_owned().await;
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
        let mut conn = Connection::new(client, valid.endpoint.clone(), valid.credentials.clone());
        conn.login().await?;
        Ok((about, conn, turn))
    }
}
