//! The façade the shell and `mssp-admin` call: one method per operation a person performs,
//! each a permission check and one service call, audited through [`Sessions::audited`]. It
//! owns the services and wires them (licensing observes syncs); the services never see it.
//! Logging in and out is the session service's own business: [`Console::sessions`].
//!
//! Must never hold a rule of its own: validation, persistence and the protocol live in the
//! services. Must never skip the permission check or the audit of an operation.

use crate::audit::{AuditAction as A, AuditEntry};
use crate::auth::{Actor, Permission as P, Sessions};
use crate::client::{ClientConfig, InstanceClient, MsspIdentity};
use crate::clock::{Clock, SystemClock};
use crate::config::ConsoleConfig;
use crate::context::Context;
use crate::customers::{CustomerView, Customers};
use crate::error::Result;
use crate::events::ConsoleEvent;
use crate::licensing::{AllocationDetails, LicenseOverview, Licensing, Report};
use crate::model::{Customer, CustomerId};
use crate::monitor::{HealthDetail, Monitor, MonitorSettings};
use crate::store::Store;
use crate::store::technicians::TechnicianRow;
use crate::sync::{CustomerDetails, DataSync, Progress, SyncSettings, SyncStatus, Trigger};
use crate::technicians::Technicians;
use crate::validate::{self, CustomerInput, TechnicianInput};
use crate::vault::Vault;
use std::collections::BTreeMap;
use std::sync::Arc;
use tokio::sync::broadcast;

pub struct Console {
    ctx: Arc<Context>,
    sessions: Sessions,
    customers: Customers,
    technicians: Technicians,
    monitor: Arc<Monitor>,
    sync: Arc<DataSync>,
    licensing: Arc<Licensing>,
}

impl Console {
    /// Opens the console's data dir with the OS keychain.
    pub fn open(config: &ConsoleConfig) -> Result<Self> {
        let store = Store::open(&config.database_path())?;
        let vault = Vault::platform(config.keychain_service.clone());
        let client = InstanceClient::new(ClientConfig::default())?;
        Self::with_parts(store, vault, client, Arc::new(SystemClock))
    }

    pub fn with_parts(
        store: Store,
        vault: Vault,
        client: InstanceClient,
        clock: Arc<dyn Clock>,
    ) -> Result<Self> {
        let ctx = Arc::new(Context::new(store, vault, client, clock)?);
        let licensing = Licensing::new(ctx.clone());
        Ok(Self {
            sessions: Sessions::new(ctx.clone()),
            customers: Customers::new(ctx.clone()),
            technicians: Technicians::new(ctx.clone()),
            monitor: Monitor::new(ctx.clone())?,
            sync: DataSync::new(ctx.clone(), vec![licensing.clone()])?,
            licensing,
            ctx,
        })
    }

    pub fn identity(&self) -> &MsspIdentity {
        &self.ctx.identity
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

    fn view(&self, customer: Customer) -> CustomerView {
        let id = customer.id;
        let (health, sync) = (self.monitor.health(id), self.sync.status(id));
        CustomerView { customer, health, sync }
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

    /// The customers `actor` may see, as the table shows them.
    fn views(&self, actor: &Actor) -> Result<Vec<CustomerView>> {
        let list = self.customers.list()?.into_iter();
        Ok(list.filter(|c| actor.reaches(c.id)).map(|c| self.view(c)).collect())
    }

    /// Every customer this session may see, with health and sync status, sorted by name.
    pub fn list_customers(&self) -> Result<Vec<CustomerView>> {
        self.views(&self.actor(P::View)?)
    }

    pub fn customer(&self, id: CustomerId) -> Result<CustomerView> {
        Ok(self.view(self.on(P::View, id)?.1))
    }

    pub async fn add_customer(&self, input: CustomerInput) -> Result<Customer> {
        let target = input.name.trim().to_owned();
        let add = async |_: &Actor| self.customers.add(input).await;
        self.sessions.audited(A::CustomerAdd, &target, None, add).await
    }

    pub async fn update_customer(&self, id: CustomerId, input: CustomerInput) -> Result<Customer> {
        let target = self.customers.name_or(id, || input.name.trim().to_owned());
        let update = async |_: &Actor| self.customers.update(id, input).await;
        self.sessions.audited(A::CustomerUpdate, &target, None, update).await
    }

    /// Soft delete after "Confirm Password"; when the instance is the problem, the error
    /// offers Force Delete.
    pub async fn delete_customer(&self, id: CustomerId, password: &str) -> Result<()> {
        let target = self.customers.name_or(id, || id.to_string());
        self.sessions
            .audited(A::CustomerDelete, &target, None, async |actor| {
                let customer = self.customers.get(id)?;
                self.sessions.confirm_password(actor, password).await?;
                self.customers.delete(&customer).await
            })
            .await
    }

    /// Force Delete: removes the customer here although its instance could not be told.
    pub async fn force_delete_customer(
        &self,
        id: CustomerId,
        pw: &str,
        reason: &str,
    ) -> Result<()> {
        let target = self.customers.name_or(id, || id.to_string());
        let given = validate::validate_reason(reason).ok();
        self.sessions
            .audited(A::CustomerForceDelete, &target, given.as_deref(), async |actor| {
                self.customers.get(id)?;
                validate::validate_reason(reason)?;
                self.sessions.confirm_password(actor, pw).await?;
                self.customers.remove_locally(id).await
            })
            .await
    }

    /// "Check health": one check of every customer, showing those this session may see.
    pub async fn check_health(&self) -> Result<Vec<CustomerView>> {
        let actor = self.actor(P::CheckAndSync)?;
        self.monitor.sweep_once().await?;
        self.views(&actor)
    }

    /// "Check now" for one customer.
    pub async fn check_customer_now(&self, id: CustomerId) -> Result<CustomerView> {
        let (_, customer) = self.on(P::CheckAndSync, id)?;
        self.monitor.check_now(&customer).await;
        Ok(self.view(customer))
    }

    pub fn customer_health(&self, id: CustomerId) -> Result<HealthDetail> {
        self.monitor.detail(self.on(P::View, id)?.1)
    }

    pub fn monitor_settings(&self) -> Result<MonitorSettings> {
        self.actor(P::View).map(|_| self.monitor.settings())
    }

    pub fn set_monitor_settings(&self, new: MonitorSettings) -> Result<()> {
        self.sessions
            .audited_now(A::MonitorSettings, "monitoring", |_| self.monitor.set_settings(new))
    }

    /// "Sync Now" for one customer.
    pub async fn sync_customer(&self, id: CustomerId) -> Result<(CustomerView, SyncStatus)> {
        let (actor, customer) = self.on(P::CheckAndSync, id)?;
        let status = self.sync.sync_customer(id, Trigger::Manual, &actor.username);
        Ok((self.view(customer), status.await?))
    }

    /// "Sync All": every customer this session reaches, in the background, reporting to
    /// `progress`. Returns how many will be synced. Must be called inside a tokio runtime.
    pub fn sync_all(&self, progress: impl FnMut(Progress) + Send + 'static) -> Result<usize> {
        let actor = self.actor(P::CheckAndSync)?;
        let ids = self.views(&actor)?.into_iter().map(|v| v.customer.id);
        self.sync.start_all(ids.collect(), actor.username, progress)
    }

    pub fn cancel_sync_all(&self) -> Result<()> {
        self.actor(P::CheckAndSync).map(|_| self.sync.cancel_all())
    }

    /// The last synced snapshot and sync history of a customer (works offline).
    pub fn customer_details(&self, id: CustomerId) -> Result<CustomerDetails> {
        self.sync.details(self.on(P::View, id)?.1)
    }

    pub fn sync_settings(&self) -> Result<SyncSettings> {
        self.actor(P::View).map(|_| self.sync.settings())
    }

    pub fn set_sync_settings(&self, new: SyncSettings) -> Result<()> {
        self.sessions.audited_now(A::SyncSettings, "data sync", |_| self.sync.set_settings(new))
    }

    pub fn list_technicians(&self) -> Result<Vec<TechnicianRow>> {
        self.actor(P::ManageTechnicians)?;
        self.technicians.list()
    }

    pub async fn add_technician(&self, input: TechnicianInput) -> Result<TechnicianRow> {
        let target = input.username.trim().to_owned();
        let add = async |_: &Actor| self.technicians.add(input).await;
        self.sessions.audited(A::TechnicianAdd, &target, None, add).await
    }

    pub async fn update_technician(
        &self,
        id: i64,
        input: TechnicianInput,
    ) -> Result<TechnicianRow> {
        let target = input.username.trim().to_owned();
        let update = async |me: &Actor| self.technicians.update(me.technician_id, id, input).await;
        self.sessions.audited(A::TechnicianUpdate, &target, None, update).await
    }

    /// Disables (or enables again) a technician.
    pub fn set_technician_enabled(&self, id: i64, enabled: bool) -> Result<TechnicianRow> {
        let target = self.technicians.name_or_id(id);
        let action = if enabled { A::TechnicianEnable } else { A::TechnicianDisable };
        let set = |me: &Actor| self.technicians.set_enabled(me.technician_id, id, enabled);
        self.sessions.audited_now(action, &target, set)
    }

    pub fn audit_log(&self, limit: u32) -> Result<Vec<AuditEntry>> {
        self.actor(P::ReadAudit)?;
        self.ctx.audit.recent(limit)
    }

    pub fn license_overview(&self) -> Result<LicenseOverview> {
        self.licensing.overview(&self.actor(P::View)?)
    }

    pub fn apply_license(&self, text: &str) -> Result<LicenseOverview> {
        self.licensing.apply(text, &self.actor(P::ApplyLicense)?)
    }

    pub fn set_license_alert_threshold(&self, percent: u8) -> Result<LicenseOverview> {
        self.sessions.audited_now(A::LicenseThreshold, &format!("{percent} %"), |actor| {
            self.licensing.set_threshold(percent)?;
            self.licensing.overview(actor)
        })
    }

    /// The Allocation Details box of one customer.
    pub fn allocation_details(&self, id: CustomerId) -> Result<AllocationDetails> {
        self.licensing.details(self.on(P::View, id)?.1)
    }

    /// Edit License → Update: saves the allocation (refusing a stale `version`), pushes it.
    pub async fn update_allocation(
        &self,
        id: CustomerId,
        version: i64,
        wanted: BTreeMap<String, i64>,
    ) -> Result<AllocationDetails> {
        let (actor, customer) = self.on(P::AllocateLicense, id)?;
        let update = self.licensing.update_allocation(customer, version, wanted, &actor);
        update.await
    }

    /// The allocation and usage table as CSV (for a spreadsheet).
    pub fn license_report(&self) -> Result<Report> {
        self.licensing.report(&self.actor(P::View)?)
    }
}
