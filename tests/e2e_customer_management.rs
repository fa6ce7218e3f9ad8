//! End-to-end test of Customer Management, driven through the real `mssp-console` window as a
//! person would use it: first-run administrator, log out / log in, Add Customer (bad input first,
//! then a simulated Log360 instance), Update Customer, Delete with a wrong then the right password,
//! and Force Delete of a customer whose server is down. The Log360 instances are simulated
//! in-process (`log360_sim`), so the test also checks what reached them.
//!
//! Needs a desktop session (display + unlocked Secret Service): `make test` or `make e2e`.

use log360_sim::{Fault, InstanceSpec, Sim};
use mssp_tests::{App, Result, create_administrator, customer_row, fill_customer};

const ADMIN: &str = "socadmin";
const ADMIN_PASSWORD: &str = "Correct-Horse-42!";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a desktop session: run make test"]
async fn customer_management_end_to_end() -> Result<()> {
    // Two simulated customer instances with distinct admin passwords.
    let sim = Sim::new();
    let mut acme_spec = InstanceSpec::new("Acme Corp");
    acme_spec.password = "Acme-Admin-1!".to_string();
    let acme = sim.add_instance(acme_spec).await?;
    let mut globex_spec = InstanceSpec::new("Globex");
    globex_spec.password = "Globex-Admin-2!".to_string();
    let globex = sim.add_instance(globex_spec).await?;
    assert_ne!(acme.password, globex.password);

    let app = App::launch("customer-management").await?;
    let result = run(&app, &sim, &acme, &globex).await;
    if result.is_err() {
        let _ = app.screenshot("end-of-failed-run").await;
    }
    let closed = app.close().await;
    sim.shutdown().await;
    result?;
    closed
}

async fn run(
    app: &App,
    sim: &Sim,
    acme: &log360_sim::InstanceInfo,
    globex: &log360_sim::InstanceInfo,
) -> Result<()> {
    // --- First run: create the console administrator -----------------------------------------
    create_administrator(app, ADMIN, ADMIN_PASSWORD).await?;

    // --- Log out, fail one login, log in ----------------------------------------------------------
    app.click("#logout-button").await?;
    app.wait_for("#login-form").await?;
    app.fill("#login-username", ADMIN).await?;
    app.fill("#login-password", "not-the-password").await?;
    app.click("#login-submit").await?;
    app.wait_for_some_text("#login-error").await?;
    assert!(app.is_visible("#login-form").await, "a wrong password must not log in");
    app.fill("#login-password", ADMIN_PASSWORD).await?;
    app.click("#login-submit").await?;
    app.wait_until_gone("#login-form").await?;

    // --- Settings > Customer Management --------------------------------------------------------
    app.click("#nav-customer-management").await?;
    app.wait_for("#customer-page").await?;
    app.wait_for("#add-customer-link").await?;

    // --- Add Customer: bad input never reaches the network ---------------------------------------
    let before = sim.request_count(acme.port);
    app.click("#add-customer-link").await?;
    app.wait_for("#customer-dialog").await?;
    let submit = app.text_of("#cust-submit").await?;
    assert!(submit.contains("Add Customer"), "submit button says {submit:?}");
    app.fill("#cust-name", "").await?;
    app.fill("#cust-email", "not-a-mail").await?;
    app.fill("#cust-server", "127.0.0.1").await?;
    app.fill("#cust-port", "70000").await?;
    app.select("#cust-connection", "HTTP").await?;
    app.fill("#cust-username", &acme.username).await?;
    app.fill("#cust-password", &acme.password).await?;
    app.click("#cust-submit").await?;
    app.wait_for_some_text("#cust-name-error").await?;
    app.wait_for_some_text("#cust-email-error").await?;
    app.wait_for_some_text("#cust-port-error").await?;
    assert!(app.is_visible("#customer-dialog").await, "the dialog stays open on bad input");
    assert_eq!(
        sim.request_count(acme.port),
        before,
        "bad input must be rejected before any request reaches the instance"
    );

    // --- Add Customer: valid values for instance 1 -----------------------------------------------
    fill_customer(app, "Acme Corp", "soc@acme.example", acme).await?;
    app.click("#cust-submit").await?;
    app.wait_for_text("#toast", "Customer \"Acme Corp\" added successfully.").await?;
    app.wait_until_gone("#customer-dialog").await?;
    let acme_row = customer_row("Acme Corp");
    app.wait_for_text(&acme_row, "soc@acme.example").await?;
    app.wait_for(&format!("{acme_row} .health-icon")).await?;
    assert!(
        sim.linked_mssp(acme.port).is_some(),
        "adding a customer links its instance to this MSSP"
    );

    // --- Edit: new Customer mail, credentials again, Update Customer ------------------------------
    app.click(&format!("{acme_row} button[aria-label=\"Edit\"]")).await?;
    app.wait_for("#customer-dialog").await?;
    app.wait_for_text("#cust-submit", "Update Customer").await?;
    let name = app.wait_for("#cust-name").await?.prop("value").await?;
    assert_eq!(name.as_deref(), Some("Acme Corp"), "the edit form is pre-filled");
    // The admin username kept for the customer is filled in too; only the password is typed.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let username = app.wait_for("#cust-username").await?.prop("value").await?;
        if username.as_deref() == Some(acme.username.as_str()) {
            break;
        }
        if std::time::Instant::now() > deadline {
            return Err(app.failure(&format!("Edit shows the admin username {username:?}")).await);
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let password = app.wait_for("#cust-password").await?.prop("value").await?;
    assert_eq!(password.as_deref(), Some(""), "the password is never filled in");
    app.fill("#cust-email", "security@acme.example").await?;
    app.fill("#cust-username", &acme.username).await?;
    app.fill("#cust-password", &acme.password).await?;
    app.click("#cust-submit").await?;
    app.wait_until_gone("#customer-dialog").await?;
    app.wait_for_text(&acme_row, "security@acme.example").await?;

    // --- Delete with a wrong password: refused, the row stays ----------------------------------
    app.click(&format!("{acme_row} button[aria-label=\"Delete\"]")).await?;
    app.wait_for("#delete-dialog").await?;
    app.fill("#delete-password", "wrong-password").await?;
    app.click("#delete-proceed").await?;
    app.wait_for_some_text("#delete-error").await?;
    assert_eq!(app.count(&acme_row).await?, 1, "a refused delete keeps the row");
    assert!(sim.linked_mssp(acme.port).is_some());

    // --- Delete with the right password: row gone, instance unlinked -----------------------------
    app.fill("#delete-password", ADMIN_PASSWORD).await?;
    app.click("#delete-proceed").await?;
    app.wait_until_gone("#delete-dialog").await?;
    app.wait_until_gone(&acme_row).await?;
    assert!(sim.linked_mssp(acme.port).is_none(), "a soft delete unlinks the instance");

    // --- Add instance 2, take it down, Force Delete ------------------------------------------------
    app.click("#add-customer-link").await?;
    app.wait_for("#customer-dialog").await?;
    fill_customer(app, "Globex", "soc@globex.example", globex).await?;
    app.click("#cust-submit").await?;
    app.wait_for_text("#toast", "Customer \"Globex\" added successfully.").await?;
    app.wait_until_gone("#customer-dialog").await?;
    let globex_row = customer_row("Globex");
    app.wait_for(&globex_row).await?;
    assert!(sim.linked_mssp(globex.port).is_some());

    sim.set_fault(globex.port, Fault::Down).await?;
    // One failed check is not an outage yet (three in a row are): "Check health" shows the
    // failure in the icon's tooltip while the arrow is not red yet.
    app.click("#check-health-button").await?;
    let icon = format!("{globex_row} .health-icon");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let tooltip = app.attr_of(&icon, "title").await?.unwrap_or_default();
        if tooltip.contains("1 of 3") && tooltip.contains("refused") {
            break;
        }
        if std::time::Instant::now() > deadline {
            return Err(app.failure(&format!("tooltip after one failed check: {tooltip:?}")).await);
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_ne!(app.attr_of(&icon, "data-state").await?.as_deref(), Some("down"));

    app.click(&format!("{globex_row} button[aria-label=\"Delete\"]")).await?;
    app.wait_for("#delete-dialog").await?;
    app.fill("#delete-password", ADMIN_PASSWORD).await?;
    app.click("#delete-proceed").await?;
    app.wait_for("#force-dialog").await?;
    assert_eq!(app.count(&globex_row).await?, 1, "a failed soft delete keeps the row");
    app.fill("#force-reason", "").await?;
    app.click("#force-submit").await?;
    // The reason is required, and the message sits on the Reason field.
    app.wait_for_text("#force-reason-error", "Enter the reason for force removal").await?;
    assert_eq!(app.count(&globex_row).await?, 1);
    app.fill("#force-reason", "Customer server decommissioned; contract ended.").await?;
    app.click("#force-submit").await?;
    app.wait_until_gone("#force-dialog").await?;
    app.wait_until_gone(&globex_row).await?;
    Ok(())
}
