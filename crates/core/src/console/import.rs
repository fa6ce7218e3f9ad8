//! The façade's import of customers from a CSV file, in three steps a person (or
//! `mssp-admin import`) takes: a dry run that judges every row without touching the
//! network; an optional check of the instances that sends no credentials (`about` and the
//! TLS handshake, each HTTPS row's certificate listed for review); then the import, which
//! adds the ready rows through Add Customer's own path (build check, identity, login, link,
//! vault, audit), a bounded number at a time, with progress and cancel.
//!
//! Must never trust a certificate the administrator was not shown (an HTTPS row whose
//! certificate this computer does not trust is held for review unless its fingerprint was
//! chosen), never keep a row's password past the import that needs it (the pending import
//! lives in memory only, for its administrator only, and expires), and never write the file
//! anywhere.

use super::Console;
use crate::audit::{AuditAction as A, Outcome};
use crate::auth::{Actor, Permission as P};
use crate::batch::{self, Failure, Progress};
use crate::customers::InstanceProbe;
use crate::error::{Error, Result};
use crate::import::{self, Plan, PlannedRow, RowStatus};
use crate::locks::lock;
use crate::model::{ConnectionType, CustomerId, Endpoint, TagId, name_key};
use crate::validate::{self, TagInput, TrustChoice};
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Adds run this many at a time: each is a few round trips to its instance.
pub const IMPORT_CONCURRENCY: usize = 16;
/// Instance checks run this many at a time (no credentials, two round trips each).
const CHECK_CONCURRENCY: usize = 32;
/// A pending import (and the passwords it holds) is dropped after this long unused.
const PENDING_FOR: Duration = Duration::from_secs(60 * 60);

/// A pending import's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct ImportId(pub u64);

/// How a row of an import ended (or stands, before the import).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowOutcome {
    /// Not imported yet.
    Pending,
    Added(CustomerId),
    /// An integrated customer already has its name, server and port.
    AlreadyIntegrated,
    /// Something on the row is wrong (its problems say what).
    Invalid,
    /// HTTPS whose certificate this computer does not trust: shown for review, not trusted.
    HeldForReview {
        sha256: String,
    },
    Failed,
    /// The import was cancelled before this row.
    NotImported,
}

impl RowOutcome {
    pub fn label(&self) -> &'static str {
        match self {
            RowOutcome::Pending => "pending",
            RowOutcome::Added(_) => "added",
            RowOutcome::AlreadyIntegrated => "skipped",
            RowOutcome::Invalid => "invalid",
            RowOutcome::HeldForReview { .. } => "held for review",
            RowOutcome::Failed => "failed",
            RowOutcome::NotImported => "not imported",
        }
    }
}

/// A row as the window and the command line show it (never its password).
#[derive(Debug, Clone)]
pub struct ImportRow {
    pub line: usize,
    pub name: String,
    pub email: String,
    pub server: String,
    pub port: String,
    pub connection_type: String,
    pub username: String,
    pub tags: Vec<String>,
    pub allow_cleartext: bool,
    /// Field → what is wrong (dry run), or `import` → why the import failed.
    pub problems: BTreeMap<String, String>,
    pub note: Option<String>,
    pub outcome: RowOutcome,
    /// What "check instances" found.
    pub check: Option<InstanceProbe>,
}

/// The whole import as it stands.
#[derive(Debug, Clone)]
pub struct ImportState {
    pub id: ImportId,
    pub rows: Vec<ImportRow>,
    pub ignored_columns: Vec<String>,
    pub ready: usize,
    pub skipped: usize,
    pub invalid: usize,
}

struct Pending {
    owner: i64,
    touched: Instant,
    plan: Plan,
    outcomes: HashMap<usize, (RowOutcome, Option<String>)>,
    checks: HashMap<usize, InstanceProbe>,
}

/// The imports waiting for their next step, by id.
#[derive(Default)]
pub(super) struct Imports {
    next: AtomicU64,
    pending: Mutex<HashMap<ImportId, Pending>>,
}

impl Imports {
    fn take(&self, id: ImportId, actor: &Actor) -> Result<Pending> {
        let mut pending = lock(&self.pending);
        pending.retain(|_, p| p.touched.elapsed() < PENDING_FOR);
        match pending.remove(&id) {
            Some(p) if p.owner == actor.technician_id => Ok(p),
            Some(p) => {
                pending.insert(id, p);
                Err(gone())
            }
            None => Err(gone()),
        }
    }

    fn put(&self, id: ImportId, mut p: Pending) {
        p.touched = Instant::now();
        lock(&self.pending).insert(id, p);
    }
}

fn gone() -> Error {
    Error::NotFound("This import (it expired or was finished; choose the file again)".into())
}

impl Console {
    /// Step 1, the dry run: every row judged by the form's rules, against the file's other
    /// rows and the customers already integrated. Touches no network; keeps the rows (with
    /// their passwords) in memory for the next steps, for this administrator only.
    pub fn import_preview(&self, text: &str) -> Result<ImportState> {
        let actor = self.actor(P::ManageCustomers)?;
        let plan = import::plan(text, &self.customers.list()?)?;
        let id = ImportId(self.imports.next.fetch_add(1, Ordering::Relaxed) + 1);
        let pending = Pending {
            owner: actor.technician_id,
            touched: Instant::now(),
            plan,
            outcomes: HashMap::new(),
            checks: HashMap::new(),
        };
        // One pending import per administrator: a new file replaces the last.
        lock(&self.imports.pending).retain(|_, p| p.owner != actor.technician_id);
        let state = state_of(id, &pending);
        self.imports.put(id, pending);
        Ok(state)
    }

    /// Step 2 (optional), "Check instances": each ready row's instance asked `about` and,
    /// over HTTPS, for its certificate; no credentials are sent.
    pub async fn import_check(
        &self,
        id: ImportId,
        progress: impl FnMut(Progress),
    ) -> Result<ImportState> {
        let actor = self.actor(P::ManageCustomers)?;
        let mut pending = self.imports.take(id, &actor)?;
        let rows: Vec<(usize, Endpoint)> = pending
            .plan
            .rows
            .iter()
            .filter(|r| r.status == RowStatus::Ready)
            .filter_map(|r| {
                validate::validate_customer(&r.input()).ok().map(|v| (r.line, v.endpoint))
            })
            .collect();
        let found = Mutex::new(HashMap::new());
        let ticket = self.ctx.batches.begin();
        let check = async |(line, endpoint): (usize, Endpoint)| {
            let probe = self.customers.probe(&endpoint).await;
            lock(&found).insert(line, probe);
            Ok::<(), Failure>(())
        };
        batch::run(ticket.id, rows, CHECK_CONCURRENCY, &ticket.cancel, check, progress).await;
        pending.checks = found.into_inner().unwrap_or_default();
        let state = state_of(id, &pending);
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
        let mut pending = self.imports.take(id, &actor)?;
        let tags = match self.ensure_tags(&actor, &pending.plan) {
            Ok(tags) => tags,
            Err(e) => {
                self.imports.put(id, pending);
                return Err(e);
            }
        };
        let todo: Vec<PlannedRow> = pending
            .plan
            .rows
            .iter()
            .filter(|r| r.status == RowStatus::Ready)
            .filter(|r| !matches!(pending.outcomes.get(&r.line), Some((RowOutcome::Added(_), _))))
            .cloned()
            .collect();
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
        let lines: Vec<usize> = todo.iter().map(|r| r.line).collect();
        let report =
            batch::run(ticket.id, todo, IMPORT_CONCURRENCY, &ticket.cancel, add, progress).await;
        let results = results.into_inner().unwrap_or_default();
        for line in lines {
            let outcome = results.get(&line).cloned().unwrap_or((RowOutcome::NotImported, None));
            pending.outcomes.insert(line, outcome);
        }
        for row in &mut pending.plan.rows {
            if matches!(pending.outcomes.get(&row.line), Some((RowOutcome::Added(_), _))) {
                row.forget_password();
            }
        }
        let state = state_of(id, &pending);
        let summary = format!(
            "added {}, held for review {}, failed {}, skipped {}, invalid {}{}",
            count(&state, |o| matches!(o, RowOutcome::Added(_))),
            count(&state, |o| matches!(o, RowOutcome::HeldForReview { .. })),
            count(&state, |o| matches!(o, RowOutcome::Failed)),
            state.skipped,
            state.invalid,
            if report.cancelled { " (cancelled)" } else { "" },
        );
        let target = format!("{} rows", pending.plan.rows.len());
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
        let pending = self.imports.take(id, &actor)?;
        let state = state_of(id, &pending);
        self.imports.put(id, pending);
        Ok(state)
    }

    /// The result to download: line, customer, outcome and reason per row (no credentials).
    pub fn import_result_csv(&self, id: ImportId) -> Result<String> {
        let state = self.import_state(id)?;
        let header = ["Line", "Customer Name", "Outcome", "Reason", "Customer id"];
        let rows = state.rows.iter().map(|r| {
            let reason =
                r.problems.values().cloned().chain(r.note.clone()).collect::<Vec<_>>().join(" ");
            let id = match &r.outcome {
                RowOutcome::Added(id) => id.to_string(),
                _ => String::new(),
            };
            vec![
                r.line.to_string().into(),
                r.name.clone().into(),
                r.outcome.label().into(),
                reason.into(),
                id.into(),
            ]
        });
        let header = header.iter().map(|h| std::borrow::Cow::Borrowed(*h)).collect();
        Ok(crate::spreadsheet::to_csv(std::iter::once(header).chain(rows)))
    }

    /// Drops a pending import and the passwords it holds.
    pub fn import_discard(&self, id: ImportId) -> Result<()> {
        let actor = self.actor(P::ManageCustomers)?;
        drop(self.imports.take(id, &actor));
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

fn count(state: &ImportState, f: impl Fn(&RowOutcome) -> bool) -> usize {
    state.rows.iter().filter(|r| f(&r.outcome)).count()
}

fn state_of(id: ImportId, p: &Pending) -> ImportState {
    let rows = p
        .plan
        .rows
        .iter()
        .map(|r| {
            let (outcome, reason) = match r.status {
                RowStatus::Invalid => (RowOutcome::Invalid, None),
                RowStatus::AlreadyIntegrated => (RowOutcome::AlreadyIntegrated, None),
                RowStatus::Ready => {
                    p.outcomes.get(&r.line).cloned().unwrap_or((RowOutcome::Pending, None))
                }
            };
            let mut problems = r.problems.clone();
            if let Some(reason) = reason {
                problems.insert("import".into(), reason);
            }
            ImportRow {
                line: r.line,
                name: r.name.clone(),
                email: r.email.clone(),
                server: r.server.clone(),
                port: r.port.clone(),
                connection_type: r.connection_type.clone(),
                username: r.username.clone(),
                tags: r.tags.clone(),
                allow_cleartext: r.allow_cleartext,
                problems,
                note: r.note.clone(),
                outcome,
                check: p.checks.get(&r.line).cloned(),
            }
        })
        .collect();
    ImportState {
        id,
        rows,
        ignored_columns: p.plan.ignored_columns.clone(),
        ready: p.plan.count(RowStatus::Ready),
        skipped: p.plan.count(RowStatus::AlreadyIntegrated),
        invalid: p.plan.count(RowStatus::Invalid),
    }
}
