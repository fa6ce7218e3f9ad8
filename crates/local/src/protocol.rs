//! The messages of the local channel: one JSON object per line each way.
//!
//! Must never put a password in `Debug` output.

use mssp_core::import::ImportId;
use mssp_core::model::CustomerId;
use mssp_core::query::CustomerQuery;
use mssp_core::validate::{CustomerInput, TrustChoice};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What `mssp-admin` (or a second launch) asks the running console.
#[serde_with::serde_as]
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
    /// The customers a query finds, in its order ([`CustomerList`]).
    ListCustomers {
        #[serde(default)]
        query: CustomerQuery,
    },
    /// The same, as the export's CSV text.
    ExportCustomers {
        #[serde(default)]
        query: CustomerQuery,
    },
    ListTags,
    AddCustomer {
        input: CustomerForm,
    },
    SyncCustomer {
        id: CustomerId,
    },
    /// Sync Now on many, waiting for the end; progress lines come first ([`BatchReport`]).
    SyncCustomers {
        ids: Vec<CustomerId>,
    },
    /// Check health of many, waiting for the end; progress lines come first.
    CheckCustomers {
        ids: Vec<CustomerId>,
    },
    /// Puts a tag (by name, created when missing and `add`) on, or takes it off, customers.
    TagCustomers {
        tag: String,
        ids: Vec<CustomerId>,
        add: bool,
    },
    /// Soft delete of many with the caller's password; progress lines come first.
    DeleteCustomers {
        ids: Vec<CustomerId>,
        #[serde(serialize_with = "expose")]
        password: SecretString,
    },
    ForceDeleteCustomers {
        ids: Vec<CustomerId>,
        #[serde(serialize_with = "expose")]
        password: SecretString,
        reason: String,
    },
    /// The import's dry run of a CSV file's text ([`ImportReport`]).
    ImportPreview {
        text: String,
    },
    /// Check the instances of a pending import (no credentials sent).
    ImportCheck {
        id: ImportId,
    },
    /// Run a pending import; `trust` maps a line to the certificate SHA-256 to trust.
    ImportRun {
        id: ImportId,
        // JSON keys are text: read back as numbers explicitly, since a tagged enum's
        // buffered fields do not turn "2" into 2 by themselves.
        #[serde(default)]
        #[serde_as(as = "BTreeMap<serde_with::DisplayFromStr, _>")]
        trust: BTreeMap<usize, String>,
    },
    ImportResultCsv {
        id: ImportId,
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

/// The console's answer: a value, or the error with its stable code. A long request's
/// answer is preceded by `progress` lines.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum Answer {
    Progress {
        done: usize,
        total: usize,
        failed: usize,
    },
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
    pub fn from_error(e: &mssp_core::Error) -> Self {
        let fields =
            e.fields().map(|f| f.iter().map(|(k, v)| (k.to_string(), v.clone())).collect());
        Answer::Error {
            code: e.origin_code().to_owned(),
            message: e.to_string(),
            fields: fields.unwrap_or_default(),
        }
    }
}

/// One customer as `mssp-admin list --json` prints it: a stable shape for scripts.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct CustomerLine {
    pub id: CustomerId,
    pub name: String,
    pub email: String,
    pub server: String,
    pub port: u16,
    pub connection_type: String,
    /// `up`, `down` or `unknown`.
    pub health: String,
    pub health_reason: Option<String>,
    /// The Status column: "Data Collection Successful", "Sync failed", …
    pub status: String,
    pub sync_reason: Option<String>,
    /// RFC 3339.
    pub last_sync: Option<String>,
    pub tags: Vec<String>,
    pub unencrypted: bool,
}

/// `list`'s answer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct CustomerList {
    pub summary: String,
    pub total: usize,
    pub customers: Vec<CustomerLine>,
}

/// A failure in a batch, for scripts.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct BatchFailure {
    pub customer_id: Option<CustomerId>,
    pub name: String,
    pub code: String,
    pub reason: String,
    pub force_delete_available: bool,
}

/// How a sync, check or delete of many ended.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct BatchReport {
    pub done: usize,
    pub total: usize,
    pub cancelled: bool,
    pub failures: Vec<BatchFailure>,
}

impl From<mssp_core::batch::Report> for BatchReport {
    fn from(r: mssp_core::batch::Report) -> Self {
        Self {
            done: r.done,
            total: r.total,
            cancelled: r.cancelled,
            failures: r
                .failures
                .into_iter()
                .map(|f| BatchFailure {
                    customer_id: f.customer_id,
                    name: f.name,
                    code: f.code,
                    reason: f.reason,
                    force_delete_available: f.force_delete_available,
                })
                .collect(),
        }
    }
}

/// One row of an import, for scripts (never its password).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ImportLine {
    pub line: usize,
    pub name: String,
    pub server: String,
    pub port: String,
    pub connection_type: String,
    pub tags: Vec<String>,
    /// `pending`, `added`, `skipped`, `invalid`, `held for review`, `failed`, `not imported`.
    pub outcome: String,
    pub customer_id: Option<CustomerId>,
    /// Field → what is wrong; `import` → why the import failed.
    pub problems: BTreeMap<String, String>,
    pub note: Option<String>,
    /// After a check: the SHA-256 of the certificate presented (HTTPS).
    pub certificate_sha256: Option<String>,
    /// After a check: why this computer does not trust that certificate.
    pub untrusted_because: Option<String>,
    /// After a check: why adding it would fail, seen without credentials.
    pub check_problem: Option<String>,
}

/// An import as it stands.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ImportReport {
    pub id: ImportId,
    pub ready: usize,
    pub skipped: usize,
    pub invalid: usize,
    pub ignored_columns: Vec<String>,
    pub rows: Vec<ImportLine>,
}

impl From<mssp_core::import::ImportState> for ImportReport {
    fn from(s: mssp_core::import::ImportState) -> Self {
        use mssp_core::import::RowOutcome;
        Self {
            id: s.id,
            ready: s.ready,
            skipped: s.skipped,
            invalid: s.invalid,
            ignored_columns: s.ignored_columns,
            rows: s
                .rows
                .into_iter()
                .map(|r| {
                    let leaf = r.check.as_ref().and_then(|c| c.inspection.as_ref());
                    ImportLine {
                        line: r.line,
                        name: r.name,
                        server: r.server,
                        port: r.port,
                        connection_type: r.connection_type,
                        tags: r.tags,
                        outcome: r.outcome.label().to_owned(),
                        customer_id: match r.outcome {
                            RowOutcome::Added(id) => Some(id),
                            _ => None,
                        },
                        problems: r.problems,
                        note: r.note,
                        certificate_sha256: leaf
                            .and_then(|i| i.chain.first())
                            .map(|c| c.sha256.to_hex()),
                        untrusted_because: leaf.and_then(|i| i.untrusted_because.clone()),
                        check_problem: r.check.and_then(|c| c.problem),
                    }
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_import_run_with_certificates_to_trust_crosses_the_channel() {
        let trust = BTreeMap::from([(2, "ab".repeat(32)), (17, "cd".repeat(32))]);
        let line = serde_json::to_string(&Request::ImportRun { id: ImportId(3), trust }).unwrap();
        match serde_json::from_str::<Request>(&line).unwrap() {
            Request::ImportRun { id, trust } => {
                assert_eq!(id, ImportId(3));
                assert_eq!(trust.keys().copied().collect::<Vec<_>>(), [2, 17]);
            }
            other => panic!("{other:?}"),
        }
        let bare: Request = serde_json::from_str(r#"{"op":"import_run","id":3}"#).unwrap();
        assert!(matches!(bare, Request::ImportRun { trust, .. } if trust.is_empty()));
    }
}
