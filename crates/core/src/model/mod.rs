//! Domain types shared by every layer: customers and how to reach them, health, roles,
//! sync status, audit and license vocabulary. Plain data: no I/O, no store, no services.
//!
//! Must never carry a secret in a type that derives `Debug` without redaction: credentials
//! hold their password in a `SecretString`.

mod alert;
mod audit;
mod certificate;
mod customer;
mod health;
mod license;
mod quiet;
mod role;
mod sync;
mod tag;

pub use alert::{
    AlertChannel, AlertEvent, AlertRule, ChannelSettings, Delivery, DeliveryOutcome, MailSecurity,
    MailSettings, RuleScope, WebhookPreset, WebhookSettings,
};
pub use audit::{AuditAction, Outcome, Target};
pub use certificate::{CertificateInfo, Fingerprint, UnreadableCertificate};
pub use customer::{AdminCredentials, ConnectionType, Customer, CustomerId, Endpoint, name_key};
pub use health::{Health, HealthState};
pub use license::PushState;
pub use quiet::{MaintenanceWindow, Mute, Quiet, QuietScope, Schedule};
pub use role::Role;
pub use sync::{SyncState, SyncStatus, Trigger};
pub use tag::{Tag, TagColour, TagId};
