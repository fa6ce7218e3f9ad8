//! The vault: customer admin credentials in the OS keychain (keyring 4: macOS Keychain,
//! Windows Credential Manager, Secret Service on Linux), one entry per customer under a
//! configurable service name, the customer's id as the account.
//!
//! Must never write a credential anywhere but the keychain, never log one, and never hand
//! one to anything but the customer-instance client. Every keychain failure becomes
//! `keychain_unavailable`, so callers save nothing.

use crate::error::{Error, Result};
use crate::model::{AdminCredentials, CustomerId};
use keyring_core::{CredentialStore, Entry};
use secrecy::{ExposeSecret, SecretString};
use std::sync::{Arc, Mutex};
use zeroize::Zeroizing;

/// Opens the platform's keychain. Separate from [`Vault`] so a keychain that is not there
/// at start (locked, no D-Bus session yet) is retried on the next use instead of never.
pub type StoreFactory = Arc<dyn Fn() -> Result<Arc<CredentialStore>> + Send + Sync>;

#[derive(Clone)]
pub struct Vault {
    service: String,
    factory: StoreFactory,
    store: Arc<Mutex<Option<Arc<CredentialStore>>>>,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault").field("service", &self.service).finish()
    }
}

impl Vault {
    /// The OS keychain.
    pub fn platform(service: impl Into<String>) -> Self {
        Self::with_factory(service, Arc::new(platform_store))
    }

    /// A given store, such as `keyring_core::mock::Store` in tests.
    pub fn with_store(service: impl Into<String>, store: Arc<CredentialStore>) -> Self {
        Self::with_factory(service, Arc::new(move || Ok(store.clone())))
    }

    pub fn with_factory(service: impl Into<String>, factory: StoreFactory) -> Self {
        Self { service: service.into(), factory, store: Arc::new(Mutex::new(None)) }
    }

    pub fn service(&self) -> &str {
        &self.service
    }

    fn entry(&self, id: CustomerId) -> Result<Entry> {
        let store = {
            let mut slot = self.store.lock().unwrap_or_else(|e| e.into_inner());
            match slot.as_ref() {
                Some(store) => store.clone(),
                None => {
                    let store = (self.factory)()?;
                    *slot = Some(store.clone());
                    store
                }
            }
        };
        Entry::new_in_store(&store, &self.service, &id.to_string()).map_err(unavailable)
    }

    /// Stores (or replaces) a customer's credentials. Blocking: keychains are synchronous.
    pub fn put(&self, id: CustomerId, creds: &AdminCredentials) -> Result<()> {
        let secret = Zeroizing::new(
            serde_json::json!({
                "username": creds.username,
                "password": creds.password.expose_secret(),
            })
            .to_string(),
        );
        self.entry(id)?.set_password(&secret).map_err(unavailable)
    }

    /// A customer's credentials, or `None` when the keychain has no entry for it.
    pub fn get(&self, id: CustomerId) -> Result<Option<AdminCredentials>> {
        let secret = match self.entry(id)?.get_password() {
            Ok(secret) => Zeroizing::new(secret),
            Err(keyring_core::Error::NoEntry) => return Ok(None),
            Err(e) => return Err(unavailable(e)),
        };
        #[derive(serde::Deserialize)]
        struct Stored {
            username: String,
            password: SecretString,
        }
        let stored: Stored = serde_json::from_str(&secret).map_err(|_| {
            Error::KeychainUnavailable("the stored credential is not in the expected form".into())
        })?;
        Ok(Some(AdminCredentials { username: stored.username, password: stored.password }))
    }

    /// Removes a customer's credentials; removing what is not there is not an error.
    pub fn delete(&self, id: CustomerId) -> Result<()> {
        match self.entry(id)?.delete_credential() {
            Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
            Err(e) => Err(unavailable(e)),
        }
    }
}

fn unavailable(err: keyring_core::Error) -> Error {
    use keyring_core::Error as K;
    let why = match &err {
        K::NoDefaultStore => "no keychain is configured for this session".to_owned(),
        K::NoStorageAccess(e) => format!("the keychain is locked or refused access ({e})"),
        K::PlatformFailure(e) => format!("the keychain failed ({e})"),
        other => other.to_string(),
    };
    Error::KeychainUnavailable(why)
}

#[cfg(all(unix, not(target_os = "macos")))]
fn platform_store() -> Result<Arc<CredentialStore>> {
    zbus_secret_service_keyring_store::Store::new().map(|s| s as Arc<CredentialStore>).map_err(
        |e| {
            Error::KeychainUnavailable(format!(
                "no Secret Service on the D-Bus session bus ({e}); start GNOME Keyring or KWallet"
            ))
        },
    )
}

#[cfg(target_os = "macos")]
fn platform_store() -> Result<Arc<CredentialStore>> {
    apple_native_keyring_store::keychain::Store::new()
        .map(|s| s as Arc<CredentialStore>)
        .map_err(unavailable)
}

#[cfg(target_os = "windows")]
fn platform_store() -> Result<Arc<CredentialStore>> {
    windows_native_keyring_store::Store::new()
        .map(|s| s as Arc<CredentialStore>)
        .map_err(unavailable)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds(pw: &str) -> AdminCredentials {
        AdminCredentials { username: "admin".into(), password: SecretString::from(pw) }
    }

    fn mock_vault() -> Vault {
        let store: Arc<CredentialStore> = keyring_core::mock::Store::new().unwrap();
        Vault::with_store("mssp-console-unit", store)
    }

    #[test]
    fn put_get_replace_delete() {
        let vault = mock_vault();
        let id = CustomerId::new();
        assert!(vault.get(id).unwrap().is_none());
        vault.put(id, &creds("first-password")).unwrap();
        vault.put(id, &creds("second-password")).unwrap();
        let got = vault.get(id).unwrap().unwrap();
        assert_eq!(got.username, "admin");
        assert_eq!(got.password.expose_secret(), "second-password");
        vault.delete(id).unwrap();
        assert!(vault.get(id).unwrap().is_none());
        vault.delete(id).expect("deleting twice is fine");
    }

    #[test]
    fn a_missing_keychain_is_reported_not_ignored() {
        let vault = Vault::with_factory(
            "x",
            Arc::new(|| Err(Error::KeychainUnavailable("no Secret Service".into()))),
        );
        let err = vault.put(CustomerId::new(), &creds("p")).unwrap_err();
        assert_eq!(err.code(), "keychain_unavailable");
    }
}
