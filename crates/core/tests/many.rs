//! Customer Management for many customers, against `log360-sim`: finding (search, quick
//! filters, sort), tags and delegation by tag (resolved at each sync), bulk delete with
//! reachable and unreachable instances, and the CSV import (dry run, failures that leave
//! nothing behind, re-import, HTTPS rows held for review).

mod common;

use common::{ADMIN, ADMIN_PASSWORD, Harness, input_for};
use log360_sim::{Fault, InstanceInfo, InstanceSpec, TlsMode};
use mssp_core::import::RowOutcome;
use mssp_core::model::{Customer, TagId};
use mssp_core::query::{CustomerQuery, QuickFilter, Sort, SortKey};
use mssp_core::validate::{TagInput, TechnicianInput};
use secrecy::SecretString;
use std::collections::BTreeMap;

const HEADER: &str = "Customer Name,Customer mail,Server Name,Port,Connection type,Admin username,Admin password,Tags,Allow unencrypted";

async fn add(h: &Harness, name: &str) -> (InstanceInfo, Customer) {
    let info = h.instance(name, &format!("{name}-admin-pass-1")).await;
    let c = h.console.add_customer(input_for(&info, name)).await.unwrap();
    (info, c)
}

fn tag(h: &Harness, name: &str) -> TagId {
    h.console.create_tag(TagInput { name: name.into(), colour: "blue".into() }).unwrap().id
}

fn names(h: &Harness, q: &CustomerQuery) -> Vec<String> {
    let found = h.console.query_customers(q).unwrap();
    let all = h.console.list_customers().unwrap();
    found
        .ids
        .iter()
        .map(|id| all.iter().find(|v| v.customer.id == *id).unwrap().customer.name.clone())
        .collect()
}

/// A CSV line for an instance of the simulator.
fn row(info: &InstanceInfo, name: &str, password: &str, tags: &str) -> String {
    let scheme = if info.tls { "HTTPS" } else { "HTTP" };
    let cleartext = if info.tls { "" } else { "yes" };
    let slug = name.to_lowercase().replace(' ', "");
    format!(
        "{name},soc@{slug}.example.com,127.0.0.1,{},{scheme},{},{password},{tags},{cleartext}",
        info.port, info.username
    )
}

#[tokio::test]
async fn the_table_finds_by_words_filters_down_ones_and_keeps_each_technicians_sort() {
    let h = Harness::new().await;
    let (_, _acme) = add(&h, "Acme Corp").await;
    let (down, _) = add(&h, "Globex").await;
    add(&h, "Initech").await;
    h.sim.set_fault(down.port, Fault::Down).await.unwrap();
    let all: Vec<_> = h.console.list_customers().unwrap().iter().map(|v| v.customer.id).collect();
    let first = h.console.check_customers(&all, |_| {}).await.unwrap();
    let told: Vec<_> = first.failures.iter().map(|f| (f.name.as_str(), f.code.as_str())).collect();
    assert_eq!(told, [("Globex", "check_failed")], "the failed check is told at once");
    for _ in 0..3 {
        h.console.check_health().await.unwrap();
    }
    let again = h.console.check_customers(&all, |_| {}).await.unwrap();
    assert_eq!(again.failures[0].code, "down", "once the monitor counts it down");

    let q = |text: &str, quick| CustomerQuery { text: text.into(), quick, ..Default::default() };
    assert_eq!(names(&h, &q("acme", QuickFilter::All)), ["Acme Corp"]);
    assert_eq!(names(&h, &q("", QuickFilter::Down)), ["Globex"]);
    let found = h.console.query_customers(&q("", QuickFilter::Down)).unwrap();
    assert_eq!(found.counts[&QuickFilter::Down], 1);
    assert_eq!(found.counts[&QuickFilter::All], 3);
    assert_eq!(found.summary, "1 of 3 customers: Down");

    let by_health = Sort { key: SortKey::Health, descending: false };
    h.console.set_customer_sort(by_health).unwrap();
    assert_eq!(h.console.customer_sort().unwrap(), by_health, "kept for this technician");
    let sorted = CustomerQuery { sort: by_health, ..Default::default() };
    assert_eq!(names(&h, &sorted)[0], "Globex", "down first");

    // The first rows' customers come with the answer, in its order, as many as asked for.
    let (found, head) = h.console.query_customers_with_head(&sorted, 2).unwrap();
    let head_ids: Vec<_> = head.iter().map(|v| v.customer.id).collect();
    assert_eq!(head_ids, found.ids[..2], "the first two rows, in order");
    assert_eq!(head[0].customer.name, "Globex");
    assert!(h.console.query_customers_with_head(&sorted, 0).unwrap().1.is_empty());
    let (_, narrow) =
        h.console.query_customers_with_head(&q("initech", QuickFilter::All), 50).unwrap();
    assert_eq!(narrow.len(), 1, "never more than the answer has");

    let long = CustomerQuery { text: "x".repeat(500), ..Default::default() };
    assert!(h.console.query_customers(&long).unwrap_err().fields().unwrap().contains_key("text"));
}

#[tokio::test]
async fn a_technician_delegated_a_tag_reaches_a_customer_tagged_later_at_its_next_sync() {
    let h = Harness::new().await;
    let (a_info, a) = add(&h, "Acme").await;
    let (b_info, b) = add(&h, "Globex").await;
    let emea = tag(&h, "emea");
    h.console.tag_customers(emea, &[a.id], true).unwrap();
    h.console
        .add_technician(TechnicianInput {
            username: "otto".into(),
            email: "otto@mssp.example.com".into(),
            role: "operator".into(),
            all_customers: false,
            customer_ids: vec![],
            tag_ids: vec![emea.to_string()],
            password: SecretString::from("otto-password-1"),
        })
        .await
        .unwrap();
    let central = |port: u16| -> Vec<(String, bool)> {
        h.sim
            .technicians(port)
            .into_iter()
            .filter(|t| t["auth"] == "central" && t["name"] == "otto")
            .map(|t| (t["name"].as_str().unwrap().to_owned(), t["enabled"].as_bool().unwrap()))
            .collect()
    };
    h.console.sync_customer(a.id).await.unwrap();
    h.console.sync_customer(b.id).await.unwrap();
    assert_eq!(central(a_info.port), [("otto".to_owned(), true)]);
    assert!(central(b_info.port).is_empty(), "Globex is not tagged emea yet");

    // Tagged later: reached at its next sync, and otto sees it at once.
    h.console.tag_customers(emea, &[b.id], true).unwrap();
    h.console.sync_customer(b.id).await.unwrap();
    assert_eq!(central(b_info.port), [("otto".to_owned(), true)]);
    // Untagged: otto is disabled there at its next sync.
    h.console.tag_customers(emea, &[a.id], false).unwrap();
    h.console.sync_customer(a.id).await.unwrap();
    assert_eq!(central(a_info.port), [("otto".to_owned(), false)]);

    h.console.sessions().logout();
    h.console.sessions().login("otto", "otto-password-1").await.unwrap();
    let seen: Vec<String> =
        h.console.list_customers().unwrap().into_iter().map(|v| v.customer.name).collect();
    assert_eq!(seen, ["Globex"]);
    // Tagging can grant access: operators may not tag.
    let refused = h.console.tag_customers(emea, &[b.id], false).unwrap_err();
    assert_eq!(refused.code(), "forbidden");

    h.console.sessions().logout();
    h.console.sessions().login(ADMIN, ADMIN_PASSWORD).await.unwrap();
    let audit = h.console.audit_log(100).unwrap();
    let tagged: Vec<_> = audit.iter().filter(|e| e.action == "customer.tag").collect();
    assert_eq!(tagged.len(), 2, "each customer tagged is audited");
    assert!(tagged.iter().all(|e| e.customer_id.is_some() && e.reason.as_deref() == Some("emea")));
    assert!(audit.iter().any(|e| e.action == "customer.untag" && e.customer_id == Some(a.id)));
}

#[tokio::test]
async fn a_bulk_delete_removes_the_reachable_and_offers_force_delete_for_the_rest() {
    let h = Harness::new().await;
    let (_, a) = add(&h, "Acme").await;
    let (down, b) = add(&h, "Globex").await;
    let (_, c) = add(&h, "Initech").await;
    h.sim.set_fault(down.port, Fault::Down).await.unwrap();
    let ids = [a.id, b.id, c.id];

    let wrong = h.console.delete_customers(&ids, "not my password", |_| {}).await.unwrap_err();
    assert_eq!(wrong.code(), "wrong_password");
    assert_eq!(h.console.list_customers().unwrap().len(), 3, "nothing deleted");

    let mut seen = Vec::new();
    let report = h.console.delete_customers(&ids, ADMIN_PASSWORD, |p| seen.push(p)).await.unwrap();
    assert_eq!((report.done, report.total), (3, 3));
    assert_eq!(report.failures.len(), 1);
    let failure = &report.failures[0];
    assert_eq!((failure.name.as_str(), failure.customer_id), ("Globex", Some(b.id)));
    assert!(failure.force_delete_available, "{failure:?}");
    assert!(seen.last().is_some_and(|p| !p.running && p.done == 3));
    let left: Vec<_> =
        h.console.list_customers().unwrap().into_iter().map(|v| v.customer.id).collect();
    assert_eq!(left, [b.id]);

    let reason = h.console.force_delete_customers(&[b.id], ADMIN_PASSWORD, "  ", |_| {}).await;
    assert!(reason.unwrap_err().fields().unwrap().contains_key("reason"));
    let forced = h
        .console
        .force_delete_customers(&[b.id], ADMIN_PASSWORD, "Customer left; server gone", |_| {})
        .await
        .unwrap();
    assert!(forced.failures.is_empty());
    assert!(h.console.list_customers().unwrap().is_empty());
    let audit = h.console.audit_log(100).unwrap();
    assert_eq!(
        audit.iter().filter(|e| e.action == "customer.delete").count(),
        4,
        "3 tries + 1 wrong password"
    );
    assert!(audit.iter().any(|e| e.action == "customer.force_delete"
        && e.reason.as_deref() == Some("Customer left; server gone")));
}

#[tokio::test]
async fn an_import_adds_the_good_rows_leaves_nothing_of_the_bad_and_skips_them_next_time() {
    let h = Harness::new().await;
    let mut rows = vec![HEADER.to_owned()];
    let mut infos = Vec::new();
    for i in 0..5 {
        let name = format!("Customer {i}");
        let info = h.instance(&name, &format!("pass-{i}-long-enough")).await;
        let password = if i == 2 { "wrong password".to_owned() } else { info.password.clone() };
        rows.push(row(&info, &name, &password, if i % 2 == 0 { "emea" } else { "apac; tier-1" }));
        infos.push(info);
    }
    h.sim.set_fault(infos[3].port, Fault::Down).await.unwrap();
    rows.push("Broken,not-a-mail,127.0.0.1,99999,HTTP,admin,x,,yes".into());
    let text = rows.join("\n");

    let plan = h.console.import_preview(&text).unwrap();
    assert_eq!((plan.ready, plan.invalid, plan.skipped), (5, 1, 0));
    let broken = plan.rows.iter().find(|r| r.name == "Broken").unwrap();
    assert!(broken.problems.contains_key("email") && broken.problems.contains_key("port"));
    let requests_before: u64 = infos.iter().map(|i| h.sim.request_count(i.port)).sum();
    assert_eq!(requests_before, 0, "the dry run touches no instance");

    let mut last = None;
    let state = h.console.import_run(plan.id, &BTreeMap::new(), |p| last = Some(p)).await.unwrap();
    let outcome = |name: &str| state.rows.iter().find(|r| r.name == name).unwrap().outcome.clone();
    assert!(matches!(outcome("Customer 0"), RowOutcome::Added(_)));
    assert_eq!(outcome("Customer 2"), RowOutcome::Failed, "bad credentials");
    assert_eq!(outcome("Customer 3"), RowOutcome::Failed, "down");
    assert_eq!(outcome("Broken"), RowOutcome::Invalid);
    let failed = state.rows.iter().find(|r| r.name == "Customer 2").unwrap();
    assert!(
        failed.problems["import"].to_lowercase().contains("password")
            || failed.problems["import"].contains("credentials"),
        "{:?}",
        failed.problems
    );
    let last = last.unwrap();
    assert_eq!((last.done, last.total, last.failed, last.running), (5, 5, 2, false));

    // The failed rows left nothing: no customer, no link on their instances.
    let listed = h.console.list_customers().unwrap();
    let mut names: Vec<_> = listed.iter().map(|v| v.customer.name.clone()).collect();
    names.sort();
    assert_eq!(names, ["Customer 0", "Customer 1", "Customer 4"]);
    assert_eq!(h.sim.linked_mssp(infos[2].port), None);
    assert_eq!(h.sim.linked_mssp(infos[3].port), None);
    let tags = h.console.list_tags().unwrap();
    let count = |n: &str| tags.iter().find(|t| t.name == n).map(|t| t.customers);
    assert_eq!((count("emea"), count("apac"), count("tier-1")), (Some(2), Some(1), Some(1)));

    // The result names each row's outcome; no password in it.
    let csv = h.console.import_result_csv(plan.id).unwrap();
    assert!(csv.contains("Customer 2") && csv.contains("failed"));
    assert!(!csv.contains("pass-0-long-enough"));

    // The same file again: what was integrated is skipped, the rest tried again.
    h.sim.set_fault(infos[3].port, Fault::None).await.unwrap();
    let again = h.console.import_preview(&text).unwrap();
    assert_eq!((again.ready, again.skipped, again.invalid), (2, 3, 1));
    let state = h.console.import_run(again.id, &BTreeMap::new(), |_| {}).await.unwrap();
    let added = state.rows.iter().filter(|r| matches!(r.outcome, RowOutcome::Added(_))).count();
    assert_eq!(added, 1, "Customer 3 is back up; Customer 2's password is still wrong");
    // The same name with another server is an error on that row.
    let moved = format!("{HEADER}\nCustomer 0,soc@c.example.com,127.0.0.2,8443,HTTPS,admin,pw,,");
    let plan = h.console.import_preview(&moved).unwrap();
    assert!(plan.rows[0].problems["name"].contains("already integrated"));
}

#[tokio::test]
async fn an_https_row_whose_certificate_is_not_trusted_is_held_until_its_fingerprint_is_chosen() {
    let h = Harness::new().await;
    let mut spec = InstanceSpec::new("Selfie");
    spec.password = "selfie-admin-pass-1".into();
    spec.tls_mode = Some(TlsMode::SelfSigned);
    let info = h.sim.add_instance(spec).await.unwrap();
    let text = format!("{HEADER}\n{}", row(&info, "Selfie", &info.password, ""));

    let plan = h.console.import_preview(&text).unwrap();
    let checked = h.console.import_check(plan.id, |_| {}).await.unwrap();
    let check = checked.rows[0].check.as_ref().expect("checked");
    let leaf = check.inspection.as_ref().unwrap().chain.first().unwrap();
    let sha = h.sim.certificate(info.port).unwrap().sha256;
    assert_eq!(leaf.sha256.to_hex(), sha);
    assert!(check.inspection.as_ref().unwrap().untrusted_because.is_some());
    assert_eq!(check.build, Some(mssp_core::CONSOLE_BUILD));
    assert_eq!(
        h.sim.request_count_for(info.port, "POST", "/mssp/v1/session"),
        0,
        "no credentials sent"
    );

    let held = h.console.import_run(plan.id, &BTreeMap::new(), |_| {}).await.unwrap();
    assert!(
        matches!(&held.rows[0].outcome, RowOutcome::HeldForReview { sha256 } if sha256.replace(':', "").eq_ignore_ascii_case(&sha))
    );
    assert!(h.console.list_customers().unwrap().is_empty(), "never trusted silently");
    assert_eq!(h.sim.request_count_for(info.port, "POST", "/mssp/v1/session"), 0);

    let trust = BTreeMap::from([(held.rows[0].line, sha.clone())]);
    let done = h.console.import_run(plan.id, &trust, |_| {}).await.unwrap();
    assert!(matches!(done.rows[0].outcome, RowOutcome::Added(_)), "{:?}", done.rows[0]);
    let listed = h.console.list_customers().unwrap();
    assert_eq!(listed.len(), 1);
    assert!(listed[0].customer.pin.is_some(), "pinned to the certificate shown");
}

#[tokio::test]
async fn another_administrator_cannot_run_my_pending_import() {
    let h = Harness::new().await;
    let info = h.instance("Acme", "acme-admin-pass-1").await;
    let plan = h
        .console
        .import_preview(&format!("{HEADER}\n{}", row(&info, "Acme", &info.password, "")))
        .unwrap();
    h.console
        .add_technician(TechnicianInput {
            username: "ada".into(),
            email: "ada@mssp.example.com".into(),
            role: "admin".into(),
            all_customers: true,
            customer_ids: vec![],
            tag_ids: vec![],
            password: SecretString::from("ada-password-1"),
        })
        .await
        .unwrap();
    h.console.sessions().logout();
    h.console.sessions().login("ada", "ada-password-1").await.unwrap();
    let err = h.console.import_run(plan.id, &BTreeMap::new(), |_| {}).await.unwrap_err();
    assert_eq!(err.code(), "not_found");
}
