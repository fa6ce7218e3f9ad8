//! Trust in what customers' instances present, against `log360-sim` over real TLS: trust
//! on first use of a certificate, a public key or a customer CA, each customer verified
//! against its own pin, changes and expiry told once, cleartext only when chosen, and an
//! instance that must prove it is the one integrated before any credential is sent.

mod common;

use common::{ADMIN_PASSWORD, Harness, input_for};
use log360_sim::{CertChange, CertSpec, InstanceInfo, InstanceSpec, TlsMode};
use mssp_core::ConsoleEvent;
use mssp_core::model::HealthState;
use mssp_core::sync::SyncState;
use mssp_core::trust::Fingerprint;
use mssp_core::validate::TrustChoice;
use tokio::sync::broadcast::Receiver;

const SESSION: (&str, &str) = ("POST", "/mssp/v1/session");

async fn instance(h: &Harness, name: &str, mode: TlsMode, cert: Option<CertSpec>) -> InstanceInfo {
    let mut spec = InstanceSpec::new(name);
    spec.password = format!("{name}-admin-pass-1");
    spec.tls_mode = Some(mode);
    spec.cert = cert;
    h.sim.add_instance(spec).await.unwrap()
}

fn sha256(h: &Harness, info: &InstanceInfo) -> String {
    h.sim.certificate(info.port).unwrap().sha256
}

fn sessions(h: &Harness, info: &InstanceInfo) -> u64 {
    h.sim.request_count_for(info.port, SESSION.0, SESSION.1)
}

fn trusting(
    info: &InstanceInfo,
    name: &str,
    choice: TrustChoice,
) -> mssp_core::validate::CustomerInput {
    let mut input = input_for(info, name);
    input.trust = Some(choice);
    input
}

fn notes(rx: &mut Receiver<ConsoleEvent>, title_has: &str) -> usize {
    let mut n = 0;
    while let Ok(ev) = rx.try_recv() {
        if let ConsoleEvent::Notify(note) = ev
            && note.title.contains(title_has)
        {
            n += 1;
        }
    }
    n
}

#[tokio::test]
async fn a_self_signed_instance_is_refused_until_its_certificate_is_trusted() {
    let h = Harness::new().await;
    let acme = instance(&h, "Acme", TlsMode::SelfSigned, None).await;

    let err = h.console.add_customer(input_for(&acme, "Acme")).await.unwrap_err();
    assert_eq!(err.code(), "certificate_untrusted", "{err}");
    let shown = err.certificate().unwrap();
    assert_eq!(shown.sha256.to_hex(), sha256(&h, &acme), "the fingerprint the instance presents");
    assert!(shown.self_signed);
    assert_eq!(sessions(&h, &acme), 0, "no credential went to an untrusted server");

    let c = h
        .console
        .add_customer(trusting(&acme, "Acme", TrustChoice::Certificate(sha256(&h, &acme))))
        .await
        .unwrap();
    assert!(c.pin.is_some());
    let (_, status) = h.console.sync_customer(c.id).await.unwrap();
    assert_eq!(status.state, SyncState::Success, "{:?}", status.reason);
    let checked = h.console.check_customer_now(c.id).await.unwrap();
    assert_eq!(checked.health.state, HealthState::Up);
    let link_key = h.sim.link_key(acme.port).expect("the console gave the instance a link key");
    assert_ne!(link_key, [0u8; 32]);
}

#[tokio::test]
async fn a_swapped_certificate_blocks_the_customer_and_is_told_once_until_reviewed() {
    let h = Harness::new().await;
    let acme = instance(&h, "Acme", TlsMode::SelfSigned, None).await;
    let trusted = sha256(&h, &acme);
    let c = h
        .console
        .add_customer(trusting(&acme, "Acme", TrustChoice::Certificate(trusted.clone())))
        .await
        .unwrap();
    let mut rx = h.console.subscribe();

    h.sim.set_certificate(acme.port, CertChange::default()).unwrap();
    let swapped = sha256(&h, &acme);
    assert_ne!(swapped, trusted);
    let before = sessions(&h, &acme);
    let (_, status) = h.console.sync_customer(c.id).await.unwrap();
    assert_eq!(status.state, SyncState::Failed);
    let reason = status.reason.unwrap();
    let (old, new) =
        (Fingerprint::from_hex(&trusted).unwrap(), Fingerprint::from_hex(&swapped).unwrap());
    assert!(reason.contains(&new.to_string()) && reason.contains(&old.to_string()), "{reason}");
    h.console.check_customer_now(c.id).await.unwrap();
    h.console.sync_customer(c.id).await.unwrap();
    assert_eq!(sessions(&h, &acme), before, "nothing was sent after the swap");

    let view = h.console.customer(c.id).unwrap();
    assert_eq!(view.certificate.unwrap().row.changed_to.as_deref(), Some(swapped.as_str()));
    assert_eq!(notes(&mut rx, "certificate changed"), 1, "told once, not per attempt");

    let review = h.console.review_certificate(c.id).await.unwrap();
    assert_eq!(review.inspection.chain[0].sha256.to_hex(), swapped);
    h.console.trust_certificate(c.id, TrustChoice::Certificate(swapped.clone())).await.unwrap();
    let (_, status) = h.console.sync_customer(c.id).await.unwrap();
    assert_eq!(status.state, SyncState::Success, "{:?}", status.reason);
    assert!(h.console.customer(c.id).unwrap().certificate.unwrap().row.changed_to.is_none());
    let audit = h.console.audit_log(20).unwrap();
    assert!(
        audit
            .iter()
            .any(|a| a.action == "customer.certificate.trust" && a.outcome.as_str() == "success")
    );
    assert!(audit.iter().any(|a| a.action == "customer.certificate.changed"));
}

#[tokio::test]
async fn trusting_a_certificate_other_than_the_one_presented_is_refused() {
    let h = Harness::new().await;
    let acme = instance(&h, "Acme", TlsMode::SelfSigned, None).await;
    let wrong = "ab".repeat(32);
    let err = h
        .console
        .add_customer(trusting(&acme, "Acme", TrustChoice::Certificate(wrong)))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "certificate_changed", "{err}");
    assert_eq!(sessions(&h, &acme), 0);
}

#[tokio::test]
async fn a_public_key_pin_survives_a_renewal_with_the_same_key_only() {
    let h = Harness::new().await;
    let acme = instance(&h, "Acme", TlsMode::SelfSigned, None).await;
    let spki = h.sim.certificate(acme.port).unwrap().spki_sha256;
    let c = h
        .console
        .add_customer(trusting(&acme, "Acme", TrustChoice::PublicKey(spki)))
        .await
        .unwrap();

    h.sim.set_certificate(acme.port, CertChange { keep_key: true, ..Default::default() }).unwrap();
    let (_, status) = h.console.sync_customer(c.id).await.unwrap();
    assert_eq!(status.state, SyncState::Success, "renewed with the same key: {:?}", status.reason);

    h.sim.set_certificate(acme.port, CertChange::default()).unwrap();
    let (_, status) = h.console.sync_customer(c.id).await.unwrap();
    assert_eq!(status.state, SyncState::Failed);
    assert!(status.reason.unwrap().contains("certificate"));
}

#[tokio::test]
async fn a_pinned_customer_ca_enforces_the_host_name() {
    let h = Harness::new().await;
    let internal =
        CertSpec { names: Some(vec!["log360.acme.internal".into()]), ..Default::default() };
    let acme = instance(&h, "Acme", TlsMode::CustomCa, Some(internal)).await;
    let ca = h.sim.certificate(acme.port).unwrap().ca_pem.unwrap();
    // The CA issued it for log360.acme.internal, and the console connects to 127.0.0.1.
    let err = h
        .console
        .add_customer(trusting(&acme, "Acme", TrustChoice::CustomerCa(ca.clone())))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "tls", "{err}");
    assert!(err.to_string().contains("log360.acme.internal"), "{err}");
    assert_eq!(sessions(&h, &acme), 0);

    // A certificate from the same CA that names the address is accepted.
    let named = CertSpec { names: Some(vec!["127.0.0.1".into()]), ..Default::default() };
    h.sim.set_certificate(acme.port, CertChange { cert: named, ..Default::default() }).unwrap();
    let c =
        h.console.add_customer(trusting(&acme, "Acme", TrustChoice::CustomerCa(ca))).await.unwrap();
    let (_, status) = h.console.sync_customer(c.id).await.unwrap();
    assert_eq!(status.state, SyncState::Success, "{:?}", status.reason);
}

#[tokio::test]
async fn two_customers_on_one_host_each_verify_against_their_own_pin() {
    let h = Harness::new().await;
    let acme = instance(&h, "Acme", TlsMode::SelfSigned, None).await;
    let globex = instance(&h, "Globex", TlsMode::SelfSigned, None).await;
    let (a, g) = (sha256(&h, &acme), sha256(&h, &globex));
    assert_ne!(a, g);

    // Acme's pin does not let Globex's certificate through, on the same host.
    let err = h
        .console
        .add_customer(trusting(&globex, "Globex", TrustChoice::Certificate(a.clone())))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "certificate_changed");

    let ca =
        h.console.add_customer(trusting(&acme, "Acme", TrustChoice::Certificate(a))).await.unwrap();
    let cg = h
        .console
        .add_customer(trusting(&globex, "Globex", TrustChoice::Certificate(g)))
        .await
        .unwrap();
    for id in [ca.id, cg.id] {
        let (_, status) = h.console.sync_customer(id).await.unwrap();
        assert_eq!(status.state, SyncState::Success, "{:?}", status.reason);
    }
}

#[tokio::test]
async fn a_certificate_near_expiry_is_told_once_and_an_expired_one_refused() {
    let h = Harness::new().await;
    let soon = CertSpec { expires_in_days: Some(10), ..Default::default() };
    let acme = instance(&h, "Acme", TlsMode::SelfSigned, Some(soon)).await;
    let c = h
        .console
        .add_customer(trusting(&acme, "Acme", TrustChoice::Certificate(sha256(&h, &acme))))
        .await
        .unwrap();
    let mut rx = h.console.subscribe();
    h.console.check_customer_now(c.id).await.unwrap();
    h.console.check_customer_now(c.id).await.unwrap();
    let view = h.console.customer(c.id).unwrap();
    assert!(view.certificate.unwrap().expiring_soon);
    // The add already told it; the checks after it do not repeat it.
    assert_eq!(notes(&mut rx, "expires soon"), 0);

    let expired = CertSpec { expired: true, ..Default::default() };
    let old = instance(&h, "Old", TlsMode::SelfSigned, Some(expired)).await;
    let err = h
        .console
        .add_customer(trusting(&old, "Old", TrustChoice::Certificate(sha256(&h, &old))))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "certificate_expired", "trusting it does not make it valid: {err}");
    assert_eq!(sessions(&h, &old), 0);
}

#[tokio::test]
async fn http_needs_the_cleartext_choice() {
    let h = Harness::new().await;
    let acme = h.instance("Acme", "acme-admin-pass-1").await;
    let mut input = input_for(&acme, "Acme");
    input.allow_cleartext = false;
    let err = h.console.add_customer(input).await.unwrap_err();
    assert!(err.fields().unwrap().contains_key("allowCleartext"), "{err}");
    assert_eq!(h.sim.request_count(acme.port), 0, "nothing reached the network");

    let c = h.console.add_customer(input_for(&acme, "Acme")).await.unwrap();
    assert!(c.cleartext);
    let audit = h.console.audit_log(1).unwrap();
    assert_eq!(audit[0].action, "customer.add");
}

#[tokio::test]
async fn another_instance_at_the_address_gets_nothing() {
    let h = Harness::new().await;
    let acme = h.instance("Acme", "acme-admin-pass-1").await;
    let c = h.console.add_customer(input_for(&acme, "Acme")).await.unwrap();
    let mut rx = h.console.subscribe();

    let new_id = h.sim.swap_identity(acme.port).unwrap();
    let before = sessions(&h, &acme);
    let (_, status) = h.console.sync_customer(c.id).await.unwrap();
    assert_eq!(status.state, SyncState::Failed);
    let reason = status.reason.unwrap();
    assert!(
        reason.contains(&new_id.to_string()) && reason.contains(&c.instance_id.to_string()),
        "{reason}"
    );
    let checked = h.console.check_customer_now(c.id).await.unwrap();
    assert_ne!(checked.health.state, HealthState::Up);
    assert_eq!(sessions(&h, &acme), before, "no POST /session after the swap");
    assert_eq!(notes(&mut rx, "another Log360 instance"), 1);
    let err = h.console.delete_customer(c.id, ADMIN_PASSWORD).await.unwrap_err();
    assert_eq!(err.code(), "instance_changed");
    assert!(err.force_delete_available());
    assert!(
        h.console.audit_log(10).unwrap().iter().any(|a| a.action == "customer.instance_changed")
    );
}

#[tokio::test]
async fn an_impostor_repeating_the_right_id_cannot_prove_it() {
    let h = Harness::new().await;
    let acme = h.instance("Acme", "acme-admin-pass-1").await;
    let c = h.console.add_customer(input_for(&acme, "Acme")).await.unwrap();
    h.console.sync_customer(c.id).await.unwrap();

    h.sim.set_impostor(acme.port, true);
    let before = sessions(&h, &acme);
    let (_, status) = h.console.sync_customer(c.id).await.unwrap();
    assert_eq!(status.state, SyncState::Failed);
    assert!(status.reason.unwrap().contains("cannot prove"));
    assert_eq!(sessions(&h, &acme), before, "the credentials never went to the impostor");

    h.sim.set_impostor(acme.port, false);
    let (_, status) = h.console.sync_customer(c.id).await.unwrap();
    assert_eq!(status.state, SyncState::Success, "{:?}", status.reason);
}

#[tokio::test]
async fn editing_reintegrates_a_reinstalled_instance_deliberately() {
    let h = Harness::new().await;
    let acme = h.instance("Acme", "acme-admin-pass-1").await;
    let c = h.console.add_customer(input_for(&acme, "Acme")).await.unwrap();
    let new_id = h.sim.swap_identity(acme.port).unwrap();

    let updated = h.console.update_customer(c.id, input_for(&acme, "Acme")).await.unwrap();
    assert_eq!(updated.instance_id, new_id);
    let (_, status) = h.console.sync_customer(c.id).await.unwrap();
    assert_eq!(status.state, SyncState::Success, "{:?}", status.reason);
}
