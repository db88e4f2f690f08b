//! Bots' transcripts handed to the agents (the bot handoff): a verified transcript is kept under
//! an id of its own (`handoff-` and 32 hex digits) from the create, whose `external_history` names
//! it, until zChat fetches that history (`crate::history` serves it first, then the visitor's
//! earlier conversation, if any), for as long as a log is kept (`idle_ttl`). Kept where the relay
//! keeps what relays share ([`Backing`]): in this process's memory (at most [`MAX_KEPT`]
//! transcripts and [`MAX_BYTES`], the oldest going first) or in Redis (zChat may fetch from any
//! relay).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use zchat_types::HistoryMessage;

use crate::error::RelayError;
use crate::redis_link::{Backing, RedisLink};

/// What names a handed-over transcript in a history URL (an interaction hash never starts so).
pub const PREFIX: &str = "handoff-";
/// Transcripts kept in memory at most, and their bytes.
const MAX_KEPT: usize = 1_000;
const MAX_BYTES: usize = 16 * 1024 * 1024;

/// A transcript and the visitor's earlier conversation it comes before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Handoff {
    pub messages: Vec<HistoryMessage>,
    /// The interaction of the visitor's earlier conversation (`X-Previous-Session`, or a verified
    /// customer's last one).
    pub previous: Option<String>,
}

pub enum Handoffs {
    Memory(InMemory),
    Redis(OnRedis),
}

#[derive(Default)]
pub struct InMemory {
    kept: Mutex<Kept>,
}

#[derive(Default)]
struct Kept {
    by_id: HashMap<String, (Arc<Handoff>, usize)>,
    /// Oldest first, with when each was kept.
    order: VecDeque<(String, Instant)>,
    bytes: usize,
}

pub struct OnRedis(Arc<RedisLink>);

impl Handoffs {
    pub fn new(backing: &Backing) -> Handoffs {
        match backing {
            Backing::Memory => Handoffs::Memory(InMemory::default()),
            Backing::Redis(link) => Handoffs::Redis(OnRedis(Arc::clone(link))),
        }
    }

    /// Keeps `handoff` for `ttl`; its id.
    pub async fn keep(&self, handoff: Handoff, ttl: Duration) -> Result<String, RelayError> {
        let id = format!("{PREFIX}{}", &crate::random_secret()[..32]);
        let json = serde_json::to_string(&handoff).expect("a handoff serializes");
        match self {
            Handoffs::Memory(memory) => memory.keep(&id, handoff, json.len(), ttl),
            Handoffs::Redis(OnRedis(link)) => {
                let mut redis = link.connection()?;
                redis::cmd("SET").arg(key(&id)).arg(json).arg("PX").arg(ttl.as_millis() as u64).query_async::<()>(&mut redis).await?;
            }
        }
        Ok(id)
    }

    /// The transcript kept as `id`, while it is kept.
    pub async fn get(&self, id: &str, ttl: Duration) -> Result<Option<Arc<Handoff>>, RelayError> {
        match self {
            Handoffs::Memory(memory) => Ok(memory.get(id, ttl)),
            Handoffs::Redis(OnRedis(link)) => {
                let mut redis = link.connection()?;
                let json: Option<String> = redis::cmd("GET").arg(key(id)).query_async(&mut redis).await?;
                Ok(json.and_then(|json| serde_json::from_str(&json).ok()).map(Arc::new))
            }
        }
    }
}

impl InMemory {
    fn keep(&self, id: &str, handoff: Handoff, bytes: usize, ttl: Duration) {
        let mut kept = self.kept.lock().expect("never poisoned");
        let now = Instant::now();
        kept.forget_old(now, ttl);
        while kept.order.len() >= MAX_KEPT || (kept.bytes + bytes > MAX_BYTES && !kept.order.is_empty()) {
            kept.pop_oldest();
        }
        kept.by_id.insert(id.to_string(), (Arc::new(handoff), bytes));
        kept.order.push_back((id.to_string(), now));
        kept.bytes += bytes;
    }

    fn get(&self, id: &str, ttl: Duration) -> Option<Arc<Handoff>> {
        let mut kept = self.kept.lock().expect("never poisoned");
        kept.forget_old(Instant::now(), ttl);
        kept.by_id.get(id).map(|(handoff, _)| Arc::clone(handoff))
    }
}

impl Kept {
    fn forget_old(&mut self, now: Instant, ttl: Duration) {
        while self.order.front().is_some_and(|(_, at)| now.duration_since(*at) >= ttl) {
            self.pop_oldest();
        }
    }

    fn pop_oldest(&mut self) {
        if let Some((id, _)) = self.order.pop_front() {
            if let Some((_, bytes)) = self.by_id.remove(&id) {
                self.bytes -= bytes;
            }
        }
    }
}

fn key(id: &str) -> String {
    format!("zchat:{id}")
}

#[cfg(test)]
mod tests {
    use zchat_types::Direction;

    use super::*;

    fn handoff(content: &str) -> Handoff {
        Handoff {
            messages: vec![HistoryMessage { time: "2026-12-07 10:00:00".into(), direction: Direction::Agent, content: content.into() }],
            previous: None,
        }
    }

    #[tokio::test]
    async fn kept_in_memory_until_their_time_and_within_their_bounds() {
        let handoffs = Handoffs::new(&Backing::Memory);
        let ttl = Duration::from_secs(60);
        let id = handoffs.keep(handoff("Olá, sou o bot"), ttl).await.unwrap();
        assert!(id.starts_with(PREFIX) && id.len() == PREFIX.len() + 32, "{id}");
        assert_eq!(handoffs.get(&id, ttl).await.unwrap().unwrap().messages[0].content, "Olá, sou o bot");
        assert!(handoffs.get("handoff-unknown", ttl).await.unwrap().is_none());
        // Past their time: gone.
        assert!(handoffs.get(&id, Duration::ZERO).await.unwrap().is_none());
        // Past the count: the oldest go.
        let ids: Vec<String> = futures_util::future::join_all((0..MAX_KEPT + 5).map(|n| handoffs.keep(handoff(&n.to_string()), ttl)))
            .await
            .into_iter()
            .map(Result::unwrap)
            .collect();
        assert!(handoffs.get(&ids[0], ttl).await.unwrap().is_none(), "the oldest went");
        assert!(handoffs.get(&ids[MAX_KEPT + 4], ttl).await.unwrap().is_some(), "the newest stayed");
        // Past the bytes: the oldest go, the newest stays even alone.
        let big = handoff(&"x".repeat(MAX_BYTES / 3));
        let big_ids: Vec<String> =
            futures_util::future::join_all((0..4).map(|_| handoffs.keep(big.clone(), ttl))).await.into_iter().map(Result::unwrap).collect();
        assert!(handoffs.get(&big_ids[0], ttl).await.unwrap().is_none());
        assert!(handoffs.get(&big_ids[3], ttl).await.unwrap().is_some());
    }
}
