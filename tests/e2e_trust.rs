//! End-to-end test of "trust what the console talks to", through the real `mssp-console` window
//! against in-process simulated Log360 instances:
//!
//! - Add Customer over HTTPS to an instance with a self-signed certificate: the dialog shows the
//!   certificate (its SHA-256 fingerprint is the one the instance presents) and sends nothing
//!   to it; "Trust this certificate" adds the customer, and its health goes up.
//! - The instance's certificate is swapped: a Sync Now of the row fails, the row says
//!   "Certificate changed", and a desktop notification about the changed certificate goes out
//!   on the D-Bus session bus. Review certificate shows both fingerprints, and trusting the new
//!   one clears the badge.
//! - Add Customer over HTTP: without ticking "Send the admin credentials unencrypted over HTTP"
//!   the field says so and the instance hears nothing; ticked, the row says "unencrypted".
//!
//! Screenshots of each state go to `.test-run/e2e/trust-*`. Needs a desktop session (display,
//! session bus, unlocked Secret Service): `make test`.

use log360_sim::{CertChange, InstanceInfo, InstanceSpec, Sim, TlsMode};
use mssp_tests::{
    App, NotificationRecorder, Result, create_administrator, customer_row, fill_customer,
};
use std::time::Duration;

const ADMIN: &str = "socadmin";
const ADMIN_PASSWORD: &str = "Correct-Horse-42!";
const SESSION_PATH: &str = "/mssp/v1/session";

/// `ab12…` (the simulator's lowercase hex) as the console shows it: `AB:12:…`.
fn colon_hex(hex: &str) -> String {
    let upper = hex.to_ascii_uppercase();
    let bytes: Vec<&str> =
        (0..upper.len()).step_by(2).map(|i| &upper[i..(i + 2).min(upper.len())]).collect();
    bytes.join(":")
}

/// What a fingerprint block shows (16 bytes a line), as one `AB:CD:…` text.
fn shown_fingerprint(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(":")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a desktop session: run make test"]
async fn certificates_are_reviewed_trusted_and_watched() -> Result<()> {
    let sim = Sim::new();
    let mut https_spec = InstanceSpec::new("Initech");
    https_spec.tls_mode = Some(TlsMode::SelfSigned);
    https_spec.password = "Initech-Admin-1!".into();
    let initech = sim.add_instance(https_spec).await?;
    assert!(initech.tls, "a self-signed instance speaks HTTPS");
    let mut http_spec = InstanceSpec::new("Hooli");
    http_spec.password = "Hooli-Admin-2!".into();
    let hooli = sim.add_instance(http_spec).await?;
    let bus = NotificationRecorder::start()?;

    let app = App::launch("trust").await?;
    // No window manager under Xvfb: the window at the screen's size, for the screenshots.
    let _ = app.client().set_window_rect(0, 0, 1280, 800).await;
    let result = run(&app, &sim, &initech, &hooli, &bus).await;
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
    initech: &InstanceInfo,
    hooli: &InstanceInfo,
    bus: &NotificationRecorder,
) -> Result<()> {
    create_administrator(app, ADMIN, ADMIN_PASSWORD).await?;
    app.click("#nav-customer-management").await?;
    app.wait_for("#customer-page").await?;
    add_self_signed(app, sim, initech).await?;
    certificate_changes(app, sim, initech, bus).await?;
    add_over_http(app, sim, hooli).await
}

/// Add Customer over HTTPS: the certificate to check, then "Trust this certificate".
async fn add_self_signed(app: &App, sim: &Sim, initech: &InstanceInfo) -> Result<()> {
    app.click("#add-customer-link").await?;
    app.wait_for("#customer-dialog").await?;
    fill_customer(app, "Initech", "soc@initech.example", initech).await?;
    app.click("#cust-submit").await?;

    app.wait_for("#cust-cert-review").await?;
    let presented = sim.certificate(initech.port).ok_or("the instance has no certificate")?;
    let expected = colon_hex(&presented.sha256);
    let shown = app.text_of("#cust-cert-card .cert-fingerprint").await?;
    assert_eq!(shown_fingerprint(&shown), expected, "the dialog shows the presented fingerprint");
    let key = app.text_of("#cust-cert-card .cert-key").await?;
    assert_eq!(key.trim(), colon_hex(&presented.spki_sha256), "and its public key's");
    app.wait_for_text("#cust-cert-card", "Self-signed").await?;
    app.wait_for_some_text("#cust-cert-message").await?;
    app.wait_for_text("#cust-submit", "Trust this certificate").await?;
    assert_eq!(
        sim.request_count_for(initech.port, "POST", SESSION_PATH),
        0,
        "no credentials go to a server whose certificate is not trusted"
    );
    assert_eq!(app.count(&customer_row("Initech")).await?, 0, "nothing is saved yet");
    app.screenshot("add-https-certificate-review").await?;

    app.click("#cust-submit").await?;
    app.wait_for_text("#toast", "Customer \"Initech\" added successfully.").await?;
    app.wait_until_gone("#customer-dialog").await?;
    let row = customer_row("Initech");
    app.wait_for(&row).await?;
    app.click("#check-health-button").await?;
    app.wait_for(&format!("{row} .health-icon[data-state=\"up\"]")).await?;
    assert_eq!(app.count(&format!("{row} .row-badge[data-kind]")).await?, 0, "no badge yet");
    app.screenshot("https-customer-trusted").await?;
    Ok(())
}

/// A swapped certificate: the row says so, a notification goes out, and the admin trusts the
/// new certificate after reviewing it.
async fn certificate_changes(
    app: &App,
    sim: &Sim,
    initech: &InstanceInfo,
    bus: &NotificationRecorder,
) -> Result<()> {
    let row = customer_row("Initech");
    let old = sim.certificate(initech.port).ok_or("no certificate")?;
    sim.set_certificate(initech.port, CertChange::default())?;
    let new = sim.certificate(initech.port).ok_or("no certificate")?;
    assert_ne!(old.sha256, new.sha256);

    // Sync Now on the row: refused on the changed certificate.
    let status = format!("{row} td.col-status");
    app.hover(&status).await?;
    app.click(&format!("{status} button.sync-now")).await?;
    let badge = format!("{row} .row-badge[data-kind=\"changed\"]");
    app.wait_for_text(&badge, "Certificate changed").await?;
    bus.wait_for("certificate changed", Duration::from_secs(15)).await?;
    assert!(bus.text().contains("Initech"), "the notification names the customer");
    app.screenshot("row-certificate-changed").await?;

    // The badge opens Review certificate: both fingerprints, then trust the new one.
    app.click(&badge).await?;
    app.wait_for("#cert-review-dialog").await?;
    app.wait_for_text("#review-changed", "The certificate changed").await?;
    let trusted = app.text_of("#review-trusted-sha").await?;
    assert_eq!(shown_fingerprint(&trusted), colon_hex(&old.sha256), "the trusted fingerprint");
    let presented = app.text_of("#review-presented-sha").await?;
    assert_eq!(shown_fingerprint(&presented), colon_hex(&new.sha256), "the one presented now");
    let leaf = app.text_of("#review-chain .cert-card .cert-fingerprint").await?;
    assert_eq!(shown_fingerprint(&leaf), colon_hex(&new.sha256));
    app.screenshot("review-certificate-changed").await?;
    app.wait_for_text("#review-trust", "Trust the new certificate").await?;
    app.click("#review-trust").await?;
    app.wait_for_text("#toast", "is trusted").await?;
    app.wait_until_gone("#cert-review-dialog").await?;
    app.wait_until_gone(&badge).await?;

    // Trusted again: a sync goes through. (The pointer leaves the row first: WebKit hovers
    // only on a move.)
    app.hover("#customer-page-title").await?;
    app.hover(&status).await?;
    app.click(&format!("{status} button.sync-now")).await?;
    app.wait_for_text(&status, "Data Collection Successful").await?;
    Ok(())
}

/// Add Customer over HTTP: refused until the cleartext choice is ticked.
async fn add_over_http(app: &App, sim: &Sim, hooli: &InstanceInfo) -> Result<()> {
    app.click("#add-customer-link").await?;
    app.wait_for("#customer-dialog").await?;
    fill_customer(app, "Hooli", "soc@hooli.example", hooli).await?;
    app.set_checked("#cust-allow-cleartext", false).await?;
    app.click("#cust-submit").await?;
    app.wait_for_some_text("#cust-allowCleartext-error").await?;
    assert!(app.is_visible("#customer-dialog").await, "the dialog stays open");
    assert_eq!(sim.request_count(hooli.port), 0, "the instance heard nothing");
    assert_eq!(app.count(&customer_row("Hooli")).await?, 0, "nothing was added");
    app.screenshot("add-http-needs-acknowledgement").await?;

    app.set_checked("#cust-allow-cleartext", true).await?;
    app.click("#cust-submit").await?;
    app.wait_for_text("#toast", "Customer \"Hooli\" added successfully.").await?;
    app.wait_until_gone("#customer-dialog").await?;
    let badge = format!("{} .row-badge[data-kind=\"unencrypted\"]", customer_row("Hooli"));
    app.wait_for_text(&badge, "unencrypted").await?;
    app.screenshot("rows-with-badges").await?;
    Ok(())
}
