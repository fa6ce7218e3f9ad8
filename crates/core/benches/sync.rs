//! Performance benchmark of data sync (`mssp_core::sync::sync_many`, what "Sync All" runs)
//! against real HTTP instances: starts `log360-sim` as a separate process with N instances on
//! loopback whose `data` answer is padded to about 20 KB, seeds a console with N customers
//! and a few technicians, and syncs everyone twice (wall time, CPU seconds per 1,000 syncs,
//! peak memory, open file descriptors, failures). Goal: 1,000 customers synced within 10 s.
//! The console keeps its data key in the real OS keychain, under a service of each run's
//! own, and the bench counts every keychain call (a constant, not one per customer).
//!
//! Run: `make bench`, or `cargo build --release -p log360-sim` then, inside a desktop
//! session with a keychain, `MSSP_HEADLESS=1 scripts/desktop-session.sh cargo bench -p
//! mssp-core --bench sync -- [--n 100,1000] [--latency-ms 50] [--extra-components 100]`.
//!
//! Each N runs in a fresh child process of this binary, so peak memory and descriptor counts
//! belong to that N alone. The simulator is another process, so its CPU and memory are not
//! counted. Linux-only readings (/proc, per-thread CPU) print "n/a" elsewhere.

mod support;

use mssp_core::Console;
use mssp_core::instance_data::TechnicianAuth;
use mssp_core::model::CustomerId;
use mssp_core::sync::{self, BatchId, Report, Trigger};
use mssp_core::validate::TechnicianInput;
use secrecy::SecretString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};
use support::*;

/// Technicians added before the runs (operators on every customer), so each sync pushes them
/// (with the bench's admin, who is delegated every customer too: 6 in all).
const TECHNICIANS: usize = 5;
/// Requests one sync makes: about, session, data, technicians.
const REQUESTS_PER_SYNC: u64 = 4;

// The goal.
const GOAL_WALL: Duration = Duration::from_secs(10);
const GOAL_AT: usize = 1_000;

const USAGE: &str = "\
sync benchmark: data sync (Sync All) against log360-sim on loopback

USAGE:
    cargo bench -p mssp-core --bench sync -- [OPTIONS]

OPTIONS:
    --n LIST               Customer counts, comma-separated (default 100,1000)
    --latency-ms MS        Latency the simulator adds to every request (default 50)
    --extra-components K   Synthetic components padding every instance's data answer,
                           about 200 bytes each (default 100, about 20 KB)
    -h, --help             Print this help

Each N syncs every customer twice (both runs log in: every sync does). Goal: 1,000
customers synced within 10 s (judged at N = 1,000, on the slower run).

Needs the release simulator: cargo build --release -p log360-sim (make bench does it).
LOG360_SIM=/path/to/log360-sim overrides where it is looked for.
Needs the OS keychain: run it inside scripts/desktop-session.sh (make bench does, with
MSSP_HEADLESS=1); each run uses a service of its own and deletes its data key at the end.";

#[derive(Debug, Clone)]
enum Mode {
    /// Runs every N as a child, then prints the summary.
    Parent,
    Child(usize),
}

#[derive(Debug, Clone)]
struct Args {
    mode: Mode,
    ns: Vec<usize>,
    latency_ms: u64,
    extra_components: usize,
    result: Option<PathBuf>,
}

fn parse_args(it: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let mut args = Args {
        mode: Mode::Parent,
        ns: vec![100, 1_000],
        latency_ms: 50,
        extra_components: 100,
        result: None,
    };
    let mut ns = args.ns.clone();
    let run = support::parse_flags(it, &mut ns, |flag, val| {
        match flag {
            "--latency-ms" => args.latency_ms = num(&val()?, flag)?,
            "--extra-components" => args.extra_components = num(&val()?, flag)?,
            // Internal: a child run.
            "--child-sync" => args.mode = Mode::Child(num(&val()?, flag)?),
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
    let args = match args_or_exit("sync bench", USAGE, parse_args(std::env::args().skip(1))) {
        Ok(args) => args,
        Err(code) => return code,
    };
    let outcome = match args.mode {
        Mode::Parent => run_parent(&args),
        Mode::Child(n) => in_runtime(sync_child(n, args.clone())),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sync bench: {e}");
            ExitCode::FAILURE
        }
    }
}

// ----------------------------------------------------------------------------------------
// Parent: one child per N, then the summary.

fn run_parent(args: &Args) -> Result<(), String> {
    println!("MSSP Console data-sync benchmark");
    println!("machine: {}", machine());
    println!(
        "settings: N = {}, {} ms latency per request, {} extra data components, {TECHNICIANS} technicians pushed, 2 runs, sync::CONCURRENCY = {}",
        args.ns.iter().map(|n| group(*n as u64)).collect::<Vec<_>>().join(", "),
        args.latency_ms,
        args.extra_components,
        sync::CONCURRENCY
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
        let child_args = [
            "--child-sync".into(),
            n.to_string(),
            "--latency-ms".into(),
            args.latency_ms.to_string(),
            "--extra-components".into(),
            args.extra_components.to_string(),
        ];
        let (outcome, value) = run_child(&format!("N = {n}"), &child_args, &result)?;
        if let Err(e) = outcome {
            failed.push(e);
        }
        results.extend(value);
    }
    print_summary(args, &results);
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("these runs failed: {}", failed.join(", ")))
    }
}

fn print_summary(args: &Args, results: &[serde_json::Value]) {
    println!();
    println!(
        "== Summary ({} ms latency, {} extra components; every sync = {REQUESTS_PER_SYNC} requests + one transaction) ==",
        args.latency_ms, args.extra_components
    );
    println!(
        "{:>7} | {:>11} | {:>11} | {:>6} | {:>14} | {:>17} | {:>14} | {:>6} | {:>9} | {:>8} | {:>14}",
        "N",
        "first run",
        "second run",
        "CPU s",
        "CPU s/1k syncs",
        "RSS before→peak",
        "fds base→peak",
        "failed",
        "data body",
        "seeding",
        "keychain s/m"
    );
    for r in results {
        let n = r["n"].as_u64().unwrap_or(0) as usize;
        let wall_pass = |key: &str| {
            (n == GOAL_AT).then(|| r[key].as_f64().map(|s| s <= GOAL_WALL.as_secs_f64())).flatten()
        };
        let failures = r["failed"].as_u64();
        let keychain =
            [r["keychain_seeding"]["calls"].as_u64(), r["keychain_measured"]["calls"].as_u64()];
        println!(
            "{:>7} | {:>11} | {:>11} | {:>6} | {:>14} | {:>17} | {:>14} | {:>6} | {:>9} | {:>8} | {:>14}",
            group(n as u64),
            mark(secs(r["first_wall_s"].as_f64()), wall_pass("first_wall_s")),
            mark(secs(r["second_wall_s"].as_f64()), wall_pass("second_wall_s")),
            fixed(r["cpu_s"].as_f64(), 2),
            format!(
                "{} / {}",
                fixed(r["first_cpu_per_1000_s"].as_f64(), 2),
                fixed(r["second_cpu_per_1000_s"].as_f64(), 2)
            ),
            format!("{}→{}", fixed(r["rss_before_mb"].as_f64(), 1), mb(r["peak_rss_mb"].as_f64())),
            format!(
                "{}→{}",
                r["fd_baseline"].as_u64().map_or("n/a".into(), |v| v.to_string()),
                r["fd_peak"].as_u64().map_or("n/a".into(), |v| v.to_string())
            ),
            mark(failures.map_or("n/a".into(), |f| f.to_string()), failures.map(|f| f == 0)),
            kb(r["data_body_bytes"].as_u64()),
            secs(r["seeding_s"].as_f64()),
            mark(
                keychain.map(|c| c.map_or("n/a".into(), |v| v.to_string())).join(" / "),
                keychain[0]
                    .zip(keychain[1])
                    .map(|(s, m)| s <= SEED_KEYCHAIN_CALLS && m <= RUN_KEYCHAIN_CALLS)
            ),
        );
    }
    println!(
        "CPU s = both runs; CPU s/1k syncs = first / second run; keychain s/m = keychain calls while seeding / of the measured console (open, technicians, both runs, reading back). goals: {} customers synced within {} s (both runs, at N = {}); 0 failures; keychain at most {SEED_KEYCHAIN_CALLS} / {RUN_KEYCHAIN_CALLS} calls, whatever N. \"—\" = no goal at this N.",
        group(GOAL_AT as u64),
        GOAL_WALL.as_secs(),
        group(GOAL_AT as u64)
    );
}

// ----------------------------------------------------------------------------------------
// Child: one N, two runs of sync_many over every customer.

struct RunRow {
    label: &'static str,
    progress: Report,
    /// Keychain calls during the run.
    keychain: Touches,
    updates: usize,
    wall: Duration,
    cpu_s: Option<f64>,
    fd_max: Option<usize>,
    fd_after: Option<usize>,
    rss_after_mb: Option<f64>,
}

impl RunRow {
    fn cpu_per_1000(&self) -> Option<f64> {
        let synced = self.progress.done.max(1) as f64;
        self.cpu_s.map(|c| c * 1000.0 / synced)
    }
}

async fn sync_child(n: usize, args: Args) -> Result<(), String> {
    raise_fd_limit();
    let dir = tempfile::tempdir().map_err(|e| format!("temp dir: {e}"))?;
    println!();
    println!(
        "== N = {} customers, {} ms latency per request, {} extra data components ==",
        group(n as u64),
        args.latency_ms,
        args.extra_components
    );
    let started = Instant::now();
    let sim = SimProcess::start(n, 0, args.extra_components, dir.path())?;
    println!(
        "simulator: {} instances up in {}",
        group(n as u64),
        secs(Some(started.elapsed().as_secs_f64()))
    );
    let keychain = BenchKeychain::open()?;

    let seeding = seed(dir.path(), keychain.vault(), &sim.instances).await?;
    let seed_touches = keychain.touches();
    println!(
        "seeding: {} customers added in {} ({SEED_CONCURRENCY} at a time, 0 ms latency; not a goal); keychain ({}): {seed_touches}",
        group(n as u64),
        secs(Some(seeding.as_secs_f64())),
        keychain.service()
    );
    let t = Instant::now();
    sim.set_latency_all(args.latency_ms).await?;
    println!(
        "latency: {} ms set on {} instances through the control endpoint in {}",
        args.latency_ms,
        group(n as u64),
        secs(Some(t.elapsed().as_secs_f64()))
    );

    // The measured console is opened afresh on the seeded database and keychain service,
    // like the app after a restart, so nothing of the seeding (its connection pool, the data
    // key it holds) is counted: it reads the data key from the keychain again.
    let before_open = keychain.touches();
    let console = open_console(dir.path(), keychain.vault()).await?;
    add_technicians(&console).await?;
    let pushed = console.list_technicians().map_err(|e| format!("listing technicians: {e}"))?.len();
    println!(
        "technicians: {TECHNICIANS} operators on all customers added; every sync pushes {pushed} (with the admin)"
    );
    let ids: Vec<CustomerId> = console
        .list_customers()
        .map_err(|e| format!("listing customers: {e}"))?
        .into_iter()
        .map(|v| v.customer.id)
        .collect();
    if ids.len() != n {
        return Err(format!("{} customers in the console, not {n}", ids.len()));
    }
    let probe = &sim.instances[0];
    let body_bytes = data_body_bytes(probe).await?;
    println!(
        "data body: GET /mssp/v1/data answers {} bytes ({}; one instance, fetched directly)",
        group(body_bytes as u64),
        kb(Some(body_bytes as u64))
    );
    let requests_before = request_count(&sim, probe.port).await;

    // Setting up ran Argon2 7 times (admin, login, 5 technicians); what the allocator
    // kept of that is returned first, so the memory numbers are about syncing.
    let trimmed = release_free_memory();
    let peak_reset = reset_peak_rss();
    let rss_before = status_mb("VmRSS");
    let fd_baseline = open_fds();
    let first = measure_run(&console, &keychain, ids.clone(), "first").await;
    let second = measure_run(&console, &keychain, ids.clone(), "second").await;
    let rows = [first, second];
    let peak = if peak_reset { status_mb("VmHWM") } else { None };
    let rss_after = status_mb("VmRSS");
    let requests_after = request_count(&sim, probe.port).await;

    println!(
        "{:<8} | {:>6} | {:>6} | {:>8} | {:>9} | {:>7} | {:>9} | {:>8} | {:>7} | {:>9} | {:>9} | {:>8}",
        "run",
        "synced",
        "failed",
        "wall",
        "syncs/s",
        "CPU s",
        "CPU s/1k",
        "progress",
        "fds max",
        "fds after",
        "RSS after",
        "keychain"
    );
    for r in &rows {
        println!(
            "{:<8} | {:>6} | {:>6} | {:>8} | {:>9} | {:>7} | {:>9} | {:>8} | {:>7} | {:>9} | {:>9} | {:>8}",
            r.label,
            r.progress.done,
            r.progress.failures.len(),
            secs(Some(r.wall.as_secs_f64())),
            format!("{:.0}", r.progress.done as f64 / r.wall.as_secs_f64().max(1e-9)),
            fixed(r.cpu_s, 3),
            fixed(r.cpu_per_1000(), 3),
            r.updates,
            opt(r.fd_max),
            opt(r.fd_after),
            mb(r.rss_after_mb),
            r.keychain.calls(),
        );
    }
    let failed: usize = rows.iter().map(|r| r.progress.failures.len()).sum();
    let incomplete = rows.iter().any(|r| r.progress.done != n || r.progress.cancelled);

    let hwm_all = status_mb("VmHWM");
    println!(
        "memory: VmRSS {} before the runs{}, {} after; peak during the runs {}; VmHWM of the whole run incl. seeding {}",
        mb(rss_before),
        if trimmed { " (after malloc_trim)" } else { "" },
        mb(rss_after),
        if peak_reset { mb(peak) } else { "n/a (could not reset VmHWM)".into() },
        mb(hwm_all),
    );
    let fd_peak = rows.iter().filter_map(|r| r.fd_max.max(r.fd_after)).max();
    println!(
        "descriptors: {} open before the runs, at most {} during or right after a run (sampled every {} ms)",
        opt(fd_baseline),
        opt(fd_peak),
        FD_SAMPLE_EVERY.as_millis()
    );
    match (requests_before, requests_after) {
        (Some(a), Some(b)) => println!(
            "requests: instance 1 answered {} requests over the 2 runs ({} per sync; expected {REQUESTS_PER_SYNC})",
            b - a,
            fixed(Some((b - a) as f64 / 2.0), 1)
        ),
        _ => println!("requests: n/a (the control endpoint did not answer)"),
    }
    println!("database: {} (SQLite file + WAL, after both runs)", mb(db_mb(dir.path())));
    let check = verify(&console, &ids, pushed)?;
    println!(
        "verified: {}/{} customers have a stored snapshot with all {pushed} technicians pushed; one snapshot is {} bytes of JSON ({} components)",
        group(check.complete as u64),
        group(n as u64),
        group(check.snapshot_bytes as u64),
        check.components
    );
    let measured_touches = keychain.touches().since(&before_open);
    println!(
        "keychain: seeding {} customers: {seed_touches}; measured console (open, technicians, 2 syncs of {} customers, reading back): {measured_touches}",
        group(n as u64),
        group(n as u64)
    );

    let slower = rows.iter().map(|r| r.wall).max().unwrap_or_default().as_secs_f64();
    println!("goals:");
    goal_line(
        &format!(
            "{} customers synced ≤ {} s (slower run)",
            group(GOAL_AT as u64),
            GOAL_WALL.as_secs()
        ),
        format!(
            "first {}, second {}",
            secs(Some(rows[0].wall.as_secs_f64())),
            secs(Some(rows[1].wall.as_secs_f64()))
        ),
        Some(slower <= GOAL_WALL.as_secs_f64() && !incomplete),
        n == GOAL_AT,
    );
    goal_line(
        "every sync succeeds, every customer has a snapshot",
        format!(
            "{failed} failed, {} of {} with a full snapshot",
            group(check.complete as u64),
            group(n as u64)
        ),
        Some(failed == 0 && !incomplete && check.complete == n),
        true,
    );
    goal_line(
        &format!(
            "keychain calls constant: seeding ≤ {SEED_KEYCHAIN_CALLS}, measured ≤ {RUN_KEYCHAIN_CALLS}, any N"
        ),
        format!(
            "seeding {}, measured {} ({} customers)",
            seed_touches.calls(),
            measured_touches.calls(),
            group(n as u64)
        ),
        Some(keychain_constant(&seed_touches, &measured_touches)),
        true,
    );
    if let Some(reason) = check.first_problem {
        println!("first problem: {reason}");
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
            "seeding_s": seeding.as_secs_f64(),
            "first_wall_s": rows[0].wall.as_secs_f64(),
            "second_wall_s": rows[1].wall.as_secs_f64(),
            "cpu_s": rows.iter().map(|r| r.cpu_s).sum::<Option<f64>>(),
            "first_cpu_per_1000_s": rows[0].cpu_per_1000(),
            "second_cpu_per_1000_s": rows[1].cpu_per_1000(),
            "rss_before_mb": rss_before,
            "peak_rss_mb": peak,
            "hwm_all_mb": hwm_all,
            "fd_baseline": fd_baseline,
            "fd_peak": fd_peak,
            "failed": failed,
            "complete": check.complete,
            "data_body_bytes": body_bytes,
            "snapshot_bytes": check.snapshot_bytes,
            "keychain_seeding": seed_touches.json(),
            "keychain_measured": measured_touches.json(),
            "keychain_first_run": rows[0].keychain.json(),
            "keychain_second_run": rows[1].keychain.json(),
            "keychain_entries": removal.as_ref().ok().and_then(|r| r.entries),
        }),
    )?;
    drop(sim);
    if let Some(e) = removal_error {
        Err(e)
    } else if failed == 0 && !incomplete && check.complete == n {
        Ok(())
    } else {
        Err(format!(
            "N = {n}: {failed} syncs failed, {} of {n} customers have a full snapshot",
            check.complete
        ))
    }
}

/// One `sync_many` over every customer, as "Sync All" runs it (manual trigger).
async fn measure_run(
    console: &Console,
    keychain: &BenchKeychain,
    ids: Vec<CustomerId>,
    label: &'static str,
) -> RunRow {
    let sampler = FdSampler::start();
    let cpu_before = cpu_seconds();
    let keychain_before = keychain.touches();
    let mut updates = 0;
    let t = Instant::now();
    let progress = console
        .sync()
        .sync_many(
            BatchId(0),
            ids,
            Trigger::Manual,
            support::ADMIN,
            &AtomicBool::new(false),
            |_| updates += 1,
        )
        .await;
    let wall = t.elapsed();
    let keychain_during = keychain.touches().since(&keychain_before);
    let cpu_after = cpu_seconds();
    let (fd_max, sampler_cpu) = match sampler {
        Some(s) => s.finish(),
        None => (None, 0.0),
    };
    let cpu_s = match (cpu_before, cpu_after) {
        (Some(a), Some(b)) => Some((b - a - sampler_cpu).max(0.0)),
        _ => None,
    };
    RunRow {
        label,
        progress,
        keychain: keychain_during,
        updates,
        wall,
        cpu_s,
        fd_max,
        fd_after: open_fds(),
        rss_after_mb: status_mb("VmRSS"),
    }
}

async fn add_technicians(console: &Console) -> Result<(), String> {
    for i in 1..=TECHNICIANS {
        console
            .add_technician(TechnicianInput {
                username: format!("tech{i}"),
                email: format!("tech{i}@soc.example.com"),
                role: "operator".into(),
                all_customers: true,
                customer_ids: vec![],
                tag_ids: vec![],
                password: SecretString::from(support::ADMIN_PASSWORD),
            })
            .await
            .map_err(|e| format!("adding technician {i}: {e}"))?;
    }
    Ok(())
}

/// The size of one instance's `data` answer on the wire: logs in and fetches it with a
/// client of its own (dropped at the end, so it is not among the measured descriptors).
async fn data_body_bytes(info: &log360_sim::InstanceInfo) -> Result<usize, String> {
    let http = control_client(0)?;
    let base = info.url.trim_end_matches('/');
    let login: serde_json::Value = http
        .post(format!("{base}/mssp/v1/session"))
        .json(&serde_json::json!({ "username": info.username, "password": info.password }))
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .map_err(|e| format!("logging in to {base}: {e}"))?
        .json()
        .await
        .map_err(|e| format!("logging in to {base}: {e}"))?;
    let token = login["token"]
        .as_str()
        .ok_or_else(|| format!("logging in to {base}: no token in {login}"))?;
    let body = http
        .get(format!("{base}/mssp/v1/data"))
        .bearer_auth(token)
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .map_err(|e| format!("GET {base}/mssp/v1/data: {e}"))?
        .bytes()
        .await
        .map_err(|e| format!("GET {base}/mssp/v1/data: {e}"))?;
    Ok(body.len())
}

async fn request_count(sim: &SimProcess, port: u16) -> Option<u64> {
    sim.show(port).await.ok()?["request_count"].as_u64()
}

fn db_mb(dir: &Path) -> Option<f64> {
    let size = |name: &str| std::fs::metadata(dir.join(name)).map(|m| m.len()).ok();
    let db = size("console.db")?;
    let wal = size("console.db-wal").unwrap_or(0);
    Some((db + wal) as f64 / 1024.0 / 1024.0)
}

struct Check {
    /// Customers with a stored snapshot that holds every pushed technician.
    complete: usize,
    /// `serde_json::to_string` of the first customer's stored snapshot.
    snapshot_bytes: usize,
    components: usize,
    first_problem: Option<String>,
}

/// Reads every customer's stored snapshot back through `Console::customer_details`.
fn verify(console: &Console, ids: &[CustomerId], pushed: usize) -> Result<Check, String> {
    let mut check = Check { complete: 0, snapshot_bytes: 0, components: 0, first_problem: None };
    for (i, id) in ids.iter().enumerate() {
        let details =
            console.customer_details(*id).map_err(|e| format!("customer details: {e}"))?;
        let Some(data) = details.data else {
            check.first_problem.get_or_insert_with(|| {
                format!("{} has no snapshot ({:?})", details.customer.name, details.sync.reason)
            });
            continue;
        };
        if i == 0 {
            check.snapshot_bytes = serde_json::to_string(&data).map_or(0, |s| s.len());
            check.components = data.components.len();
        }
        let central = data
            .technicians
            .iter()
            .filter(|t| t.auth == TechnicianAuth::Central && t.enabled)
            .count();
        if central == pushed {
            check.complete += 1;
        } else {
            check.first_problem.get_or_insert_with(|| {
                format!(
                    "{}: {central} central technicians in the snapshot, not {pushed}",
                    details.customer.name
                )
            });
        }
    }
    Ok(check)
}

/// Bytes as "20.3 KB".
fn kb(bytes: Option<u64>) -> String {
    bytes.map_or("n/a".into(), |b| format!("{:.1} KB", b as f64 / 1024.0))
}
