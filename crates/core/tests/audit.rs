//! The audit page's trail: filters and keyset paging over 100,000 entries, "Verify
//! integrity" finding an entry edited, inserted or deleted directly in SQLite, retention
//! pruning that keeps the chain verifiable, and routine successful syncs left to the sync
//! history.

mod common;

use common::{Harness, input_for};
use mssp_core::audit::{AuditFilter, CHAIN_PURPOSE, Outcome};
use mssp_core::model::{AuditAction, CustomerId, Target};
use mssp_core::store::Store;
use mssp_core::store::audit as trail;
use mssp_core::sync::Trigger;
use std::collections::HashSet;
use std::time::Instant;
use time::OffsetDateTime;

const N: usize = 100_000;

/// Fills the trail with `N` entries over the last 300 days (10 technicians, 50 customers,
/// every 7th a failure), chained as the console chains them.
fn generate(h: &Harness, customers: &[CustomerId]) -> OffsetDateTime {
    let key = *h.vault.derived_key(CHAIN_PURPOSE).unwrap();
    let store = Store::open(&h.dir.path().join("console.db")).unwrap();
    let start = OffsetDateTime::now_utc() - time::Duration::days(300);
    let actions = [
        AuditAction::CustomerUpdate,
        AuditAction::CustomerSync,
        AuditAction::TagCreate,
        AuditAction::Login,
    ];
    store
        .write(|tx| {
            for i in 0..N {
                let at = start + time::Duration::seconds(i as i64 * 250);
                let customer = customers[i % customers.len()];
                let target =
                    Target::customer(customer, format!("Customer {}", i % customers.len()));
                let outcome = if i % 7 == 0 { Outcome::Failure } else { Outcome::Success };
                let reason = (i % 7 == 0).then(|| format!("unreachable #{i}"));
                let actor = format!("tech-{}", i % 10);
                let entry = trail::NewEntry {
                    at,
                    actor: &actor,
                    action: actions[i % 4],
                    target: &target,
                    outcome,
                    reason: reason.as_deref(),
                };
                trail::record(tx, Some(&key), &entry)?;
            }
            Ok(())
        })
        .unwrap();
    start
}

/// Every page of `filter`, checking each id comes once and in order.
fn walk(h: &Harness, filter: &AuditFilter) -> (usize, std::time::Duration) {
    let (mut seen, mut before, mut last) = (HashSet::new(), None, i64::MAX);
    let started = Instant::now();
    loop {
        let page = h.console.audit_page(filter, before, 500).unwrap();
        for e in &page.entries {
            assert!(e.id < last, "newest first, no repeats");
            last = e.id;
            assert!(seen.insert(e.id));
        }
        match page.next_before {
            Some(next) => before = Some(next),
            None => break,
        }
    }
    (seen.len(), started.elapsed())
}

#[tokio::test]
async fn filters_and_pages_over_a_hundred_thousand_entries_and_verify_finds_an_edit() {
    let h = Harness::new().await;
    let info = h.instance("Acme", "acme-admin-pass-1").await;
    h.console.add_customer(input_for(&info, "Acme")).await.unwrap();
    let customers: Vec<CustomerId> = (0..50).map(|_| CustomerId::new()).collect();
    let start = generate(&h, &customers);

    let by_actor = AuditFilter { actor: Some("TECH-3".into()), ..Default::default() };
    let (n, took) = walk(&h, &by_actor);
    assert_eq!(n, N / 10, "exact technician, ignoring case");
    eprintln!("technician filter: {n} entries in {} pages, {took:?}", n.div_ceil(500));
    let by_customer = AuditFilter { customer: Some(customers[7]), ..Default::default() };
    assert_eq!(walk(&h, &by_customer).0, N / 50);
    let failures = AuditFilter { outcome: Some(Outcome::Failure), ..Default::default() };
    assert_eq!(walk(&h, &failures).0, N.div_ceil(7));
    let family = AuditFilter { action: Some("customer.".into()), ..Default::default() };
    let customer_actions = walk(&h, &family).0;
    assert!(
        customer_actions >= N / 2,
        "customer.update and customer.sync (and the add): {customer_actions}"
    );
    let window = AuditFilter {
        from: Some(start + time::Duration::days(10)),
        to: Some(start + time::Duration::days(11)),
        ..Default::default()
    };
    assert_eq!(walk(&h, &window).0, 86_400 / 250 + 1);
    let words = AuditFilter { text: Some("UNREACHABLE #99995".into()), ..Default::default() };
    assert_eq!(walk(&h, &words).0, 1, "both words, ignoring case");
    let (all, took) = walk(&h, &AuditFilter::default());
    assert!(all > N);
    eprintln!("every entry: {all} in {} pages, {took:?}", all.div_ceil(500));

    let csv = h.console.export_audit_csv(&by_customer).unwrap();
    assert_eq!(csv.lines().count(), N / 50 + 1);

    let ok = h.console.verify_audit().await.unwrap();
    assert_eq!((ok.first_mismatch, ok.marks_broken, ok.pending), (None, None, 0));
    assert_eq!(ok.verified, all);

    // Someone edits an entry directly in the database.
    let db = rusqlite::Connection::open(h.dir.path().join("console.db")).unwrap();
    let victim: i64 = db
        .query_row("SELECT id FROM audit ORDER BY id LIMIT 1 OFFSET 5000", [], |r| r.get(0))
        .unwrap();
    db.execute("UPDATE audit SET reason = 'nothing to see' WHERE id = ?1", [victim]).unwrap();
    let found = h.console.verify_audit().await.unwrap();
    assert_eq!(found.first_mismatch.map(|e| e.id), Some(victim));
    assert_eq!(found.verified, 5000);
}

#[tokio::test]
async fn inserted_deleted_and_truncated_entries_show_and_pruning_keeps_the_chain() {
    let h = Harness::new().await;
    let info = h.instance("Acme", "acme-admin-pass-1").await;
    let c = h.console.add_customer(input_for(&info, "Acme")).await.unwrap();
    for _ in 0..5 {
        h.console.sync_customer(c.id).await.unwrap();
    }
    assert!(h.console.verify_audit().await.unwrap().first_mismatch.is_none());
    let db = rusqlite::Connection::open(h.dir.path().join("console.db")).unwrap();
    let ids: Vec<i64> = db
        .prepare("SELECT id FROM audit ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();

    // A row deleted in the middle: the one after it no longer follows.
    db.execute("DELETE FROM audit WHERE id = ?1", [ids[3]]).unwrap();
    assert_eq!(h.console.verify_audit().await.unwrap().first_mismatch.map(|e| e.id), Some(ids[4]));

    // The newest rows deleted: the head mark gives it away.
    let h2 = Harness::new().await;
    for _ in 0..3 {
        h2.console.sessions().logout();
        h2.console.sessions().login(common::ADMIN, common::ADMIN_PASSWORD).await.unwrap();
    }
    h2.vault.derived_key(CHAIN_PURPOSE).unwrap();
    assert!(h2.console.verify_audit().await.unwrap().marks_broken.is_none());
    let db2 = rusqlite::Connection::open(h2.dir.path().join("console.db")).unwrap();
    db2.execute("DELETE FROM audit WHERE id = (SELECT max(id) FROM audit)", []).unwrap();
    assert!(h2.console.verify_audit().await.unwrap().marks_broken.unwrap().contains("removed"));

    // A forged row inserted with a made-up chain value.
    let h3 = Harness::new().await;
    h3.console.sync_customer(CustomerId::new()).await.ok();
    h3.console.sessions().logout();
    h3.console.sessions().login(common::ADMIN, common::ADMIN_PASSWORD).await.unwrap();
    let db3 = rusqlite::Connection::open(h3.dir.path().join("console.db")).unwrap();
    db3.execute(
        "INSERT INTO audit (at, actor, action, target, outcome, chain) VALUES ('2026-01-01T00:00:00Z', 'mallory', 'customer.delete', 'Acme', 'success', 'ab')",
        [],
    )
    .unwrap();
    let v3 = h3.console.verify_audit().await.unwrap();
    assert_eq!(v3.first_mismatch.map(|e| e.actor), Some("mallory".into()), "{:?}", v3.marks_broken);

    // Pruning moves the anchor; what is left still verifies.
    let h4 = Harness::new().await;
    let key = *h4.vault.derived_key(CHAIN_PURPOSE).unwrap();
    let store = Store::open(&h4.dir.path().join("console.db")).unwrap();
    let old = OffsetDateTime::now_utc() - time::Duration::days(400);
    store
        .write(|tx| {
            for i in 0..100 {
                let at = old + time::Duration::hours(i);
                let target = Target::from("x");
                let entry = trail::NewEntry {
                    at,
                    actor: "tech",
                    action: AuditAction::TagCreate,
                    target: &target,
                    outcome: Outcome::Success,
                    reason: None,
                };
                trail::record(tx, Some(&key), &entry)?;
            }
            Ok(())
        })
        .unwrap();
    h4.console.sessions().logout();
    h4.console.sessions().login(common::ADMIN, common::ADMIN_PASSWORD).await.unwrap();
    let pruned = h4.console.prune_audit().await.unwrap();
    // The trail is pruned as a prefix (the chain needs one): up to the last old entry,
    // which here includes the administrator's creation written before them.
    assert_eq!(pruned, 101);
    let v4 = h4.console.verify_audit().await.unwrap();
    assert_eq!((v4.first_mismatch, v4.marks_broken), (None, None));
    assert!(v4.verified >= 1);
    assert!(h4.console.set_audit_retention_days(5).await.unwrap_err().fields().is_some());
}

#[tokio::test]
async fn a_routine_successful_sync_is_history_not_audit() {
    let h = Harness::new().await;
    let info = h.instance("Acme", "acme-admin-pass-1").await;
    let c = h.console.add_customer(input_for(&info, "Acme")).await.unwrap();
    let before = h.console.audit_log(1000).unwrap().len();
    let sync = h.console.sync();
    sync.sync_customer(c.id, Trigger::Scheduled, "scheduler").await.unwrap();
    assert_eq!(
        h.console.audit_log(1000).unwrap().len(),
        before,
        "a scheduled success is not audited"
    );
    h.sim.set_fault(info.port, log360_sim::Fault::Down).await.unwrap();
    sync.sync_customer(c.id, Trigger::Scheduled, "scheduler").await.unwrap();
    let audit = h.console.audit_log(1000).unwrap();
    assert_eq!(audit.len(), before + 1, "a failed one is");
    assert_eq!(audit[0].outcome, Outcome::Failure);
    h.sim.set_fault(info.port, log360_sim::Fault::None).await.unwrap();
    h.console.sync_customer(c.id).await.unwrap();
    assert_eq!(
        h.console.audit_log(1000).unwrap()[0].action,
        "customer.sync",
        "a person's Sync Now is"
    );
}
