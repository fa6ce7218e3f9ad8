//! Proving that the instance answering at a customer's address is the one integrated. At
//! link time the console gives the instance a random [`LinkKey`]; before each new login it
//! sends a fresh nonce to `about?challenge=` and requires the integrated `instance_id` and
//! `proof = HMAC-SHA256(link key, nonce ‖ instance_id)` (`docs/customer-api.md`).
//!
//! Must never compare a proof in a way that leaks timing (the MAC's own verifier does it),
//! and never let the link key appear in `Debug`, logs or errors.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use std::fmt;
use uuid::Uuid;
use zeroize::Zeroizing;

/// The protocol's spelling of binary values: base64url without padding.
pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn from_b64(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text.trim()).ok()
}

/// 32 random bytes shared with one instance at link time. Wiped from memory when dropped.
#[derive(Clone, PartialEq, Eq)]
pub struct LinkKey(Zeroizing<[u8; 32]>);

impl LinkKey {
    pub fn generate() -> crate::Result<Self> {
        let mut key = Zeroizing::new([0u8; 32]);
        random(key.as_mut_slice())?;
        Ok(Self(key))
    }

    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        let array: [u8; 32] = bytes.try_into().ok()?;
        Some(Self(Zeroizing::new(array)))
    }

    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_slice()
    }

    /// The key as the `link` request carries it.
    pub fn to_wire(&self) -> Zeroizing<String> {
        Zeroizing::new(b64(self.as_bytes()))
    }

    fn mac(&self, nonce: &[u8], instance_id: Uuid) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(self.as_bytes())
            .expect("HMAC takes a key of any length");
        mac.update(nonce);
        mac.update(instance_id.hyphenated().to_string().as_bytes());
        mac
    }

    /// The proof an instance holding this key gives for `nonce` (what the simulator sends).
    pub fn proof(&self, nonce: &[u8], instance_id: Uuid) -> String {
        b64(&self.mac(nonce, instance_id).finalize().into_bytes())
    }

    /// True when `proof` is the one this key gives for `nonce` and `instance_id`.
    pub fn verify(&self, nonce: &[u8], instance_id: Uuid, proof: &str) -> bool {
        match from_b64(proof) {
            Some(bytes) => self.mac(nonce, instance_id).verify_slice(&bytes).is_ok(),
            None => false,
        }
    }
}

impl fmt::Debug for LinkKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LinkKey(<redacted>)")
    }
}

/// Who the console expects at a customer's address: the instance it integrated, and the key
/// that instance was given (none for a customer integrated before keys existed; it gets one
/// at its next sync).
#[derive(Debug, Clone)]
pub struct InstanceIdentity {
    pub instance_id: Uuid,
    pub link_key: Option<LinkKey>,
}

/// Random bytes from the operating system.
pub fn random(buf: &mut [u8]) -> crate::Result<()> {
    getrandom::fill(buf)
        .map_err(|e| crate::Error::Internal(format!("no randomness from the OS: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_proof_verifies_only_for_its_key_nonce_and_instance() {
        let key = LinkKey::generate().unwrap();
        let other = LinkKey::generate().unwrap();
        let id = Uuid::new_v4();
        let nonce = [7u8; 32];
        let proof = key.proof(&nonce, id);
        assert!(key.verify(&nonce, id, &proof));
        assert!(!other.verify(&nonce, id, &proof), "another key");
        assert!(!key.verify(&[8u8; 32], id, &proof), "another nonce");
        assert!(!key.verify(&nonce, Uuid::new_v4(), &proof), "another instance");
        assert!(!key.verify(&nonce, id, "not base64!"));
        assert_eq!(format!("{key:?}"), "LinkKey(<redacted>)");
    }
}
