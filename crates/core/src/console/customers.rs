//! The façade's customer operations: the table, Add Customer, Update Customer, the
//! certificate review, delete and Force Delete, and health checks.

use super::{Console, StatusCounts};
use crate::audit::{AuditAction as A, Target};
use crate::auth::{Actor, Permission as P};
use crate::customers::{CertificateReview, CustomerView};
use crate::error::Result;
use crate::model::{Customer, CustomerId};
use crate::monitor::{HealthDetail, MonitorSettings};
use crate::validate::{self, CustomerInput, TrustChoice};

impl Console {
    /// Every customer this session may see, with health and sync status, sorted by name.
    pub fn list_customers(&self) -> Result<Vec<CustomerView>> {
        self.views(&self.actor(P::View)?)
    }

    pub fn customer(&self, id: CustomerId) -> Result<CustomerView> {
        Ok(self.view(self.on(P::View, id)?.1))
    }

    pub async fn add_customer(&self, input: CustomerInput) -> Result<Customer> {
        // The id is chosen here, so the audit names the customer even when the add fails.
        let id = CustomerId::new();
        let target = Target::customer(id, input.name.trim());
        let add = async |_: &Actor| self.customers.add(id, input).await;
        self.sessions.audited(A::CustomerAdd, target, None, add).await
    }

    pub async fn update_customer(&self, id: CustomerId, input: CustomerInput) -> Result<Customer> {
        let target =
            Target::customer(id, self.customers.name_or(id, || input.name.trim().to_owned()));
        let update = async |_: &Actor| self.customers.update(id, input).await;
        self.sessions.audited(A::CustomerUpdate, target, None, update).await
    }

    /// The admin username kept for a customer, so Edit can show it filled in (administrators
    /// only; the password never leaves the core).
    pub async fn customer_admin_username(&self, id: CustomerId) -> Result<String> {
        self.on(P::ManageCustomers, id)?;
        let secrets = crate::gate::secrets(&self.ctx, id).await?;
        Ok(secrets.map(|s| s.credentials.username).unwrap_or_default())
    }

    /// "Review certificate": what the customer's server presents now (administrators).
    pub async fn review_certificate(&self, id: CustomerId) -> Result<CertificateReview> {
        let (_, customer) = self.on(P::ManageCustomers, id)?;
        self.customers.review_certificate(customer).await
    }

    /// "Trust this certificate" after a review (administrators, audited).
    pub async fn trust_certificate(&self, id: CustomerId, choice: TrustChoice) -> Result<Customer> {
        let target = Target::customer(id, self.customers.name_or(id, || id.to_string()));
        let trust = async |_: &Actor| self.customers.trust_certificate(id, &choice).await;
        self.sessions.audited(A::CertificateTrusted, target, None, trust).await
    }

    /// Soft delete after "Confirm Password"; when the instance is the problem, the error
    /// offers Force Delete.
    pub async fn delete_customer(&self, id: CustomerId, password: &str) -> Result<()> {
        let target = Target::customer(id, self.customers.name_or(id, || id.to_string()));
        self.sessions
            .audited(A::CustomerDelete, target, None, async |actor| {
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
        let target = Target::customer(id, self.customers.name_or(id, || id.to_string()));
        let given = validate::validate_reason(reason).ok();
        self.sessions
            .audited(A::CustomerForceDelete, target, given.as_deref(), async |actor| {
                self.customers.get(id)?;
                validate::validate_reason(reason)?;
                self.sessions.confirm_password(actor, pw).await?;
                self.customers.remove_locally(id).await
            })
            .await
    }

    /// "Check health": one check of every customer, then those this session may see, counted
    /// by state. Each customer's new health is told as it is checked (`HealthUpdated`), so a
    /// window never has to load the whole list again for it (megabytes at 10,000).
    pub async fn check_health(&self) -> Result<StatusCounts> {
        self.actor(P::CheckAndSync)?;
        self.monitor.sweep_once().await?;
        Ok(self.status_counts())
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
}
