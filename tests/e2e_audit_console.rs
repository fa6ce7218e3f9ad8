//! End-to-end test of the audit log page and "Open console", through the real `mssp-console`
//! window against in-process simulated Log360 instances:
//!
//! - Settings › Audit log lists what was done (the administrator created, two customers
//!   added); filtered by one customer it shows that customer's entries only; Verify integrity
//!   says the trail is intact, and after an entry is edited in the database file it names
//!   that entry; past the first page, Load more adds the older entries (none twice); a
//!   retention out of range is refused under its field.
//! - "Open console" on two customers' rows (one HTTPS with a self-signed certificate trusted
//!   through its pin, one HTTP) opens a window per customer that signs in to that customer's
//!   console page. WebDriver cannot reach those windows (each has a web context of its own),
//!   so the simulator's record says what they did: a signed-in visit of `/console/`, only
//!   cookies that instance issued, no cookie shared between the two customers' windows, and
//!   the page finding no Tauri bridge. The second window is captured with `xwininfo` and
//!   ImageMagick's `import -window`. Open console in the detail dialog of a customer whose
//!   window is open brings it forward without a new sign-in. A customer whose instance
//!   refuses the sign-in gets a dialog with the reason; logging out closes every console
//!   window. A guest sees no Open console (row, detail) and no audit log, and the command
//!   called directly is refused before the customer is asked anything.
//!
//! Screenshots go to `.test-run/e2e/audit-console-*`. Needs a desktop session (display,
//! session bus, unlocked Secret Service): `make test`.

use log360_sim::{ConsoleVisit, InstanceInfo, InstanceSpec, Sim, TlsMode};
use mssp_tests::{App, Result, add_customer, create_administrator, customer_row, fill_customer};
use std::collections::HashSet;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const ADMIN: &str = "socadmin";
const ADMIN_PASSWORD: &str = "Correct-Horse-42!";
const GUEST: &str = "gwen";
const GUEST_PASSWORD: &str = "Guest-Password-42!";
/// How long a console window may take to sign in and load its page.
const CONSOLE_WITHIN: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a desktop session: run make test"]
async fn audit_log_filters_and_consoles_open_apart() -> Result<()> {
    let sim = Sim::new();
    let mut acme_spec = InstanceSpec::new("Acme");
    acme_spec.tls_mode = Some(TlsMode::SelfSigned);
    acme_spec.password = "Acme-Admin-1!".into();
    let acme = sim.add_instance(acme_spec).await?;
    let mut globex_spec = InstanceSpec::new("Globex");
    globex_spec.password = "Globex-Admin-2!".into();
    let globex = sim.add_instance(globex_spec).await?;
    let mut initech_spec = InstanceSpec::new("Initech");
    initech_spec.password = "Initech-Admin-3!".into();
    let initech = sim.add_instance(initech_spec).await?;

    let app = App::launch("audit-console").await?;
    // No window manager under Xvfb: the window at the screen's size, for the screenshots.
    let _ = app.client().set_window_rect(0, 0, 1280, 800).await;
    let result = run(&app, &sim, [&acme, &globex, &initech]).await;
    if result.is_err() {
        let _ = app.screenshot("end-of-failed-run").await;
    }
    let closed = app.close().await;
    sim.shutdown().await;
    result?;
    closed
}

async fn run(app: &App, sim: &Sim, [acme, globex, initech]: [&InstanceInfo; 3]) -> Result<()> {
    create_administrator(app, ADMIN, ADMIN_PASSWORD).await?;
    add_pinned(app, "Acme", acme).await?;
    add_customer(app, "Globex", globex).await?;
    add_customer(app, "Initech", initech).await?;
    let acme_id = customer_id(app, "Acme").await?;
    let globex_id = customer_id(app, "Globex").await?;
    audit_log_by_customer(app, &acme_id, &globex_id).await?;
    audit_log_tampered(app).await?;
    audit_log_pages_and_retention(app).await?;
    console_refused(app, sim, initech).await?;
    consoles_open_apart(app, sim, acme, globex).await?;
    let guest = serde_json::json!({ "input": {
        "username": GUEST, "email": "guest@mssp.example", "role": "guest", "allCustomers": false,
        "customerIds": [acme_id], "tagIds": [], "password": GUEST_PASSWORD,
    }});
    if let Err(e) = app.invoke("add_technician", guest).await? {
        return Err(format!("add_technician refused: {e}").into());
    }
    app.click("#logout-button").await?;
    app.wait_for("#login-form").await?;
    let deadline = Instant::now() + Duration::from_secs(10);
    while window_id(&["Log360 console"])?.is_some() {
        if Instant::now() > deadline {
            return Err("a customer's console window stayed open after logging out".into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    guest_cannot_open(app, sim, acme, &acme_id).await
}

/// A guest delegated Acme sees neither Open console nor the audit log, and the core refuses
/// the command when called directly.
async fn guest_cannot_open(app: &App, sim: &Sim, acme: &InstanceInfo, acme_id: &str) -> Result<()> {
    app.fill("#login-username", GUEST).await?;
    app.fill("#login-password", GUEST_PASSWORD).await?;
    app.click("#login-submit").await?;
    app.wait_until_gone("#login-form").await?;
    let row = customer_row("Acme");
    app.wait_for(&row).await?;
    assert!(!app.is_visible(&format!("{row} button[data-action=\"console\"]")).await);
    assert!(!app.is_visible("#nav-audit").await, "no audit log for a guest");
    app.pointer_click(&format!("{row} button.customer-link")).await?;
    app.wait_for("#customer-detail-dialog").await?;
    assert!(!app.is_visible("#detail-open-console").await, "no Open console in the detail");
    app.click("#detail-close").await?;
    app.wait_until_gone("#customer-detail-dialog").await?;
    let sign_ins = sim.request_count_for(acme.port, "POST", "/mssp/v1/console-session");
    let refused = app.invoke("open_customer_console", serde_json::json!({ "id": acme_id })).await?;
    let err = refused.err().ok_or("a guest opened a customer's console")?;
    assert_eq!(err["code"], "forbidden", "{err}");
    assert_eq!(
        sim.request_count_for(acme.port, "POST", "/mssp/v1/console-session"),
        sign_ins,
        "nothing was asked of the customer"
    );
    Ok(())
}

/// More entries than a page: Load more continues after the last one shown. Then the
/// retention's field error.
async fn audit_log_pages_and_retention(app: &App) -> Result<()> {
    // Each retention change is audited: 120 of them, through the command the page uses.
    for i in 0..120 {
        let days = 400 + i;
        if let Err(e) =
            app.invoke("set_audit_retention", serde_json::json!({ "days": days })).await?
        {
            return Err(format!("set_audit_retention refused: {e}").into());
        }
    }
    app.click("#audit-clear").await?;
    app.select("#audit-action", "Audit retention").await?;
    let deadline = Instant::now() + app.timeout;
    while app.count("#audit-tbody tr").await? != 100 {
        if Instant::now() > deadline {
            return Err("the first page of the retention changes is not 100 entries".into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    app.wait_for("#audit-more").await?;
    app.click("#audit-more").await?;
    let deadline = Instant::now() + app.timeout;
    let ids: Vec<i64> = loop {
        let script = "return Array.from(document.querySelectorAll('#audit-tbody tr'), \
                      (tr) => Number(tr.dataset.auditId));";
        let ids: Vec<i64> = serde_json::from_value(app.client().execute(script, vec![]).await?)?;
        if ids.len() == 120 {
            break ids;
        }
        if Instant::now() > deadline {
            return Err(format!("Load more shows {} entries, not 120", ids.len()).into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first, none twice: {ids:?}");
    app.wait_until_gone("#audit-more").await?;

    // Back to the top, where the retention is: WebDriver would scroll it under the header.
    app.client().execute("window.scrollTo(0, 0);", vec![]).await?;
    app.fill("#audit-retention", "5").await?;
    app.click("#audit-retention-save").await?;
    app.wait_for_text("#audit-retentionDays-error", "30").await?;
    assert_eq!(app.attr_of("#audit-retention", "aria-invalid").await?.as_deref(), Some("true"));
    app.screenshot("audit-log-paged-and-retention-error").await?;
    app.fill("#audit-retention", "365").await?;
    app.click("#audit-retention-save").await?;
    app.wait_for_text("#toast", "Audit kept for 365 days").await?;
    Ok(())
}

/// Add Customer over HTTPS to a self-signed instance: its certificate is reviewed and pinned.
async fn add_pinned(app: &App, name: &str, instance: &InstanceInfo) -> Result<()> {
    app.click("#nav-settings").await?;
    app.click("#nav-customer-management").await?;
    app.click("#add-customer-link").await?;
    app.wait_for("#customer-dialog").await?;
    fill_customer(app, name, "soc@acme.example", instance).await?;
    app.click("#cust-submit").await?;
    app.wait_for("#cust-cert-review").await?;
    app.wait_for_text("#cust-submit", "Trust this certificate").await?;
    app.click("#cust-submit").await?;
    app.wait_for_text("#toast", &format!("Customer \"{name}\" added successfully.")).await?;
    app.wait_until_gone("#customer-dialog").await?;
    Ok(())
}

async fn customer_id(app: &App, name: &str) -> Result<String> {
    let row = customer_row(name);
    app.wait_for(&row).await?;
    Ok(app.attr_of(&row, "data-customer-id").await?.ok_or("a customer row without its id")?)
}

/// The customer ids of the audit rows shown, read at once (the rows are replaced as a new
/// page comes).
async fn audit_row_customers(app: &App) -> Result<Vec<String>> {
    let script = "return Array.from(document.querySelectorAll('#audit-tbody tr'), \
                  (tr) => tr.dataset.customerId || '');";
    let ids = app.client().execute(script, vec![]).await?;
    Ok(serde_json::from_value(ids)?)
}

/// Settings › Audit log, filtered by one customer: that customer's entries only.
async fn audit_log_by_customer(app: &App, acme_id: &str, globex_id: &str) -> Result<()> {
    app.click("#nav-audit").await?;
    app.wait_for("#audit-page").await?;
    app.wait_for("#audit-tbody tr[data-action=\"admin.create\"]").await?;
    let all = audit_row_customers(app).await?;
    assert!(all.iter().any(|id| id == acme_id), "Acme's entries are listed: {all:?}");
    assert!(all.iter().any(|id| id == globex_id), "and Globex's: {all:?}");
    app.screenshot("audit-log").await?;

    app.select("#audit-customer", "Acme").await?;
    let deadline = Instant::now() + app.timeout;
    let shown = loop {
        let ids = audit_row_customers(app).await?;
        if !ids.is_empty() && ids.iter().all(|id| id == acme_id) {
            break ids;
        }
        if Instant::now() > deadline {
            return Err(format!("the filter by Acme still shows {ids:?}").into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(
        app.count("#audit-tbody tr[data-action=\"customer.add\"]").await? >= 1,
        "Acme's Add Customer is among its {} entries",
        shown.len()
    );
    let text = app.text_of("#audit-tbody").await?;
    assert!(!text.contains("Globex"), "nothing about Globex: {text}");
    app.wait_for_text("#audit-summary", "matching the filters").await?;

    app.click("#audit-verify").await?;
    app.wait_for("#audit-verify-result[data-result=\"intact\"]").await?;
    app.wait_for_text("#audit-verify-result", "Integrity OK").await?;
    app.screenshot("audit-log-filtered-by-customer").await?;
    Ok(())
}

/// Someone with the database file edits Acme's entry: Verify integrity names it.
async fn audit_log_tampered(app: &App) -> Result<()> {
    let id: i64 = app
        .attr_of("#audit-tbody tr[data-action=\"customer.add\"]", "data-audit-id")
        .await?
        .ok_or("Acme's entry has no id")?
        .parse()?;
    let db = rusqlite::Connection::open(app.data_dir.join("console.db"))?;
    db.busy_timeout(Duration::from_secs(5))?;
    let changed = db.execute("UPDATE audit SET reason = 'nothing to see' WHERE id = ?1", [id])?;
    assert_eq!(changed, 1, "entry {id} was edited");
    drop(db);
    app.click("#audit-verify").await?;
    app.wait_for("#audit-verify-result[data-result=\"broken\"]").await?;
    let said = app.wait_for_text("#audit-mismatch", &format!("#{id}:")).await?;
    assert!(said.contains("Acme"), "the entry is named with its target: {said}");
    app.screenshot("audit-log-tampered").await?;
    Ok(())
}

/// The visits of `/console/` that were signed in.
fn signed_in_home(visits: &[ConsoleVisit]) -> usize {
    visits.iter().filter(|v| v.path == "/console/" && v.signed_in).count()
}

/// Waits until the instance saw its console page signed in, and its page reported what it
/// found of the app's bridge.
async fn wait_for_console(sim: &Sim, instance: &InstanceInfo) -> Result<Vec<ConsoleVisit>> {
    let deadline = Instant::now() + CONSOLE_WITHIN;
    loop {
        let visits = sim.console_visits(instance.port);
        let reported = visits.iter().any(|v| v.path.starts_with("/console/env/"));
        if signed_in_home(&visits) > 0 && reported {
            return Ok(visits);
        }
        if Instant::now() > deadline {
            return Err(format!(
                "{} saw no signed-in console page within {CONSOLE_WITHIN:?}; visits: {visits:?}",
                instance.name
            )
            .into());
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

/// Every cookie the instance's console saw, checked to be its own.
fn own_cookies(instance: &InstanceInfo, visits: &[ConsoleVisit]) -> HashSet<String> {
    let mut values = HashSet::new();
    for visit in visits {
        for cookie in &visit.cookies {
            assert!(
                cookie.issued_here,
                "{}'s console got a cookie it did not issue ({}) on {}",
                instance.name, cookie.name, visit.path
            );
            values.insert(format!("{}={}", cookie.name, cookie.value));
        }
    }
    values
}

/// Open console on both rows: a window per customer, each signed in with its own cookies.
async fn consoles_open_apart(
    app: &App,
    sim: &Sim,
    acme: &InstanceInfo,
    globex: &InstanceInfo,
) -> Result<()> {
    app.click("#nav-customer-management").await?;
    app.wait_for(&format!("{} button[data-action=\"console\"]", customer_row("Globex"))).await?;
    app.screenshot("customer-rows-with-open-console").await?;
    for (name, instance) in [("Acme", acme), ("Globex", globex)] {
        let button = format!("{} button[data-action=\"console\"]", customer_row(name));
        app.click(&button).await?;
        app.wait_for_text("#toast", &format!("The console of \"{name}\" opened in its own window"))
            .await?;
        wait_for_console(sim, instance).await?;
    }
    // Both windows stay open while the other signs in and loads; then the record is read.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let acme_visits = sim.console_visits(acme.port);
    let globex_visits = sim.console_visits(globex.port);
    for (instance, visits) in [(acme, &acme_visits), (globex, &globex_visits)] {
        assert!(signed_in_home(visits) > 0, "{} signed in: {visits:?}", instance.name);
        assert!(
            visits.iter().any(|v| v.path == "/console/env/no-bridge"),
            "{}'s page found no Tauri bridge: {visits:?}",
            instance.name
        );
        assert!(
            !visits.iter().any(|v| v.path.starts_with("/console/env/bridge")),
            "{}'s page must not reach the app: {visits:?}",
            instance.name
        );
    }
    let acme_cookies = own_cookies(acme, &acme_visits);
    let globex_cookies = own_cookies(globex, &globex_visits);
    assert!(!acme_cookies.is_empty() && !globex_cookies.is_empty(), "each window has its cookie");
    assert!(
        acme_cookies.is_disjoint(&globex_cookies),
        "the two customers' windows share no cookie: {acme_cookies:?} / {globex_cookies:?}"
    );

    // The second window, as the technician sees it.
    let shot = app.artifacts.join("customer-console-globex.png");
    capture_window(&["Globex", "Log360 console"], &shot).await?;
    println!("console window screenshot: {}", shot.display());
    // Opened again, from the detail dialog: brought forward, no new sign-in.
    let before = signed_in_home(&sim.console_visits(globex.port));
    app.pointer_click(&format!("{} button.customer-link", customer_row("Globex"))).await?;
    app.wait_for("#customer-detail-dialog").await?;
    app.click("#detail-open-console").await?;
    app.wait_for_text("#toast", "is open in its window").await?;
    app.click("#detail-close").await?;
    app.wait_until_gone("#customer-detail-dialog").await?;
    let after = sim.console_visits(globex.port);
    assert!(
        !after.iter().skip(globex_visits.len()).any(|v| v.path == "/console/sso"),
        "no second sign-in ({before} signed-in visits before)"
    );
    Ok(())
}

/// Open console on a customer whose instance refuses the sign-in: a dialog says why.
async fn console_refused(app: &App, sim: &Sim, initech: &InstanceInfo) -> Result<()> {
    app.click("#nav-customer-management").await?;
    sim.set_failing_path(initech.port, Some("/mssp/v1/console-session"));
    app.click(&format!("{} button[data-action=\"console\"]", customer_row("Initech"))).await?;
    app.wait_for("#console-error-dialog[open]").await?;
    app.wait_for_text("#console-error-title", "could not be opened").await?;
    app.wait_for_some_text("#console-error-message").await?;
    app.screenshot("open-console-refused").await?;
    assert!(window_id(&["Initech", "Log360 console"])?.is_none(), "no window for Initech");
    assert!(signed_in_home(&sim.console_visits(initech.port)) == 0, "Initech signed nobody in");
    app.click("#console-error-dialog .dialog-foot [data-close]").await?;
    app.wait_until_gone("#console-error-dialog[open]").await?;
    Ok(())
}

/// The X window whose name contains every one of `words`, as `xwininfo -root -tree` lists it.
fn window_id(words: &[&str]) -> Result<Option<String>> {
    let out = Command::new("xwininfo")
        .args(["-root", "-tree"])
        .output()
        .map_err(|e| format!("cannot run xwininfo (package x11-utils): {e}"))?;
    let tree = String::from_utf8_lossy(&out.stdout);
    Ok(tree
        .lines()
        .find(|l| words.iter().all(|w| l.contains(w)))
        .and_then(|l| l.split_whitespace().next())
        .map(str::to_owned))
}

/// Captures the window whose title has every one of `words` to `path` with ImageMagick's
/// `import -window`.
async fn capture_window(words: &[&str], path: &Path) -> Result<PathBuf> {
    let deadline = Instant::now() + Duration::from_secs(10);
    let id = loop {
        if let Some(id) = window_id(words)? {
            break id;
        }
        if Instant::now() > deadline {
            return Err(format!("no X window titled with {words:?}").into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    // The page drew a moment after the server saw the request.
    tokio::time::sleep(Duration::from_millis(700)).await;
    let mut target = OsString::from("png:");
    target.push(path.as_os_str());
    let status = Command::new("import").arg("-window").arg(&id).arg(&target).status()?;
    if !status.success() {
        return Err(format!("`import -window {id}` failed: {status}").into());
    }
    Ok(path.to_path_buf())
}
