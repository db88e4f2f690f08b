//! The relay's one link to Redis, which the shared event log, the `Idempotency-Key`s, the upload
//! quotas and the handoffs use: one command connection to the primary, made in the background
//! (again and again until Redis answers) and reconnecting by itself afterwards; and the one error
//! that Redis being away is everywhere, [`Unavailable`], which answers 503 (zChat and the widget
//! retry later).
//!
//! The primary is `REDIS_URL`'s, or the one Redis Sentinel names (`REDIS_SENTINELS` and
//! `REDIS_SENTINEL_PRIMARY`): the link asks the sentinels which it is when it starts and every
//! [`SENTINEL_POLL`] after, and when they name another (a failover), it connects to that one and
//! says so ([`RedisLink::changes`]), so that the log's subscription moves too; no restart.
//! `RELAY_REDIS_MIN_REPLICAS` ([`RedisLink::min_replicas`]): how many replicas must have a
//! trigger before zChat is told it is taken (`WAIT`, in the log's calls).

use std::sync::{Arc, RwLock};
use std::time::Duration;

use redis::aio::ConnectionManager;
use tokio::sync::watch;

/// How often the sentinels are asked which Redis is the primary.
pub const SENTINEL_POLL: Duration = Duration::from_millis(250);

/// Redis could not be reached (or answered an error): the caller answers 503.
#[derive(Debug, Clone)]
pub struct Unavailable(pub String);

impl std::fmt::Display for Unavailable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Redis is unavailable: {}", self.0)
    }
}

impl std::error::Error for Unavailable {}

impl From<redis::RedisError> for Unavailable {
    fn from(error: redis::RedisError) -> Self {
        Unavailable(error.to_string())
    }
}

/// Where the relay keeps what several relays must share: the event log, the `Idempotency-Key`s'
/// first answers and the upload quotas. Decided once, at start (`REDIS_URL`, or Sentinel's), and
/// each is built from it the same way: `Memory(…)` or `Redis(…)`.
#[derive(Clone)]
pub enum Backing {
    /// This process's memory: one relay.
    Memory,
    /// Redis, shared by every relay that uses the same one.
    Redis(Arc<RedisLink>),
}

/// Which Redis is the primary.
#[derive(Debug, Clone)]
pub enum Primary {
    /// The one at this URL, always.
    Url(String),
    /// The one these sentinels (`host:port` each) name `name`.
    Sentinel { sentinels: Vec<String>, name: String },
}

/// The primary of the moment: how to reach it, and the command connection to it.
struct Connected {
    client: redis::Client,
    commands: ConnectionManager,
}

pub struct RedisLink {
    primary: Primary,
    current: RwLock<Option<Connected>>,
    /// Counts the primaries the link has connected to (a failover is one more).
    changes: watch::Sender<u64>,
    min_replicas: usize,
}

impl RedisLink {
    /// Starts connecting to `primary`; calls fail with [`Unavailable`] until Redis answers.
    /// `min_replicas`: `RELAY_REDIS_MIN_REPLICAS`.
    pub fn start(primary: Primary, min_replicas: usize, stopping: watch::Receiver<bool>) -> Result<Arc<RedisLink>, Unavailable> {
        if let Primary::Url(url) = &primary {
            redis::Client::open(url.as_str())?;
        }
        let link = Arc::new(RedisLink { primary, current: RwLock::new(None), changes: watch::channel(0).0, min_replicas });
        tokio::spawn(connect(Arc::clone(&link), stopping));
        Ok(link)
    }

    /// The command connection (a cheap clone of one multiplexed connection).
    pub fn connection(&self) -> Result<ConnectionManager, Unavailable> {
        let current = self.current.read().expect("never poisoned");
        current.as_ref().map(|connected| connected.commands.clone()).ok_or_else(|| Unavailable("not connected yet".into()))
    }

    /// For connections of another kind (the log's one subscription), to the primary of the moment.
    pub fn client(&self) -> Result<redis::Client, Unavailable> {
        let current = self.current.read().expect("never poisoned");
        current.as_ref().map(|connected| connected.client.clone()).ok_or_else(|| Unavailable("not connected yet".into()))
    }

    /// Changes each time the link moves to another primary (after a failover).
    pub fn changes(&self) -> watch::Receiver<u64> {
        self.changes.subscribe()
    }

    /// How many replicas must have a trigger before it is acknowledged (0: the primary's word).
    pub fn min_replicas(&self) -> usize {
        self.min_replicas
    }
}

/// Connects to the primary, retrying until one answers; then, with Sentinel, follows it.
async fn connect(link: Arc<RedisLink>, mut stopping: watch::Receiver<bool>) {
    let mut wait = Duration::from_millis(100);
    let mut address: Option<String> = None;
    // A connection to each sentinel, kept between questions.
    let mut asking = Vec::new();
    loop {
        let found = match &link.primary {
            Primary::Url(url) => Ok(url.clone()),
            Primary::Sentinel { sentinels, name } => ask_sentinels(sentinels, name, &mut asking).await,
        };
        match found {
            Ok(url) if address.as_deref() != Some(url.as_str()) => match connection_to(&url).await {
                Ok(connected) => {
                    if address.is_some() {
                        tracing::warn!(primary = %url, "Redis's primary changed: the relay follows it");
                    }
                    *link.current.write().expect("never poisoned") = Some(connected);
                    address = Some(url);
                    link.changes.send_modify(|n| *n += 1);
                    wait = Duration::from_millis(100);
                    // A fixed primary's connection reconnects by itself: nothing more to follow.
                    if matches!(link.primary, Primary::Url(_)) {
                        return;
                    }
                }
                Err(error) => tracing::warn!(%error, primary = %url, "Redis is unreachable; retrying"),
            },
            Ok(_) => wait = SENTINEL_POLL,
            Err(error) => tracing::warn!(%error, "no sentinel names Redis's primary; retrying"),
        }
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stopping.wait_for(|stop| *stop) => return,
        }
        if address.is_none() {
            wait = (wait * 2).min(Duration::from_secs(5));
        }
    }
}

async fn connection_to(url: &str) -> redis::RedisResult<Connected> {
    let client = redis::Client::open(url)?;
    // Timeouts generous: a burst on a busy machine must not read as Redis being away. A lost
    // connection is made again at the next command, tried twice: every command waits for that
    // attempt, and with redis-rs's six tries (6.3 s of backoff) one dead primary held every
    // webhook 7 s past its failover (tests/it/failover.rs); better a 503 at once, which zChat
    // retries, and the link's own loop follows the sentinels meanwhile.
    let config = redis::aio::ConnectionManagerConfig::new()
        .set_connection_timeout(Some(Duration::from_secs(2)))
        .set_response_timeout(Some(Duration::from_secs(3)))
        .set_number_of_retries(1)
        .set_max_delay(Duration::from_millis(200));
    let commands = client.get_connection_manager_with_config(config).await?;
    Ok(Connected { client, commands })
}

type SentinelConnection = redis::aio::MultiplexedConnection;

/// The URL of the primary the sentinels name `name` (for `--check`).
pub async fn primary_of(sentinels: &[String], name: &str) -> Result<String, Unavailable> {
    ask_sentinels(sentinels, name, &mut Vec::new()).await
}

/// The primary's URL, as the first sentinel that answers names it (`connections`: one per
/// sentinel, made when first needed and again after it fails).
async fn ask_sentinels(sentinels: &[String], name: &str, connections: &mut Vec<Option<SentinelConnection>>) -> Result<String, Unavailable> {
    connections.resize_with(sentinels.len(), || None);
    let mut last = Unavailable("no sentinel given".into());
    for (sentinel, kept) in sentinels.iter().zip(connections.iter_mut()) {
        let asked = async {
            if kept.is_none() {
                let client = redis::Client::open(format!("redis://{sentinel}/"))?;
                *kept = Some(client.get_multiplexed_async_connection().await?);
            }
            let connection = kept.as_mut().expect("just made");
            redis::cmd("SENTINEL").arg("get-master-addr-by-name").arg(name).query_async::<Option<(String, u16)>>(connection).await
        };
        match tokio::time::timeout(Duration::from_secs(1), asked).await {
            Ok(Ok(Some((host, port)))) => return Ok(format!("redis://{host}:{port}/")),
            Ok(Ok(None)) => last = Unavailable(format!("sentinel {sentinel} knows no primary {name:?}")),
            Ok(Err(error)) => last = Unavailable(format!("sentinel {sentinel}: {error}")),
            Err(_) => last = Unavailable(format!("sentinel {sentinel} did not answer within a second")),
        }
        *kept = None;
    }
    Err(last)
}
