//! The process-wide TLS identity of HTTPS instances: one throwaway CA and one
//! leaf certificate for `localhost` and `127.0.0.1` signed by it, generated on
//! first use with rcgen and shared by every HTTPS instance.
//!
//! Owns key generation and the rustls server config. It must never write keys
//! to disk or load any from outside: the material lives only in this process.
//! A CA plus leaf (rather than one self-signed leaf) because webpki-based
//! clients accept a CA as a trust root but reject an end-entity certificate
//! used as its own root.

use std::sync::{Arc, OnceLock};

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose,
};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

pub struct TlsMaterial {
    pub ca_pem: String,
    pub acceptor: TlsAcceptor,
}

static MATERIAL: OnceLock<Arc<TlsMaterial>> = OnceLock::new();

/// The shared material, generating it on first call.
pub fn material() -> std::io::Result<Arc<TlsMaterial>> {
    if let Some(m) = MATERIAL.get() {
        return Ok(m.clone());
    }
    let generated = Arc::new(generate()?);
    // If two threads raced, both generated; keep whichever landed first so
    // every instance presents the same chain.
    Ok(MATERIAL.get_or_init(|| generated).clone())
}

/// The CA certificate (PEM) if HTTPS has been used in this process.
pub fn ca_pem_if_generated() -> Option<String> {
    MATERIAL.get().map(|m| m.ca_pem.clone())
}

fn io_err(e: impl std::fmt::Display) -> std::io::Error {
    std::io::Error::other(format!("TLS setup failed: {e}"))
}

fn generate() -> std::io::Result<TlsMaterial> {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(io_err)?;
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, "log360-sim throwaway CA");
    ca_params.distinguished_name = dn;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_key = KeyPair::generate().map_err(io_err)?;
    let ca = CertifiedIssuer::self_signed(ca_params, ca_key).map_err(io_err)?;

    let mut leaf_params =
        CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .map_err(io_err)?;
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, "localhost");
    leaf_params.distinguished_name = dn;
    leaf_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    leaf_params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    let leaf_key = KeyPair::generate().map_err(io_err)?;
    let leaf = leaf_params.signed_by(&leaf_key, &ca).map_err(io_err)?;

    // Explicit provider: relying on the process default panics when more than
    // one rustls provider is compiled into the binary.
    let provider = Arc::new(tokio_rustls::rustls::crypto::aws_lc_rs::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(io_err)?
        .with_no_client_auth()
        .with_single_cert(
            vec![leaf.der().clone(), ca.der().clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
        )
        .map_err(io_err)?;
    // The simulator speaks HTTP/1.1 only.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsMaterial { ca_pem: ca.pem(), acceptor: TlsAcceptor::from(Arc::new(config)) })
}
