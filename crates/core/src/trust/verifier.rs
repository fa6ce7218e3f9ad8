//! The TLS certificate verifier of one customer's connections: the platform's verifier, or
//! exactly that customer's pin, with expiry always checked. Built with rustls's verifier
//! API; verification is never turned off.
//!
//! Must never accept a certificate another customer's pin allows: each customer's
//! connections get a verifier of their own. Must never let a handshake finish for an
//! inspection: [`Mode::Inspect`] records what was presented and then refuses.

use super::Pin;
use crate::locks::lock;
use crate::model::{CertificateInfo, Fingerprint};
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, DigitallySignedStruct, Error as TlsError, OtherError, SignatureScheme,
};
use std::sync::{Arc, Mutex};

/// The chain the server presented in the last handshake, and what the platform made of it.
#[derive(Debug, Clone, Default)]
pub struct Presented {
    pub chain: Vec<CertificateDer<'static>>,
    /// The platform verifier's verdict, when it was asked (no pin, or an inspection).
    pub platform: Option<Result<(), TlsError>>,
}

pub type PresentedSlot = Arc<Mutex<Option<Presented>>>;

/// The presented certificate matched none of what the customer's pin allows.
#[derive(Debug)]
pub struct PinMismatch {
    pub presented: Fingerprint,
}

impl std::fmt::Display for PinMismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the certificate {} is not the one trusted for this customer", self.presented)
    }
}

impl std::error::Error for PinMismatch {}

/// An inspection ended the handshake on purpose, after recording the chain.
#[derive(Debug)]
pub struct Inspected;

impl std::fmt::Display for Inspected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("certificate recorded for review; the connection was not used")
    }
}

impl std::error::Error for Inspected {}

pub(crate) enum Mode {
    /// The platform's trust store, as a browser would.
    Platform,
    /// Exactly this customer's pin.
    Pinned(Pin, Option<Arc<WebPkiServerVerifier>>),
    /// Record the chain and the platform's verdict, then refuse.
    Inspect,
}

pub(crate) struct CustomerVerifier {
    platform: Arc<dyn ServerCertVerifier>,
    provider: Arc<CryptoProvider>,
    mode: Mode,
    presented: PresentedSlot,
}

impl std::fmt::Debug for CustomerVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CustomerVerifier").finish_non_exhaustive()
    }
}

impl CustomerVerifier {
    pub(crate) fn new(
        platform: Arc<dyn ServerCertVerifier>,
        provider: Arc<CryptoProvider>,
        mode: Mode,
        presented: PresentedSlot,
    ) -> Self {
        Self { platform, provider, mode, presented }
    }

    fn record(&self, end_entity: &CertificateDer<'_>, intermediates: &[CertificateDer<'_>]) {
        let chain = std::iter::once(end_entity)
            .chain(intermediates)
            .map(|c| c.clone().into_owned())
            .collect();
        *lock(&self.presented) = Some(Presented { chain, platform: None });
    }

    fn note_platform(&self, verdict: &Result<ServerCertVerified, TlsError>) {
        if let Some(p) = lock(&self.presented).as_mut() {
            p.platform = Some(verdict.as_ref().map(|_| ()).map_err(Clone::clone));
        }
    }
}

/// The certificate's validity against `now`: expiry is checked whatever the trust.
fn check_validity(end_entity: &CertificateDer<'_>, now: UnixTime) -> Result<(), TlsError> {
    let info = CertificateInfo::from_der(end_entity)
        .map_err(|_| TlsError::InvalidCertificate(CertificateError::BadEncoding))?;
    let now = now.as_secs() as i64;
    if now > info.not_after.unix_timestamp() {
        return Err(TlsError::InvalidCertificate(CertificateError::Expired));
    }
    if now < info.not_before.unix_timestamp() {
        return Err(TlsError::InvalidCertificate(CertificateError::NotValidYet));
    }
    Ok(())
}

fn mismatch(presented: Fingerprint) -> TlsError {
    TlsError::InvalidCertificate(CertificateError::Other(OtherError(Arc::new(PinMismatch {
        presented,
    }))))
}

impl ServerCertVerifier for CustomerVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, TlsError> {
        self.record(end_entity, intermediates);
        let platform = || {
            let verdict = self.platform.verify_server_cert(
                end_entity,
                intermediates,
                server_name,
                ocsp_response,
                now,
            );
            self.note_platform(&verdict);
            verdict
        };
        match &self.mode {
            Mode::Inspect => {
                let _ = platform();
                Err(TlsError::InvalidCertificate(CertificateError::Other(OtherError(Arc::new(
                    Inspected,
                )))))
            }
            Mode::Platform => {
                check_validity(end_entity, now)?;
                platform()
            }
            Mode::Pinned(Pin::Certificate(want), _) => {
                check_validity(end_entity, now)?;
                let got = Fingerprint::of(end_entity);
                if got == *want { Ok(ServerCertVerified::assertion()) } else { Err(mismatch(got)) }
            }
            Mode::Pinned(Pin::PublicKey(want), _) => {
                check_validity(end_entity, now)?;
                match CertificateInfo::public_key_of(end_entity) {
                    Some(got) if got == *want => Ok(ServerCertVerified::assertion()),
                    _ => Err(mismatch(Fingerprint::of(end_entity))),
                }
            }
            Mode::Pinned(Pin::CustomerCa { .. }, Some(ca)) => {
                check_validity(end_entity, now)?;
                // The customer's CA as the only root: chain and host name both enforced.
                ca.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
            }
            Mode::Pinned(Pin::CustomerCa { .. }, None) => {
                Err(TlsError::InvalidCertificate(CertificateError::UnknownIssuer))
            }
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        // The handshake signature proves the server holds the pinned certificate's key.
        verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}
