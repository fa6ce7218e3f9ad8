//! The console: the operations a person performs (set up, log in, add, update, delete and
//! force delete customers, check health), each checked against the session, carried out
//! against the customer's instance, saved all-or-nothing across SQLite and the keychain, and
//! written to the audit table.
//!
//! Must never leave a change half-done: a failed add leaves no row and no keychain entry, a
//! failed update leaves the old record and old credentials, and a delete removes both or
//! neither. Must never hand credentials to anything but the instance client.

use crate::CONSOLE_BUILD;
use crate::auth::{self, Session};
use crate::client::{ClientConfig, Connection, InstanceClient, MsspIdentity};
use crate::clock::{Clock, SystemClock};
use crate::config::ConsoleConfig;
use crate::error::{Error, Result};
use crate::model::{AdminCredentials, Customer, CustomerId, Health};
use crate::monitor::{self, MonitorSettings, Notification};
use crate::store::audit::{self, AuditEntry, Outcome};
use crate::store::health as history;
use crate::store::sync as sync_history;
use crate::store::technicians::{NewTechnician, Role, TechnicianRow};
use crate::store::{Store, customers, settings, technicians};
use crate::sync::{self, SyncSettings, SyncStatus, Trigger};
use crate::validate::TechnicianInput;
use crate::validate::{self, CustomerInput, ValidCustomer};
use crate::vault::Vault;
use std::sync::{Arc, Mutex};
use tokio::sync::broadcast;
use uuid::Uuid;

/// What the console tells whoever shows it, without knowing who that is.
#[derive(Debug, Clone, PartialEq)]
pub enum ConsoleEvent {
    HealthUpdated {
        customer_id: CustomerId,
        health: Health,
    },
    /// Customers by state, after any state change.
    StatusCounts {
        up: usize,
        down: usize,
        unknown: usize,
    },
    /// Something to tell the person through a desktop notification.
    Notify(Notification),
    /// A customer was added, updated or removed.
    CustomersChanged,
    /// A customer was added or edited (so it is synced now).
    CustomerSaved(CustomerId),
    /// A customer's sync started or ended.
    SyncUpdated {
        customer_id: CustomerId,
        status: SyncStatus,
    },
    /// Progress of a Sync All.
    SyncProgress(sync::Progress),
    /// Technicians or their delegations changed (so everyone is synced).
    TechniciansChanged,
    /// The license, an allocation or a push result changed.
    LicenseChanged,
    MonitorSettingsChanged,
    /// The session idled out; the window should show the login screen.
    SessionLocked,
}

/// The name this console gives itself when it links an instance.
const DEFAULT_MSSP_NAME: &str = "Log360 MSSP";

pub struct Console {
    store: Store,
    vault: Vault,
    client: InstanceClient,
    /// For health checks, syncs and pushes: no idle keep-alive pool, because with one host per customer a pool
    /// would hold a socket per customer; this keeps sockets bounded by the check concurrency.
    probe_client: InstanceClient,
    clock: Arc<dyn Clock>,
    identity: MsspIdentity,
    session: Mutex<Option<Session>>,
    monitor_settings: Mutex<MonitorSettings>,
    sync_settings: Mutex<SyncSettings>,
    pub(crate) monitor: monitor::Board,
    pub(crate) syncer: sync::Syncer,
    events: broadcast::Sender<ConsoleEvent>,
}

impl Console {
    /// Opens the console's data dir with the OS keychain.
    pub fn open(config: &ConsoleConfig) -> Result<Self> {
        Self::with_parts(
            Store::open(&config.database_path())?,
            Vault::platform(config.keychain_service.clone()),
            InstanceClient::new(ClientConfig::default())?,
            Arc::new(SystemClock),
        )
    }

    pub fn with_parts(
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
            Ok(MsspIdentity {
                mssp_id,
                mssp_name,
                build: CONSOLE_BUILD,
            })
        })?;
        let (events, _) = broadcast::channel(4096);
        let monitor_settings = store.read(MonitorSettings::load)?;
        let board = monitor::Board::default();
        board.restore(store.read(crate::store::health::current_states)?);
        let sync_settings = store.read(SyncSettings::load)?;
        let syncer = sync::Syncer::default();
        syncer.restore(store.read(crate::store::sync::latest_runs)?);
        Ok(Self {
            store,
            vault,
            probe_client: client.without_idle_pool()?,
            client,
            clock,
            identity,
            session: Mutex::new(None),
            monitor_settings: Mutex::new(monitor_settings),
            sync_settings: Mutex::new(sync_settings),
            monitor: board,
            syncer,
            events,
        })
    }

    pub fn identity(&self) -> &MsspIdentity {
        &self.identity
    }

    pub fn subscribe(&self) -> broadcast::Receiver<ConsoleEvent> {
        self.events.subscribe()
    }

    pub(crate) fn emit(&self, event: ConsoleEvent) {
        // No receiver (no window yet) is fine: the state is still in the board.
        let _ = self.events.send(event);
    }

    pub(crate) fn probe_client(&self) -> &InstanceClient {
        &self.probe_client
    }

    pub fn monitor_settings(&self) -> MonitorSettings {
        self.monitor_settings
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Changes how customers are monitored (administrators only).
    pub fn set_monitor_settings(&self, new: MonitorSettings) -> Result<()> {
        let session = self.require_admin()?;
        new.validate()?;
        self.store.write(|tx| new.save(tx))?;
        *self
            .monitor_settings
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = new;
        self.record(
            &session.username,
            "monitor.settings",
            "monitoring",
            Outcome::Success,
            None,
        );
        self.emit(ConsoleEvent::MonitorSettingsChanged);
        Ok(())
    }

    pub(crate) fn vault(&self) -> &Vault {
        &self.vault
    }

    pub(crate) fn store(&self) -> &Store {
        &self.store
    }

    pub(crate) fn now(&self) -> time::OffsetDateTime {
        self.clock.now()
    }

    // ----- the console's own administrator and session -----

    /// True until the first administrator has been created.
    pub fn needs_setup(&self) -> Result<bool> {
        Ok(self.store.read(technicians::count)? == 0)
    }

    /// The first run's "Create administrator"; logs the new administrator in.
    pub async fn create_admin(
        &self,
        username: &str,
        password: &str,
        confirm: &str,
    ) -> Result<Session> {
        let username = validate::validate_new_admin(username, password, confirm)?;
        if !self.needs_setup()? {
            return Err(Error::AlreadySetUp);
        }
        let hash = blocking({
            let password = zeroize::Zeroizing::new(password.to_owned());
            move || auth::hash_password(&password)
        })
        .await?;
        let now = self.now();
        self.store
            .write(|tx| {
                // Checked again inside the transaction: two first-run windows cannot both win.
                if technicians::count(tx)? > 0 {
                    return Err(Error::AlreadySetUp);
                }
                let id = technicians::insert(
                    tx,
                    &NewTechnician {
                        username: &username,
                        email: "",
                        password_hash: &hash,
                        role: Role::Admin,
                        all_customers: true,
                        customer_ids: &[],
                    },
                    now,
                )?;
                audit::record(
                    tx,
                    now,
                    &username,
                    "admin.create",
                    &username,
                    Outcome::Success,
                    None,
                )?;
                Ok(id)
            })
            .map(|id| self.start_session(id, username, Role::Admin))
    }

    /// "Log in to Log360 MSSP".
    pub async fn login(&self, username: &str, password: &str) -> Result<Session> {
        if self.needs_setup()? {
            return Err(Error::SetupRequired);
        }
        let row = self.store.read(|c| technicians::by_username(c, username))?;
        let hash = row
            .as_ref()
            .map(|r| r.password_hash.clone())
            .unwrap_or_else(|| auth::dummy_hash().to_owned());
        let ok = blocking({
            let password = zeroize::Zeroizing::new(password.to_owned());
            move || Ok(auth::verify_password(&password, &hash))
        })
        .await?;
        let target = username.trim();
        match row {
            Some(row) if ok && !row.enabled => {
                self.record(
                    &row.username,
                    "admin.login",
                    &row.username,
                    Outcome::Failure,
                    Some("technician disabled"),
                );
                Err(Error::AuthFailed(
                    "This technician is disabled. Ask an administrator to enable it.".into(),
                ))
            }
            Some(row) if ok => {
                self.record(
                    &row.username,
                    "admin.login",
                    &row.username,
                    Outcome::Success,
                    None,
                );
                Ok(self.start_session(row.id, row.username, row.role))
            }
            _ => {
                self.record(
                    target,
                    "admin.login",
                    target,
                    Outcome::Failure,
                    Some("wrong username or password"),
                );
                Err(Error::AuthFailed(
                    "The username or password is incorrect.".into(),
                ))
            }
        }
    }

    fn start_session(&self, technician_id: i64, username: String, role: Role) -> Session {
        let session = Session {
            technician_id,
            username,
            role,
            last_activity: self.now(),
        };
        *self.session.lock().unwrap_or_else(|e| e.into_inner()) = Some(session.clone());
        session
    }

    pub fn logout(&self) {
        self.session
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
    }

    /// The current session without counting as activity (for the first screen).
    pub fn current_session(&self) -> Option<Session> {
        let now = self.now();
        self.session
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .filter(|s| !s.is_idle(now))
    }

    /// The session of the person acting now, counting this as activity; `locked` when there
    /// is none or it idled out.
    pub fn require_session(&self) -> Result<Session> {
        let now = self.now();
        let mut slot = self.session.lock().unwrap_or_else(|e| e.into_inner());
        match slot.as_mut() {
            Some(s) if !s.is_idle(now) => {
                s.last_activity = now;
                Ok(s.clone())
            }
            Some(_) => {
                *slot = None;
                drop(slot);
                self.emit(ConsoleEvent::SessionLocked);
                Err(Error::Locked)
            }
            None => Err(Error::Locked),
        }
    }

    /// Locks the console if the session has idled out; the shell calls this on a timer so
    /// the window locks even when nobody clicks.
    pub fn enforce_idle_lock(&self) {
        let now = self.now();
        let mut slot = self.session.lock().unwrap_or_else(|e| e.into_inner());
        if slot.as_ref().is_some_and(|s| s.is_idle(now)) {
            *slot = None;
            drop(slot);
            self.emit(ConsoleEvent::SessionLocked);
        }
    }

    async fn verify_own_password(&self, session: &Session, password: &str) -> Result<()> {
        let row = self
            .store
            .read(|c| technicians::by_username(c, &session.username))?
            .ok_or(Error::Locked)?;
        let ok = blocking({
            let password = zeroize::Zeroizing::new(password.to_owned());
            move || Ok(auth::verify_password(&password, &row.password_hash))
        })
        .await?;
        if ok {
            Ok(())
        } else {
            Err(Error::WrongPassword)
        }
    }

    fn require_admin(&self) -> Result<Session> {
        self.require_role(Role::Admin, "Only administrators can do this.")
    }

    /// The session, if its role is at least `role`: enforced here, not only by hidden buttons.
    pub(crate) fn require_role(&self, role: Role, why: &str) -> Result<Session> {
        let session = self.require_session()?;
        // The stored role counts, not the one at login: a demoted technician loses it at once.
        let current = self
            .store
            .read(|c| technicians::get(c, session.technician_id))
            .map_err(|_| Error::Locked)?;
        if !current.enabled {
            self.logout();
            return Err(Error::Locked);
        }
        if current.role < role {
            return Err(Error::Forbidden(why.to_owned()));
        }
        Ok(session)
    }

    /// The customers this session may see: all for an admin, the delegated ones otherwise.
    pub(crate) fn visible(
        &self,
        session: &Session,
    ) -> Result<Box<dyn Fn(CustomerId) -> bool + Send + Sync>> {
        let me = self
            .store
            .read(|c| technicians::get(c, session.technician_id))
            .map_err(|_| Error::Locked)?;
        Ok(Box::new(move |id| me.reaches(id)))
    }

    /// A customer by id, as `not_found` when this session may not see it.
    pub(crate) fn visible_customer(&self, session: &Session, id: CustomerId) -> Result<Customer> {
        if !(self.visible(session)?)(id) {
            return Err(Error::NotFound("The customer".into()));
        }
        self.store.read(|c| customers::get(c, id))
    }

    // ----- customers -----

    /// Every customer with its last known health, sorted by name.
    pub fn list_customers(&self) -> Result<Vec<(Customer, Health)>> {
        let session = self.require_session()?;
        let visible = self.visible(&session)?;
        Ok(self
            .customers_with_health()?
            .into_iter()
            .filter(|(c, _)| visible(c.id))
            .collect())
    }

    /// A customer's sync status.
    pub fn sync_status(&self, id: CustomerId) -> SyncStatus {
        self.syncer.status(id)
    }

    /// How long a customer that keeps failing waits before its next scheduled sync.
    pub fn sync_backoff(&self, id: CustomerId) -> Option<std::time::Duration> {
        self.syncer.backoff_remaining(id)
    }

    pub(crate) fn customers_with_health(&self) -> Result<Vec<(Customer, Health)>> {
        let customers = self.store.read(customers::list)?;
        Ok(customers
            .into_iter()
            .map(|c| {
                let h = self.monitor.get(c.id);
                (c, h)
            })
            .collect())
    }

    pub fn customer(&self, id: CustomerId) -> Result<(Customer, Health)> {
        let session = self.require_session()?;
        let c = self.visible_customer(&session, id)?;
        let h = self.monitor.get(id);
        Ok((c, h))
    }

    /// "Add Customer": validate, check the instance's build, log in with its admin
    /// credentials, link it to this MSSP, and only then save the customer and credentials.
    pub async fn add_customer(&self, input: CustomerInput) -> Result<Customer> {
        let session = self.require_admin()?;
        let target = input.name.trim().to_owned();
        let result = self.add_customer_inner(input).await;
        self.record_result(&session.username, "customer.add", &target, &result, None);
        self.changed_if_ok(&result);
        if let Ok(c) = &result {
            self.emit(ConsoleEvent::CustomerSaved(c.id));
        }
        result
    }

    async fn add_customer_inner(&self, input: CustomerInput) -> Result<Customer> {
        let valid = validate::validate_customer(&input)?;
        self.ensure_name_free(&valid.name, None)?;
        let (about, mut conn) = self.verify_instance(&valid, None).await?;
        conn.link(&self.identity).await?;

        let now = self.now();
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
        let saved = self.save_new(&customer, &valid.credentials).await;
        if saved.is_err() {
            // Nothing was kept here, so do not leave the instance thinking it is managed.
            if let Err(e) = conn.unlink(self.identity.mssp_id).await {
                tracing::warn!(customer = %customer.name, error = %e, "could not undo the link after a failed add");
            }
        }
        saved.map(|()| customer)
    }

    /// Keychain first, then the row; if the row fails the keychain entry is removed again.
    async fn save_new(&self, customer: &Customer, creds: &AdminCredentials) -> Result<()> {
        let vault = self.vault.clone();
        let (id, c) = (customer.id, creds.clone());
        blocking(move || vault.put(id, &c)).await?;
        if let Err(e) = self.store.write(|tx| customers::insert(tx, customer)) {
            let vault = self.vault.clone();
            if let Err(undo) = blocking(move || vault.delete(id)).await {
                tracing::error!(error = %undo, "could not remove the keychain entry of a customer that was not saved");
            }
            return Err(e);
        }
        Ok(())
    }

    /// "Update Customer": the same checks as adding, against the instance the form now names,
    /// with the credentials entered again.
    pub async fn update_customer(&self, id: CustomerId, input: CustomerInput) -> Result<Customer> {
        let session = self.require_admin()?;
        let existing = self.store.read(|c| customers::get(c, id));
        let target = existing
            .as_ref()
            .map(|c| c.name.clone())
            .unwrap_or_else(|_| input.name.trim().to_owned());
        let result = match existing {
            Ok(existing) => self.update_customer_inner(existing, input).await,
            Err(e) => Err(e),
        };
        self.record_result(&session.username, "customer.update", &target, &result, None);
        self.changed_if_ok(&result);
        if let Ok(c) = &result {
            self.emit(ConsoleEvent::CustomerSaved(c.id));
        }
        result
    }

    async fn update_customer_inner(
        &self,
        existing: Customer,
        input: CustomerInput,
    ) -> Result<Customer> {
        let valid = validate::validate_customer(&input)?;
        self.ensure_name_free(&valid.name, Some(existing.id))?;
        let (about, mut conn) = self.verify_instance(&valid, Some(existing.id)).await?;
        conn.link(&self.identity).await?;

        let updated = Customer {
            name: valid.name,
            email: valid.email,
            endpoint: valid.endpoint,
            instance_id: about.instance_id,
            build: about.build,
            updated_at: self.now(),
            ..existing.clone()
        };
        let id = existing.id;
        let vault = self.vault.clone();
        let old_creds = blocking(move || vault.get(id)).await?;
        let vault = self.vault.clone();
        let new_creds = valid.credentials.clone();
        blocking(move || vault.put(id, &new_creds)).await?;
        if let Err(e) = self.store.write(|tx| customers::update(tx, &updated)) {
            let vault = self.vault.clone();
            let previous = old_creds.clone();
            let restore = blocking(move || match previous {
                Some(old) => vault.put(id, &old),
                None => vault.delete(id),
            });
            if let Err(undo) = restore.await {
                tracing::error!(error = %undo, "could not restore a customer's previous credentials");
            }
            return Err(e);
        }
        self.monitor.forget_connection(id);

        if existing.instance_id != updated.instance_id {
            // The customer now points at another instance; release the old one so it does
            // not stay managed by nobody. Best effort: the old one may be gone for good.
            if let Some(old) = old_creds {
                let mut old_conn =
                    Connection::new(self.client.clone(), existing.endpoint.clone(), old);
                if let Err(e) = old_conn.unlink(self.identity.mssp_id).await {
                    tracing::warn!(customer = %updated.name, error = %e, "could not unlink the previous instance");
                }
            }
        }
        Ok(updated)
    }

    /// Soft delete: confirm the admin's own password, dis-integrate the instance with
    /// `DELETE /mssp/v1/link`, then remove the customer and its credentials. When the
    /// instance is the problem, the error offers Force Delete.
    pub async fn delete_customer(&self, id: CustomerId, password: &str) -> Result<()> {
        let session = self.require_admin()?;
        let customer = self.store.read(|c| customers::get(c, id));
        let target = customer
            .as_ref()
            .map(|c| c.name.clone())
            .unwrap_or_else(|_| id.to_string());
        let result = match customer {
            Ok(customer) => {
                self.delete_customer_inner(&session, &customer, password)
                    .await
            }
            Err(e) => Err(e),
        };
        self.record_result(&session.username, "customer.delete", &target, &result, None);
        self.changed_if_ok(&result);
        result
    }

    async fn delete_customer_inner(
        &self,
        session: &Session,
        customer: &Customer,
        password: &str,
    ) -> Result<()> {
        self.verify_own_password(session, password).await?;
        let vault = self.vault.clone();
        let id = customer.id;
        let creds = blocking(move || vault.get(id)).await?.ok_or_else(|| Error::DeleteRefused {
            source: Box::new(Error::AuthFailed(
                "The keychain has no admin credentials for this customer, so the console cannot sign in to remove itself.".into(),
            )),
        })?;
        let mut conn = Connection::new(self.client.clone(), customer.endpoint.clone(), creds);
        conn.unlink(self.identity.mssp_id).await.map_err(|e| {
            if e.is_instance_failure() {
                Error::DeleteRefused {
                    source: Box::new(e),
                }
            } else {
                e
            }
        })?;
        self.remove_locally(customer.id).await
    }

    /// Force Delete: removes the customer here even though its instance could not be told,
    /// recording why.
    pub async fn force_delete_customer(
        &self,
        id: CustomerId,
        password: &str,
        reason: &str,
    ) -> Result<()> {
        let session = self.require_admin()?;
        let customer = self.store.read(|c| customers::get(c, id));
        let target = customer
            .as_ref()
            .map(|c| c.name.clone())
            .unwrap_or_else(|_| id.to_string());
        let reason = validate::validate_reason(reason);
        let result = match (customer, &reason) {
            (Err(e), _) => Err(e),
            (_, Err(e)) => Err(Error::Validation(e.fields().cloned().unwrap_or_default())),
            (Ok(customer), Ok(_)) => match self.verify_own_password(&session, password).await {
                Ok(()) => self.remove_locally(customer.id).await,
                Err(e) => Err(e),
            },
        };
        self.record_result(
            &session.username,
            "customer.force_delete",
            &target,
            &result,
            reason.as_deref().ok(),
        );
        result
    }

    /// Deletes the row and the keychain entry in one transaction: if the keychain refuses,
    /// the row stays.
    async fn remove_locally(&self, id: CustomerId) -> Result<()> {
        let store = self.store.clone();
        let vault = self.vault.clone();
        blocking(move || {
            store.write(|tx| {
                customers::delete(tx, id)?;
                vault.delete(id)
            })
        })
        .await?;
        self.monitor.remove(id);
        self.syncer.forget(id);
        Ok(())
    }

    fn changed_if_ok<T>(&self, result: &Result<T>) {
        if result.is_ok() {
            self.emit(ConsoleEvent::CustomersChanged);
        }
    }

    fn ensure_name_free(&self, name: &str, except: Option<CustomerId>) -> Result<()> {
        match self
            .store
            .read(|c| customers::name_holder(c, name, except))?
        {
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
    ) -> Result<(crate::client::About, Connection)> {
        let about = self.client.about(&valid.endpoint).await?;
        if about.build != CONSOLE_BUILD {
            return Err(Error::BuildMismatch {
                console: CONSOLE_BUILD,
                customer: Some(about.build),
            });
        }
        if let Some(holder) = self
            .store
            .read(|c| customers::instance_holder(c, about.instance_id, except))?
        {
            return Err(Error::field(
                "server",
                format!("This Log360 instance is already integrated as \u{201c}{holder}\u{201d}."),
            ));
        }
        let mut conn = Connection::new(
            self.client.clone(),
            valid.endpoint.clone(),
            valid.credentials.clone(),
        );
        conn.login().await?;
        Ok((about, conn))
    }

    // ----- health -----

    /// One health check of every customer, as the "Check health" button asks.
    pub async fn check_health(&self) -> Result<Vec<(Customer, Health)>> {
        let session = self.require_role(Role::Operator, "Guests can only view customers.")?;
        let visible = self.visible(&session)?;
        Ok(self
            .sweep_health()
            .await?
            .into_iter()
            .filter(|(c, _)| visible(c.id))
            .collect())
    }

    /// One health check of every customer, without a session: monitoring goes on while the
    /// console is locked.
    pub async fn sweep_health(&self) -> Result<Vec<(Customer, Health)>> {
        monitor::sweep_once(self).await?;
        self.customers_with_health()
    }

    /// "Check now" for one customer.
    pub async fn check_customer_now(&self, id: CustomerId) -> Result<(Customer, Health)> {
        let session = self.require_role(Role::Operator, "Guests can only view customers.")?;
        let customer = self.visible_customer(&session, id)?;
        let health = monitor::check_now(self, &customer).await;
        Ok((customer, health))
    }

    /// A customer's uptime, state changes and hourly check results.
    pub fn customer_health(&self, id: CustomerId) -> Result<HealthDetail> {
        let session = self.require_session()?;
        let customer = self.visible_customer(&session, id)?;
        let now = self.now();
        let day = time::Duration::days(1);
        self.store.read(|c| {
            Ok(HealthDetail {
                health: self.monitor.get(id),
                since: self.monitor.since(id),
                uptime_24h: history::uptime(c, id, now - day, now)?,
                uptime_7d: history::uptime(c, id, now - day * 7, now)?,
                events: history::events(c, id, 50)?,
                hourly: history::hourly(c, id, now - day * 7)?,
                customer,
            })
        })
    }

    // ----- data sync -----

    /// "Sync Now" for one customer (operators and administrators).
    pub async fn sync_customer(&self, id: CustomerId) -> Result<(Customer, SyncStatus)> {
        let session = self.require_role(Role::Operator, "Guests can only view customers.")?;
        let customer = self.visible_customer(&session, id)?;
        let status = sync::sync_customer(self, id, Trigger::Manual, &session.username).await?;
        Ok((customer, status))
    }

    /// "Sync All": every customer this session reaches, in the background. Must be called
    /// inside a tokio runtime.
    pub fn sync_all(self: &std::sync::Arc<Self>) -> Result<usize> {
        let session = self.require_role(Role::Operator, "Guests can only view customers.")?;
        let visible = self.visible(&session)?;
        let ids = self
            .store
            .read(customers::list)?
            .into_iter()
            .map(|c| c.id)
            .filter(|id| visible(*id))
            .collect();
        sync::start_sync_all(self.clone(), ids, session.username)
    }

    pub fn cancel_sync_all(&self) -> Result<()> {
        self.require_role(Role::Operator, "Guests can only view customers.")?;
        sync::cancel_sync_all(self);
        Ok(())
    }

    /// The last synced snapshot and sync history of a customer (works offline).
    pub fn customer_details(&self, id: CustomerId) -> Result<CustomerDetails> {
        let session = self.require_session()?;
        let customer = self.visible_customer(&session, id)?;
        let (snapshot, runs) = self
            .store
            .read(|c| Ok((sync_history::snapshot(c, id)?, sync_history::runs(c, id)?)))?;
        let data = snapshot
            .as_ref()
            .map(|s| serde_json::from_str(&s.data))
            .transpose()
            .map_err(|e| Error::Storage(format!("the stored snapshot is damaged: {e}")))?;
        Ok(CustomerDetails {
            customer,
            sync: self.syncer.status(id),
            synced_at: snapshot.as_ref().map(|s| s.synced_at),
            data,
            runs,
        })
    }

    pub fn sync_settings(&self) -> SyncSettings {
        self.sync_settings
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn set_sync_settings(&self, new: SyncSettings) -> Result<()> {
        let session = self.require_admin()?;
        new.validate()?;
        self.store.write(|tx| new.save(tx))?;
        *self.sync_settings.lock().unwrap_or_else(|e| e.into_inner()) = new;
        self.record(
            &session.username,
            "sync.settings",
            "data sync",
            Outcome::Success,
            None,
        );
        Ok(())
    }

    pub(crate) fn audit_sync(
        &self,
        actor: &str,
        target: &str,
        trigger: Trigger,
        status: &SyncStatus,
    ) {
        let (outcome, reason) = match &status.reason {
            Some(r) if status.state == sync::SyncState::Failed => {
                (Outcome::Failure, Some(r.as_str()))
            }
            _ => (Outcome::Success, None),
        };
        let action = match trigger {
            Trigger::Manual => "customer.sync",
            Trigger::Scheduled => "customer.sync.scheduled",
            Trigger::Change => "customer.sync.after_change",
        };
        self.record(actor, action, target, outcome, reason);
    }

    // ----- technicians -----

    pub fn list_technicians(&self) -> Result<Vec<TechnicianRow>> {
        self.require_admin()?;
        self.store.read(technicians::list)
    }

    /// Settings → Technicians → Add Technician (administrators).
    pub async fn add_technician(&self, input: TechnicianInput) -> Result<TechnicianRow> {
        let session = self.require_admin()?;
        let target = input.username.trim().to_owned();
        let result = self.save_technician(None, input).await;
        self.record_result(&session.username, "technician.add", &target, &result, None);
        if result.is_ok() {
            self.emit(ConsoleEvent::TechniciansChanged);
        }
        result
    }

    pub async fn update_technician(
        &self,
        id: i64,
        input: TechnicianInput,
    ) -> Result<TechnicianRow> {
        let session = self.require_admin()?;
        let target = input.username.trim().to_owned();
        let result = match self.store.read(|c| technicians::get(c, id)) {
            Ok(existing)
                if existing.id == session.technician_id
                    && Role::parse(&input.role) != Some(Role::Admin) =>
            {
                Err(Error::field(
                    "role",
                    "You cannot take the Admin role away from yourself.",
                ))
            }
            Ok(_) => self.save_technician(Some(id), input).await,
            Err(e) => Err(e),
        };
        self.record_result(
            &session.username,
            "technician.update",
            &target,
            &result,
            None,
        );
        if result.is_ok() {
            self.emit(ConsoleEvent::TechniciansChanged);
        }
        result
    }

    async fn save_technician(
        &self,
        id: Option<i64>,
        input: TechnicianInput,
    ) -> Result<TechnicianRow> {
        let valid = validate::validate_technician(&input, id.is_none())?;
        let existing = self.store.read(customers::list)?;
        if valid
            .customer_ids
            .iter()
            .any(|c| !existing.iter().any(|e| e.id == *c))
        {
            return Err(Error::field(
                "customerIds",
                "One of the chosen customers no longer exists.",
            ));
        }
        let hash = match valid.password.clone() {
            Some(password) => Some(
                blocking(move || {
                    auth::hash_password(secrecy::ExposeSecret::expose_secret(&password))
                })
                .await?,
            ),
            None => None,
        };
        let now = self.now();
        self.store.write(|tx| {
            let new = NewTechnician {
                username: &valid.username,
                email: &valid.email,
                password_hash: hash.as_deref().unwrap_or(""),
                role: valid.role,
                all_customers: valid.all_customers,
                customer_ids: &valid.customer_ids,
            };
            let id = match id {
                Some(id) => {
                    technicians::update(tx, id, &new, hash.as_deref())?;
                    id
                }
                None => technicians::insert(tx, &new, now)?,
            };
            technicians::get(tx, id)
        })
    }

    /// Disables (or enables again) a technician: a disabled one cannot log in and is disabled
    /// on every customer at their next sync.
    pub fn set_technician_enabled(&self, id: i64, enabled: bool) -> Result<TechnicianRow> {
        let session = self.require_admin()?;
        let result = if id == session.technician_id && !enabled {
            Err(Error::Forbidden("You cannot disable yourself.".into()))
        } else {
            self.store.write(|tx| {
                technicians::set_enabled(tx, id, enabled)?;
                technicians::get(tx, id)
            })
        };
        let target = result
            .as_ref()
            .map(|t| t.username.clone())
            .unwrap_or_else(|_| id.to_string());
        let action = if enabled {
            "technician.enable"
        } else {
            "technician.disable"
        };
        self.record_result(&session.username, action, &target, &result, None);
        if result.is_ok() {
            self.emit(ConsoleEvent::TechniciansChanged);
        }
        result
    }

    // ----- audit -----

    pub fn audit_log(&self, limit: u32) -> Result<Vec<AuditEntry>> {
        self.require_session()?;
        self.store.read(|c| audit::recent(c, limit.clamp(1, 1000)))
    }

    pub(crate) fn record_result<T>(
        &self,
        actor: &str,
        action: &str,
        target: &str,
        result: &Result<T>,
        reason: Option<&str>,
    ) {
        match result {
            Ok(_) => self.record(actor, action, target, Outcome::Success, reason),
            Err(e) => {
                let why = match reason {
                    Some(reason) => format!("{reason} — failed: {e}"),
                    None => e.to_string(),
                };
                self.record(actor, action, target, Outcome::Failure, Some(&why))
            }
        }
    }

    pub(crate) fn record(
        &self,
        actor: &str,
        action: &str,
        target: &str,
        outcome: Outcome,
        reason: Option<&str>,
    ) {
        let now = self.now();
        if let Err(e) = self
            .store
            .write(|tx| audit::record(tx, now, actor, action, target, outcome, reason))
        {
            tracing::error!(error = %e, action, "could not write the audit entry");
        }
    }
}

/// Runs blocking work (keychain, Argon2, SQLite transactions that include the keychain) off
/// the async worker threads, so a slow keychain never stalls health checks or the window.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::Internal(format!("a background task failed: {e}")))?
}

/// What the customer detail view shows about health.
#[derive(Debug, Clone)]
pub struct HealthDetail {
    pub customer: Customer,
    pub health: Health,
    /// When the current state began.
    pub since: Option<time::OffsetDateTime>,
    /// Percent of the known time the customer was up; None without data.
    pub uptime_24h: Option<f64>,
    pub uptime_7d: Option<f64>,
    pub events: Vec<history::EventRow>,
    pub hourly: Vec<history::HourPoint>,
}

/// What the customer detail view shows from the last sync.
#[derive(Debug, Clone)]
pub struct CustomerDetails {
    pub customer: Customer,
    pub sync: SyncStatus,
    pub synced_at: Option<time::OffsetDateTime>,
    /// The last good snapshot; None until the first successful sync.
    pub data: Option<crate::instance_data::InstanceData>,
    pub runs: Vec<sync_history::RunRow>,
}
