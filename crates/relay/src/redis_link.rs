//! The relay's one link to Redis (`REDIS_URL`), which the shared event log and the shared
//! `Idempotency-Key`s both use: one command connection, made in the background (again and again
//! until Redis answers) and reconnecting by itself afterwards; and the one error that Redis being
//! away is everywhere, [`Unavailable`], which answers 503 (zChat and the widget retry later).

use std::sync::{Arc, RwLock};
use std::time::Duration;

use redis::aio::ConnectionManager;
use tokio::sync::watch;

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
/// first answers and the upload quotas. Decided once, at start (`REDIS_URL`), and each of the
/// three is built from it the same way: `Memory(…)` or `Redis(…)`.
#[derive(Clone)]
pub enum Backing {
    /// This process's memory: one relay.
    Memory,
    /// Redis, shared by every relay with the same `REDIS_URL`.
    Redis(Arc<RedisLink>),
}

pub struct RedisLink {
    client: redis::Client,
    commands: RwLock<Option<ConnectionManager>>,
}

impl RedisLink {
    /// Starts connecting to `url`; calls fail with [`Unavailable`] until Redis answers.
    pub fn start(url: &str, stopping: watch::Receiver<bool>) -> Result<Arc<RedisLink>, Unavailable> {
        let link = Arc::new(RedisLink { client: redis::Client::open(url)?, commands: RwLock::new(None) });
        tokio::spawn(connect(Arc::clone(&link), stopping));
        Ok(link)
    }

    /// The command connection (a cheap clone of one multiplexed connection).
    pub fn connection(&self) -> Result<ConnectionManager, Unavailable> {
        let commands = self.commands.read().expect("never poisoned");
        commands.clone().ok_or_else(|| Unavailable("not connected yet".into()))
    }

    /// For connections of another kind (the log's one subscription).
    pub fn client(&self) -> &redis::Client {
        &self.client
    }
}

/// Makes the command connection, retrying until Redis answers; afterwards it reconnects by itself.
async fn connect(link: Arc<RedisLink>, mut stopping: watch::Receiver<bool>) {
    let mut wait = Duration::from_millis(100);
    loop {
        // Generous: a burst on a busy machine must not read as Redis being away.
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(3)));
        match link.client.get_connection_manager_with_config(config).await {
            Ok(manager) => {
                *link.commands.write().expect("never poisoned") = Some(manager);
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
