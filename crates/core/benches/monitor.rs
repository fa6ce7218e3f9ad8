//! Performance benchmark of the health monitor (`mssp_core::monitor`) against real HTTP
//! instances: starts `log360-sim` as a separate process with N instances on loopback, seeds a
//! console with N customers, and measures full sweeps (wall time, CPU seconds per 1,000
//! checks, peak memory, open file descriptors) and the detection latency of the scheduled
//! monitor (instance killed → notification). Compares each number with the goal it has.
//! The console keeps its data key in the real OS keychain, under a service of each run's
//! own, and the bench counts every keychain call (a constant, not one per customer).
//!
//! Run: `make bench`, or `cargo build --release -p log360-sim` then, inside a desktop
//! session with a keychain, `MSSP_HEADLESS=1 scripts/desktop-session.sh cargo bench -p
//! mssp-core --bench monitor -- [--n 1000,10000] [--latency-ms 50] [--sweeps 3]
//! [--skip-detection]`.
//!
//! Each N (and the detection run) runs in a fresh child process of this binary, so peak
//! memory and descriptor counts belong to that N alone. The simulator is another process, so
//! its CPU and memory are not counted. Linux-only readings (/proc, per-thread CPU) print
//! "n/a" elsewhere.

mod support;

use mssp_core::client::ClientConfig;
use mssp_core::model::{CustomerId, HealthState};
use mssp_core::monitor::{self, MonitorSettings, SweepReport};
use mssp_core::{Console, ConsoleEvent};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::*;
use tokio::sync::broadcast;

/// Customers in the detection-latency run, and the customers taken down (by index).
const DETECTION_N: usize = 100;
const DETECTION_TARGETS: [usize; 3] = [17, 53, 89];

// The goals.
const GOAL_SWEEP_WALL: Duration = Duration::from_secs(5);
const GOAL_SWEEP_WALL_AT: usize = 10_000;
const GOAL_CPU_PER_1000: f64 = 0.5;
const GOAL_MEMORY_MB: f64 = 200.0;
const GOAL_MEMORY_AT: usize = 10_000;
/// macOS's default open-file limit per process.
const MACOS_FD_LIMIT: usize = 256;

const USAGE: &str = "\
monitor benchmark: the health monitor against log360-sim on loopback

USAGE:
    cargo bench -p mssp-core --bench monitor -- [OPTIONS]

OPTIONS:
    --n LIST           Customer counts, comma-separated (default 1000,10000)
    --latency-ms MS    Latency the simulator adds to every request (default 50)
    --sweeps K         Steady sweeps after the first one (default 3)
    --skip-detection   Skip the detection-latency run (N = 100, about a minute)
    -h, --help         Print this help

Needs the release simulator: cargo build --release -p log360-sim (make bench does it).
LOG360_SIM=/path/to/log360-sim overrides where it is looked for.
Needs the OS keychain: run it inside scripts/desktop-session.sh (make bench does, with
MSSP_HEADLESS=1); each run uses a service of its own and deletes its data key at the end.";

#[derive(Debug, Clone)]
enum Mode {
    /// Runs every N and the detection run as children, then prints the summary.
    Parent,
    Sweeps(usize),
    Detection,
}

#[derive(Debug, Clone)]
struct Args {
    mode: Mode,
    ns: Vec<usize>,
    latency_ms: u64,
    sweeps: usize,
    skip_detection: bool,
    result: Option<PathBuf>,
}

fn parse_args(it: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let mut args = Args {
        mode: Mode::Parent,
        ns: vec![1_000, 10_000],
        latency_ms: 50,
        sweeps: 3,
        skip_detection: false,
        result: None,
    };
    let mut ns = args.ns.clone();
    let run = support::parse_flags(it, &mut ns, |flag, val| {
        match flag {
            "--latency-ms" => args.latency_ms = num(&val()?, flag)?,
            "--sweeps" => args.sweeps = num(&val()?, flag)?,
            "--skip-detection" => args.skip_detection = true,
            // Internal: a child run.
            "--child-sweeps" => args.mode = Mode::Sweeps(num(&val()?, flag)?),
            "--child-detection" => args.mode = Mode::Detection,
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
    let args = match args_or_exit("monitor bench", USAGE, parse_args(std::env::args().skip(1))) {
        Ok(args) => args,
        Err(code) => return code,
    };
    let outcome = match args.mode {
        Mode::Parent => run_parent(&args),
        Mode::Sweeps(n) => in_runtime(sweeps_child(n, args.clone())),
        Mode::Detection => in_runtime(detection_child(args.clone())),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("monitor bench: {e}");
            ExitCode::FAILURE
        }
    }
}

// ----------------------------------------------------------------------------------------
// Parent: one child per N, then the summary.

fn run_parent(args: &Args) -> Result<(), String> {
    println!("MSSP Console health-monitor benchmark");
    println!("machine: {}", machine());
    println!(
        "settings: N = {}, {} ms latency per request, 1 first + {} steady sweeps, monitor::CONCURRENCY = {}",
        args.ns.iter().map(|n| group(*n as u64)).collect::<Vec<_>>().join(", "),
        args.latency_ms,
        args.sweeps,
        monitor::CONCURRENCY
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

    let mut runs: Vec<(String, Vec<String>)> = args
        .ns
        .iter()
        .map(|n| (format!("N = {n}"), vec!["--child-sweeps".into(), n.to_string()]))
        .collect();
    if !args.skip_detection {
        runs.push(("detection".into(), vec!["--child-detection".into()]));
    }
    for (i, (label, mode)) in runs.into_iter().enumerate() {
        let result = dir.path().join(format!("result-{i}.json"));
        let mut child_args = mode;
        child_args.extend([
            "--latency-ms".into(),
            args.latency_ms.to_string(),
            "--sweeps".into(),
            args.sweeps.to_string(),
        ]);
        let (outcome, value) = run_child(&label, &child_args, &result)?;
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
        "== Summary ({} ms latency; sweep numbers are the median of the steady sweeps) ==",
        args.latency_ms
    );
    println!(
        "{:>7} | {:>12} | {:>12} | {:>12} | {:>14} | {:>16} | {:>10} | {:>14}",
        "N",
        "first sweep",
        "steady sweep",
        "CPU s/1k",
        "peak RSS",
        "fds base→peak",
        "seeding",
        "keychain s/m"
    );
    for r in results.iter().filter(|r| r["kind"] == "sweeps") {
        let n = r["n"].as_u64().unwrap_or(0) as usize;
        let steady = r["steady_wall_s"].as_f64();
        let cpu = r["steady_cpu_per_1000_s"].as_f64();
        let rss = r["peak_rss_sweeps_mb"].as_f64();
        let fd_peak = r["fd_peak"].as_u64();
        let fd_ok = r["fd_pass"].as_bool();
        println!(
            "{:>7} | {:>12} | {:>12} | {:>12} | {:>14} | {:>16} | {:>10} | {:>14}",
            group(n as u64),
            secs(r["first_wall_s"].as_f64()),
            mark(
                secs(steady),
                (n >= GOAL_SWEEP_WALL_AT)
                    .then(|| steady.map(|s| s <= GOAL_SWEEP_WALL.as_secs_f64()))
                    .flatten()
            ),
            mark(fixed(cpu, 3), cpu.map(|c| c <= GOAL_CPU_PER_1000)),
            mark(
                mb(rss),
                (n >= GOAL_MEMORY_AT).then(|| rss.map(|m| m <= GOAL_MEMORY_MB)).flatten()
            ),
            mark(
                format!(
                    "{}→{}",
                    r["fd_baseline"].as_u64().map_or("n/a".into(), |v| v.to_string()),
                    fd_peak.map_or("n/a".into(), |v| v.to_string())
                ),
                fd_ok
            ),
            secs(r["seeding_s"].as_f64()),
            keychain_cell(r),
        );
    }
    if let Some(d) = results.iter().find(|r| r["kind"] == "detection") {
        let max = d["max_notify_s"].as_f64();
        let bound = d["bound_s"].as_f64().unwrap_or(0.0);
        println!(
            "detection latency (N = {DETECTION_N}, killed → notification), max of {}: {}",
            d["rounds"].as_u64().unwrap_or(0),
            mark(secs(max), max.map(|m| m <= bound))
        );
        println!("  bound: {}", d["bound_text"].as_str().unwrap_or("?"));
    }
    println!(
        "keychain s/m = keychain calls while seeding / of the measured console (open + every sweep); goal: at most {SEED_KEYCHAIN_CALLS} / {RUN_KEYCHAIN_CALLS}, whatever N."
    );
    println!(
        "goals: steady sweep ≤ {} s at N = {}; CPU ≤ {GOAL_CPU_PER_1000} s per 1,000 checks; peak RSS ≤ {GOAL_MEMORY_MB} MB at N = {}; fds ≤ baseline + 2 × CONCURRENCY, independent of N (the console raises its soft limit above macOS's default {MACOS_FD_LIMIT} at start); detection ≤ interval × failures + timeout. \"—\" = no goal at this N.",
        GOAL_SWEEP_WALL.as_secs(),
        group(GOAL_SWEEP_WALL_AT as u64),
        group(GOAL_MEMORY_AT as u64)
    );
}

/// "2 / 1 PASS": keychain calls while seeding / of the measured console.
fn keychain_cell(r: &serde_json::Value) -> String {
    let seeding = r["keychain_seeding"]["calls"].as_u64();
    let measured = r["keychain_measured"]["calls"].as_u64();
    let text = format!(
        "{} / {}",
        seeding.map_or("n/a".into(), |v| v.to_string()),
        measured.map_or("n/a".into(), |v| v.to_string())
    );
    let pass =
        seeding.zip(measured).map(|(s, m)| s <= SEED_KEYCHAIN_CALLS && m <= RUN_KEYCHAIN_CALLS);
    mark(text, pass)
}

// ----------------------------------------------------------------------------------------
// Child: one N, first sweep + steady sweeps.

struct SweepRow {
    label: String,
    report: SweepReport,
    /// Keychain calls during the sweep.
    keychain: Touches,
    wall: Duration,
    cpu_s: Option<f64>,
    fd_max: Option<usize>,
    fd_after: Option<usize>,
    rss_after_mb: Option<f64>,
}

impl SweepRow {
    fn cpu_per_1000(&self) -> Option<f64> {
        let checked = self.report.checked.max(1) as f64;
        self.cpu_s.map(|c| c * 1000.0 / checked)
    }
}

async fn sweeps_child(n: usize, args: Args) -> Result<(), String> {
    raise_fd_limit();
    let dir = tempfile::tempdir().map_err(|e| format!("temp dir: {e}"))?;
    println!();
    println!("== N = {} customers, {} ms latency per request ==", group(n as u64), args.latency_ms);
    let started = Instant::now();
    let sim = SimProcess::start(n, 0, 0, dir.path())?;
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
    let peak_reset = reset_peak_rss();
    let rss_before = status_mb("VmRSS");
    let fd_baseline = open_fds();

    let mut rows = Vec::new();
    rows.push(measure_sweep(&console, &keychain, "first (logs in)".into()).await?);
    for i in 1..=args.sweeps {
        rows.push(measure_sweep(&console, &keychain, format!("steady {i}")).await?);
    }
    let measured_touches = keychain.touches().since(&before_open);
    let peak_sweeps = if peak_reset { status_mb("VmHWM") } else { None };
    let rss_after = status_mb("VmRSS");

    println!(
        "{:<16} | {:>7} | {:>6} | {:>5} | {:>5} | {:>8} | {:>7} | {:>10} | {:>7} | {:>9} | {:>9} | {:>8}",
        "sweep",
        "checked",
        "up",
        "down",
        "unkn",
        "wall",
        "CPU s",
        "CPU s/1k",
        "fds max",
        "fds after",
        "RSS after",
        "keychain"
    );
    for r in &rows {
        println!(
            "{:<16} | {:>7} | {:>6} | {:>5} | {:>5} | {:>8} | {:>7} | {:>10} | {:>7} | {:>9} | {:>9} | {:>8}",
            r.label,
            r.report.checked,
            r.report.up,
            r.report.down,
            r.report.unknown,
            secs(Some(r.wall.as_secs_f64())),
            fixed(r.cpu_s, 3),
            fixed(r.cpu_per_1000(), 3),
            opt(r.fd_max),
            opt(r.fd_after),
            mb(r.rss_after_mb),
            r.keychain.calls(),
        );
    }
    let steady = &rows[1..];
    let steady_wall = median(steady.iter().map(|r| r.wall.as_secs_f64()).collect());
    let steady_cpu = median(steady.iter().filter_map(SweepRow::cpu_per_1000).collect());
    println!(
        "{:<16} | {:>7} | {:>6} | {:>5} | {:>5} | {:>8} | {:>7} | {:>10} |",
        "steady median",
        "",
        "",
        "",
        "",
        secs(steady_wall),
        "",
        fixed(steady_cpu, 3)
    );
    let unhealthy: usize = rows.iter().map(|r| r.report.checked - r.report.up).sum();
    if unhealthy > 0 {
        println!(
            "WARNING: {unhealthy} checks across the sweeps did not end Up; the numbers include failures"
        );
    }

    let fd_peak = rows.iter().filter_map(|r| r.fd_max.max(r.fd_after)).max();
    // Strictly: the sweep adds no more descriptors than checks in flight.
    let fd_pass = match (fd_baseline, fd_peak) {
        // A check slot holds at most two sockets at a moment: the one just used, still
        // closing, and the next one opening (a login followed by the health call, or the next
        // check). So the bound is 2 × CONCURRENCY above the baseline, whatever N is.
        (Some(base), Some(peak)) => Some(peak <= base + 2 * monitor::CONCURRENCY),
        _ => None,
    };
    let hwm_all = status_mb("VmHWM");
    println!(
        "memory: VmRSS {} before the sweeps, {} after; peak during the sweeps {}; VmHWM of the whole run incl. seeding {}",
        mb(rss_before),
        mb(rss_after),
        if peak_reset { mb(peak_sweeps) } else { "n/a (could not reset VmHWM)".into() },
        mb(hwm_all),
    );
    println!(
        "descriptors: {} open before the sweeps, at most {} during or right after any sweep (sampled every {} ms)",
        opt(fd_baseline),
        opt(fd_peak),
        FD_SAMPLE_EVERY.as_millis()
    );
    println!(
        "keychain: seeding {} customers: {seed_touches}; measured console (open + {} sweeps of {} customers): {measured_touches}",
        group(n as u64),
        rows.len(),
        group(n as u64)
    );

    let first = &rows[0];
    println!("goals:");
    goal_line(
        &format!(
            "steady sweep ≤ {} s at N = {}",
            GOAL_SWEEP_WALL.as_secs(),
            group(GOAL_SWEEP_WALL_AT as u64)
        ),
        format!(
            "{} (first sweep, with logins: {})",
            secs(steady_wall),
            secs(Some(first.wall.as_secs_f64()))
        ),
        (n >= GOAL_SWEEP_WALL_AT)
            .then(|| steady_wall.map(|s| s <= GOAL_SWEEP_WALL.as_secs_f64()))
            .flatten(),
        n >= GOAL_SWEEP_WALL_AT,
    );
    goal_line(
        &format!("CPU ≤ {GOAL_CPU_PER_1000} s per 1,000 checks (steady median)"),
        format!("{} (first sweep: {})", fixed(steady_cpu, 3), fixed(first.cpu_per_1000(), 3)),
        steady_cpu.map(|c| c <= GOAL_CPU_PER_1000),
        true,
    );
    goal_line(
        &format!(
            "peak RSS during sweeps ≤ {GOAL_MEMORY_MB} MB at N = {}",
            group(GOAL_MEMORY_AT as u64)
        ),
        mb(peak_sweeps),
        (n >= GOAL_MEMORY_AT).then(|| peak_sweeps.map(|m| m <= GOAL_MEMORY_MB)).flatten(),
        n >= GOAL_MEMORY_AT,
    );
    goal_line(
        &format!(
            "fds ≤ baseline + 2 × CONCURRENCY ({}), independent of N",
            2 * monitor::CONCURRENCY
        ),
        format!(
            "peak {} = baseline {} + {}",
            opt(fd_peak),
            opt(fd_baseline),
            opt(fd_peak.zip(fd_baseline).map(|(p, b)| p.saturating_sub(b)))
        ),
        fd_pass,
        true,
    );
    goal_line(
        &format!("fds < {MACOS_FD_LIMIT} (macOS default limit)"),
        format!("peak {}", opt(fd_peak)),
        fd_peak.map(|p| p < MACOS_FD_LIMIT),
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

    drop(console);
    let service = keychain.service().to_owned();
    let removal = keychain.remove();
    let removal_error = report_removal(&service, n, &removal);
    write_result(
        args.result.as_deref(),
        serde_json::json!({
            "kind": "sweeps",
            "n": n,
            "latency_ms": args.latency_ms,
            "seeding_s": seeding.as_secs_f64(),
            "first_wall_s": first.wall.as_secs_f64(),
            "first_cpu_per_1000_s": first.cpu_per_1000(),
            "steady_wall_s": steady_wall,
            "steady_cpu_per_1000_s": steady_cpu,
            "peak_rss_sweeps_mb": peak_sweeps,
            "hwm_all_mb": hwm_all,
            "fd_baseline": fd_baseline,
            "fd_peak": fd_peak,
            "fd_pass": fd_pass,
            "keychain_seeding": seed_touches.json(),
            "keychain_measured": measured_touches.json(),
            "keychain_entries": removal.as_ref().ok().and_then(|r| r.entries),
        }),
    )?;
    drop(sim);
    removal_error.map_or(Ok(()), Err)
}

async fn measure_sweep(
    console: &Console,
    keychain: &BenchKeychain,
    label: String,
) -> Result<SweepRow, String> {
    let sampler = FdSampler::start();
    let cpu_before = cpu_seconds();
    let keychain_before = keychain.touches();
    let t = Instant::now();
    let report = console.monitor().sweep_once().await.map_err(|e| format!("sweep: {e}"))?;
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
    Ok(SweepRow {
        label,
        report,
        keychain: keychain_during,
        wall,
        cpu_s,
        fd_max,
        fd_after: open_fds(),
        rss_after_mb: status_mb("VmRSS"),
    })
}

// ----------------------------------------------------------------------------------------
// Child: detection latency with the scheduled monitor.

async fn detection_child(args: Args) -> Result<(), String> {
    raise_fd_limit();
    let dir = tempfile::tempdir().map_err(|e| format!("temp dir: {e}"))?;
    let settings = MonitorSettings {
        interval_secs: 5,
        retry_secs: 5,
        failures_to_down: 3,
        ..Default::default()
    };
    let timeout = ClientConfig::default().total_timeout;
    let bound = Duration::from_secs(settings.interval_secs) * settings.failures_to_down + timeout;
    let bound_text = format!(
        "interval {} s × {} failures to Down + timeout {} s = {} s",
        settings.interval_secs,
        settings.failures_to_down,
        timeout.as_secs(),
        bound.as_secs()
    );
    println!();
    println!(
        "== Detection latency: N = {DETECTION_N}, {} ms latency, retry {} s; bound {bound_text} ==",
        args.latency_ms, settings.retry_secs
    );
    let sim = SimProcess::start(DETECTION_N, args.latency_ms, 0, dir.path())?;
    let keychain = BenchKeychain::open()?;
    seed(dir.path(), keychain.vault(), &sim.instances).await?;
    let seed_touches = keychain.touches();
    let console = Arc::new(open_console(dir.path(), keychain.vault()).await?);
    console.set_monitor_settings(settings.clone()).map_err(|e| format!("monitor settings: {e}"))?;
    let customers = console.list_customers().map_err(|e| format!("listing customers: {e}"))?;
    let mut events = console.subscribe();
    let handle = console.monitor().spawn();

    println!(
        "{:>5} | {:<12} | {:>23} | {:>13} | {:>21}",
        "round", "customer", "killed after good check", "killed → Down", "killed → notification"
    );
    let interval = Duration::from_secs(settings.interval_secs);
    let mut notify_times = Vec::new();
    let mut outcome = Ok(());
    for (round, idx) in DETECTION_TARGETS.iter().enumerate() {
        let info = &sim.instances[*idx];
        let name = customer_name(*idx);
        let Some(customer) = customers.iter().map(|v| &v.customer).find(|c| c.name == name) else {
            outcome = Err(format!("customer {name} was not added"));
            break;
        };
        let id = customer.id;
        let limit = bound * 2 + Duration::from_secs(30);
        if let Err(e) = wait_for(&mut events, limit, |e| is_health(e, id, HealthState::Up)).await {
            outcome = Err(format!("{name} never came Up: {e}"));
            break;
        }
        // Kill at a different point of the check cycle each round: right after a good
        // check (the worst case: the next check is a whole interval away), then later.
        let phase = interval * round as u32 / DETECTION_TARGETS.len() as u32;
        tokio::time::sleep(phase).await;
        sim.control("fault", info.port, serde_json::json!({"fault": "down"})).await?;
        let killed = Instant::now();
        let mut down_at = None;
        let waited = wait_for(&mut events, limit, |e| {
            if down_at.is_none() && is_health(e, id, HealthState::Down) {
                down_at = Some(killed.elapsed());
            }
            matches!(e, ConsoleEvent::Notify(n) if n.title.contains(&name) || n.body.contains(&name))
        })
        .await;
        let notified = waited.map(|at| at.duration_since(killed));
        println!(
            "{:>5} | {:<12} | {:>23} | {:>13} | {:>21}",
            round + 1,
            name,
            secs(Some(phase.as_secs_f64())),
            secs(down_at.map(|d| d.as_secs_f64())),
            match &notified {
                Ok(d) => secs(Some(d.as_secs_f64())),
                Err(e) => format!("none: {e}"),
            }
        );
        sim.control("fault", info.port, serde_json::json!({"fault": "none"})).await?;
        match notified {
            Ok(d) => notify_times.push(d),
            Err(e) => {
                outcome = Err(format!("no notification for {name}: {e}"));
                break;
            }
        }
        if let Err(e) = wait_for(&mut events, limit, |e| is_health(e, id, HealthState::Up)).await {
            outcome = Err(format!("{name} did not recover: {e}"));
            break;
        }
    }
    handle.stop();
    let measured_touches = keychain.touches().since(&seed_touches);
    println!(
        "keychain ({}): seeding {DETECTION_N} customers: {seed_touches}; scheduled monitor: {measured_touches}",
        keychain.service()
    );

    let max = notify_times.iter().max().copied();
    goal_line(
        &format!("detection ≤ {} s", bound.as_secs()),
        format!("max {} over {} rounds", secs(max.map(|d| d.as_secs_f64())), notify_times.len()),
        max.map(|m| m <= bound),
        true,
    );
    write_result(
        args.result.as_deref(),
        serde_json::json!({
            "kind": "detection",
            "rounds": notify_times.len(),
            "max_notify_s": max.map(|d| d.as_secs_f64()),
            "bound_s": bound.as_secs_f64(),
            "bound_text": bound_text,
            "keychain_seeding": seed_touches.json(),
            "keychain_measured": measured_touches.json(),
        }),
    )?;
    drop(console);
    let service = keychain.service().to_owned();
    let removal = keychain.remove();
    let removal_error = report_removal(&service, DETECTION_N, &removal);
    drop(sim);
    outcome.and(removal_error.map_or(Ok(()), Err))
}

fn is_health(e: &ConsoleEvent, id: CustomerId, state: HealthState) -> bool {
    matches!(e, ConsoleEvent::HealthUpdated { customer_id, health } if *customer_id == id && health.state == state)
}

/// Reads events until `hit` says yes; returns when that event arrived.
async fn wait_for(
    events: &mut broadcast::Receiver<ConsoleEvent>,
    limit: Duration,
    mut hit: impl FnMut(&ConsoleEvent) -> bool,
) -> Result<Instant, String> {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        match tokio::time::timeout_at(deadline, events.recv()).await {
            Err(_) => return Err(format!("nothing within {} s", limit.as_secs())),
            Ok(Ok(e)) if hit(&e) => return Ok(Instant::now()),
            Ok(Ok(_)) => {}
            Ok(Err(broadcast::error::RecvError::Lagged(k))) => {
                eprintln!("(event receiver lagged by {k}; an event may have been missed)");
            }
            Ok(Err(broadcast::error::RecvError::Closed)) => {
                return Err("the console's events ended".into());
            }
        }
    }
}
