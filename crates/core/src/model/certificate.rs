//! A certificate as a person reviews it before trusting it: fingerprints, subject, issuer,
//! validity and the names it is for, read from its DER with `x509-cert`.
//!
//! Must never decide trust (that is `trust`'s): it only describes what was presented.

use sha2::{Digest, Sha256};
use std::fmt;
use time::OffsetDateTime;
use x509_cert::Certificate;
use x509_cert::der::{Decode, Encode};
use x509_cert::ext::pkix::SubjectAltName;
use x509_cert::ext::pkix::name::GeneralName;

/// A SHA-256 digest: of a certificate's DER, or of its SubjectPublicKeyInfo.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fingerprint(pub [u8; 32]);

impl Fingerprint {
    pub fn of(bytes: &[u8]) -> Self {
        Self(Sha256::digest(bytes).into())
    }

    /// Lowercase hex, as stored.
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Reads lowercase or uppercase hex, with or without `:` between the bytes.
    pub fn from_hex(s: &str) -> Option<Self> {
        let digits: String = s.chars().filter(|c| *c != ':' && !c.is_whitespace()).collect();
        if digits.len() != 64 || !digits.is_ascii() {
            return None;
        }
        let mut out = [0u8; 32];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&digits[2 * i..2 * i + 2], 16).ok()?;
        }
        Some(Self(out))
    }
}

/// `AB:CD:…`, the way browsers and `openssl x509 -fingerprint` show it.
impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(|b| format!("{b:02X}")).collect();
        f.write_str(&parts.join(":"))
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fingerprint({})", self.to_hex())
    }
}

/// Bytes that are not a certificate (or one whose public key cannot be read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnreadableCertificate(pub String);

impl fmt::Display for UnreadableCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a certificate says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateInfo {
    /// SHA-256 of the whole certificate.
    pub sha256: Fingerprint,
    /// SHA-256 of its public key (SubjectPublicKeyInfo): the same across a renewal that
    /// keeps the key.
    pub public_key_sha256: Fingerprint,
    pub subject: String,
    pub issuer: String,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
    /// DNS names and IP addresses it is for.
    pub names: Vec<String>,
    /// Issued by itself (subject = issuer): a freshly installed Log360's certificate.
    pub self_signed: bool,
}

impl CertificateInfo {
    /// Reads a DER certificate (the core answers `invalid_response` when it is not one).
    pub fn from_der(der: &[u8]) -> Result<Self, UnreadableCertificate> {
        let cert = Certificate::from_der(der).map_err(|e| {
            UnreadableCertificate(format!(
                "the instance presented a certificate that cannot be read ({e})"
            ))
        })?;
        let tbs = cert.tbs_certificate();
        let spki = tbs.subject_public_key_info().to_der().map_err(|e| {
            UnreadableCertificate(format!("the certificate's public key cannot be read ({e})"))
        })?;
        let validity = tbs.validity();
        Ok(Self {
            sha256: Fingerprint::of(der),
            public_key_sha256: Fingerprint::of(&spki),
            subject: tbs.subject().to_string(),
            issuer: tbs.issuer().to_string(),
            not_before: unix(validity.not_before.to_unix_duration()),
            not_after: unix(validity.not_after.to_unix_duration()),
            names: names(&cert),
            self_signed: tbs.subject() == tbs.issuer(),
        })
    }

    /// True when the certificate names `host` (a DNS name, with `*.` wildcards for one
    /// label, or an IP address).
    pub fn names_host(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        self.names.iter().any(|name| {
            let name = name.to_ascii_lowercase();
            match name.strip_prefix("*.") {
                Some(suffix) => host
                    .split_once('.')
                    .is_some_and(|(label, rest)| !label.is_empty() && rest == suffix),
                None => name == host,
            }
        })
    }

    /// The public key's SubjectPublicKeyInfo fingerprint of a DER certificate.
    pub fn public_key_of(der: &[u8]) -> Option<Fingerprint> {
        let cert = Certificate::from_der(der).ok()?;
        let spki = cert.tbs_certificate().subject_public_key_info().to_der().ok()?;
        Some(Fingerprint::of(&spki))
    }
}

fn unix(d: std::time::Duration) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(d.as_secs().min(i64::MAX as u64) as i64)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

fn names(cert: &Certificate) -> Vec<String> {
    let Some(extensions) = cert.tbs_certificate().extensions() else {
        return Vec::new();
    };
    let san = extensions
        .iter()
        .find(|e| e.extn_id == x509_cert::der::oid::db::rfc5280::ID_CE_SUBJECT_ALT_NAME)
        .and_then(|e| SubjectAltName::from_der(e.extn_value.as_bytes()).ok());
    let Some(SubjectAltName(names)) = san else {
        return Vec::new();
    };
    names
        .iter()
        .filter_map(|n| match n {
            GeneralName::DnsName(dns) => Some(dns.to_string()),
            GeneralName::IpAddress(ip) => ip_text(ip.as_bytes()),
            _ => None,
        })
        .collect()
}

fn ip_text(bytes: &[u8]) -> Option<String> {
    match bytes.len() {
        4 => Some(std::net::Ipv4Addr::from(<[u8; 4]>::try_from(bytes).ok()?).to_string()),
        16 => Some(std::net::Ipv6Addr::from(<[u8; 16]>::try_from(bytes).ok()?).to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_read_back_in_either_spelling() {
        let fp = Fingerprint::of(b"certificate");
        assert_eq!(Fingerprint::from_hex(&fp.to_hex()), Some(fp));
        assert_eq!(Fingerprint::from_hex(&fp.to_string()), Some(fp));
        assert!(fp.to_string().contains(':'));
        assert_eq!(Fingerprint::from_hex("ab:cd"), None);
    }

    #[test]
    fn host_names_match_exactly_or_by_one_wildcard_label() {
        let info = CertificateInfo {
            sha256: Fingerprint([0; 32]),
            public_key_sha256: Fingerprint([0; 32]),
            subject: "CN=log360".into(),
            issuer: "CN=log360".into(),
            not_before: OffsetDateTime::UNIX_EPOCH,
            not_after: OffsetDateTime::UNIX_EPOCH,
            names: vec!["log360.acme.internal".into(), "*.acme.example".into(), "10.0.0.5".into()],
            self_signed: true,
        };
        assert!(info.names_host("LOG360.acme.internal"));
        assert!(info.names_host("siem.acme.example"));
        assert!(!info.names_host("a.b.acme.example"));
        assert!(info.names_host("10.0.0.5"));
        assert!(!info.names_host("203.0.113.7"));
    }
}
