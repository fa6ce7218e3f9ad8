//! The permission vocabulary: what a person may do, which role holds it, and what a person
//! who lacks it is told. One table, so a rule is never restated in a sentence per method.
//!
//! Must never be bypassed: every operation of the façade starts by asking for a
//! [`Permission`], and the role counted is the one stored now, not the one at login.

use crate::model::{AuditAction, CustomerId, Role};
use std::collections::HashSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Customers, their health, sync results, the license page, settings.
    View,
    /// Health checks and syncs ("Check now", "Sync Now", "Sync All").
    CheckAndSync,
    /// Add, edit, delete and force delete customers.
    ManageCustomers,
    ManageTechnicians,
    ManageMonitoring,
    ManageSync,
    ApplyLicense,
    SetLicenseThreshold,
    AllocateLicense,
    ReadAudit,
    /// "Open console": sign in to a customer's own Log360 console.
    OpenCustomerConsole,
}

impl Permission {
    /// The least role that holds this permission.
    pub fn role(self) -> Role {
        match self {
            Permission::View => Role::Guest,
            Permission::CheckAndSync | Permission::OpenCustomerConsole => Role::Operator,
            Permission::ManageCustomers
            | Permission::ManageTechnicians
            | Permission::ManageMonitoring
            | Permission::ManageSync
            | Permission::ApplyLicense
            | Permission::SetLicenseThreshold
            | Permission::AllocateLicense
            | Permission::ReadAudit => Role::Admin,
        }
    }

    /// True when using it is the person's activity (it changes or starts something), so it
    /// keeps the session from idling out; reads do not, since the window refreshes them by
    /// itself.
    pub fn is_activity(self) -> bool {
        !matches!(self, Permission::View | Permission::ReadAudit)
    }

    /// What a person without this permission is told.
    pub fn denied(self) -> &'static str {
        match self {
            Permission::View => "Log in to see this.",
            Permission::ReadAudit => "Only administrators read the audit trail.",
            Permission::CheckAndSync => "Guests can only view customers.",
            Permission::OpenCustomerConsole => "Guests cannot open a customer's console.",
            Permission::ApplyLicense => "Only administrators apply the license.",
            Permission::SetLicenseThreshold => "Only administrators change the threshold.",
            Permission::AllocateLicense => "Only administrators allocate licenses.",
            Permission::ManageCustomers
            | Permission::ManageTechnicians
            | Permission::ManageMonitoring
            | Permission::ManageSync => "Only administrators can do this.",
        }
    }
}

impl From<AuditAction> for Permission {
    /// The permission an audited action needs.
    fn from(action: AuditAction) -> Self {
        use AuditAction as A;
        match action {
            A::AdminCreate | A::Login => Permission::View,
            A::CustomerAdd
            | A::CustomerUpdate
            | A::CustomerDelete
            | A::CustomerForceDelete
            | A::CertificateTrusted => Permission::ManageCustomers,
            A::CertificateChanged | A::InstanceChanged => Permission::ManageCustomers,
            A::NetworkSettings | A::BackupExport | A::BackupImport => Permission::ManageCustomers,
            // Tagging can grant a technician delegated a tag access: an administrator's act.
            A::TagCreate
            | A::TagUpdate
            | A::TagDelete
            | A::CustomerTag
            | A::CustomerUntag
            | A::CustomerImport => Permission::ManageCustomers,
            A::MaintenanceSave | A::MaintenanceDelete => Permission::ManageMonitoring,
            // Muting is on-call work: operators silence what they are handling.
            A::Mute | A::Unmute => Permission::CheckAndSync,
            A::AlertChannelSave | A::AlertChannelDelete | A::AlertRuleSave | A::AlertRuleDelete => {
                Permission::ManageMonitoring
            }
            A::AuditSettings => Permission::ReadAudit,
            A::CustomerConsoleOpen => Permission::OpenCustomerConsole,
            A::CustomerSync | A::CustomerSyncScheduled | A::CustomerSyncAfterChange => {
                Permission::CheckAndSync
            }
            A::MonitorSettings => Permission::ManageMonitoring,
            A::SyncSettings => Permission::ManageSync,
            A::TechnicianAdd | A::TechnicianUpdate | A::TechnicianEnable | A::TechnicianDisable => {
                Permission::ManageTechnicians
            }
            A::LicenseApply => Permission::ApplyLicense,
            A::LicenseThreshold => Permission::SetLicenseThreshold,
            A::LicenseAllocate | A::LicensePush => Permission::AllocateLicense,
        }
    }
}

/// Which customers a technician reaches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    All,
    Only(HashSet<CustomerId>),
}

/// The person acting now, with the role and delegation the store holds for them now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub technician_id: i64,
    pub username: String,
    pub role: Role,
    pub reach: Reach,
}

impl Actor {
    /// True when this person may see and act on the customer (others are `not_found`).
    pub fn reaches(&self, id: CustomerId) -> bool {
        match &self.reach {
            Reach::All => true,
            Reach::Only(ids) => ids.contains(&id),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_permission_names_its_role_and_its_refusal() {
        assert_eq!(Permission::View.role(), Role::Guest);
        assert_eq!(Permission::CheckAndSync.role(), Role::Operator);
        assert_eq!(Permission::ManageCustomers.role(), Role::Admin);
        assert_eq!(Permission::CheckAndSync.denied(), "Guests can only view customers.");
        assert!(Role::Admin >= Permission::AllocateLicense.role());
        assert!(Role::Operator < Permission::AllocateLicense.role());
    }

    #[test]
    fn reach_is_all_or_the_delegated_ones() {
        let (a, b) = (CustomerId::new(), CustomerId::new());
        let actor = Actor {
            technician_id: 2,
            username: "otto".into(),
            role: Role::Operator,
            reach: Reach::Only(HashSet::from([a])),
        };
        assert!(actor.reaches(a) && !actor.reaches(b));
    }
}
