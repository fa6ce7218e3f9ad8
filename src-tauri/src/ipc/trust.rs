//! Trusting a customer's certificate: the certificate as the admin reviews it (also carried
//! by `certificate_untrusted` and `certificate_changed` errors), "Review certificate", and
//! "Trust this certificate".

use super::customers::{Customer, Trust, TrustInput};
use super::{ConsoleState, CustomerRef};
use crate::error::IpcResult;
use mssp_core::customers::CertificateReview as CoreReview;
use mssp_core::trust::{CertificateInfo, Fingerprint};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use ts_rs::TS;

/// A certificate as presented, for review: fingerprints as `AB:CD:…`.
#[derive(Debug, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Certificate {
    pub sha256: String,
    pub public_key_sha256: String,
    pub subject: String,
    pub issuer: String,
    #[serde(with = "time::serde::rfc3339")]
    #[ts(type = "string")]
    pub not_before: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[ts(type = "string")]
    pub not_after: OffsetDateTime,
    /// The DNS names and addresses it is for.
    pub names: Vec<String>,
    pub self_signed: bool,
    /// It names the server entered (shown, not enforced, when the certificate is pinned).
    pub names_host: bool,
}

impl Certificate {
    pub fn new(info: &CertificateInfo, host: &str) -> Self {
        Self {
            sha256: info.sha256.to_string(),
            public_key_sha256: info.public_key_sha256.to_string(),
            subject: info.subject.clone(),
            issuer: info.issuer.clone(),
            not_before: info.not_before,
            not_after: info.not_after,
            names: info.names.clone(),
            self_signed: info.self_signed,
            names_host: info.names_host(host),
        }
    }
}

/// "Review certificate": the trust chosen, what the server presents now (leaf first), why
/// this computer would not trust it, and a certificate that replaced the trusted one.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CertificateReview {
    pub customer_id: String,
    pub trust: Trust,
    pub chain: Vec<Certificate>,
    pub untrusted_because: Option<String>,
    /// The presented certificate is the one trusted now.
    pub matches_trust: bool,
    pub changed_to: Option<String>,
}

impl From<CoreReview> for CertificateReview {
    fn from(r: CoreReview) -> Self {
        let host = r.customer.endpoint.server.clone();
        let leaf = r.inspection.chain.first();
        let matches_trust = match (&r.customer.pin, leaf) {
            (Some(pin), Some(leaf)) => pin.accepts(leaf),
            (None, Some(_)) => r.inspection.untrusted_because.is_none(),
            _ => false,
        };
        Self {
            customer_id: r.customer.id.to_string(),
            trust: Trust::of(r.customer.pin.as_ref()),
            chain: r.inspection.chain.iter().map(|c| Certificate::new(c, &host)).collect(),
            untrusted_because: r.inspection.untrusted_because,
            matches_trust,
            changed_to: r
                .seen
                .and_then(|s| s.changed_to)
                .and_then(|hex| Fingerprint::from_hex(&hex))
                .map(|f| f.to_string()),
        }
    }
}

#[tauri::command]
pub async fn review_certificate(
    console: ConsoleState<'_>,
    id: CustomerRef,
) -> IpcResult<CertificateReview> {
    Ok(console.review_certificate(id.0).await?.into())
}

/// "Trust this certificate" after a review: pins what the server presents now, if it is
/// still the certificate with the fingerprint the admin checked.
#[tauri::command]
pub async fn trust_certificate(
    console: ConsoleState<'_>,
    id: CustomerRef,
    trust: TrustInput,
) -> IpcResult<Customer> {
    let trusted = console.trust_certificate(id.0, trust.into()).await?;
    Ok(console.customer(trusted.id)?.into())
}
