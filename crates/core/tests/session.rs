//! The console's own administrator and session: first run, login, idle lock.

use mssp_core::client::{ClientConfig, InstanceClient};
use mssp_core::clock::ManualClock;
use mssp_core::store::Store;
use mssp_core::vault::Vault;
use mssp_core::{Console, ConsoleEvent};
use std::sync::Arc;

fn console(clock: Arc<ManualClock>) -> Console {
    let keychain: Arc<keyring_core::CredentialStore> = keyring_core::mock::Store::new().unwrap();
    Console::with_parts(
        Store::open_in_memory().unwrap(),
        Vault::with_store("unit", keychain),
        InstanceClient::new(ClientConfig::default()).unwrap(),
        clock,
    )
    .unwrap()
}

fn start() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(time::macros::datetime!(2026-11-25 09:00 UTC)))
}

#[tokio::test]
async fn first_run_creates_exactly_one_administrator() {
    let c = console(start());
    assert!(c.sessions().needs_setup().unwrap());
    assert_eq!(
        c.sessions().login("admin", "whatever-1234").await.unwrap_err().code(),
        "setup_required"
    );

    let err = c.sessions().create_admin("admin", "short", "short").await.unwrap_err();
    assert!(err.fields().unwrap().contains_key("password"));
    let err =
        c.sessions().create_admin("admin", "long enough 1", "long enough 2").await.unwrap_err();
    assert!(err.fields().unwrap().contains_key("confirmPassword"));
    assert!(c.sessions().needs_setup().unwrap(), "nothing created by bad input");

    let session =
        c.sessions().create_admin(" admin ", "long enough 1", "long enough 1").await.unwrap();
    assert_eq!(session.username, "admin");
    assert!(!c.sessions().needs_setup().unwrap());
    let again = c.sessions().create_admin("second", "long enough 1", "long enough 1").await;
    assert_eq!(again.unwrap_err().code(), "already_set_up");
}

#[tokio::test]
async fn login_checks_the_argon2_hash_and_ignores_username_case() {
    let c = console(start());
    c.sessions().create_admin("Admin", "long enough 1", "long enough 1").await.unwrap();
    c.sessions().logout();
    assert_eq!(
        c.sessions().login("admin", "long enough 2").await.unwrap_err().code(),
        "auth_failed"
    );
    assert_eq!(
        c.sessions().login("nobody", "long enough 1").await.unwrap_err().code(),
        "auth_failed"
    );
    assert!(c.sessions().current().is_none());
    let s = c.sessions().login("ADMIN", "long enough 1").await.unwrap();
    assert_eq!(s.username, "Admin");
    let audit = c.audit_log(3).unwrap();
    let outcomes: Vec<_> = audit.iter().map(|a| (a.action.as_str(), a.outcome.as_str())).collect();
    assert_eq!(
        outcomes,
        [("admin.login", "success"), ("admin.login", "failure"), ("admin.login", "failure")]
    );
}

#[tokio::test]
async fn the_console_locks_after_fifteen_idle_minutes() {
    let clock = start();
    let c = console(clock.clone());
    let mut events = c.subscribe();
    c.sessions().create_admin("admin", "long enough 1", "long enough 1").await.unwrap();

    clock.advance(time::Duration::minutes(14));
    c.sessions().touch().expect("still active; this counts as activity");
    clock.advance(time::Duration::minutes(14));
    c.sessions().enforce_idle_lock();
    assert!(c.sessions().current().is_some(), "activity 14 minutes ago keeps it open");

    clock.advance(time::Duration::minutes(1));
    c.sessions().enforce_idle_lock();
    assert!(c.sessions().current().is_none());
    assert_eq!(events.try_recv().unwrap(), ConsoleEvent::SessionLocked);
    assert_eq!(c.list_customers().unwrap_err().code(), "locked");
}

#[tokio::test]
async fn background_reads_do_not_keep_an_unattended_console_unlocked() {
    let clock = start();
    let c = console(clock.clone());
    c.sessions().create_admin("admin", "long enough 1", "long enough 1").await.unwrap();
    // The window refreshes what it shows every few minutes while nobody is there.
    for _ in 0..3 {
        clock.advance(time::Duration::minutes(4));
        c.list_customers().unwrap();
        c.monitor_settings().unwrap();
    }
    clock.advance(time::Duration::minutes(4));
    c.sessions().enforce_idle_lock();
    assert!(c.sessions().current().is_none(), "16 minutes of reads alone lock it");

    c.sessions().login("admin", "long enough 1").await.unwrap();
    clock.advance(time::Duration::minutes(10));
    c.sessions().touch().unwrap(); // the person's own input
    clock.advance(time::Duration::minutes(10));
    c.sessions().enforce_idle_lock();
    assert!(c.sessions().current().is_some());
}

#[tokio::test]
async fn failed_logins_slow_down_and_are_audited() {
    let clock = start();
    let c = console(clock.clone());
    c.sessions().create_admin("admin", "long enough 1", "long enough 1").await.unwrap();
    c.sessions().logout();
    for _ in 0..4 {
        assert_eq!(c.sessions().login("admin", "wrong").await.unwrap_err().code(), "auth_failed");
    }
    let err = c.sessions().login("admin", "long enough 1").await.unwrap_err();
    assert_eq!(err.code(), "login_throttled", "even the right password waits: {err}");
    clock.advance(time::Duration::seconds(2));
    c.sessions().login("admin", "long enough 1").await.unwrap();
    let audit = c.audit_log(2).unwrap();
    assert_eq!(audit[1].reason.as_deref(), Some("throttled after failed logins"));
}

#[tokio::test]
async fn only_administrators_read_the_audit_and_typed_usernames_are_cleaned() {
    let clock = start();
    let c = console(clock.clone());
    c.sessions().create_admin("admin", "long enough 1", "long enough 1").await.unwrap();
    c.add_technician(mssp_core::validate::TechnicianInput {
        username: "gina".into(),
        email: "gina@mssp.example.com".into(),
        role: "guest".into(),
        all_customers: true,
        customer_ids: vec![],
        tag_ids: vec![],
        password: secrecy::SecretString::from("gina password 1"),
    })
    .await
    .unwrap();
    c.sessions().logout();
    let typed = format!("ad\u{202E}min{}", "x".repeat(5000));
    let _ = c.sessions().login(&typed, "wrong").await;
    c.sessions().login("gina", "gina password 1").await.unwrap();
    assert_eq!(c.audit_log(10).unwrap_err().code(), "forbidden");
    c.sessions().logout();
    c.sessions().login("admin", "long enough 1").await.unwrap();
    let audit = c.audit_log(10).unwrap();
    let failed = audit.iter().find(|a| a.outcome.as_str() == "failure").unwrap();
    assert!(failed.target.chars().count() <= 128, "capped");
    assert!(!failed.target.contains('\u{202E}'), "cleaned");
}
