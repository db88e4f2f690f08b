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
#[derive(Clone)]
pub enum Primary {
    /// The one at this URL, always.
    Url(String),
    /// The one these sentinels (`host:port`, or a `redis://` URL with credentials, each) name
    /// `name`; reached as `template` says (a `REDIS_URL` whose address is replaced: its user,
    /// password and database), or plainly.
    Sentinel { sentinels: Vec<String>, name: String, template: Option<String> },
}

/// The primary of the moment: how to reach it, the command connection to it, and the one the
/// log's appends go by (their `WAIT` holds that connection alone: `log/shared/script.rs`).
struct Connected {
    client: redis::Client,
    commands: ConnectionManager,
    appends: ConnectionManager,
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

    /// The connection the log's appends that wait for replicas go by: a `WAIT` blocks the
    /// connection it is sent on, and must not hold up every other command meanwhile.
    pub fn appends(&self) -> Result<ConnectionManager, Unavailable> {
        let current = self.current.read().expect("never poisoned");
        current.as_ref().map(|connected| connected.appends.clone()).ok_or_else(|| Unavailable("not connected yet".into()))
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
    // Where the primary is (`host:port`, or the URL), once connected.
    let mut address: Option<String> = None;
    let mut sentinels = Sentinels::default();
    loop {
        let found = match &link.primary {
            Primary::Url(url) => {
                redis::IntoConnectionInfo::into_connection_info(url.as_str()).map(|info| (url.clone(), info)).map_err(Unavailable::from)
            }
            Primary::Sentinel { sentinels: known, name, template } => {
                sentinels.ask(known, name).await.and_then(|(host, port)| reached_as(template.as_deref(), host, port))
            }
        };
        match found {
            Ok((at, info)) if address.as_deref() != Some(at.as_str()) => {
                match connection_to(info, matches!(link.primary, Primary::Sentinel { .. })).await {
                    Ok(connected) => {
                        if address.is_some() {
                            tracing::warn!(primary = %at, "Redis's primary changed: the relay follows it");
                        }
                        *link.current.write().expect("never poisoned") = Some(connected);
                        address = Some(at);
                        link.changes.send_modify(|n| *n += 1);
                        wait = Duration::from_millis(100);
                        // A fixed primary's connection reconnects by itself: nothing more to follow.
                        if matches!(link.primary, Primary::Url(_)) {
                            return;
                        }
                    }
                    Err(error) => tracing::warn!(%error, primary = %at, "Redis's primary is unreachable; retrying"),
                }
            }
            Ok(_) => wait = SENTINEL_POLL,
            Err(error) => tracing::warn!(%error, "no sentinel names Redis's primary; retrying"),
        }
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stopping.wait_for(|stop| *stop) => return,
        }
        if address.is_none() {
            // With Sentinel, a primary named but not answering is a failover under way: ask again soon.
            let most = if matches!(link.primary, Primary::Sentinel { .. }) { Duration::from_secs(1) } else { Duration::from_secs(5) };
            wait = (wait * 2).min(most);
        }
    }
}

/// How the primary at `host:port` is reached: as `template` (a `REDIS_URL`) says, at that address;
/// the address as a name for it (IPv6 in brackets).
pub(crate) fn reached_as(template: Option<&str>, host: String, port: u16) -> Result<(String, redis::ConnectionInfo), Unavailable> {
    let at = if host.contains(':') { format!("[{host}]:{port}") } else { format!("{host}:{port}") };
    let info = match template {
        Some(template) => redis::IntoConnectionInfo::into_connection_info(template)?,
        None => redis::IntoConnectionInfo::into_connection_info(format!("redis://{at}/").as_str())?,
    };
    Ok((at, info.set_addr(redis::ConnectionAddr::Tcp(host, port))))
}

/// The two connections to the primary at `info`; with Sentinel, once it says it is a primary
/// (a sentinel cut off with the old one may still name it).
async fn connection_to(info: redis::ConnectionInfo, must_be_primary: bool) -> redis::RedisResult<Connected> {
    let client = redis::Client::open(info)?;
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
    let mut commands = client.get_connection_manager_with_config(config.clone()).await?;
    if must_be_primary {
        let replication: String = redis::cmd("INFO").arg("replication").query_async(&mut commands).await?;
        if !replication.lines().any(|line| line.trim() == "role:master") {
            return Err(redis::RedisError::from((redis::ErrorKind::Client, "named the primary, but it is a replica")));
        }
    }
    let appends = client.get_connection_manager_with_config(config).await?;
    Ok(Connected { client, commands, appends })
}

/// The sentinels, as the link asks them: a connection to each, kept between questions, and the
/// one that answered last asked first (one that hangs costs a second a question otherwise).
#[derive(Default)]
struct Sentinels {
    connections: Vec<Option<redis::aio::MultiplexedConnection>>,
    answered_last: usize,
}

impl Sentinels {
    /// The address of the primary, as the first sentinel that answers names it.
    async fn ask(&mut self, sentinels: &[String], name: &str) -> Result<(String, u16), Unavailable> {
        self.connections.resize_with(sentinels.len(), || None);
        let mut last = Unavailable("no sentinel given".into());
        for offset in 0..sentinels.len() {
            let index = (self.answered_last + offset) % sentinels.len();
            let (sentinel, kept) = (&sentinels[index], &mut self.connections[index]);
            let asked = async {
                if kept.is_none() {
                    let url = if sentinel.contains("://") { sentinel.clone() } else { format!("redis://{sentinel}/") };
                    *kept = Some(redis::Client::open(url)?.get_multiplexed_async_connection().await?);
                }
                let connection = kept.as_mut().expect("just made");
                redis::cmd("SENTINEL").arg("get-master-addr-by-name").arg(name).query_async::<Option<(String, u16)>>(connection).await
            };
            // (Named without its credentials in what is said.)
            let said = sentinel.rsplit('@').next().unwrap_or(sentinel);
            match tokio::time::timeout(Duration::from_secs(1), asked).await {
                Ok(Ok(Some(address))) => {
                    self.answered_last = index;
                    return Ok(address);
                }
                Ok(Ok(None)) => last = Unavailable(format!("sentinel {said} knows no primary {name:?}")),
                Ok(Err(error)) => last = Unavailable(format!("sentinel {said}: {error}")),
                Err(_) => last = Unavailable(format!("sentinel {said} did not answer within a second")),
            }
            *kept = None;
        }
        Err(last)
    }
}

/// The address (`host:port`) of the primary the sentinels name `name` (for `--check`).
pub async fn primary_of(sentinels: &[String], name: &str) -> Result<(String, u16), Unavailable> {
    Sentinels::default().ask(sentinels, name).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_primary_sentinel_names_is_reached_with_redis_url_s_credentials_and_database() {
        let (at, info) = reached_as(Some("redis://relay:s3cret@address-the-sentinels-replace:1/3"), "10.0.0.12".into(), 6380).unwrap();
        assert_eq!(at, "10.0.0.12:6380");
        assert_eq!(info.addr(), &redis::ConnectionAddr::Tcp("10.0.0.12".into(), 6380));
        let settings = info.redis_settings();
        assert_eq!((settings.username(), settings.password(), settings.db()), (Some("relay"), Some("s3cret"), 3));

        let (at, info) = reached_as(None, "::1".into(), 6379).unwrap();
        assert_eq!(at, "[::1]:6379", "an IPv6 address, bracketed where it is named");
        assert_eq!(info.addr(), &redis::ConnectionAddr::Tcp("::1".into(), 6379));
        assert_eq!(info.redis_settings().password(), None);
        assert!(reached_as(Some("not a url"), "h".into(), 1).is_err(), "a REDIS_URL that is not one is said");
    }
}
