//! The call of `append.lua`, the one script every change to a shared log goes through: its keys
//! and arguments laid out as the script reads them (its header says how), for one interaction or
//! for several (one relay's concurrent webhooks, [`super::batch`]).

use std::sync::Arc;
use std::time::Instant;

use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use redis::Script;

use crate::config::Limits;
use crate::log::{Arrival, Dedupe, EVENT_OVERHEAD};
use crate::redis_link::{RedisLink, Unavailable};

const HELD: &str = "zchat:held";
const HELD_SIZE: &str = "zchat:held:size";
const HELD_TOTAL: &str = "zchat:held:total";
/// The prefixes of an interaction's keys (`shared.rs` says what each holds): info, log, redelivery
/// filter, held triggers, in the order the script takes them.
const KEYS_OF_INTERACTION: [&str; 4] = ["zchat:i:", "zchat:l:", "zchat:f:", "zchat:h:"];

/// What the script is asked to do: its first argument. These words, and the outcomes' words
/// (`crate::log::Intake::word`), are the script's vocabulary: spelled in Rust here only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    /// Drop held triggers past the hold window.
    Sweep,
    /// Open an interaction's log, appending what was held for it.
    Open,
    /// Append a message the visitor sent.
    Customer,
    /// Open and read a log, for a new stream.
    Subscribe,
    /// Append (or hold, or recognise) webhooks' triggers, several interactions in one call.
    Triggers,
    /// `Triggers` whose events the relay publishes itself once replicas have them (`WAIT`): the
    /// reply ends with the message to publish.
    Replicated,
}

/// How long a call waits for its replicas ([`AppendScript::run_replicated`]): well under the time
/// zChat gives a webhook, well over a healthy replica's lag (under a millisecond on one network).
pub(super) const REPLICA_WAIT: std::time::Duration = std::time::Duration::from_millis(1000);

/// The script's answer for a trigger Redis refused (the others of its call are still taken).
pub(super) const FAILED: &str = "failed";

impl Mode {
    fn word(self) -> &'static str {
        match self {
            Mode::Sweep => "sweep",
            Mode::Open => "open",
            Mode::Customer => "customer",
            Mode::Subscribe => "subscribe",
            Mode::Triggers => "triggers",
            Mode::Replicated => "replicated",
        }
    }
}

/// What the script is asked about one interaction.
pub(super) struct Item {
    pub hash: String,
    /// `a:HASH` (an agent message's), `s:BODY` (a state trigger's), or empty.
    pub dedupe: String,
    pub finished: bool,
    /// The event's data (a trigger as zChat sent it, a customer message), or empty.
    pub data: String,
}

impl Item {
    pub fn of(hash: &str) -> Item {
        Item { hash: hash.to_string(), dedupe: String::new(), finished: false, data: String::new() }
    }

    /// A webhook's trigger (`data` as received) for the interaction its `arrival` names.
    pub fn trigger(arrival: Arrival, data: String) -> Item {
        let dedupe = match arrival.dedupe {
            Dedupe::Message(hash) => format!("a:{hash}"),
            Dedupe::Repeat(body) => format!("s:{body}"),
        };
        Item { hash: arrival.hash, dedupe, finished: arrival.finished, data }
    }
}

/// The script, with where it runs and the limits it applies.
pub(super) struct AppendScript {
    redis: Arc<RedisLink>,
    script: Script,
    limits: Limits,
    /// How long each call took, from sending it to its reply (`relay_redis_call_seconds`).
    seconds: Histogram,
}

impl AppendScript {
    pub fn new(redis: Arc<RedisLink>, limits: Limits) -> AppendScript {
        // From 50 µs to about 0.9 s, each bucket a quarter over the one before (fine enough to
        // set against a whole event's latency: BENCHMARKS.md).
        let seconds = Histogram::new(exponential_buckets(0.000_05, 1.25, 45));
        AppendScript { redis, script: Script::new(include_str!("append.lua")), limits, seconds }
    }

    /// How long each call took (what Redis's work and the round trip to it add to an event).
    pub fn call_seconds(&self) -> Histogram {
        self.seconds.clone()
    }

    pub fn redis(&self) -> &RedisLink {
        &self.redis
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Runs the script in `mode` over `items` (one, but for [`Mode::Triggers`]), in one call.
    pub async fn run(&self, mode: Mode, items: &[Item]) -> Result<Vec<String>, Unavailable> {
        let mut connection = self.redis.connection()?;
        let call = self.call(mode, items);
        match self.timed(call.query_async(&mut connection)).await {
            // Redis restarted, or was flushed: it knows the script again, and the call is made again.
            Err(error) if error.kind() == redis::ErrorKind::Server(redis::ServerErrorKind::NoScript) => {
                self.script.load_async(&mut connection).await?;
                Ok(self.timed(call.query_async(&mut connection)).await?)
            }
            reply => Ok(reply?),
        }
    }

    /// Runs [`Mode::Replicated`] over `items`, then waits for `replicas` replicas to have the call
    /// (`WAIT`, in the same round trip and on the same connection, so that it waits for this
    /// call's writes; the link's connection for appends, which a `WAIT` may hold for a second
    /// without holding up other commands), and only then publishes its events. Not on enough replicas within
    /// [`REPLICA_WAIT`]: every trigger of the call is refused (503; zChat sends each again, and
    /// the log recognises it and publishes it then).
    pub async fn run_replicated(&self, items: &[Item], replicas: usize) -> Result<Vec<String>, Unavailable> {
        let mut connection = self.redis.appends()?;
        let mut calls = redis::pipe();
        calls.add_command(self.call(Mode::Replicated, items)).cmd("WAIT").arg(replicas).arg(REPLICA_WAIT.as_millis() as u64);
        let (mut reply, acknowledged): (Vec<String>, usize) = match self.timed(calls.query_async(&mut connection)).await {
            Err(error) if error.kind() == redis::ErrorKind::Server(redis::ServerErrorKind::NoScript) => {
                self.script.load_async(&mut connection).await?;
                self.timed(calls.query_async(&mut connection)).await?
            }
            reply => reply?,
        };
        if acknowledged < replicas {
            return Err(Unavailable(format!("the call reached {acknowledged} of the {replicas} replica(s) it needs within {REPLICA_WAIT:?}")));
        }
        let message = reply.pop().ok_or_else(|| Unavailable("the script's reply has no message".into()))?;
        if !message.is_empty() {
            redis::cmd("PUBLISH").arg(super::CHANNEL).arg(message).query_async::<()>(&mut connection).await?;
        }
        Ok(reply)
    }

    /// `call`'s reply, its time noted (every call, a retry's too).
    async fn timed<T>(&self, reply: impl std::future::Future<Output = redis::RedisResult<T>>) -> redis::RedisResult<T> {
        let started = Instant::now();
        let reply = reply.await;
        self.seconds.observe(started.elapsed().as_secs_f64());
        reply
    }

    /// `EVALSHA` with the keys and arguments of `items`, each written once into the command's one
    /// buffer (redis-rs's script invocation copies each into a vector of its own first, then again
    /// into the command: BENCHMARKS.md, issue 19).
    fn call(&self, mode: Mode, items: &[Item]) -> redis::Cmd {
        let now = crate::unix_millis();
        let limits = &self.limits;
        let hold = limits.hold.as_millis() as u64;
        let data: usize = items.iter().map(|item| item.data.len() + 3 * item.hash.len() + item.dedupe.len() + 64).sum();
        let mut call = redis::Cmd::with_capacity(17 + 8 * items.len(), 256 + data);
        call.arg("EVALSHA").arg(self.script.get_hash()).arg(3 + 4 * items.len());
        call.arg(HELD).arg(HELD_SIZE).arg(HELD_TOTAL);
        for item in items {
            for prefix in KEYS_OF_INTERACTION {
                call.arg(Key(prefix, &item.hash));
            }
        }
        call.arg(mode.word())
            .arg(now)
            .arg(limits.max_events)
            .arg(limits.max_interaction_bytes)
            .arg(now.saturating_sub(hold))
            .arg(limits.max_held)
            .arg(limits.max_held_bytes)
            .arg(limits.idle_ttl.as_millis() as u64)
            .arg(limits.finished_ttl.as_millis() as u64)
            .arg(EVENT_OVERHEAD)
            .arg(hold);
        for item in items {
            call.arg(&item.hash).arg(&item.dedupe).arg(if item.finished { "1" } else { "" }).arg(&item.data);
        }
        call
    }
}

/// An interaction's key (`zchat:i:` and its hash, say), written into a command without a string
/// of its own.
pub(super) struct Key<'a>(&'static str, &'a str);

impl redis::ToRedisArgs for Key<'_> {
    fn write_redis_args<W: ?Sized + redis::RedisWrite>(&self, out: &mut W) {
        out.write_arg_fmt(format_args!("{}{}", self.0, self.1));
    }
}

pub(super) fn info_key(hash: &str) -> Key<'_> {
    Key(KEYS_OF_INTERACTION[0], hash)
}

pub(super) fn log_key(hash: &str) -> Key<'_> {
    Key(KEYS_OF_INTERACTION[1], hash)
}
