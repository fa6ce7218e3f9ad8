//! Window performance of Customer Management with 10,000 customers (issue 11), in the real
//! release window driven through WebDriver: opening the page, search / quick filter / sort
//! from the input event to the frame after the update, frame gaps and main-thread stalls
//! while scrolling, WebKit's memory, and a health sweep with 500 state changes.
//!
//! `make bench-ui` builds the release app and runs this inside the private headless session;
//! by hand: `MSSP_CONSOLE_BIN=<target>/release/mssp-console MSSP_HEADLESS=1
//! scripts/desktop-session.sh cargo run -p mssp-tests --example bench_ui -- [--customers 10000]`.
//!
//! Measured in the page: each action is triggered by a script (the event a person's input
//! would fire) at t0; the table's first change after it is awaited (a MutationObserver), then
//! the next `requestAnimationFrame`: t1 − t0 is the figure. WebKitGTK has no Long Tasks API,
//! so stalls are measured by a 5 ms timer: the longest lateness of its ticks is the longest
//! time the main thread could not run anything. Xvfb has no GPU; frame gaps are the intervals
//! between `requestAnimationFrame` callbacks.
//!
//! The simulator runs in this process (one instance per customer); customers are seeded by
//! `mssp-admin seed-demo` (Add Customer's own path; data key in the real keychain).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use log360_sim::{Fault, InstanceSpec, Sim};
use mssp_tests::{App, AppConfig, Result};
use serde_json::Value;

const ADMIN: &str = "benchadmin";
const ADMIN_PASSWORD: &str = "Bench-Admin-2026!";

/// Installs the page-side probes once: a stall meter (5 ms timer) and helpers that time an
/// action to the frame after the table's next change.
const PROBES: &str = r#"
if (!window.__bench) {
  const b = window.__bench = { stallMax: 0, stalls: [], running: false };
  b.startStalls = () => {
    b.stallMax = 0; b.stalls = []; b.running = true;
    let last = performance.now();
    const tick = () => {
      const now = performance.now();
      const late = now - last - 5;
      if (late > b.stallMax) b.stallMax = late;
      if (late > 50) b.stalls.push(late);
      last = now;
      if (b.running) setTimeout(tick, 5);
    };
    setTimeout(tick, 5);
  };
  b.stopStalls = () => { b.running = false; return { max: b.stallMax, over50: b.stalls.length, over100: b.stalls.filter(s => s > 100).length }; };
  b.nextFrame = () => new Promise(r => requestAnimationFrame(() => r(performance.now())));
  // Times `trigger` until the table has drawn the core's answer to it (its data-answer
  // moves; the filters and the summary are drawn at once from the input, before the core
  // answers, so they cannot tell) and a frame followed.
  b.time = (trigger) => new Promise((resolve) => {
    const table = document.getElementById('customer-table');
    let t0 = 0;
    const obs = new MutationObserver(() => {
      obs.disconnect();
      requestAnimationFrame(() => resolve(performance.now() - t0));
    });
    obs.observe(table, { attributes: true, attributeFilter: ['data-answer'] });
    t0 = performance.now();
    trigger();
    setTimeout(() => { obs.disconnect(); resolve(-1); }, 10000);
  });
}
"#;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<()> {
    let mut n = 10_000usize;
    let mut changes = 500usize;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--customers" => {
                n = it.next().ok_or("--customers N")?.replace([',', '_'], "").parse()?
            }
            "--changes" => changes = it.next().ok_or("--changes N")?.parse()?,
            other => return Err(format!("unknown argument {other:?}").into()),
        }
    }
    // At most every customer goes down.
    let changes = changes.min(n);
    let app_bin = PathBuf::from(
        std::env::var_os("MSSP_CONSOLE_BIN")
            .ok_or("MSSP_CONSOLE_BIN must name the release mssp-console")?,
    )
    .canonicalize()?;
    let admin_bin = std::env::var_os("MSSP_ADMIN_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| app_bin.with_file_name("mssp-admin"));
    println!("MSSP Console window benchmark: Customer Management with {n} customers");
    println!("app: {}", app_bin.display());

    let _ = log360_sim::raise_fd_limit();
    let sim = Sim::new();
    let t = Instant::now();
    let instances =
        sim.add_instances(n, InstanceSpec { name: "Bench".into(), ..Default::default() }).await?;
    println!("simulator: {n} instances in this process in {:.1} s", t.elapsed().as_secs_f64());
    let dir = tempfile::Builder::new().prefix("mssp-bench-ui-").tempdir()?;
    let manifest = dir.path().join("manifest.json");
    log360_sim::write_manifest(&manifest, &instances)?;
    let data = dir.path().join("data");
    let service = format!("mssp-console-bench-ui-{}", std::process::id());
    let t = Instant::now();
    seed(&admin_bin, &manifest, &data, &service)?;
    println!(
        "seeded {n} customers with mssp-admin seed-demo in {:.1} s (not measured)",
        t.elapsed().as_secs_f64()
    );

    let app =
        App::launch_with(AppConfig::new("bench-ui").data_dir(&data).keychain_service(&service))
            .await?;
    let result = measure(&app, &app_bin, &sim, &instances, n, changes).await;
    let _ = app.close().await;
    let _ = Command::new("secret-tool").args(["clear", "service", &service]).status();
    sim.shutdown().await;
    result
}

fn seed(admin_bin: &Path, manifest: &Path, data: &Path, service: &str) -> Result<()> {
    let out = Command::new(admin_bin)
        .args(["seed-demo", "--manifest"])
        .arg(manifest)
        .env("MSSP_CONSOLE_DATA_DIR", data)
        .env("MSSP_CONSOLE_KEYCHAIN_SERVICE", service)
        .env("MSSP_ADMIN_USERNAME", ADMIN)
        .env("MSSP_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .stdin(Stdio::null())
        .output()?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!("mssp-admin seed-demo failed: {}", String::from_utf8_lossy(&out.stderr)).into())
    }
}

async fn js(app: &App, script: &str) -> Result<Value> {
    Ok(app.client().execute_async(&format!("const done = arguments[arguments.length - 1]; (async () => {{ {PROBES} {script} }})().then(done, e => done({{ error: String(e) }}));"), vec![]).await?)
}

fn ms(v: &Value) -> String {
    v.as_f64().map_or("n/a".into(), |v| format!("{v:.0} ms"))
}

async fn measure(
    app: &App,
    app_bin: &Path,
    sim: &Sim,
    instances: &[log360_sim::InstanceInfo],
    n: usize,
    changes: usize,
) -> Result<()> {
    let _ = app.client().set_window_rect(0, 0, 1280, 800).await;
    app.wait_for("#login-form").await?;
    app.fill("#login-username", ADMIN).await?;
    app.fill("#login-password", ADMIN_PASSWORD).await?;
    // Open: from the login click to the first frame with rows (includes the login itself,
    // Argon2 and all), then from the Customer Management button on another page.
    let open = js(
        app,
        "const b = window.__bench; performance.clearMarks(); const t0 = performance.now();
         document.getElementById('login-submit').click();
         while (!document.querySelector('#customer-tbody tr[data-customer-id]:not(.is-pending)')) await new Promise(r => setTimeout(r, 5));
         const t1 = await b.nextFrame();
         // The page's User Timing marks: where the time went (the first of each).
         await new Promise(r => setTimeout(r, 1500));
         const marks = {}; for (const m of performance.getEntriesByType('mark')) if (!(m.name in marks)) marks[m.name] = Math.round(m.startTime - t0);
         return { ms: t1 - t0, marks: Object.entries(marks).map(([k, v]) => `${k} ${v} ms`).join(', ') };",
    )
    .await?;
    println!("login click → first frame with rows: {}", ms(&open["ms"]));
    println!("  marks from the click: {}", open["marks"].as_str().unwrap_or("n/a"));
    let reopen = js(
        app,
        "const b = window.__bench; document.getElementById('nav-monitoring')?.click(); await b.nextFrame(); await new Promise(r => setTimeout(r, 300));
         const t0 = performance.now(); document.getElementById('nav-customer-management').click();
         while (!document.querySelector('#customer-page:not([hidden]) #customer-tbody tr[data-customer-id]:not(.is-pending)')) await new Promise(r => setTimeout(r, 2));
         const t1 = await b.nextFrame(); return t1 - t0;",
    )
    .await?;
    println!("Customer Management from another page → first frame with rows: {}", ms(&reopen));
    tokio::time::sleep(Duration::from_secs(3)).await;

    // Search, quick filters, sort: each timed 5 times, median and slowest.
    let cases: &[(&str, &str)] = &[
        (
            "search: type \"Bench 77\"",
            "const s = document.getElementById('customer-search'); s.value = 'Bench 77'; s.dispatchEvent(new InputEvent('input', { bubbles: true, data: '7' }));",
        ),
        (
            "search: clear",
            "const s = document.getElementById('customer-search'); s.value = ''; s.dispatchEvent(new InputEvent('input', { bubbles: true }));",
        ),
        (
            "quick filter: Unencrypted",
            "document.querySelector('[data-quick=unencrypted]').click();",
        ),
        ("quick filter: All", "document.querySelector('[data-quick=all]').click();"),
        ("sort: by server", "document.querySelector('button[data-sort=server]').click();"),
        ("sort: by name", "document.querySelector('button[data-sort=name]').click();"),
    ];
    println!(
        "{:<34} | {:>8} | {:>8}   (goal ≤ 100 ms, input event → frame after the update)",
        "action", "median", "slowest"
    );
    for (label, trigger) in cases {
        let mut times = Vec::new();
        for _ in 0..5 {
            // Clearing is timed from a search that shows few rows, so all come back each time.
            if label.starts_with("search: clear") {
                js(app, "const s = document.getElementById('customer-search'); s.value = 'Bench 77'; s.dispatchEvent(new InputEvent('input', { bubbles: true })); await new Promise(r => setTimeout(r, 400)); return 0;").await?;
            }
            let v = js(app, &format!("await new Promise(r => setTimeout(r, 200)); return await window.__bench.time(() => {{ {trigger} }});")).await?;
            times.push(v.as_f64().unwrap_or(f64::NAN));
            // Undo so the next repetition changes the view again.
            if label.starts_with("search: type") {
                js(app, "const s = document.getElementById('customer-search'); s.value = ''; s.dispatchEvent(new InputEvent('input', { bubbles: true })); await new Promise(r => setTimeout(r, 400)); return 0;").await?;
            }
        }
        print_row(label, times);
    }

    // The floor of an action here: a command that does nothing with the customers (the
    // technician's kept sort), there and back, then the next frame.
    five_times(app, "floor: a command there and back", |_| "await new Promise(r => setTimeout(r, 200)); const b = window.__bench; const t0 = performance.now(); await window.__TAURI__.core.invoke('get_customer_sort'); return (await b.nextFrame()) - t0;".into()).await?;
    // The floor of a visible change: the summary line's text changes (no command), then the
    // next frame. What any update costs to paint here.
    five_times(app, "floor: a visible change, painted", |i| format!("await new Promise(r => setTimeout(r, 200)); const b = window.__bench; const s = document.getElementById('customer-summary'); const was = s.textContent; const t0 = performance.now(); s.textContent = was + ' ({i})'; const t1 = await b.nextFrame(); s.textContent = was; return t1 - t0;")).await?;
    // Where an action's time goes: the core's answer for every customer, there and back
    // (no drawing), and the whole list the store holds.
    for (label, command) in [
        (
            "part: query_customers, all rows",
            "'query_customers', { query: { text: '', quick: 'all', tag: null, sort: { key: 'name', descending: false } } }",
        ),
        ("part: list_customers", "'list_customers'"),
    ] {
        five_times(app, label, |_| format!("await new Promise(r => setTimeout(r, 200)); const t0 = performance.now(); await window.__TAURI__.core.invoke({command}); return performance.now() - t0;")).await?;
    }

    // Scrolling: 120 px per frame through the table for 4 s, frame gaps and stalls.
    let scroll = js(
        app,
        "const b = window.__bench; const box = document.getElementById('customer-scroll'); box.scrollTop = 0; await b.nextFrame();
         b.startStalls(); const gaps = []; let last = await b.nextFrame(); const end = last + 4000;
         while (last < end) { box.scrollTop += 120; const now = await b.nextFrame(); gaps.push(now - last); last = now; }
         const st = b.stopStalls(); gaps.sort((a, c) => a - c);
         return { frames: gaps.length, median: gaps[gaps.length >> 1], p99: gaps[Math.floor(gaps.length * 0.99)], max: gaps[gaps.length - 1],
                  over16: gaps.filter(g => g > 16.7).length, over20: gaps.filter(g => g > 20).length, stallMax: st.max, stallsOver50: st.over50, scrolled: box.scrollTop };",
    )
    .await?;
    println!(
        "scrolling 4 s at 120 px/frame: {} frames, gap median {} / p99 {} / max {}, {} gaps > 16.7 ms, {} > 20 ms; longest main-thread stall {} ({} over 50 ms); scrolled to {} px",
        scroll["frames"],
        ms(&scroll["median"]),
        ms(&scroll["p99"]),
        ms(&scroll["max"]),
        scroll["over16"],
        scroll["over20"],
        ms(&scroll["stallMax"]),
        scroll["stallsOver50"],
        scroll["scrolled"]
    );

    // The floor of the same window: a plain full-window scroller with one line of text,
    // scrolled the same way. What a scroll frame costs here whatever the page shows.
    let floor = js(
        app,
        "const b = window.__bench; const box = document.createElement('div');
         box.style.cssText = 'position:fixed;inset:0;overflow:auto;background:#fff;z-index:99999';
         const inner = document.createElement('div'); inner.style.height = '400000px'; inner.textContent = 'floor';
         box.append(inner); document.body.append(box); await b.nextFrame();
         b.startStalls(); const gaps = []; let last = await b.nextFrame(); const end = last + 4000;
         while (last < end) { box.scrollTop += 120; const now = await b.nextFrame(); gaps.push(now - last); last = now; }
         const st = b.stopStalls(); box.remove(); gaps.sort((a, c) => a - c);
         return { frames: gaps.length, median: gaps[gaps.length >> 1], max: gaps[gaps.length - 1], stallMax: st.max, stallsOver50: st.over50 };",
    )
    .await?;
    println!(
        "floor: a plain full-window scroller in the same window, same steps: {} frames, gap median {} / max {}; longest main-thread stall {} ({} over 50 ms)",
        floor["frames"],
        ms(&floor["median"]),
        ms(&floor["max"]),
        ms(&floor["stallMax"]),
        floor["stallsOver50"]
    );

    // WebKit's memory, after the page has held the whole list and scrolled through it: every
    // process the console started.
    // RSS counts the libraries WebKit's processes share once per process; PSS splits each
    // shared page among its users, so the processes' PSS add up to what they hold together.
    let pid = console_pid(app_bin).ok_or("console process not found")?;
    let (console_rss, webkit) = footprint(pid);
    let rss: f64 = webkit.iter().map(|p| p.rss).sum();
    let pss: f64 = webkit.iter().map(|p| p.pss).sum();
    println!(
        "memory: console {console_rss:.0} MB RSS; WebKit processes together {pss:.0} MB PSS (goal ≤ 300 MB), {rss:.0} MB RSS summed: {}",
        webkit
            .iter()
            .map(|p| format!("{} {:.0} MB PSS / {:.0} MB RSS", p.name, p.pss, p.rss))
            .collect::<Vec<_>>()
            .join(", ")
    );

    // A health sweep with `changes` state changes: that many instances go down, then Check
    // health runs over everyone; stalls measured from the click until the Down count shows
    // them. The page is polled from here in short scripts: one script waiting for the whole
    // sweep would outlast WebDriver's script timeout.
    js(app, "const box = document.getElementById('customer-scroll'); box.scrollTop = 0; return 0;")
        .await?;
    for info in instances.iter().take(changes) {
        sim.set_fault(info.port, Fault::Down).await?;
    }
    js(
        app,
        "const b = window.__bench; b.startStalls(); b.sweepStart = performance.now();
         document.getElementById('check-health-button').click(); return 0;",
    )
    .await?;
    let count = "Number((document.querySelector('[data-quick=down] .quick-count')?.textContent || '0').replace(/[^0-9]/g, ''))";
    let started = Instant::now();
    while js(app, &format!("return {count};")).await?.as_u64().unwrap_or(0) < changes as u64
        && started.elapsed() < Duration::from_secs(600)
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let sweep = js(
        app,
        &format!(
            "const b = window.__bench; const t1 = await b.nextFrame(); const st = b.stopStalls();
             return {{ ms: t1 - b.sweepStart, down: {count}, stallMax: st.max, over50: st.over50, over100: st.over100 }};"
        ),
    )
    .await?;
    println!(
        "health sweep of {n} with {changes} going down: {} until the Down count showed {}; longest stall {} ({} over 50 ms, {} over 100 ms; goal: none over 100 ms)",
        ms(&sweep["ms"]),
        sweep["down"],
        ms(&sweep["stallMax"]),
        sweep["over50"],
        sweep["over100"]
    );
    Ok(())
}

/// Runs the script `script(i)` five times (i = 0..5) and prints its median and slowest.
async fn five_times(app: &App, label: &str, script: impl Fn(usize) -> String) -> Result<()> {
    let mut times = Vec::new();
    for i in 0..5 {
        times.push(js(app, &script(i)).await?.as_f64().unwrap_or(f64::NAN));
    }
    print_row(label, times);
    Ok(())
}

/// One row of the actions' table: the median and the slowest of five times.
fn print_row(label: &str, mut times: Vec<f64>) {
    times.sort_by(f64::total_cmp);
    println!(
        "{label:<34} | {:>8} | {:>8}",
        format!("{:.0} ms", times[2]),
        format!("{:.0} ms", times[4])
    );
}

fn console_pid(app_bin: &Path) -> Option<u32> {
    std::fs::read_dir("/proc").ok()?.flatten().find_map(|e| {
        let pid: u32 = e.file_name().to_str()?.parse().ok()?;
        (std::fs::read_link(e.path().join("exe")).ok()? == app_bin).then_some(pid)
    })
}

/// A `/proc/PID/<file>` field in kB, as MB (0 when it cannot be read).
fn proc_mb(pid: u32, file: &str, field: &str) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/{file}"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .unwrap_or(0.0)
        / 1024.0
}

struct Footprint {
    name: String,
    rss: f64,
    pss: f64,
}

/// (console RSS, the footprint of every process below it).
fn footprint(pid: u32) -> (f64, Vec<Footprint>) {
    let mut pairs = Vec::new();
    for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(p) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else { continue };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{p}/stat")) else { continue };
        if let Some(pp) = stat
            .rsplit_once(')')
            .and_then(|(_, a)| a.split_whitespace().nth(1)?.parse::<u32>().ok())
        {
            pairs.push((p, pp));
        }
    }
    let mut out = Vec::new();
    let mut frontier = vec![pid];
    while let Some(p) = frontier.pop() {
        for (c, _) in pairs.iter().filter(|(_, pp)| *pp == p) {
            let name = std::fs::read_to_string(format!("/proc/{c}/comm")).unwrap_or_default();
            out.push(Footprint {
                name: name.trim().to_owned(),
                rss: proc_mb(*c, "status", "VmRSS:"),
                pss: proc_mb(*c, "smaps_rollup", "Pss:"),
            });
            frontier.push(*c);
        }
    }
    (proc_mb(pid, "status", "VmRSS:"), out)
}
