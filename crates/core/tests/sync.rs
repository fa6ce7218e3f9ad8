//! Data sync against `log360-sim`: a full sync stores every section, technicians reach the
//! instances they are delegated to and are disabled when removed, each failing step is named,
//! a failed sync keeps the last good snapshot, one customer never syncs twice at once, backoff
//! grows and resets, and roles hold.

mod common;

use common::{ADMIN_PASSWORD, Harness, input_for};
use log360_sim::{Fault, InstanceInfo};
use mssp_core::model::Customer;
use mssp_core::sync::SyncState;
use mssp_core::validate::TechnicianInput;
use secrecy::SecretString;
use std::time::Duration;

async fn add(h: &Harness, name: &str) -> (InstanceInfo, Customer) {
    let info = h.instance(name, &format!("{name}-admin-pass")).await;
    let c = h.console.add_customer(input_for(&info, name)).await.unwrap();
    (info, c)
}

fn technician(name: &str, role: &str, customers: &[&Customer]) -> TechnicianInput {
    TechnicianInput {
        username: name.into(),
        email: format!("{}@mssp.example.com", name.to_lowercase()),
        role: role.into(),
        all_customers: customers.is_empty(),
        customer_ids: customers.iter().map(|c| c.id.to_string()).collect(),
        tag_ids: vec![],
        password: SecretString::from(format!("{name}-password-1")),
    }
}

/// The central technicians an instance has, as (name, enabled).
fn central(h: &Harness, port: u16) -> Vec<(String, bool)> {
    let mut v: Vec<_> = h
        .sim
        .technicians(port)
        .into_iter()
        .filter(|t| t["auth"] == "central")
        .map(|t| (t["name"].as_str().unwrap().to_owned(), t["enabled"].as_bool().unwrap()))
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn a_full_sync_stores_every_section() {
    let h = Harness::new().await;
    let (_, c) = add(&h, "Acme").await;
    assert_eq!(h.console.sync().status(c.id).state, SyncState::Never);

    let (_, status) = h.console.sync_customer(c.id).await.unwrap();

    assert_eq!(status.state, SyncState::Success);
    let d = h.console.customer_details(c.id).unwrap();
    let data = d.data.expect("snapshot");
    assert_eq!(data.components.len(), 4);
    assert!(
        data.components.iter().any(|c| c.name == "EventLog Analyzer" && c.integration.port > 0)
    );
    assert!(data.reverse_proxy.port > 0);
    assert_eq!(data.license.edition, "Professional");
    assert_eq!(data.license.usage["windows_devices"], 12);
    let names: Vec<_> = data.technicians.iter().map(|t| (t.name.as_str(), t.auth)).collect();
    assert!(
        names.contains(&("admin", mssp_core::instance_data::TechnicianAuth::Local)),
        "{names:?}"
    );
    assert!(
        names.contains(&(common::ADMIN, mssp_core::instance_data::TechnicianAuth::Central)),
        "the administrator is a technician: {names:?}"
    );
    assert!(d.synced_at.is_some());
    assert_eq!(d.runs.len(), 1);
    assert_eq!(d.runs[0].trigger.as_str(), "manual");
    let audit = h.console.audit_log(1).unwrap();
    assert_eq!((audit[0].action.as_str(), audit[0].outcome.as_str()), ("customer.sync", "success"));
}

#[tokio::test]
async fn technicians_reach_exactly_the_customers_delegated_to_them() {
    let h = Harness::new().await;
    let (a_i, a) = add(&h, "Acme").await;
    let (b_i, b) = add(&h, "Globex").await;
    let (c_i, c) = add(&h, "Initech").await;
    let tess = h.console.add_technician(technician("Tess", "operator", &[&a, &b])).await.unwrap();
    for id in [a.id, b.id, c.id] {
        h.console.sync_customer(id).await.unwrap();
    }
    assert!(central(&h, a_i.port).contains(&("Tess".into(), true)));
    assert!(central(&h, b_i.port).contains(&("Tess".into(), true)));
    assert!(!central(&h, c_i.port).iter().any(|(n, _)| n == "Tess"));
    let details = h.console.customer_details(a.id).unwrap().data.unwrap();
    assert!(details.technicians.iter().any(|t| t.name == "Tess" && t.enabled));

    // Removed from Globex: disabled there at the next sync, kept at Acme.
    let mut input = technician("Tess", "operator", &[&a]);
    input.password = SecretString::from("");
    h.console.update_technician(tess.id, input).await.unwrap();
    h.console.sync_customer(b.id).await.unwrap();
    assert!(central(&h, b_i.port).contains(&("Tess".into(), false)));
    assert!(central(&h, a_i.port).contains(&("Tess".into(), true)));

    // Disabled altogether: disabled everywhere at the next sync.
    h.console.set_technician_enabled(tess.id, false).unwrap();
    h.console.sync_customer(a.id).await.unwrap();
    assert!(central(&h, a_i.port).contains(&("Tess".into(), false)));
}

#[tokio::test]
async fn technicians_for_all_customers_reach_customers_added_later() {
    let h = Harness::new().await;
    h.console.add_technician(technician("Nova", "guest", &[])).await.unwrap();
    let (info, c) = add(&h, "Later Corp").await;
    h.console.sync_customer(c.id).await.unwrap();
    assert!(central(&h, info.port).contains(&("Nova".into(), true)));
}

#[tokio::test]
async fn soft_delete_disables_central_technicians_on_the_instance() {
    let h = Harness::new().await;
    let (info, c) = add(&h, "Acme").await;
    h.console.add_technician(technician("Tess", "operator", &[])).await.unwrap();
    h.console.sync_customer(c.id).await.unwrap();
    assert!(central(&h, info.port).iter().all(|(_, enabled)| *enabled));

    h.console.delete_customer(c.id, ADMIN_PASSWORD).await.unwrap();

    let after = central(&h, info.port);
    assert!(!after.is_empty() && after.iter().all(|(_, enabled)| !enabled), "{after:?}");
}

#[tokio::test]
async fn each_failing_step_is_named_and_the_last_good_snapshot_is_kept() {
    let h = Harness::new().await;
    let (info, c) = add(&h, "Acme").await;
    h.console.sync_customer(c.id).await.unwrap();
    let good = h.console.customer_details(c.id).unwrap();

    type Step<'a> = Box<dyn Fn() + 'a>;
    let cases: [(&str, Step, Step); 4] = [
        (
            "logging in: bad credentials",
            Box::new(|| h.sim.set_password(info.port, "changed-elsewhere-1")),
            Box::new(|| h.sim.set_password(info.port, "Acme-admin-pass")),
        ),
        (
            "pulling data: invalid response",
            Box::new(|| h.sim.set_extra_components(info.port, 8000)),
            Box::new(|| h.sim.set_extra_components(info.port, 0)),
        ),
        (
            "pushing technicians: The customer's instance answered HTTP 500",
            Box::new(|| h.sim.set_failing_path(info.port, Some("/mssp/v1/technicians"))),
            Box::new(|| h.sim.set_failing_path(info.port, None)),
        ),
        (
            "checking the build: build mismatch",
            Box::new(|| h.sim.set_build(info.port, 7200)),
            Box::new(|| h.sim.set_build(info.port, 7100)),
        ),
    ];
    for (want, break_it, fix_it) in cases {
        break_it();
        let (_, status) = h.console.sync_customer(c.id).await.unwrap();
        fix_it();
        assert_eq!(status.state, SyncState::Failed, "{want}");
        let reason = status.reason.unwrap();
        assert!(reason.starts_with(want), "expected {want:?}, got {reason:?}");
        let now = h.console.customer_details(c.id).unwrap();
        assert_eq!(now.data, good.data, "the last good snapshot is kept ({want})");
        assert_eq!(now.synced_at, good.synced_at);
    }

    h.sim.set_fault(info.port, Fault::Down).await.unwrap();
    let (_, status) = h.console.sync_customer(c.id).await.unwrap();
    assert!(status.reason.unwrap().starts_with("connecting: unreachable"));
    let audit = h.console.audit_log(1).unwrap();
    assert_eq!((audit[0].action.as_str(), audit[0].outcome.as_str()), ("customer.sync", "failure"));
    assert_eq!(h.console.customer_details(c.id).unwrap().runs.len(), 6);
}

#[tokio::test]
async fn concurrent_sync_now_of_one_customer_runs_once() {
    let h = Harness::new().await;
    let (info, c) = add(&h, "Acme").await;
    h.sim.set_latency(info.port, Duration::from_millis(200));
    let before = h.sim.request_count(info.port);

    let (one, two) = tokio::join!(h.console.sync_customer(c.id), h.console.sync_customer(c.id));

    assert_eq!(one.unwrap().1, two.unwrap().1, "the second waited for the first's result");
    // about, session, data, technicians: one sync's worth of requests.
    assert_eq!(h.sim.request_count(info.port) - before, 4);
    assert_eq!(h.console.customer_details(c.id).unwrap().runs.len(), 1);
}

#[tokio::test]
async fn backoff_grows_while_failing_and_resets_after_success() {
    let h = Harness::new().await;
    let (info, c) = add(&h, "Acme").await;
    h.sim.set_fault(info.port, Fault::Down).await.unwrap();
    let mut last = Duration::ZERO;
    for attempt in 1..=4 {
        h.console.sync_customer(c.id).await.unwrap();
        let wait = h.console.sync().backoff(c.id).expect("backing off");
        assert!(wait > last, "attempt {attempt}: {wait:?} after {last:?}");
        last = wait;
    }
    assert!(last >= Duration::from_secs(7 * 60), "1, 2, 4, 8 minutes (with jitter): {last:?}");

    h.sim.set_fault(info.port, Fault::None).await.unwrap();
    h.console.sync_customer(c.id).await.unwrap();
    assert_eq!(h.console.sync().backoff(c.id), None);
}

#[tokio::test]
async fn sync_all_reports_progress_and_counts_failures() {
    let h = Harness::new().await;
    let mut ports = Vec::new();
    for i in 0..5 {
        ports.push(add(&h, &format!("Customer {i}")).await.0.port);
    }
    h.sim.set_fault(ports[0], Fault::Down).await.unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let progress = move |p| {
        let _ = tx.send(p);
    };

    assert_eq!(h.console.sync_all(progress).unwrap().1, 5);
    let mut named = Vec::new();
    let last = loop {
        let p: mssp_core::sync::Progress =
            tokio::time::timeout(Duration::from_secs(20), rx.recv()).await.unwrap().unwrap();
        named.extend(p.failures.iter().map(|f| f.name.clone()));
        if !p.running {
            break p;
        }
    };
    assert_eq!((last.done, last.total, last.failed, last.cancelled), (5, 5, 1, false));
    assert_eq!(named, ["Customer 0"], "the failure is named once, with its reason");
}

#[tokio::test]
async fn roles_hold_in_the_core() {
    let h = Harness::new().await;
    let (_, a) = add(&h, "Acme").await;
    let (_, b) = add(&h, "Globex").await;
    h.console.add_technician(technician("Otto", "operator", &[&a])).await.unwrap();
    h.console.add_technician(technician("Gina", "guest", &[&b])).await.unwrap();

    h.console.sessions().logout();
    h.console.sessions().login("Otto", "Otto-password-1").await.unwrap();
    let seen: Vec<_> =
        h.console.list_customers().unwrap().into_iter().map(|v| v.customer.name).collect();
    assert_eq!(seen, ["Acme"], "an operator sees only delegated customers");
    assert_eq!(h.console.sync_customer(a.id).await.unwrap().1.state, SyncState::Success);
    assert_eq!(h.console.sync_customer(b.id).await.unwrap_err().code(), "not_found");
    assert_eq!(
        h.console.delete_customer(a.id, "Otto-password-1").await.unwrap_err().code(),
        "forbidden"
    );
    assert_eq!(h.console.list_technicians().unwrap_err().code(), "forbidden");

    h.console.sessions().logout();
    h.console.sessions().login("Gina", "Gina-password-1").await.unwrap();
    assert_eq!(h.console.sync_customer(b.id).await.unwrap_err().code(), "forbidden");
    assert!(h.console.customer_details(b.id).is_ok(), "a guest views");
    assert_eq!(h.console.customer_details(a.id).unwrap_err().code(), "not_found");
}

#[tokio::test]
async fn a_disabled_technician_cannot_log_in_and_an_admin_cannot_lock_themselves_out() {
    let h = Harness::new().await;
    let t = h.console.add_technician(technician("Otto", "operator", &[])).await.unwrap();
    h.console.set_technician_enabled(t.id, false).unwrap();
    let me = h
        .console
        .list_technicians()
        .unwrap()
        .into_iter()
        .find(|t| t.username == common::ADMIN)
        .unwrap();
    assert_eq!(h.console.set_technician_enabled(me.id, false).unwrap_err().code(), "forbidden");
    let mut demote = technician(common::ADMIN, "guest", &[]);
    demote.password = SecretString::from("");
    assert!(
        h.console
            .update_technician(me.id, demote)
            .await
            .unwrap_err()
            .fields()
            .unwrap()
            .contains_key("role")
    );

    h.console.sessions().logout();
    let err = h.console.sessions().login("Otto", "Otto-password-1").await.unwrap_err();
    assert!(err.to_string().contains("disabled"), "{err}");
}
