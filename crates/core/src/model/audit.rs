//! What the audit trail records: the action taken, what it was done to, and how it ended.

use super::CustomerId;

/// What an audited action was done to: the name a person reads and, for a customer, its id
/// (names change; the id stays one customer's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub name: String,
    pub customer: Option<CustomerId>,
}

impl Target {
    pub fn customer(id: CustomerId, name: impl Into<String>) -> Self {
        Self { name: name.into(), customer: Some(id) }
    }
}

impl From<&str> for Target {
    fn from(name: &str) -> Self {
        Self { name: name.to_owned(), customer: None }
    }
}

impl From<String> for Target {
    fn from(name: String) -> Self {
        Self { name, customer: None }
    }
}

impl From<&String> for Target {
    fn from(name: &String) -> Self {
        Self { name: name.clone(), customer: None }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Success,
    Failure,
}

/// What was done. Stored as its `as_str()` text (see `codec`), e.g. `customer.add`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuditAction {
    AdminCreate,
    Login,
    CustomerAdd,
    CustomerUpdate,
    CustomerDelete,
    CustomerForceDelete,
    CustomerSync,
    CustomerSyncScheduled,
    CustomerSyncAfterChange,
    MonitorSettings,
    SyncSettings,
    TechnicianAdd,
    TechnicianUpdate,
    TechnicianEnable,
    TechnicianDisable,
    LicenseApply,
    LicenseThreshold,
    LicenseAllocate,
    LicensePush,
    /// An administrator trusted a customer's certificate after reviewing it.
    CertificateTrusted,
    /// A customer presented another certificate than the trusted one (recorded by the system).
    CertificateChanged,
    /// Another instance, or one that cannot prove it, answers at a customer's address.
    InstanceChanged,
    NetworkSettings,
    BackupExport,
    BackupImport,
    TagCreate,
    /// A tag renamed or recoloured.
    TagUpdate,
    TagDelete,
    /// A tag put on a customer (which may grant a technician delegated that tag access).
    CustomerTag,
    CustomerUntag,
    /// A CSV import ran (each customer it added is audited as `customer.add` too).
    CustomerImport,
    MaintenanceSave,
    MaintenanceDelete,
    Mute,
    Unmute,
    AlertChannelSave,
    AlertChannelDelete,
    AlertRuleSave,
    AlertRuleDelete,
    /// The audit's retention changed.
    AuditSettings,
    /// A one-time sign-in to a customer's own Log360 console was asked for ("Open console").
    CustomerConsoleOpen,
}
