//! How many bytes one conversation has uploaded, against `RELAY_UPLOAD_QUOTA_BYTES`: in this
//! process's memory, or in Redis when several relays share it (a visitor's uploads may reach any
//! of them). An upload reserves its declared length before its body is read and gives back what
//! it did not store.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::error::RelayError;
use crate::redis_link::{Backing, RedisLink, Unavailable};

/// The quotas, kept where the relay keeps what relays share ([`Backing`]).
pub enum Quota {
    Memory(InMemory),
    Redis(OnRedis),
}

/// Bytes by conversation, with when each last uploaded, for at most `most` conversations.
pub struct InMemory {
    used: Mutex<HashMap<String, (u64, Instant)>>,
    most: usize,
}

pub struct OnRedis(Arc<RedisLink>);

/// What a reservation found.
#[derive(Debug, PartialEq, Eq)]
pub enum Reserved {
    Yes,
    /// Over the quota: this many bytes were already used.
    No {
        used: u64,
    },
}

impl Quota {
    /// The quotas on `backing`; in memory, for at most `most` conversations at once.
    pub fn new(backing: &Backing, most: usize) -> Quota {
        match backing {
            Backing::Memory => Quota::Memory(InMemory { used: Mutex::default(), most }),
            Backing::Redis(link) => Quota::Redis(OnRedis(Arc::clone(link))),
        }
    }

    /// Reserves `bytes` for `hash` if that stays within `limit`; a conversation's count is
    /// forgotten `ttl` after its last upload.
    pub async fn reserve(&self, hash: &str, bytes: u64, limit: u64, ttl: Duration) -> Result<Reserved, RelayError> {
        match self {
            Quota::Memory(memory) => memory.reserve(hash, bytes, limit, ttl),
            Quota::Redis(redis) => Ok(redis.reserve(hash, bytes, limit, ttl).await?),
        }
    }

    /// Gives back `bytes` reserved for `hash` and not stored.
    pub async fn release(&self, hash: &str, bytes: u64) {
        if bytes == 0 {
            return;
        }
        match self {
            Quota::Memory(memory) => memory.release(hash, bytes),
            Quota::Redis(redis) => {
                if let Err(error) = redis.release(hash, bytes).await {
                    tracing::warn!(%error, "an upload's unused quota was not given back");
                }
            }
        }
    }
}

impl InMemory {
    fn reserve(&self, hash: &str, bytes: u64, limit: u64, ttl: Duration) -> Result<Reserved, RelayError> {
        let mut used = self.used.lock().expect("never poisoned");
        let now = Instant::now();
        if used.len() >= self.most {
            used.retain(|_, (_, at)| now.duration_since(*at) < ttl);
        }
        if used.len() >= self.most && !used.contains_key(hash) {
            return Err(RelayError::busy("Too many conversations are uploading at once; try again"));
        }
        let entry = used.entry(hash.to_string()).or_insert((0, now));
        if now.duration_since(entry.1) >= ttl {
            *entry = (0, now);
        }
        if entry.0.saturating_add(bytes) > limit {
            return Ok(Reserved::No { used: entry.0 });
        }
        *entry = (entry.0 + bytes, now);
        Ok(Reserved::Yes)
    }

    fn release(&self, hash: &str, bytes: u64) {
        if let Some(entry) = self.used.lock().expect("never poisoned").get_mut(hash) {
            entry.0 = entry.0.saturating_sub(bytes);
        }
    }
}

impl OnRedis {
    async fn reserve(&self, hash: &str, bytes: u64, limit: u64, ttl: Duration) -> Result<Reserved, Unavailable> {
        let mut redis = self.0.connection()?;
        let key = key(hash);
        let (total,): (u64,) =
            redis::pipe().atomic().incr(&key, bytes).expire(&key, ttl.as_secs().max(1) as i64).ignore().query_async(&mut redis).await?;
        if total > limit {
            let () = redis::cmd("DECRBY").arg(&key).arg(bytes).query_async(&mut redis).await?;
            return Ok(Reserved::No { used: total - bytes });
        }
        Ok(Reserved::Yes)
    }

    async fn release(&self, hash: &str, bytes: u64) -> Result<(), Unavailable> {
        let mut redis = self.0.connection()?;
        let () = redis::cmd("DECRBY").arg(key(hash)).arg(bytes).query_async(&mut redis).await?;
        Ok(())
    }
}

fn key(hash: &str) -> String {
    format!("zchat:upload-quota:{hash}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_conversation_gets_its_quota_and_no_more() {
        let quota = Quota::new(&Backing::Memory, 2);
        let day = Duration::from_secs(86_400);
        assert_eq!(quota.reserve("h1", 6, 10, day).await.unwrap(), Reserved::Yes);
        assert_eq!(quota.reserve("h1", 5, 10, day).await.unwrap(), Reserved::No { used: 6 });
        quota.release("h1", 2).await;
        assert_eq!(quota.reserve("h1", 5, 10, day).await.unwrap(), Reserved::Yes);
        assert_eq!(quota.reserve("h2", 10, 10, day).await.unwrap(), Reserved::Yes, "each its own");
        assert!(quota.reserve("h3", 1, 10, day).await.is_err(), "bounded");
        assert_eq!(quota.reserve("h1", u64::MAX, 10, day).await.unwrap(), Reserved::No { used: 9 }, "no overflow");
    }
}
