//! Imports between their steps: each pending import's plan (with its rows' passwords), what
//! "Check instances" found and how each row ended, kept in memory for the administrator who
//! chose the file, and the state the window and `mssp-admin` show of it.
//!
//! Must never write a pending import anywhere (the passwords in it go only to the vault, when
//! a row is added), never hand one to another administrator, and never keep one past
//! [`PENDING_FOR`] unused.

use super::{Plan, PlannedRow, RowStatus};
use crate::customers::InstanceProbe;
use crate::error::{Error, Result};
use crate::locks::lock;
use crate::model::{CustomerId, Endpoint};
use crate::validate;
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

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

/// One import waiting for its next step.
pub(crate) struct Pending {
    owner: i64,
    touched: Instant,
    pub(crate) plan: Plan,
    outcomes: HashMap<usize, (RowOutcome, Option<String>)>,
    checks: HashMap<usize, InstanceProbe>,
}

/// The imports waiting for their next step, by id.
#[derive(Default)]
pub struct Imports {
    next: AtomicU64,
    pending: Mutex<HashMap<ImportId, Pending>>,
}

impl Imports {
    /// Keeps a new plan for `owner` (replacing the last one theirs: one pending import per
    /// administrator) and says where it stands.
    pub(crate) fn start(&self, owner: i64, plan: Plan) -> ImportState {
        let id = ImportId(self.next.fetch_add(1, Ordering::Relaxed) + 1);
        let pending = Pending {
            owner,
            touched: Instant::now(),
            plan,
            outcomes: HashMap::new(),
            checks: HashMap::new(),
        };
        lock(&self.pending).retain(|_, p| p.owner != owner);
        let state = pending.state(id);
        self.put(id, pending);
        state
    }

    /// Takes `owner`'s pending import out while a step works on it; `not_found` when it
    /// expired, was discarded, or is someone else's.
    pub(crate) fn take(&self, id: ImportId, owner: i64) -> Result<Pending> {
        let mut pending = lock(&self.pending);
        pending.retain(|_, p| p.touched.elapsed() < PENDING_FOR);
        match pending.remove(&id) {
            Some(p) if p.owner == owner => Ok(p),
            Some(p) => {
                pending.insert(id, p);
                Err(gone())
            }
            None => Err(gone()),
        }
    }

    /// Puts a pending import back after a step.
    pub(crate) fn put(&self, id: ImportId, mut p: Pending) {
        p.touched = Instant::now();
        lock(&self.pending).insert(id, p);
    }
}

fn gone() -> Error {
    Error::NotFound("This import (it expired or was finished; choose the file again)".into())
}

impl Pending {
    /// The ready rows' endpoints, by line, for "Check instances".
    pub(crate) fn ready_endpoints(&self) -> Vec<(usize, Endpoint)> {
        self.plan
            .rows
            .iter()
            .filter(|r| r.status == RowStatus::Ready)
            .filter_map(|r| {
                validate::validate_customer(&r.input()).ok().map(|v| (r.line, v.endpoint))
            })
            .collect()
    }

    /// What "Check instances" found, by line.
    pub(crate) fn set_checks(&mut self, checks: HashMap<usize, InstanceProbe>) {
        self.checks = checks;
    }

    /// The ready rows not added yet.
    pub(crate) fn to_add(&self) -> Vec<PlannedRow> {
        self.plan
            .rows
            .iter()
            .filter(|r| r.status == RowStatus::Ready)
            .filter(|r| !matches!(self.outcomes.get(&r.line), Some((RowOutcome::Added(_), _))))
            .cloned()
            .collect()
    }

    /// Records how the rows on `lines` ended (a line without a result was not reached: the
    /// import was cancelled first), and forgets the passwords of the rows added.
    pub(crate) fn record(
        &mut self,
        lines: &[usize],
        mut results: HashMap<usize, (RowOutcome, Option<String>)>,
    ) {
        for line in lines {
            let outcome = results.remove(line).unwrap_or((RowOutcome::NotImported, None));
            self.outcomes.insert(*line, outcome);
        }
        for row in &mut self.plan.rows {
            if matches!(self.outcomes.get(&row.line), Some((RowOutcome::Added(_), _))) {
                row.forget_password();
            }
        }
    }

    /// Where the import stands, as the window and `mssp-admin` show it.
    pub(crate) fn state(&self, id: ImportId) -> ImportState {
        let rows = self.plan.rows.iter().map(|r| self.row(r)).collect();
        ImportState {
            id,
            rows,
            ignored_columns: self.plan.ignored_columns.clone(),
            ready: self.plan.count(RowStatus::Ready),
            skipped: self.plan.count(RowStatus::AlreadyIntegrated),
            invalid: self.plan.count(RowStatus::Invalid),
        }
    }

    fn row(&self, r: &PlannedRow) -> ImportRow {
        let (outcome, reason) = match r.status {
            RowStatus::Invalid => (RowOutcome::Invalid, None),
            RowStatus::AlreadyIntegrated => (RowOutcome::AlreadyIntegrated, None),
            RowStatus::Ready => {
                self.outcomes.get(&r.line).cloned().unwrap_or((RowOutcome::Pending, None))
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
            check: self.checks.get(&r.line).cloned(),
        }
    }
}

impl ImportState {
    /// How many rows ended as `f` says.
    pub fn count(&self, f: impl Fn(&RowOutcome) -> bool) -> usize {
        self.rows.iter().filter(|r| f(&r.outcome)).count()
    }

    /// One line for the audit: how many rows ended which way.
    pub fn summary(&self, cancelled: bool) -> String {
        format!(
            "added {}, held for review {}, failed {}, skipped {}, invalid {}{}",
            self.count(|o| matches!(o, RowOutcome::Added(_))),
            self.count(|o| matches!(o, RowOutcome::HeldForReview { .. })),
            self.count(|o| matches!(o, RowOutcome::Failed)),
            self.skipped,
            self.invalid,
            if cancelled { " (cancelled)" } else { "" },
        )
    }

    /// The result to download: line, customer, outcome and reason per row (no credentials).
    pub fn result_csv(&self) -> String {
        let header = ["Line", "Customer Name", "Outcome", "Reason", "Customer id"];
        let rows = self.rows.iter().map(|r| {
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
        let header = header.iter().map(|h| Cow::Borrowed(*h)).collect();
        crate::spreadsheet::to_csv(std::iter::once(header).chain(rows))
    }
}
