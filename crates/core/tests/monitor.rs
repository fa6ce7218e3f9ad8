//! The health monitor against `log360-sim`: Up/Down with hysteresis and reasons, flapping,
//! notifications (single, recovery, summary), restart without re-notifying, history, and the
//! scheduler detecting an outage on its own.

mod common;

use common::{ADMIN, ADMIN_PASSWORD, Harness, input_for};
use log360_sim::{Fault, InstanceInfo};
use mssp_core::model::{Customer, HealthState};
use mssp_core::monitor::MonitorSettings;
use mssp_core::store::Store;
use mssp_core::{Console, ConsoleEvent, SystemClock};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast::Receiver;

async fn add(h: &Harness, name: &str) -> (InstanceInfo, Customer) {
    let info = h.instance(name, &format!("{name}-admin-pass")).await;
    let c = h.console.add_customer(input_for(&info, name)).await.unwrap();
    (info, c)
}

async fn sweeps(console: &Console, n: usize) {
    for _ in 0..n {
        console.monitor().sweep_once().await.unwrap();
    }
}

fn notifications(rx: &mut Receiver<ConsoleEvent>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    while let Ok(ev) = rx.try_recv() {
        if let ConsoleEvent::Notify(n) = ev {
            out.push((n.title, n.body));
        }
    }
    out
}

fn state(console: &Console, c: &Customer) -> (HealthState, Option<String>) {
    let h = console.customer(c.id).unwrap().health;
    (h.state, h.reason)
}

#[tokio::test]
async fn down_only_after_three_failed_checks_with_a_reason_for_each_kind_of_failure() {
    let h = Harness::new().await;
    let (_, up) = add(&h, "Up").await;
    let (refused_i, refused) = add(&h, "Refused").await;
    let (hang_i, hang) = add(&h, "Hanging").await;
    let (err_i, err) = add(&h, "Broken").await;
    let (moved_i, moved) = add(&h, "Moved").await;
    sweeps(&h.console, 1).await;
    assert_eq!(state(&h.console, &refused).0, HealthState::Up);

    h.sim.set_fault(refused_i.port, Fault::Down).await.unwrap();
    h.sim.set_fault(hang_i.port, Fault::Hang).await.unwrap();
    h.sim.set_fault(err_i.port, Fault::Error500).await.unwrap();
    // The customer's admin changed the password on the instance and our session expired.
    h.sim.set_password(moved_i.port, "changed-elsewhere-1");
    h.sim.expire_tokens(moved_i.port);

    sweeps(&h.console, 2).await;
    let (s, reason) = state(&h.console, &refused);
    assert_eq!(s, HealthState::Up, "two failures are not an outage yet");
    assert!(reason.unwrap().contains("2 of 3"));

    sweeps(&h.console, 1).await;
    assert_eq!(state(&h.console, &up).0, HealthState::Up);
    let expect = [
        (&refused, "connection refused"),
        (&hang, "timed out after 3 s"),
        (&err, "HTTP 500"),
        (&moved, "bad credentials"),
    ];
    for (c, why) in expect {
        let (s, reason) = state(&h.console, c);
        assert_eq!(s, HealthState::Down, "{}", c.name);
        assert!(reason.as_deref().unwrap_or("").contains(why), "{}: {reason:?}", c.name);
    }

    h.sim.set_fault(refused_i.port, Fault::None).await.unwrap();
    sweeps(&h.console, 1).await;
    assert_eq!(state(&h.console, &refused).0, HealthState::Up, "up after one good check");
}

#[tokio::test]
async fn a_flapping_instance_neither_alarms_nor_flaps() {
    let h = Harness::new().await;
    let (info, c) = add(&h, "Flaky").await;
    sweeps(&h.console, 1).await;
    let mut rx = h.console.subscribe();
    for round in 0..4 {
        h.sim.set_fault(info.port, Fault::Down).await.unwrap();
        sweeps(&h.console, 2).await;
        h.sim.set_fault(info.port, Fault::None).await.unwrap();
        sweeps(&h.console, 1).await;
        assert_eq!(state(&h.console, &c).0, HealthState::Up, "round {round}");
    }
    assert!(notifications(&mut rx).is_empty());
}

#[tokio::test]
async fn one_notification_when_a_customer_goes_down_and_one_when_it_recovers() {
    let h = Harness::new().await;
    let (info, _) = add(&h, "Acme Corp").await;
    sweeps(&h.console, 1).await;
    let mut rx = h.console.subscribe();

    h.sim.set_fault(info.port, Fault::Down).await.unwrap();
    sweeps(&h.console, 5).await;
    let notes = notifications(&mut rx);
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!(notes[0].0, "Acme Corp is down");
    assert!(notes[0].1.contains(&format!("127.0.0.1:{}", info.port)));
    assert!(notes[0].1.contains("connection refused"));

    h.sim.set_fault(info.port, Fault::None).await.unwrap();
    sweeps(&h.console, 2).await;
    let notes = notifications(&mut rx);
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!(notes[0].0, "Acme Corp is back up");
    assert!(notes[0].1.contains("recovered after"), "{}", notes[0].1);
}

#[tokio::test]
async fn many_customers_down_together_send_one_summary() {
    let h = Harness::new().await;
    let mut instances = Vec::new();
    for i in 0..8 {
        instances.push(add(&h, &format!("Customer {i}")).await.0);
    }
    sweeps(&h.console, 1).await;
    let mut rx = h.console.subscribe();
    for info in &instances {
        h.sim.set_fault(info.port, Fault::Down).await.unwrap();
    }
    sweeps(&h.console, 3).await;

    let notes = notifications(&mut rx);
    assert_eq!(notes.len(), 1, "{notes:#?}");
    assert_eq!(notes[0].0, "Several customers are down");
    let list = h.console.list_customers().unwrap();
    assert!(list.iter().all(|v| v.health.state == HealthState::Down));
}

#[tokio::test]
async fn notifications_can_be_turned_off() {
    let h = Harness::new().await;
    let (info, _) = add(&h, "Quiet").await;
    h.console
        .set_monitor_settings(MonitorSettings {
            notifications: false,
            ..MonitorSettings::default()
        })
        .unwrap();
    sweeps(&h.console, 1).await;
    let mut rx = h.console.subscribe();
    h.sim.set_fault(info.port, Fault::Down).await.unwrap();
    sweeps(&h.console, 3).await;
    assert!(notifications(&mut rx).is_empty());
}

#[tokio::test]
async fn settings_are_validated_per_field_and_kept() {
    let h = Harness::new().await;
    let bad = MonitorSettings {
        interval_secs: 2,
        retry_secs: 60,
        failures_to_down: 0,
        ..MonitorSettings::default()
    };
    let err = h.console.set_monitor_settings(bad).unwrap_err();
    let fields: Vec<_> = err.fields().unwrap().keys().map(|k| &**k).collect();
    assert_eq!(fields, ["failuresToDown", "intervalSecs", "retrySecs"]);
    let good =
        MonitorSettings { interval_secs: 60, reminder_minutes: 15, ..MonitorSettings::default() };
    h.console.set_monitor_settings(good.clone()).unwrap();
    assert_eq!(h.console.monitor_settings().unwrap(), good);
}

#[tokio::test]
async fn a_restart_resumes_the_known_state_and_does_not_renotify_old_outages() {
    let h = Harness::new().await;
    let (info, c) = add(&h, "Acme").await;
    sweeps(&h.console, 1).await;
    h.sim.set_fault(info.port, Fault::Down).await.unwrap();
    sweeps(&h.console, 3).await;
    assert_eq!(state(&h.console, &c).0, HealthState::Down);

    // The console restarts on the same data dir and keychain.
    let store = Store::open(&h.dir.path().join("console.db")).unwrap();
    let again =
        Console::with_parts(store, h.vault.clone(), common::fast_client(), Arc::new(SystemClock))
            .unwrap();
    again.sessions().login(ADMIN, ADMIN_PASSWORD).await.unwrap();
    assert_eq!(state(&again, &c).0, HealthState::Down, "known before the first check");
    let mut rx = again.subscribe();
    sweeps(&again, 4).await;
    assert!(notifications(&mut rx).is_empty(), "the old outage was already notified");

    h.sim.set_fault(info.port, Fault::None).await.unwrap();
    sweeps(&again, 1).await;
    let notes = notifications(&mut rx);
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0].0, "Acme is back up");
}

#[tokio::test]
async fn history_gives_state_changes_uptime_and_hourly_samples() {
    let h = Harness::new().await;
    let (info, c) = add(&h, "Acme").await;
    sweeps(&h.console, 2).await;
    h.sim.set_fault(info.port, Fault::Down).await.unwrap();
    sweeps(&h.console, 3).await;

    let detail = h.console.customer_health(c.id).unwrap();
    assert_eq!(detail.health.state, HealthState::Down);
    assert!(detail.since.is_some());
    let changes: Vec<_> = detail.events.iter().map(|e| (e.from, e.to)).collect();
    assert_eq!(
        changes,
        [(HealthState::Up, HealthState::Down), (HealthState::Unknown, HealthState::Up)]
    );
    let up = detail.uptime_24h.expect("known time");
    assert!((0.0..100.0).contains(&up), "{up}");
    let checks: u32 = detail.hourly.iter().map(|p| p.checks).sum();
    let failures: u32 = detail.hourly.iter().map(|p| p.failures).sum();
    assert_eq!((checks, failures), (5, 3));
}

#[tokio::test]
async fn check_now_checks_one_customer_immediately() {
    let h = Harness::new().await;
    let (_, c) = add(&h, "Acme").await;
    let health = h.console.check_customer_now(c.id).await.unwrap().health;
    assert_eq!(health.state, HealthState::Up);
    assert!(health.latency_ms.is_some() && health.checked_at.is_some());
}

#[tokio::test]
async fn the_scheduled_monitor_detects_an_outage_within_its_bound() {
    let h = Harness::new().await;
    let (info, c) = add(&h, "Acme").await;
    let settings = MonitorSettings {
        interval_secs: 5,
        retry_secs: 1,
        failures_to_down: 2,
        ..MonitorSettings::default()
    };
    h.console.set_monitor_settings(settings).unwrap();
    let console = Arc::new(h.console);
    let mut rx = console.subscribe();
    let handle = console.monitor().spawn();

    wait_for(&mut rx, |ev| matches!(ev, ConsoleEvent::HealthUpdated { customer_id, health } if *customer_id == c.id && health.state == HealthState::Up)).await;
    h.sim.set_fault(info.port, Fault::Down).await.unwrap();
    let killed = std::time::Instant::now();
    wait_for(&mut rx, |ev| matches!(ev, ConsoleEvent::Notify(n) if n.title == "Acme is down"))
        .await;
    // interval + (failures - 1) × retry + timeout = 5 + 1 + 3 s on these settings.
    assert!(
        killed.elapsed() <= Duration::from_secs(9) + Duration::from_secs(2),
        "{:?}",
        killed.elapsed()
    );

    h.sim.set_fault(info.port, Fault::None).await.unwrap();
    handle.check_now(c.id);
    wait_for(&mut rx, |ev| matches!(ev, ConsoleEvent::Notify(n) if n.title == "Acme is back up"))
        .await;
    handle.stop();
    let _ = ADMIN;
}

async fn wait_for(rx: &mut Receiver<ConsoleEvent>, mut want: impl FnMut(&ConsoleEvent) -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let ev = tokio::time::timeout_at(deadline, rx.recv())
            .await
            .expect("the awaited event did not come within 20 s")
            .expect("event channel open");
        if want(&ev) {
            return;
        }
    }
}
