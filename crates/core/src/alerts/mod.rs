//! The alert service: alert channels besides the desktop (mail over SMTP, webhooks), the
//! routing rules that send each kind of event for some customers to a channel, and the
//! delivery of each alert with retries and a log per channel.
//!
//! Alerts are sent from Rust, from the events the other services emit (a notification, a
//! sync failing again); each channel has its own queue and worker, so a slow or failing
//! channel never delays monitoring or another channel.
//!
//! Must never send anything about a customer that is quiet (in maintenance or muted), never
//! keep a channel's password or signing secret anywhere but sealed in the vault, and never
//! retry forever.

mod send;

pub use send::{EVENT_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, payload, signature};

use crate::context::{Context, blocking};
use crate::error::{Error, FieldErrors, Result};
use crate::events::{ConsoleEvent, NoticeKind, Notification};
use crate::locks::lock;
use crate::model::{
    AlertChannel, AlertEvent, AlertRule, ChannelSettings, CustomerId, Delivery, DeliveryOutcome,
    RuleScope, TagId,
};
use crate::store::{alerts as store, customers, tags};
use crate::validate;
use backon::BackoffBuilder;
use secrecy::{ExposeSecret, SecretString};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use time::OffsetDateTime;
use tokio::sync::{broadcast, mpsc};

/// Attempts per alert and channel (the first and its retries).
pub const ATTEMPTS: usize = 5;
/// Alerts waiting per channel; beyond, the oldest waiting are dropped (and logged).
const QUEUE: usize = 256;

/// What is delivered: one event, in words, with the customers it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    pub event: AlertEvent,
    pub title: String,
    pub body: String,
    pub customers: Vec<(CustomerId, String)>,
    pub at: OffsetDateTime,
    /// This console's MSSP name, so a shared channel says which console spoke.
    pub console: String,
}

/// A channel as an administrator types it. `secret`: `None` keeps the one kept, an empty
/// one forgets it.
#[derive(Debug, Clone)]
pub struct ChannelInput {
    pub name: String,
    pub settings: ChannelSettings,
    pub enabled: bool,
    pub secret: Option<SecretString>,
}

/// The event a notification is.
pub fn event_of(kind: NoticeKind) -> AlertEvent {
    match kind {
        NoticeKind::Down => AlertEvent::Down,
        NoticeKind::Recovered => AlertEvent::Recovered,
        NoticeKind::StillDown => AlertEvent::StillDown,
        NoticeKind::CertificateChanged => AlertEvent::CertificateChanged,
        NoticeKind::CertificateExpiring => AlertEvent::CertificateExpiring,
        NoticeKind::InstanceChanged => AlertEvent::InstanceChanged,
        NoticeKind::UsageAlert => AlertEvent::UsageAlert,
        NoticeKind::Offline => AlertEvent::Offline,
        NoticeKind::Online => AlertEvent::Online,
        NoticeKind::SyncFailing => AlertEvent::SyncFailing,
    }
}

pub struct Alerts {
    ctx: Arc<Context>,
    queues: Mutex<HashMap<i64, mpsc::Sender<Alert>>>,
    /// The first wait before a retry (doubling up to a minute); short in tests.
    first_retry: Mutex<Duration>,
}

impl Alerts {
    pub(crate) fn new(ctx: Arc<Context>) -> Arc<Self> {
        Arc::new(Self {
            ctx,
            queues: Mutex::default(),
            first_retry: Mutex::new(Duration::from_secs(2)),
        })
    }

    /// Makes retries come sooner (tests of the retry and the log).
    pub fn set_first_retry(&self, wait: Duration) {
        *lock(&self.first_retry) = wait;
    }

    /// Starts routing the console's events to the channels. Must be called inside a tokio
    /// runtime; dropping the runtime stops it.
    pub fn spawn(self: &Arc<Self>) {
        let (alerts, mut events) = (self.clone(), self.ctx.events.subscribe());
        tokio::spawn(async move {
            loop {
                match events.recv().await {
                    Ok(ConsoleEvent::Notify(note)) => alerts.route_notification(&note),
                    Ok(ConsoleEvent::SyncFailing { customer_id, failures, reason }) => {
                        alerts.route_sync_failing(customer_id, failures, &reason)
                    }
                    Ok(_) => {}
                    Err(broadcast::error::RecvError::Lagged(n)) => {
                        tracing::warn!(
                            missed = n,
                            "alert routing fell behind; some events were not routed"
                        )
                    }
                    Err(broadcast::error::RecvError::Closed) => break,
                }
            }
        });
    }

    pub fn channels(&self) -> Result<Vec<AlertChannel>> {
        self.ctx.store.read(store::channels)
    }

    pub fn rules(&self) -> Result<Vec<AlertRule>> {
        self.ctx.store.read(store::rules)
    }

    pub fn deliveries(&self, channel: i64) -> Result<Vec<Delivery>> {
        self.ctx.store.read(|c| {
            store::channel(c, channel)?;
            store::deliveries(c, channel)
        })
    }

    /// Adds (`id` None) or edits a channel; its secret sealed by the vault.
    pub async fn save_channel(&self, id: Option<i64>, input: ChannelInput) -> Result<AlertChannel> {
        let (name, settings) = validate_channel(&input)?;
        // Reading the keychain's key first: a locked keychain saves nothing.
        let vault = self.ctx.vault.clone();
        blocking(move || vault.unlock()).await?;
        let forget = input.secret.as_ref().is_some_and(|s| s.expose_secret().is_empty());
        let now = self.ctx.now();
        let saved = self.ctx.store.write(|tx| {
            if store::name_taken(tx, &name, id)? {
                return Err(Error::field(
                    "name",
                    format!("A channel named “{name}” already exists."),
                ));
            }
            let saved = store::save_channel(tx, id, &name, &settings, input.enabled, None, now)?;
            if forget {
                store::forget_secret(tx, saved)?;
            }
            Ok(saved)
        })?;
        if let Some(secret) = input.secret.filter(|s| !s.expose_secret().is_empty()) {
            // Sealed under the channel's id, which binds the secret to its channel.
            let (vault, label) = (self.ctx.vault.clone(), label(saved));
            let sealed = blocking(move || vault.seal_secret(&label, &secret)).await?;
            self.ctx.store.write(|tx| {
                store::save_channel(
                    tx,
                    Some(saved),
                    &name,
                    &settings,
                    input.enabled,
                    Some(&sealed),
                    now,
                )
            })?;
        }
        // A changed channel gets a fresh worker with its new settings.
        lock(&self.queues).remove(&saved);
        self.ctx.store.read(|c| store::channel(c, saved))
    }

    pub fn delete_channel(&self, id: i64) -> Result<AlertChannel> {
        let channel = self.ctx.store.read(|c| store::channel(c, id))?;
        self.ctx.store.write(|tx| store::delete_channel(tx, id))?;
        lock(&self.queues).remove(&id);
        Ok(channel)
    }

    /// Adds (`rule.id` 0) or edits a routing rule.
    pub fn save_rule(&self, rule: AlertRule) -> Result<AlertRule> {
        let mut errors = FieldErrors::new();
        let channels = self.channels()?;
        if !channels.iter().any(|c| c.id == rule.channel_id) {
            errors.insert("channelId", "Choose a channel.".into());
        }
        if rule.events.is_empty() || rule.events.iter().any(|e| !AlertEvent::ROUTABLE.contains(e)) {
            errors.insert("events", "Choose at least one event.".into());
        }
        if !(1..=100).contains(&rule.sync_failures) {
            errors.insert("syncFailures", "Choose 1 to 100 failed syncs in a row.".into());
        }
        match &rule.scope {
            RuleScope::All => {}
            RuleScope::Tag(tag) => {
                if self.ctx.store.read(|c| tags::get(c, *tag)).is_err() {
                    errors.insert("tagId", "That tag no longer exists.".into());
                }
            }
            RuleScope::Customers(ids) => {
                let known = self.ctx.store.read(customers::list)?;
                if ids.is_empty() {
                    errors.insert("customerIds", "Choose at least one customer.".into());
                } else if ids.iter().any(|id| !known.iter().any(|c| c.id == *id)) {
                    errors.insert(
                        "customerIds",
                        "One of the chosen customers no longer exists.".into(),
                    );
                }
            }
        }
        if !errors.is_empty() {
            return Err(Error::Validation(errors));
        }
        let now = self.ctx.now();
        let id = self.ctx.store.write(|tx| store::save_rule(tx, &rule, now))?;
        Ok(AlertRule { id, ..rule })
    }

    pub fn delete_rule(&self, id: i64) -> Result<()> {
        self.ctx.store.write(|tx| store::delete_rule(tx, id))
    }

    /// "Send test": one attempt now, logged like any; answers what the server said.
    pub async fn send_test(&self, channel: i64) -> Result<String> {
        let alert = Alert {
            event: AlertEvent::Test,
            title: "Test alert".into(),
            body: "This is a test from MSSP Console. If you read this, the channel works.".into(),
            customers: Vec::new(),
            at: self.ctx.now(),
            console: self.ctx.identity().mssp_name,
        };
        let outcome = self.attempt(channel, &alert).await?;
        let delivery = Delivery {
            at: self.ctx.now(),
            event: alert.event.as_str().into(),
            attempt: 1,
            outcome: if outcome.is_ok() {
                DeliveryOutcome::Delivered
            } else {
                DeliveryOutcome::GaveUp
            },
            detail: outcome.clone().unwrap_or_else(|e| e),
        };
        self.log(channel, &delivery);
        outcome.map_err(Error::Delivery)
    }

    fn route_notification(&self, note: &Notification) {
        let now = self.ctx.now();
        let loud: Vec<CustomerId> = note
            .customers
            .iter()
            .copied()
            .filter(|id| self.ctx.quiet.of(*id, now).is_none())
            .collect();
        if !note.customers.is_empty() && loud.is_empty() {
            return;
        }
        let alert = self.alert(event_of(note.kind), note.title.clone(), note.body.clone(), &loud);
        self.route(alert, |_| true);
    }

    fn route_sync_failing(&self, customer: CustomerId, failures: u32, reason: &str) {
        if self.ctx.quiet.of(customer, self.ctx.now()).is_some() {
            return;
        }
        let name = self.ctx.store.read(|c| customers::get(c, customer)).map(|c| c.name);
        let name = name.unwrap_or_else(|_| customer.to_string());
        let alert = self.alert(
            AlertEvent::SyncFailing,
            format!("{name}: sync failed {failures} times in a row"),
            format!("The last sync of {name} failed: {reason}"),
            &[customer],
        );
        self.route(alert, |rule| rule.sync_failures == failures);
    }

    fn alert(&self, event: AlertEvent, title: String, body: String, ids: &[CustomerId]) -> Alert {
        let names = self.ctx.store.read(customers::list).unwrap_or_default();
        let customers = ids
            .iter()
            .map(|id| {
                let name = names.iter().find(|c| c.id == *id).map(|c| c.name.clone());
                (*id, name.unwrap_or_else(|| id.to_string()))
            })
            .collect();
        Alert {
            event,
            title,
            body,
            customers,
            at: self.ctx.now(),
            console: self.ctx.identity().mssp_name,
        }
    }

    /// Queues `alert` for every enabled channel a rule sends it to (once per channel).
    fn route(&self, alert: Alert, also: impl Fn(&AlertRule) -> bool) {
        let Ok((rules, channels, tagged)) = self
            .ctx
            .store
            .read(|c| Ok((store::rules(c)?, store::channels(c)?, tags::by_customer(c)?)))
        else {
            tracing::error!("could not read the routing rules; an alert was not sent");
            return;
        };
        let ids: Vec<CustomerId> = alert.customers.iter().map(|(id, _)| *id).collect();
        let covers = |scope: &RuleScope| match scope {
            RuleScope::All => true,
            RuleScope::Tag(tag) => ids.iter().any(|id| has_tag(&tagged, *id, *tag)),
            RuleScope::Customers(chosen) => ids.iter().any(|id| chosen.contains(id)),
        };
        let mut to: Vec<i64> = rules
            .iter()
            .filter(|r| r.events.contains(&alert.event) && covers(&r.scope) && also(r))
            .map(|r| r.channel_id)
            .filter(|id| channels.iter().any(|c| c.id == *id && c.enabled))
            .collect();
        to.sort_unstable();
        to.dedup();
        for channel in to {
            self.enqueue(channel, alert.clone());
        }
    }

    fn enqueue(&self, channel: i64, alert: Alert) {
        let mut queues = lock(&self.queues);
        let queue = queues.entry(channel).or_insert_with(|| self.worker(channel));
        if let Err(mpsc::error::TrySendError::Full(alert)) = queue.try_send(alert) {
            let dropped = Delivery {
                at: self.ctx.now(),
                event: alert.event.as_str().into(),
                attempt: 0,
                outcome: DeliveryOutcome::GaveUp,
                detail: format!("dropped: {QUEUE} alerts were already waiting for this channel"),
            };
            self.log(channel, &dropped);
        }
    }

    /// One channel's worker: its alerts in order, each tried up to [`ATTEMPTS`] times with
    /// growing waits. Ends when the channel's queue is replaced or dropped.
    fn worker(&self, channel: i64) -> mpsc::Sender<Alert> {
        let (tx, mut rx) = mpsc::channel::<Alert>(QUEUE);
        let worker = Arc::new(Worker {
            ctx: self.ctx.clone(),
            channel,
            first_retry: *lock(&self.first_retry),
        });
        tokio::spawn(async move {
            while let Some(alert) = rx.recv().await {
                worker.deliver(&alert).await;
            }
        });
        tx
    }

    async fn attempt(&self, channel: i64, alert: &Alert) -> Result<send::Attempt> {
        attempt(&self.ctx, channel, alert).await
    }

    fn log(&self, channel: i64, delivery: &Delivery) {
        log(&self.ctx, channel, delivery);
    }
}

struct Worker {
    ctx: Arc<Context>,
    channel: i64,
    first_retry: Duration,
}

impl Worker {
    async fn deliver(&self, alert: &Alert) {
        let mut waits = backon::ExponentialBuilder::default()
            .with_min_delay(self.first_retry)
            .with_max_delay(Duration::from_secs(60))
            .with_max_times(ATTEMPTS - 1)
            .build();
        for n in 1..=ATTEMPTS {
            let outcome = match attempt(&self.ctx, self.channel, alert).await {
                Ok(outcome) => outcome,
                // The channel was deleted or cannot be read: nothing more to try.
                Err(_) => return,
            };
            let last = n == ATTEMPTS;
            let delivery = Delivery {
                at: self.ctx.now(),
                event: alert.event.as_str().into(),
                attempt: n as u32,
                outcome: match (&outcome, last) {
                    (Ok(_), _) => DeliveryOutcome::Delivered,
                    (Err(_), false) => DeliveryOutcome::Failed,
                    (Err(_), true) => DeliveryOutcome::GaveUp,
                },
                detail: outcome.clone().unwrap_or_else(|e| e),
            };
            log(&self.ctx, self.channel, &delivery);
            if outcome.is_ok() {
                return;
            }
            match waits.next() {
                Some(wait) if !last => tokio::time::sleep(wait).await,
                _ => return,
            }
        }
    }
}

/// One attempt with the channel as stored now (its settings and secret).
async fn attempt(ctx: &Context, channel: i64, alert: &Alert) -> Result<send::Attempt> {
    let (found, sealed) =
        ctx.store.read(|c| Ok((store::channel(c, channel)?, store::secret(c, channel)?)))?;
    let secret = match sealed {
        Some(sealed) => {
            let vault = ctx.vault.clone();
            let label = label(channel);
            Some(blocking(move || vault.open_secret(&label, &sealed)).await?)
        }
        None => None,
    };
    Ok(match &found.settings {
        ChannelSettings::Email(mail) => send::mail(mail, secret.as_ref(), alert).await,
        ChannelSettings::Webhook(hook) => {
            send::webhook(&ctx.client(), hook, secret.as_ref(), alert).await
        }
    })
}

fn log(ctx: &Context, channel: i64, delivery: &Delivery) {
    if let Err(e) = ctx.store.write(|tx| store::log_delivery(tx, channel, delivery)) {
        tracing::error!(error = %e, channel, "could not log an alert delivery");
    }
}

fn has_tag(tagged: &HashMap<CustomerId, Vec<TagId>>, id: CustomerId, tag: TagId) -> bool {
    tagged.get(&id).is_some_and(|t| t.contains(&tag))
}

/// What a channel's secret is sealed under.
fn label(channel: i64) -> String {
    format!("alert-channel:{channel}")
}

/// A channel as typed: a name, and settings that can work.
fn validate_channel(input: &ChannelInput) -> Result<(String, ChannelSettings)> {
    let mut errors = FieldErrors::new();
    let name = input.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 60 || name.chars().any(char::is_control) {
        errors.insert("name", "Name the channel (at most 60 characters).".into());
    }
    let settings = match &input.settings {
        ChannelSettings::Email(m) => {
            let mut m = m.clone();
            m.host = m.host.trim().to_owned();
            m.from = m.from.trim().to_owned();
            m.username = m.username.trim().to_owned();
            m.to = m.to.iter().map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()).collect();
            if m.host.is_empty() || m.host.len() > 253 || m.host.contains(char::is_whitespace) {
                errors.insert("host", "Enter the mail server's host name or address.".into());
            }
            if m.port == 0 {
                errors.insert(
                    "port",
                    "Enter a port from 1 to 65535 (587 for STARTTLS, 465 for TLS).".into(),
                );
            }
            if !validate::is_email(&m.from) {
                errors.insert(
                    "from",
                    "Enter the sender's address, like alerts@mssp.example.com.".into(),
                );
            }
            if m.to.is_empty() || m.to.len() > 20 || m.to.iter().any(|t| !validate::is_email(t)) {
                errors.insert("to", "Enter one to 20 recipient addresses.".into());
            }
            if m.username.chars().count() > 256 {
                errors.insert("username", "The username is too long.".into());
            }
            if let Some(pem) = m.ca_pem.as_deref().filter(|p| !p.trim().is_empty())
                && crate::trust::parse_ca(pem).is_err()
            {
                errors.insert("caPem", "Paste the relay's CA certificate in PEM form.".into());
            }
            ChannelSettings::Email(m)
        }
        ChannelSettings::Webhook(w) => {
            let url = w.url.trim().to_owned();
            match reqwest::Url::parse(&url) {
                Ok(u) if u.scheme() == "https" && u.host_str().is_some() && url.len() <= 2000 => {}
                Ok(u) if u.scheme() == "http" && is_loopback(u.host_str().unwrap_or_default()) => {}
                Ok(u) if u.scheme() == "http" => {
                    errors.insert(
                        "url",
                        "Use https:// (plain http is only for this computer's own receivers)."
                            .into(),
                    );
                }
                _ => {
                    errors.insert("url", "Enter the webhook's https:// address.".into());
                }
            }
            ChannelSettings::Webhook(crate::model::WebhookSettings { url, preset: w.preset })
        }
    };
    if errors.is_empty() { Ok((name, settings)) } else { Err(Error::Validation(errors)) }
}

fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}
