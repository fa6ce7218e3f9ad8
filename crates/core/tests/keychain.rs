//! Customer credentials are never at rest unencrypted and their key lives only in the real
//! OS keychain: the SQLite files (database, WAL, shared memory) and the log output never
//! hold a password, the keychain holds one entry (the data key) however many customers
//! there are, and a copy of the database without the keychain opens nothing. Needs a Secret
//! Service, so it runs inside `make test`'s desktop session.

mod common;

use common::{Harness, input_for};
use mssp_core::vault::Vault;
use std::io::Write;
use std::sync::{Arc, Mutex};

/// Collects everything the tracing subscriber writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
#[ignore = "needs a desktop session with a Secret Service: run `make test`"]
async fn credentials_are_in_the_keychain_and_nowhere_else() {
    let logs = Captured::default();
    let writer = logs.clone();
    let _guard = tracing::subscriber::set_default(
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(move || writer.clone())
            .finish(),
    );
    let service = format!("mssp-console-test-{}", uuid::Uuid::new_v4());
    let h = Harness::with_vault(Vault::platform(service.clone())).await;
    let password = format!("Distinctive-{}", uuid::Uuid::new_v4().simple());
    let acme = h.instance("Acme", &password).await;

    let c = h.console.add_customer(input_for(&acme, "Acme")).await.unwrap();
    h.console.check_health().await.unwrap();

    // Sealed in the vault, opened with the data key from the Secret Service.
    let stored = h.credentials(c.id).expect("sealed credentials");
    assert_eq!(secrecy::ExposeSecret::expose_secret(&stored.password), password);
    let b = h.instance("Globex", "globex-admin-pass-1").await;
    h.console.add_customer(input_for(&b, "Globex")).await.unwrap();
    // Listing the service's entries needs the Secret Service's own tool; on Windows and macOS
    // (CI's matrix) the round trip above through the OS keychain is what is checked.
    if cfg!(target_os = "linux") {
        let found = std::process::Command::new("secret-tool")
            .args(["search", "--all", "--unlock", "service", &service])
            .output()
            .expect("secret-tool runs");
        let listing = String::from_utf8_lossy(&found.stdout);
        assert_eq!(
            listing.matches("[/").count(),
            1,
            "one keychain entry (the data key) for two customers: {listing}"
        );
        assert!(listing.contains("data-key"), "{listing}");
        assert!(!listing.contains(&password), "the keychain holds the key, not the password");
    }

    // Nowhere in the database files or the logs.
    let mut searched = 0;
    for entry in std::fs::read_dir(h.dir.path()).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        searched += 1;
        assert!(!contains(&bytes, password.as_bytes()), "password found in {}", path.display());
    }
    assert!(searched >= 2, "expected the database and its WAL, found {searched} files");
    let log = logs.0.lock().unwrap().clone();
    assert!(!log.is_empty(), "the log capture works");
    assert!(!contains(&log, password.as_bytes()), "password found in the log output");

    // Deleting the customer removes the keychain entry.
    h.console.delete_customer(c.id, common::ADMIN_PASSWORD).await.unwrap();
    assert!(h.credentials(c.id).is_none());
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
