//! The encrypted backup that moves a console to a new computer: every customer with its
//! certificate trust and its secrets (admin credentials, link key), and this console's MSSP
//! identity (so the instances stay linked to it), sealed under a passphrase with Argon2id
//! and XChaCha20-Poly1305. Without the passphrase (or the old computer's keychain) a copy of
//! the data dir opens nothing, by design.
//!
//! Must never write a secret unencrypted, never accept a short passphrase, and never import
//! half a customer: each one is added whole (row and sealed secrets in one transaction) or
//! reported as skipped with the reason.

use crate::client::LinkKey;
use crate::client::identity::{from_b64, random};
use crate::codec::{parse_ts, ts};
use crate::context::{Context, blocking};
use crate::error::{Error, Result};
use crate::gate;
use crate::model::{AdminCredentials, ConnectionType, Customer, CustomerId, Endpoint};
use crate::store::{customers, secrets};
use crate::trust::Pin;
use crate::vault::Secrets;
use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use zeroize::Zeroizing;

pub const PASSPHRASE_MIN_CHARS: usize = 12;
const FORMAT: &str = "mssp-console-backup";
const VERSION: u32 = 1;
/// Argon2id at 64 MiB, 3 passes: slow enough that guessing a passphrase offline is costly.
const KDF_MEMORY_KIB: u32 = 64 * 1024;
const KDF_ITERATIONS: u32 = 3;

/// An exported backup and the file name to save it under.
#[derive(Clone)]
pub struct Backup {
    pub file_name: String,
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for Backup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Backup({}, {} bytes)", self.file_name, self.bytes.len())
    }
}

/// What the import did, customer by customer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub imported: Vec<String>,
    /// (customer name, why it was skipped).
    pub skipped: Vec<(String, String)>,
}

#[derive(Serialize, Deserialize)]
struct Envelope {
    format: String,
    version: u32,
    kdf: Kdf,
    nonce: String,
    ciphertext: String,
}

#[derive(Serialize, Deserialize, Clone)]
struct Kdf {
    algorithm: String,
    memory_kib: u32,
    iterations: u32,
    parallelism: u32,
    salt: String,
}

#[derive(Serialize, Deserialize)]
struct Contents {
    mssp_id: Uuid,
    mssp_name: String,
    customers: Vec<Entry>,
}

#[derive(Serialize, Deserialize)]
struct Entry {
    id: Uuid,
    name: String,
    email: String,
    server: String,
    port: u16,
    connection_type: String,
    instance_id: Uuid,
    build: u32,
    pin_kind: Option<String>,
    pin: Option<String>,
    cleartext: bool,
    created_at: String,
    updated_at: String,
    username: String,
    password: String,
    link_key: Option<String>,
}

fn check_passphrase(passphrase: &str) -> Result<()> {
    if passphrase.chars().count() < PASSPHRASE_MIN_CHARS {
        return Err(Error::field(
            "passphrase",
            format!("Use a passphrase of at least {PASSPHRASE_MIN_CHARS} characters."),
        ));
    }
    Ok(())
}

fn derive(passphrase: &str, kdf: &Kdf) -> Result<Zeroizing<[u8; 32]>> {
    let salt = STANDARD.decode(&kdf.salt).map_err(|_| not_a_backup())?;
    let params = Params::new(kdf.memory_kib, kdf.iterations, kdf.parallelism, Some(32))
        .map_err(|_| not_a_backup())?;
    let mut key = Zeroizing::new([0u8; 32]);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(passphrase.as_bytes(), &salt, key.as_mut_slice())
        .map_err(|e| Error::Internal(format!("deriving the backup key: {e}")))?;
    Ok(key)
}

fn cipher(key: &[u8; 32]) -> Result<XChaCha20Poly1305> {
    XChaCha20Poly1305::new_from_slice(key).map_err(|_| Error::Internal("backup key".into()))
}

fn not_a_backup() -> Error {
    Error::field("backup", "This file is not an MSSP Console backup, or it is damaged.")
}

/// Every customer, its trust and secrets, and this console's identity, sealed under
/// `passphrase`. Blocking work (Argon2, the keychain) runs off the async threads.
pub(crate) async fn export(ctx: &Context, passphrase: SecretString) -> Result<Backup> {
    check_passphrase(passphrase.expose_secret())?;
    let mut entries = Vec::new();
    for c in ctx.store.read(customers::list)? {
        let Some(s) = gate::secrets(ctx, c.id).await? else { continue };
        entries.push(entry(c, s));
    }
    let identity = ctx.identity();
    let contents =
        Contents { mssp_id: identity.mssp_id, mssp_name: identity.mssp_name, customers: entries };
    let bytes = blocking(move || seal(&contents, passphrase.expose_secret())).await?;
    Ok(Backup { file_name: format!("mssp-console-backup-{}.json", ctx.now().date()), bytes })
}

fn entry(c: Customer, s: Secrets) -> Entry {
    Entry {
        id: c.id.0,
        name: c.name,
        email: c.email,
        server: c.endpoint.server,
        port: c.endpoint.port,
        connection_type: c.endpoint.connection.as_str().to_owned(),
        instance_id: c.instance_id,
        build: c.build,
        pin_kind: c.pin.as_ref().map(|p| p.kind().to_owned()),
        pin: c.pin.as_ref().map(Pin::value),
        cleartext: c.cleartext,
        created_at: ts(c.created_at),
        updated_at: ts(c.updated_at),
        username: s.credentials.username,
        password: s.credentials.password.expose_secret().to_owned(),
        link_key: s.link_key.map(|k| k.to_wire().to_string()),
    }
}

fn seal(contents: &Contents, passphrase: &str) -> Result<Vec<u8>> {
    let mut salt = [0u8; 16];
    random(&mut salt)?;
    let kdf = Kdf {
        algorithm: "argon2id".into(),
        memory_kib: KDF_MEMORY_KIB,
        iterations: KDF_ITERATIONS,
        parallelism: 1,
        salt: STANDARD.encode(salt),
    };
    let key = derive(passphrase, &kdf)?;
    let plain =
        Zeroizing::new(serde_json::to_vec(contents).map_err(|e| Error::Internal(e.to_string()))?);
    let mut nonce = [0u8; 24];
    random(&mut nonce)?;
    let sealed = cipher(&key)?
        .encrypt(&XNonce::from(nonce), Payload { msg: &plain, aad: FORMAT.as_bytes() })
        .map_err(|_| Error::Internal("sealing the backup failed".into()))?;
    let envelope = Envelope {
        format: FORMAT.into(),
        version: VERSION,
        kdf,
        nonce: STANDARD.encode(nonce),
        ciphertext: STANDARD.encode(sealed),
    };
    serde_json::to_vec_pretty(&envelope).map_err(|e| Error::Internal(e.to_string()))
}

fn open(bytes: &[u8], passphrase: &str) -> Result<Contents> {
    let envelope: Envelope = serde_json::from_slice(bytes).map_err(|_| not_a_backup())?;
    if envelope.format != FORMAT
        || envelope.version != VERSION
        || envelope.kdf.algorithm != "argon2id"
    {
        return Err(not_a_backup());
    }
    // A hostile file must not make the console allocate gigabytes for Argon2.
    if envelope.kdf.memory_kib > 1024 * 1024
        || envelope.kdf.iterations > 16
        || envelope.kdf.parallelism > 8
    {
        return Err(not_a_backup());
    }
    let key = derive(passphrase, &envelope.kdf)?;
    let nonce = STANDARD.decode(&envelope.nonce).map_err(|_| not_a_backup())?;
    let nonce = XNonce::try_from(nonce.as_slice()).map_err(|_| not_a_backup())?;
    let sealed = STANDARD.decode(&envelope.ciphertext).map_err(|_| not_a_backup())?;
    let plain = Zeroizing::new(
        cipher(&key)?.decrypt(&nonce, Payload { msg: &sealed, aad: FORMAT.as_bytes() }).map_err(
            |_| {
                Error::field(
                    "passphrase",
                    "The passphrase is not the one this backup was made with.",
                )
            },
        )?,
    );
    serde_json::from_slice(&plain).map_err(|_| not_a_backup())
}

/// Restores a backup: customers this console does not have yet are added with their trust
/// and secrets (sealed under this computer's keychain key); ones it has are skipped. On a
/// console with no customers the backup's MSSP identity is taken on, so the instances stay
/// linked; a console that already manages customers under another identity refuses.
pub(crate) async fn import(
    ctx: &Context,
    bytes: Vec<u8>,
    passphrase: SecretString,
) -> Result<ImportReport> {
    let contents = blocking(move || open(&bytes, passphrase.expose_secret())).await?;
    let existing = ctx.store.read(customers::list)?;
    if contents.mssp_id != ctx.identity().mssp_id {
        if !existing.is_empty() {
            return Err(Error::field(
                "backup",
                "This backup belongs to another MSSP Console, and this one already manages customers. Restore it on a console without customers.",
            ));
        }
        ctx.adopt_identity(contents.mssp_id, &contents.mssp_name)?;
    }
    let mut report = ImportReport::default();
    for e in contents.customers {
        let name = e.name.clone();
        match restore(ctx, e, &existing).await {
            Ok(()) => report.imported.push(name),
            Err(why) => report.skipped.push((name, why)),
        }
    }
    Ok(report)
}

async fn restore(
    ctx: &Context,
    e: Entry,
    existing: &[Customer],
) -> std::result::Result<(), String> {
    if existing.iter().any(|c| c.id.0 == e.id || c.instance_id == e.instance_id) {
        return Err("already integrated here".into());
    }
    let pin = match (&e.pin_kind, &e.pin) {
        (Some(kind), Some(value)) => {
            Some(Pin::from_stored(kind, value).ok_or("its certificate trust is damaged")?)
        }
        _ => None,
    };
    let link_key = match &e.link_key {
        Some(text) => Some(
            from_b64(text)
                .and_then(|b| LinkKey::from_bytes(&b))
                .ok_or("its link key is damaged")?,
        ),
        None => None,
    };
    let customer = Customer {
        id: CustomerId(e.id),
        name: e.name,
        email: e.email,
        endpoint: Endpoint {
            connection: ConnectionType::from_input(&e.connection_type)
                .ok_or("its connection type is damaged")?,
            server: e.server,
            port: e.port,
        },
        instance_id: e.instance_id,
        build: e.build,
        pin,
        cleartext: e.cleartext,
        created_at: parse_ts(&e.created_at).map_err(|_| "its dates are damaged")?,
        updated_at: parse_ts(&e.updated_at).map_err(|_| "its dates are damaged")?,
    };
    let credentials =
        AdminCredentials { username: e.username, password: SecretString::from(e.password) };
    let sealed = gate::seal(ctx, customer.id, Secrets { credentials, link_key })
        .await
        .map_err(|e| e.to_string())?;
    ctx.store
        .write(|tx| {
            customers::insert(tx, &customer)?;
            secrets::put(tx, customer.id, &sealed)
        })
        .map_err(|e| match e.fields() {
            Some(fields) => fields.values().next().cloned().unwrap_or_else(|| e.to_string()),
            None => e.to_string(),
        })
}
