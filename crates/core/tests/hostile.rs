//! No answer from a customer instance can hurt the console: a token lifetime that would
//! overflow, over-long strings, markup and control or bidi characters, negative or huge
//! counts, against `log360-sim`'s hostile modes. And the races the review found: two adds
//! of one instance, an allocation that leaves a resource out.

mod common;

use common::{Harness, input_for};
use log360_sim::{Fault, Hostile};
use mssp_core::ConsoleEvent;
use mssp_core::model::HealthState;
use mssp_core::sanitize::SHOWN_MAX_CHARS;
use mssp_core::sync::SyncState;
use std::collections::BTreeMap;

fn clean(text: &str) -> bool {
    text.chars().count() <= SHOWN_MAX_CHARS
        && !text.chars().any(|c| c.is_control() || mssp_core::sanitize::is_format(c))
}

#[tokio::test]
async fn a_huge_token_lifetime_is_clamped_and_the_customer_keeps_syncing() {
    let h = Harness::new().await;
    let acme = h.instance("Acme", "acme-admin-pass-1").await;
    let globex = h.instance("Globex", "globex-admin-pass-1").await;
    let c = h.console.add_customer(input_for(&acme, "Acme")).await.unwrap();
    h.console.add_customer(input_for(&globex, "Globex")).await.unwrap();
    h.sim.set_hostile(acme.port, Hostile { huge_token_lifetime: true, ..Hostile::default() });

    for _ in 0..2 {
        let (_, status) = h.console.sync_customer(c.id).await.unwrap();
        assert_eq!(status.state, SyncState::Success, "{:?}", status.reason);
    }
    h.sim.set_hostile(acme.port, Hostile::default());
    let (_, status) = h.console.sync_customer(c.id).await.unwrap();
    assert_eq!(status.state, SyncState::Success, "{:?}", status.reason);

    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    h.console
        .sync_all(move |p| {
            let _ = tx.send(p);
        })
        .unwrap();
    let last = loop {
        let p = rx.recv().await.unwrap();
        if !p.running {
            break p;
        }
    };
    assert_eq!((last.done, last.failed), (2, 0));
    h.console.sync_all(|_| {}).expect("the Sync All slot is free again");
}

#[tokio::test]
async fn long_strings_and_markup_are_stored_cut_and_clean() {
    let h = Harness::new().await;
    let acme = h.instance("Acme", "acme-admin-pass-1").await;
    let c = h.console.add_customer(input_for(&acme, "Acme")).await.unwrap();
    h.sim
        .set_hostile(acme.port, Hostile { long_strings: true, markup: true, ..Hostile::default() });
    h.sim.set_component_status(acme.port, "ueba", "stopped");

    let (_, status) = h.console.sync_customer(c.id).await.unwrap();
    assert_eq!(status.state, SyncState::Success, "{:?}", status.reason);
    let data = h.console.customer_details(c.id).unwrap().data.unwrap();
    for text in data
        .components
        .iter()
        .flat_map(|c| [&c.name, &c.status])
        .chain(data.technicians.iter().flat_map(|t| [&t.name, &t.email]))
        .chain([&data.license.edition])
    {
        assert!(clean(text), "{:?}…", text.chars().take(80).collect::<String>());
    }
    let checked = h.console.check_customer_now(c.id).await.unwrap();
    let warning = checked.health.reason.unwrap();
    assert!(warning.chars().count() <= SHOWN_MAX_CHARS, "{} chars", warning.len());
    assert!(!warning.chars().any(|c| c.is_control() || mssp_core::sanitize::is_format(c)));

    // An error answer's message reaches the sync reason, the audit and the window cleaned.
    h.sim.set_failing_path(acme.port, Some("/mssp/v1/data"));
    let (_, status) = h.console.sync_customer(c.id).await.unwrap();
    assert_eq!(status.state, SyncState::Failed);
    let reason = status.reason.unwrap();
    assert!(reason.chars().count() < 400 && !reason.contains('\u{202E}'), "{reason:.80}");
    let audit = h.console.audit_log(1).unwrap();
    assert!(!audit[0].reason.as_deref().unwrap_or("").contains('\u{7}'));
}

#[tokio::test]
async fn negative_and_huge_counts_are_refused_and_the_last_good_snapshot_kept() {
    let h = Harness::new().await;
    let acme = h.instance("Acme", "acme-admin-pass-1").await;
    let c = h.console.add_customer(input_for(&acme, "Acme")).await.unwrap();
    h.console.sync_customer(c.id).await.unwrap();
    let good = h.console.customer_details(c.id).unwrap().synced_at;

    for hostile in [
        Hostile { negative_counts: true, ..Hostile::default() },
        Hostile { huge_counts: true, ..Hostile::default() },
    ] {
        h.sim.set_hostile(acme.port, hostile);
        let (_, status) = h.console.sync_customer(c.id).await.unwrap();
        assert_eq!(status.state, SyncState::Failed, "{hostile:?}");
        assert!(status.reason.unwrap().contains("invalid response"));
        assert_eq!(h.console.customer_details(c.id).unwrap().synced_at, good);
    }
    // A huge uptime in `health` is only a number: the customer is still up.
    h.sim.set_hostile(acme.port, Hostile { huge_counts: true, ..Hostile::default() });
    let checked = h.console.check_customer_now(c.id).await.unwrap();
    assert_eq!(checked.health.state, HealthState::Up);
}

#[tokio::test]
async fn hostile_text_reaches_a_notification_escaped_by_the_shell_and_bounded_here() {
    let h = Harness::new().await;
    let acme = h.instance("Acme", "acme-admin-pass-1").await;
    let c = h.console.add_customer(input_for(&acme, "Acme")).await.unwrap();
    h.console
        .set_monitor_settings(mssp_core::monitor::MonitorSettings {
            failures_to_down: 1,
            ..Default::default()
        })
        .unwrap();
    h.sim
        .set_hostile(acme.port, Hostile { long_strings: true, markup: true, ..Hostile::default() });
    h.sim.set_fault(acme.port, Fault::Error500).await.unwrap();
    let mut rx = h.console.subscribe();
    h.console.check_customer_now(c.id).await.unwrap();
    let mut bodies = Vec::new();
    while let Ok(ev) = rx.try_recv() {
        if let ConsoleEvent::Notify(n) = ev {
            bodies.push(n.body);
        }
    }
    assert!(!bodies.is_empty());
    for body in bodies {
        assert!(body.chars().count() < 500, "{} chars", body.chars().count());
        assert!(!body.chars().any(|c| c.is_control() || mssp_core::sanitize::is_format(c)));
    }
}

#[tokio::test]
async fn two_adds_of_one_instance_leave_it_linked_to_the_one_that_won() {
    let h = Harness::new().await;
    let acme = h.instance("Acme", "acme-admin-pass-1").await;
    let (one, two) = tokio::join!(
        h.console.add_customer(input_for(&acme, "Acme")),
        h.console.add_customer(input_for(&acme, "Acme again")),
    );
    assert!(one.is_ok() != two.is_ok(), "exactly one wins: {one:?} {two:?}");
    let lost = one.err().or(two.err()).unwrap();
    assert!(lost.fields().unwrap().contains_key("server"), "{lost}");
    assert_eq!(h.sim.linked_mssp(acme.port), Some(h.console.identity().mssp_id), "still linked");
    let listed = h.console.list_customers().unwrap();
    assert_eq!(listed.len(), 1);
    let (_, status) = h.console.sync_customer(listed[0].customer.id).await.unwrap();
    assert_eq!(status.state, SyncState::Success, "{:?}", status.reason);
}

#[tokio::test]
async fn an_update_to_another_instance_that_fails_to_save_unlinks_that_instance() {
    let h = Harness::new().await;
    let acme = h.instance("Acme", "acme-admin-pass-1").await;
    let moved_to = h.instance("Acme new", "acme-new-pass-1").await;
    let rival = h.instance("Rival", "rival-admin-pass-1").await;
    let c = h.console.add_customer(input_for(&acme, "Acme")).await.unwrap();
    // The update is slow at its new instance; meanwhile another add takes the name it chose,
    // so its save fails after it linked the new instance.
    h.sim.set_latency(moved_to.port, std::time::Duration::from_millis(300));
    let (updated, added) =
        tokio::join!(h.console.update_customer(c.id, input_for(&moved_to, "Zeta")), async {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            h.console.add_customer(input_for(&rival, "Zeta")).await
        },);
    added.expect("the rival add wins the name");
    updated.expect_err("the update lost the name at its save");
    assert_eq!(
        h.sim.linked_mssp(moved_to.port),
        None,
        "the instance the update linked is released"
    );
    assert_eq!(
        h.sim.linked_mssp(acme.port),
        Some(h.console.identity().mssp_id),
        "the customer's own instance stays linked"
    );
    let kept = h.console.list_customers().unwrap();
    let acme_row = kept.iter().find(|v| v.customer.id == c.id).unwrap();
    assert_eq!(acme_row.customer.name, "Acme");
    assert_eq!(acme_row.customer.endpoint.port, acme.port, "the old record is kept");
}

#[tokio::test]
async fn an_allocation_that_leaves_a_resource_out_keeps_it() {
    let h = Harness::new().await;
    let acme = h.instance("Acme", "acme-admin-pass-1").await;
    let c = h.console.add_customer(input_for(&acme, "Acme")).await.unwrap();
    h.console.sync_customer(c.id).await.unwrap();
    h.console
        .apply_license(
            r#"{"license_id": "L-1", "licensee": "Contoso MSSP", "edition": "Professional",
                "expires_at": "2030-01-01T00:00:00Z",
                "resources": {"windows_devices": 100, "workstations": 100}}"#,
        )
        .unwrap();
    let d = h.console.allocation_details(c.id).unwrap();
    let both =
        BTreeMap::from([("windows_devices".to_owned(), 20), ("workstations".to_owned(), 50)]);
    let d = h.console.update_allocation(c.id, d.version, both).await.unwrap();
    // Usage of workstations is 40: leaving it out must not drop it below that.
    let one = BTreeMap::from([("windows_devices".to_owned(), 25)]);
    let d = h.console.update_allocation(c.id, d.version, one).await.unwrap();
    assert_eq!(d.allocation["workstations"], 50);
    assert_eq!(d.allocation["windows_devices"], 25);
    let unknown = BTreeMap::from([("<script>".to_owned(), 1)]);
    let err = h.console.update_allocation(c.id, d.version, unknown).await.unwrap_err();
    assert_eq!(err.code(), "validation");
}
