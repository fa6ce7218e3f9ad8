//! Certificates of HTTPS instances and the rustls server configs that present
//! them, generated in memory with rcgen:
//! - `shared-ca`: one process-wide throwaway CA and one leaf for `localhost`
//!   and `127.0.0.1` signed by it, generated on first use and shared (with one
//!   `ServerConfig`) by every default HTTPS instance, so 10,000 of them cost
//!   one key pair. An instance given certificate options, or a new certificate
//!   at run time, gets its own leaf signed by that same CA.
//! - `self-signed`: the instance's own key pair and a self-signed leaf whose
//!   basic constraints say it is not a CA, as a freshly installed Log360 has.
//! - `custom-ca`: a leaf signed by the instance's own CA (a customer's private
//!   CA), generated the first time it is needed and kept for the instance's
//!   life, so renewals chain to the same CA.
//!
//! Owns key generation, certificate contents and what each instance presents
//! ([`InstanceTls`]). It must never write keys to disk or load any from
//! outside: the material lives only in this process. The shared CA plus leaf
//! (rather than one self-signed leaf) is what lets a client trust every
//! shared-ca instance through one root (`GET /ca.pem`).

use std::io;
use std::sync::{Arc, Mutex, OnceLock, PoisonError, RwLock};

use rcgen::{
    BasicConstraints, Certificate, CertificateParams, CertifiedIssuer, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose, PublicKeyData, SerialNumber,
};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::crypto::CryptoProvider;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use crate::model::{CertChange, CertSpec, CertificateInfo, TlsMode};

/// Names a certificate carries unless told otherwise.
pub const DEFAULT_NAMES: [&str; 2] = ["localhost", "127.0.0.1"];
/// Leaf lifetime unless told otherwise.
pub const DEFAULT_VALID_DAYS: u32 = 365;
/// Bound on any validity option, so dates stay far inside what X.509 encodes.
const MAX_DAYS: i64 = 36_500;
/// Bound on SANs per certificate; a real server certificate has a handful.
const MAX_NAMES: usize = 100;
/// CAs outlive every leaf they sign in any test.
const CA_VALID_DAYS: i64 = 3650;

fn io_err(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(format!("TLS setup failed: {e}"))
}

fn invalid(msg: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg.into())
}

/// Whole seconds: X.509 times have no fractions, and `not_after` must report
/// exactly what the certificate says.
fn now() -> OffsetDateTime {
    let t = OffsetDateTime::now_utc();
    t.replace_nanosecond(0).unwrap_or(t)
}

fn days(n: i64) -> time::Duration {
    time::Duration::days(n)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// A random positive 16-byte serial. rcgen's default serial is derived from
/// the public key, which would make a same-key renewal reuse its serial.
fn random_serial() -> SerialNumber {
    let mut bytes: [u8; 16] = rand::random();
    bytes[0] = (bytes[0] & 0x7f) | 0x40;
    SerialNumber::from_slice(&bytes)
}

fn provider() -> Arc<CryptoProvider> {
    // Explicit provider: relying on the process default panics when more than
    // one rustls provider is compiled into the binary.
    static PROVIDER: OnceLock<Arc<CryptoProvider>> = OnceLock::new();
    PROVIDER
        .get_or_init(|| Arc::new(tokio_rustls::rustls::crypto::aws_lc_rs::default_provider()))
        .clone()
}

fn acceptor(chain: Vec<CertificateDer<'static>>, key: &KeyPair) -> io::Result<TlsAcceptor> {
    let mut config = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(io_err)?
        .with_no_client_auth()
        .with_single_cert(
            chain,
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
        .map_err(io_err)?;
    // The simulator speaks HTTP/1.1 only.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// A certificate authority: its certificate and the key that signs leaves.
pub struct Ca {
    issuer: CertifiedIssuer<'static, KeyPair>,
    pem: String,
}

impl Ca {
    fn generate(common_name: &str) -> io::Result<Ca> {
        let mut params = CertificateParams::new(Vec::<String>::new()).map_err(io_err)?;
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, common_name);
        params.distinguished_name = dn;
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let now = now();
        params.not_before = now - days(1);
        params.not_after = now + days(CA_VALID_DAYS);
        params.serial_number = Some(random_serial());
        let key = KeyPair::generate().map_err(io_err)?;
        let issuer = CertifiedIssuer::self_signed(params, key).map_err(io_err)?;
        let pem = issuer.pem();
        Ok(Ca { issuer, pem })
    }

    fn der(&self) -> &CertificateDer<'static> {
        self.issuer.der()
    }
}

/// What an HTTPS instance presents: certificate, chain, key and the rustls
/// config built from them. Immutable; a change builds a new one.
pub struct Identity {
    pub mode: TlsMode,
    pub acceptor: TlsAcceptor,
    pub info: CertificateInfo,
    key: Arc<KeyPair>,
    names: Vec<String>,
    common_name: String,
}

/// Everything that goes into a leaf besides its key and issuer.
struct LeafSpec {
    names: Vec<String>,
    common_name: String,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
}

impl LeafSpec {
    /// `spec` on top of the given names (the defaults at creation, the current
    /// certificate's on a change). Validity never inherits: every certificate
    /// is issued now.
    fn resolve(
        spec: &CertSpec,
        base_names: &[String],
        base_common_name: Option<&str>,
    ) -> io::Result<LeafSpec> {
        let names = spec.names.clone().unwrap_or_else(|| base_names.to_vec());
        if names.len() > MAX_NAMES {
            return Err(invalid(format!("at most {MAX_NAMES} names")));
        }
        if let Some(bad) = names.iter().find(|n| n.is_empty() || !n.is_ascii()) {
            return Err(invalid(format!("name {bad:?} is not a non-empty ASCII host name or IP")));
        }
        let common_name = match (&spec.common_name, &spec.names, base_common_name) {
            (Some(cn), _, _) => cn.clone(),
            (None, None, Some(base)) => base.to_owned(),
            _ => names.first().cloned().unwrap_or_else(|| DEFAULT_NAMES[0].to_owned()),
        };
        if common_name.is_empty() {
            return Err(invalid("common_name must not be empty"));
        }
        let (not_before, not_after) = validity(spec, now())?;
        Ok(LeafSpec { names, common_name, not_before, not_after })
    }
}

fn validity(spec: &CertSpec, now: OffsetDateTime) -> io::Result<(OffsetDateTime, OffsetDateTime)> {
    let asked = [spec.valid_days.is_some(), spec.expired, spec.expires_in_days.is_some()];
    if asked.iter().filter(|a| **a).count() > 1 {
        return Err(invalid("give at most one of valid_days, expired and expires_in_days"));
    }
    // notBefore a day back absorbs clock skew between the simulator and a client.
    let not_before = now - days(1);
    if spec.expired {
        return Ok((now - days(30), now - days(1)));
    }
    if let Some(n) = spec.expires_in_days {
        if !(-MAX_DAYS..=MAX_DAYS).contains(&n) {
            return Err(invalid(format!("expires_in_days must be within ±{MAX_DAYS}")));
        }
        let not_after = now + days(n);
        let not_before = if not_after > not_before { not_before } else { not_after - days(30) };
        return Ok((not_before, not_after));
    }
    let valid = i64::from(spec.valid_days.unwrap_or(DEFAULT_VALID_DAYS));
    if !(1..=MAX_DAYS).contains(&valid) {
        return Err(invalid(format!("valid_days must be 1 to {MAX_DAYS}")));
    }
    Ok((not_before, now + days(valid)))
}

fn issue(
    mode: TlsMode,
    leaf: LeafSpec,
    key: Arc<KeyPair>,
    ca: Option<&Ca>,
) -> io::Result<Identity> {
    let mut params =
        CertificateParams::new(leaf.names.clone()).map_err(|e| invalid(e.to_string()))?;
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, leaf.common_name.as_str());
    params.distinguished_name = dn;
    params.not_before = leaf.not_before;
    params.not_after = leaf.not_after;
    params.serial_number = Some(random_serial());
    // An explicit "not a CA", so a self-signed leaf is a server certificate
    // and never mistaken for a root.
    params.is_ca = IsCa::ExplicitNoCa;
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.use_authority_key_identifier_extension = ca.is_some();
    let cert: Certificate = match ca {
        Some(ca) => params.signed_by(&*key, &*ca.issuer),
        None => params.self_signed(&*key),
    }
    .map_err(io_err)?;
    let leaf_pem = cert.pem();
    let mut chain = vec![cert.der().clone()];
    let mut chain_pem = leaf_pem.clone();
    if let Some(ca) = ca {
        chain.push(ca.der().clone());
        chain_pem.push_str(&ca.pem);
    }
    let info = CertificateInfo {
        pem: leaf_pem,
        chain_pem,
        sha256: sha256_hex(cert.der()),
        spki_sha256: sha256_hex(&key.subject_public_key_info()),
        ca_pem: ca.map(|ca| ca.pem.clone()),
        not_after: leaf.not_after.format(&Rfc3339).map_err(io_err)?,
    };
    Ok(Identity {
        mode,
        acceptor: acceptor(chain, &key)?,
        info,
        key,
        names: leaf.names,
        common_name: leaf.common_name,
    })
}

/// The process-wide CA and the one leaf default shared-ca instances present.
struct Shared {
    ca: Ca,
    identity: Arc<Identity>,
}

static SHARED: OnceLock<Arc<Shared>> = OnceLock::new();

fn shared() -> io::Result<Arc<Shared>> {
    if let Some(s) = SHARED.get() {
        return Ok(s.clone());
    }
    let ca = Ca::generate("log360-sim throwaway CA")?;
    let names: Vec<String> = DEFAULT_NAMES.map(str::to_owned).into();
    let leaf = LeafSpec::resolve(&CertSpec::default(), &names, None)?;
    let key = Arc::new(KeyPair::generate().map_err(io_err)?);
    let identity = Arc::new(issue(TlsMode::SharedCa, leaf, key, Some(&ca))?);
    // If two threads raced, both generated; keep whichever landed first so
    // every instance presents the same chain.
    Ok(SHARED.get_or_init(|| Arc::new(Shared { ca, identity })).clone())
}

/// The shared CA certificate (PEM) if HTTPS has been used in this process.
pub fn ca_pem_if_generated() -> Option<String> {
    SHARED.get().map(|s| s.ca.pem.clone())
}

/// One HTTPS instance's certificate state. Connections read the current
/// identity once, when their handshake starts; a change swaps it whole, so a
/// handshake sees either the old or the new one, never a mix.
pub struct InstanceTls {
    current: RwLock<Arc<Identity>>,
    /// The instance's own CA once custom-ca has needed one. The mutex also
    /// serialises changes, so two concurrent `keep_key` renewals cannot both
    /// start from the same identity and lose one.
    own_ca: Mutex<Option<Arc<Ca>>>,
    /// Names the instance's own CA after its customer.
    label: String,
}

impl InstanceTls {
    /// The TLS state for a new instance (`None` for plain HTTP). A shared-ca
    /// instance without options presents the one shared leaf.
    pub fn new(mode: TlsMode, spec: Option<&CertSpec>, label: &str) -> io::Result<Option<Self>> {
        if !mode.is_tls() {
            return match spec {
                Some(_) => Err(invalid("certificate options need a TLS mode, not \"none\"")),
                None => Ok(None),
            };
        }
        let spec = spec.cloned().unwrap_or_default();
        let mut own_ca = None;
        let identity = if mode == TlsMode::SharedCa && spec.is_default() {
            shared()?.identity.clone()
        } else {
            let names: Vec<String> = DEFAULT_NAMES.map(str::to_owned).into();
            let leaf = LeafSpec::resolve(&spec, &names, None)?;
            let key = Arc::new(KeyPair::generate().map_err(io_err)?);
            Arc::new(issue_for(mode, leaf, key, &mut own_ca, label)?)
        };
        Ok(Some(InstanceTls {
            current: RwLock::new(identity),
            own_ca: Mutex::new(own_ca),
            label: label.to_owned(),
        }))
    }

    pub fn current(&self) -> Arc<Identity> {
        self.current.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// The acceptor for a connection whose handshake starts now.
    pub fn acceptor(&self) -> TlsAcceptor {
        self.current().acceptor.clone()
    }

    /// Issues a new certificate and presents it to connections accepted from
    /// now on. Names and common name default to the current certificate's.
    pub fn change(&self, change: &CertChange) -> io::Result<()> {
        let mut own_ca = self.own_ca.lock().unwrap_or_else(PoisonError::into_inner);
        let current = self.current();
        let mode = change.mode.unwrap_or(current.mode);
        if !mode.is_tls() {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "an HTTPS instance cannot switch to plain HTTP; create another instance",
            ));
        }
        let leaf = LeafSpec::resolve(&change.cert, &current.names, Some(&current.common_name))?;
        let key = if change.keep_key {
            current.key.clone()
        } else {
            Arc::new(KeyPair::generate().map_err(io_err)?)
        };
        let identity = Arc::new(issue_for(mode, leaf, key, &mut own_ca, &self.label)?);
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = identity;
        Ok(())
    }
}

fn issue_for(
    mode: TlsMode,
    leaf: LeafSpec,
    key: Arc<KeyPair>,
    own_ca: &mut Option<Arc<Ca>>,
    label: &str,
) -> io::Result<Identity> {
    match mode {
        TlsMode::None => Err(invalid("no certificate for plain HTTP")),
        TlsMode::SelfSigned => issue(mode, leaf, key, None),
        TlsMode::SharedCa => issue(mode, leaf, key, Some(&shared()?.ca)),
        TlsMode::CustomCa => {
            let ca = match own_ca {
                Some(ca) => ca.clone(),
                None => {
                    own_ca.insert(Arc::new(Ca::generate(&format!("{label} private CA"))?)).clone()
                }
            };
            issue(mode, leaf, key, Some(&ca))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(f: impl FnOnce(&mut CertSpec)) -> CertSpec {
        let mut s = CertSpec::default();
        f(&mut s);
        s
    }

    #[test]
    fn validity_options() {
        let now = now();
        let (nb, na) = validity(&CertSpec::default(), now).unwrap();
        assert_eq!((nb, na), (now - days(1), now + days(365)));
        let (nb, na) = validity(&spec(|s| s.expired = true), now).unwrap();
        assert_eq!((nb, na), (now - days(30), now - days(1)));
        let (nb, na) = validity(&spec(|s| s.expires_in_days = Some(5)), now).unwrap();
        assert_eq!((nb, na), (now - days(1), now + days(5)));
        let (nb, na) = validity(&spec(|s| s.expires_in_days = Some(-3)), now).unwrap();
        assert_eq!((nb, na), (now - days(33), now - days(3)));
        assert!(validity(&spec(|s| s.valid_days = Some(0)), now).is_err());
        let both = spec(|s| {
            s.expired = true;
            s.valid_days = Some(3);
        });
        assert_eq!(validity(&both, now).unwrap_err().kind(), io::ErrorKind::InvalidInput);
    }

    #[test]
    fn names_and_common_name_resolution() {
        let base = vec!["a.example".to_owned(), "10.0.0.1".to_owned()];
        let l = LeafSpec::resolve(&CertSpec::default(), &base, Some("cn.example")).unwrap();
        assert_eq!((l.names, l.common_name.as_str()), (base.clone(), "cn.example"));
        let l = LeafSpec::resolve(&spec(|s| s.names = Some(vec!["b".into()])), &base, Some("x"))
            .unwrap();
        assert_eq!(l.common_name, "b");
        let l = LeafSpec::resolve(&spec(|s| s.names = Some(vec![])), &base, None).unwrap();
        assert!(l.names.is_empty());
        assert_eq!(l.common_name, "localhost");
        assert!(
            LeafSpec::resolve(&spec(|s| s.names = Some(vec![String::new()])), &base, None).is_err()
        );
    }

    #[test]
    fn http_instances_take_no_certificate_options() {
        assert!(InstanceTls::new(TlsMode::None, None, "x").unwrap().is_none());
        let err = InstanceTls::new(TlsMode::None, Some(&CertSpec::default()), "x").err().unwrap();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    }

    #[test]
    fn default_shared_ca_instances_share_one_identity() {
        let a = InstanceTls::new(TlsMode::SharedCa, None, "a").unwrap().unwrap();
        let b =
            InstanceTls::new(TlsMode::SharedCa, Some(&CertSpec::default()), "b").unwrap().unwrap();
        assert!(Arc::ptr_eq(&a.current(), &b.current()));
        let c = InstanceTls::new(TlsMode::SharedCa, Some(&spec(|s| s.valid_days = Some(9))), "c")
            .unwrap()
            .unwrap();
        assert!(!Arc::ptr_eq(&a.current(), &c.current()));
        assert_eq!(a.current().info.ca_pem, c.current().info.ca_pem);
    }

    #[test]
    fn custom_ca_keeps_its_ca_across_changes_and_mode_round_trips() {
        let t = InstanceTls::new(TlsMode::CustomCa, None, "Acme").unwrap().unwrap();
        let ca = t.current().info.ca_pem.clone().unwrap();
        t.change(&CertChange { mode: Some(TlsMode::SelfSigned), ..Default::default() }).unwrap();
        assert_eq!(t.current().info.ca_pem, None);
        t.change(&CertChange { mode: Some(TlsMode::CustomCa), ..Default::default() }).unwrap();
        assert_eq!(t.current().info.ca_pem.as_deref(), Some(ca.as_str()));
        let err = t.change(&CertChange { mode: Some(TlsMode::None), ..Default::default() });
        assert_eq!(err.unwrap_err().kind(), io::ErrorKind::Unsupported);
    }
}
