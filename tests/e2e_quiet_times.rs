//! End-to-end tests of quiet times and alert channels through the real `mssp-console` window:
//! a customer muted for 1 h from its row goes down without a desktop notification on the
//! D-Bus session bus (while another customer's outage is notified, so the bus is heard),
//! and its row says "Muted until …"; a maintenance window planned on the Maintenance page
//! for a tag shows "Maintenance until …" on that tag's rows, after the form put the core's
//! error under the field that was wrong; a webhook channel added on the Alert channels page
//! answers "Send test" from a small HTTP receiver started here, and the delivery log shows it.
//!
//! Needs a desktop session (display, session bus, unlocked Secret Service): `make test`.

use log360_sim::{Fault, InstanceInfo, InstanceSpec, Sim};
use mssp_tests::{
    App, NotificationRecorder, Result, add_customer, create_administrator, customer_row,
};
use serde_json::json;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const ADMIN: &str = "socadmin";
const ADMIN_PASSWORD: &str = "Correct-Horse-42!";

async fn instance(sim: &Sim, name: &str) -> Result<InstanceInfo> {
    let mut spec = InstanceSpec::new(name);
    spec.password = "Acme-Admin-1!".into();
    Ok(sim.add_instance(spec).await?)
}

/// Runs `body` with a fresh window; on failure keeps a screenshot, and always closes.
async fn with_app<F, Fut>(name: &str, sim: Sim, body: F) -> Result<()>
where
    F: FnOnce(App, Sim) -> Fut,
    Fut: std::future::Future<Output = (App, Sim, Result<()>)>,
{
    let app = App::launch(name).await?;
    let (app, sim, result) = body(app, sim).await;
    if result.is_err() {
        let _ = app.screenshot("end-of-failed-run").await;
    }
    let closed = app.close().await;
    sim.shutdown().await;
    result?;
    closed
}

/// Monitoring page: check every 5 s, retry after 1 s, Down after 2 failures.
async fn fast_checks(app: &App) -> Result<()> {
    app.click("#nav-monitoring").await?;
    app.wait_for("#monitoring-form").await?;
    app.fill("#mon-interval", "5").await?;
    app.fill("#mon-retry", "1").await?;
    app.fill("#mon-failures", "2").await?;
    app.click("#mon-save").await?;
    app.wait_for_text("#toast", "Monitoring settings saved.").await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a desktop session: run make test"]
async fn a_customer_muted_from_its_row_goes_down_without_a_notification() -> Result<()> {
    let sim = Sim::new();
    let acme = instance(&sim, "Acme Corp").await?;
    let globex = instance(&sim, "Globex").await?;
    let bus = NotificationRecorder::start()?;
    with_app("quiet-mute", sim, |app, sim| async move {
        let r = mute_run(&app, &sim, &acme, &globex, &bus).await;
        (app, sim, r)
    })
    .await
}

async fn mute_run(
    app: &App,
    sim: &Sim,
    acme: &InstanceInfo,
    globex: &InstanceInfo,
    bus: &NotificationRecorder,
) -> Result<()> {
    create_administrator(app, ADMIN, ADMIN_PASSWORD).await?;
    fast_checks(app).await?;
    add_customer(app, "Acme Corp", acme).await?;
    add_customer(app, "Globex", globex).await?;
    let acme_row = customer_row("Acme Corp");
    let globex_row = customer_row("Globex");
    app.wait_for(&format!("{acme_row} .health-icon[data-state=\"up\"]")).await?;
    app.wait_for(&format!("{globex_row} .health-icon[data-state=\"up\"]")).await?;

    // Acme Corp's row: the mute button, then "Mute for 1 h".
    app.click(&format!("{acme_row} button[data-action=\"mute\"]")).await?;
    app.wait_for("#mute-menu").await?;
    app.screenshot("mute-menu").await?;
    app.click("#mute-menu button[data-mute=\"1\"]").await?;
    app.wait_for_text("#toast", "\"Acme Corp\" is muted until").await?;
    let badge = format!("{acme_row} .row-quiet");
    let said = app.wait_for_text(&badge, "Muted until").await?;
    assert!(!said.contains("unmute"), "a 1 h mute has an end: {said:?}");
    // The core says so too, not just this window: the list loaded again keeps the badge.
    let listed = app.invoke("list_customers", json!({})).await?.map_err(|e| e.to_string())?;
    let quiet = listed
        .as_array()
        .and_then(|all| all.iter().find(|c| c["name"] == "Acme Corp"))
        .map(|c| c["quiet"].clone())
        .unwrap_or_default();
    assert_eq!(quiet["kind"], "muted", "Acme Corp's quiet state: {quiet}");
    app.screenshot("acme-muted").await?;

    // Acme Corp goes down: its icon turns red, the row still says muted, nothing on the bus.
    sim.set_fault(acme.port, Fault::Down).await?;
    app.wait_for(&format!("{acme_row} .health-icon[data-state=\"down\"]")).await?;
    app.wait_for_text(&badge, "Muted until").await?;
    // Globex goes down too, unmuted: its notification proves the bus is heard; by then
    // Acme Corp's would have come long before.
    sim.set_fault(globex.port, Fault::Down).await?;
    app.wait_for(&format!("{globex_row} .health-icon[data-state=\"down\"]")).await?;
    bus.wait_for("Globex is down", Duration::from_secs(15)).await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let heard = bus.text();
    assert!(
        !heard.contains("Acme Corp"),
        "no notification may name the muted customer; the bus carried:\n{heard}"
    );
    app.wait_for_text(&badge, "Muted until").await?;
    app.screenshot("acme-down-but-muted").await?;

    // Unmute from the detail dialog: the badge goes.
    app.pointer_click(&format!("{acme_row} button.customer-link")).await?;
    app.wait_for("#customer-detail-dialog").await?;
    app.wait_for_text("#detail-quiet", "Muted until").await?;
    app.click("#detail-mute").await?;
    app.click("#mute-menu button[data-mute=\"unmute\"]").await?;
    app.wait_for_text("#toast", "no longer muted").await?;
    app.click("#detail-close").await?;
    app.wait_until_gone(&badge).await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a desktop session: run make test"]
async fn a_maintenance_window_for_a_tag_shows_on_its_rows() -> Result<()> {
    let sim = Sim::new();
    let acme = instance(&sim, "Acme Corp").await?;
    let globex = instance(&sim, "Globex").await?;
    with_app("quiet-maintenance", sim, |app, sim| async move {
        let r = maintenance_run(&app, &acme, &globex).await;
        (app, sim, r)
    })
    .await
}

async fn maintenance_run(app: &App, acme: &InstanceInfo, globex: &InstanceInfo) -> Result<()> {
    create_administrator(app, ADMIN, ADMIN_PASSWORD).await?;
    add_customer(app, "Acme Corp", acme).await?;
    add_customer(app, "Globex", globex).await?;
    // Tag Acme Corp "patch-tuesday" (the tag dialogs have tests of their own).
    let tag = app
        .invoke("create_tag", json!({ "input": { "name": "patch-tuesday", "colour": "violet" } }))
        .await?
        .map_err(|e| e.to_string())?;
    let acme_id = app
        .client()
        .execute(
            "return document.querySelector(arguments[0]).dataset.customerId;",
            vec![customer_row("Acme Corp").into()],
        )
        .await?;
    app.invoke(
        "tag_customers",
        json!({ "tagId": tag["id"], "customerIds": [acme_id], "add": true }),
    )
    .await?
    .map_err(|e| e.to_string())?;

    // Settings › Maintenance › Plan maintenance, for the tag, weekly without a day first.
    app.click("#nav-maintenance").await?;
    app.wait_for("#maintenance-empty").await?;
    app.click("#add-maintenance-button").await?;
    app.wait_for("#maintenance-dialog").await?;
    app.select("#maint-target", "patch-tuesday").await?;
    app.click("#maint-kind-weekly").await?;
    let zone = app.attr_of("#maint-zone", "value").await?.unwrap_or_default();
    let zone_now =
        app.client().execute("return document.getElementById('maint-zone').value;", vec![]).await?;
    assert!(!zone_now.as_str().unwrap_or_default().is_empty(), "a default time zone ({zone:?})");
    app.click("#maint-submit").await?;
    // The core's error lands under the days.
    app.wait_for_text("#maint-weekdays-error", "Choose at least one day.").await?;
    app.screenshot("maintenance-field-error").await?;

    // Once, from five minutes ago for two hours.
    app.click("#maint-kind-once").await?;
    app.client()
        .execute(
            "const p = (n) => String(n).padStart(2, '0');
             const local = (d) => `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
             const now = Date.now();
             document.getElementById('maint-from').value = local(new Date(now - 5 * 60000));
             document.getElementById('maint-to').value = local(new Date(now + 2 * 3600000));",
            vec![],
        )
        .await?;
    app.fill("#maint-note", "Patch Tuesday").await?;
    app.click("#maint-submit").await?;
    app.wait_for_text("#toast", "Maintenance window planned.").await?;
    app.wait_until_gone("#maintenance-dialog").await?;
    app.wait_for_text("#maintenance-tbody tr[data-state=\"active\"] .col-mstate", "In force")
        .await?;
    app.wait_for_text("#maintenance-tbody .col-mscope", "patch-tuesday").await?;
    app.screenshot("maintenance-page").await?;

    // Its rows say "Maintenance until …"; the untagged customer's does not.
    app.click("#nav-customer-management").await?;
    let badge = format!("{} .row-quiet", customer_row("Acme Corp"));
    app.wait_for_text(&badge, "Maintenance until").await?;
    assert!(
        !app.is_visible(&format!("{} .row-quiet", customer_row("Globex"))).await,
        "Globex is not tagged: no maintenance badge"
    );
    app.screenshot("maintenance-rows").await?;

    // The bulk bar mutes the selected customers; the one in maintenance still says so.
    app.click(&format!("{} .row-check", customer_row("Acme Corp"))).await?;
    app.click(&format!("{} .row-check", customer_row("Globex"))).await?;
    app.click("#bulk-mute").await?;
    app.click("#mute-menu button[data-mute=\"forever\"]").await?;
    app.wait_for_text("#toast", "2 customers muted until you unmute.").await?;
    app.wait_for_text(&format!("{} .row-quiet", customer_row("Globex")), "Muted until I unmute")
        .await?;
    app.wait_for_text(&badge, "Maintenance until").await?;

    // "Mute all notifications for 1 h" in the header, for desktops without a tray.
    app.click("#mute-all-button").await?;
    app.wait_for_text("#toast", "All desktop notifications are muted until").await?;
    app.wait_for("#mute-all-button[aria-pressed=\"true\"]").await?;
    let tray = app.invoke("tray_status", json!({})).await?.map_err(|e| e.to_string())?;
    assert_eq!(tray["muted"], true, "tray status: {tray}");
    app.screenshot("muted-all").await?;
    app.click("#mute-all-button").await?;
    app.wait_for_text("#toast", "Desktop notifications are on again.").await?;
    app.wait_for("#mute-all-button[aria-pressed=\"false\"]").await?;
    Ok(())
}

/// A tiny HTTP receiver: answers every request with 200 and keeps what it got.
async fn receiver() -> Result<(u16, tokio::sync::mpsc::UnboundedReceiver<String>)> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let tx = tx.clone();
            tokio::spawn(async move {
                let mut got = Vec::new();
                let mut buf = [0u8; 8192];
                // Headers, then as much body as Content-Length says.
                loop {
                    let Ok(n) = sock.read(&mut buf).await else { return };
                    if n == 0 {
                        break;
                    }
                    got.extend_from_slice(&buf[..n]);
                    let text = String::from_utf8_lossy(&got).to_string();
                    if let Some(end) = text.find("\r\n\r\n") {
                        let len = text[..end]
                            .lines()
                            .find_map(|l| {
                                let (k, v) = l.split_once(':')?;
                                k.eq_ignore_ascii_case("content-length")
                                    .then(|| v.trim().parse::<usize>().ok())?
                            })
                            .unwrap_or(0);
                        if got.len() >= end + 4 + len {
                            break;
                        }
                    }
                }
                let _ = tx.send(String::from_utf8_lossy(&got).to_string());
                let _ = sock
                    .write_all(
                        b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok",
                    )
                    .await;
            });
        }
    });
    Ok((port, rx))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a desktop session: run make test"]
async fn a_webhook_channel_added_in_the_window_answers_send_test() -> Result<()> {
    let (port, rx) = receiver().await?;
    with_app("alert-channels", Sim::new(), |app, sim| async move {
        let r = webhook_run(&app, port, rx).await;
        (app, sim, r)
    })
    .await
}

async fn webhook_run(
    app: &App,
    port: u16,
    mut rx: tokio::sync::mpsc::UnboundedReceiver<String>,
) -> Result<()> {
    create_administrator(app, ADMIN, ADMIN_PASSWORD).await?;
    app.click("#nav-settings").await?;
    app.click("#nav-alerts").await?;
    app.wait_for("#channels-empty").await?;
    app.click("#add-channel-button").await?;
    app.wait_for("#channel-dialog").await?;
    app.fill("#chan-name", "SOC receiver").await?;
    app.wait_for("#chan-host").await?;
    app.screenshot("channel-dialog-mail").await?;
    app.click("#chan-kind-webhook").await?;
    // A URL that is not one: the core's error under the URL.
    app.fill("#chan-url", "not a url").await?;
    app.click("#chan-submit").await?;
    app.wait_for_some_text("#chan-url-error").await?;
    app.fill("#chan-url", &format!("http://127.0.0.1:{port}/mssp")).await?;
    app.fill("#chan-secret", "s3cret-signing-key").await?;
    app.screenshot("channel-dialog").await?;
    app.click("#chan-submit").await?;
    app.wait_for_text("#toast", "Alert channel \"SOC receiver\" added.").await?;
    app.wait_until_gone("#channel-dialog").await?;

    let row = "#channels-tbody tr[data-channel-name=\"SOC receiver\"]";
    app.click(&format!("{row} button[data-action=\"test\"]")).await?;
    app.wait_for_text(&format!("{row} .test-outcome[data-ok=\"true\"]"), "200").await?;
    let request = tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .map_err(|_| "the receiver got nothing")?
        .ok_or("the receiver stopped")?;
    assert!(request.starts_with("POST /mssp"), "request: {request}");
    let lower = request.to_lowercase();
    assert!(lower.contains("x-mssp-event: test"), "request: {request}");
    assert!(lower.contains("x-mssp-signature: sha256="), "signed: {request}");
    app.screenshot("channel-tested").await?;

    // The delivery log shows the attempt with the HTTP status.
    app.click(&format!("{row} button[data-action=\"log\"]")).await?;
    app.wait_for("#deliveries-dialog").await?;
    app.wait_for_text("#deliveries-tbody .col-doutcome", "Delivered").await?;
    app.wait_for_text("#deliveries-tbody tr[data-outcome=\"delivered\"]", "HTTP 200").await?;
    app.screenshot("delivery-log").await?;
    app.click("#deliveries-dialog button[data-close].btn").await?;
    app.wait_until_gone("#deliveries-dialog").await?;

    // A routing rule: "down" and "recovered" for all customers go to this channel.
    app.click("#add-rule-button").await?;
    app.wait_for("#rule-dialog").await?;
    app.set_checked("#rule-events input[value=\"sync_failing\"]", true).await?;
    app.fill("#rule-sync", "0").await?;
    app.screenshot("rule-dialog").await?;
    app.click("#rule-submit").await?;
    // The core's error lands under the count.
    app.wait_for_some_text("#rule-syncFailures-error").await?;
    app.fill("#rule-sync", "3").await?;
    app.click("#rule-submit").await?;
    app.wait_for_text("#toast", "Routing rule added.").await?;
    let rule = app.wait_for_text("#rules-tbody tr", "SOC receiver").await?;
    assert!(rule.contains("Customer down") && rule.contains("All customers"), "rule row: {rule}");
    app.screenshot("rules").await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a desktop session: run make test"]
async fn when_this_computer_is_offline_a_banner_replaces_the_outages() -> Result<()> {
    let sim = Sim::new();
    let mut instances = Vec::new();
    for name in ["Acme Corp", "Globex", "Initech"] {
        instances.push((name, instance(&sim, name).await?));
    }
    // The probe address stands for "the office gateway": up while this listener is.
    let probe = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let probe_port = probe.local_addr()?.port();
    with_app("quiet-offline", sim, |app, sim| async move {
        let r = offline_run(&app, &sim, &instances, probe, probe_port).await;
        (app, sim, r)
    })
    .await
}

async fn offline_run(
    app: &App,
    sim: &Sim,
    instances: &[(&str, InstanceInfo)],
    probe: tokio::net::TcpListener,
    probe_port: u16,
) -> Result<()> {
    create_administrator(app, ADMIN, ADMIN_PASSWORD).await?;
    app.click("#nav-monitoring").await?;
    app.wait_for("#monitoring-form").await?;
    app.fill("#mon-interval", "5").await?;
    app.fill("#mon-retry", "1").await?;
    app.fill("#mon-failures", "2").await?;
    app.fill("#mon-probe", &format!("127.0.0.1:{probe_port}")).await?;
    app.click("#mon-save").await?;
    app.wait_for_text("#toast", "Monitoring settings saved.").await?;
    for (name, info) in instances {
        add_customer(app, name, info).await?;
    }
    for (name, _) in instances {
        app.wait_for(&format!("{} .health-icon[data-state=\"up\"]", customer_row(name))).await?;
    }

    // The network goes: the gateway stops answering and no customer answers either.
    drop(probe);
    for (_, info) in instances {
        sim.set_fault(info.port, Fault::Down).await?;
    }
    let mut banner = Err("not yet".into());
    for _ in 0..3 {
        banner = app
            .wait_for_text(
                "#offline-banner",
                "This computer is offline: 3 customers could not be checked",
            )
            .await;
        if banner.is_ok() {
            break;
        }
    }
    banner?;
    let stale = format!("{} .row-stale", customer_row("Globex"));
    app.wait_for_text(&stale, "not checked since").await?;
    app.screenshot("offline-banner").await?;

    // Back online: the banner and the notes go.
    let _probe = tokio::net::TcpListener::bind(("127.0.0.1", probe_port)).await?;
    for (_, info) in instances {
        sim.set_fault(info.port, Fault::None).await?;
    }
    let mut gone = Err("not yet".into());
    for _ in 0..3 {
        gone = app.wait_until_gone("#offline-banner").await;
        if gone.is_ok() {
            break;
        }
    }
    gone?;
    app.wait_until_gone(&stale).await?;
    Ok(())
}
