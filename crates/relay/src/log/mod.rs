//! The ordered event log of every interaction: the source of truth of the transcript
//! (docs/design.md §3). Triggers from webhooks and the visitor's own sent messages are appended with
//! ids that increase by one; subscribers get the events after the id they last saw, then every
//! new one, with no gap and no repeat.
//!
//! One interface, [`Store`], with two places beneath it: this process's memory ([`memory`], the
//! default) or Redis, shared by several relays ([`shared`], `REDIS_URL`). The rest of the relay
//! does not know which one runs. Both keep the same rules, stated once here:
//!
//! - **Ids**: `epoch-seq`; `seq` goes up by one per event; `epoch` changes when a log is made
//!   anew, so an id of an earlier log is recognised ([`resume_point`]).
//! - **Trimming**: the oldest events go while a log is over `max_events` or
//!   `max_interaction_bytes`; the newest always stays.
//! - **Redeliveries**: an agent message is recognised by its hash for as long as it is in the
//!   log (the filter forgets what the log forgets); any other trigger, as a repeat of the last
//!   one since the last agent message ([`Dedupe`]).
//! - **Held triggers**: a trigger for an interaction not yet opened (its create answer has not
//!   come back) is held, at most `max_held` triggers and `max_held_bytes` over all such
//!   interactions; an interaction's held triggers go `hold` after its first was held.
//! - **Lifetime**: a log goes `finished_ttl` after `finished`, `idle_ttl` after it was last
//!   opened or written. Memory also keeps all logs within `max_interactions` and `max_bytes`,
//!   evicting finished, then unwatched, then the longest idle ([`memory`]); Redis's memory is
//!   Redis's to bound (`maxmemory`).

pub mod memory;
pub mod shared;

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Instant;

use tokio::sync::{broadcast, watch};
use zchat_types::{CustomerMessage, EventId, StreamEventKind, Trigger, TriggerEvent};

pub use memory::MemoryLog;
pub use shared::SharedLog;

use crate::config::Limits;
use crate::redis_link::{Backing, Unavailable};

/// Live events buffered per subscriber before it counts as lagging (and reads from the log).
/// 16 rather than 64: 1.4 KB less per interaction (BENCHMARKS.md, issue 19); a subscriber that falls
/// behind reads from the log, gap-free.
pub(crate) const LIVE_CAPACITY: usize = 16;
/// What an event costs besides its data (its id, its `Arc`, the queue's slot).
pub(crate) const EVENT_OVERHEAD: usize = 128;

/// One event of a log, as streamed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedEvent {
    pub id: EventId,
    pub kind: StreamEventKind,
    /// The SSE `data:`: for a trigger, the webhook body as zChat sent it.
    pub data: String,
    /// When the relay logged it, in milliseconds since the Unix epoch.
    pub at: u64,
}

impl LoggedEvent {
    /// What keeping it costs, roughly: its data and its bookkeeping.
    pub(crate) fn cost(&self) -> usize {
        self.data.len() + EVENT_OVERHEAD
    }
}

/// What the log needs to know of a trigger, whatever its shape: whose it is, how to recognise its
/// redelivery, and whether it ends the conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arrival {
    pub hash: String,
    pub dedupe: Dedupe,
    pub finished: bool,
}

/// How a redelivered trigger is recognised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dedupe {
    /// By its message hash, for as long as the message is in the log (any shape that has one).
    Message(String),
    /// As a repeat of the last trigger since the last message (the body's canonical text).
    Repeat(String),
}

impl Arrival {
    /// `body` is the webhook as parsed; its text with sorted keys is its canonical form.
    pub fn of(trigger: &Trigger, body: &serde_json::Value) -> Arrival {
        let dedupe = match &trigger.event {
            TriggerEvent::AgentMessage { message, .. } if !message.hash.is_empty() => Dedupe::Message(message.hash.clone()),
            _ => Dedupe::Repeat(body.to_string()),
        };
        Arrival { hash: trigger.interaction_hash.clone(), dedupe, finished: trigger.event == TriggerEvent::Finished }
    }
}

/// What became of a trigger given to [`Store::append_trigger`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Intake {
    Appended(EventId),
    /// A redelivery of a trigger already in the log.
    Duplicate,
    /// Held until the interaction is opened here, or dropped after the hold window.
    Held,
    /// Not kept: too many triggers are held already.
    Dropped,
}

impl Intake {
    /// Its word: the label of `relay_webhooks_total{outcome}`, and the shared log's script's
    /// reply (`shared/append.lua` answers in these words).
    pub fn word(&self) -> &'static str {
        match self {
            Intake::Appended(_) => "appended",
            Intake::Duplicate => "duplicate",
            Intake::Held => "held",
            Intake::Dropped => "dropped",
        }
    }

    /// The intake a word names (an appended one without its id yet).
    pub fn named(word: &str) -> Option<Intake> {
        [Intake::Appended(EventId { epoch: 0, seq: 0 }), Intake::Duplicate, Intake::Held, Intake::Dropped]
            .into_iter()
            .find(|intake| intake.word() == word)
    }
}

/// What the memory log holds now, and what it had to let go (for metrics and tests). Redis
/// counts its own: with it there are none.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LogStats {
    /// Interaction logs kept.
    pub interactions: usize,
    pub held_triggers: usize,
    /// Bytes of events kept.
    pub bytes: usize,
    pub evicted: Evicted,
}

/// Logs removed to make room, by why they were chosen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Evicted {
    pub finished: u64,
    /// Open, but nobody watching.
    pub idle: u64,
    /// Watched: every other candidate looked at was too.
    pub active: u64,
}

/// The event log, in this process's memory or in Redis.
#[derive(Clone)]
pub enum Store {
    Memory(Arc<MemoryLog>),
    Redis(Arc<SharedLog>),
}

impl Store {
    /// The log on `backing`, within `limits`; on Redis, it listens until `stopping`.
    pub fn new(backing: &Backing, limits: Limits, stopping: watch::Receiver<bool>) -> Store {
        match backing {
            Backing::Memory => Store::Memory(MemoryLog::new(limits)),
            Backing::Redis(link) => Store::Redis(SharedLog::start(Arc::clone(link), limits, stopping)),
        }
    }

    /// Opens the log of `hash` if it has none (after a create answer, or for a hash whose session
    /// credential proves this relay created it), and appends any triggers held for it.
    pub async fn open(&self, hash: &str) -> Result<(), Unavailable> {
        match self {
            Store::Memory(log) => {
                log.open(hash, Instant::now());
                Ok(())
            }
            Store::Redis(log) => log.open(hash).await,
        }
    }

    /// Appends a webhook's trigger (`raw` is its body as received), holds it if the interaction is
    /// not open yet, or recognises a redelivery.
    pub async fn append_trigger(&self, raw: String, arrival: Arrival) -> Result<Intake, Unavailable> {
        match self {
            Store::Memory(log) => Ok(log.append_trigger(raw, arrival, Instant::now())),
            Store::Redis(log) => log.append_trigger(raw, arrival).await,
        }
    }

    /// Appends a message the visitor sent (after zChat accepted it), opening the log if needed.
    pub async fn append_customer_message(&self, hash: &str, message: &CustomerMessage) -> Result<EventId, Unavailable> {
        match self {
            Store::Memory(log) => Ok(log.append_customer_message(hash, message, Instant::now())),
            Store::Redis(log) => log.append_customer_message(hash, message).await,
        }
    }

    /// Subscribes to `hash` from after `after` (or from the start), opening the log if needed.
    pub async fn subscribe(&self, hash: &str, after: Option<EventId>) -> Result<Subscription, Unavailable> {
        match self {
            Store::Memory(log) => Ok(log.subscribe(hash, after, Instant::now())),
            Store::Redis(log) => log.subscribe(hash, after).await,
        }
    }

    /// Every event of `hash`'s log, if there is one.
    pub async fn events(&self, hash: &str) -> Result<Option<Vec<Arc<LoggedEvent>>>, Unavailable> {
        match self {
            Store::Memory(log) => Ok(log.events(hash)),
            Store::Redis(log) => log.events(hash).await,
        }
    }

    /// The events after `seq` of the log of `epoch`, or `None` when it is gone, restarted, or no
    /// longer holds the one after `seq`: a subscriber then cannot go on without a gap.
    async fn after(&self, hash: &str, epoch: u64, seq: u64) -> Option<Vec<Arc<LoggedEvent>>> {
        let events = match self {
            Store::Memory(log) => log.events_of(hash, epoch)?,
            Store::Redis(log) => log.events_of(hash, epoch).await.ok()??,
        };
        let first_seq = events.first().map_or(seq + 1, |event| event.id.seq);
        (first_seq <= seq + 1).then(|| events.into_iter().filter(|event| event.id.seq > seq).collect())
    }

    /// Remembers that the verified customer `key` last wrote in `hash`, for as long as a log is
    /// kept (`idle_ttl`): their next conversation, from any browser, names it for its agent.
    pub async fn remember_customer(&self, key: &str, hash: &str) -> Result<(), Unavailable> {
        let id = customer_id(key);
        match self {
            Store::Memory(log) => {
                log.remember_customer(id, hash, Instant::now());
                Ok(())
            }
            Store::Redis(log) => log.remember_customer(&id, hash).await,
        }
    }

    /// The interaction the verified customer `key` last wrote in, if it is remembered.
    pub async fn last_of_customer(&self, key: &str) -> Result<Option<String>, Unavailable> {
        let id = customer_id(key);
        match self {
            Store::Memory(log) => Ok(log.last_of_customer(&id, Instant::now())),
            Store::Redis(log) => log.last_of_customer(&id).await,
        }
    }

    /// What the memory log holds and let go, for metrics; `None` with Redis (Redis counts).
    pub fn stats(&self) -> Option<LogStats> {
        match self {
            Store::Memory(log) => Some(log.stats()),
            Store::Redis(_) => None,
        }
    }

    /// Expires what is due: held triggers past the window, and (memory) logs past their time.
    pub async fn sweep(&self, now: Instant) {
        match self {
            Store::Memory(log) => log.sweep(now),
            Store::Redis(log) => {
                if let Err(error) = log.sweep().await {
                    tracing::debug!(%error, "held triggers not swept this time");
                }
            }
        }
    }
}

/// One subscriber's events: where it starts, then each new one in order, with no gap (a gap is
/// read from the log) and no repeat.
pub struct Subscription {
    /// `Some(reason)` when the given id could not be resumed: the backlog is then the whole log.
    pub reset: Option<String>,
    pub epoch: u64,
    backlog: VecDeque<Arc<LoggedEvent>>,
    live: broadcast::Receiver<Arc<LoggedEvent>>,
    last_seq: u64,
    log: Store,
    hash: String,
}

impl Subscription {
    /// A subscriber of `hash`'s log of `epoch` that holds `first_seq..next_seq` (`events`), asking
    /// for the events after `after`; `live` was subscribed before `events` were read.
    pub(crate) fn start(
        log: Store,
        hash: &str,
        after: Option<EventId>,
        epoch: u64,
        events: impl IntoIterator<Item = Arc<LoggedEvent>>,
        next_seq: u64,
        live: broadcast::Receiver<Arc<LoggedEvent>>,
    ) -> Subscription {
        let events: VecDeque<Arc<LoggedEvent>> = events.into_iter().collect();
        let first_seq = events.front().map_or(next_seq, |event| event.id.seq);
        let (reset, after_seq) = resume_point(after, epoch, first_seq, next_seq);
        Subscription {
            reset,
            epoch,
            backlog: events.into_iter().filter(|event| event.id.seq > after_seq).collect(),
            live,
            last_seq: after_seq,
            log,
            hash: hash.to_string(),
        }
    }

    /// The next event, or `None` when the stream must end: the log is gone or was made anew, the
    /// subscriber fell behind past the log's start, or (Redis) the relay lost its subscription.
    /// The browser resumes with its last id and gets the rest, or a reset.
    pub async fn next(&mut self) -> Option<Arc<LoggedEvent>> {
        loop {
            if let Some(event) = self.backlog.pop_front() {
                if event.id.seq <= self.last_seq {
                    continue;
                }
                self.last_seq = event.id.seq;
                return Some(event);
            }
            match self.live.recv().await {
                Ok(event) if event.id.epoch != self.epoch => return None,
                Ok(event) if event.id.seq <= self.last_seq => continue,
                Ok(event) if event.id.seq == self.last_seq + 1 => {
                    self.last_seq = event.id.seq;
                    return Some(event);
                }
                // Missed some (published before the subscription, or lagging): read them.
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {
                    self.backlog = self.log.after(&self.hash, self.epoch, self.last_seq).await?.into();
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }

    /// The events already there, without waiting (for tests).
    #[cfg(test)]
    pub(crate) fn drain(&mut self) -> Vec<Arc<LoggedEvent>> {
        let events: Vec<_> = self.backlog.drain(..).filter(|event| event.id.seq > self.last_seq).collect();
        if let Some(last) = events.last() {
            self.last_seq = last.id.seq;
        }
        events
    }
}

/// A customer key as the log keeps it: its SHA-256, so that the store holds no customer's id.
fn customer_id(key: &str) -> String {
    use sha2::{Digest, Sha256};
    crate::hex(&Sha256::digest(key.as_bytes()))
}

/// Where a stream asking for the events after `after` starts in a log of `epoch` that holds
/// `first_seq..next_seq`: after that id, or (with the reason) from the start.
pub(crate) fn resume_point(after: Option<EventId>, epoch: u64, first_seq: u64, next_seq: u64) -> (Option<String>, u64) {
    let reset = match after {
        None => None,
        Some(id) if id.epoch != epoch => Some("this conversation's event log was restarted".to_string()),
        Some(id) if id.seq >= next_seq => Some("the event id is ahead of the log".to_string()),
        Some(id) if id.seq + 1 < first_seq => Some("the events after that id have expired".to_string()),
        Some(_) => None,
    };
    let after_seq = match (after, &reset) {
        (Some(id), None) => id.seq,
        _ => 0,
    };
    (reset, after_seq)
}
