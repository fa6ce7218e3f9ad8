//! End-to-end test of License Management through the real `mssp-console` window: the
//! administrator applies the MSSP license file through the page's file picker, allocates to
//! three customers from both entry points (the License button on a Customer Management row,
//! and the License Management page's table), sees the pop-up and the pool's available count
//! drop, has an over-allocation refused with the free count, and the simulated instances hold
//! the allocations.
//!
//! Needs a desktop session (display, session bus, unlocked Secret Service): `make test`.

use log360_sim::{InstanceInfo, InstanceSpec, Sim};
use mssp_tests::{App, Result, add_customer, create_administrator, customer_row};

const ADMIN: &str = "socadmin";
const ADMIN_PASSWORD: &str = "Correct-Horse-42!";
const LICENSE: &str = r#"{"license_id": "MSSP-2026-001", "licensee": "Contoso MSSP",
  "edition": "Professional", "expires_at": "2030-01-01T00:00:00Z",
  "resources": {"windows_devices": 100, "syslog_devices": 200, "workstations": 500, "applications": 20}}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a desktop session: run make test"]
async fn license_allocation_end_to_end() -> Result<()> {
    let sim = Sim::new();
    let mut instances = Vec::new();
    for (name, password) in [
        ("Acme Corp", "Acme-Admin-1!"),
        ("Globex", "Globex-Admin-2!"),
        ("Initech", "Initech-Admin-3!"),
    ] {
        let mut spec = InstanceSpec::new(name);
        spec.password = password.into();
        instances.push(sim.add_instance(spec).await?);
    }
    let app = App::launch("license-management").await?;
    let result = run(&app, &sim, &instances).await;
    if result.is_err() {
        let _ = app.screenshot("end-of-failed-run").await;
    }
    let closed = app.close().await;
    sim.shutdown().await;
    result?;
    closed
}

fn pool_available() -> &'static str {
    "#license-pool [data-resource=\"windows_devices\"] .pool-available"
}

/// In an open Allocation Details box: Edit License, set Windows devices, Update.
async fn edit_windows_devices(app: &App, count: u64) -> Result<()> {
    app.click("#allocation-edit").await?;
    app.fill(
        "#allocation-dialog .alloc-input[data-resource=\"windows_devices\"]",
        &count.to_string(),
    )
    .await?;
    app.click("#allocation-update").await
}

async fn run(app: &App, sim: &Sim, instances: &[InstanceInfo]) -> Result<()> {
    create_administrator(app, ADMIN, ADMIN_PASSWORD).await?;
    for (info, name) in instances.iter().zip(["Acme Corp", "Globex", "Initech"]) {
        add_customer(app, name, info).await?;
        // Added customers are synced right away (usage comes from the sync).
        app.wait_for_text(
            &format!("{} td.col-status", customer_row(name)),
            "Data Collection Successful",
        )
        .await?;
    }

    // --- Apply the license file through the page's file picker --------------------------------
    app.click("#nav-license").await?;
    app.wait_for("#license-page").await?;
    app.wait_for("#license-none").await?;
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("mssp-license.json");
    std::fs::write(&file, LICENSE)?;
    app.choose_file("#license-file", &file).await?;
    app.wait_for_text("#toast", "License applied.").await?;
    app.wait_for_text("#license-summary", "Contoso MSSP").await?;
    app.wait_for_text(pool_available(), "100").await?;

    // --- Entry point 1: the License button on a Customer Management row ------------------------
    app.click("#nav-customer-management").await?;
    app.click(&format!("{} button[aria-label=\"License\"]", customer_row("Acme Corp"))).await?;
    app.wait_for("#allocation-dialog").await?;
    app.wait_for_text("#allocation-dialog", "Acme Corp").await?;
    edit_windows_devices(app, 30).await?;
    app.wait_for_text("#toast", "License allocation updated for Acme Corp.").await?;
    app.wait_for_text(pool_available(), "70").await?;
    app.wait_for_text("#allocation-push-state", "Applied").await?;
    app.click("#allocation-dialog [data-close]").await?;
    app.wait_until_gone("#allocation-dialog").await?;

    // --- Entry point 2: the License Management page's customer table ---------------------------
    for (name, count, left) in [("Globex", 50, "20"), ("Initech", 15, "5")] {
        app.click(&format!(
            "#license-customers tr[data-customer-name=\"{name}\"] button.allocation-open"
        ))
        .await?;
        app.wait_for_text("#allocation-dialog", name).await?;
        edit_windows_devices(app, count).await?;
        app.wait_for_text("#toast", &format!("License allocation updated for {name}.")).await?;
        app.wait_for_text(pool_available(), left).await?;
        app.click("#allocation-dialog [data-close]").await?;
        app.wait_until_gone("#allocation-dialog").await?;
    }

    // --- More than is free: refused with the free count -----------------------------------------
    app.click("#license-customers tr[data-customer-name=\"Initech\"] button.allocation-open")
        .await?;
    app.wait_for_text("#allocation-dialog", "Initech").await?;
    edit_windows_devices(app, 30).await?;
    app.wait_for_text(
        "#allocation-dialog .alloc-error[data-resource=\"windows_devices\"]",
        "Only 20 windows devices are free; you asked for 30.",
    )
    .await?;
    app.click("#allocation-cancel").await?;

    // --- The instances hold the allocations (pushed before Update answered) ---------------------
    let held: Vec<u64> = instances
        .iter()
        .map(|i| sim.allocation(i.port).get("windows_devices").copied().unwrap_or(0))
        .collect();
    assert_eq!(held, [30, 50, 15], "allocations applied on the simulated instances");
    Ok(())
}
