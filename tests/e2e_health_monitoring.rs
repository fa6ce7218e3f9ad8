//! End-to-end test of health monitoring through the real `mssp-console` window: the admin sets
//! a short check interval on the Monitoring page, a simulated instance goes down and comes
//! back, and the row's server icon turns red and green again on its own while the window keeps
//! answering clicks. The desktop notifications are observed on the D-Bus session bus itself
//! (`org.freedesktop.Notifications.Notify`, recorded with `dbus-monitor`), carrying the
//! customer's name.
//!
//! Needs a desktop session (display, session bus, unlocked Secret Service): `make test`.

use log360_sim::{Fault, InstanceSpec, Sim};
use mssp_tests::{App, Result, add_customer, create_administrator, customer_row};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ADMIN: &str = "socadmin";
const ADMIN_PASSWORD: &str = "Correct-Horse-42!";

/// Records notification calls on the session bus for as long as it lives.
struct BusRecorder {
    child: Child,
    log: tempfile::NamedTempFile,
}

impl BusRecorder {
    fn start() -> Result<Self> {
        std::env::var_os("DBUS_SESSION_BUS_ADDRESS")
            .ok_or("no D-Bus session bus: run inside scripts/desktop-session.sh (make test)")?;
        let log = tempfile::NamedTempFile::new()?;
        let child = Command::new("dbus-monitor")
            .args(["--session", "interface='org.freedesktop.Notifications',member='Notify'"])
            .stdout(Stdio::from(log.reopen()?))
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("dbus-monitor (package dbus) could not start: {e}"))?;
        Ok(Self { child, log })
    }

    fn text(&self) -> String {
        std::fs::read_to_string(self.log.path()).unwrap_or_default()
    }

    /// Waits until a Notify call containing `needle` has been seen on the bus.
    async fn wait_for(&self, needle: &str, within: Duration) -> Result<Duration> {
        let started = Instant::now();
        while started.elapsed() < within {
            if self.text().contains(needle) {
                return Ok(started.elapsed());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(format!(
            "no Notify call containing {needle:?} on the session bus within {within:?}; recorded:\n{}",
            tail(self.log.path())
        )
        .into())
    }
}

impl Drop for BusRecorder {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<_> = text.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a desktop session: run make test"]
async fn a_customer_going_down_turns_its_icon_red_and_notifies_then_recovers() -> Result<()> {
    let sim = Sim::new();
    let mut spec = InstanceSpec::new("Acme Corp");
    spec.password = "Acme-Admin-1!".into();
    let acme = sim.add_instance(spec).await?;
    let bus = BusRecorder::start()?;

    let app = App::launch("health-monitoring").await?;
    let result = run(&app, &sim, &acme, &bus).await;
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
    bus: &BusRecorder,
) -> Result<()> {
    create_administrator(app, ADMIN, ADMIN_PASSWORD).await?;

    // Monitoring page: check every 5 s, retry after 1 s, Down after 2 failures.
    app.click("#nav-monitoring").await?;
    app.wait_for("#monitoring-form").await?;
    app.fill("#mon-interval", "5").await?;
    app.fill("#mon-retry", "1").await?;
    app.fill("#mon-failures", "2").await?;
    app.click("#mon-save").await?;
    app.wait_for_text("#toast", "Monitoring settings saved.").await?;

    add_customer(app, "Acme Corp", acme).await?;
    let icon = format!("{} .health-icon", customer_row("Acme Corp"));
    app.wait_for(&format!("{icon}[data-state=\"up\"]")).await?;

    // The instance stops accepting connections.
    sim.set_fault(acme.port, Fault::Down).await?;
    let killed = Instant::now();
    // Bound: interval + (failures - 1) × retry (+ a refused connect is immediate) = 6 s.
    app.wait_for(&format!("{icon}[data-state=\"down\"]")).await?;
    let to_red = killed.elapsed();
    assert!(to_red <= Duration::from_secs(6) + Duration::from_secs(5), "red after {to_red:?}");
    let tooltip = app.attr_of(&icon, "title").await?.unwrap_or_default();
    assert!(tooltip.contains("refused"), "tooltip says {tooltip:?}");

    // The window answers a click while monitoring runs.
    let clicked = Instant::now();
    app.click("#nav-home").await?;
    app.wait_for("#home-page").await?;
    app.click("#nav-settings").await?;
    app.click("#nav-customer-management").await?;
    app.wait_for("#customer-page").await?;
    assert!(clicked.elapsed() < Duration::from_secs(5), "navigation took {:?}", clicked.elapsed());

    bus.wait_for("Acme Corp is down", Duration::from_secs(10)).await?;
    assert!(
        bus.text().contains(&format!("127.0.0.1:{}", acme.port)),
        "the notification names the server"
    );

    // Back up: green again, and a recovery notification.
    sim.set_fault(acme.port, Fault::None).await?;
    app.wait_for(&format!("{icon}[data-state=\"up\"]")).await?;
    bus.wait_for("Acme Corp is back up", Duration::from_secs(10)).await?;
    Ok(())
}
