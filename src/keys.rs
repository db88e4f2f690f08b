//! Idempotency keys for the visitor's messages: random, from the browser's crypto.

/// A fresh random idempotency key for a message.
pub fn new_key() -> String {
    web_sys::window()
        .and_then(|window| window.crypto().ok())
        .map(|crypto| crypto.random_uuid())
        .unwrap_or_else(|| format!("{}-{}", crate::clock::now(), (js_sys::Math::random() * 1e16) as u64))
}
