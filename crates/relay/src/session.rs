//! Per-interaction session credentials (docs/design.md §2).
//!
//! A credential is `{interaction_hash}.{mac}` where `mac` is the base64url HMAC-SHA256 of the hash
//! under `RELAY_SESSION_SECRET`. It proves that this relay created the interaction for whoever holds
//! it; the hash alone (which zChat's agents and logs see) opens nothing. Carrying the hash lets the
//! relay tell a forged credential (401) from a genuine one for another interaction (403).

use crate::error::RelayError;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Signs and checks session credentials with one secret key.
#[derive(Clone)]
pub struct Sessions {
    key: Vec<u8>,
}

impl Sessions {
    pub fn new(key: impl Into<Vec<u8>>) -> Self {
        Sessions { key: key.into() }
    }

    fn mac(&self, purpose: &str, text: &str) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.key).expect("HMAC takes any key length");
        // A purpose prefix keeps a session credential from doubling as any other signature.
        mac.update(purpose.as_bytes());
        mac.update(b"\0");
        mac.update(text.as_bytes());
        mac
    }

    /// The signature of the external-history URL of `hash` (another purpose than sessions).
    pub fn history_signature(&self, hash: &str) -> String {
        URL_SAFE_NO_PAD.encode(self.mac("history", hash).finalize().into_bytes())
    }

    /// The signed URL of `hash`'s external history on the relay at `public_url` (`history`).
    pub fn history_url(&self, public_url: &str, hash: &str) -> String {
        format!("{public_url}/history/{hash}?sig={}", self.history_signature(hash))
    }

    /// Whether `signature` is `hash`'s history signature (constant-time).
    pub fn check_history_signature(&self, hash: &str, signature: &str) -> bool {
        URL_SAFE_NO_PAD.decode(signature).is_ok_and(|tag| self.mac("history", hash).verify_slice(&tag).is_ok())
    }

    /// The signature binding an uploaded file's address to the interaction it was uploaded for
    /// (another purpose than sessions and histories), 16 bytes.
    pub fn upload_signature(&self, hash: &str, file: &str) -> [u8; 16] {
        let mut mac = self.mac("upload", hash);
        mac.update(b"\0");
        mac.update(file.as_bytes());
        let full = mac.finalize().into_bytes();
        let mut tag = [0u8; 16];
        tag.copy_from_slice(&full[..16]);
        tag
    }

    /// The interaction hash a credential names, once the credential is checked.
    pub fn checked_hash(&self, credential: &str) -> Result<String, RelayError> {
        let hash = credential.rsplit_once('.').map(|(hash, _)| hash).unwrap_or_default();
        self.check(hash, credential).map(|()| hash.to_string())
    }

    /// The credential for `hash`.
    pub fn issue(&self, hash: &str) -> String {
        let tag = self.mac("session", hash).finalize().into_bytes();
        format!("{hash}.{}", URL_SAFE_NO_PAD.encode(tag))
    }

    /// Checks `credential` for the interaction `hash`: 401 when missing or not ours, 403 when it
    /// is genuine but belongs to another interaction. The MAC comparison is constant-time.
    pub fn check(&self, hash: &str, credential: &str) -> Result<(), RelayError> {
        if credential.is_empty() {
            return Err(RelayError::refused(401, "This interaction needs its session credential in token"));
        }
        let invalid = || RelayError::refused(401, "The session credential is not valid");
        let (signed_hash, tag) = credential.rsplit_once('.').ok_or_else(invalid)?;
        let tag = URL_SAFE_NO_PAD.decode(tag).map_err(|_| invalid())?;
        self.mac("session", signed_hash).verify_slice(&tag).map_err(|_| invalid())?;
        if signed_hash != hash {
            return Err(RelayError::refused(403, "The session credential belongs to another interaction"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_credential_opens_its_own_interaction_only() {
        let sessions = Sessions::new(b"secret".to_vec());
        let credential = sessions.issue("h1");
        assert!(sessions.check("h1", &credential).is_ok());
        assert_eq!(sessions.check("h2", &credential).unwrap_err().status(), 403);
    }

    #[test]
    fn forged_missing_and_foreign_credentials_are_refused() {
        let sessions = Sessions::new(b"secret".to_vec());
        let other_relay = Sessions::new(b"other".to_vec()).issue("h1");
        for bad in ["", "h1", "h1.", "h1.!!!", "h1.AAAA", other_relay.as_str()] {
            assert_eq!(sessions.check("h1", bad).unwrap_err().status(), 401, "{bad:?}");
        }
    }
}
