//! Customer Management against `log360-sim` over real HTTP on loopback: add, update, soft
//! delete, force delete, and every way an instance can say no.

mod common;

use common::{ADMIN_PASSWORD, Harness, input_for};
use log360_sim::Fault;
use mssp_core::Error;
use mssp_core::model::HealthState;
use secrecy::{ExposeSecret, SecretString};
use std::time::{Duration, Instant};

#[tokio::test]
async fn add_customer_links_the_instance_and_saves_row_and_credentials() {
    let h = Harness::new().await;
    let acme = h.instance("Acme", "acme-admin-pass").await;

    let c = h.console.add_customer(input_for(&acme, " Acme Corp ")).await.unwrap();

    assert_eq!(c.name, "Acme Corp");
    assert_eq!(c.instance_id, acme.instance_id);
    assert_eq!(h.sim.linked_mssp(acme.port), Some(h.console.identity().mssp_id));
    let listed = h.console.list_customers().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].customer, c);
    let creds = h.credentials(c.id).expect("credentials in the keychain");
    assert_eq!(creds.username, acme.username);
    assert_eq!(creds.password.expose_secret(), "acme-admin-pass");
    let audit = h.console.audit_log(10).unwrap();
    assert_eq!(audit[0].action, "customer.add");
    assert_eq!(audit[0].outcome.as_str(), "success");
    assert_eq!(audit[0].target, "Acme Corp");
    assert_eq!(audit[0].actor, common::ADMIN);
}

#[tokio::test]
async fn bad_input_never_reaches_the_network() {
    let h = Harness::new().await;
    let acme = h.instance("Acme", "acme-admin-pass").await;
    let before = h.sim.request_count(acme.port);
    let mut input = input_for(&acme, "");
    input.email = "not-an-address".into();

    let err = h.console.add_customer(input).await.unwrap_err();

    let fields = err.fields().expect("validation error");
    assert!(fields.contains_key("name") && fields.contains_key("email"), "{fields:?}");
    assert_eq!(h.sim.request_count(acme.port), before);
    assert!(h.console.list_customers().unwrap().is_empty());
}

#[tokio::test]
async fn names_are_unique_ignoring_case_and_one_instance_is_one_customer() {
    let h = Harness::new().await;
    let acme = h.instance("Acme", "acme-admin-pass").await;
    let globex = h.instance("Globex", "globex-admin-pass").await;
    h.console.add_customer(input_for(&acme, "Acme Corp")).await.unwrap();

    let err = h.console.add_customer(input_for(&globex, "  acme CORP")).await.unwrap_err();
    assert!(err.fields().unwrap()["name"].contains("Acme Corp"), "{err}");

    let err = h.console.add_customer(input_for(&acme, "Acme Again")).await.unwrap_err();
    assert!(err.fields().unwrap().contains_key("server"), "{err}");
    assert_eq!(h.console.list_customers().unwrap().len(), 1);
}

#[tokio::test]
async fn build_mismatch_names_both_builds_and_saves_nothing() {
    let h = Harness::new().await;
    let acme = h.instance("Acme", "acme-admin-pass").await;
    h.sim.set_build(acme.port, 7200);

    let err = h.console.add_customer(input_for(&acme, "Acme")).await.unwrap_err();

    assert_eq!(err.code(), "build_mismatch");
    let msg = err.to_string();
    assert!(msg.contains("7100") && msg.contains("7200"), "{msg}");
    assert_no_customer(&h, acme.port);
}

#[tokio::test]
async fn bad_credentials_are_refused_and_nothing_is_saved() {
    let h = Harness::new().await;
    let acme = h.instance("Acme", "acme-admin-pass").await;
    let mut input = input_for(&acme, "Acme");
    input.password = SecretString::from("wrong-password");

    let err = h.console.add_customer(input).await.unwrap_err();

    assert_eq!(err.code(), "auth_failed");
    assert_no_customer(&h, acme.port);
    let audit = h.console.audit_log(1).unwrap();
    assert_eq!((audit[0].action.as_str(), audit[0].outcome.as_str()), ("customer.add", "failure"));
    assert!(audit[0].reason.as_deref().unwrap().contains("rejected the admin credentials"));
}

#[tokio::test]
async fn an_instance_linked_to_another_mssp_is_refused() {
    let h = Harness::new().await;
    let acme = h.instance("Acme", "acme-admin-pass").await;
    let other = uuid::Uuid::new_v4();
    h.sim.set_linked_mssp(acme.port, Some(other));

    let err = h.console.add_customer(input_for(&acme, "Acme")).await.unwrap_err();

    assert_eq!(err.code(), "linked_to_other_mssp");
    assert_eq!(h.sim.linked_mssp(acme.port), Some(other), "the other MSSP keeps it");
    assert!(h.console.list_customers().unwrap().is_empty());
}

#[tokio::test]
async fn an_instance_that_is_down_is_unreachable() {
    let h = Harness::new().await;
    let acme = h.instance("Acme", "acme-admin-pass").await;
    h.sim.set_fault(acme.port, Fault::Down).await.unwrap();

    let err = h.console.add_customer(input_for(&acme, "Acme")).await.unwrap_err();

    assert_eq!(err.code(), "unreachable");
    assert!(err.to_string().contains("connection refused"), "{err}");
    assert!(h.console.list_customers().unwrap().is_empty());
}

#[tokio::test]
async fn a_hanging_instance_times_out_instead_of_freezing() {
    let h = Harness::new().await;
    let acme = h.instance("Acme", "acme-admin-pass").await;
    h.sim.set_fault(acme.port, Fault::Hang).await.unwrap();

    let started = Instant::now();
    let err = h.console.add_customer(input_for(&acme, "Acme")).await.unwrap_err();

    assert_eq!(err.code(), "timeout");
    // The client's total timeout is 3 s in these tests; generous margin for a busy machine.
    assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
    assert!(h.console.list_customers().unwrap().is_empty());
}

#[tokio::test]
async fn server_errors_are_reported_with_their_status() {
    let h = Harness::new().await;
    let acme = h.instance("Acme", "acme-admin-pass").await;
    h.sim.set_fault(acme.port, Fault::Error500).await.unwrap();

    let err = h.console.add_customer(input_for(&acme, "Acme")).await.unwrap_err();

    assert_eq!(err.code(), "instance_error");
    assert!(err.to_string().contains("500"), "{err}");
    assert!(h.console.list_customers().unwrap().is_empty());
}

#[tokio::test]
async fn an_untrusted_certificate_gets_a_clear_error_naming_its_fingerprint() {
    let h = Harness::new().await;
    let mut spec = log360_sim::InstanceSpec::new("Secure");
    spec.tls = true;
    let secure = h.sim.add_instance(spec).await.unwrap();

    let err = h.console.add_customer(input_for(&secure, "Secure")).await.unwrap_err();

    // Trusting it is the way forward (see tests/trust.rs); the message is for a person.
    assert_eq!(err.code(), "certificate_untrusted", "{err}");
    let shown = err.certificate().expect("the certificate to review").sha256.to_string();
    assert!(err.to_string().contains(&shown), "{err}");
    assert!(!err.to_string().contains("Other("), "no Rust debug text: {err}");
    assert_eq!(h.sim.request_count_for(secure.port, "POST", "/mssp/v1/session"), 0);
}

#[tokio::test]
async fn update_reverifies_and_a_failed_update_keeps_the_old_record_and_credentials() {
    let h = Harness::new().await;
    let acme = h.instance("Acme", "acme-admin-pass").await;
    let c = h.console.add_customer(input_for(&acme, "Acme")).await.unwrap();

    let mut bad = input_for(&acme, "Acme Renamed");
    bad.password = SecretString::from("not-the-password");
    let err = h.console.update_customer(c.id, bad).await.unwrap_err();
    assert_eq!(err.code(), "auth_failed");
    assert_eq!(h.console.customer(c.id).unwrap().customer, c, "old record kept");
    let creds = h.credentials(c.id).unwrap();
    assert_eq!(creds.password.expose_secret(), "acme-admin-pass", "old credentials kept");

    // The instance's admin password changed; the update carries the new one.
    h.sim.set_password(acme.port, "new-acme-pass-2026");
    let mut good = input_for(&acme, "Acme Renamed");
    good.email = "noc@acme.example.com".into();
    good.password = SecretString::from("new-acme-pass-2026");
    let updated = h.console.update_customer(c.id, good).await.unwrap();

    assert_eq!(updated.name, "Acme Renamed");
    assert_eq!(updated.email, "noc@acme.example.com");
    assert_eq!(updated.created_at, c.created_at);
    assert_eq!(h.console.customer(c.id).unwrap().customer, updated);
    let creds = h.credentials(c.id).unwrap();
    assert_eq!(creds.password.expose_secret(), "new-acme-pass-2026");
}

#[tokio::test]
async fn soft_delete_needs_the_admins_own_password_then_unlinks_and_removes() {
    let h = Harness::new().await;
    let acme = h.instance("Acme", "acme-admin-pass").await;
    let c = h.console.add_customer(input_for(&acme, "Acme")).await.unwrap();

    let err = h.console.delete_customer(c.id, "not my password").await.unwrap_err();
    assert_eq!(err.code(), "wrong_password");
    assert!(!err.force_delete_available());
    assert_eq!(h.console.list_customers().unwrap().len(), 1, "nothing deleted");
    assert!(h.sim.linked_mssp(acme.port).is_some(), "still linked");
    assert!(h.credentials(c.id).is_some());

    h.console.delete_customer(c.id, ADMIN_PASSWORD).await.unwrap();

    assert!(h.console.list_customers().unwrap().is_empty());
    assert_eq!(h.sim.linked_mssp(acme.port), None, "the instance was dis-integrated");
    assert!(h.credentials(c.id).is_none(), "credentials removed");
    let audit = h.console.audit_log(2).unwrap();
    assert_eq!(
        (audit[0].action.as_str(), audit[0].outcome.as_str()),
        ("customer.delete", "success")
    );
    assert_eq!(
        (audit[1].action.as_str(), audit[1].outcome.as_str()),
        ("customer.delete", "failure")
    );
}

#[tokio::test]
async fn soft_delete_of_a_down_instance_offers_force_delete_which_needs_a_reason() {
    let h = Harness::new().await;
    let acme = h.instance("Acme", "acme-admin-pass").await;
    let c = h.console.add_customer(input_for(&acme, "Acme")).await.unwrap();
    h.sim.set_fault(acme.port, Fault::Down).await.unwrap();

    let err = h.console.delete_customer(c.id, ADMIN_PASSWORD).await.unwrap_err();
    assert_eq!(err.code(), "unreachable");
    assert!(err.force_delete_available());
    assert_eq!(h.console.list_customers().unwrap().len(), 1);

    let err = h.console.force_delete_customer(c.id, ADMIN_PASSWORD, "  ").await.unwrap_err();
    assert!(err.fields().unwrap().contains_key("reason"));
    let err = h.console.force_delete_customer(c.id, "wrong", "gone").await.unwrap_err();
    assert_eq!(err.code(), "wrong_password");
    assert_eq!(h.console.list_customers().unwrap().len(), 1);

    h.console
        .force_delete_customer(c.id, ADMIN_PASSWORD, "Customer data center decommissioned")
        .await
        .unwrap();

    assert!(h.console.list_customers().unwrap().is_empty());
    assert!(h.credentials(c.id).is_none());
    let audit = h.console.audit_log(1).unwrap();
    assert_eq!(audit[0].action, "customer.force_delete");
    assert_eq!(audit[0].outcome.as_str(), "success");
    assert_eq!(audit[0].reason.as_deref(), Some("Customer data center decommissioned"));
}

#[tokio::test]
async fn a_customer_already_unlinked_on_the_instance_is_still_deleted() {
    let h = Harness::new().await;
    let acme = h.instance("Acme", "acme-admin-pass").await;
    let c = h.console.add_customer(input_for(&acme, "Acme")).await.unwrap();
    h.sim.set_linked_mssp(acme.port, None);

    h.console.delete_customer(c.id, ADMIN_PASSWORD).await.unwrap();
    assert!(h.console.list_customers().unwrap().is_empty());
}

#[tokio::test]
async fn a_missing_keychain_saves_nothing_and_releases_the_instance() {
    let vault = mssp_core::vault::Vault::with_factory(
        "mssp-console-test",
        std::sync::Arc::new(|| Err(Error::KeychainUnavailable("no Secret Service".into()))),
    );
    let h = Harness::with_vault(vault).await;
    let acme = h.instance("Acme", "acme-admin-pass").await;

    let err = h.console.add_customer(input_for(&acme, "Acme")).await.unwrap_err();

    assert_eq!(err.code(), "keychain_unavailable");
    assert!(h.console.list_customers().unwrap().is_empty());
    assert_eq!(h.sim.linked_mssp(acme.port), None, "the link was undone");
}

#[tokio::test]
async fn an_expired_token_is_renewed_transparently() {
    let h = Harness::new().await;
    let acme = h.instance("Acme", "acme-admin-pass").await;
    h.console.add_customer(input_for(&acme, "Acme")).await.unwrap();
    h.console.check_health().await.unwrap();

    h.sim.expire_tokens(acme.port);
    let counts = h.console.check_health().await.unwrap();
    assert_eq!((counts.up, counts.down, counts.unknown), (1, 0, 0), "{counts:?}");

    let results = h.console.list_customers().unwrap();
    assert_eq!(results[0].health.state, HealthState::Up, "{:?}", results[0].health);
}

#[tokio::test]
async fn every_operation_needs_a_session() {
    let h = Harness::new().await;
    let acme = h.instance("Acme", "acme-admin-pass").await;
    h.console.sessions().logout();

    let err = h.console.add_customer(input_for(&acme, "Acme")).await.unwrap_err();
    assert_eq!(err.code(), "locked");
    assert_eq!(h.sim.request_count(acme.port), 0);
    assert_eq!(h.console.list_customers().unwrap_err().code(), "locked");

    let err = h.console.sessions().login(common::ADMIN, "wrong password!").await.unwrap_err();
    assert_eq!(err.code(), "auth_failed");
    h.console.sessions().login(common::ADMIN, ADMIN_PASSWORD).await.unwrap();
    assert!(h.console.list_customers().is_ok());
}

fn assert_no_customer(h: &Harness, port: u16) {
    assert!(h.console.list_customers().unwrap().is_empty(), "no row");
    assert_eq!(h.sim.linked_mssp(port), None, "not linked");
}
