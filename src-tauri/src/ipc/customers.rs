//! Customer Management: the table, Add Customer, Update Customer, delete and Force Delete.

use super::{ConsoleState, CustomerRef};
use crate::error::IpcResult;
use mssp_core::CustomerView;
use mssp_core::model::{self, ConnectionType, HealthState, SyncState};
use mssp_core::trust::{Fingerprint, Pin};
use mssp_core::validate::{CustomerInput as CoreInput, TrustChoice};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use ts_rs::TS;

/// The Add/Update Customer form. The port stays text so "80a" is a field error, not a
/// deserialization failure.
#[derive(Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CustomerInput {
    pub name: String,
    pub email: String,
    pub server: String,
    #[ts(type = "string | number")]
    pub port: PortText,
    pub connection_type: String,
    pub username: String,
    #[ts(type = "string")]
    pub password: SecretString,
    /// "Send the admin credentials unencrypted over HTTP": required for HTTP.
    #[serde(default)]
    #[ts(type = "boolean", optional)]
    pub allow_cleartext: bool,
    /// For HTTPS: the certificate trust the admin chose after reviewing it.
    #[serde(default)]
    #[ts(optional)]
    pub trust: Option<TrustInput>,
}

/// What the admin chose to trust: the certificate or its public key (by the SHA-256 they
/// reviewed), or a customer CA they pasted.
#[derive(Deserialize, TS)]
#[serde(rename_all = "camelCase", tag = "mode")]
pub enum TrustInput {
    #[serde(rename = "certificate")]
    Certificate { sha256: String },
    #[serde(rename = "publicKey")]
    PublicKey { sha256: String },
    #[serde(rename = "ca", rename_all = "camelCase")]
    CustomerCa { ca_pem: String },
}

impl From<TrustInput> for TrustChoice {
    fn from(t: TrustInput) -> Self {
        match t {
            TrustInput::Certificate { sha256 } => TrustChoice::Certificate(sha256),
            TrustInput::PublicKey { sha256 } => TrustChoice::PublicKey(sha256),
            TrustInput::CustomerCa { ca_pem } => TrustChoice::CustomerCa(ca_pem),
        }
    }
}

/// Accepts the port as typed (a string) or as a number.
#[derive(Deserialize)]
#[serde(untagged)]
pub enum PortText {
    Text(String),
    Number(serde_json::Number),
}

impl From<CustomerInput> for CoreInput {
    fn from(d: CustomerInput) -> Self {
        Self {
            name: d.name,
            email: d.email,
            server: d.server,
            port: match d.port {
                PortText::Text(s) => s,
                PortText::Number(n) => n.to_string(),
            },
            connection_type: d.connection_type,
            username: d.username,
            password: d.password,
            allow_cleartext: d.allow_cleartext,
            trust: d.trust.map(TrustChoice::from),
        }
    }
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Health {
    pub state: HealthState,
    #[serde(with = "time::serde::rfc3339::option")]
    #[ts(type = "string | null")]
    pub checked_at: Option<OffsetDateTime>,
    pub latency_ms: Option<u64>,
    pub reason: Option<String>,
}

impl From<model::Health> for Health {
    fn from(h: model::Health) -> Self {
        Self {
            state: h.state,
            checked_at: h.checked_at,
            latency_ms: h.latency_ms,
            reason: h.reason,
        }
    }
}

/// A customer's sync status: `at` is when the last run finished, `reason` why it failed.
#[derive(Debug, Clone, Serialize, TS)]
pub struct SyncStatus {
    pub state: SyncState,
    #[serde(with = "time::serde::rfc3339::option")]
    #[ts(type = "string | null")]
    pub at: Option<OffsetDateTime>,
    pub reason: Option<String>,
}

impl From<model::SyncStatus> for SyncStatus {
    fn from(s: model::SyncStatus) -> Self {
        Self { state: s.state, at: s.at, reason: s.reason }
    }
}

/// A row of the Customer Management table. `status` is the seed's words for the sync state
/// ("Data Collection Successful", …).
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Customer {
    pub id: String,
    pub name: String,
    pub email: String,
    pub server: String,
    pub port: u16,
    pub connection_type: ConnectionType,
    pub status: &'static str,
    pub build: u32,
    pub instance_id: String,
    #[serde(with = "time::serde::rfc3339")]
    #[ts(type = "string")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[ts(type = "string")]
    pub updated_at: OffsetDateTime,
    pub has_credentials: bool,
    pub health: Health,
    pub sync: SyncStatus,
    /// How its certificate is trusted (HTTPS), or null over HTTP.
    pub trust: Option<Trust>,
    /// The admin chose to send its credentials unencrypted (HTTP): the row says so.
    pub cleartext: bool,
    /// What was last seen of its certificate (HTTPS, after the first contact).
    pub certificate: Option<CertificateState>,
    /// The ids of its tags (see `list_tags`).
    pub tags: Vec<i64>,
    /// In a maintenance window ("Maintenance" until …) or muted ("Muted" until …) now.
    pub quiet: Option<QuietNow>,
}

/// Why a customer is quiet now.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct QuietNow {
    #[ts(type = "\"maintenance\" | \"muted\"")]
    pub kind: &'static str,
    /// RFC 3339; null for a mute until unmuted.
    pub until: Option<String>,
    pub note: Option<String>,
}

/// How a customer's certificate is trusted.
#[derive(Debug, Serialize, TS)]
pub struct Trust {
    #[ts(type = "\"platform\" | \"certificate\" | \"publicKey\" | \"ca\"")]
    pub kind: &'static str,
    /// The pinned SHA-256 (`AB:CD:…`) for a certificate or public-key pin.
    pub sha256: Option<String>,
}

impl Trust {
    pub fn of(pin: Option<&Pin>) -> Self {
        match pin {
            None => Self { kind: "platform", sha256: None },
            Some(Pin::Certificate(f)) => Self { kind: "certificate", sha256: Some(f.to_string()) },
            Some(Pin::PublicKey(f)) => Self { kind: "publicKey", sha256: Some(f.to_string()) },
            Some(Pin::CustomerCa { .. }) => Self { kind: "ca", sha256: None },
        }
    }
}

/// A customer's certificate as last seen: when it expires (`expiringSoon` within the
/// warning days) and, when another certificate replaced the trusted one, its fingerprint.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CertificateState {
    #[serde(with = "time::serde::rfc3339")]
    #[ts(type = "string")]
    pub not_after: OffsetDateTime,
    pub expiring_soon: bool,
    pub changed_to: Option<String>,
}

impl From<CustomerView> for Customer {
    fn from(v: CustomerView) -> Self {
        let c = v.customer;
        let certificate = v.certificate.map(|cert| CertificateState {
            expiring_soon: cert.expiring_soon,
            not_after: cert.row.not_after,
            changed_to: cert
                .row
                .changed_to
                .and_then(|hex| Fingerprint::from_hex(&hex))
                .map(|f| f.to_string()),
        });
        Self {
            trust: (c.endpoint.connection == ConnectionType::Https)
                .then(|| Trust::of(c.pin.as_ref())),
            cleartext: c.cleartext,
            certificate,
            id: c.id.to_string(),
            status: v.sync.label(),
            sync: v.sync.into(),
            name: c.name,
            email: c.email,
            server: c.endpoint.server,
            port: c.endpoint.port,
            connection_type: c.endpoint.connection,
            build: c.build,
            instance_id: c.instance_id.to_string(),
            created_at: c.created_at,
            updated_at: c.updated_at,
            tags: v.tags.iter().map(|t| t.0).collect(),
            quiet: v.quiet.map(|q| match q {
                model::Quiet::Maintenance { until, note } => QuietNow {
                    kind: "maintenance",
                    until: Some(mssp_core::codec::ts(until)),
                    note: Some(note).filter(|n| !n.is_empty()),
                },
                model::Quiet::Muted { until } => {
                    QuietNow { kind: "muted", until: until.map(mssp_core::codec::ts), note: None }
                }
            }),
            // Every saved customer has its credentials: they are saved together.
            has_credentials: true,
            health: v.health.into(),
        }
    }
}

#[tauri::command(async)]
pub fn list_customers(console: ConsoleState<'_>) -> IpcResult<Vec<Customer>> {
    Ok(console.list_customers()?.into_iter().map(Customer::from).collect())
}

#[tauri::command]
pub async fn add_customer(console: ConsoleState<'_>, input: CustomerInput) -> IpcResult<Customer> {
    let added = console.add_customer(input.into()).await?;
    Ok(console.customer(added.id)?.into())
}

#[tauri::command]
pub async fn update_customer(
    console: ConsoleState<'_>,
    id: CustomerRef,
    input: CustomerInput,
) -> IpcResult<Customer> {
    let updated = console.update_customer(id.0, input.into()).await?;
    Ok(console.customer(updated.id)?.into())
}

#[tauri::command]
pub async fn delete_customer(
    console: ConsoleState<'_>,
    id: CustomerRef,
    password: SecretString,
) -> IpcResult<()> {
    Ok(console.delete_customer(id.0, password.expose_secret()).await?)
}

#[tauri::command]
pub async fn force_delete_customer(
    console: ConsoleState<'_>,
    id: CustomerRef,
    password: SecretString,
    reason: String,
) -> IpcResult<()> {
    Ok(console.force_delete_customer(id.0, password.expose_secret(), &reason).await?)
}

/// Edit's admin username, filled in (administrators only; the password never leaves Rust).
#[tauri::command]
pub async fn customer_admin_username(
    console: ConsoleState<'_>,
    id: CustomerRef,
) -> IpcResult<String> {
    Ok(console.customer_admin_username(id.0).await?)
}
