//! The call of `append.lua`, the one script every change to a shared log goes through: its keys
//! and arguments laid out as the script reads them (its header says how), for one interaction or
//! for several (one relay's concurrent webhooks, [`super::batch`]).

use std::sync::Arc;

use redis::Script;

use crate::config::Limits;
use crate::log::EVENT_OVERHEAD;
use crate::redis_link::{RedisLink, Unavailable};

const HELD: &str = "zchat:held";
const HELD_SIZE: &str = "zchat:held:size";
const HELD_TOTAL: &str = "zchat:held:total";

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
}

/// The script, with where it runs and the limits it applies.
pub(super) struct AppendScript {
    redis: Arc<RedisLink>,
    script: Script,
    limits: Limits,
}

impl AppendScript {
    pub fn new(redis: Arc<RedisLink>, limits: Limits) -> AppendScript {
        AppendScript { redis, script: Script::new(include_str!("append.lua")), limits }
    }

    pub fn redis(&self) -> &RedisLink {
        &self.redis
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Runs the script in `mode` over `items` (one, but for `triggers`), in one call.
    pub async fn run(&self, mode: &str, items: &[Item]) -> Result<Vec<String>, Unavailable> {
        let mut connection = self.redis.connection()?;
        let now = crate::unix_millis();
        let limits = &self.limits;
        let hold = limits.hold.as_millis() as u64;
        let mut call = self.script.prepare_invoke();
        call.key(HELD).key(HELD_SIZE).key(HELD_TOTAL);
        call.arg(mode)
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
            let hash = &item.hash;
            call.key(info_key(hash)).key(log_key(hash)).key(format!("zchat:f:{hash}")).key(format!("zchat:h:{hash}"));
            call.arg(hash).arg(&item.dedupe).arg(if item.finished { "1" } else { "" }).arg(&item.data);
        }
        Ok(call.invoke_async(&mut connection).await?)
    }
}

pub(super) fn info_key(hash: &str) -> String {
    format!("zchat:i:{hash}")
}

pub(super) fn log_key(hash: &str) -> String {
    format!("zchat:l:{hash}")
}
