//! Who may use the relay how much: rate limits per client address and per interaction (429 with
//! `Retry-After`), and counted slots for open connections and streams (per address and per
//! interaction), so that no one client, credential or address can hold the relay or make it
//! hammer zChat with the account token.
//!
//! A client is known by its address, IPv6 by its /64: one subscriber line gets a whole /64, and
//! rotating addresses inside it must not buy a fresh budget.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::error::RelayError;
use crate::Relay;

/// The address a client is counted by ([`client_key`] of its [`client_address`]).
#[derive(Debug, Clone, Copy)]
pub struct ClientAddress(pub IpAddr);

impl FromRequestParts<Arc<Relay>> for ClientAddress {
    type Rejection = RelayError;

    async fn from_request_parts(parts: &mut Parts, relay: &Arc<Relay>) -> Result<Self, RelayError> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(peer)| *peer);
        let peer = peer.ok_or_else(|| RelayError::busy("The relay does not know where this request came from"))?;
        Ok(ClientAddress::of(&parts.headers, peer, relay.trust_forwarded_for))
    }
}

impl ClientAddress {
    pub fn of(headers: &HeaderMap, peer: SocketAddr, trust_forwarded_for: bool) -> ClientAddress {
        ClientAddress(client_key(client_address(headers, peer, trust_forwarded_for)))
    }
}

/// The client's address: the peer's, or behind a trusted proxy the last `X-Forwarded-For` entry
/// (the one that proxy added; earlier ones are the client's own claims).
pub fn client_address(headers: &HeaderMap, peer: SocketAddr, trust_forwarded_for: bool) -> IpAddr {
    let forwarded = trust_forwarded_for.then(|| headers.get("x-forwarded-for")?.to_str().ok()?.rsplit(',').next()?.trim().parse().ok()).flatten();
    forwarded.unwrap_or(peer.ip())
}

/// The address a client is counted by: IPv4 as it is (an IPv4-mapped IPv6 address as its IPv4),
/// IPv6 by its /64 prefix.
pub fn client_key(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(_) => address,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let mut segments = v6.segments();
                segments[4..].fill(0);
                IpAddr::V6(segments.into())
            }
        },
    }
}

/// A per-minute budget for each key (a client address, an interaction hash).
pub struct Budget<K: Hash + Eq + Clone> {
    limiter: DefaultKeyedRateLimiter<K>,
    what: &'static str,
}

/// Keys kept by a limiter before the ones whose budget is full again are dropped.
const LIMITER_KEYS: usize = 10_000;

impl<K: Hash + Eq + Clone> Budget<K> {
    /// `per_minute` calls a minute for each key, all of them at once if need be.
    pub fn per_minute(per_minute: u32, what: &'static str) -> Self {
        let quota = Quota::per_minute(NonZeroU32::new(per_minute.max(1)).expect("at least one"));
        Budget { limiter: RateLimiter::keyed(quota), what }
    }

    /// Takes one call from `key`'s budget, or 429 with the time until the next one is allowed.
    pub fn take(&self, key: &K) -> Result<(), RelayError> {
        // Each key costs a cell: forget those whose budget is whole again, before there are many.
        if self.limiter.len() > LIMITER_KEYS {
            self.limiter.retain_recent();
        }
        self.limiter.check_key(key).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            RelayError::too_many(format!("Too many {}; try again later", self.what), wait)
        })
    }
}

/// Counted places for open things (connections, streams) per key, with a cap per key. A place is
/// held by its [`Slot`] and given back when that drops, however the holder ends.
pub struct Slots<K: Hash + Eq + Clone> {
    open: Arc<Mutex<HashMap<K, usize>>>,
    cap: usize,
}

impl<K: Hash + Eq + Clone> Slots<K> {
    pub fn new(cap: usize) -> Self {
        Slots { open: Arc::new(Mutex::new(HashMap::new())), cap }
    }

    /// A place for `key`, or `None` when it holds `cap` already.
    pub fn take(&self, key: K) -> Option<Slot<K>> {
        let mut open = self.open.lock().expect("never poisoned");
        let count = open.entry(key.clone()).or_default();
        if *count >= self.cap {
            return None;
        }
        *count += 1;
        Some(Slot { open: Arc::clone(&self.open), key })
    }

    /// How many places `key` holds now.
    #[cfg(test)]
    fn held(&self, key: &K) -> usize {
        self.open.lock().expect("never poisoned").get(key).copied().unwrap_or(0)
    }
}

/// One place of a [`Slots`], given back on drop.
pub struct Slot<K: Hash + Eq + Clone> {
    open: Arc<Mutex<HashMap<K, usize>>>,
    key: K,
}

impl<K: Hash + Eq + Clone> Drop for Slot<K> {
    fn drop(&mut self) {
        let mut open = self.open.lock().expect("never poisoned");
        if let Some(count) = open.get_mut(&self.key) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_clients_are_counted_by_their_64_and_mapped_ipv4_as_ipv4() {
        let key = |text: &str| client_key(text.parse().unwrap());
        assert_eq!(key("2001:db8:1:2:aaaa::1"), key("2001:db8:1:2:ffff:1:2:3"));
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
        assert_eq!(key("::ffff:192.0.2.7"), key("192.0.2.7"));
        assert_eq!(key("192.0.2.7").to_string(), "192.0.2.7");
    }

    #[test]
    fn a_budget_refuses_past_its_quota_with_a_wait() {
        let budget = Budget::per_minute(2, "calls");
        assert!(budget.take(&"a").is_ok() && budget.take(&"a").is_ok());
        let refused = budget.take(&"a").unwrap_err();
        let RelayError::TooMany { wait, .. } = refused else { panic!("{refused:?}") };
        assert!((1..=60).contains(&wait.as_secs().max(1)), "{wait:?}");
        assert!(budget.take(&"b").is_ok(), "another key has its own budget");
    }

    #[test]
    fn slots_are_capped_per_key_and_given_back_on_drop() {
        let slots = Slots::new(2);
        let first = slots.take("a").unwrap();
        let _second = slots.take("a").unwrap();
        assert!(slots.take("a").is_none());
        assert!(slots.take("b").is_some());
        drop(first);
        assert_eq!(slots.held(&"a"), 1);
        assert!(slots.take("a").is_some());
    }
}
