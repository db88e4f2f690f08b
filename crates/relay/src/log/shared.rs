//! The event log on Redis, shared by every relay that has the same `REDIS_URL`: a webhook that
//! reaches one relay reaches the visitor connected to another, under the rules of [`crate::log`].
//!
//! Per interaction: `zchat:i:{hash}` (epoch, last seq, open, last state, finished, bytes),
//! `zchat:l:{hash}` (a stream whose ids are `0-SEQ`), `zchat:f:{hash}` (the redelivery filter:
//! agent message hashes by seq) and `zchat:h:{hash}` (held triggers); `zchat:held` lists the
//! interactions holding triggers, `zchat:held:size` what each holds, `zchat:held:total` the sums.
//! Every change is one Lua script (`shared/append.lua`, called by [`script`]), so appends from
//! several relays are atomic; one relay's concurrent webhooks share a call ([`batch`]). The script
//! publishes each call's events in one message on `zchat:calls`; each relay has one subscription
//! to it and fans events out to its own streams (never one Redis connection per browser).
//!
//! Redis unreachable: calls fail with [`Unavailable`] (webhooks answer 503, zChat retries; new
//! streams answer 503, the widget retries), open streams end (the browser resumes them later
//! with `Last-Event-ID`), and both connections come back by themselves.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use redis::aio::ConnectionManager;
use tokio::sync::{broadcast, watch};
use zchat_types::{CustomerMessage, EventId, StreamEventKind};

use super::{Arrival, Intake, LoggedEvent, Store, Subscription, LIVE_CAPACITY};
use crate::config::Limits;
use crate::redis_link::{RedisLink, Unavailable};

mod batch;
mod script;

use batch::Batches;
use script::{info_key, log_key, AppendScript, Item, Mode};

pub(super) const CHANNEL: &str = "zchat:calls";

pub struct SharedLog {
    script: Arc<AppendScript>,
    batches: Batches,
    /// This relay's streams by interaction: where the one subscription's events go.
    streams: Mutex<HashMap<String, broadcast::Sender<Arc<LoggedEvent>>>>,
    /// Whether the subscription is live: a stream opened without it could miss events.
    listening: AtomicBool,
}

impl SharedLog {
    /// Subscribes to the events (in the background, again and again until Redis answers).
    pub fn start(redis: Arc<RedisLink>, limits: Limits, stopping: watch::Receiver<bool>) -> Arc<SharedLog> {
        let script = Arc::new(AppendScript::new(redis, limits));
        let log = Arc::new(SharedLog {
            batches: Batches::start(Arc::clone(&script)),
            script,
            streams: Mutex::new(HashMap::new()),
            listening: AtomicBool::new(false),
        });
        tokio::spawn(listen(Arc::clone(&log), stopping));
        log
    }

    /// How many triggers each of this relay's calls to Redis carried (for `/metrics`).
    pub fn triggers_per_call(&self) -> prometheus_client::metrics::histogram::Histogram {
        self.batches.per_call()
    }

    /// How long each call to Redis took (for `/metrics`).
    pub fn call_seconds(&self) -> prometheus_client::metrics::histogram::Histogram {
        self.script.call_seconds()
    }

    /// Drops held triggers past the hold window (also done by every append that holds one).
    pub async fn sweep(&self) -> Result<(), Unavailable> {
        self.script.run(Mode::Sweep, &[Item::of("")]).await.map(|_| ())
    }

    /// Opens the log of `hash` (after a create answer, or for a stream) and appends what was held.
    pub async fn open(&self, hash: &str) -> Result<(), Unavailable> {
        self.script.run(Mode::Open, &[Item::of(hash)]).await.map(|_| ())
    }

    /// Appends a webhook's trigger (`raw` as received), holds it, or recognises a redelivery
    /// (in one call with the other webhooks this relay is taking at the same time).
    pub async fn append_trigger(&self, raw: String, arrival: Arrival) -> Result<Intake, Unavailable> {
        self.batches.trigger(Item::trigger(arrival, raw)).await
    }

    /// Appends a message the visitor sent (after zChat accepted it), opening the log if needed.
    pub async fn append_customer_message(&self, hash: &str, message: &CustomerMessage) -> Result<EventId, Unavailable> {
        let data = serde_json::to_string(message).expect("a customer message serializes");
        match self.script.run(Mode::Customer, &[Item { data, ..Item::of(hash) }]).await?.as_slice() {
            [_, epoch, seq] => batch::appended(epoch, seq),
            reply => Err(Unavailable(format!("unexpected reply {reply:?}"))),
        }
    }

    /// Subscribes to `hash` from after `after` (or from the start), opening the log if needed.
    pub async fn subscribe(self: &Arc<Self>, hash: &str, after: Option<EventId>) -> Result<Subscription, Unavailable> {
        if !self.listening.load(Ordering::SeqCst) {
            return Err(Unavailable("not subscribed to its events yet".into()));
        }
        // Listening before reading: whatever is appended after the read arrives live. Opened and
        // read in one round trip (10,000 browsers may come at once).
        let live = self.local_stream(hash);
        let (epoch, last, events) = opened(&self.script.run(Mode::Subscribe, &[Item::of(hash)]).await?)?;
        let next_seq = events.last().map_or(0, |e| e.id.seq).max(last) + 1;
        Ok(Subscription::start(Store::Redis(Arc::clone(self)), hash, after, epoch, events, next_seq, live))
    }

    pub(super) async fn remember_customer(&self, id: &str, hash: &str) -> Result<(), Unavailable> {
        let mut connection = self.script.redis().connection()?;
        let ttl = self.script.limits().idle_ttl.as_millis() as u64;
        redis::cmd("SET").arg(format!("zchat:c:{id}")).arg(hash).arg("PX").arg(ttl).query_async::<()>(&mut connection).await?;
        Ok(())
    }

    pub(super) async fn last_of_customer(&self, id: &str) -> Result<Option<String>, Unavailable> {
        let mut connection = self.script.redis().connection()?;
        Ok(redis::cmd("GET").arg(format!("zchat:c:{id}")).query_async(&mut connection).await?)
    }

    /// Every event of `hash`'s log of `epoch`, if it is still that one.
    pub(super) async fn events_of(&self, hash: &str, epoch: u64) -> Result<Option<Vec<Arc<LoggedEvent>>>, Unavailable> {
        Ok(self.events(hash).await?.filter(|events| events.first().is_none_or(|event| event.id.epoch == epoch)))
    }

    /// Every event of `hash`'s log, if there is one.
    pub async fn events(&self, hash: &str) -> Result<Option<Vec<Arc<LoggedEvent>>>, Unavailable> {
        let mut connection = self.script.redis().connection()?;
        let epoch: Option<u64> = redis::cmd("HGET").arg(info_key(hash)).arg("epoch").query_async(&mut connection).await?;
        match epoch {
            Some(epoch) => Ok(Some(read(&mut connection, hash, epoch).await?)),
            None => Ok(None),
        }
    }

    fn local_stream(&self, hash: &str) -> broadcast::Receiver<Arc<LoggedEvent>> {
        let mut streams = self.streams.lock().expect("never poisoned");
        // Channels nobody listens to any more go, now and then, as new ones come.
        if streams.len() % 1024 == 1023 {
            streams.retain(|_, sender| sender.receiver_count() > 0);
        }
        streams.entry(hash.to_string()).or_insert_with(|| broadcast::channel(LIVE_CAPACITY).0).subscribe()
    }

    /// A call's events from the subscription, each to this relay's streams of its interaction.
    fn deliver(&self, payload: &[u8]) {
        let streams = self.streams.lock().expect("never poisoned");
        for (hash, event) in published(payload) {
            if let Some(sender) = streams.get(hash) {
                let _ = sender.send(Arc::new(event));
            }
        }
    }

    /// The subscription broke: every stream ends (the browsers resume them with their last id).
    fn drop_streams(&self) {
        self.listening.store(false, Ordering::SeqCst);
        self.streams.lock().expect("never poisoned").clear();
    }
}

/// The relay's one subscription to every interaction's events, on the primary of the moment;
/// comes back after any loss, and moves when the primary does (a failover).
async fn listen(log: Arc<SharedLog>, mut stopping: watch::Receiver<bool>) {
    let mut wait = Duration::from_millis(100);
    let mut moved = log.script.redis().changes();
    loop {
        moved.borrow_and_update();
        let pubsub = match log.script.redis().client() {
            Ok(client) => client.get_async_pubsub().await.map_err(|error| error.to_string()),
            Err(error) => Err(error.to_string()),
        };
        match pubsub {
            Ok(mut pubsub) => match pubsub.subscribe(CHANNEL).await {
                Ok(()) => {
                    log.listening.store(true, Ordering::SeqCst);
                    wait = Duration::from_millis(100);
                    let mut messages = pubsub.on_message();
                    loop {
                        tokio::select! {
                            message = messages.next() => match message {
                                Some(message) => log.deliver(message.get_payload_bytes()),
                                None => break,
                            },
                            _ = moved.changed() => break,
                            _ = stopping.wait_for(|stop| *stop) => return,
                        }
                    }
                    tracing::warn!("lost the Redis subscription (or Redis's primary changed); open streams end and resume later");
                }
                Err(error) => tracing::warn!(%error, "cannot subscribe to Redis"),
            },
            Err(error) => tracing::warn!(%error, "Redis is unreachable; retrying"),
        }
        log.drop_streams();
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = moved.changed() => {}
            _ = stopping.wait_for(|stop| *stop) => return,
        }
        wait = (wait * 2).min(Duration::from_secs(5));
    }
}

/// The log's events, labelled with `epoch`.
async fn read(connection: &mut ConnectionManager, hash: &str, epoch: u64) -> Result<Vec<Arc<LoggedEvent>>, Unavailable> {
    let entries: Vec<(String, Vec<String>)> = redis::cmd("XRANGE").arg(log_key(hash)).arg("-").arg("+").query_async(connection).await?;
    Ok(entries.into_iter().filter_map(|(id, fields)| entry(epoch, &id, &fields)).map(Arc::new).collect())
}

/// A logged event's kind, by the stream's own names (a `reset` is never logged).
fn kind(name: &str) -> Option<StreamEventKind> {
    StreamEventKind::from_name(name).filter(|kind| *kind != StreamEventKind::Reset)
}

/// A stream entry `0-SEQ` with fields `k`, `d`, `t`.
fn entry(epoch: u64, id: &str, fields: &[String]) -> Option<LoggedEvent> {
    let field = |name: &str| fields.chunks(2).find(|pair| pair[0] == name).and_then(|pair| pair.get(1));
    event(epoch, id, field("k")?, field("d")?, field("t")?)
}

/// The event `0-SEQ` of the log of `epoch`, of `kind`, with `data`, logged `at`.
fn event(epoch: u64, id: &str, kind_name: &str, data: &str, at: &str) -> Option<LoggedEvent> {
    let seq = id.strip_prefix("0-")?.parse().ok()?;
    Some(LoggedEvent { id: EventId { epoch, seq }, kind: kind(kind_name)?, data: data.to_string(), at: at.parse().ok()? })
}

/// The script's answer to `subscribe`: the log's epoch, its last seq, and its events.
fn opened(reply: &[String]) -> Result<(u64, u64, Vec<Arc<LoggedEvent>>), Unavailable> {
    let [epoch, last, events @ ..] = reply else { return Err(Unavailable("the log vanished as it was opened".into())) };
    let epoch = epoch.parse().map_err(|_| Unavailable("the log vanished as it was opened".into()))?;
    let events = events.chunks_exact(4).filter_map(|e| event(epoch, &e[0], &e[1], &e[2], &e[3])).map(Arc::new).collect();
    Ok((epoch, last.parse().unwrap_or(0), events))
}

/// A call's events as the script publishes them, each `hash \n epoch \n seq \n kind \n at \n
/// bytes of data \n data`, with the interaction of each. Reading stops at the first that does not
/// parse (the script wrote them all; nothing after a broken one can be framed).
fn published(mut payload: &[u8]) -> impl Iterator<Item = (&str, LoggedEvent)> {
    std::iter::from_fn(move || {
        let mut line = || {
            let end = payload.iter().position(|&b| b == b'\n')?;
            let line = std::str::from_utf8(&payload[..end]).ok();
            payload = &payload[end + 1..];
            line
        };
        let hash = line()?;
        let epoch = line()?.parse().ok()?;
        let seq = line()?.parse().ok()?;
        let kind = kind(line()?)?;
        let at = line()?.parse().ok()?;
        let length: usize = line()?.parse().ok()?;
        let data = std::str::from_utf8(payload.get(..length)?).ok()?.to_string();
        payload = &payload[length..];
        Some((hash, LoggedEvent { id: EventId { epoch, seq }, kind, data, at }))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A trigger Redis refuses (its interaction's key of another type) fails alone: the triggers
    /// its call appended before it are answered, and published, so that streams get them live.
    #[tokio::test]
    async fn a_trigger_redis_refuses_fails_alone_and_its_calls_others_are_published() {
        let mut redis = zchat_testkit::Redis::start().await;
        let (_stop, stopping) = watch::channel(false);
        let link = RedisLink::start(crate::redis_link::Primary::Url(redis.url()), 0, stopping).unwrap();
        let script = AppendScript::new(Arc::clone(&link), Limits::default());
        zchat_testkit::until("Redis to take the script", || async { script.run(Mode::Open, &[Item::of("h1")]).await.ok() }).await;
        let mut raw = link.client().unwrap().get_multiplexed_async_connection().await.unwrap();
        redis::cmd("SET").arg("zchat:i:broken").arg("not a hash").query_async::<()>(&mut raw).await.unwrap();
        let mut pubsub = link.client().unwrap().get_async_pubsub().await.unwrap();
        pubsub.subscribe(CHANNEL).await.unwrap();
        let message = |hash: &str, n: u32| Item {
            dedupe: format!("a:m{n}"),
            data: format!(r#"{{"interaction_hash": "{hash}", "message": {{"hash": "m{n}", "content": "{n}", "type": "text"}}}}"#),
            ..Item::of(hash)
        };
        // The refused one last: a script that stopped there would have appended the others unpublished.
        let reply = script.run(Mode::Triggers, &[message("h1", 0), message("h1", 1), message("broken", 2)]).await.unwrap();
        let outcomes: Vec<_> = (0..3).map(|n| batch::outcome(reply.get(3 * n..3 * n + 3))).collect();
        assert!(matches!(outcomes[..], [Ok(Intake::Appended(_)), Ok(Intake::Appended(_)), Err(_)]), "{outcomes:?}");
        let payload: Vec<u8> =
            tokio::time::timeout(Duration::from_secs(10), pubsub.on_message().next()).await.unwrap().unwrap().get_payload().unwrap();
        let published: Vec<(String, u64)> = published(&payload).map(|(hash, event)| (hash.to_string(), event.id.seq)).collect();
        assert_eq!(published, [("h1".to_string(), 1), ("h1".to_string(), 2)]);
        redis.stop().await;
        let _ = std::fs::remove_dir_all(&redis.dir);
    }

    #[test]
    fn published_events_and_entries_parse() {
        let events: Vec<_> = published(b"h1\n17\n3\ntrigger\n99\n11\n{\"a\":\"x\ny\"}h2\n18\n1\ncustomer_message\n100\n2\n{}").collect();
        assert_eq!(
            events,
            [
                ("h1", LoggedEvent { id: EventId { epoch: 17, seq: 3 }, kind: StreamEventKind::Trigger, data: "{\"a\":\"x\ny\"}".into(), at: 99 }),
                ("h2", LoggedEvent { id: EventId { epoch: 18, seq: 1 }, kind: StreamEventKind::CustomerMessage, data: "{}".into(), at: 100 }),
            ]
        );
        let fields: Vec<String> = ["k", "customer_message", "d", "{}", "t", "5"].map(String::from).to_vec();
        assert_eq!(entry(17, "0-4", &fields).unwrap().id, EventId { epoch: 17, seq: 4 });
        assert!(entry(17, "5-4", &fields).is_none());
        assert_eq!(published(b"h1\nx\n3\ntrigger\n99\n2\n{}").count(), 0);
        assert_eq!(published(b"h1\n1\n3\ntrigger\n99\n9\n{}").count(), 0, "data shorter than its length");
        assert_eq!(published(b"h1\n1\n3\ntrigger\n99\n2\n{}h2\n1").count(), 1, "a cut second event");
        let reply: Vec<String> = ["17", "4", "0-3", "trigger", "{}", "5", "0-4", "customer_message", "{\"c\":1}", "6", "0-5", "other", "{}", "7"]
            .map(String::from)
            .to_vec();
        let (epoch, last, events) = opened(&reply).unwrap();
        assert_eq!((epoch, last), (17, 4));
        assert_eq!(
            events.iter().map(|e| (e.id.seq, e.kind)).collect::<Vec<_>>(),
            [(3, StreamEventKind::Trigger), (4, StreamEventKind::CustomerMessage)],
            "an unknown kind is skipped"
        );
        assert!(opened(&["".to_string(), "0".to_string()]).is_err());
    }
}
