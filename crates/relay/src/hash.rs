//! An interaction hash, checked once where it comes in (a path, a webhook, zChat's create answer):
//! letters, digits and dashes, 1 to 64 of them. Anything else could change an upstream path, a
//! Redis key or a published frame, and no session is ever issued for it.

use std::fmt;
use std::ops::Deref;

use crate::error::RelayError;
use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct InteractionHash(String);

impl InteractionHash {
    /// The hash, if `text` is one the relay will use.
    pub fn parse(text: &str) -> Option<InteractionHash> {
        let valid = (1..=64).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        valid.then(|| InteractionHash(text.to_string()))
    }
}

impl Deref for InteractionHash {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for InteractionHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The `{hash}` of a route's path: 400 when the path is not text, 404 when it names no
/// interaction the relay could have (as if there were none).
pub struct PathHash(pub InteractionHash);

impl<S: Send + Sync> FromRequestParts<S> for PathHash {
    type Rejection = RelayError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(text) = Path::<String>::from_request_parts(parts, state).await.map_err(|_| RelayError::bad_request("The path is not valid text"))?;
        InteractionHash::parse(&text).map(PathHash).ok_or_else(|| RelayError::not_found("No such interaction"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_letters_digits_and_dashes_up_to_64() {
        for good in ["a", "0000a-000b-0c00-0d0e-f00d00f11111", &"a".repeat(64)] {
            assert_eq!(InteractionHash::parse(good).as_deref(), Some(good));
        }
        for bad in ["", "a.b", "a/b", "a b", "a\nb", "a:b", "ç", "a\0", &"a".repeat(65)] {
            assert!(InteractionHash::parse(bad).is_none(), "{bad:?}");
        }
    }
}
