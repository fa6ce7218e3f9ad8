//! Runs the requests of one caller of the local channel against a console: the same façade
//! operations the window calls, as the technician the caller logged in as. Used both by the
//! console's listener (for `mssp-admin` beside the window) and by `mssp-admin` itself when
//! no console runs (it opens the data dir and answers its own requests), so a command
//! behaves the same either way.
//!
//! Must never run an operation before the caller logged in, and never as the window's
//! session: each operation runs [`acting_as`] the caller.

use crate::protocol::{
    Answer, BatchFailure, BatchReport, CustomerLine, CustomerList, ImportReport, Request,
};
use mssp_core::Console;
use mssp_core::auth::acting_as;
use mssp_core::batch::Progress;
use mssp_core::error::{Error, Result};
use mssp_core::locks::lock;
use mssp_core::model::{CustomerId, TagId, name_key};
use mssp_core::query::CustomerQuery;
use mssp_core::validate::TagInput;
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

/// Where a long request's progress goes (the channel's `progress` lines, or a terminal).
pub type ProgressSink = Arc<dyn Fn(&Progress) + Send + Sync>;

/// Where a request comes from, for the audit's login entries.
const VIA: Option<&str> = Some("mssp-admin");

/// One caller: who they logged in as, if they did.
#[derive(Debug, Default)]
pub struct Caller {
    technician_id: Option<i64>,
}

impl Caller {
    /// Answers `request` (`focus` is the listener's business and answers nothing here).
    pub async fn handle(
        &mut self,
        console: &Console,
        request: Request,
        progress: ProgressSink,
    ) -> Answer {
        match self.outcome(console, request, progress).await {
            Ok(value) => Answer::Ok { value },
            Err(e) => Answer::from_error(&e),
        }
    }

    pub(crate) async fn outcome(
        &mut self,
        console: &Console,
        request: Request,
        progress: ProgressSink,
    ) -> Result<Value> {
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
                Some(id) => acting_as(id, run(console, other, progress)).await,
            },
        }
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<Value> {
    serde_json::to_value(value).map_err(|e| Error::Internal(e.to_string()))
}

/// An operation of a logged-in caller, through the façade as the window runs it.
async fn run(console: &Console, request: Request, progress: ProgressSink) -> Result<Value> {
    let report = {
        let progress = progress.clone();
        move |p: Progress| progress(&p)
    };
    match request {
        Request::ListCustomers { query } => to_json(&list(console, &query)?),
        Request::ExportCustomers { query } => Ok(Value::String(console.export_customers_csv(&query)?)),
        Request::ListTags => to_json(
            &console
                .list_tags()?
                .into_iter()
                .map(|t| json!({"id": t.id, "name": t.name, "colour": t.colour, "customers": t.customers}))
                .collect::<Vec<_>>(),
        ),
        Request::AddCustomer { input } => {
            let c = console.add_customer(input.into()).await?;
            Ok(json!({"id": c.id, "name": c.name, "endpoint": c.endpoint.to_string()}))
        }
        Request::SyncCustomer { id } => {
            let (_, status) = console.sync_customer(id).await?;
            Ok(json!({"status": status.label(), "reason": status.reason}))
        }
        Request::SyncCustomers { ids } => to_json(&sync_many(console, &ids, progress).await?),
        Request::CheckCustomers { ids } => {
            to_json(&BatchReport::from(console.check_customers(&ids, report).await?))
        }
        Request::TagCustomers { tag, ids, add } => {
            let tag = tag_named(console, &tag, add)?;
            let changed = console.tag_customers(tag, &ids, add)?;
            Ok(json!({"changed": changed.len()}))
        }
        Request::DeleteCustomers { ids, password } => {
            let done = console.delete_customers(&ids, password.expose_secret(), report).await?;
            to_json(&BatchReport::from(done))
        }
        Request::ForceDeleteCustomers { ids, password, reason } => {
            let pw = password.expose_secret();
            let done = console.force_delete_customers(&ids, pw, &reason, report).await?;
            to_json(&BatchReport::from(done))
        }
        Request::ImportPreview { text } => to_json(&ImportReport::from(console.import_preview(&text)?)),
        Request::ImportCheck { id } => {
            to_json(&ImportReport::from(console.import_check(id, report).await?))
        }
        Request::ImportRun { id, trust } => {
            to_json(&ImportReport::from(console.import_run(id, &trust, report).await?))
        }
        Request::ImportResultCsv { id } => Ok(Value::String(console.import_result_csv(id)?)),
        Request::ApplyLicense { text } => {
            let overview = console.apply_license(&text)?;
            Ok(json!({"license_id": overview.license.map(|l| l.row.license_id)}))
        }
        Request::Focus | Request::CreateAdmin { .. } | Request::Login { .. } => Ok(Value::Null),
    }
}

/// `list`: the query's customers as scripts read them.
fn list(console: &Console, query: &CustomerQuery) -> Result<CustomerList> {
    let found = console.query_customers(query)?;
    let views = console.list_customers()?;
    let tags = console.list_tags()?;
    let tag_name = |id: &TagId| tags.iter().find(|t| t.id == *id).map(|t| t.name.clone());
    let by_id: std::collections::HashMap<CustomerId, _> =
        views.iter().map(|v| (v.customer.id, v)).collect();
    let customers = found
        .ids
        .iter()
        .filter_map(|id| by_id.get(id))
        .map(|v| CustomerLine {
            id: v.customer.id,
            name: v.customer.name.clone(),
            email: v.customer.email.clone(),
            server: v.customer.endpoint.server.clone(),
            port: v.customer.endpoint.port,
            connection_type: v.customer.endpoint.connection.as_str().to_owned(),
            health: v.health.state.as_str().to_owned(),
            health_reason: v.health.reason.clone(),
            status: v.sync.label().to_owned(),
            sync_reason: v.sync.reason.clone(),
            last_sync: v.sync.at.map(mssp_core::codec::ts),
            tags: v.tags.iter().filter_map(tag_name).collect(),
            unencrypted: v.customer.cleartext,
        })
        .collect();
    Ok(CustomerList { summary: found.summary, total: found.total, customers })
}

/// The tag named `name` (ignoring case); created when missing and `create`.
fn tag_named(console: &Console, name: &str, create: bool) -> Result<TagId> {
    let key = name_key(name);
    if let Some(tag) = console.list_tags()?.into_iter().find(|t| name_key(&t.name) == key) {
        return Ok(tag.id);
    }
    if !create {
        return Err(Error::field("tag", format!("There is no tag named “{}”.", name.trim())));
    }
    Ok(console.create_tag(TagInput { name: name.to_owned(), colour: String::new() })?.id)
}

/// Sync Now on many, waiting for the end (Sync All's slot runs it in the background).
async fn sync_many(
    console: &Console,
    ids: &[CustomerId],
    progress: ProgressSink,
) -> Result<BatchReport> {
    let (done_tx, done_rx) = tokio::sync::oneshot::channel();
    let done_tx = Mutex::new(Some(done_tx));
    let failures: Mutex<Vec<BatchFailure>> = Mutex::default();
    console.sync_customers(ids, move |p: Progress| {
        progress(&p);
        lock(&failures).extend(p.failures.iter().map(|f| BatchFailure {
            customer_id: f.customer_id,
            name: f.name.clone(),
            code: f.code.clone(),
            reason: f.reason.clone(),
            force_delete_available: f.force_delete_available,
        }));
        if !p.running
            && let Some(tx) = lock(&done_tx).take()
        {
            let failures = std::mem::take(&mut *lock(&failures));
            let _ = tx.send(BatchReport {
                done: p.done,
                total: p.total,
                cancelled: p.cancelled,
                failures,
            });
        }
    })?;
    done_rx.await.map_err(|_| Error::Internal("the sync ended without a report".into()))
}
