//! What the background tells the person at the window: only customers they may see, and
//! no names while the console is locked.

mod common;

use common::{ADMIN, ADMIN_PASSWORD, Harness, input_for};
use mssp_core::events::{NoticeKind, Notification};
use mssp_core::validate::TechnicianInput;
use secrecy::SecretString;

#[tokio::test]
async fn an_operator_sees_counts_events_and_notifications_of_their_customers_only() {
    let h = Harness::new().await;
    let (a, b) = (
        h.instance("Acme", "acme-admin-pass-1").await,
        h.instance("Globex", "globex-admin-pass-1").await,
    );
    let acme = h.console.add_customer(input_for(&a, "Acme")).await.unwrap();
    let globex = h.console.add_customer(input_for(&b, "Globex")).await.unwrap();
    h.console
        .add_technician(TechnicianInput {
            username: "otto".into(),
            email: "otto@mssp.example.com".into(),
            role: "operator".into(),
            all_customers: false,
            customer_ids: vec![acme.id.to_string()],
            tag_ids: vec![],
            password: SecretString::from("otto password 1"),
        })
        .await
        .unwrap();
    h.console.check_health().await.unwrap();
    let down = |ids: Vec<_>| {
        Notification::about(
            NoticeKind::Down,
            ids,
            "Acme is down".into(),
            "Customer server 127.0.0.1 is down".into(),
        )
    };

    assert_eq!(h.console.status_counts().up, 2, "the administrator sees both");
    h.console.sessions().logout();
    h.console.sessions().login("otto", "otto password 1").await.unwrap();
    assert!(h.console.may_see(acme.id) && !h.console.may_see(globex.id));
    assert_eq!(h.console.status_counts().up, 1, "otto's count is otto's customers");
    assert_eq!(h.console.deliverable(&down(vec![acme.id])).unwrap().title, "Acme is down");
    assert!(h.console.deliverable(&down(vec![globex.id])).is_none(), "not otto's customer");
    let partly = h.console.deliverable(&down(vec![acme.id, globex.id])).unwrap();
    assert!(!partly.title.contains("Acme") && partly.body.contains("1 customer"), "{partly:?}");

    h.console.sessions().logout();
    assert!(!h.console.may_see(acme.id), "locked: nothing by name");
    let locked = h.console.deliverable(&down(vec![acme.id])).unwrap();
    assert!(!locked.title.contains("Acme") && !locked.body.contains("Acme"), "{locked:?}");
    assert!(locked.body.contains("1 customer went down"));
    assert_eq!(h.console.status_counts().up, 2, "the tray counts everyone, without names");
    h.console.sessions().login(ADMIN, ADMIN_PASSWORD).await.unwrap();
}
