//! The event log's one interface, with its two places: this process's memory (the default:
//! [`EventLog`]) or Redis, shared by several relays (`REDIS_URL`: [`SharedLog`]). The rest of the
//! relay uses [`Store`] and does not know which one runs.

use std::sync::Arc;
use std::time::Instant;

use zchat_types::{CustomerMessage, EventId};

use crate::events::{Arrival, EventLog, Intake, LogStats, LoggedEvent, Subscription};
use crate::shared::{SharedLog, SharedSubscription, Unavailable};

#[derive(Clone)]
pub enum Store {
    Memory(Arc<EventLog>),
    Shared(Arc<SharedLog>),
}

/// Where a stream starts, and its events after that.
pub enum Events {
    Memory(Subscription),
    Shared(SharedSubscription),
}

impl Events {
    /// `Some(reason)` when the asked id could not be resumed: the backlog is the whole log.
    pub fn reset(&self) -> Option<&str> {
        match self {
            Events::Memory(s) => s.reset.as_deref(),
            Events::Shared(s) => s.reset.as_deref(),
        }
    }

    pub fn epoch(&self) -> u64 {
        match self {
            Events::Memory(s) => s.epoch,
            Events::Shared(s) => s.epoch,
        }
    }

    /// The next event, or `None` when the stream must end (the browser resumes it).
    pub async fn next(&mut self) -> Option<Arc<LoggedEvent>> {
        match self {
            Events::Memory(s) => s.next().await,
            Events::Shared(s) => s.next().await,
        }
    }
}

impl Store {
    pub async fn open(&self, hash: &str) -> Result<(), Unavailable> {
        match self {
            Store::Memory(log) => {
                log.open(hash, Instant::now());
                Ok(())
            }
            Store::Shared(log) => log.open(hash).await,
        }
    }

    pub async fn append_trigger(&self, raw: String, arrival: Arrival) -> Result<Intake, Unavailable> {
        match self {
            Store::Memory(log) => Ok(log.append_trigger(raw, arrival, Instant::now())),
            Store::Shared(log) => log.append_trigger(&raw, &arrival).await,
        }
    }

    pub async fn append_customer_message(&self, hash: &str, message: &CustomerMessage) -> Result<EventId, Unavailable> {
        match self {
            Store::Memory(log) => Ok(log.append_customer_message(hash, message, Instant::now())),
            Store::Shared(log) => log.append_customer_message(hash, message).await,
        }
    }

    pub async fn subscribe(&self, hash: &str, after: Option<EventId>) -> Result<Events, Unavailable> {
        match self {
            Store::Memory(log) => Ok(Events::Memory(log.subscribe(hash, after, Instant::now()))),
            Store::Shared(log) => log.subscribe(hash, after).await.map(Events::Shared),
        }
    }

    pub async fn events(&self, hash: &str) -> Result<Option<Vec<Arc<LoggedEvent>>>, Unavailable> {
        match self {
            Store::Memory(log) => Ok(log.events(hash)),
            Store::Shared(log) => log.events(hash).await,
        }
    }

    /// What the log holds and let go, for metrics (Redis: this relay's interactions with streams).
    pub fn stats(&self) -> LogStats {
        match self {
            Store::Memory(log) => log.stats(),
            Store::Shared(log) => log.stats(),
        }
    }

    /// Expires what is due (memory only: Redis expires its keys by itself).
    pub fn sweep(&self, now: Instant) {
        if let Store::Memory(log) = self {
            log.sweep(now);
        }
    }
}
