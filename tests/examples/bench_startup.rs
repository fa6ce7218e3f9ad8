//! Start-up and footprint benchmark of the release app (issue 14): the time from launching
//! `mssp-console` to its login screen taking input, and the resident memory of the console
//! process and of WebKit's processes at idle, with 0 and with 1,000 customers.
//!
//! `make bench-startup` builds the release app and runs this inside the private headless
//! session; by hand: `MSSP_CONSOLE_BIN=<target>/release/mssp-console MSSP_HEADLESS=1
//! scripts/desktop-session.sh cargo run -p mssp-tests --example bench_startup -- [--customers
//! 0,1000] [--runs 5] [--idle-secs 15]`.
//!
//! How it measures: the app is launched through tauri-driver as the E2E tests do. The launch
//! instant is the console process's own start time (from /proc, 10 ms resolution); the page
//! marks `mssp:boot` (its script runs), `mssp:app-info` (the core answered) and
//! `mssp:first-screen` (the login screen is shown with its field focused), read through
//! `performance.timeOrigin` on the same wall clock. Memory is VmRSS and PSS (shared pages
//! split between the processes that map them) of the console and of every process it
//! started (WebKit's web and network processes), after `--idle-secs` at the login screen,
//! then again after logging in and `--idle-secs` on Customer Management (with the customers'
//! health checked against `log360-sim`, as an admin would leave it).
//!
//! Customers are seeded through `mssp-admin seed-demo` (Add Customer's own path, data key in
//! the real keychain) against a `log360-sim` with one instance per customer.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use mssp_tests::{App, AppConfig, Result};

const ADMIN: &str = "benchadmin";
const ADMIN_PASSWORD: &str = "Bench-Admin-2026!";
const GOAL_INTERACTIVE_MS: f64 = 1000.0;
const GOAL_CONSOLE_MB: f64 = 150.0;

struct Args {
    customers: Vec<usize>,
    runs: usize,
    idle: Duration,
}

fn parse_args() -> Result<Args> {
    let mut args = Args { customers: vec![0, 1000], runs: 5, idle: Duration::from_secs(15) };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut val = || it.next().ok_or_else(|| format!("{a} needs a value"));
        match a.as_str() {
            "--customers" => {
                args.customers = val()?
                    .split(',')
                    .map(|s| s.trim().replace([',', '_'], "").parse::<usize>())
                    .collect::<std::result::Result<_, _>>()?
            }
            "--runs" => args.runs = val()?.parse::<usize>()?.max(1),
            "--idle-secs" => args.idle = Duration::from_secs(val()?.parse()?),
            "-h" | "--help" => {
                println!("bench_startup [--customers 0,1000] [--runs 5] [--idle-secs 15]");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other:?}").into()),
        }
    }
    Ok(args)
}

/// A sibling of the app binary, or an env override.
fn sibling(env: &str, name: &str, app: &Path) -> Result<PathBuf> {
    if let Some(p) = std::env::var_os(env) {
        return Ok(PathBuf::from(p));
    }
    let p = app.with_file_name(name);
    if p.is_file() { Ok(p) } else { Err(format!("{} not found (set {env})", p.display()).into()) }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<()> {
    let args = parse_args()?;
    let app_bin = PathBuf::from(std::env::var_os("MSSP_CONSOLE_BIN").ok_or(
        "MSSP_CONSOLE_BIN must name the release mssp-console (make bench-startup sets it)",
    )?);
    let app_bin = app_bin.canonicalize()?;
    let admin_bin = sibling("MSSP_ADMIN_BIN", "mssp-admin", &app_bin)?;
    let sim_bin = sibling("LOG360_SIM", "log360-sim", &app_bin)?;
    println!("MSSP Console start-up and footprint benchmark");
    println!(
        "app: {} ({:.1} MB)",
        app_bin.display(),
        std::fs::metadata(&app_bin)?.len() as f64 / 1e6
    );
    println!("machine: {}", machine());
    println!(
        "method: launched through tauri-driver; launch = the console process's start time (/proc); interactive = the page's mark when the login screen is shown and focused; memory after {} s idle",
        args.idle.as_secs()
    );
    let mut summary = Vec::new();
    for &n in &args.customers {
        summary.push(run_n(n, &args, &app_bin, &admin_bin, &sim_bin).await?);
    }
    println!();
    println!(
        "== Summary (goals: interactive < {GOAL_INTERACTIVE_MS:.0} ms; console < {GOAL_CONSOLE_MB:.0} MB RSS at idle with 1,000 customers) =="
    );
    println!(
        "{:>9} | {:>22} | {:>22} | {:>24} | {:>24}",
        "customers",
        "interactive median/max",
        "launch→page script",
        "idle at login: console / WebKit RSS (PSS all)",
        "idle logged in: console / WebKit RSS (PSS all)"
    );
    for s in summary {
        println!("{s}");
    }
    Ok(())
}

async fn run_n(
    n: usize,
    args: &Args,
    app_bin: &Path,
    admin_bin: &Path,
    sim_bin: &Path,
) -> Result<String> {
    println!();
    println!("== {n} customers ==");
    let dir = tempfile::Builder::new().prefix("mssp-bench-startup-").tempdir()?;
    let data = dir.path().join("data");
    let service = format!("mssp-console-bench-startup-{}-{n}", std::process::id());
    let manifest = dir.path().join("manifest.json");
    let mut sim = None;
    if n > 0 {
        let log = std::fs::File::create(dir.path().join("sim.log"))?;
        let child = Command::new(sim_bin)
            .args(["--instances", &n.to_string(), "--manifest"])
            .arg(&manifest)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()?;
        sim = Some(Killed(child));
        let deadline = Instant::now() + Duration::from_secs(300);
        while !manifest.is_file() || std::fs::read_to_string(&manifest)?.trim().is_empty() {
            if Instant::now() > deadline {
                return Err("log360-sim wrote no manifest in 300 s".into());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    } else {
        std::fs::write(&manifest, "[]")?;
    }
    let t = Instant::now();
    let seeded = Command::new(admin_bin)
        .args(["seed-demo", "--manifest"])
        .arg(&manifest)
        .env("MSSP_CONSOLE_DATA_DIR", &data)
        .env("MSSP_CONSOLE_KEYCHAIN_SERVICE", &service)
        .env("MSSP_ADMIN_USERNAME", ADMIN)
        .env("MSSP_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .stdin(Stdio::null())
        .output()?;
    if !seeded.status.success() {
        return Err(format!(
            "mssp-admin seed-demo failed: {}",
            String::from_utf8_lossy(&seeded.stderr)
        )
        .into());
    }
    println!(
        "seeded {n} customers with mssp-admin seed-demo in {:.1} s (not measured)",
        t.elapsed().as_secs_f64()
    );

    let mut interactive = Vec::new();
    let mut script = Vec::new();
    let mut at_login = String::new();
    let mut logged_in = String::new();
    let mut console_mb_logged_in = None;
    for run in 0..args.runs {
        let cfg = AppConfig::new("bench-startup").data_dir(&data).keychain_service(&service);
        let app = App::launch_with(cfg).await?;
        app.wait_for("#login-form").await?;
        let pid = console_pid(app_bin).ok_or("the console process was not found")?;
        let start_ms = process_start_ms(pid)?;
        let marks = app
            .client()
            .execute(
                "const m = {}; for (const e of performance.getEntriesByType('mark')) if (!(e.name in m)) m[e.name] = e.startTime; return { origin: performance.timeOrigin, marks: m };",
                vec![],
            )
            .await?;
        let origin = marks["origin"].as_f64().ok_or("no timeOrigin")?;
        let mark = |name: &str| marks["marks"][name].as_f64().map(|t| origin + t - start_ms);
        let (Some(boot), Some(info), Some(first)) =
            (mark("mssp:boot"), mark("mssp:app-info"), mark("mssp:first-screen"))
        else {
            return Err(format!("start-up marks missing: {marks}").into());
        };
        println!(
            "run {}: launch → page origin {:.0} ms → script {:.0} ms → app_info {:.0} ms → login screen interactive {:.0} ms",
            run + 1,
            origin - start_ms,
            boot,
            info,
            first
        );
        interactive.push(first);
        script.push(boot);
        if run + 1 == args.runs {
            tokio::time::sleep(args.idle).await;
            let m = Footprint::read(pid);
            at_login = m.to_string();
            println!("idle at the login screen: {m}");
            app.fill("#login-username", ADMIN).await?;
            app.fill("#login-password", ADMIN_PASSWORD).await?;
            app.click("#login-submit").await?;
            app.wait_until_gone("#login-form").await?;
            if n > 0 {
                app.wait_for("#customer-table tr[data-customer-id]").await?;
            }
            tokio::time::sleep(args.idle).await;
            let m = Footprint::read(pid);
            console_mb_logged_in = Some(m.console_rss);
            logged_in = m.to_string();
            println!("idle logged in on Customer Management: {m}");
        }
        let _ = app.close().await;
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let _ = Command::new("secret-tool").args(["clear", "service", &service]).status();
    drop(sim);
    interactive.sort_by(f64::total_cmp);
    script.sort_by(f64::total_cmp);
    let median = interactive[interactive.len() / 2];
    let max = interactive[interactive.len() - 1];
    let verdict = |ok: bool| if ok { "PASS" } else { "MISS" };
    let mem_note = match (n >= 1000, console_mb_logged_in) {
        (true, Some(mb)) => format!(" {}", verdict(mb < GOAL_CONSOLE_MB)),
        _ => String::new(),
    };
    Ok(format!(
        "{:>9} | {:>22} | {:>22} | {:>24} | {:>24}{mem_note}",
        n,
        format!("{median:.0} / {max:.0} ms {}", verdict(max < GOAL_INTERACTIVE_MS)),
        format!("{:.0} ms", script[script.len() / 2]),
        at_login,
        logged_in
    ))
}

/// A child killed when dropped.
struct Killed(Child);
impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The running console: the process whose executable is the app binary.
fn console_pid(app_bin: &Path) -> Option<u32> {
    std::fs::read_dir("/proc").ok()?.flatten().find_map(|e| {
        let pid: u32 = e.file_name().to_str()?.parse().ok()?;
        let exe = std::fs::read_link(e.path().join("exe")).ok()?;
        (exe == app_bin).then_some(pid)
    })
}

/// When `pid` started, in ms since the epoch (10 ms resolution: clock ticks).
fn process_start_ms(pid: u32) -> Result<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    let after = stat.rsplit_once(')').ok_or("bad stat")?.1;
    // Fields after the name: state is field 3; starttime is field 22.
    let start_ticks: f64 = after.split_whitespace().nth(19).ok_or("bad stat")?.parse()?;
    let uptime: f64 = std::fs::read_to_string("/proc/uptime")?
        .split_whitespace()
        .next()
        .ok_or("uptime")?
        .parse()?;
    let now_ms = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs_f64() * 1e3;
    let ticks = clock_ticks();
    Ok(now_ms - (uptime - start_ticks / ticks) * 1e3)
}

fn clock_ticks() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

/// Memory of the console and every process it started.
struct Footprint {
    console_rss: f64,
    others: Vec<(String, f64)>,
    pss_all: f64,
}

impl Footprint {
    fn read(pid: u32) -> Self {
        let kb = |pid: u32, file: &str, key: &str| -> f64 {
            std::fs::read_to_string(format!("/proc/{pid}/{file}"))
                .ok()
                .and_then(|s| {
                    s.lines()
                        .find(|l| l.starts_with(key))
                        .and_then(|l| l.split_whitespace().nth(1))
                        .and_then(|v| v.parse::<f64>().ok())
                })
                .unwrap_or(0.0)
                / 1024.0
        };
        let descendants = descendants(pid);
        let others = descendants
            .iter()
            .map(|p| {
                let name = std::fs::read_to_string(format!("/proc/{p}/comm")).unwrap_or_default();
                (name.trim().to_owned(), kb(*p, "status", "VmRSS:"))
            })
            .collect();
        let pss_all = std::iter::once(pid)
            .chain(descendants.iter().copied())
            .map(|p| kb(p, "smaps_rollup", "Pss:"))
            .sum();
        Self { console_rss: kb(pid, "status", "VmRSS:"), others, pss_all }
    }
}

impl std::fmt::Display for Footprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let webkit: f64 = self.others.iter().map(|(_, mb)| mb).sum();
        write!(f, "{:.0} / {:.0} MB ({:.0} MB)", self.console_rss, webkit, self.pss_all)?;
        if f.alternate() {
            for (name, mb) in &self.others {
                write!(f, "; {name} {mb:.0} MB")?;
            }
        }
        Ok(())
    }
}

fn descendants(root: u32) -> Vec<u32> {
    let mut parent_of = Vec::new();
    if let Ok(dir) = std::fs::read_dir("/proc") {
        for e in dir.flatten() {
            let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
                continue;
            };
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { continue };
            let Some(ppid) = stat
                .rsplit_once(')')
                .and_then(|(_, a)| a.split_whitespace().nth(1))
                .and_then(|s| s.parse::<u32>().ok())
            else {
                continue;
            };
            parent_of.push((pid, ppid));
        }
    }
    let mut out = Vec::new();
    let mut frontier = vec![root];
    while let Some(p) = frontier.pop() {
        for (child, _) in parent_of.iter().filter(|(_, pp)| *pp == p) {
            out.push(*child);
            frontier.push(*child);
        }
    }
    out
}

fn machine() -> String {
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_default();
    format!("{cores} cores, {model}, shared")
}
