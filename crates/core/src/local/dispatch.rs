//! Runs the requests of one caller of the local channel against a console: the same façade
//! operations the window calls, as the technician the caller logged in as. Used both by the
//! console's listener (for `mssp-admin` beside the window) and by `mssp-admin` itself when
//! no console runs (it opens the data dir and answers its own requests), so a command
//! behaves the same either way.
//!
//! Must never run an operation before the caller logged in, and never as the window's
//! session: each operation runs [`acting_as`] the caller.

use super::protocol::{Answer, Request};
use crate::Console;
use crate::auth::acting_as;
use crate::error::{Error, Result};
use secrecy::ExposeSecret;
use serde_json::{Value, json};

/// Where a request comes from, for the audit's login entries.
const VIA: Option<&str> = Some("mssp-admin");

/// One caller: who they logged in as, if they did.
#[derive(Debug, Default)]
pub struct Caller {
    technician_id: Option<i64>,
}

impl Caller {
    /// Answers `request` (`focus` is the listener's business and answers nothing here).
    pub async fn handle(&mut self, console: &Console, request: Request) -> Answer {
        match self.outcome(console, request).await {
            Ok(value) => Answer::Ok { value },
            Err(e) => Answer::from_error(&e),
        }
    }

    pub(crate) async fn outcome(&mut self, console: &Console, request: Request) -> Result<Value> {
        match request {
            Request::Focus => Ok(Value::Null),
            Request::CreateAdmin { username, password } => {
                let p = password.expose_secret();
                let session = console.sessions().create_admin(&username, p, p).await?;
                // Creating the administrator logs it in as the window's session; the
                // caller is not the window, so that session ends here.
                console.sessions().logout();
                console.sessions().announce_set_up_elsewhere();
                self.technician_id = Some(session.technician_id);
                Ok(Value::Null)
            }
            Request::Login { username, password } => {
                let row = console
                    .sessions()
                    .authenticate(&username, password.expose_secret(), VIA)
                    .await?;
                self.technician_id = Some(row.id);
                Ok(Value::Null)
            }
            other => match self.technician_id {
                None => Err(Error::Locked),
                Some(id) => acting_as(id, run(console, other)).await,
            },
        }
    }
}

/// An operation of a logged-in caller, through the façade as the window runs it.
async fn run(console: &Console, request: Request) -> Result<Value> {
    match request {
        Request::ListCustomers => {
            let list = console.list_customers()?;
            let rows: Vec<Value> = list
                .iter()
                .map(|v| {
                    json!({
                        "id": v.customer.id,
                        "name": v.customer.name,
                        "server": v.customer.endpoint.server,
                        "port": v.customer.endpoint.port,
                        "health": v.health.state.as_str(),
                        "status": v.sync.label(),
                    })
                })
                .collect();
            Ok(Value::Array(rows))
        }
        Request::AddCustomer { input } => {
            let c = console.add_customer(input.into()).await?;
            Ok(json!({"id": c.id, "name": c.name, "endpoint": c.endpoint.to_string()}))
        }
        Request::SyncCustomer { id } => {
            let (_, status) = console.sync_customer(id).await?;
            Ok(json!({"status": status.label(), "reason": status.reason}))
        }
        Request::ApplyLicense { text } => {
            let overview = console.apply_license(&text)?;
            Ok(json!({"license_id": overview.license.map(|l| l.row.license_id)}))
        }
        Request::Focus | Request::CreateAdmin { .. } | Request::Login { .. } => Ok(Value::Null),
    }
}
