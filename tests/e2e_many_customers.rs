//! End-to-end tests of Customer Management for many customers, through the real `mssp-console`
//! window against in-process simulated Log360 instances:
//!
//! - Import customers from a CSV file with one bad row: the dry run shows that row's problem on
//!   its line and touches no instance; "Check instances" shows the HTTPS row's certificate with
//!   the fingerprint its server presents; the import adds the rest, which appear in the table.
//! - The search narrows the table; a name of 30 characters shows whole at 1280 px; `/`, the
//!   arrow keys and Enter work.
//! - Two instances go down; "Select all N matching" and the bulk bar's Check health find them,
//!   and the quick filter Down shows exactly those two.
//! - The bulk bar's Sync Now over all of them: progress, then the result naming each failure.
//! - Add tag in bulk (a new tag), then its quick filter shows exactly the tagged customers; the
//!   sort is kept for the technician.
//! - An HTTPS customer's certificate is renewed: a bulk Sync Now finds it, the quick filter
//!   Certificate changed shows it, and Review changed certificates shows both fingerprints and
//!   trusts the new one.
//! - A technician delegated by tag sees exactly the tagged customers and no administrator's
//!   bulk actions; bulk Delete with one Confirm Password, then Force Delete with one reason for
//!   those whose instance is down.
//!
//! Screenshots of each state go to `.test-run/e2e/many-*`. Needs a desktop session (display,
//! session bus, unlocked Secret Service): `make test`.

use log360_sim::{CertChange, Fault, InstanceInfo, InstanceSpec, Sim, TlsMode};
use mssp_tests::{App, Result, create_administrator, customer_row, log_in};
use serde_json::json;
use std::collections::BTreeSet;
use std::io::Write;
use std::time::{Duration, Instant};

const ADMIN: &str = "socadmin";
const ADMIN_PASSWORD: &str = "Correct-Horse-42!";
const TECH: &str = "emma";
const TECH_PASSWORD: &str = "Emma-Operator-9";
/// 30 characters: must show whole at 1280 px.
const LONG_NAME: &str = "Umbrella Health Systems Europe";

/// The simulated customers: (name, plain HTTP?) — one HTTPS with a self-signed certificate.
const CUSTOMERS: &[(&str, bool)] = &[
    ("Acme Corp", true),
    ("Globex", true),
    ("Initech", true),
    (LONG_NAME, true),
    ("Hooli", true),
    ("Stark Industries", true),
    ("Wayne Enterprises", false),
];

/// `ab12…` (the simulator's lowercase hex) as the console shows it: `AB:12:…`.
fn colon_hex(hex: &str) -> String {
    let upper = hex.to_ascii_uppercase();
    let bytes: Vec<&str> =
        (0..upper.len()).step_by(2).map(|i| &upper[i..(i + 2).min(upper.len())]).collect();
    bytes.join(":")
}

async fn start_sim() -> Result<(Sim, Vec<(String, InstanceInfo)>)> {
    let sim = Sim::new();
    let mut out = Vec::new();
    for (i, (name, http)) in CUSTOMERS.iter().enumerate() {
        let mut spec = InstanceSpec::new(*name);
        spec.password = format!("Admin-{i}-Secret!");
        if !http {
            spec.tls_mode = Some(TlsMode::SelfSigned);
        }
        out.push((name.to_string(), sim.add_instance(spec).await?));
    }
    Ok((sim, out))
}

/// The import file: every simulated customer, plus one row with a bad mail on line 5.
fn import_csv(instances: &[(String, InstanceInfo)]) -> String {
    let mut csv = String::from(
        "Customer Name,Customer mail,Server Name,Port,Connection type,Admin username,Admin password,Tags,Allow unencrypted\n",
    );
    for (i, (name, info)) in instances.iter().enumerate() {
        if i == 3 {
            csv.push_str("Bad Mail Co,not-a-mail,127.0.0.1,1,HTTP,admin,whatever-1,,yes\n");
        }
        let slug: String =
            name.to_lowercase().chars().filter(|c| c.is_ascii_alphanumeric()).collect();
        let (kind, cleartext) = if info.tls { ("HTTPS", "") } else { ("HTTP", "yes") };
        csv.push_str(&format!(
            "{name},soc@{slug}.example.com,127.0.0.1,{},{kind},{},{},,{cleartext}\n",
            info.port, info.username, info.password
        ));
    }
    csv
}

/// The names of the customer rows the table has in the DOM (all of them for a short list).
async fn shown(app: &App) -> Result<BTreeSet<String>> {
    let v = app
        .client()
        .execute(
            "return Array.from(document.querySelectorAll('#customer-tbody tr.customer-row'))\
               .map(tr => tr.dataset.customerName);",
            vec![],
        )
        .await?;
    Ok(v.as_array()
        .map(|a| a.iter().filter_map(|n| n.as_str().map(str::to_owned)).collect())
        .unwrap_or_default())
}

/// Waits until the table shows exactly `want`.
async fn wait_shown(app: &App, want: &[&str]) -> Result<()> {
    let want: BTreeSet<String> = want.iter().map(|s| s.to_string()).collect();
    let deadline = Instant::now() + app.timeout;
    loop {
        let now = shown(app).await?;
        if now == want {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(app.failure(&format!("the table shows {now:?}, not {want:?}")).await);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Presses keys on whatever has focus (special keys as WebDriver code points).
async fn press(app: &App, keys: &[char]) -> Result<()> {
    use fantoccini::actions::{InputSource, KeyAction, KeyActions};
    let mut actions = KeyActions::new("keyboard".to_owned());
    for &k in keys {
        actions = actions.then(KeyAction::Down { value: k }).then(KeyAction::Up { value: k });
    }
    app.client().perform_actions(actions).await?;
    Ok(())
}
const ARROW_DOWN: char = '\u{e015}';
const ENTER: char = '\u{e007}';
const ESCAPE: char = '\u{e00c}';

/// The id of the element that has focus.
async fn focused(app: &App) -> Result<String> {
    let v = app
        .client()
        .execute(
            "const a = document.activeElement; return a ? (a.id || a.className || a.tagName) : '';",
            vec![],
        )
        .await?;
    Ok(v.as_str().unwrap_or_default().to_owned())
}

/// Ticks the row checkbox of each customer named.
async fn tick(app: &App, names: &[&str]) -> Result<()> {
    for name in names {
        app.set_checked(&format!("{} input.row-check", customer_row(name)), true).await?;
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a desktop session: run make test"]
async fn import_find_and_act_on_many() -> Result<()> {
    let (sim, instances) = start_sim().await?;
    let app = App::launch("many-customers").await?;
    // No window manager under Xvfb: the window at the screen's size (1280 × 800).
    let _ = app.client().set_window_rect(0, 0, 1280, 800).await;
    let result = run_import_find_act(&app, &sim, &instances).await;
    if result.is_err() {
        let _ = app.screenshot("end-of-failed-run").await;
    }
    let closed = app.close().await;
    sim.shutdown().await;
    result?;
    closed
}

async fn run_import_find_act(
    app: &App,
    sim: &Sim,
    instances: &[(String, InstanceInfo)],
) -> Result<()> {
    create_administrator(app, ADMIN, ADMIN_PASSWORD).await?;
    // One failed check turns a customer Down (the default is three).
    app.click("#nav-monitoring").await?;
    app.wait_for("#monitoring-form").await?;
    app.fill("#mon-failures", "1").await?;
    app.click("#mon-save").await?;
    app.wait_for_text("#toast", "Monitoring settings saved.").await?;
    app.click("#nav-customer-management").await?;
    app.wait_for("#customer-empty").await?;

    import(app, sim, instances).await?;
    search(app).await?;
    down_filter(app, sim, instances).await?;
    bulk_sync(app).await?;
    bulk_tag(app).await?;
    changed_certificates(app, sim, instances).await?;
    kept_sort_after_login(app).await?;
    Ok(())
}

/// Logging in again opens Customer Management in the sort this technician chose (bulk_tag
/// left it by name, descending), in the first screen's rows and the header both.
async fn kept_sort_after_login(app: &App) -> Result<()> {
    app.click("#logout-button").await?;
    log_in(app, ADMIN, ADMIN_PASSWORD).await?;
    app.wait_for("th.col-name[aria-sort=\"descending\"]").await?;
    // No filter after a login: all seven, the last by name first.
    app.wait_for(&customer_row("Wayne Enterprises")).await?;
    let first = app.attr_of("#customer-tbody tr.customer-row", "data-customer-name").await?;
    assert_eq!(first.as_deref(), Some("Wayne Enterprises"), "still descending by name");
    Ok(())
}

/// Import customers: dry run with the bad row on its line, Check instances, Import.
async fn import(app: &App, sim: &Sim, instances: &[(String, InstanceInfo)]) -> Result<()> {
    let mut file = tempfile::Builder::new().prefix("customers-").suffix(".csv").tempfile()?;
    file.write_all(import_csv(instances).as_bytes())?;
    file.flush()?;

    app.click("#import-customers-button").await?;
    app.wait_for("#import-dialog").await?;
    app.wait_for_text("#import-choose", "encrypted vault").await?;
    app.choose_file("#import-file", file.path()).await?;
    app.wait_for_text("#import-file-name", "is read").await?;
    app.screenshot("import-choose").await?;
    app.click("#import-next").await?;

    // The dry run: the bad row's problem on its line, the others ready, no instance contacted.
    app.wait_for_text("#import-summary", "8 rows").await?;
    let summary = app.text_of("#import-summary").await?;
    assert!(summary.contains("7 ready"), "summary: {summary:?}");
    assert!(summary.contains("1 with a problem"), "summary: {summary:?}");
    let bad = "#import-tbody tr[data-line=\"5\"]";
    app.wait_for_text(bad, "Bad Mail Co").await?;
    app.wait_for_text(&format!("{bad} .import-problems"), "Enter a valid Customer mail").await?;
    assert_eq!(app.attr_of(bad, "data-outcome").await?.as_deref(), Some("invalid"));
    for (name, info) in instances {
        assert_eq!(sim.request_count(info.port), 0, "the dry run contacted {name}");
    }
    app.wait_for_text("#import-next", "Import 7 customers").await?;
    app.screenshot("import-dry-run").await?;

    // Check instances: the HTTPS row's certificate, as its server presents it.
    let (_, wayne) = instances.iter().find(|(n, _)| n == "Wayne Enterprises").ok_or("no Wayne")?;
    app.click("#import-check").await?;
    let cert_row = "#import-tbody tr[data-outcome=\"pending\"] .import-cert";
    app.wait_for_text(cert_row, "Not trusted by this computer").await?;
    let presented = sim.certificate(wayne.port).ok_or("no certificate")?;
    let shown_sha = app.attr_of(&format!("{cert_row} .import-fingerprint"), "data-sha256").await?;
    assert_eq!(shown_sha.as_deref(), Some(colon_hex(&presented.sha256).as_str()));
    assert_eq!(
        sim.request_count_for(wayne.port, "POST", "/mssp/v1/session"),
        0,
        "checking instances sends no credentials"
    );
    app.screenshot("import-checked").await?;
    app.click("#import-trust-all").await?;

    // The import itself.
    app.click("#import-next").await?;
    app.wait_for_text("#import-summary", "7 added").await?;
    app.wait_for_text("#import-progress", "Import finished: 7 added").await?;
    app.wait_for("#import-after").await?;
    app.click("#import-download").await?;
    let saved = app.wait_for_text("#import-saved", "Result saved to").await?;
    let path = saved.trim().trim_start_matches("Result saved to").trim();
    let result = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    assert!(result.contains("Bad Mail Co") && result.contains("invalid"), "{result}");
    app.screenshot("import-done").await?;
    app.click("#import-close").await?;
    app.wait_until_gone("#import-dialog").await?;

    let all: Vec<&str> = CUSTOMERS.iter().map(|(n, _)| *n).collect();
    wait_shown(app, &all).await?;
    app.wait_for_text("#customer-summary", "7 customers").await?;
    Ok(())
}

/// The search narrows the table; long names show whole; `/`, arrows and Enter.
async fn search(app: &App) -> Result<()> {
    // A name of 30 characters is not cut at 1280 px.
    let cut = app
        .client()
        .execute(
            "const b = document.querySelector(arguments[0] + ' button.customer-link');\
             return b ? b.scrollWidth - b.clientWidth : -1;",
            vec![customer_row(LONG_NAME).into()],
        )
        .await?;
    assert_eq!(cut.as_i64(), Some(0), "\"{LONG_NAME}\" is cut by {cut} px at 1280 px");
    app.screenshot("table-1280").await?;

    // `/` focuses the search; typing narrows the table.
    app.hover("#customer-page-title").await?;
    app.click("#customer-page-title").await?;
    press(app, &['/']).await?;
    assert_eq!(focused(app).await?, "customer-search", "`/` focuses the search");
    press(app, &['g', 'l', 'o', 'b']).await?;
    wait_shown(app, &["Globex"]).await?;
    app.wait_for_text("#customer-summary", "1 of 7 customers").await?;
    app.screenshot("search-narrows").await?;
    // ArrowDown from the search: the first row; Enter opens its detail.
    press(app, &[ARROW_DOWN]).await?;
    let row = app.attr_of("#customer-tbody tr.is-cursor", "data-customer-name").await?;
    assert_eq!(row.as_deref(), Some("Globex"));
    press(app, &[ENTER]).await?;
    app.wait_for("#customer-detail-dialog").await?;
    app.wait_for_text("#detail-title", "Globex").await?;
    press(app, &[ESCAPE]).await?;
    app.wait_until_gone("#customer-detail-dialog").await?;
    // A search matching nothing says so; Escape in the box shows everything again.
    app.fill("#customer-search", "no such customer").await?;
    app.wait_for("#customer-nomatch").await?;
    app.click("#customer-search").await?;
    press(app, &[ESCAPE]).await?;
    app.wait_for_text("#customer-summary", "7 customers").await?;
    Ok(())
}

/// Two instances go down; bulk Check health over all matching; Down shows exactly them.
async fn down_filter(app: &App, sim: &Sim, instances: &[(String, InstanceInfo)]) -> Result<()> {
    for (name, info) in instances {
        if name == "Globex" || name == "Hooli" {
            sim.set_fault(info.port, Fault::Down).await?;
        }
    }
    tick(app, &["Acme Corp"]).await?;
    app.wait_for("#bulk-bar").await?;
    app.wait_for_text("#bulk-count", "1 selected").await?;
    app.wait_for_text("#select-matching", "Select all 7 matching").await?;
    app.click("#select-matching").await?;
    app.wait_for_text("#bulk-count", "7 selected").await?;
    app.wait_for_text("#select-note", "all 7 matching").await?;
    app.click("#bulk-check").await?;
    app.wait_for_text("#bulk-progress", "Health check finished: 5 answered, 2 failed").await?;
    app.wait_for_text("#bulk-progress .batch-failures", "Globex").await?;
    app.wait_for_text("#bulk-progress .batch-failures", "Hooli").await?;
    app.wait_for_text("button[data-quick=\"down\"] .quick-count", "2").await?;
    app.screenshot("bulk-check-result").await?;
    app.click("button[data-quick=\"down\"]").await?;
    wait_shown(app, &["Globex", "Hooli"]).await?;
    app.wait_for_text("#customer-summary", "2 of 7 customers: Down").await?;
    // The selection is kept across filters: still all seven, five of them not in this view.
    app.wait_for_text("#bulk-count", "7 selected").await?;
    app.wait_for_text("#select-note", "5 not in this view").await?;
    app.screenshot("quick-filter-down").await?;
    app.click("button[data-quick=\"all\"]").await?;
    wait_shown(app, &CUSTOMERS.iter().map(|(n, _)| *n).collect::<Vec<_>>()).await?;
    app.click("#bulk-progress .batch-close").await?;
    Ok(())
}

/// The bulk bar's Sync Now over all seven: progress, then the failures named.
async fn bulk_sync(app: &App) -> Result<()> {
    app.click("#bulk-sync").await?;
    app.wait_for_text("#bulk-progress", "Sync").await?;
    app.wait_for_text("#bulk-progress", "Sync finished: 5 synced, 2 failed").await?;
    let failures = app.text_of("#bulk-progress .batch-failures").await?;
    assert!(failures.contains("Globex") && failures.contains("Hooli"), "{failures}");
    assert!(failures.contains("unreachable"), "the reason is named: {failures}");
    app.wait_for_text(
        &format!("{} td.col-status", customer_row("Acme Corp")),
        "Data Collection Successful",
    )
    .await?;
    app.wait_for_text("button[data-quick=\"syncFailed\"] .quick-count", "2").await?;
    app.screenshot("bulk-sync-result").await?;
    app.click("#bulk-progress .batch-close").await?;
    app.click("#bulk-clear").await?;
    app.wait_until_gone("#bulk-bar").await?;
    Ok(())
}

/// Add tag in bulk (a new tag), then filter by it; the sort is kept.
async fn bulk_tag(app: &App) -> Result<()> {
    let tagged = ["Acme Corp", "Initech", "Stark Industries"];
    tick(app, &tagged).await?;
    app.wait_for_text("#bulk-count", "3 selected").await?;
    app.click("#bulk-tag-add").await?;
    app.wait_for("#bulk-tag-dialog").await?;
    app.click("#bulk-tag-list input[value=\"__new__\"]").await?;
    app.fill("#bulk-tag-name", "emea").await?;
    app.click("#bulk-tag-colours .colour-swatch[data-colour=\"green\"]").await?;
    app.screenshot("bulk-add-tag").await?;
    app.click("#bulk-tag-submit").await?;
    app.wait_for_text("#toast", "Tag \"emea\" added to 3 customers").await?;
    app.wait_until_gone("#bulk-tag-dialog").await?;
    for name in tagged {
        app.wait_for_text(&format!("{} .row-tags", customer_row(name)), "emea").await?;
    }
    let chip = "#tag-filters button.quick-tag";
    app.wait_for_text(chip, "emea").await?;
    app.wait_for_text(&format!("{chip} .tag-chip-count"), "3").await?;
    app.click(chip).await?;
    wait_shown(app, &tagged).await?;
    app.wait_for_text("#customer-summary", "3 of 7 customers: tag emea").await?;
    app.screenshot("filter-by-tag").await?;

    // Export: what the filter shows, as CSV, and where it went.
    app.click("#export-customers").await?;
    app.wait_for_text("#export-result", "Exported 3 customers").await?;
    let path = app.text_of("#export-result-path").await?;
    let csv = std::fs::read_to_string(path.trim()).map_err(|e| format!("{path}: {e}"))?;
    let lines: Vec<&str> = csv.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 4, "a header and the 3 tagged customers: {csv}");
    assert!(lines[0].starts_with("Customer Name"), "{csv}");
    assert!(!csv.contains("Secret"), "no credential is exported: {csv}");
    app.screenshot("export-result").await?;

    // Sort by name, descending; kept for this technician.
    app.click("button[data-sort=\"name\"]").await?;
    app.wait_for("th.col-name[aria-sort=\"descending\"]").await?;
    let first = app.attr_of("#customer-tbody tr.customer-row", "data-customer-name").await?;
    assert_eq!(first.as_deref(), Some("Stark Industries"), "descending by name");
    let sort = app.invoke("get_customer_sort", json!({})).await?.map_err(|e| e.to_string())?;
    assert_eq!(sort, json!({"key": "name", "descending": true}));
    Ok(())
}

/// A renewed certificate: found by a bulk Sync Now, filtered, reviewed and trusted in bulk.
async fn changed_certificates(
    app: &App,
    sim: &Sim,
    instances: &[(String, InstanceInfo)],
) -> Result<()> {
    let (_, wayne) = instances.iter().find(|(n, _)| n == "Wayne Enterprises").ok_or("no Wayne")?;
    let old = sim.certificate(wayne.port).ok_or("no certificate")?;
    sim.set_certificate(wayne.port, CertChange::default())?;
    let new = sim.certificate(wayne.port).ok_or("no certificate")?;
    assert_ne!(old.sha256, new.sha256);

    app.click("button[data-quick=\"all\"]").await?;
    app.wait_for_text("#customer-summary", "7 customers").await?;
    app.click("#bulk-clear").await?;
    tick(app, &["Wayne Enterprises"]).await?;
    app.click("#bulk-sync").await?;
    app.wait_for_text("#bulk-progress", "Sync finished: 0 synced, 1 failed").await?;
    app.wait_for_text("#bulk-progress .batch-failures", "Wayne Enterprises").await?;
    let badge = format!("{} .row-badge[data-kind=\"changed\"]", customer_row("Wayne Enterprises"));
    app.wait_for_text(&badge, "Certificate changed").await?;
    app.wait_for_text("button[data-quick=\"certificateChanged\"] .quick-count", "1").await?;
    app.click("button[data-quick=\"certificateChanged\"]").await?;
    wait_shown(app, &["Wayne Enterprises"]).await?;

    app.click("#bulk-certs").await?;
    app.wait_for("#certs-dialog").await?;
    let item = "#certs-list li.cert-item";
    app.wait_for_text(item, "Wayne Enterprises").await?;
    let presented = app.text_of(&format!("{item} .cert-item-new")).await?;
    let presented: String = presented.split_whitespace().collect::<Vec<_>>().join(":");
    assert_eq!(presented, colon_hex(&new.sha256), "the fingerprint presented now");
    app.screenshot("review-changed-certificates").await?;
    app.click("#certs-trust-all").await?;
    app.wait_for_text(&format!("{item} .cert-item-state"), "Trusted").await?;
    app.wait_for_text("#certs-progress", "1 trusted").await?;
    app.click("#certs-close").await?;
    app.wait_until_gone("#certs-dialog").await?;
    app.wait_until_gone(&badge).await?;
    app.wait_for_text("button[data-quick=\"certificateChanged\"] .quick-count", "0").await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a desktop session: run make test"]
async fn tags_delegate_and_bulk_delete_with_force() -> Result<()> {
    let (sim, instances) = start_sim().await?;
    let app = App::launch("many-delete").await?;
    let _ = app.client().set_window_rect(0, 0, 1280, 800).await;
    let result = run_delegate_delete(&app, &sim, &instances).await;
    if result.is_err() {
        let _ = app.screenshot("end-of-failed-run").await;
    }
    let closed = app.close().await;
    sim.shutdown().await;
    result?;
    closed
}

async fn run_delegate_delete(
    app: &App,
    sim: &Sim,
    instances: &[(String, InstanceInfo)],
) -> Result<()> {
    create_administrator(app, ADMIN, ADMIN_PASSWORD).await?;
    app.click("#nav-customer-management").await?;
    app.wait_for("#customer-empty").await?;

    // Import by pasting the file's text (HTTP rows only here).
    let http: Vec<(String, InstanceInfo)> =
        instances.iter().filter(|(_, i)| !i.tls).cloned().collect();
    let text = import_csv(&http).replace("Bad Mail Co,not-a-mail", "Bad Mail Co,bad@mail.example");
    app.click("#import-customers-button").await?;
    app.wait_for("#import-dialog").await?;
    // Pasted: the text arrives at once, as a paste does (typed keys would lose the line breaks).
    app.client()
        .execute(
            "const t = document.querySelector('#import-text'); t.focus(); t.value = arguments[0];\
             t.dispatchEvent(new Event('input', { bubbles: true }));",
            vec![text.into()],
        )
        .await?;
    app.click("#import-next").await?;
    // The row with port 1 has a valid mail now, and nothing answers there: it fails on its own.
    app.wait_for_text("#import-summary", "7 ready").await?;
    app.click("#import-next").await?;
    app.wait_for_text("#import-summary", "6 added").await?;
    app.wait_for_text("#import-tbody tr[data-outcome=\"failed\"]", "Bad Mail Co").await?;
    app.wait_for_text("#import-next", "Import again").await?;
    app.screenshot("import-one-failed").await?;
    app.click("#import-close").await?;
    app.wait_until_gone("#import-dialog").await?;
    app.wait_for(&customer_row("Globex")).await?;
    assert_eq!(app.count(&customer_row("Bad Mail Co")).await?, 0, "a failed row leaves nothing");

    // Tags > create "apac"; the row's tag editor puts it on two customers.
    app.click("#manage-tags-button").await?;
    app.wait_for("#tags-dialog").await?;
    app.fill("#tags-new-name", "apac").await?;
    app.click("#tags-new-colours .colour-swatch[data-colour=\"violet\"]").await?;
    app.click("#tags-add").await?;
    app.wait_for_text("#tags-list", "apac").await?;
    app.screenshot("tags-dialog").await?;
    app.click("#tags-dialog .dialog-foot button[data-close]").await?;
    app.wait_until_gone("#tags-dialog").await?;
    for name in ["Globex", "Hooli"] {
        let row = customer_row(name);
        app.hover(&format!("{row} td.col-name")).await?;
        app.click(&format!("{row} button.row-tag-edit")).await?;
        app.wait_for("#tag-editor-dialog").await?;
        app.set_checked("#tag-editor-list input[type=\"checkbox\"]", true).await?;
        if name == "Globex" {
            app.screenshot("tag-editor").await?;
        }
        app.click("#tag-editor-save").await?;
        app.wait_until_gone("#tag-editor-dialog").await?;
        app.wait_for_text(&format!("{row} .row-tags"), "apac").await?;
    }

    // The detail view shows the tags, with Edit tags.
    app.pointer_click(&format!("{} button.customer-link", customer_row("Hooli"))).await?;
    app.wait_for("#customer-detail-dialog").await?;
    app.wait_for_text("#detail-tags", "apac").await?;
    app.wait_for("#detail-edit-tags").await?;
    app.screenshot("detail-tags").await?;
    app.click("#detail-close").await?;
    app.wait_until_gone("#customer-detail-dialog").await?;

    // A technician delegated "all customers tagged apac".
    app.click("#nav-technicians").await?;
    app.click("#add-technician-button").await?;
    app.wait_for("#technician-dialog").await?;
    app.fill("#tech-username", TECH).await?;
    app.fill("#tech-email", "emma@mssp.example.com").await?;
    app.select("#tech-role", "Operator").await?;
    app.click("#tech-selected").await?;
    app.click("#tech-tags input[type=\"checkbox\"]").await?;
    app.wait_for_text("#tech-customers-count", "customers with 1 tag").await?;
    app.fill("#tech-password", TECH_PASSWORD).await?;
    app.screenshot("technician-by-tag").await?;
    app.click("#tech-submit").await?;
    app.wait_for_text("#technicians-table", "Tagged apac").await?;

    // The operator sees the two tagged customers, and no administrator's bulk action.
    app.click("#logout-button").await?;
    log_in(app, TECH, TECH_PASSWORD).await?;
    app.click("#nav-customer-management").await?;
    wait_shown(app, &["Globex", "Hooli"]).await?;
    app.set_checked("#select-page", true).await?;
    app.wait_for("#bulk-sync").await?;
    for admin_only in ["#bulk-delete", "#bulk-tag-add", "#bulk-certs", "#import-customers-button"] {
        assert!(!app.is_visible(admin_only).await, "{admin_only} shown to an operator");
    }
    app.screenshot("operator-bulk-bar").await?;
    app.click("#logout-button").await?;
    log_in(app, ADMIN, ADMIN_PASSWORD).await?;
    app.click("#nav-customer-management").await?;

    // Bulk Delete: Globex is down, so its soft delete fails and Force Delete is offered.
    let (_, globex) = instances.iter().find(|(n, _)| n == "Globex").ok_or("no Globex")?;
    sim.set_fault(globex.port, Fault::Down).await?;
    app.wait_for(&customer_row("Acme Corp")).await?;
    tick(app, &["Acme Corp", "Globex"]).await?;
    app.click("#bulk-delete").await?;
    app.wait_for("#bulk-delete-dialog").await?;
    app.wait_for_text("#bulk-delete-message", "2 customers").await?;
    app.fill("#bulk-delete-password", "not-my-password").await?;
    app.click("#bulk-delete-proceed").await?;
    app.wait_for_some_text("#bulk-delete-error").await?;
    assert_eq!(app.count(&customer_row("Acme Corp")).await?, 1, "a wrong password deletes nothing");
    app.fill("#bulk-delete-password", ADMIN_PASSWORD).await?;
    app.click("#bulk-delete-proceed").await?;
    app.wait_for_text("#bulk-delete-progress", "Deleted 1; 1 not deleted").await?;
    app.wait_for_text("#bulk-delete-progress .batch-failures", "Globex").await?;
    app.wait_for("#bulk-force").await?;
    app.wait_until_gone(&customer_row("Acme Corp")).await?;
    app.screenshot("bulk-delete-force-offered").await?;
    app.click("#bulk-force-submit").await?;
    app.wait_for_text("#bulk-force-reason-error", "Enter the reason").await?;
    app.fill("#bulk-force-reason", "Contract ended; server decommissioned.").await?;
    app.click("#bulk-force-submit").await?;
    app.wait_for_text("#bulk-delete-progress", "Force deleted 1").await?;
    app.click("#bulk-delete-cancel").await?;
    app.wait_until_gone("#bulk-delete-dialog").await?;
    app.wait_until_gone(&customer_row("Globex")).await?;
    app.wait_for_text("#customer-summary", "4 customers").await?;
    Ok(())
}
