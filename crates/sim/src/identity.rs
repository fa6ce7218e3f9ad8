//! The protocol's proof of identity: base64url without padding (RFC 4648 §5)
//! for every binary value, decoding of link keys and challenge nonces, and the
//! proof an instance answers `GET /mssp/v1/about?challenge=` with:
//! `base64url(HMAC-SHA256(link_key, nonce ‖ instance_id))`.
//!
//! Owns the exact bytes that go into the proof, so the simulator and
//! `docs/customer-api.md` cannot drift apart. It must never keep state, log a
//! key, a nonce or a proof, or decide which key an instance holds (that is
//! `instance`).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use uuid::Uuid;

/// Length of a link key, in bytes.
pub const LINK_KEY_LEN: usize = 32;
/// Shortest challenge nonce, in bytes: shorter ones would let a recorded proof
/// be replayed by an impostor with non-negligible odds.
pub const MIN_NONCE_LEN: usize = 16;
/// Longest challenge nonce, in bytes.
pub const MAX_NONCE_LEN: usize = 64;

/// A link key as the console sends it.
pub type LinkKey = [u8; LINK_KEY_LEN];

pub fn encode(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Strict base64url: the URL-safe alphabet only, no padding, no whitespace,
/// no non-zero trailing bits (so every value has exactly one spelling).
pub fn decode(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text).ok()
}

pub fn decode_link_key(text: &str) -> Result<LinkKey, String> {
    decode(text).and_then(|bytes| LinkKey::try_from(bytes).ok()).ok_or_else(|| {
        format!("link_key must be base64url (no padding) of exactly {LINK_KEY_LEN} bytes")
    })
}

pub fn decode_nonce(text: &str) -> Result<Vec<u8>, String> {
    // base64url of 64 bytes is 86 characters; refuse anything far longer
    // before decoding it.
    decode(text)
        .filter(|_| text.len() <= 4 * MAX_NONCE_LEN)
        .filter(|bytes| (MIN_NONCE_LEN..=MAX_NONCE_LEN).contains(&bytes.len()))
        .ok_or_else(|| {
            format!(
                "challenge must be base64url (no padding) of {MIN_NONCE_LEN} to {MAX_NONCE_LEN} bytes"
            )
        })
}

/// `base64url(HMAC-SHA256(key, nonce ‖ id))`, where `id` is the UTF-8 of the
/// canonical lowercase hyphenated UUID (what `about` shows as `instance_id`).
/// Binding the id makes a proof for one instance useless for another that
/// shares the key; the nonce makes a recorded proof useless later.
pub fn proof(key: &LinkKey, nonce: &[u8], instance_id: &Uuid) -> String {
    let mut mac =
        <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC accepts keys of any length");
    mac.update(nonce);
    mac.update(instance_id.hyphenated().to_string().as_bytes());
    encode(&mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The test vector in docs/customer-api.md, computed independently
    /// (Python's hmac and base64 modules).
    #[test]
    fn proof_matches_the_documented_vector() {
        let key: LinkKey = std::array::from_fn(|i| u8::try_from(i).unwrap());
        let nonce: Vec<u8> = (100..116).collect();
        let id = Uuid::parse_str("6f1c2d9e-0b7a-4c53-9a43-0d3c5e2b8f10").unwrap();
        assert_eq!(encode(&key), "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8");
        assert_eq!(encode(&nonce), "ZGVmZ2hpamtsbW5vcHFycw");
        assert_eq!(proof(&key, &nonce, &id), "6sZqG7R0c37AghCPQ9uCAd_9fXOtm_zfCEq-P7a3CWk");
    }

    #[test]
    fn link_keys_must_be_exactly_32_bytes_of_strict_base64url() {
        // 0xfb bytes encode to text with both URL-safe characters ('-' and '_').
        let good = encode(&[0xfb; 32]);
        assert!(good.contains('-') && good.contains('_'), "{good}");
        assert_eq!(decode_link_key(&good).unwrap(), [0xfb; 32]);
        for bad in [
            encode(&[0xfb; 31]),
            encode(&[0xfb; 33]),
            format!("{good}="),
            good.replace('_', "/"),
            good.replace('-', "+"),
            format!(" {good}"),
            String::new(),
        ] {
            assert!(decode_link_key(&bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn nonces_are_16_to_64_bytes() {
        assert!(decode_nonce(&encode(&[1; 15])).is_err());
        assert_eq!(decode_nonce(&encode(&[1; 16])).unwrap().len(), 16);
        assert_eq!(decode_nonce(&encode(&[1; 64])).unwrap().len(), 64);
        assert!(decode_nonce(&encode(&[1; 65])).is_err());
        assert!(decode_nonce("not base64!").is_err());
        assert!(decode_nonce(&format!("{}==", encode(&[1; 16]))).is_err());
    }
}
