//! Shared set-up for the core's integration tests: a console on a temp database with an
//! in-memory keychain (or the real one), logged in, and a `log360-sim` on loopback.

#![allow(dead_code)]

use log360_sim::{InstanceInfo, InstanceSpec, Sim};
use mssp_core::client::{ClientConfig, InstanceClient};
use mssp_core::model::{AdminCredentials, CustomerId};
use mssp_core::store::Store;
use mssp_core::validate::CustomerInput;
use mssp_core::vault::Vault;
use mssp_core::{Console, SystemClock};
use secrecy::SecretString;
use std::sync::Arc;
use std::time::Duration;

pub const ADMIN: &str = "mssp-admin";
pub const ADMIN_PASSWORD: &str = "correct horse battery";

/// Short timeouts so the hang tests finish quickly; still far above loopback latency.
pub fn fast_client() -> InstanceClient {
    InstanceClient::new(ClientConfig {
        connect_timeout: Duration::from_secs(2),
        total_timeout: Duration::from_secs(3),
        ..ClientConfig::default()
    })
    .unwrap()
}

pub struct Harness {
    pub console: Console,
    pub sim: Sim,
    pub vault: Vault,
    pub dir: tempfile::TempDir,
}

impl Harness {
    pub async fn new() -> Self {
        let store: Arc<keyring_core::CredentialStore> = keyring_core::mock::Store::new().unwrap();
        Self::with_vault(Vault::with_store("mssp-console-test", store)).await
    }

    pub async fn with_vault(vault: Vault) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("console.db")).unwrap();
        let console =
            Console::with_parts(store, vault.clone(), fast_client(), Arc::new(SystemClock))
                .unwrap();
        console.sessions().create_admin(ADMIN, ADMIN_PASSWORD, ADMIN_PASSWORD).await.unwrap();
        Self { console, sim: Sim::new(), vault, dir }
    }

    /// A customer's credentials as the vault keeps them (sealed in the database, opened with
    /// the keychain's data key); None when none are stored.
    pub fn credentials(&self, id: CustomerId) -> Option<AdminCredentials> {
        let store = Store::open(&self.dir.path().join("console.db")).unwrap();
        let sealed = store.read(|c| mssp_core::store::secrets::get(c, id)).unwrap()?;
        Some(self.vault.open(id, &sealed).unwrap().credentials)
    }

    pub async fn instance(&self, name: &str, password: &str) -> InstanceInfo {
        let mut spec = InstanceSpec::new(name);
        spec.password = password.into();
        self.sim.add_instance(spec).await.unwrap()
    }
}

pub fn input_for(info: &InstanceInfo, name: &str) -> CustomerInput {
    CustomerInput {
        name: name.into(),
        email: "soc@customer.example.com".into(),
        server: "127.0.0.1".into(),
        port: info.port.to_string(),
        connection_type: if info.tls { "HTTPS" } else { "HTTP" }.into(),
        username: info.username.clone(),
        password: SecretString::from(info.password.clone()),
        allow_cleartext: !info.tls,
        trust: None,
    }
}
