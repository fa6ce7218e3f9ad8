//! The envelope vault: customer secrets sealed in the database under one keychain key, the
//! move from per-customer keychain entries (also after a start that stopped half-way), a
//! database copy that opens nothing without the keychain, and the passphrase backup that
//! moves a console to another computer.

mod common;

use common::{ADMIN, ADMIN_PASSWORD, Harness, fast_client, input_for};
use keyring_core::CredentialStore;
use mssp_core::model::{AdminCredentials, ConnectionType, CustomerId, Endpoint};
use mssp_core::store::{Store, customers, secrets, settings};
use mssp_core::sync::SyncState;
use mssp_core::vault::Vault;
use mssp_core::{Console, SystemClock};
use secrecy::{ExposeSecret, SecretString};
use std::sync::Arc;

fn mock_keychain() -> Arc<CredentialStore> {
    keyring_core::mock::Store::new().unwrap()
}

fn legacy_customer(store: &Store, name: &str, port: u16) -> CustomerId {
    let id = CustomerId::new();
    let now = time::OffsetDateTime::now_utc();
    let c = mssp_core::model::Customer {
        id,
        name: name.into(),
        email: "soc@acme.example.com".into(),
        endpoint: Endpoint { connection: ConnectionType::Http, server: "127.0.0.1".into(), port },
        instance_id: uuid::Uuid::new_v4(),
        build: 7100,
        pin: None,
        cleartext: true,
        created_at: now,
        updated_at: now,
    };
    store.write(|tx| customers::insert(tx, &c)).unwrap();
    id
}

fn creds(password: &str) -> AdminCredentials {
    AdminCredentials { username: "admin".into(), password: SecretString::from(password) }
}

#[tokio::test]
async fn per_customer_keychain_entries_move_into_the_vault_and_are_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("console.db");
    let keychain = mock_keychain();
    let vault = Vault::with_store("mssp-console-test", keychain.clone());
    let store = Store::open(&db).unwrap();
    let (a, b) = (legacy_customer(&store, "Acme", 1), legacy_customer(&store, "Globex", 2));
    vault.legacy_put(a, &creds("acme-legacy-pass")).unwrap();
    vault.legacy_put(b, &creds("globex-legacy-pass")).unwrap();

    // A start that stopped half-way: Acme sealed, its keychain entry not yet deleted.
    let sealed = vault
        .seal(
            a,
            &mssp_core::vault::Secrets { credentials: creds("acme-legacy-pass"), link_key: None },
        )
        .unwrap();
    store.write(|tx| secrets::put(tx, a, &sealed)).unwrap();
    assert!(store.read(|c| settings::get(c, "vault_migrated")).unwrap().is_none());
    drop(store);

    let console = Console::with_parts(
        Store::open(&db).unwrap(),
        vault.clone(),
        fast_client(),
        Arc::new(SystemClock),
    )
    .unwrap();
    drop(console);
    let store = Store::open(&db).unwrap();
    for (id, pw) in [(a, "acme-legacy-pass"), (b, "globex-legacy-pass")] {
        let sealed = store.read(|c| secrets::get(c, id)).unwrap().expect("sealed");
        assert_eq!(vault.open(id, &sealed).unwrap().credentials.password.expose_secret(), pw);
        assert!(vault.legacy_get(id).unwrap().is_none(), "the old entry is gone");
    }
    assert_eq!(store.read(|c| settings::get(c, "vault_migrated")).unwrap().as_deref(), Some("1"));
}

#[tokio::test]
async fn a_copy_of_the_database_without_the_keychain_reveals_nothing() {
    let h = Harness::new().await;
    let password = format!("Distinctive-{}", uuid::Uuid::new_v4().simple());
    let acme = h.instance("Acme", &password).await;
    let c = h.console.add_customer(input_for(&acme, "Acme")).await.unwrap();
    h.console.sync_customer(c.id).await.unwrap();

    let copy = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(h.dir.path()).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        assert!(
            !bytes.windows(password.len()).any(|w| w == password.as_bytes()),
            "{}",
            path.display()
        );
        std::fs::write(copy.path().join(path.file_name().unwrap()), bytes).unwrap();
    }
    // Another computer: the same files, another keychain.
    let other = Vault::with_store("mssp-console-test", mock_keychain());
    let store = Store::open(&copy.path().join("console.db")).unwrap();
    let sealed =
        store.read(|conn| secrets::get(conn, c.id)).unwrap().expect("sealed secrets copied");
    let err = other.open(c.id, &sealed).unwrap_err();
    assert_eq!(err.code(), "keychain_unavailable");
    let console = Console::with_parts(store, other, fast_client(), Arc::new(SystemClock)).unwrap();
    console.sessions().login(ADMIN, ADMIN_PASSWORD).await.unwrap();
    let (_, status) = console.sync_customer(c.id).await.unwrap();
    assert_eq!(status.state, SyncState::Failed, "nothing to sign in with");
}

#[tokio::test]
async fn a_backup_moves_the_customers_to_a_new_computer() {
    let h = Harness::new().await;
    let acme = h.instance("Acme", "acme-admin-pass-1").await;
    let c = h.console.add_customer(input_for(&acme, "Acme")).await.unwrap();
    let passphrase = SecretString::from("correct horse battery staple");

    let err = h.console.export_backup(SecretString::from("short")).await.unwrap_err();
    assert!(err.fields().unwrap().contains_key("passphrase"));
    let backup = h.console.export_backup(passphrase.clone()).await.unwrap();
    assert!(backup.file_name.starts_with("mssp-console-backup-"));
    let backup = backup.bytes;
    let text = String::from_utf8_lossy(&backup);
    assert!(!text.contains("acme-admin-pass-1") && !text.contains("Acme"), "sealed: {text}");

    // A new laptop: a fresh data dir and keychain.
    let laptop = Harness::new().await;
    let err = laptop
        .console
        .import_backup(backup.clone(), SecretString::from("wrong passphrase!"))
        .await
        .unwrap_err();
    assert!(err.fields().unwrap().contains_key("passphrase"), "{err}");
    let report = laptop.console.import_backup(backup.clone(), passphrase.clone()).await.unwrap();
    assert_eq!(report.imported, ["Acme"]);
    assert_eq!(laptop.console.identity().mssp_id, h.console.identity().mssp_id, "stays linked");
    let restored = laptop.console.customer(c.id).unwrap().customer;
    assert_eq!(restored.endpoint, c.endpoint);
    assert_eq!(laptop.credentials(c.id).unwrap().password.expose_secret(), "acme-admin-pass-1");
    let (_, status) = laptop.console.sync_customer(c.id).await.unwrap();
    assert_eq!(status.state, SyncState::Success, "the link key came along: {:?}", status.reason);

    let again = laptop.console.import_backup(backup, passphrase).await.unwrap();
    assert!(again.imported.is_empty());
    assert_eq!(again.skipped[0].1, "already integrated here");
}
