//! The façade's import of customers from a CSV file, in three steps a person (or
//! `mssp-admin import`) takes: a dry run that judges every row without touching the
//! network; an optional check of the instances that sends no credentials (`about` and the
//! TLS handshake, each HTTPS row's certificate listed for review); then the import, which
//! adds the ready rows through Add Customer's own path (build check, identity, login, link,
//! vault, audit), a bounded number at a time, with progress and cancel. The plan and the
//! pending imports are the [`crate::import`] service's.
//!
//! Must never trust a certificate the administrator was not shown (an HTTPS row whose
//! certificate this computer does not trust is held for review unless its fingerprint was
//! chosen), and never write the file anywhere.

use super::Console;
use crate::audit::{AuditAction as A, Outcome};
use crate::auth::{Actor, Permission as P};
use crate::batch::{self, Failure, Progress};
use crate::error::{Error, Result};
use crate::import::{self, ImportId, ImportState, Plan, PlannedRow, RowOutcome, RowStatus};
use crate::locks::lock;
use crate::model::{ConnectionType, TagId, name_key};
use crate::validate::{TagInput, TrustChoice};
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

/// Adds run this many at a time: each is a few round trips to its instance.
pub const IMPORT_CONCURRENCY: usize = 16;
/// Instance checks run this many at a time (no credentials, two round trips each).
const CHECK_CONCURRENCY: usize = 32;

impl Console {
    /// Step 1, the dry run: every row judged by the form's rules, against the file's other
    /// rows and the customers already integrated. Touches no network; keeps the rows (with
    /// their passwords) in memory for the next steps, for this administrator only.
    pub fn import_preview(&self, text: &str) -> Result<ImportState> {
        let actor = self.actor(P::ManageCustomers)?;
        let plan = import::plan(text, &self.customers.list()?)?;
        Ok(self.imports.start(actor.technician_id, plan))
    }

    /// Step 2 (optional), "Check instances": each ready row's instance asked `about` and,
    /// over HTTPS, for its certificate; no credentials are sent.
    pub async fn import_check(
        &self,
        id: ImportId,
        progress: impl FnMut(Progress),
    ) -> Result<ImportState> {
        let actor = self.actor(P::ManageCustomers)?;
        let mut pending = self.imports.take(id, actor.technician_id)?;
        let found = Mutex::new(HashMap::new());
        let ticket = self.ctx.batches.begin();
        let check = async |(line, endpoint)| {
            let probe = self.customers.probe(&endpoint).await;
            lock(&found).insert(line, probe);
            Ok::<(), Failure>(())
        };
        let rows = pending.ready_endpoints();
        batch::run(ticket.id, rows, CHECK_CONCURRENCY, &ticket.cancel, check, progress).await;
        pending.set_checks(found.into_inner().unwrap_or_default());
        let state = pending.state(id);
        self.imports.put(id, pending);
        Ok(state)
    }

    /// Step 3, the import: each ready row not yet added goes through Add Customer's path,
    /// [`IMPORT_CONCURRENCY`] at a time. `trust` holds, by line, the certificate fingerprint
    /// the administrator chose to trust after seeing it; other HTTPS rows whose certificate
    /// this computer does not trust are held for review. A row that fails leaves nothing
    /// behind; rows added stay when others fail. Running it again (after trusting held rows)
    /// adds only what is left.
    pub async fn import_run(
        &self,
        id: ImportId,
        trust: &BTreeMap<usize, String>,
        progress: impl FnMut(Progress),
    ) -> Result<ImportState> {
        let actor = self.actor(P::ManageCustomers)?;
        let mut pending = self.imports.take(id, actor.technician_id)?;
        let tags = match self.ensure_tags(&actor, &pending.plan) {
            Ok(tags) => tags,
            Err(e) => {
                self.imports.put(id, pending);
                return Err(e);
            }
        };
        let todo = pending.to_add();
        let lines: Vec<usize> = todo.iter().map(|r| r.line).collect();
        let results = Mutex::new(HashMap::new());
        let ticket = self.ctx.batches.begin();
        let add = async |row: PlannedRow| {
            let (outcome, reason) =
                self.import_row(&actor, &row, trust.get(&row.line), &tags).await;
            let failed = !matches!(outcome, RowOutcome::Added(_));
            lock(&results).insert(row.line, (outcome, reason.clone()));
            match failed {
                true => Err(Failure {
                    customer_id: None,
                    name: row.name.clone(),
                    code: "import".into(),
                    reason: reason.unwrap_or_default(),
                    force_delete_available: false,
                }),
                false => Ok(()),
            }
        };
        let report =
            batch::run(ticket.id, todo, IMPORT_CONCURRENCY, &ticket.cancel, add, progress).await;
        pending.record(&lines, results.into_inner().unwrap_or_default());
        let state = pending.state(id);
        let target = format!("{} rows", pending.plan.rows.len());
        let summary = state.summary(report.cancelled);
        self.ctx.audit.record(
            &actor.username,
            A::CustomerImport,
            target,
            Outcome::Success,
            Some(&summary),
        );
        self.imports.put(id, pending);
        Ok(state)
    }

    /// Where the import stands now (the window reopens it, `mssp-admin` prints it).
    pub fn import_state(&self, id: ImportId) -> Result<ImportState> {
        let actor = self.actor(P::ManageCustomers)?;
        let pending = self.imports.take(id, actor.technician_id)?;
        let state = pending.state(id);
        self.imports.put(id, pending);
        Ok(state)
    }

    /// The result to download: line, customer, outcome and reason per row (no credentials).
    pub fn import_result_csv(&self, id: ImportId) -> Result<String> {
        Ok(self.import_state(id)?.result_csv())
    }

    /// Drops a pending import and the passwords it holds.
    pub fn import_discard(&self, id: ImportId) -> Result<()> {
        let actor = self.actor(P::ManageCustomers)?;
        drop(self.imports.take(id, actor.technician_id));
        Ok(())
    }

    /// Adds one row as Add Customer would; says how it ended.
    async fn import_row(
        &self,
        actor: &Actor,
        row: &PlannedRow,
        trusted: Option<&String>,
        tags: &HashMap<String, TagId>,
    ) -> (RowOutcome, Option<String>) {
        let mut input = row.input();
        input.trust = trusted.map(|sha| TrustChoice::Certificate(sha.clone()));
        match self.add_customer(input).await {
            Ok(customer) => {
                let ids: Vec<TagId> =
                    row.tags.iter().filter_map(|t| tags.get(&name_key(t)).copied()).collect();
                for tag in ids {
                    let one = std::slice::from_ref(&customer);
                    if let Err(e) = self.tags.apply(actor, tag, one, true) {
                        return (
                            RowOutcome::Added(customer.id),
                            Some(format!("added, but tagging failed: {e}")),
                        );
                    }
                }
                (RowOutcome::Added(customer.id), None)
            }
            Err(Error::CertificateUntrusted { certificate, .. })
                if ConnectionType::from_input(&row.connection_type)
                    == Some(ConnectionType::Https) =>
            {
                let sha256 = certificate.sha256.to_string();
                let reason = format!(
                    "Certificate not trusted by this computer: SHA-256 {sha256}. Review it and trust it, or skip the row."
                );
                (RowOutcome::HeldForReview { sha256 }, Some(reason))
            }
            Err(e) => (RowOutcome::Failed, Some(e.to_string())),
        }
    }

    /// The tags the ready rows name, created when missing (audited); by name key.
    fn ensure_tags(&self, actor: &Actor, plan: &Plan) -> Result<HashMap<String, TagId>> {
        let mut known: HashMap<String, TagId> =
            self.tags.list()?.into_iter().map(|t| (name_key(&t.name), t.id)).collect();
        let named =
            plan.rows.iter().filter(|r| r.status == RowStatus::Ready).flat_map(|r| r.tags.iter());
        for name in named {
            if known.contains_key(&name_key(name)) {
                continue;
            }
            let input = TagInput { name: name.clone(), colour: String::new() };
            let created = self.tags.create(&input);
            self.ctx.audit.result(&actor.username, A::TagCreate, name.as_str(), &created, None);
            let tag = created?;
            known.insert(name_key(&tag.name), tag.id);
        }
        Ok(known)
    }
}
