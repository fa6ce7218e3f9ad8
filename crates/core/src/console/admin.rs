//! The façade's administration: technicians, the audit trail, and License Management.

use super::Console;
use crate::audit::{AuditAction as A, AuditEntry};
use crate::auth::{Actor, Permission as P};
use crate::backup::{self, Backup, ImportReport};
use crate::error::Result;
use crate::events::ConsoleEvent;
use crate::licensing::{AllocationDetails, LicenseOverview, Report};
use crate::model::CustomerId;
use crate::network::NetworkSettings;
use crate::store::technicians::TechnicianRow;
use crate::validate::TechnicianInput;
use secrecy::SecretString;
use std::collections::BTreeMap;

impl Console {
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
        self.sessions.audited_now(A::LicenseThreshold, format!("{percent} %"), |actor| {
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

    pub fn network_settings(&self) -> Result<NetworkSettings> {
        self.actor(P::View)?;
        self.ctx.store.read(NetworkSettings::load)
    }

    /// Whether customer connections go through a proxy (administrators, audited).
    pub fn set_network_settings(&self, new: NetworkSettings) -> Result<()> {
        self.sessions.audited_now(A::NetworkSettings, "network", |_| {
            let proxy = new.proxy_mode()?;
            self.ctx.store.write(|tx| new.save(tx))?;
            self.ctx.set_proxy(proxy)?;
            self.ctx.emit(ConsoleEvent::NetworkChanged);
            Ok(())
        })
    }

    /// The encrypted backup of every customer with its trust and secrets (administrators).
    pub async fn export_backup(&self, passphrase: SecretString) -> Result<Backup> {
        let export = async |_: &Actor| backup::export(&self.ctx, passphrase).await;
        self.sessions.audited(A::BackupExport, "backup", None, export).await
    }

    /// Restores a backup made on another computer (administrators).
    pub async fn import_backup(
        &self,
        bytes: Vec<u8>,
        passphrase: SecretString,
    ) -> Result<ImportReport> {
        let import = async |_: &Actor| backup::import(&self.ctx, bytes, passphrase).await;
        let report = self.sessions.audited(A::BackupImport, "backup", None, import).await?;
        self.ctx.emit(ConsoleEvent::CustomersChanged);
        Ok(report)
    }
}
