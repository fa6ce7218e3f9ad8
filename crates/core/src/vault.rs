//! The vault: customer secrets (admin credentials, link key) sealed under one data key that
//! lives only in the OS keychain (keyring 4: macOS Keychain, Windows Credential Manager,
//! Secret Service on Linux). Sealed secrets are stored in SQLite next to the customer, in
//! the same transaction, with XChaCha20-Poly1305, a fresh nonce per write and the
//! customer's id as associated data (a sealed blob copied to another customer does not
//! open). The keychain holds one entry, whatever the number of customers.
//!
//! Must never write a secret or the data key anywhere but the keychain (sealed blobs
//! excepted), never log one, and never hand one to anything but the customer-instance
//! client. Every keychain failure becomes `keychain_unavailable`, so callers save nothing.

use crate::client::LinkKey;
use crate::client::identity::random;
use crate::error::{Error, Result};
use crate::locks::lock;
use crate::model::{AdminCredentials, CustomerId};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use keyring_core::{CredentialStore, Entry};
use secrecy::{ExposeSecret, SecretString};
use std::sync::{Arc, Mutex};
use zeroize::Zeroizing;

/// Opens the platform's keychain. Separate from [`Vault`] so a keychain that is not there
/// at start (locked, no D-Bus session yet) is retried on the next use instead of never.
pub type StoreFactory = Arc<dyn Fn() -> Result<Arc<CredentialStore>> + Send + Sync>;

/// The keychain account under the vault's service that holds the data key.
pub const DATA_KEY_ACCOUNT: &str = "data-key";
/// Format of a sealed blob: a version byte, so the format can change without guessing.
const SEALED_V1: u8 = 1;

/// What the vault keeps for one customer.
#[derive(Clone)]
pub struct Secrets {
    pub credentials: AdminCredentials,
    /// Given to the instance at link time; None for customers linked before keys existed.
    pub link_key: Option<LinkKey>,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Secrets").field("credentials", &self.credentials).finish_non_exhaustive()
    }
}

/// A customer's secrets as stored: version ‖ 24-byte nonce ‖ ciphertext with its tag.
#[derive(Clone, PartialEq, Eq)]
pub struct Sealed(pub Vec<u8>);

impl std::fmt::Debug for Sealed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Sealed({} bytes)", self.0.len())
    }
}

#[derive(serde::Deserialize)]
struct Plain {
    username: String,
    password: SecretString,
    #[serde(default)]
    link_key: Option<String>,
}

type DataKey = Arc<Zeroizing<[u8; 32]>>;

#[derive(Clone)]
pub struct Vault {
    service: String,
    factory: StoreFactory,
    store: Arc<Mutex<Option<Arc<CredentialStore>>>>,
    /// The data key once read from the keychain; wiped when the last vault clone goes.
    key: Arc<Mutex<Option<DataKey>>>,
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
        Self {
            service: service.into(),
            factory,
            store: Arc::new(Mutex::new(None)),
            key: Arc::new(Mutex::new(None)),
        }
    }

    pub fn service(&self) -> &str {
        &self.service
    }

    fn entry(&self, account: &str) -> Result<Entry> {
        let store = {
            let mut slot = lock(&self.store);
            match slot.as_ref() {
                Some(store) => store.clone(),
                None => {
                    let store = (self.factory)()?;
                    *slot = Some(store.clone());
                    store
                }
            }
        };
        Entry::new_in_store(&store, &self.service, account).map_err(unavailable)
    }

    /// The data key: read from the keychain on first use (created there on the very first),
    /// then kept in memory. Blocking: call it off the async threads.
    fn data_key(&self) -> Result<DataKey> {
        let mut slot = lock(&self.key);
        if let Some(key) = slot.as_ref() {
            return Ok(key.clone());
        }
        let entry = self.entry(DATA_KEY_ACCOUNT)?;
        let key = match entry.get_password() {
            Ok(text) => decode_key(&Zeroizing::new(text))?,
            Err(keyring_core::Error::NoEntry) => {
                let mut key = Zeroizing::new([0u8; 32]);
                random(key.as_mut_slice())?;
                let text = Zeroizing::new(STANDARD.encode(key.as_slice()));
                entry.set_password(&text).map_err(unavailable)?;
                key
            }
            Err(e) => return Err(unavailable(e)),
        };
        let key = Arc::new(key);
        *slot = Some(key.clone());
        Ok(key)
    }

    /// A key for one purpose (the audit chain), derived from the data key with HMAC-SHA256
    /// so the keychain keeps one entry. Blocking on first use (keychain).
    pub fn derived_key(&self, purpose: &str) -> Result<Zeroizing<[u8; 32]>> {
        Ok(derive(&self.data_key()?, purpose))
    }

    /// [`Vault::derived_key`] without ever waiting for the keychain: `None` until the data
    /// key has been read by something that may wait.
    pub fn derived_key_if_open(&self, purpose: &str) -> Option<Zeroizing<[u8; 32]>> {
        lock(&self.key).as_ref().map(|key| derive(key, purpose))
    }

    /// Reads the data key now, so a locked keychain is found before anything else is done.
    pub fn unlock(&self) -> Result<()> {
        self.data_key().map(|_| ())
    }

    /// Seals a customer's secrets for the store. Blocking on first use (keychain).
    pub fn seal(&self, id: CustomerId, secrets: &Secrets) -> Result<Sealed> {
        let key = self.data_key()?;
        let plain = Plain {
            username: secrets.credentials.username.clone(),
            password: secrets.credentials.password.clone(),
            link_key: secrets.link_key.as_ref().map(|k| k.to_wire().to_string()),
        };
        let json = Zeroizing::new(
            serde_json::to_vec(&PlainRef(&plain)).map_err(|e| Error::Internal(e.to_string()))?,
        );
        seal_bytes(&key, &json, id.to_string().as_bytes())
    }

    /// Seals another secret of the console's (an alert channel's SMTP password or webhook
    /// signing key) under the same data key; `label` binds it to its owner, as a customer's
    /// id binds its credentials. Blocking on first use (keychain).
    pub fn seal_secret(&self, label: &str, secret: &SecretString) -> Result<Sealed> {
        let key = self.data_key()?;
        seal_bytes(&key, secret.expose_secret().as_bytes(), label.as_bytes())
    }

    /// Opens what [`Vault::seal_secret`] sealed under `label`.
    pub fn open_secret(&self, label: &str, sealed: &Sealed) -> Result<SecretString> {
        let key = self.data_key()?;
        let plain = open_bytes(&key, sealed, label.as_bytes())?;
        let text = String::from_utf8(plain.to_vec()).map_err(|_| damaged())?;
        Ok(SecretString::from(text))
    }

    /// Opens what [`Vault::seal`] sealed for this customer. A blob that does not open (another
    /// console's data key, another customer's blob, tampering) is `keychain_unavailable`:
    /// the secrets cannot be read here, and nothing is to be saved on top of them.
    pub fn open(&self, id: CustomerId, sealed: &Sealed) -> Result<Secrets> {
        let key = self.data_key()?;
        let json = open_bytes(&key, sealed, id.to_string().as_bytes())?;
        let plain: Plain = serde_json::from_slice(&json).map_err(|_| damaged())?;
        let link_key = match plain.link_key {
            Some(text) => Some(
                crate::client::identity::from_b64(&text)
                    .and_then(|b| LinkKey::from_bytes(&b))
                    .ok_or_else(damaged)?,
            ),
            None => None,
        };
        Ok(Secrets {
            credentials: AdminCredentials { username: plain.username, password: plain.password },
            link_key,
        })
    }

    /// A credential the console kept in the keychain per customer before the envelope vault
    /// (account = the customer's id), for the migration. `None` when there is none.
    pub fn legacy_get(&self, id: CustomerId) -> Result<Option<AdminCredentials>> {
        let secret = match self.entry(&id.to_string())?.get_password() {
            Ok(secret) => Zeroizing::new(secret),
            Err(keyring_core::Error::NoEntry) => return Ok(None),
            Err(e) => return Err(unavailable(e)),
        };
        let stored: Plain = serde_json::from_str(&secret).map_err(|_| {
            Error::KeychainUnavailable("a stored credential is not in the expected form".into())
        })?;
        Ok(Some(AdminCredentials { username: stored.username, password: stored.password }))
    }

    /// Removes a per-customer keychain entry of the old layout; what is not there is fine.
    pub fn legacy_delete(&self, id: CustomerId) -> Result<()> {
        match self.entry(&id.to_string())?.delete_credential() {
            Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
            Err(e) => Err(unavailable(e)),
        }
    }

    /// Writes a per-customer entry of the old layout: only to test the migration.
    #[doc(hidden)]
    pub fn legacy_put(&self, id: CustomerId, creds: &AdminCredentials) -> Result<()> {
        let plain = Plain {
            username: creds.username.clone(),
            password: creds.password.clone(),
            link_key: None,
        };
        let text = Zeroizing::new(
            serde_json::to_string(&PlainRef(&plain)).map_err(|e| Error::Internal(e.to_string()))?,
        );
        self.entry(&id.to_string())?.set_password(&text).map_err(unavailable)
    }
}

/// Serializes a [`Plain`] with its password exposed: only into zeroized buffers.
struct PlainRef<'a>(&'a Plain);

impl serde::Serialize for PlainRef<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Plain", 3)?;
        st.serialize_field("username", &self.0.username)?;
        st.serialize_field("password", self.0.password.expose_secret())?;
        st.serialize_field("link_key", &self.0.link_key)?;
        st.end()
    }
}

fn cipher(key: &[u8; 32]) -> Result<XChaCha20Poly1305> {
    XChaCha20Poly1305::new_from_slice(key)
        .map_err(|_| Error::Internal("the data key has the wrong length".into()))
}

fn decode_key(text: &str) -> Result<Zeroizing<[u8; 32]>> {
    let bytes = Zeroizing::new(STANDARD.decode(text.trim()).map_err(|_| bad_key())?);
    let mut key = Zeroizing::new([0u8; 32]);
    if bytes.len() != 32 {
        return Err(bad_key());
    }
    key.copy_from_slice(&bytes);
    Ok(key)
}

fn bad_key() -> Error {
    Error::KeychainUnavailable("the console's data key in the keychain is damaged".into())
}

fn damaged() -> Error {
    Error::KeychainUnavailable(
        "the stored credentials cannot be opened with this computer's keychain key (restore a backup or enter them again with Edit)".into(),
    )
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

/// `SEALED_V1`, a fresh 24-byte nonce, then XChaCha20-Poly1305 of `plain` with `aad`.
fn seal_bytes(key: &DataKey, plain: &[u8], aad: &[u8]) -> Result<Sealed> {
    let mut nonce = [0u8; 24];
    random(&mut nonce)?;
    let sealed = cipher(key)?
        .encrypt(&XNonce::from(nonce), Payload { msg: plain, aad })
        .map_err(|_| Error::Internal("sealing a secret failed".into()))?;
    let mut out = Vec::with_capacity(1 + nonce.len() + sealed.len());
    out.push(SEALED_V1);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&sealed);
    Ok(Sealed(out))
}

/// Opens what [`seal_bytes`] sealed; anything that does not open is "damaged".
fn open_bytes(key: &DataKey, sealed: &Sealed, aad: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    let bytes = &sealed.0;
    if bytes.len() < 1 + 24 + 16 || bytes[0] != SEALED_V1 {
        return Err(damaged());
    }
    let (nonce, body) = bytes[1..].split_at(24);
    let nonce = XNonce::try_from(nonce).map_err(|_| damaged())?;
    let plain = cipher(key)?.decrypt(&nonce, Payload { msg: body, aad }).map_err(|_| damaged())?;
    Ok(Zeroizing::new(plain))
}

fn derive(key: &DataKey, purpose: &str) -> Zeroizing<[u8; 32]> {
    use hmac::{KeyInit, Mac};
    let mut mac =
        hmac::Hmac::<sha2::Sha256>::new_from_slice(key.as_slice()).expect("any key length");
    mac.update(b"mssp-console derived key: ");
    mac.update(purpose.as_bytes());
    let mut out = Zeroizing::new([0u8; 32]);
    out.copy_from_slice(&mac.finalize().into_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secrets(pw: &str) -> Secrets {
        Secrets {
            credentials: AdminCredentials {
                username: "admin".into(),
                password: SecretString::from(pw),
            },
            link_key: Some(LinkKey::generate().unwrap()),
        }
    }

    fn mock_vault() -> Vault {
        let store: Arc<CredentialStore> = keyring_core::mock::Store::new().unwrap();
        Vault::with_store("mssp-console-unit", store)
    }

    #[test]
    fn sealed_secrets_open_only_for_their_customer_and_key() {
        let vault = mock_vault();
        let (a, b) = (CustomerId::new(), CustomerId::new());
        let s = secrets("first-password");
        let sealed = vault.seal(a, &s).unwrap();
        let opened = vault.open(a, &sealed).unwrap();
        assert_eq!(opened.credentials.password.expose_secret(), "first-password");
        assert_eq!(opened.link_key, s.link_key);
        assert!(!String::from_utf8_lossy(&sealed.0).contains("first-password"));
        assert_ne!(vault.seal(a, &s).unwrap(), sealed, "a fresh nonce per seal");
        assert_eq!(vault.open(b, &sealed).unwrap_err().code(), "keychain_unavailable", "AAD");
        let other = mock_vault();
        assert_eq!(other.open(a, &sealed).unwrap_err().code(), "keychain_unavailable");
        let mut tampered = sealed.clone();
        *tampered.0.last_mut().unwrap() ^= 1;
        assert!(vault.open(a, &tampered).is_err());
    }

    #[test]
    fn one_keychain_entry_however_many_customers() {
        let store: Arc<CredentialStore> = keyring_core::mock::Store::new().unwrap();
        let vault = Vault::with_store("svc", store.clone());
        for _ in 0..20 {
            vault.seal(CustomerId::new(), &secrets("p")).unwrap();
        }
        let again = Vault::with_store("svc", store);
        // A second vault on the same keychain reads the same key back.
        let id = CustomerId::new();
        let sealed = vault.seal(id, &secrets("shared")).unwrap();
        assert_eq!(again.open(id, &sealed).unwrap().credentials.password.expose_secret(), "shared");
    }

    #[test]
    fn a_missing_keychain_is_reported_not_ignored() {
        let vault = Vault::with_factory(
            "x",
            Arc::new(|| Err(Error::KeychainUnavailable("no Secret Service".into()))),
        );
        let err = vault.seal(CustomerId::new(), &secrets("p")).unwrap_err();
        assert_eq!(err.code(), "keychain_unavailable");
    }
}
