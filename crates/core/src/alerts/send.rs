//! One delivery attempt to one channel: a mail over SMTP, or a webhook POST whose JSON is
//! shaped for its receiver (our documented payload signed with HMAC-SHA256, Slack's or
//! Teams' incoming webhooks).
//!
//! Must never wait without bound (every attempt has a timeout), never follow a redirect, and
//! never put a secret in what it reports (a delivery's detail is the server's status line).

use super::Alert;
use crate::client::InstanceClient;
use crate::model::{ConnectionType, MailSecurity, MailSettings, WebhookPreset, WebhookSettings};
use hmac::{KeyInit, Mac};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use std::time::Duration;

/// A mail server that has not answered within this long has failed the attempt.
const MAIL_TIMEOUT: Duration = Duration::from_secs(15);
/// The header carrying the signature of a webhook's body.
pub const SIGNATURE_HEADER: &str = "X-MSSP-Signature";
pub const TIMESTAMP_HEADER: &str = "X-MSSP-Timestamp";
pub const EVENT_HEADER: &str = "X-MSSP-Event";

/// How an attempt ended: the server's words either way.
pub type Attempt = std::result::Result<String, String>;

/// The plain text of an alert, as mails and chat messages carry it.
fn text(alert: &Alert) -> String {
    let mut text = alert.body.clone();
    if !alert.customers.is_empty() {
        let names: Vec<&str> = alert.customers.iter().map(|(_, n)| n.as_str()).collect();
        text.push_str(&format!("\n\nCustomers: {}", names.join(", ")));
    }
    text.push_str(&format!(
        "\n\n— MSSP Console ({}), {}",
        alert.console,
        crate::codec::ts(alert.at)
    ));
    text
}

pub async fn mail(
    settings: &MailSettings,
    password: Option<&SecretString>,
    alert: &Alert,
) -> Attempt {
    use lettre::message::header::ContentType;
    use lettre::transport::smtp::authentication::Credentials;
    use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
    use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

    let mut message = Message::builder()
        .from(settings.from.parse().map_err(|e| format!("the sender address: {e}"))?)
        .subject(format!("[MSSP Console] {}", alert.title));
    for to in &settings.to {
        message = message.to(to.parse().map_err(|e| format!("the address {to}: {e}"))?);
    }
    let message = message
        .header(ContentType::TEXT_PLAIN)
        .body(text(alert))
        .map_err(|e| format!("composing the mail: {e}"))?;

    let mut tls = TlsParameters::builder(settings.host.clone());
    if let Some(pem) = settings.ca_pem.as_deref().filter(|p| !p.trim().is_empty()) {
        let ca =
            Certificate::from_pem(pem.as_bytes()).map_err(|e| format!("the relay's CA: {e}"))?;
        tls = tls.add_root_certificate(ca);
    }
    let tls = tls.build_rustls().map_err(|e| format!("TLS: {e}"))?;
    let tls = match settings.security {
        MailSecurity::Starttls => Tls::Required(tls),
        MailSecurity::Tls => Tls::Wrapper(tls),
    };
    let mut transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.host)
        .port(settings.port)
        .tls(tls)
        .timeout(Some(MAIL_TIMEOUT));
    if !settings.username.is_empty() {
        let password = password.map(|p| p.expose_secret().to_owned()).unwrap_or_default();
        transport = transport.credentials(Credentials::new(settings.username.clone(), password));
    }
    let sent = tokio::time::timeout(MAIL_TIMEOUT * 2, transport.build().send(message)).await;
    match sent {
        Ok(Ok(response)) => {
            let words: Vec<&str> = response.message().collect();
            Ok(crate::sanitize::shown(&format!("{} {}", response.code(), words.join(" "))))
        }
        Ok(Err(e)) => Err(crate::sanitize::shown(&e.to_string())),
        Err(_) => Err(format!("no answer within {} s", (MAIL_TIMEOUT * 2).as_secs())),
    }
}

/// The webhook's body for its preset.
pub fn payload(preset: WebhookPreset, alert: &Alert) -> serde_json::Value {
    match preset {
        WebhookPreset::Generic => json!({
            "version": 1,
            "event": alert.event.as_str(),
            "title": alert.title,
            "body": alert.body,
            "at": crate::codec::ts(alert.at),
            "customers": alert.customers.iter().map(|(id, name)| json!({"id": id, "name": name})).collect::<Vec<_>>(),
            "console": alert.console,
        }),
        WebhookPreset::Slack => json!({ "text": format!("*{}*\n{}", alert.title, text(alert)) }),
        WebhookPreset::Teams => json!({
            "@type": "MessageCard",
            "@context": "https://schema.org/extensions",
            "summary": alert.title,
            "themeColor": match alert.event {
                crate::model::AlertEvent::Recovered | crate::model::AlertEvent::Online => "2E7D32",
                crate::model::AlertEvent::Test => "1565C0",
                _ => "C62828",
            },
            "title": alert.title,
            "text": text(alert).replace('\n', "<br>"),
        }),
    }
}

/// `sha256=<hex>` of HMAC-SHA256 over `"<timestamp>.<body>"` with the channel's secret.
pub fn signature(secret: &SecretString, timestamp: i64, body: &[u8]) -> String {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.expose_secret().as_bytes())
        .expect("HMAC takes a key of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

pub async fn webhook(
    client: &InstanceClient,
    settings: &WebhookSettings,
    secret: Option<&SecretString>,
    alert: &Alert,
) -> Attempt {
    let body = serde_json::to_vec(&payload(settings.preset, alert)).map_err(|e| e.to_string())?;
    let timestamp = alert.at.unix_timestamp();
    let client = client.for_customer(ConnectionType::Https, None).map_err(|e| e.to_string())?;
    let mut request = client
        .http()
        .post(&settings.url)
        .header("Content-Type", "application/json")
        .header(EVENT_HEADER, alert.event.as_str())
        .header(TIMESTAMP_HEADER, timestamp.to_string());
    if let Some(secret) = secret {
        request = request.header(SIGNATURE_HEADER, signature(secret, timestamp, &body));
    }
    match request.body(body).send().await {
        Ok(answer) if answer.status().is_success() => {
            Ok(format!("HTTP {}", answer.status().as_u16()))
        }
        Ok(answer) => Err(format!("HTTP {}", answer.status().as_u16())),
        Err(e) if e.is_timeout() => Err("timed out".into()),
        Err(e) if e.is_connect() => {
            Err(format!("could not connect ({})", crate::sanitize::shown(&e.to_string())))
        }
        Err(e) => Err(crate::sanitize::shown(&e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_covers_the_timestamp_and_the_body() {
        let secret = SecretString::from("s3cret");
        let a = signature(&secret, 1_700_000_000, b"{}");
        assert!(a.starts_with("sha256=") && a.len() == 7 + 64);
        assert_ne!(a, signature(&secret, 1_700_000_001, b"{}"), "the timestamp is signed");
        assert_ne!(a, signature(&secret, 1_700_000_000, b"{ }"), "the body is signed");
        assert_ne!(a, signature(&SecretString::from("other"), 1_700_000_000, b"{}"));
    }
}
