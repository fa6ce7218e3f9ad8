//! How the core's small enums and timestamps are written as text, in one place: in the
//! database (`ToSql`/`FromSql`), in settings and in the audit. Every enum that is stored as
//! text gets its spelling here, once.
//!
//! Must never turn an unknown value into a default: a stored `push_state` of `"bogus"` is a
//! damaged database and reads as an error, never as `Pending`.

use crate::model::{
    AuditAction, ConnectionType, HealthState, Outcome, PushState, Role, TagColour, Trigger,
};
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// A text that names none of an enum's values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is not a known {kind}")]
pub struct UnknownValue {
    pub kind: &'static str,
    pub value: String,
}

/// Gives an enum one spelling per variant: `as_str`, `FromStr` (exact match, unknown is an
/// error), and SQLite conversions through that spelling.
macro_rules! text_enum {
    ($ty:ty, $kind:literal { $($variant:path => $text:literal),+ $(,)? }) => {
        impl $ty {
            pub fn as_str(self) -> &'static str {
                match self { $($variant => $text),+ }
            }
        }

        impl std::str::FromStr for $ty {
            type Err = UnknownValue;
            fn from_str(s: &str) -> Result<Self, UnknownValue> {
                match s {
                    $($text => Ok($variant),)+
                    _ => Err(UnknownValue { kind: $kind, value: s.to_owned() }),
                }
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ToSql for $ty {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::from(self.as_str()))
            }
        }

        impl FromSql for $ty {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                value
                    .as_str()?
                    .parse()
                    .map_err(|e: UnknownValue| FromSqlError::Other(Box::new(e)))
            }
        }
    };
}

text_enum!(Role, "role" {
    Role::Admin => "admin",
    Role::Operator => "operator",
    Role::Guest => "guest",
});

text_enum!(TagColour, "tag colour" {
    TagColour::Slate => "slate",
    TagColour::Red => "red",
    TagColour::Orange => "orange",
    TagColour::Amber => "amber",
    TagColour::Green => "green",
    TagColour::Teal => "teal",
    TagColour::Blue => "blue",
    TagColour::Violet => "violet",
    TagColour::Pink => "pink",
});

text_enum!(ConnectionType, "connection type" {
    ConnectionType::Http => "HTTP",
    ConnectionType::Https => "HTTPS",
});

text_enum!(HealthState, "health state" {
    HealthState::Up => "up",
    HealthState::Down => "down",
    HealthState::Unknown => "unknown",
});

text_enum!(PushState, "push state" {
    PushState::Applied => "applied",
    PushState::Pending => "pending",
    PushState::Failed => "failed",
});

text_enum!(Outcome, "outcome" {
    Outcome::Success => "success",
    Outcome::Failure => "failure",
});

text_enum!(AuditAction, "audit action" {
    AuditAction::AdminCreate => "admin.create",
    AuditAction::Login => "admin.login",
    AuditAction::CustomerAdd => "customer.add",
    AuditAction::CustomerUpdate => "customer.update",
    AuditAction::CustomerDelete => "customer.delete",
    AuditAction::CustomerForceDelete => "customer.force_delete",
    AuditAction::CustomerSync => "customer.sync",
    AuditAction::CustomerSyncScheduled => "customer.sync.scheduled",
    AuditAction::CustomerSyncAfterChange => "customer.sync.after_change",
    AuditAction::MonitorSettings => "monitor.settings",
    AuditAction::SyncSettings => "sync.settings",
    AuditAction::TechnicianAdd => "technician.add",
    AuditAction::TechnicianUpdate => "technician.update",
    AuditAction::TechnicianEnable => "technician.enable",
    AuditAction::TechnicianDisable => "technician.disable",
    AuditAction::LicenseApply => "license.apply",
    AuditAction::LicenseThreshold => "license.threshold",
    AuditAction::LicenseAllocate => "license.allocate",
    AuditAction::LicensePush => "license.push",
    AuditAction::CertificateTrusted => "customer.certificate.trust",
    AuditAction::CertificateChanged => "customer.certificate.changed",
    AuditAction::InstanceChanged => "customer.instance_changed",
    AuditAction::NetworkSettings => "network.settings",
    AuditAction::BackupExport => "backup.export",
    AuditAction::BackupImport => "backup.import",
    AuditAction::TagCreate => "tag.create",
    AuditAction::TagUpdate => "tag.update",
    AuditAction::TagDelete => "tag.delete",
    AuditAction::CustomerTag => "customer.tag",
    AuditAction::CustomerUntag => "customer.untag",
    AuditAction::CustomerImport => "customer.import",
    AuditAction::MaintenanceSave => "maintenance.save",
    AuditAction::MaintenanceDelete => "maintenance.delete",
    AuditAction::Mute => "alerts.mute",
    AuditAction::Unmute => "alerts.unmute",
    AuditAction::AlertChannelSave => "alerts.channel.save",
    AuditAction::AlertChannelDelete => "alerts.channel.delete",
    AuditAction::AlertRuleSave => "alerts.rule.save",
    AuditAction::AlertRuleDelete => "alerts.rule.delete",
    AuditAction::AuditSettings => "audit.settings",
    AuditAction::CustomerConsoleOpen => "customer.console.open",
});

text_enum!(Trigger, "sync trigger" {
    Trigger::Manual => "manual",
    Trigger::Scheduled => "scheduled",
    Trigger::Change => "change",
});

/// A timestamp as stored: RFC 3339.
pub fn ts(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

/// A stored RFC 3339 timestamp; a malformed one is a conversion error of its column.
pub fn parse_ts(s: &str) -> rusqlite::Result<OffsetDateTime> {
    OffsetDateTime::parse(s, &Rfc3339).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

/// A column's value that did not convert (for ids stored as text, and the like).
pub fn bad_column(e: impl std::error::Error + Send + Sync + 'static) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[test]
    fn every_spelling_round_trips_and_unknown_is_an_error() {
        for p in [PushState::Applied, PushState::Pending, PushState::Failed] {
            assert_eq!(p.as_str().parse::<PushState>(), Ok(p));
        }
        for r in [Role::Admin, Role::Operator, Role::Guest] {
            assert_eq!(r.as_str().parse::<Role>(), Ok(r));
        }
        let err = "bogus".parse::<PushState>().unwrap_err();
        assert_eq!(err.to_string(), "\"bogus\" is not a known push state");
        assert!("Admin".parse::<Role>().is_err(), "stored spellings are exact");
    }

    #[test]
    fn an_unknown_stored_value_fails_the_read_instead_of_defaulting() {
        let store = Store::open_in_memory().unwrap();
        let read: crate::Result<PushState> =
            store.read(|c| Ok(c.query_row("SELECT 'bogus'", [], |r| r.get::<_, PushState>(0))?));
        assert!(read.is_err());
        let ok: PushState =
            store.read(|c| Ok(c.query_row("SELECT 'pending'", [], |r| r.get(0))?)).unwrap();
        assert_eq!(ok, PushState::Pending);
    }
}
