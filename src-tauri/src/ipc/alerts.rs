//! Alert channels besides the desktop (mail over SMTP, webhooks for our own receivers,
//! Slack or Teams), the routing rules that send events for some customers to a channel,
//! each channel's delivery log, and "Send test". Administrators only. Passwords and signing
//! secrets go in and never come back (`hasSecret` at most).

use super::ConsoleState;
use crate::error::IpcResult;
use mssp_core::alerts::ChannelInput as CoreInput;
use mssp_core::codec::ts;
use mssp_core::model::{
    self, AlertEvent, ChannelSettings, CustomerId, DeliveryOutcome, MailSecurity, MailSettings,
    RuleScope, TagId, WebhookPreset, WebhookSettings,
};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A channel as the window shows and edits it. Mail fields apply to `kind: "email"`,
/// `url`/`preset` to `kind: "webhook"`.
#[derive(Debug, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Channel {
    /// Null for a new one.
    pub id: Option<i64>,
    pub name: String,
    #[ts(type = "\"email\" | \"webhook\"")]
    pub kind: String,
    pub enabled: bool,
    #[serde(default)]
    pub host: String,
    #[serde(default)]
    pub port: u16,
    #[serde(default)]
    #[ts(type = "MailSecurity | null")]
    pub security: Option<MailSecurity>,
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: Vec<String>,
    #[serde(default)]
    pub ca_pem: Option<String>,
    #[serde(default)]
    pub url: String,
    #[serde(default)]
    #[ts(type = "WebhookPreset | null")]
    pub preset: Option<WebhookPreset>,
    /// Read only: a password or signing secret is kept.
    #[serde(default)]
    pub has_secret: bool,
}

impl From<model::AlertChannel> for Channel {
    fn from(c: model::AlertChannel) -> Self {
        let mut out = Channel {
            id: Some(c.id),
            name: c.name,
            kind: c.settings.kind().into(),
            enabled: c.enabled,
            host: String::new(),
            port: 0,
            security: None,
            username: String::new(),
            from: String::new(),
            to: Vec::new(),
            ca_pem: None,
            url: String::new(),
            preset: None,
            has_secret: c.has_secret,
        };
        match c.settings {
            ChannelSettings::Email(m) => {
                (out.host, out.port, out.security, out.username) =
                    (m.host, m.port, Some(m.security), m.username);
                (out.from, out.to, out.ca_pem) = (m.from, m.to, m.ca_pem);
            }
            ChannelSettings::Webhook(w) => (out.url, out.preset) = (w.url, Some(w.preset)),
        }
        out
    }
}

impl Channel {
    fn settings(&self) -> ChannelSettings {
        match self.kind.as_str() {
            "webhook" => ChannelSettings::Webhook(WebhookSettings {
                url: self.url.clone(),
                preset: self.preset.unwrap_or(WebhookPreset::Generic),
            }),
            _ => ChannelSettings::Email(MailSettings {
                host: self.host.clone(),
                port: self.port,
                security: self.security.unwrap_or(MailSecurity::Starttls),
                username: self.username.clone(),
                from: self.from.clone(),
                to: self.to.clone(),
                ca_pem: self.ca_pem.clone().filter(|p| !p.trim().is_empty()),
            }),
        }
    }
}

/// A routing rule: `events` for the customers of `scope` ("all", "tag" with `tagId`,
/// "customers" with `customerIds`) go to `channelId`.
#[derive(Debug, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Rule {
    pub id: Option<i64>,
    pub channel_id: i64,
    pub events: Vec<AlertEvent>,
    #[ts(type = "\"all\" | \"tag\" | \"customers\"")]
    pub scope: String,
    #[serde(default)]
    pub tag_id: Option<i64>,
    #[serde(default)]
    pub customer_ids: Vec<String>,
    /// For `sync_failing`: after this many failed syncs in a row (default 3).
    #[serde(default = "three")]
    pub sync_failures: u32,
}

fn three() -> u32 {
    3
}

impl From<model::AlertRule> for Rule {
    fn from(r: model::AlertRule) -> Self {
        let (scope, tag_id, customer_ids) = match r.scope {
            RuleScope::All => ("all", None, Vec::new()),
            RuleScope::Tag(t) => ("tag", Some(t.0), Vec::new()),
            RuleScope::Customers(ids) => {
                ("customers", None, ids.iter().map(|i| i.to_string()).collect())
            }
        };
        Rule {
            id: Some(r.id),
            channel_id: r.channel_id,
            events: r.events,
            scope: scope.into(),
            tag_id,
            customer_ids,
            sync_failures: r.sync_failures,
        }
    }
}

#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryRow {
    pub at: String,
    pub event: String,
    pub attempt: u32,
    pub outcome: DeliveryOutcome,
    /// The HTTP status, the SMTP server's reply, or why it could not be reached.
    pub detail: String,
}

#[tauri::command(async)]
pub fn list_alert_channels(console: ConsoleState<'_>) -> IpcResult<Vec<Channel>> {
    Ok(console.alert_channels()?.into_iter().map(Channel::from).collect())
}

/// Adds or edits a channel. `secret`: the SMTP password or webhook signing secret; absent
/// keeps the one kept, "" forgets it.
#[tauri::command]
pub async fn save_alert_channel(
    console: ConsoleState<'_>,
    channel: Channel,
    secret: Option<SecretString>,
) -> IpcResult<Channel> {
    let input = CoreInput {
        name: channel.name.clone(),
        settings: channel.settings(),
        enabled: channel.enabled,
        secret,
    };
    Ok(console.save_alert_channel(channel.id, input).await?.into())
}

#[tauri::command(async)]
pub fn delete_alert_channel(console: ConsoleState<'_>, id: i64) -> IpcResult<()> {
    Ok(console.delete_alert_channel(id)?)
}

#[tauri::command(async)]
pub fn list_alert_rules(console: ConsoleState<'_>) -> IpcResult<Vec<Rule>> {
    Ok(console.alert_rules()?.into_iter().map(Rule::from).collect())
}

#[tauri::command(async)]
pub fn save_alert_rule(console: ConsoleState<'_>, rule: Rule) -> IpcResult<Rule> {
    let scope = match rule.scope.as_str() {
        "tag" => RuleScope::Tag(TagId(rule.tag_id.unwrap_or(0))),
        "customers" => {
            let mut ids = Vec::new();
            for id in &rule.customer_ids {
                ids.push(id.parse::<CustomerId>()?);
            }
            RuleScope::Customers(ids)
        }
        _ => RuleScope::All,
    };
    let core = model::AlertRule {
        id: rule.id.unwrap_or(0),
        channel_id: rule.channel_id,
        events: rule.events,
        scope,
        sync_failures: rule.sync_failures,
    };
    Ok(console.save_alert_rule(core)?.into())
}

#[tauri::command(async)]
pub fn delete_alert_rule(console: ConsoleState<'_>, id: i64) -> IpcResult<()> {
    Ok(console.delete_alert_rule(id)?)
}

/// The channel's last 200 delivery attempts, newest first.
#[tauri::command(async)]
pub fn alert_deliveries(console: ConsoleState<'_>, channel_id: i64) -> IpcResult<Vec<DeliveryRow>> {
    Ok(console
        .alert_deliveries(channel_id)?
        .into_iter()
        .map(|d| DeliveryRow {
            at: ts(d.at),
            event: d.event,
            attempt: d.attempt,
            outcome: d.outcome,
            detail: d.detail,
        })
        .collect())
}

/// "Send test": what the server said; `delivery_failed` with why otherwise.
#[tauri::command]
pub async fn send_test_alert(console: ConsoleState<'_>, channel_id: i64) -> IpcResult<String> {
    Ok(console.send_test_alert(channel_id).await?)
}
