//! Performance benchmark of importing customers from a CSV file through the console's own
//! import path (`Console::import_preview`, `import_check`, `import_run`: the dry run, the
//! check of the instances, and the adds through Add Customer's path), against `log360-sim`
//! started as a separate process with N instances on loopback and a latency on every
//! request. Goals (issue 11): 1,000 customers within 60 s and 10,000 within 10 min, end to
//! end; the keychain touched a constant number of times, not once per customer.
//!
//! Where the time goes: the import's wall time beside its floor (rounds of
//! `IMPORT_CONCURRENCY` adds × the requests one add makes × latency); the console's CPU
//! seconds; the keychain's calls and their time (counted on the real OS keychain); and, in
//! the same process after the import, what N seals of the credentials (encryption) and N
//! SQLite transactions writing a customer row with its sealed secrets cost on their own.
//!
//! Run: `make bench-import`, or `cargo build --release -p log360-sim` then, inside a desktop
//! session with a keychain, `MSSP_HEADLESS=1 scripts/desktop-session.sh cargo bench -p
//! mssp-core --bench import -- [--n 1000,10000] [--latency-ms 50] [--skip-check]`.
//!
//! Each N runs in a fresh child process of this binary. The simulator's CPU and memory are
//! not counted.

mod support;

use mssp_core::client::identity::LinkKey;
use mssp_core::console::IMPORT_CONCURRENCY;
use mssp_core::import::{ImportState, RowOutcome};
use mssp_core::model::{AdminCredentials, CustomerId};
use mssp_core::store::Store;
use mssp_core::vault::Secrets;
use secrecy::SecretString;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};
use support::*;

const GOALS: &[(usize, Duration)] =
    &[(1_000, Duration::from_secs(60)), (10_000, Duration::from_secs(600))];
/// Tags spread over the rows (each row has "bench" and one of these), so the import also
/// creates tags and tags every customer.
const TAG_GROUPS: usize = 10;

const USAGE: &str = "\
import benchmark: CSV import of customers (dry run, check, import) against log360-sim

USAGE:
    cargo bench -p mssp-core --bench import -- [OPTIONS]

OPTIONS:
    --n LIST            Customer counts, comma-separated (default 1000,10000)
    --latency-ms MS     Latency the simulator adds to every request (default 50)
    --skip-check        Leave out the optional \"check instances\" step
    -h, --help          Print this help

Goals: 1,000 customers imported within 60 s and 10,000 within 10 min, end to end (dry run,
check, import); the keychain touched a constant number of times.

Needs the release simulator: cargo build --release -p log360-sim (make bench-import does).
Needs the OS keychain: run it inside scripts/desktop-session.sh (make bench-import does, with
MSSP_HEADLESS=1); each run uses a service of its own and deletes its data key at the end.";

#[derive(Debug, Clone)]
struct Args {
    child: Option<usize>,
    ns: Vec<usize>,
    latency_ms: u64,
    check: bool,
    result: Option<PathBuf>,
}

fn parse_args(it: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let mut args =
        Args { child: None, ns: vec![1_000, 10_000], latency_ms: 50, check: true, result: None };
    let mut ns = args.ns.clone();
    let run = support::parse_flags(it, &mut ns, |flag, val| {
        match flag {
            "--latency-ms" => args.latency_ms = num(&val()?, flag)?,
            "--skip-check" => args.check = false,
            "--child-import" => args.child = Some(num(&val()?, flag)?),
            "--result" => args.result = Some(PathBuf::from(val()?)),
            other => return Err(format!("unknown argument {other:?}\n\n{USAGE}")),
        }
        Ok(())
    })?;
    if !run {
        return Ok(None);
    }
    args.ns = ns;
    Ok(Some(args))
}

fn main() -> ExitCode {
    let args = match args_or_exit("import bench", USAGE, parse_args(std::env::args().skip(1))) {
        Ok(args) => args,
        Err(code) => return code,
    };
    let outcome = match args.child {
        None => run_parent(&args),
        Some(n) => in_runtime(import_child(n, args.clone())),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("import bench: {e}");
            ExitCode::FAILURE
        }
    }
}

fn goal_for(n: usize) -> Option<Duration> {
    GOALS.iter().find(|(at, _)| *at == n).map(|(_, d)| *d)
}

fn run_parent(args: &Args) -> Result<(), String> {
    println!("MSSP Console import benchmark");
    println!("machine: {}", machine());
    println!(
        "settings: N = {}, {} ms latency per request, check instances {}, IMPORT_CONCURRENCY = {IMPORT_CONCURRENCY}",
        args.ns.iter().map(|n| group(*n as u64)).collect::<Vec<_>>().join(", "),
        args.latency_ms,
        if args.check { "on" } else { "off" },
    );
    let sim = sim_binary()?;
    println!("simulator: {} (separate process, not measured)", sim.display());
    os_keychain()?;
    println!(
        "keychain: {}, a service of each run's own (mssp-console-bench-<uuid>), deleted after the run",
        keychain_note()
    );
    let dir = tempfile::tempdir().map_err(|e| format!("temp dir: {e}"))?;
    let mut failed = Vec::new();
    let mut results = Vec::new();
    for (i, n) in args.ns.iter().enumerate() {
        let result = dir.path().join(format!("result-{i}.json"));
        let mut child_args = vec![
            "--child-import".into(),
            n.to_string(),
            "--latency-ms".into(),
            args.latency_ms.to_string(),
        ];
        if !args.check {
            child_args.push("--skip-check".into());
        }
        let (outcome, value) = run_child(&format!("N = {n}"), &child_args, &result)?;
        if let Err(e) = outcome {
            failed.push(e);
        }
        results.extend(value);
    }
    println!();
    println!(
        "== Summary ({} ms latency; end to end = dry run + check + import) ==",
        args.latency_ms
    );
    println!(
        "{:>7} | {:>8} | {:>8} | {:>10} | {:>16} | {:>18} | {:>8} | {:>9} | {:>10} | {:>8} | {:>14}",
        "N",
        "dry run",
        "check",
        "import",
        "end to end",
        "import floor",
        "CPU s",
        "seal all",
        "SQLite all",
        "peak RSS",
        "keychain"
    );
    for r in &results {
        let n = r["n"].as_u64().unwrap_or(0) as usize;
        let e2e = r["end_to_end_s"].as_f64();
        let pass = goal_for(n).and_then(|g| e2e.map(|s| s <= g.as_secs_f64()));
        let calls = r["keychain"]["calls"].as_u64();
        println!(
            "{:>7} | {:>8} | {:>8} | {:>10} | {:>16} | {:>18} | {:>8} | {:>9} | {:>10} | {:>8} | {:>14}",
            group(n as u64),
            secs(r["preview_s"].as_f64()),
            secs(r["check_s"].as_f64()),
            secs(r["import_s"].as_f64()),
            mark(secs(e2e), pass),
            format!(
                "{} ({} req)",
                secs(r["import_floor_s"].as_f64()),
                fixed(r["requests_per_add"].as_f64(), 0)
            ),
            fixed(r["import_cpu_s"].as_f64(), 1),
            secs(r["seal_s"].as_f64()),
            secs(r["sqlite_s"].as_f64()),
            mb(r["peak_rss_mb"].as_f64()),
            mark(
                calls.map_or("n/a".into(), |c| format!("{c} calls")),
                calls.map(|c| c <= SEED_KEYCHAIN_CALLS)
            ),
        );
    }
    println!(
        "goals: 1,000 ≤ 60 s, 10,000 ≤ 600 s end to end; keychain ≤ {SEED_KEYCHAIN_CALLS} calls (read the data key, write it once on a fresh service), whatever N."
    );
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("these runs failed: {}", failed.join(", ")))
    }
}

/// The CSV file a person would import: the header the export writes, one row per instance.
fn csv_for(instances: &[log360_sim::InstanceInfo]) -> String {
    let mut out = mssp_core::import::header().join(",");
    out.push('\n');
    for (i, info) in instances.iter().enumerate() {
        let (kind, cleartext) = if info.tls { ("HTTPS", "no") } else { ("HTTP", "yes") };
        out.push_str(&format!(
            "{},soc{}@customer.example.com,127.0.0.1,{},{kind},{},{},bench;group-{},{cleartext}\n",
            customer_name(i),
            i + 1,
            info.port,
            info.username,
            info.password,
            i % TAG_GROUPS,
        ));
    }
    out
}

fn outcomes(state: &ImportState) -> BTreeMap<&'static str, usize> {
    let mut by = BTreeMap::new();
    for row in &state.rows {
        *by.entry(row.outcome.label()).or_insert(0) += 1;
    }
    by
}

async fn import_child(n: usize, args: Args) -> Result<(), String> {
    raise_fd_limit();
    let dir = tempfile::tempdir().map_err(|e| format!("temp dir: {e}"))?;
    println!();
    println!("== N = {} customers, {} ms latency per request ==", group(n as u64), args.latency_ms);
    let t = Instant::now();
    let sim = SimProcess::start(n, 0, 0, dir.path())?;
    println!(
        "simulator: {} instances up in {}",
        group(n as u64),
        secs(Some(t.elapsed().as_secs_f64()))
    );
    let t = Instant::now();
    sim.set_latency_all(args.latency_ms).await?;
    println!(
        "latency: {} ms set on every instance in {}",
        args.latency_ms,
        secs(Some(t.elapsed().as_secs_f64()))
    );
    let keychain = BenchKeychain::open()?;
    // The console as the app opens it: its default client, a fresh database, a keychain
    // service with no data key yet (as on a first run).
    let console = first_run_console(dir.path(), keychain.vault(), default_client()?).await?;
    let text = csv_for(&sim.instances);
    println!("file: {} rows, {} KB", group(n as u64), text.len() / 1024);
    let probe = sim.instances[0].port;
    let requests_at_start = request_count(&sim, probe).await;

    let trimmed = release_free_memory();
    let peak_reset = reset_peak_rss();
    let rss_before = status_mb("VmRSS");
    let keychain_before = keychain.touches();

    // 1. The dry run.
    let t = Instant::now();
    let preview = console.import_preview(&text).map_err(|e| format!("dry run: {e}"))?;
    let preview_s = t.elapsed().as_secs_f64();
    if preview.ready != n {
        return Err(format!(
            "dry run: {} of {n} rows ready ({} invalid); first problem: {:?}",
            preview.ready,
            preview.invalid,
            preview.rows.iter().find(|r| !r.problems.is_empty()).map(|r| &r.problems)
        ));
    }
    println!("dry run: {} rows judged, all ready, in {}", group(n as u64), secs(Some(preview_s)));

    // 2. Check instances (optional in the window; no credentials sent).
    let after_preview = request_count(&sim, probe).await;
    let mut check_s = None;
    if args.check {
        let t = Instant::now();
        let checked =
            console.import_check(preview.id, |_| {}).await.map_err(|e| format!("check: {e}"))?;
        check_s = Some(t.elapsed().as_secs_f64());
        let problems = checked
            .rows
            .iter()
            .filter(|r| r.check.as_ref().is_none_or(|c| c.problem.is_some()))
            .count();
        println!(
            "check instances: {} rows in {} ({problems} with a problem)",
            group(n as u64),
            secs(check_s)
        );
    }
    let after_check = request_count(&sim, probe).await;

    // 3. The import.
    let sampler = FdSampler::start();
    let cpu_before = cpu_seconds();
    let keychain_at_import = keychain.touches();
    let mut updates = 0usize;
    let t = Instant::now();
    let state = console
        .import_run(preview.id, &BTreeMap::new(), |_| updates += 1)
        .await
        .map_err(|e| format!("import: {e}"))?;
    let import_wall = t.elapsed();
    let cpu_after = cpu_seconds();
    let keychain_import = keychain.touches().since(&keychain_at_import);
    let (fd_max, sampler_cpu) = match sampler {
        Some(s) => s.finish(),
        None => (None, 0.0),
    };
    let import_cpu = cpu_before.zip(cpu_after).map(|(a, b)| (b - a - sampler_cpu).max(0.0));
    let peak = if peak_reset { status_mb("VmHWM") } else { None };
    let after_import = request_count(&sim, probe).await;
    let keychain_all = keychain.touches().since(&keychain_before);

    let by = outcomes(&state);
    let added = state.rows.iter().filter(|r| matches!(r.outcome, RowOutcome::Added(_))).count();
    let first_failure = state
        .rows
        .iter()
        .find(|r| !matches!(r.outcome, RowOutcome::Added(_)))
        .map(|r| format!("line {}: {:?}", r.line, r.problems));
    let listed = console.list_customers().map_err(|e| format!("listing: {e}"))?;
    let tagged = listed.iter().filter(|v| v.tags.len() == 2).count();
    println!(
        "import: {} in {} ({updates} progress updates); outcomes {by:?}; {} customers listed, {} with both tags",
        group(added as u64),
        secs(Some(import_wall.as_secs_f64())),
        group(listed.len() as u64),
        group(tagged as u64),
    );

    let requests_per_add = after_check.zip(after_import).map(|(a, b)| (b - a) as f64);
    let requests_per_check = after_preview.zip(after_check).map(|(a, b)| (b - a) as f64);
    let _ = requests_at_start;
    let rounds = n.div_ceil(IMPORT_CONCURRENCY) as f64;
    let latency = args.latency_ms as f64 / 1e3;
    let floor = requests_per_add.map(|r| rounds * r * latency);
    println!(
        "round trips: one add = {} requests to its instance (instance 1, counted by the simulator); one check = {}; floor = ⌈{} / {IMPORT_CONCURRENCY}⌉ × {} × {} ms = {}",
        fixed(requests_per_add, 0),
        fixed(requests_per_check, 0),
        group(n as u64),
        fixed(requests_per_add, 0),
        args.latency_ms,
        secs(floor)
    );
    println!(
        "CPU: {} s of the console during the import ({} ms per customer); descriptors at most {}",
        fixed(import_cpu, 2),
        fixed(import_cpu.map(|c| c * 1e3 / n as f64), 2),
        opt(fd_max)
    );
    println!(
        "memory: VmRSS {} before the dry run{}, peak {} during dry run + check + import",
        mb(rss_before),
        if trimmed { " (after malloc_trim)" } else { "" },
        mb(peak)
    );
    println!(
        "keychain: during the import {keychain_import}; dry run + check + import {keychain_all}"
    );

    // Where the CPU went, measured on its own in this process: sealing N customers'
    // credentials and link keys under the data key (a vault on the same keychain service,
    // holding the key after one read), and N SQLite transactions writing a customer row
    // with its sealed secrets (a scratch database in the same temp dir).
    let (seal_s, sqlite_s) = parts(dir.path(), &keychain, &listed).await?;
    println!(
        "parts alone: sealing {} customers' secrets {} ({} µs each); {} SQLite transactions (customer row + sealed secrets) {} ({} ms each)",
        group(n as u64),
        secs(Some(seal_s)),
        fixed(Some(seal_s * 1e6 / n as f64), 0),
        group(n as u64),
        secs(Some(sqlite_s)),
        fixed(Some(sqlite_s * 1e3 / n as f64), 2),
    );

    // Importing the same file again skips every row (nothing is added twice).
    let t = Instant::now();
    let again = console.import_preview(&text).map_err(|e| format!("second dry run: {e}"))?;
    println!(
        "same file again: {} skipped, {} ready, dry run in {}",
        group(again.skipped as u64),
        again.ready,
        secs(Some(t.elapsed().as_secs_f64()))
    );
    let _ = console.import_discard(again.id);

    let end_to_end = preview_s + check_s.unwrap_or(0.0) + import_wall.as_secs_f64();
    let ok = added == n && listed.len() == n && tagged == n && again.skipped == n;
    println!("goals:");
    if let Some(goal) = goal_for(n) {
        goal_line(
            &format!("{} customers imported ≤ {} s end to end", group(n as u64), goal.as_secs()),
            secs(Some(end_to_end)),
            Some(end_to_end <= goal.as_secs_f64() && ok),
            true,
        );
    } else {
        goal_line("import wall", secs(Some(end_to_end)), None, false);
    }
    goal_line(
        "every row added and tagged, a re-import skips all",
        format!("{added} added, {tagged} tagged, {} skipped again", again.skipped),
        Some(ok),
        true,
    );
    goal_line(
        &format!("keychain calls constant (≤ {SEED_KEYCHAIN_CALLS}), any N"),
        format!("{} calls for {} customers", keychain_all.calls(), group(n as u64)),
        Some(keychain_all.calls() <= SEED_KEYCHAIN_CALLS),
        true,
    );
    if let Some(f) = &first_failure {
        println!("first row not added: {f}");
    }

    drop(console);
    let service = keychain.service().to_owned();
    let removal = keychain.remove();
    let removal_error = report_removal(&service, n, &removal);
    write_result(
        args.result.as_deref(),
        serde_json::json!({
            "n": n,
            "latency_ms": args.latency_ms,
            "preview_s": preview_s,
            "check_s": check_s,
            "import_s": import_wall.as_secs_f64(),
            "end_to_end_s": end_to_end,
            "import_floor_s": floor,
            "requests_per_add": requests_per_add,
            "import_cpu_s": import_cpu,
            "seal_s": seal_s,
            "sqlite_s": sqlite_s,
            "peak_rss_mb": peak,
            "fd_peak": fd_max,
            "added": added,
            "keychain": keychain_all.json(),
        }),
    )?;
    drop(sim);
    if let Some(e) = removal_error {
        Err(e)
    } else if ok && keychain_all.calls() <= SEED_KEYCHAIN_CALLS {
        Ok(())
    } else {
        Err(format!("N = {n}: {added} of {n} added ({first_failure:?})"))
    }
}

/// (seconds to seal every customer's secrets, seconds for one SQLite transaction per
/// customer writing its row and sealed secrets), each measured alone.
async fn parts(
    dir: &Path,
    keychain: &BenchKeychain,
    listed: &[mssp_core::CustomerView],
) -> Result<(f64, f64), String> {
    let vault = keychain.vault();
    vault.unlock().map_err(|e| format!("vault: {e}"))?;
    let secrets = |i: usize| -> Result<Secrets, String> {
        Ok(Secrets {
            credentials: AdminCredentials {
                username: format!("admin{i}"),
                password: SecretString::from(format!("password-of-customer-{i}")),
            },
            link_key: Some(LinkKey::generate().map_err(|e| format!("link key: {e}"))?),
        })
    };
    let inputs: Vec<(CustomerId, Secrets)> = listed
        .iter()
        .enumerate()
        .map(|(i, v)| Ok((v.customer.id, secrets(i)?)))
        .collect::<Result<_, String>>()?;
    let t = Instant::now();
    let mut sealed = Vec::with_capacity(inputs.len());
    for (id, s) in &inputs {
        sealed.push(vault.seal(*id, s).map_err(|e| format!("seal: {e}"))?);
    }
    let seal_s = t.elapsed().as_secs_f64();

    let store = Store::open(&dir.join("scratch.db")).map_err(|e| format!("scratch store: {e}"))?;
    let t = Instant::now();
    for (view, sealed) in listed.iter().zip(&sealed) {
        store
            .write(|tx| {
                mssp_core::store::customers::insert(tx, &view.customer)?;
                mssp_core::store::secrets::put(tx, view.customer.id, sealed)
            })
            .map_err(|e| format!("scratch write: {e}"))?;
    }
    Ok((seal_s, t.elapsed().as_secs_f64()))
}

async fn request_count(sim: &SimProcess, port: u16) -> Option<u64> {
    sim.show(port).await.ok()?["request_count"].as_u64()
}
