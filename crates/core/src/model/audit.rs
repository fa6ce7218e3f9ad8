//! What the audit trail records: the action taken and how it ended.

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
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
}
