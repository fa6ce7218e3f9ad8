//! Onboarding many: the import of customers from a CSV file's text (a file picked or text
//! pasted in the window), in its three steps (the dry run, "Check instances", the import)
//! and the result to download. The rows' passwords stay in the core: no answer carries one.

use super::ConsoleState;
use super::bulk::{BatchProgress, to_channel};
use super::license::{Export, save_download};
use super::trust::Certificate;
use crate::error::IpcResult;
use mssp_core::import::{ImportId, ImportRow as CoreRow, ImportState, RowOutcome};
use serde::Serialize;
use std::collections::BTreeMap;
use tauri::ipc::Channel;
use ts_rs::TS;

/// What "Check instances" found for a row, without sending credentials.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RowCheck {
    /// HTTPS: the certificate the server presents.
    pub certificate: Option<Certificate>,
    /// HTTPS: why this computer does not trust it (null: it does).
    pub untrusted_because: Option<String>,
    pub build: Option<u32>,
    /// Why adding it would fail, seen without credentials (unreachable, build, …).
    pub problem: Option<String>,
}

/// One row of the file (never its password).
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
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
    #[ts(
        type = "\"pending\" | \"added\" | \"skipped\" | \"invalid\" | \"held for review\" | \"failed\" | \"not imported\""
    )]
    pub outcome: &'static str,
    /// Set once added.
    pub customer_id: Option<String>,
    /// Field → what is wrong (the dry run); `import` → why the import failed or held it.
    pub problems: BTreeMap<String, String>,
    /// For a skipped row: the customer it matches.
    pub note: Option<String>,
    /// A held row: the SHA-256 of the certificate to review (`AB:CD:…`).
    pub held_sha256: Option<String>,
    pub check: Option<RowCheck>,
}

impl From<CoreRow> for ImportRow {
    fn from(r: CoreRow) -> Self {
        let check = r.check.map(|c| {
            let leaf = c.inspection.as_ref().and_then(|i| i.chain.first());
            RowCheck {
                certificate: leaf.map(|info| Certificate::new(info, &r.server)),
                untrusted_because: c.inspection.as_ref().and_then(|i| i.untrusted_because.clone()),
                build: c.build,
                problem: c.problem,
            }
        });
        let held_sha256 = match &r.outcome {
            RowOutcome::HeldForReview { sha256 } => Some(sha256.clone()),
            _ => None,
        };
        let customer_id = match &r.outcome {
            RowOutcome::Added(id) => Some(id.to_string()),
            _ => None,
        };
        Self {
            line: r.line,
            outcome: r.outcome.label(),
            customer_id,
            held_sha256,
            check,
            name: r.name,
            email: r.email,
            server: r.server,
            port: r.port,
            connection_type: r.connection_type,
            username: r.username,
            tags: r.tags,
            allow_cleartext: r.allow_cleartext,
            problems: r.problems,
            note: r.note,
        }
    }
}

/// An import as it stands.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ImportPlan {
    #[ts(type = "number")]
    pub id: u64,
    pub rows: Vec<ImportRow>,
    /// Columns the file has that the import ignores.
    pub ignored_columns: Vec<String>,
    pub ready: usize,
    pub skipped: usize,
    pub invalid: usize,
}

impl From<ImportState> for ImportPlan {
    fn from(s: ImportState) -> Self {
        Self {
            id: s.id.0,
            rows: s.rows.into_iter().map(ImportRow::from).collect(),
            ignored_columns: s.ignored_columns,
            ready: s.ready,
            skipped: s.skipped,
            invalid: s.invalid,
        }
    }
}

/// Step 1, the dry run: every row judged; nothing is contacted or saved.
#[tauri::command(async)]
pub fn import_preview(console: ConsoleState<'_>, text: String) -> IpcResult<ImportPlan> {
    Ok(console.import_preview(&text)?.into())
}

/// Step 2, "Check instances": `about` and each HTTPS certificate; no credentials sent.
#[tauri::command]
pub async fn import_check(
    console: ConsoleState<'_>,
    import_id: u64,
    on_progress: Channel<BatchProgress>,
) -> IpcResult<ImportPlan> {
    Ok(console.import_check(ImportId(import_id), to_channel(on_progress)).await?.into())
}

/// Step 3, the import. `trust` maps a row's line to the certificate SHA-256 the
/// administrator chose to trust; other untrusted HTTPS rows are held for review.
#[tauri::command]
pub async fn import_run(
    console: ConsoleState<'_>,
    import_id: u64,
    trust: BTreeMap<usize, String>,
    on_progress: Channel<BatchProgress>,
) -> IpcResult<ImportPlan> {
    let id = ImportId(import_id);
    Ok(console.import_run(id, &trust, to_channel(on_progress)).await?.into())
}

/// The result (line, customer, outcome, reason) as CSV in the Downloads folder.
#[tauri::command(async)]
pub fn export_import_result<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    console: ConsoleState<'_>,
    import_id: u64,
) -> IpcResult<Export> {
    let csv = console.import_result_csv(ImportId(import_id))?;
    let day = time::OffsetDateTime::now_utc().date();
    Ok(save_download(&app, &format!("mssp-import-result-{day}.csv"), csv.as_bytes())?)
}

/// Forgets a pending import and the passwords it holds.
#[tauri::command(async)]
pub fn import_discard(console: ConsoleState<'_>, import_id: u64) -> IpcResult<()> {
    Ok(console.import_discard(ImportId(import_id))?)
}
