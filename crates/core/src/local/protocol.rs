//! The messages of the local channel: one JSON object per line each way.
//!
//! Must never put a password in `Debug` output.

use crate::model::CustomerId;
use crate::validate::{CustomerInput, TrustChoice};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What `mssp-admin` (or a second launch) asks the running console.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Request {
    /// Bring the window to the front (a second launch on the same data dir).
    Focus,
    /// First run only: create the administrator and log in as it.
    CreateAdmin {
        username: String,
        #[serde(serialize_with = "expose")]
        password: SecretString,
    },
    /// Log in; later requests on this connection run as that technician.
    Login {
        username: String,
        #[serde(serialize_with = "expose")]
        password: SecretString,
    },
    ListCustomers,
    AddCustomer {
        input: CustomerForm,
    },
    SyncCustomer {
        id: CustomerId,
    },
    ApplyLicense {
        text: String,
    },
}

/// The Add Customer form, as sent over the channel.
#[derive(Debug, Serialize, Deserialize)]
pub struct CustomerForm {
    pub name: String,
    pub email: String,
    pub server: String,
    pub port: String,
    pub connection_type: String,
    pub username: String,
    #[serde(serialize_with = "expose")]
    pub password: SecretString,
    #[serde(default)]
    pub allow_cleartext: bool,
    /// `certificate:<sha256>`, `public_key:<sha256>` or `ca:<pem>`.
    #[serde(default)]
    pub trust: Option<String>,
}

impl From<CustomerForm> for CustomerInput {
    fn from(f: CustomerForm) -> Self {
        let trust = f.trust.and_then(|t| {
            let (kind, value) = t.split_once(':')?;
            match kind {
                "certificate" => Some(TrustChoice::Certificate(value.to_owned())),
                "public_key" => Some(TrustChoice::PublicKey(value.to_owned())),
                "ca" => Some(TrustChoice::CustomerCa(value.to_owned())),
                _ => None,
            }
        });
        Self {
            name: f.name,
            email: f.email,
            server: f.server,
            port: f.port,
            connection_type: f.connection_type,
            username: f.username,
            password: f.password,
            allow_cleartext: f.allow_cleartext,
            trust,
        }
    }
}

/// Writes a secret into the request line (the channel is the user's own socket).
fn expose<S: serde::Serializer>(secret: &SecretString, s: S) -> Result<S::Ok, S::Error> {
    use secrecy::ExposeSecret;
    s.serialize_str(secret.expose_secret())
}

/// The console's answer: a value, or the error with its stable code.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum Answer {
    Ok {
        #[serde(default)]
        value: serde_json::Value,
    },
    Error {
        code: String,
        message: String,
        #[serde(default)]
        fields: BTreeMap<String, String>,
    },
}

impl Answer {
    pub fn from_error(e: &crate::Error) -> Self {
        let fields =
            e.fields().map(|f| f.iter().map(|(k, v)| (k.to_string(), v.clone())).collect());
        Answer::Error {
            code: e.origin_code().to_owned(),
            message: e.to_string(),
            fields: fields.unwrap_or_default(),
        }
    }
}
