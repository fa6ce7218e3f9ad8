//! The core's one error type. Each variant has a stable snake_case `code()` that the UI
//! branches on, and a message written for the person at the console.
//!
//! Messages must never contain a secret (passwords, tokens): they reach logs, the audit
//! table and the webview.

use crate::model::{CertificateInfo, UnreadableCertificate};
use std::borrow::Cow;
use std::collections::BTreeMap;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Field name (as the UI's form knows it) → what is wrong with it. Keys are usually the
/// form's fixed field names; allocation errors are keyed by resource name, which comes from
/// the license, hence `Cow`.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[serde(transparent)]
pub struct FieldErrors(BTreeMap<Cow<'static, str>, String>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn insert(&mut self, field: impl Into<Cow<'static, str>>, message: String) {
        self.0.insert(field.into(), message);
    }
}

impl std::ops::Deref for FieldErrors {
    type Target = BTreeMap<Cow<'static, str>, String>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl<K: Into<Cow<'static, str>>, V: Into<String>, const N: usize> From<[(K, V); N]>
    for FieldErrors
{
    fn from(pairs: [(K, V); N]) -> Self {
        let mut errors = Self::new();
        for (k, v) in pairs {
            errors.insert(k, v.into());
        }
        errors
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{}", summarize(.0))]
    Validation(FieldErrors),
    #[error("{0} was not found.")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("Could not reach {target}: {detail}.")]
    Unreachable { target: String, detail: String },
    #[error("{target} did not answer within {seconds} seconds.")]
    Timeout { target: String, seconds: u64 },
    #[error("Secure connection to {target} failed: {detail}.")]
    Tls { target: String, detail: String },
    /// This computer does not trust the certificate; the admin may review it and trust it
    /// for this customer.
    #[error(
        "{target} presented a certificate this computer does not trust: {reason}. Check its fingerprint ({}) with the customer, then trust it for this customer.",
        certificate.sha256
    )]
    CertificateUntrusted { target: String, reason: String, certificate: Box<CertificateInfo> },
    /// The certificate is not the one trusted for this customer: nothing is sent until an
    /// admin reviews and trusts the new one.
    #[error(
        "The certificate of {target} changed: it is now {} instead of the trusted {trusted}. Nothing was sent to it. An administrator can review and trust the new certificate.",
        presented.sha256
    )]
    CertificateChanged { target: String, trusted: String, presented: Box<CertificateInfo> },
    #[error("{}", expired_message(target, not_after))]
    CertificateExpired { target: String, not_after: Option<time::OffsetDateTime> },
    /// Another instance (or one that cannot prove it is the integrated one) answers at the
    /// customer's address: nothing was sent to it.
    #[error("{}", instance_changed_message(target, expected, found, *proven))]
    InstanceChanged { target: String, expected: uuid::Uuid, found: uuid::Uuid, proven: bool },
    #[error("{0}")]
    AuthFailed(String),
    #[error("The customer's instance locked the admin account after failed logins{}.", retry_hint(*.retry_after_s))]
    LockedOut { retry_after_s: Option<u64> },
    #[error("{}", build_mismatch_message(*.console, *.customer))]
    BuildMismatch { console: u32, customer: Option<u32> },
    #[error(
        "This customer's instance is already integrated with another MSSP. Remove it there first."
    )]
    LinkedToOtherMssp,
    #[error("The customer's instance answered HTTP {status}: {message}")]
    InstanceError { status: u16, message: String },
    #[error("The customer's instance sent an invalid response: {0}.")]
    InvalidResponse(String),
    #[error("The OS keychain is unavailable, so nothing was saved: {0}.")]
    KeychainUnavailable(String),
    #[error("The console's database failed: {0}.")]
    Storage(String),
    #[error("The password is incorrect.")]
    WrongPassword,
    #[error("Too many failed logins: try again in {retry_after_s} seconds.")]
    LoginThrottled { retry_after_s: u64 },
    #[error("The console is locked. Log in again.")]
    Locked,
    #[error("{0}")]
    Forbidden(String),
    #[error("An administrator already exists. Log in instead.")]
    AlreadySetUp,
    #[error("Create the administrator first.")]
    SetupRequired,
    #[error(
        "No MSSP license is applied. Customers can be integrated but Resources cannot be allocated: apply the license first."
    )]
    NoLicense,
    #[error("The customer's instance refused the allocation: it uses {usage} of {resource}.")]
    BelowUsage { resource: String, usage: u64 },
    /// A soft delete that failed because of the customer's instance; the admin may force
    /// delete instead. Carries the instance's own failure.
    #[error("{source}")]
    DeleteRefused { source: Box<Error> },
    /// An alert channel's server refused or could not be reached ("Send test").
    #[error("The channel did not take the alert: {0}")]
    Delivery(String),
    #[error("Another MSSP Console is already running on the data folder {0}.")]
    AlreadyRunning(String),
    /// An error the running console answered over the local channel, with its own code.
    #[error("{message}")]
    Remote { code: String, message: String },
    #[error("Internal error: {0}.")]
    Internal(String),
}

impl Error {
    /// The stable code the UI branches on (see `docs/ipc.md`).
    pub fn code(&self) -> &'static str {
        match self {
            Error::Validation(_) => "validation",
            Error::NotFound(_) => "not_found",
            Error::Conflict(_) => "conflict",
            Error::Unreachable { .. } => "unreachable",
            Error::Timeout { .. } => "timeout",
            Error::Tls { .. } => "tls",
            Error::CertificateUntrusted { .. } => "certificate_untrusted",
            Error::CertificateChanged { .. } => "certificate_changed",
            Error::CertificateExpired { .. } => "certificate_expired",
            Error::InstanceChanged { .. } => "instance_changed",
            Error::AuthFailed(_) => "auth_failed",
            Error::LockedOut { .. } => "locked_out",
            Error::BuildMismatch { .. } => "build_mismatch",
            Error::LinkedToOtherMssp => "linked_to_other_mssp",
            Error::InstanceError { .. } => "instance_error",
            Error::InvalidResponse(_) => "invalid_response",
            Error::KeychainUnavailable(_) => "keychain_unavailable",
            Error::Storage(_) => "storage",
            Error::WrongPassword => "wrong_password",
            Error::LoginThrottled { .. } => "login_throttled",
            Error::Locked => "locked",
            Error::Forbidden(_) => "forbidden",
            Error::AlreadySetUp => "already_set_up",
            Error::SetupRequired => "setup_required",
            Error::NoLicense => "no_license",
            Error::BelowUsage { .. } => "below_usage",
            Error::DeleteRefused { source } => source.code(),
            Error::Delivery(_) => "delivery_failed",
            Error::AlreadyRunning(_) => "already_running",
            Error::Remote { .. } => "remote",
            Error::Internal(_) => "internal",
        }
    }

    /// The code as the console that raised it gave it: [`Error::code`], or for an error the
    /// running console answered over the local channel, that console's own code.
    pub fn origin_code(&self) -> &str {
        match self {
            Error::Remote { code, .. } => code,
            other => other.code(),
        }
    }

    /// Per-field messages, for `validation` errors.
    pub fn fields(&self) -> Option<&FieldErrors> {
        match self {
            Error::Validation(fields) => Some(fields),
            _ => None,
        }
    }

    /// True when a soft delete failed because of the instance, so Force Delete applies.
    pub fn force_delete_available(&self) -> bool {
        matches!(self, Error::DeleteRefused { .. })
    }

    /// True when the failure came from the customer's instance or the way to it (as
    /// opposed to bad input or a local problem).
    pub fn is_instance_failure(&self) -> bool {
        matches!(
            self,
            Error::Unreachable { .. }
                | Error::Timeout { .. }
                | Error::Tls { .. }
                | Error::CertificateUntrusted { .. }
                | Error::CertificateChanged { .. }
                | Error::CertificateExpired { .. }
                | Error::InstanceChanged { .. }
                | Error::AuthFailed(_)
                | Error::LockedOut { .. }
                | Error::LinkedToOtherMssp
                | Error::InstanceError { .. }
                | Error::InvalidResponse(_)
        )
    }

    /// The certificate a TLS refusal was about, for the admin to review.
    pub fn certificate(&self) -> Option<&CertificateInfo> {
        match self {
            Error::CertificateUntrusted { certificate, .. } => Some(certificate),
            Error::CertificateChanged { presented, .. } => Some(presented),
            Error::DeleteRefused { source } => source.certificate(),
            _ => None,
        }
    }

    /// A validation error on one field.
    pub fn field(field: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        Error::Validation(FieldErrors::from([(field, message)]))
    }
}

impl From<rusqlite::Error> for Error {
    fn from(err: rusqlite::Error) -> Self {
        Error::Storage(err.to_string())
    }
}

impl From<UnreadableCertificate> for Error {
    fn from(err: UnreadableCertificate) -> Self {
        Error::InvalidResponse(err.0)
    }
}

impl From<rusqlite_migration::Error> for Error {
    fn from(err: rusqlite_migration::Error) -> Self {
        Error::Storage(format!("migrating the database: {err}"))
    }
}

fn summarize(fields: &FieldErrors) -> String {
    match fields.values().next() {
        Some(first) if fields.len() == 1 => first.clone(),
        Some(first) => format!("{first} (and {} more)", fields.len() - 1),
        None => "The input is not valid.".to_owned(),
    }
}

fn expired_message(target: &str, not_after: &Option<time::OffsetDateTime>) -> String {
    match not_after {
        Some(at) => format!(
            "The certificate of {target} expired on {}. Renew it on the customer's Log360 server, then try again.",
            at.date()
        ),
        None => format!(
            "The certificate of {target} has expired. Renew it on the customer's Log360 server, then try again."
        ),
    }
}

fn instance_changed_message(
    target: &str,
    expected: &uuid::Uuid,
    found: &uuid::Uuid,
    _proven: bool,
) -> String {
    if expected == found {
        format!(
            "The Log360 instance at {target} claims to be the integrated one ({expected}) but cannot prove it. Nothing was sent to it. If the instance was reinstalled, an administrator can integrate it again with Edit."
        )
    } else {
        format!(
            "Another Log360 instance now answers at {target} (instance id {found} instead of {expected}). Nothing was sent to it. If that is expected, an administrator can integrate it again with Edit."
        )
    }
}

fn retry_hint(retry_after_s: Option<u64>) -> String {
    match retry_after_s {
        Some(s) => format!("; try again in {s} seconds"),
        None => String::new(),
    }
}

fn build_mismatch_message(console: u32, customer: Option<u32>) -> String {
    match customer {
        Some(customer) => format!(
            "Build mismatch: this console is build {console} but the customer's instance is build {customer}. Upgrade one so both are the same build."
        ),
        None => format!(
            "Build mismatch: the customer's instance refused this console's build {console}. Upgrade one so both are the same build."
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_mismatch_names_both_builds() {
        let msg = Error::BuildMismatch { console: 7100, customer: Some(7200) }.to_string();
        assert!(msg.contains("7100") && msg.contains("7200"), "{msg}");
    }

    #[test]
    fn delete_refused_keeps_the_instance_code_and_offers_force_delete() {
        let err = Error::DeleteRefused {
            source: Box::new(Error::Unreachable {
                target: "x".into(),
                detail: "connection refused".into(),
            }),
        };
        assert_eq!(err.code(), "unreachable");
        assert!(err.force_delete_available());
        assert!(!Error::WrongPassword.force_delete_available());
    }

    #[test]
    fn validation_summary_names_the_first_problem() {
        let mut fields = FieldErrors::new();
        fields.insert("email", "Enter a valid Customer mail.".into());
        fields.insert("name", "Customer Name is required.".into());
        assert_eq!(
            Error::Validation(fields).to_string(),
            "Enter a valid Customer mail. (and 1 more)"
        );
    }
}
