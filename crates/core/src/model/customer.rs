//! A customer and how to reach its Log360 instance, and the admin credentials for it.
//!
//! Must never carry a secret in a type that derives `Debug` without redaction: credentials
//! hold their password in a `SecretString`.

use crate::trust::Pin;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use std::fmt;
use time::OffsetDateTime;
use uuid::Uuid;

/// A customer's id in the console (not the instance's own `instance_id`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CustomerId(pub Uuid);

impl CustomerId {
    pub fn new() -> Self {
        Self(Uuid::new_v4())
    }
}

impl Default for CustomerId {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for CustomerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::str::FromStr for CustomerId {
    type Err = crate::Error;
    fn from_str(s: &str) -> crate::Result<Self> {
        Uuid::parse_str(s)
            .map(CustomerId)
            .map_err(|_| crate::Error::NotFound(format!("Customer {s:?}")))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
pub enum ConnectionType {
    #[serde(rename = "HTTP")]
    Http,
    #[serde(rename = "HTTPS")]
    Https,
}

impl ConnectionType {
    pub fn scheme(self) -> &'static str {
        match self {
            ConnectionType::Http => "http",
            ConnectionType::Https => "https",
        }
    }

    /// As a person types it: "https", " HTTP " and the like.
    pub fn from_input(s: &str) -> Option<Self> {
        s.trim().to_ascii_uppercase().parse().ok()
    }
}

/// The key under which customer names must be unique: Unicode-normalized (NFC), case and
/// surrounding spaces ignored.
pub fn name_key(name: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let name = name.trim();
    // ASCII is already NFC, and lower-cases byte by byte: the common case, kept cheap
    // because a sort of thousands of customers keys every name.
    if name.is_ascii() {
        return name.to_ascii_lowercase();
    }
    name.nfc().collect::<String>().to_lowercase()
}

/// Where a customer's Log360 instance listens.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Endpoint {
    pub connection: ConnectionType,
    /// Host name, IPv4 or IPv6 address (without brackets).
    pub server: String,
    pub port: u16,
}

impl Endpoint {
    pub fn base_url(&self) -> String {
        let host = if self.server.contains(':') {
            format!("[{}]", self.server)
        } else {
            self.server.clone()
        };
        format!("{}://{}:{}", self.connection.scheme(), host, self.port)
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.base_url())
    }
}

/// The customer instance's admin credentials. `Debug` never shows the password.
#[derive(Clone)]
pub struct AdminCredentials {
    pub username: String,
    pub password: SecretString,
}

impl fmt::Debug for AdminCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AdminCredentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// An integrated customer as the console stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Customer {
    pub id: CustomerId,
    pub name: String,
    pub email: String,
    pub endpoint: Endpoint,
    /// The instance's own id from `GET /mssp/v1/about`.
    pub instance_id: Uuid,
    /// The instance's build when it was last verified.
    pub build: u32,
    /// The certificate trust the admin chose for this customer; None: the platform's.
    pub pin: Option<Pin>,
    /// The admin chose to send this customer's credentials unencrypted over HTTP.
    pub cleartext: bool,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

impl Customer {
    /// Shown as the Status column until data sync reports something richer.
    pub fn status(&self) -> &'static str {
        "Integrated"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_servers_are_bracketed_in_urls() {
        let ep = Endpoint { connection: ConnectionType::Https, server: "::1".into(), port: 8443 };
        assert_eq!(ep.base_url(), "https://[::1]:8443");
    }

    #[test]
    fn credentials_debug_hides_the_password() {
        let creds = AdminCredentials {
            username: "admin".into(),
            password: SecretString::from("hunter2-very-secret"),
        };
        let shown = format!("{creds:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("<redacted>"));
    }
}
