//! Trust in what a customer's instance presents over HTTPS: the platform's trust store by
//! default, or a pin the admin chose after reviewing the certificate (trust on first use):
//! the certificate itself, its public key (survives a renewal that keeps the key), or a
//! customer-specific CA (host name enforced). Expiry is always checked.
//!
//! Must never share a pin between customers (each customer's connections get their own
//! verifier), never turn verification off, and never let a Rust debug string reach a person:
//! [`tls_error`] says what a TLS failure means and what to do.

mod verifier;

pub use crate::model::{CertificateInfo, Fingerprint};
pub use verifier::{Inspected, PinMismatch, Presented, PresentedSlot};

use crate::error::{Error, Result};
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::ServerCertVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use rustls::{CertificateError, ClientConfig, RootCertStore};
use std::sync::Arc;
use verifier::{CustomerVerifier, Mode};

/// What a customer's certificate must be, as the admin decided it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pin {
    /// Exactly this certificate (SHA-256 of its DER). A renewal needs a new review.
    Certificate(Fingerprint),
    /// Any certificate with this public key (SHA-256 of its SubjectPublicKeyInfo).
    PublicKey(Fingerprint),
    /// Certificates this customer-specific CA issued for the host connected to.
    CustomerCa { pem: String },
}

impl Pin {
    /// The stored kind: `certificate`, `public_key` or `ca`.
    pub fn kind(&self) -> &'static str {
        match self {
            Pin::Certificate(_) => "certificate",
            Pin::PublicKey(_) => "public_key",
            Pin::CustomerCa { .. } => "ca",
        }
    }

    /// The stored value: a fingerprint's hex, or the CA's PEM.
    pub fn value(&self) -> String {
        match self {
            Pin::Certificate(f) | Pin::PublicKey(f) => f.to_hex(),
            Pin::CustomerCa { pem } => pem.clone(),
        }
    }

    pub fn from_stored(kind: &str, value: &str) -> Option<Self> {
        match kind {
            "certificate" => Fingerprint::from_hex(value).map(Pin::Certificate),
            "public_key" => Fingerprint::from_hex(value).map(Pin::PublicKey),
            "ca" => Some(Pin::CustomerCa { pem: value.to_owned() }),
            _ => None,
        }
    }

    /// True when `info` is a certificate this pin accepts (the CA case is decided by a
    /// handshake, so it answers false here).
    pub fn accepts(&self, info: &CertificateInfo) -> bool {
        match self {
            Pin::Certificate(f) => *f == info.sha256,
            Pin::PublicKey(f) => *f == info.public_key_sha256,
            Pin::CustomerCa { .. } => false,
        }
    }

    /// What a person reads: "certificate AB:CD:…", "public key AB:…", "customer CA".
    pub fn describe(&self) -> String {
        match self {
            Pin::Certificate(f) => format!("certificate {f}"),
            Pin::PublicKey(f) => format!("public key {f}"),
            Pin::CustomerCa { .. } => "the customer's CA".to_owned(),
        }
    }
}

/// A customer CA as the admin pasted it: one PEM certificate, or a field error.
pub fn parse_ca(pem: &str) -> Result<(CertificateDer<'static>, CertificateInfo)> {
    let invalid = || {
        Error::field(
            "caPem",
            "Paste the customer CA's certificate in PEM form (-----BEGIN CERTIFICATE-----).",
        )
    };
    let der = CertificateDer::from_pem_slice(pem.trim().as_bytes()).map_err(|_| invalid())?;
    let info = CertificateInfo::from_der(&der).map_err(|_| invalid())?;
    Ok((der, info))
}

/// The TLS material every customer connection starts from: the crypto provider and the
/// platform's verifier (loading the OS trust store is slow, so it is loaded once).
#[derive(Clone)]
pub struct TlsContext {
    provider: Arc<CryptoProvider>,
    platform: Arc<dyn ServerCertVerifier>,
}

impl std::fmt::Debug for TlsContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TlsContext")
    }
}

impl TlsContext {
    pub fn platform() -> Result<Self> {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let platform = rustls_platform_verifier::Verifier::new(provider.clone()).map_err(|e| {
            Error::Internal(format!("loading the system's trusted certificates: {e}"))
        })?;
        Ok(Self { provider, platform: Arc::new(platform) })
    }

    /// A TLS client configuration for connections that verify with `pin` (the platform's
    /// store when `None`), recording what each handshake presented into `presented`.
    pub(crate) fn client_config(
        &self,
        pin: Option<&Pin>,
        presented: PresentedSlot,
    ) -> Result<ClientConfig> {
        let mode = match pin {
            None => Mode::Platform,
            Some(pin @ Pin::CustomerCa { pem }) => {
                let (der, _) = parse_ca(pem)?;
                let mut roots = RootCertStore::empty();
                roots.add(der).map_err(|e| {
                    Error::field("caPem", format!("The customer CA cannot be used: {e}."))
                })?;
                let ca = WebPkiServerVerifier::builder_with_provider(
                    Arc::new(roots),
                    self.provider.clone(),
                )
                .build()
                .map_err(|e| {
                    Error::field("caPem", format!("The customer CA cannot be used: {e}."))
                })?;
                Mode::Pinned(pin.clone(), Some(ca))
            }
            Some(pin) => Mode::Pinned(pin.clone(), None),
        };
        self.config_with(mode, presented)
    }

    /// A configuration that records the presented chain and the platform's verdict, then
    /// refuses the connection: for showing a certificate before it is trusted.
    pub(crate) fn inspect_config(&self, presented: PresentedSlot) -> Result<ClientConfig> {
        self.config_with(Mode::Inspect, presented)
    }

    fn config_with(&self, mode: Mode, presented: PresentedSlot) -> Result<ClientConfig> {
        let verifier =
            CustomerVerifier::new(self.platform.clone(), self.provider.clone(), mode, presented);
        let mut config = ClientConfig::builder_with_provider(self.provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::Internal(format!("TLS setup: {e}")))?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_no_client_auth();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(config)
    }
}

/// Why a certificate was refused, in words, and whether trusting it for this customer is the
/// way forward.
pub(crate) enum Refusal {
    /// Not trusted by this computer; the admin may review and trust it.
    Untrusted(String),
    Expired,
    NotYetValid,
    /// The customer's pin does not accept it.
    Changed,
    /// A pinned customer CA issued it for another host name (enforced with a CA).
    WrongHostForCa,
    Other(String),
}

pub(crate) fn refusal(err: &rustls::Error, pinned: bool, ca_pinned: bool) -> Refusal {
    let rustls::Error::InvalidCertificate(cert) = err else {
        return Refusal::Other(format!("the secure connection failed ({})", plain(err)));
    };
    match cert {
        CertificateError::Other(other) if other.0.downcast_ref::<PinMismatch>().is_some() => {
            Refusal::Changed
        }
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => Refusal::Expired,
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            Refusal::NotYetValid
        }
        CertificateError::Revoked => Refusal::Other("its certificate has been revoked".into()),
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. }
            if ca_pinned =>
        {
            Refusal::WrongHostForCa
        }
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
            Refusal::Untrusted("it is issued for another host name".into())
        }
        _ if ca_pinned => Refusal::Untrusted(
            "it was not issued by the customer CA trusted for this customer".into(),
        ),
        // Whatever else the platform's verifier objects to (an unknown issuer, a self-signed
        // certificate, a chain it cannot build), this computer does not trust it; the admin
        // may review it and trust it for this customer.
        _ if !pinned => Refusal::Untrusted(
            "it is self-signed or issued by an authority this computer does not trust".into(),
        ),
        other => Refusal::Other(format!("its certificate was refused ({})", plain_cert(other))),
    }
}

/// rustls's own words for an error, without Rust debug formatting.
fn plain(err: &rustls::Error) -> String {
    match err {
        rustls::Error::InvalidCertificate(c) => plain_cert(c),
        rustls::Error::AlertReceived(alert) => {
            format!("the server ended the handshake: {alert:?}").to_lowercase()
        }
        other => other.to_string(),
    }
}

fn plain_cert(err: &CertificateError) -> String {
    match err {
        CertificateError::BadEncoding => "the certificate cannot be read".into(),
        CertificateError::BadSignature => "the certificate's signature is invalid".into(),
        CertificateError::UnhandledCriticalExtension => {
            "the certificate has an extension this console cannot check".into()
        }
        CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => {
            "the certificate is not meant for a server".into()
        }
        CertificateError::ApplicationVerificationFailure => {
            "the certificate failed verification".into()
        }
        _ => "the certificate is not valid".into(),
    }
}
