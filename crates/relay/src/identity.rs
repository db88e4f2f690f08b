//! Verified customers: a site whose customers are signed in tells the relay who is writing with
//! `identity: {customer_key, signature}` on create, where `signature` is the lowercase hex
//! HMAC-SHA256 of the `customer_key` under `RELAY_IDENTITY_SECRET`, made by the site's backend.
//! The relay checks it in constant time and only then passes the key to zChat; a visitor can
//! never claim another customer's key (a browser's update may not carry one at all).

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use zchat_types::{read_messages, HistoryMessage, Identity, SignedHistory, MAX_HANDOFF_BYTES};

use crate::error::RelayError;

/// The longest customer key accepted (zChat's are UUIDs).
const MAX_KEY_LEN: usize = 256;

pub struct Identities {
    secret: Option<Vec<u8>>,
    /// Every conversation must come with a valid identity.
    required: bool,
}

impl Identities {
    pub fn new(secret: Option<Vec<u8>>, required: bool) -> Self {
        Identities { secret, required }
    }

    /// The verified customer key of a create, if it carries one: `None` without an identity
    /// (allowed unless identities are required), 401 for one that is not valid, so that nothing
    /// is started with a claimed identity.
    pub fn verify(&self, identity: Option<&Identity>) -> Result<Option<String>, RelayError> {
        let Some(identity) = identity else {
            return match self.required {
                true => Err(RelayError::refused(401, "This site starts conversations only for its signed-in customers: send a signed identity")),
                false => Ok(None),
            };
        };
        let Some(secret) = &self.secret else {
            return Err(RelayError::refused(401, "This relay verifies no identities (RELAY_IDENTITY_SECRET is unset): start without one"));
        };
        let key = &identity.customer_key;
        if key.is_empty() || key.len() > MAX_KEY_LEN || key.chars().any(char::is_control) {
            return Err(RelayError::refused(401, format!("The identity's customer_key must be 1 to {MAX_KEY_LEN} bytes of text")));
        }
        let expected = sign(secret, key);
        if expected.as_bytes().ct_eq(identity.signature.as_bytes()).into() {
            Ok(Some(key.clone()))
        } else {
            Err(RelayError::refused(401, "The identity's signature is not valid for its customer_key"))
        }
    }
}

impl Identities {
    /// A bot's transcript handed over with a create: its messages, once its signature is checked
    /// (constant time, over exactly the text given) and they are the reference's history messages.
    /// Over [`MAX_HANDOFF_BYTES`]: 413; no secret here, or a signature that is not that text's: 401;
    /// not such an array: 422 naming what is wrong. A create with a refused one starts nothing.
    pub fn verify_history(&self, history: &SignedHistory) -> Result<Vec<HistoryMessage>, RelayError> {
        if history.messages.len() > MAX_HANDOFF_BYTES {
            return Err(RelayError::refused(413, format!("The history's messages are over {} KiB", MAX_HANDOFF_BYTES / 1024)));
        }
        let Some(secret) = &self.secret else {
            return Err(RelayError::refused(401, "This relay verifies no histories (RELAY_IDENTITY_SECRET is unset): start without one"));
        };
        if !bool::from(sign(secret, &history.messages).as_bytes().ct_eq(history.signature.as_bytes())) {
            return Err(RelayError::refused(401, "The history's signature is not valid for its messages"));
        }
        let messages = serde_json::from_str::<serde_json::Value>(&history.messages)
            .map_err(|_| RelayError::refused(422, "The history's messages are not JSON: they must be the JSON text of an array"))?;
        read_messages(&messages).map_err(|why| RelayError::refused(422, format!("The history's {why}")))
    }
}

/// The signature of `text` (a customer key, a bot's transcript): lowercase hex HMAC-SHA256 under
/// `secret` (what the site's backend computes; README, "Verified customers" and "Bot handoff").
pub fn sign(secret: &[u8], text: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(text.as_bytes());
    crate::hex(&mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"the-site-and-the-relay-share-this-secret";

    fn identity(key: &str, signature: &str) -> Identity {
        Identity { customer_key: key.into(), signature: signature.into() }
    }

    #[test]
    fn a_relay_without_the_secret_takes_no_transcript() {
        let history = SignedHistory { messages: "[]".into(), signature: sign(SECRET, "[]") };
        let refused = Identities::new(None, false).verify_history(&history).unwrap_err();
        assert_eq!(refused.status(), 401);
        assert!(refused.message().contains("RELAY_IDENTITY_SECRET"), "{}", refused.message());
        assert_eq!(Identities::new(Some(SECRET.to_vec()), false).verify_history(&history).unwrap(), Vec::new());
    }

    #[test]
    fn only_a_signature_of_that_key_under_the_secret_verifies() {
        let identities = Identities::new(Some(SECRET.to_vec()), false);
        let good = sign(SECRET, "customer-42");
        assert_eq!(identities.verify(Some(&identity("customer-42", &good))).unwrap().as_deref(), Some("customer-42"));
        assert_eq!(identities.verify(None).unwrap(), None, "unverified conversations are allowed unless required");
        let other = sign(SECRET, "customer-7");
        let hostile = [
            identity("customer-42", &other),
            identity("customer-42", &good.to_uppercase()),
            identity("customer-42", &good[..63]),
            identity("customer-42", ""),
            identity("customer-42 ", &good),
            identity("", &sign(SECRET, "")),
            identity("a\nb", &sign(SECRET, "a\nb")),
            identity(&"k".repeat(MAX_KEY_LEN + 1), &sign(SECRET, &"k".repeat(MAX_KEY_LEN + 1))),
            identity("customer-42", &sign(b"another-secret", "customer-42")),
        ];
        for claimed in hostile {
            assert_eq!(identities.verify(Some(&claimed)).unwrap_err().status(), 401, "{claimed:?}");
        }
    }

    #[test]
    fn required_identities_refuse_conversations_without_one_and_no_secret_verifies_nothing() {
        let required = Identities::new(Some(SECRET.to_vec()), true);
        assert_eq!(required.verify(None).unwrap_err().status(), 401);
        let unconfigured = Identities::new(None, false);
        assert_eq!(unconfigured.verify(Some(&identity("k", &sign(SECRET, "k")))).unwrap_err().status(), 401);
    }
}
