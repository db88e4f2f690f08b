//! The event log on Redis, shared by every relay that has the same `REDIS_URL`: a webhook that
//! reaches one relay reaches the visitor connected to another, with the same guarantees as the
//! in-memory log ([`crate::events`]): ids that increase by one, replay after an id, redeliveries
//! dropped, triggers held until the create answer.
//!
//! Per interaction: `zchat:i:{hash}` (epoch, last seq, open, last state, finished), `zchat:l:{hash}`
//! (a stream whose ids are `0-SEQ`, at most `max_events`), `zchat:m:{hash}` (agent message hashes)
//! and `zchat:h:{hash}` (held triggers); `zchat:held` lists the interactions holding triggers.
//! Every change is one Lua script (`append.lua`), so appends from several relays are atomic.
//! The script publishes each event on `zchat:events`; each relay has one subscription to it and
//! fans events out to its own streams (never one Redis connection per browser).
//!
//! Redis unreachable: calls fail with [`Unavailable`] (webhooks answer 503, zChat retries; new
//! streams answer 503, the widget retries), open streams end (the browser resumes them later
//! with `Last-Event-ID`), and both connections come back by themselves.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures_util::StreamExt;
use redis::aio::ConnectionManager;
use redis::Script;
use tokio::sync::{broadcast, watch};
use zchat_types::{CustomerMessage, EventId, StreamEventKind};

use crate::events::{Arrival, Dedupe, Intake, Limits, LoggedEvent};

/// Redis could not be reached (or answered an error): the caller answers 503.
#[derive(Debug, Clone)]
pub struct Unavailable(pub String);

impl std::fmt::Display for Unavailable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the shared event log is unavailable: {}", self.0)
    }
}

impl std::error::Error for Unavailable {}

/// Redis being away is a 503 everywhere: the caller (zChat, the widget) retries later.
impl From<Unavailable> for zchat_types::ApiError {
    fn from(error: Unavailable) -> Self {
        tracing::warn!(%error, "answered 503");
        zchat_types::ApiError::new(503, "The conversation's events are unavailable for a moment; retry later")
    }
}

impl From<redis::RedisError> for Unavailable {
    fn from(error: redis::RedisError) -> Self {
        Unavailable(error.to_string())
    }
}

const CHANNEL: &str = "zchat:events";
const HELD: &str = "zchat:held";
/// Live events buffered per local stream before it counts as lagging (and reads from Redis).
const LIVE_CAPACITY: usize = 64;

pub struct SharedLog {
    commands: RwLock<Option<ConnectionManager>>,
    script: Script,
    limits: Limits,
    /// This relay's streams by interaction: where the one subscription's events go.
    streams: Mutex<HashMap<String, broadcast::Sender<Arc<LoggedEvent>>>>,
    /// Whether the subscription is live: a stream opened without it could miss events.
    listening: AtomicBool,
}

impl SharedLog {
    /// Connects (in the background, again and again until Redis answers) and subscribes.
    pub fn start(url: &str, limits: Limits, stopping: watch::Receiver<bool>) -> Result<Arc<SharedLog>, Unavailable> {
        let client = redis::Client::open(url)?;
        let log = Arc::new(SharedLog {
            commands: RwLock::new(None),
            script: Script::new(include_str!("append.lua")),
            limits,
            streams: Mutex::new(HashMap::new()),
            listening: AtomicBool::new(false),
        });
        tokio::spawn(connect(Arc::clone(&log), client.clone(), stopping.clone()));
        tokio::spawn(listen(Arc::clone(&log), client, stopping));
        Ok(log)
    }

    pub(crate) fn connection(&self) -> Result<ConnectionManager, Unavailable> {
        let commands = self.commands.read().expect("never poisoned");
        commands.clone().ok_or_else(|| Unavailable("not connected yet".into()))
    }

    /// Runs the script in `mode` for `hash`.
    async fn run(&self, mode: &str, hash: &str, dedupe: &str, finished: bool, data: &str) -> Result<Vec<String>, Unavailable> {
        let mut connection = self.connection()?;
        let now = unix_millis();
        let limits = &self.limits;
        let reply: Vec<String> = self
            .script
            .key(info_key(hash))
            .key(log_key(hash))
            .key(format!("zchat:m:{hash}"))
            .key(format!("zchat:h:{hash}"))
            .key(HELD)
            .arg(mode)
            .arg(hash)
            .arg(now)
            .arg(limits.max_events)
            .arg(limits.hold.as_millis() as u64)
            .arg(now.saturating_sub(limits.hold.as_millis() as u64))
            .arg(limits.max_held)
            .arg(limits.idle_ttl.as_millis() as u64)
            .arg(limits.finished_ttl.as_millis() as u64)
            .arg(dedupe)
            .arg(if finished { "1" } else { "" })
            .arg(data)
            .invoke_async(&mut connection)
            .await?;
        Ok(reply)
    }

    /// Opens the log of `hash` (after a create answer, or for a stream) and appends what was held.
    pub async fn open(&self, hash: &str) -> Result<(), Unavailable> {
        self.run("open", hash, "", false, "").await.map(|_| ())
    }

    /// Appends a webhook's trigger (`raw` as received), holds it, or recognises a redelivery.
    pub async fn append_trigger(&self, raw: &str, arrival: &Arrival) -> Result<Intake, Unavailable> {
        let dedupe = match &arrival.dedupe {
            Dedupe::Message(hash) => format!("a:{hash}"),
            Dedupe::Repeat(body) => format!("s:{body}"),
        };
        let reply = self.run("trigger", &arrival.hash, &dedupe, arrival.finished, raw).await?;
        Ok(match reply.first().map(String::as_str) {
            Some("appended") => Intake::Appended(appended_id(&reply)?),
            Some("duplicate") => Intake::Duplicate,
            Some("held") => Intake::Held,
            _ => Intake::Dropped,
        })
    }

    /// Appends a message the visitor sent (after zChat accepted it), opening the log if needed.
    pub async fn append_customer_message(&self, hash: &str, message: &CustomerMessage) -> Result<EventId, Unavailable> {
        let data = serde_json::to_string(message).expect("a customer message serializes");
        appended_id(&self.run("customer", hash, "", false, &data).await?)
    }

    /// Subscribes to `hash` from after `after` (or from the start), opening the log if needed.
    pub async fn subscribe(self: &Arc<Self>, hash: &str, after: Option<EventId>) -> Result<SharedSubscription, Unavailable> {
        if !self.listening.load(Ordering::SeqCst) {
            return Err(Unavailable("not subscribed to its events yet".into()));
        }
        self.open(hash).await?;
        // Listening before reading: whatever is appended after the read arrives live.
        let live = self.local_stream(hash);
        let mut connection = self.connection()?;
        let (epoch, last): (Option<u64>, Option<u64>) =
            redis::cmd("HMGET").arg(info_key(hash)).arg("epoch").arg("seq").query_async(&mut connection).await?;
        let epoch = epoch.ok_or_else(|| Unavailable("the log vanished as it was opened".into()))?;
        let events = self.read(&mut connection, hash, epoch, 0).await?;
        let next_seq = events.last().map_or(0, |e| e.id.seq).max(last.unwrap_or(0)) + 1;
        let first_seq = events.first().map_or(next_seq, |event| event.id.seq);
        let (reset, after_seq) = crate::events::resume_point(after, epoch, first_seq, next_seq);
        Ok(SharedSubscription {
            reset,
            epoch,
            backlog: events.into_iter().filter(|event| event.id.seq > after_seq).collect(),
            live,
            last_seq: after_seq,
            log: Arc::clone(self),
            hash: hash.to_string(),
        })
    }

    /// Every event of `hash`'s log, if there is one.
    pub async fn events(&self, hash: &str) -> Result<Option<Vec<Arc<LoggedEvent>>>, Unavailable> {
        let mut connection = self.connection()?;
        let epoch: Option<u64> = redis::cmd("HGET").arg(info_key(hash)).arg("epoch").query_async(&mut connection).await?;
        match epoch {
            Some(epoch) => Ok(Some(self.read(&mut connection, hash, epoch, 0).await?)),
            None => Ok(None),
        }
    }

    /// This relay's interactions with open streams (what is held and kept is Redis's to count).
    pub fn stats(&self) -> crate::events::LogStats {
        crate::events::LogStats { interactions: self.streams.lock().expect("never poisoned").len(), ..Default::default() }
    }

    /// The log's events after `seq`.
    async fn read(&self, connection: &mut ConnectionManager, hash: &str, epoch: u64, seq: u64) -> Result<Vec<Arc<LoggedEvent>>, Unavailable> {
        let entries: Vec<(String, Vec<String>)> =
            redis::cmd("XRANGE").arg(log_key(hash)).arg(format!("(0-{seq}")).arg("+").query_async(connection).await?;
        Ok(entries.into_iter().filter_map(|(id, fields)| entry(epoch, &id, &fields)).map(Arc::new).collect())
    }

    fn local_stream(&self, hash: &str) -> broadcast::Receiver<Arc<LoggedEvent>> {
        let mut streams = self.streams.lock().expect("never poisoned");
        // Channels nobody listens to any more go, now and then, as new ones come.
        if streams.len() % 1024 == 1023 {
            streams.retain(|_, sender| sender.receiver_count() > 0);
        }
        streams.entry(hash.to_string()).or_insert_with(|| broadcast::channel(LIVE_CAPACITY).0).subscribe()
    }

    /// An event from the subscription, to this relay's streams of its interaction.
    fn deliver(&self, payload: &str) {
        let Some((hash, event)) = published(payload) else { return };
        if let Some(sender) = self.streams.lock().expect("never poisoned").get(hash) {
            let _ = sender.send(Arc::new(event));
        }
    }

    /// The subscription broke: every stream ends (the browsers resume them with their last id).
    fn drop_streams(&self) {
        self.listening.store(false, Ordering::SeqCst);
        self.streams.lock().expect("never poisoned").clear();
    }
}

/// Where a new subscriber starts, and its events after that.
pub struct SharedSubscription {
    pub reset: Option<String>,
    pub epoch: u64,
    backlog: VecDeque<Arc<LoggedEvent>>,
    live: broadcast::Receiver<Arc<LoggedEvent>>,
    last_seq: u64,
    log: Arc<SharedLog>,
    hash: String,
}

impl SharedSubscription {
    /// The next event, in order with no gap (a gap is read from Redis), or `None` when the stream
    /// must end (the log restarted, or the relay lost its subscription).
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
                // Missed some (published before this relay listened, or lagging): read them.
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {
                    let mut connection = self.log.connection().ok()?;
                    self.backlog = self.log.read(&mut connection, &self.hash, self.epoch, self.last_seq).await.ok()?.into();
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }
}

/// Makes the command connection, retrying until Redis answers; afterwards it reconnects by itself.
async fn connect(log: Arc<SharedLog>, client: redis::Client, mut stopping: watch::Receiver<bool>) {
    let mut wait = Duration::from_millis(100);
    loop {
        // Generous: a burst on a busy machine must not read as Redis being away.
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(3)));
        match client.get_connection_manager_with_config(config).await {
            Ok(manager) => {
                *log.commands.write().expect("never poisoned") = Some(manager);
                return;
            }
            Err(error) => tracing::warn!(%error, "Redis is unreachable; retrying"),
        }
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stopping.wait_for(|stop| *stop) => return,
        }
        wait = (wait * 2).min(Duration::from_secs(5));
    }
}

/// The relay's one subscription to every interaction's events; comes back after any loss.
async fn listen(log: Arc<SharedLog>, client: redis::Client, mut stopping: watch::Receiver<bool>) {
    let mut wait = Duration::from_millis(100);
    loop {
        match client.get_async_pubsub().await {
            Ok(mut pubsub) => match pubsub.subscribe(CHANNEL).await {
                Ok(()) => {
                    log.listening.store(true, Ordering::SeqCst);
                    wait = Duration::from_millis(100);
                    let mut messages = pubsub.on_message();
                    loop {
                        tokio::select! {
                            message = messages.next() => match message {
                                Some(message) => {
                                    if let Ok(payload) = message.get_payload::<String>() {
                                        log.deliver(&payload);
                                    }
                                }
                                None => break,
                            },
                            _ = stopping.wait_for(|stop| *stop) => return,
                        }
                    }
                    tracing::warn!("lost the Redis subscription; open streams end and resume later");
                }
                Err(error) => tracing::warn!(%error, "cannot subscribe to Redis"),
            },
            Err(error) => tracing::warn!(%error, "Redis is unreachable; retrying"),
        }
        log.drop_streams();
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stopping.wait_for(|stop| *stop) => return,
        }
        wait = (wait * 2).min(Duration::from_secs(5));
    }
}

fn info_key(hash: &str) -> String {
    format!("zchat:i:{hash}")
}

fn log_key(hash: &str) -> String {
    format!("zchat:l:{hash}")
}

fn appended_id(reply: &[String]) -> Result<EventId, Unavailable> {
    match reply {
        [_, epoch, seq] => match (epoch.parse(), seq.parse()) {
            (Ok(epoch), Ok(seq)) => Ok(EventId { epoch, seq }),
            _ => Err(Unavailable(format!("unexpected reply {reply:?}"))),
        },
        _ => Err(Unavailable(format!("unexpected reply {reply:?}"))),
    }
}

fn kind(name: &str) -> Option<StreamEventKind> {
    match name {
        "trigger" => Some(StreamEventKind::Trigger),
        "customer_message" => Some(StreamEventKind::CustomerMessage),
        _ => None,
    }
}

/// A stream entry `0-SEQ` with fields `k`, `d`, `t`.
fn entry(epoch: u64, id: &str, fields: &[String]) -> Option<LoggedEvent> {
    let seq = id.strip_prefix("0-")?.parse().ok()?;
    let field = |name: &str| fields.chunks(2).find(|pair| pair[0] == name).and_then(|pair| pair.get(1));
    Some(LoggedEvent { id: EventId { epoch, seq }, kind: kind(field("k")?)?, data: field("d")?.clone(), at: field("t")?.parse().ok()? })
}

/// `hash \n epoch \n seq \n kind \n at \n data`, as the script publishes it.
fn published(payload: &str) -> Option<(&str, LoggedEvent)> {
    let mut parts = payload.splitn(6, '\n');
    let hash = parts.next()?;
    let epoch = parts.next()?.parse().ok()?;
    let seq = parts.next()?.parse().ok()?;
    let kind = kind(parts.next()?)?;
    let at = parts.next()?.parse().ok()?;
    let data = parts.next()?.to_string();
    Some((hash, LoggedEvent { id: EventId { epoch, seq }, kind, data, at }))
}

fn unix_millis() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_events_and_entries_parse() {
        let (hash, event) = published("h1\n17\n3\ntrigger\n99\n{\"a\":\"x\ny\"}").unwrap();
        assert_eq!(hash, "h1");
        assert_eq!(event, LoggedEvent { id: EventId { epoch: 17, seq: 3 }, kind: StreamEventKind::Trigger, data: "{\"a\":\"x\ny\"}".into(), at: 99 });
        let fields: Vec<String> = ["k", "customer_message", "d", "{}", "t", "5"].map(String::from).to_vec();
        assert_eq!(entry(17, "0-4", &fields).unwrap().id, EventId { epoch: 17, seq: 4 });
        assert!(entry(17, "5-4", &fields).is_none());
        assert!(published("h1\nx\n3\ntrigger\n99\n{}").is_none());
    }
}
