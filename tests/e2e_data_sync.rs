//! End-to-end test of data sync and technicians through the real `mssp-console` window: the
//! administrator adds a technician delegated to two customers, syncs one with Sync Now (on
//! hover of the Status column) and the other with Sync All, finds the technician on both
//! simulated instances, reads components and technicians in the detail view, sees a failed
//! sync's reason, and the window answers a click while a slow sync runs. Then the technician
//! logs in as an operator: they can sync but not delete, not even by calling the command
//! directly from the page.
//!
//! Needs a desktop session (display, session bus, unlocked Secret Service): `make test`.

use log360_sim::{Fault, InstanceInfo, InstanceSpec, Sim};
use mssp_tests::{App, Result, add_customer, create_administrator, customer_row, log_in};
use serde_json::json;
use std::time::{Duration, Instant};

const ADMIN: &str = "socadmin";
const ADMIN_PASSWORD: &str = "Correct-Horse-42!";
const TECH: &str = "tess";
const TECH_PASSWORD: &str = "Tess-Operator-7";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a desktop session: run make test"]
async fn sync_technicians_and_roles_end_to_end() -> Result<()> {
    let sim = Sim::new();
    let mut acme = InstanceSpec::new("Acme Corp");
    acme.password = "Acme-Admin-1!".into();
    let acme = sim.add_instance(acme).await?;
    let mut globex = InstanceSpec::new("Globex");
    globex.password = "Globex-Admin-2!".into();
    let globex = sim.add_instance(globex).await?;

    let app = App::launch("data-sync").await?;
    let result = run(&app, &sim, &acme, &globex).await;
    if result.is_err() {
        let _ = app.screenshot("end-of-failed-run").await;
    }
    let closed = app.close().await;
    sim.shutdown().await;
    result?;
    closed
}

fn status_cell(name: &str) -> String {
    format!("{} td.col-status", customer_row(name))
}

/// Hovers the Status column of a customer's row and clicks the Sync Now that appears.
async fn sync_now(app: &App, name: &str) -> Result<()> {
    app.hover(&status_cell(name)).await?;
    app.click(&format!("{} button.sync-now", status_cell(name))).await
}

/// The instance's central technicians as (name, enabled).
fn central(sim: &Sim, port: u16) -> Vec<(String, bool)> {
    sim.technicians(port)
        .into_iter()
        .filter(|t| t["auth"] == "central")
        .map(|t| (t["name"].as_str().unwrap_or("").to_owned(), t["enabled"] == true))
        .collect()
}

async fn run(app: &App, sim: &Sim, acme: &InstanceInfo, globex: &InstanceInfo) -> Result<()> {
    create_administrator(app, ADMIN, ADMIN_PASSWORD).await?;
    add_customer(app, "Acme Corp", acme).await?;
    add_customer(app, "Globex", globex).await?;
    let mut ids = Vec::new();
    for name in ["Acme Corp", "Globex"] {
        ids.push(
            app.attr_of(&customer_row(name), "data-customer-id")
                .await?
                .ok_or("a customer row without its id")?,
        );
    }
    let acme_id = ids[0].clone();

    // --- Settings > Technicians > Add Technician, delegated to both customers -----------------
    app.click("#nav-technicians").await?;
    app.wait_for("#technicians-page").await?;
    app.click("#add-technician-button").await?;
    app.wait_for("#technician-dialog").await?;
    app.fill("#tech-username", TECH).await?;
    app.fill("#tech-email", "tess@mssp.example.com").await?;
    app.select("#tech-role", "Operator").await?;
    app.click("#tech-selected").await?;
    for id in &ids {
        app.click(&format!("#tech-customers input[value=\"{id}\"]")).await?;
    }
    app.fill("#tech-password", TECH_PASSWORD).await?;
    app.click("#tech-submit").await?;
    app.wait_for_text("#toast", "Technician \"tess\" added.").await?;
    app.wait_for_text("#technicians-table", "tess@mssp.example.com").await?;

    // --- Sync Now on Acme (hover Status), Sync All for the rest --------------------------------
    app.click("#nav-customer-management").await?;
    app.wait_for("#customer-page").await?;
    sync_now(app, "Acme Corp").await?;
    app.wait_for_text(&status_cell("Acme Corp"), "Data Collection Successful").await?;
    assert!(
        central(sim, acme.port).contains(&(TECH.into(), true)),
        "the technician reached Acme: {:?}",
        central(sim, acme.port)
    );
    app.click("#sync-all-button").await?;
    app.wait_for_text("#sync-progress-text", "Sync finished").await?;
    app.wait_for_text(&status_cell("Globex"), "Data Collection Successful").await?;
    assert!(central(sim, globex.port).contains(&(TECH.into(), true)));

    // --- Detail view: components and technicians as the instance reports them -----------------
    app.pointer_click(&format!("{} button.customer-link", customer_row("Acme Corp"))).await?;
    app.wait_for("#customer-detail-dialog").await?;
    app.wait_for_text("#detail-synced-at", "Data collected").await?;
    app.click("#detail-tab-components").await?;
    app.wait_for_text("#detail-components", "EventLog Analyzer").await?;
    app.wait_for_text("#detail-components", "ADAudit Plus").await?;
    app.click("#detail-tab-technicians").await?;
    app.wait_for_text("#detail-technicians", "tess@mssp.example.com").await?;
    app.wait_for_text("#detail-technicians", "Local").await?;
    app.click("#detail-close").await?;
    app.wait_until_gone("#customer-detail-dialog").await?;

    // --- The window answers a click while a slow sync runs ---------------------------------------
    sim.set_latency(acme.port, Duration::from_millis(1500));
    sync_now(app, "Acme Corp").await?;
    app.wait_for_text(&status_cell("Acme Corp"), "Sync in progress").await?;
    let clicked = Instant::now();
    app.click("#nav-home").await?;
    app.wait_for("#home-page").await?;
    let answered = clicked.elapsed();
    assert!(answered < Duration::from_secs(3), "a click took {answered:?} during a sync");
    app.click("#nav-settings").await?;
    app.click("#nav-customer-management").await?;
    app.wait_for_text(&status_cell("Acme Corp"), "Data Collection Successful").await?;
    sim.set_latency(acme.port, Duration::ZERO);

    // --- A failed sync says why ------------------------------------------------------------------
    sim.set_fault(globex.port, Fault::Down).await?;
    sync_now(app, "Globex").await?;
    app.wait_for_text(&status_cell("Globex"), "Sync failed").await?;
    app.wait_for_text(&status_cell("Globex"), "unreachable").await?;

    // --- The operator: syncs, cannot delete --------------------------------------------------------
    app.click("#logout-button").await?;
    log_in(app, TECH, TECH_PASSWORD).await?;
    app.click("#nav-settings").await?;
    app.click("#nav-customer-management").await?;
    app.wait_for(&customer_row("Acme Corp")).await?;
    assert!(
        !app.is_visible(&format!("{} button[aria-label=\"Delete\"]", customer_row("Acme Corp")))
            .await,
        "no Delete button for an operator"
    );
    assert!(!app.is_visible("#add-customer-link").await);
    sync_now(app, "Acme Corp").await?;
    app.wait_for_text(&status_cell("Acme Corp"), "Data Collection Successful").await?;
    let refused =
        app.invoke("delete_customer", json!({"id": acme_id, "password": TECH_PASSWORD})).await?;
    let err = refused.expect_err("an operator's delete must be refused");
    assert_eq!(err["code"], "forbidden", "{err}");
    assert!(sim.linked_mssp(acme.port).is_some(), "the customer is still integrated");
    Ok(())
}
