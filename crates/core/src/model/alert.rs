//! Alert channels (mail, webhooks), the routing rules that choose what goes where, and the
//! log of deliveries.

use super::{CustomerId, TagId};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// What an alert is about; a routing rule names the events it sends.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ts_rs::TS,
)]
#[serde(rename_all = "snake_case")]
pub enum AlertEvent {
    Down,
    Recovered,
    StillDown,
    CertificateChanged,
    CertificateExpiring,
    InstanceChanged,
    /// A customer's sync failed the rule's number of times in a row.
    SyncFailing,
    UsageAlert,
    /// This computer lost (or regained) its network.
    Offline,
    Online,
    /// "Send test".
    Test,
}

impl AlertEvent {
    pub const ROUTABLE: [AlertEvent; 10] = [
        AlertEvent::Down,
        AlertEvent::Recovered,
        AlertEvent::StillDown,
        AlertEvent::CertificateChanged,
        AlertEvent::CertificateExpiring,
        AlertEvent::InstanceChanged,
        AlertEvent::SyncFailing,
        AlertEvent::UsageAlert,
        AlertEvent::Offline,
        AlertEvent::Online,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AlertEvent::Down => "down",
            AlertEvent::Recovered => "recovered",
            AlertEvent::StillDown => "still_down",
            AlertEvent::CertificateChanged => "certificate_changed",
            AlertEvent::CertificateExpiring => "certificate_expiring",
            AlertEvent::InstanceChanged => "instance_changed",
            AlertEvent::SyncFailing => "sync_failing",
            AlertEvent::UsageAlert => "usage_alert",
            AlertEvent::Offline => "offline",
            AlertEvent::Online => "online",
            AlertEvent::Test => "test",
        }
    }
}

/// How a mail channel reaches its server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum MailSecurity {
    /// Plain connection upgraded with STARTTLS (required; port 587 usually).
    Starttls,
    /// TLS from the first byte (port 465 usually).
    Tls,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailSettings {
    pub host: String,
    pub port: u16,
    pub security: MailSecurity,
    /// Empty: the server takes mail without logging in.
    pub username: String,
    pub from: String,
    pub to: Vec<String>,
    /// The relay's own CA (PEM), for an internal relay the platform does not trust.
    #[serde(default)]
    pub ca_pem: Option<String>,
}

/// Which receiver the webhook's JSON is shaped for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum WebhookPreset {
    /// The documented JSON payload, signed with HMAC-SHA256 (`docs/alerts.md`).
    Generic,
    /// `{"text": …}`, as Slack's incoming webhooks take it.
    Slack,
    /// A MessageCard, as Microsoft Teams' incoming webhooks take it.
    Teams,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookSettings {
    pub url: String,
    pub preset: WebhookPreset,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ChannelSettings {
    Email(MailSettings),
    Webhook(WebhookSettings),
}

impl ChannelSettings {
    pub fn kind(&self) -> &'static str {
        match self {
            ChannelSettings::Email(_) => "email",
            ChannelSettings::Webhook(_) => "webhook",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertChannel {
    pub id: i64,
    pub name: String,
    pub settings: ChannelSettings,
    pub enabled: bool,
    /// An SMTP password or webhook signing secret is kept (sealed) for it.
    pub has_secret: bool,
    pub created_at: OffsetDateTime,
}

/// Which customers a rule covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleScope {
    All,
    Tag(TagId),
    Customers(Vec<CustomerId>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertRule {
    pub id: i64,
    pub channel_id: i64,
    pub events: Vec<AlertEvent>,
    pub scope: RuleScope,
    /// For `sync_failing`: after this many failed syncs in a row.
    pub sync_failures: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryOutcome {
    Delivered,
    /// This attempt failed; another follows.
    Failed,
    /// The last attempt failed; the alert is dropped.
    GaveUp,
}

impl DeliveryOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryOutcome::Delivered => "delivered",
            DeliveryOutcome::Failed => "failed",
            DeliveryOutcome::GaveUp => "gave_up",
        }
    }
}

/// One attempt to deliver an alert, as the channel's log shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub at: OffsetDateTime,
    pub event: String,
    pub attempt: u32,
    pub outcome: DeliveryOutcome,
    /// The HTTP status or the SMTP server's reply, or why it could not be reached.
    pub detail: String,
}
