//! The local channel: `mssp-admin` beside a running console logs in over the data dir's
//! socket and its requests run in that console as the technician it logged in as, never as
//! the window's session; a second process on the data dir finds the console running.

#![cfg(unix)]

#[path = "../../core/tests/common/mod.rs"]
mod common;

use common::{ADMIN, ADMIN_PASSWORD, fast_client};
use log360_sim::{InstanceSpec, Sim};
use mssp_core::store::Store;
use mssp_core::validate::TechnicianInput;
use mssp_core::vault::Vault;
use mssp_core::{Console, ConsoleConfig, Error, SystemClock};
use mssp_local::{CustomerForm, Focus, Link, LocalClient, Request};
use secrecy::SecretString;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::io::AsyncWriteExt;

async fn served_console() -> (Arc<Console>, tempfile::TempDir, Arc<AtomicUsize>) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("console.db")).unwrap();
    let keys: Arc<keyring_core::CredentialStore> = keyring_core::mock::Store::new().unwrap();
    let vault = Vault::with_store("mssp-console-test", keys);
    let console =
        Arc::new(Console::with_parts(store, vault, fast_client(), Arc::new(SystemClock)).unwrap());
    let focused = Arc::new(AtomicUsize::new(0));
    let counter = focused.clone();
    let focus: Focus = Arc::new(move || {
        counter.fetch_add(1, Ordering::SeqCst);
    });
    mssp_local::serve(console.clone(), dir.path(), focus).await.unwrap();
    (console, dir, focused)
}

fn login(username: &str, password: &str) -> Request {
    Request::Login { username: username.into(), password: SecretString::from(password.to_owned()) }
}

#[tokio::test]
async fn a_script_works_in_the_running_console_as_the_technician_it_logged_in_as() {
    let (console, dir, focused) = served_console().await;
    let mut script = LocalClient::connect(dir.path()).await.unwrap();
    let mut events = console.subscribe();

    // First run over the channel: the administrator is created and the caller is it, while
    // the window stays at its login screen.
    script
        .call(&Request::CreateAdmin {
            username: ADMIN.into(),
            password: SecretString::from(ADMIN_PASSWORD.to_owned()),
        })
        .await
        .unwrap();
    assert!(console.sessions().current().is_none(), "the window did not get the script's session");
    let told = std::iter::from_fn(|| events.try_recv().ok());
    assert!(
        told.into_iter().any(|e| e == mssp_core::ConsoleEvent::SetUpElsewhere),
        "a window at first-run setup is told to show the login screen"
    );

    let sim = Sim::new();
    let mut spec = InstanceSpec::new("Acme");
    spec.password = "acme-admin-pass-1".into();
    let acme = sim.add_instance(spec).await.unwrap();
    let added = script
        .call(&Request::AddCustomer {
            input: CustomerForm {
                name: "Acme".into(),
                email: "soc@acme.example.com".into(),
                server: "127.0.0.1".into(),
                port: acme.port.to_string(),
                connection_type: if acme.tls { "HTTPS" } else { "HTTP" }.into(),
                username: acme.username.clone(),
                password: SecretString::from(acme.password.clone()),
                allow_cleartext: !acme.tls,
                trust: None,
            },
        })
        .await
        .unwrap();
    let id = serde_json::from_value(added["id"].clone()).unwrap();
    let synced = script.call(&Request::SyncCustomer { id }).await.unwrap();
    assert_eq!(synced["status"], "Data Collection Successful");

    // The window logs in as an operator who sees one customer; the script still acts as the
    // administrator, and the window's operator still sees only hers.
    console.sessions().login(ADMIN, ADMIN_PASSWORD).await.unwrap();
    let mut spec = InstanceSpec::new("Globex");
    spec.password = "globex-admin-pass-1".into();
    let globex = sim.add_instance(spec).await.unwrap();
    let globex = console.add_customer(common::input_for(&globex, "Globex")).await.unwrap();
    console
        .add_technician(TechnicianInput {
            username: "olga".into(),
            email: "olga@mssp.example.com".into(),
            role: "operator".into(),
            all_customers: false,
            customer_ids: vec![globex.id.to_string()],
            tag_ids: vec![],
            password: SecretString::from("olga password 1"),
        })
        .await
        .unwrap();
    console.sessions().logout();
    console.sessions().login("olga", "olga password 1").await.unwrap();
    let listed = script.call(&Request::ListCustomers { query: Default::default() }).await.unwrap();
    assert_eq!(
        listed["customers"].as_array().unwrap().len(),
        2,
        "the script sees as the administrator: {listed}"
    );
    assert_eq!(console.list_customers().unwrap().len(), 1, "the window sees as olga");

    // A second connection has logged in as nobody yet: nothing runs for it.
    let mut stranger = LocalClient::connect(dir.path()).await.unwrap();
    let err =
        stranger.call(&Request::ListCustomers { query: Default::default() }).await.unwrap_err();
    assert_eq!(err.code(), "locked");
    let err = stranger.call(&login(ADMIN, "wrong password")).await.unwrap_err();
    assert_eq!(err.code(), "auth_failed");
    // Logged in as olga, the channel sees what olga sees.
    stranger.call(&login("olga", "olga password 1")).await.unwrap();
    let seen = stranger.call(&Request::ListCustomers { query: Default::default() }).await.unwrap();
    assert_eq!(seen["customers"].as_array().unwrap().len(), 1);
    assert_eq!(seen["customers"][0]["name"], "Globex");

    // A second launch asks the window forward; no login needed for that.
    LocalClient::connect(dir.path()).await.unwrap().call(&Request::Focus).await.unwrap();
    assert_eq!(focused.load(Ordering::SeqCst), 1);

    // The audit says where the logins came from.
    console.sessions().logout();
    console.sessions().login(ADMIN, ADMIN_PASSWORD).await.unwrap();
    let audit = console.audit_log(200).unwrap();
    assert!(
        audit.iter().any(|e| e.actor == "olga" && e.reason.as_deref() == Some("mssp-admin")),
        "login over the channel audited as such"
    );
}

#[tokio::test]
async fn the_socket_is_the_users_alone_and_a_bad_line_hurts_no_one_else() {
    use std::os::unix::fs::PermissionsExt;
    let (_console, dir, _) = served_console().await;
    let socket = dir.path().join("console.sock");
    let mode = std::fs::metadata(&socket).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "only the user may connect");

    // A connection that sends a megabyte with no end of line and goes away takes nothing
    // down: the connections beside it are answered.
    let mut garbage = LocalClient::connect(dir.path()).await.unwrap();
    let mut raw = tokio::net::UnixStream::connect(&socket).await.unwrap();
    let _ = raw.write_all(&vec![b'x'; 1024 * 1024]).await;
    drop(raw);
    let line: Request = serde_json::from_str(r#"{"op":"focus"}"#).unwrap();
    garbage.call(&line).await.unwrap();
    let mut other = LocalClient::connect(dir.path()).await.unwrap();
    let err = other.call(&login("nobody", "nothing at all")).await.unwrap_err();
    assert_eq!(err.code(), "setup_required");
}

#[tokio::test]
async fn a_second_process_on_the_data_dir_finds_the_console_running() {
    let dir = tempfile::tempdir().unwrap();
    let config = ConsoleConfig {
        data_dir: dir.path().to_owned(),
        keychain_service: format!("mssp-console-test-{}", uuid::Uuid::new_v4()),
    };
    let first = Arc::new(Console::open(&config).unwrap());
    let err = Console::open(&config).err().expect("one console per data dir");
    assert!(matches!(err, Error::AlreadyRunning(_)), "{err}");
    assert_eq!(err.code(), "already_running");

    mssp_local::serve(first.clone(), dir.path(), Arc::new(|| {})).await.unwrap();
    let link = Link::open(&config).await.unwrap();
    assert!(link.is_running_console(), "mssp-admin goes through the running console");
    drop(link);

    // Once the console ends, the next process opens the data dir itself.
    drop(first);
    let link = Link::open(&config).await.unwrap();
    assert!(!link.is_running_console());
}
