//! Performance benchmark of the audit page's trail at a million entries (issue 13): the
//! first page, a deep page through the keyset cursor, filtered pages (technician, customer,
//! action, outcome, time range, search), "Verify integrity" and retention pruning, each
//! through the console's own calls (`Console::audit_page`, `verify_audit`, `prune_audit`)
//! on a database filled through the store's own record path, so every entry is chained.
//!
//! The console keeps its data key (from which the chain key is derived) in the real OS
//! keychain, under a service of the run's own; run it inside scripts/desktop-session.sh.
//!
//! Run: `make bench-audit`, or `MSSP_HEADLESS=1 scripts/desktop-session.sh cargo bench -p
//! mssp-core --bench audit -- [--rows 1000000] [--page 100] [--repeat 5]`.

mod support;

use mssp_core::Console;
use mssp_core::audit::{AuditFilter, CHAIN_PURPOSE, Outcome};
use mssp_core::model::{AuditAction, CustomerId, Target};
use mssp_core::store::Store;
use mssp_core::store::audit as trail;
use std::collections::HashSet;
use std::process::ExitCode;
use std::time::{Duration, Instant};
use support::*;
use time::OffsetDateTime;

/// Entries written per transaction while filling the trail.
const FILL_BATCH: usize = 50_000;
/// Customers and technicians the generated entries name.
const CUSTOMERS: usize = 2_000;
const TECHNICIANS: usize = 20;
/// The trail spans this many days, so the default retention (365 days) prunes about half.
const SPAN_DAYS: i64 = 730;

const USAGE: &str = "\
audit benchmark: the audit trail's pages, filters, verify and prune at a million entries

USAGE:
    cargo bench -p mssp-core --bench audit -- [OPTIONS]

OPTIONS:
    --rows N        Entries in the trail (default 1000000)
    --page N        Entries per page (default 100; the page allows 1 to 500)
    --repeat K      Times each page is fetched; the median and the slowest are shown (default 5)
    -h, --help      Print this help

Needs the OS keychain: run it inside scripts/desktop-session.sh (make bench-audit does, with
MSSP_HEADLESS=1); the run uses a service of its own and deletes its data key at the end.";

struct Args {
    rows: usize,
    page: u32,
    repeat: usize,
}

fn parse_args() -> Result<Option<Args>, String> {
    let mut args = Args { rows: 1_000_000, page: 100, repeat: 5 };
    let mut ns = vec![1];
    let run = support::parse_flags(std::env::args().skip(1), &mut ns, |flag, val| {
        match flag {
            "--rows" => args.rows = num(&val()?, flag)?,
            "--page" => args.page = num(&val()?, flag)?,
            "--repeat" => args.repeat = num::<usize>(&val()?, flag)?.max(1),
            other => return Err(format!("unknown argument {other:?}\n\n{USAGE}")),
        }
        Ok(())
    })?;
    Ok(run.then_some(args))
}

fn main() -> ExitCode {
    let args = match args_or_exit("audit bench", USAGE, parse_args()) {
        Ok(args) => args,
        Err(code) => return code,
    };
    match in_runtime(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("audit bench: {e}");
            ExitCode::FAILURE
        }
    }
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

async fn run(args: Args) -> Result<(), String> {
    println!("MSSP Console audit benchmark");
    println!("machine: {}", machine());
    os_keychain()?;
    println!("keychain: {}, a service of this run's own, deleted after the run", keychain_note());
    let dir = tempfile::tempdir().map_err(|e| format!("temp dir: {e}"))?;
    let keychain = BenchKeychain::open()?;
    let console = first_run_console(dir.path(), keychain.vault(), default_client()?).await?;

    // Fill: entries over the last SPAN_DAYS days, oldest first, through the store's record
    // path with the chain key (as the console writes them), FILL_BATCH per transaction.
    let customers: Vec<CustomerId> = (0..CUSTOMERS).map(|_| CustomerId::new()).collect();
    let filler = keychain.vault();
    let key = *filler.derived_key(CHAIN_PURPOSE).map_err(|e| format!("chain key: {e}"))?;
    let store = Store::open(&dir.path().join("console.db")).map_err(|e| format!("store: {e}"))?;
    let now = OffsetDateTime::now_utc();
    let start = now - time::Duration::days(SPAN_DAYS);
    let step = (SPAN_DAYS * 86_400) as f64 / args.rows as f64;
    let actions = [
        AuditAction::CustomerUpdate,
        AuditAction::CustomerSync,
        AuditAction::TagCreate,
        AuditAction::Login,
        AuditAction::CustomerAdd,
    ];
    let t = Instant::now();
    let mut written = 0;
    while written < args.rows {
        let end = (written + FILL_BATCH).min(args.rows);
        store
            .write(|tx| {
                for i in written..end {
                    let at = start + time::Duration::seconds_f64(i as f64 * step);
                    let c = i % CUSTOMERS;
                    let target = Target::customer(customers[c], customer_name(c));
                    // Every 50th a failure with a reason; one in 100,000 says "quarantine"
                    // (a rare word for the search).
                    let failed = i % 50 == 0;
                    let reason = if i % 100_000 == 7 {
                        Some(format!("host quarantine requested #{i}"))
                    } else {
                        failed.then(|| format!("unreachable: connection refused #{i}"))
                    };
                    let actor = format!("tech-{:02}", i % TECHNICIANS);
                    let entry = trail::NewEntry {
                        at,
                        actor: &actor,
                        action: actions[i % actions.len()],
                        target: &target,
                        outcome: if failed { Outcome::Failure } else { Outcome::Success },
                        reason: reason.as_deref(),
                    };
                    trail::record(tx, Some(&key), &entry)?;
                }
                Ok(())
            })
            .map_err(|e| format!("filling: {e}"))?;
        written = end;
        if written % (args.rows / 5).max(1) == 0 {
            eprintln!(
                "  filled {}/{} in {:.1} s",
                group(written as u64),
                group(args.rows as u64),
                t.elapsed().as_secs_f64()
            );
        }
    }
    let fill = t.elapsed();
    drop(store);
    let total = store_count(&dir)?;
    println!(
        "trail: {} entries ({} written here, the rest by setting up), over {SPAN_DAYS} days, {CUSTOMERS} customers, {TECHNICIANS} technicians; filled in {} (not a goal); database {}",
        group(total),
        group(args.rows as u64),
        secs(Some(fill.as_secs_f64())),
        mb(db_mb(dir.path()))
    );

    // Pages.
    println!();
    println!("pages of {} (Console::audit_page, median / slowest of {}):", args.page, args.repeat);
    println!(
        "  {:<52} | {:>10} | {:>10} | {:>7} | {:>10}",
        "page", "median", "slowest", "rows", "next page"
    );
    let mut results = Vec::new();
    let top = console.audit_page(&AuditFilter::default(), None, 1).map_err(|e| e.to_string())?;
    let newest = top.entries.first().map(|e| e.id).unwrap_or(0);
    let mid_time = start + time::Duration::days(SPAN_DAYS / 2);
    let cases: Vec<(String, AuditFilter, Option<i64>)> = vec![
        ("first page, no filter".into(), AuditFilter::default(), None),
        (
            "deep page: 900,000 entries back (keyset cursor)".into(),
            AuditFilter::default(),
            Some(newest - 900_000.min(newest - 1)),
        ),
        ("last page (oldest entries)".into(), AuditFilter::default(), Some(args.page as i64 + 1)),
        (
            "technician tech-07".into(),
            AuditFilter { actor: Some("tech-07".into()), ..Default::default() },
            None,
        ),
        (
            format!("customer (1 of {CUSTOMERS})"),
            AuditFilter { customer: Some(customers[1234 % CUSTOMERS]), ..Default::default() },
            None,
        ),
        (
            "action customer.add".into(),
            AuditFilter {
                action: Some(AuditAction::CustomerAdd.as_str().into()),
                ..Default::default()
            },
            None,
        ),
        (
            "action family customer.".into(),
            AuditFilter { action: Some("customer.".into()), ..Default::default() },
            None,
        ),
        (
            "outcome failure (2 %)".into(),
            AuditFilter { outcome: Some(Outcome::Failure), ..Default::default() },
            None,
        ),
        (
            "time range: one day a year ago".into(),
            AuditFilter {
                from: Some(mid_time),
                to: Some(mid_time + time::Duration::days(1)),
                ..Default::default()
            },
            None,
        ),
        (
            "customer + outcome failure".into(),
            AuditFilter {
                customer: Some(customers[1234 % CUSTOMERS]),
                outcome: Some(Outcome::Failure),
                ..Default::default()
            },
            None,
        ),
        (
            "search \"refused\" (2 % of entries)".into(),
            AuditFilter { text: Some("refused".into()), ..Default::default() },
            None,
        ),
        (
            "search \"quarantine\" (10 entries: scans all)".into(),
            AuditFilter { text: Some("quarantine".into()), ..Default::default() },
            None,
        ),
        (
            "search \"Bench 01235\" (one customer's name)".into(),
            AuditFilter { text: Some(customer_name(1234)), ..Default::default() },
            None,
        ),
    ];
    for (label, filter, before) in &cases {
        let mut times = Vec::new();
        let mut rows = 0;
        let mut next = None;
        for _ in 0..args.repeat {
            let t = Instant::now();
            let page = console
                .audit_page(filter, *before, args.page)
                .map_err(|e| format!("{label}: {e}"))?;
            times.push(t.elapsed());
            rows = page.entries.len();
            next = page.next_before;
        }
        // The page after it, through the cursor.
        let next_time = match next {
            Some(n) => {
                let t = Instant::now();
                console
                    .audit_page(filter, Some(n), args.page)
                    .map_err(|e| format!("{label}: {e}"))?;
                Some(t.elapsed())
            }
            None => None,
        };
        times.sort();
        let median = times[times.len() / 2];
        let slowest = *times.last().unwrap_or(&median);
        println!(
            "  {:<52} | {:>10} | {:>10} | {:>7} | {:>10}",
            label,
            ms(median),
            ms(slowest),
            rows,
            next_time.map_or("—".into(), ms)
        );
        results.push(serde_json::json!({
            "case": label, "median_ms": median.as_secs_f64() * 1e3,
            "slowest_ms": slowest.as_secs_f64() * 1e3, "rows": rows,
        }));
    }

    // Walking a whole filter through the cursor: every id once, newest first.
    let walk_filter =
        AuditFilter { customer: Some(customers[1234 % CUSTOMERS]), ..Default::default() };
    let (seen, pages, took) = walk(&console, &walk_filter, 500)?;
    println!(
        "  walking every page of one customer's entries (500 a page): {} entries, {pages} pages, {}",
        group(seen as u64),
        ms(took)
    );

    // Verify integrity.
    println!();
    let t = Instant::now();
    let v = console.verify_audit().await.map_err(|e| format!("verify: {e}"))?;
    let verify = t.elapsed();
    let intact = v.first_mismatch.is_none() && v.marks_broken.is_none() && v.pending == 0;
    println!(
        "verify integrity: {} entries verified in {} ({}){}",
        group(v.verified as u64),
        secs(Some(verify.as_secs_f64())),
        if intact { "intact" } else { "NOT intact" },
        v.marks_broken.as_deref().map(|m| format!(": {m}")).unwrap_or_default()
    );

    // Prune (default retention 365 days: about half the trail goes), then verify again.
    let t = Instant::now();
    let pruned = console.prune_audit().await.map_err(|e| format!("prune: {e}"))?;
    let prune = t.elapsed();
    let left = store_count(&dir)?;
    let t = Instant::now();
    let v2 = console.verify_audit().await.map_err(|e| format!("verify after prune: {e}"))?;
    let verify2 = t.elapsed();
    let intact2 = v2.first_mismatch.is_none() && v2.marks_broken.is_none();
    println!(
        "prune (retention 365 days): {} entries deleted in {}, {} left; verify after: {} verified in {} ({})",
        group(pruned as u64),
        secs(Some(prune.as_secs_f64())),
        group(left),
        group(v2.verified as u64),
        secs(Some(verify2.as_secs_f64())),
        if intact2 { "intact" } else { "NOT intact" }
    );
    let t = Instant::now();
    let first_after =
        console.audit_page(&AuditFilter::default(), None, args.page).map_err(|e| e.to_string())?;
    println!(
        "first page after pruning: {} rows in {}; database {}",
        first_after.entries.len(),
        ms(t.elapsed()),
        mb(db_mb(dir.path()))
    );
    let after_writes = {
        let t = Instant::now();
        console.sessions().login(ADMIN, ADMIN_PASSWORD).await.map_err(|e| format!("login: {e}"))?;
        t.elapsed()
    };
    println!(
        "one more audited action (a login, Argon2 included) on the pruned trail: {}",
        ms(after_writes)
    );

    let touches = keychain.touches();
    println!("keychain: {touches} (the console's data key, and the filler's one read of it)");
    drop(console);
    drop(filler);
    let service = keychain.service().to_owned();
    let removal = keychain.remove();
    if let Some(e) = report_removal(&service, 0, &removal) {
        return Err(e);
    }
    if !intact || !intact2 {
        return Err("the trail did not verify".into());
    }
    Ok(())
}

fn walk(
    console: &Console,
    filter: &AuditFilter,
    limit: u32,
) -> Result<(usize, usize, Duration), String> {
    let (mut seen, mut before, mut last, mut pages) = (HashSet::new(), None, i64::MAX, 0);
    let t = Instant::now();
    loop {
        let page = console.audit_page(filter, before, limit).map_err(|e| format!("walk: {e}"))?;
        pages += 1;
        for e in &page.entries {
            if e.id >= last || !seen.insert(e.id) {
                return Err(format!("walk: entry {} out of order or repeated", e.id));
            }
            last = e.id;
        }
        match page.next_before {
            Some(next) => before = Some(next),
            None => break,
        }
    }
    Ok((seen.len(), pages, t.elapsed()))
}

fn store_count(dir: &tempfile::TempDir) -> Result<u64, String> {
    Store::open(&dir.path().join("console.db"))
        .and_then(|s| s.read(trail::count))
        .map_err(|e| format!("count: {e}"))
}

fn db_mb(dir: &std::path::Path) -> Option<f64> {
    let size = |name: &str| std::fs::metadata(dir.join(name)).map(|m| m.len()).ok();
    let db = size("console.db")?;
    let wal = size("console.db-wal").unwrap_or(0);
    Some((db + wal) as f64 / 1024.0 / 1024.0)
}
