//! License management against `log360-sim`: no license no allocation, the pool adds up,
//! over-allocation refused with the free count, below-usage refused with the usage, pushes
//! applied / pending-then-pushed after recovery / refused by the instance (422) and rolled
//! back, a smaller new license flags the excess, concurrent edits conflict, only admins
//! allocate, usage alerts fire once per crossing, and the CSV report.

mod common;

use common::{Harness, input_for};
use log360_sim::{Fault, InstanceInfo};
use mssp_core::ConsoleEvent;
use mssp_core::model::Customer;
use mssp_core::store::licensing::PushState;
use mssp_core::validate::TechnicianInput;
use secrecy::SecretString;
use std::collections::BTreeMap;

const LICENSE: &str = r#"{"license_id": "MSSP-2026-001", "licensee": "Contoso MSSP", "edition": "Professional",
    "expires_at": "2030-01-01T00:00:00Z",
    "resources": {"windows_devices": 100, "syslog_devices": 200, "workstations": 500, "applications": 20}}"#;

async fn add_synced(h: &Harness, name: &str) -> (InstanceInfo, Customer) {
    let info = h.instance(name, &format!("{name}-admin-pass")).await;
    let c = h.console.add_customer(input_for(&info, name)).await.unwrap();
    h.console.sync_customer(c.id).await.unwrap();
    (info, c)
}

fn counts(pairs: &[(&str, i64)]) -> BTreeMap<String, i64> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

async fn allocate(
    h: &Harness,
    c: &Customer,
    pairs: &[(&str, i64)],
) -> mssp_core::Result<mssp_core::licensing::AllocationDetails> {
    let version = h.console.allocation_details(c.id).unwrap().version;
    h.console.update_allocation(c.id, version, counts(pairs)).await
}

fn pool(h: &Harness, resource: &str) -> mssp_core::licensing::PoolLine {
    h.console.license_overview().unwrap().pool.into_iter().find(|p| p.resource == resource).unwrap()
}

#[tokio::test]
async fn no_license_means_no_allocation() {
    let h = Harness::new().await;
    let (_, c) = add_synced(&h, "Acme").await;
    let err = allocate(&h, &c, &[("windows_devices", 10)]).await.unwrap_err();
    assert_eq!(err.code(), "no_license");
    assert!(err.to_string().contains("Resources cannot be allocated"), "{err}");
}

#[tokio::test]
async fn allocations_add_up_and_are_applied_on_the_instances() {
    let h = Harness::new().await;
    h.console.apply_license(LICENSE).unwrap();
    let (a_i, a) = add_synced(&h, "Acme").await;
    let (b_i, b) = add_synced(&h, "Globex").await;
    let (_, c) = add_synced(&h, "Initech").await;

    let d = allocate(&h, &a, &[("windows_devices", 60), ("workstations", 100)]).await.unwrap();
    assert_eq!(d.state.as_ref().unwrap().push_state, PushState::Applied);
    allocate(&h, &b, &[("windows_devices", 30)]).await.unwrap();
    assert_eq!(pool(&h, "windows_devices").available, 10, "100 - 60 - 30");
    assert_eq!(pool(&h, "windows_devices").in_use, 36, "12 each, as the three instances reported");
    assert_eq!(h.sim.allocation(a_i.port)["windows_devices"], 60);
    assert_eq!(h.sim.allocation(a_i.port)["workstations"], 100);
    assert_eq!(h.sim.allocation(b_i.port)["windows_devices"], 30);

    let err = allocate(&h, &c, &[("windows_devices", 20)]).await.unwrap_err();
    assert_eq!(
        err.fields().unwrap()["windows_devices"],
        "Only 10 windows devices are free; you asked for 20."
    );
    let err = allocate(&h, &c, &[("windows_devices", 5)]).await.unwrap_err();
    assert_eq!(
        err.fields().unwrap()["windows_devices"],
        "Initech uses 12 windows devices; allocate at least 12."
    );
    // Resources left as they are (0 here) are not judged: one resource can be allocated alone.
    allocate(&h, &c, &[("syslog_devices", 30), ("workstations", 0)])
        .await
        .expect("workstations unchanged at 0 although Initech uses 40");
    let err = allocate(&h, &c, &[("edr_agents", 1)]).await.unwrap_err();
    assert!(err.fields().unwrap()["edr_agents"].contains("not in the MSSP license"));
    assert_eq!(pool(&h, "windows_devices").available, 10, "refusals changed nothing");

    let audit = h.console.audit_log(50).unwrap();
    for action in ["license.apply", "license.allocate", "license.push"] {
        assert!(audit.iter().any(|a| a.action == action), "{action} audited");
    }
}

#[tokio::test]
async fn an_allocation_to_a_down_customer_stays_pending_until_its_next_sync() {
    let h = Harness::new().await;
    h.console.apply_license(LICENSE).unwrap();
    let (info, c) = add_synced(&h, "Acme").await;
    h.sim.set_fault(info.port, Fault::Down).await.unwrap();

    let d = allocate(&h, &c, &[("windows_devices", 40)]).await.unwrap();
    let state = d.state.unwrap();
    assert_eq!(state.push_state, PushState::Pending);
    assert!(state.push_reason.unwrap().contains("next successful sync"));
    assert_eq!(d.allocation["windows_devices"], 40, "kept in the console");

    h.sim.set_fault(info.port, Fault::None).await.unwrap();
    h.console.sync_customer(c.id).await.unwrap();
    assert_eq!(h.sim.allocation(info.port)["windows_devices"], 40);
    let d = h.console.allocation_details(c.id).unwrap();
    assert_eq!(d.state.unwrap().push_state, PushState::Applied);
}

#[tokio::test]
async fn the_instances_refusal_is_shown_and_the_allocation_goes_back_to_what_it_has() {
    let h = Harness::new().await;
    h.console.apply_license(LICENSE).unwrap();
    let (info, c) = add_synced(&h, "Acme").await;
    allocate(&h, &c, &[("windows_devices", 40)]).await.unwrap();
    // The customer grew since the last sync: the console does not know yet, the instance does.
    h.sim.set_usage(info.port, BTreeMap::from([("windows_devices".to_string(), 35)]));

    let d = allocate(&h, &c, &[("windows_devices", 30)]).await.unwrap();

    let state = d.state.unwrap();
    assert_eq!(state.push_state, PushState::Failed);
    assert!(state.push_reason.unwrap().contains("it uses 35 windows devices"));
    assert_eq!(d.allocation["windows_devices"], 40, "back to what the instance has");
    assert_eq!(h.sim.allocation(info.port)["windows_devices"], 40);
}

#[tokio::test]
async fn a_smaller_new_license_flags_the_excess_and_allows_only_reductions() {
    let h = Harness::new().await;
    h.console.apply_license(LICENSE).unwrap();
    let (_, a) = add_synced(&h, "Acme").await;
    let (_, b) = add_synced(&h, "Globex").await;
    allocate(&h, &a, &[("windows_devices", 60)]).await.unwrap();
    allocate(&h, &b, &[("windows_devices", 30)]).await.unwrap();

    h.console
        .apply_license(&LICENSE.replace("\"windows_devices\": 100", "\"windows_devices\": 50"))
        .unwrap();

    let line = pool(&h, "windows_devices");
    assert_eq!((line.total, line.allocated, line.over_by, line.available), (50, 90, 40, 0));
    let err = allocate(&h, &b, &[("windows_devices", 31)]).await.unwrap_err();
    assert!(err.fields().unwrap()["windows_devices"].contains("over-allocated by 40"), "{err}");
    allocate(&h, &a, &[("windows_devices", 20)]).await.expect("reducing is allowed");
    assert_eq!(pool(&h, "windows_devices").over_by, 0);
}

#[tokio::test]
async fn two_editors_of_one_allocation_cannot_both_win() {
    let h = Harness::new().await;
    h.console.apply_license(LICENSE).unwrap();
    let (_, c) = add_synced(&h, "Acme").await;
    let seen = h.console.allocation_details(c.id).unwrap().version;

    h.console.update_allocation(c.id, seen, counts(&[("windows_devices", 20)])).await.unwrap();
    let err = h
        .console
        .update_allocation(c.id, seen, counts(&[("windows_devices", 50)]))
        .await
        .unwrap_err();

    assert_eq!(err.code(), "conflict");
    let fresh = h.console.allocation_details(c.id).unwrap();
    assert_eq!(fresh.allocation["windows_devices"], 20, "the first write stands");
    assert!(fresh.version > seen);
}

#[tokio::test]
async fn only_administrators_apply_licenses_and_allocate() {
    let h = Harness::new().await;
    h.console.apply_license(LICENSE).unwrap();
    let (_, c) = add_synced(&h, "Acme").await;
    h.console
        .add_technician(TechnicianInput {
            username: "otto".into(),
            email: "otto@mssp.example.com".into(),
            role: "operator".into(),
            all_customers: true,
            customer_ids: vec![],
            tag_ids: vec![],
            password: SecretString::from("otto password 1"),
        })
        .await
        .unwrap();
    h.console.sessions().logout();
    h.console.sessions().login("otto", "otto password 1").await.unwrap();
    assert!(h.console.license_overview().is_ok(), "operators view");
    assert_eq!(allocate(&h, &c, &[("windows_devices", 20)]).await.unwrap_err().code(), "forbidden");
    assert_eq!(h.console.apply_license(LICENSE).unwrap_err().code(), "forbidden");
}

#[tokio::test]
async fn a_usage_alert_fires_once_per_crossing() {
    let h = Harness::new().await;
    h.console.apply_license(LICENSE).unwrap();
    let (info, c) = add_synced(&h, "Acme").await;
    let mut rx = h.console.subscribe();
    let alerts = |rx: &mut tokio::sync::broadcast::Receiver<ConsoleEvent>| {
        let mut n = Vec::new();
        while let Ok(ev) = rx.try_recv() {
            if let ConsoleEvent::Notify(note) = ev {
                n.push(note.title);
            }
        }
        n
    };

    allocate(&h, &c, &[("windows_devices", 13)]).await.unwrap();
    assert_eq!(
        alerts(&mut rx),
        ["Acme is near its windows devices allocation"],
        "12 of 13 is 92 %"
    );
    assert_eq!(h.console.allocation_details(c.id).unwrap().alerts, ["windows_devices"]);
    h.console.sync_customer(c.id).await.unwrap();
    assert!(alerts(&mut rx).is_empty(), "still above: no second notification");

    h.sim.set_usage(info.port, BTreeMap::from([("windows_devices".to_string(), 5)]));
    h.console.sync_customer(c.id).await.unwrap();
    assert!(h.console.allocation_details(c.id).unwrap().alerts.is_empty(), "cleared below");
    h.sim.set_usage(info.port, BTreeMap::from([("windows_devices".to_string(), 12)]));
    h.console.sync_customer(c.id).await.unwrap();
    assert_eq!(alerts(&mut rx).len(), 1, "crossing again notifies again");
}

#[tokio::test]
async fn the_report_is_csv_with_one_line_per_customer_and_resource() {
    let h = Harness::new().await;
    h.console.apply_license(LICENSE).unwrap();
    let (_, c) = add_synced(&h, "Acme, Inc").await;
    allocate(&h, &c, &[("windows_devices", 20)]).await.unwrap();
    let csv = h.console.license_report().unwrap().csv;
    let lines: Vec<_> = csv.lines().collect();
    assert_eq!(lines[0], "Customer,Resource,Allocated,In use");
    assert!(lines.contains(&"\"Acme, Inc\",Windows devices,20,12"), "{csv}");
    assert_eq!(lines.len(), 1 + 4);
}
