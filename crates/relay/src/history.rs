//! The external history (the reference's `external_history`): when a visitor who had an earlier
//! conversation starts a new one, the widget names the earlier one by its session credential
//! (`X-Previous-Session`), and the relay sets the new interaction's `external_history` to a signed
//! URL of its own, `GET /history/{hash}?sig=…`, which zChat fetches to show its agent that earlier
//! conversation: the reference's document built from the earlier interaction's event log.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use time::macros::format_description;
use time::OffsetDateTime;
use zchat_types::{CustomerMessage, Direction, ExternalHistory, HistoryMessage, StreamEventKind, Trigger, TriggerEvent};

use crate::error::RelayError;
use crate::handoff;
use crate::hash::InteractionHash;
use crate::log::LoggedEvent;
use crate::Relay;

pub fn routes() -> Router<Arc<Relay>> {
    Router::new().route("/history/{hash}", get(history))
}

#[derive(Deserialize)]
struct Signature {
    #[serde(default)]
    sig: String,
}

/// `GET /history/{key}?sig=…` → `{"messages": [{"time": "YYYY-MM-DD HH:MM:SS", "direction", "content"}]}`,
/// where `key` is an earlier interaction's hash, or a bot's transcript handed over with the create
/// (`handoff-…`: its messages as given, then the earlier conversation's, if there was one).
/// A wrong signature is 404, as if there were nothing. Times are UTC. A conversation whose log
/// expired has no messages left.
async fn history(
    State(relay): State<Arc<Relay>>,
    Path(key): Path<String>,
    Query(signature): Query<Signature>,
) -> Result<Json<ExternalHistory>, RelayError> {
    let not_found = || RelayError::refused(404, "No such history");
    let key = InteractionHash::parse(&key).ok_or_else(not_found)?;
    if !relay.sessions.check_history_signature(&key, &signature.sig) {
        return Err(not_found());
    }
    let (mut messages, earlier) = match key.starts_with(handoff::PREFIX) {
        true => match relay.handoffs.get(&key, relay.idle_ttl).await? {
            Some(handoff) => (handoff.messages.clone(), handoff.previous.clone()),
            None => (Vec::new(), None),
        },
        false => (Vec::new(), Some(key.to_string())),
    };
    if let Some(earlier) = earlier {
        let events = relay.log.events(&earlier).await?.unwrap_or_default();
        messages.extend(events.iter().filter_map(|event| message(event)));
    }
    Ok(Json(ExternalHistory { messages }))
}

/// The history line of a logged event: the visitor's and the agent's messages, nothing else.
fn message(event: &LoggedEvent) -> Option<HistoryMessage> {
    let (direction, content, url, at) = match event.kind {
        StreamEventKind::CustomerMessage => {
            let message: CustomerMessage = serde_json::from_str(&event.data).ok()?;
            (Direction::Client, message.content, message.url, message.sent_at)
        }
        StreamEventKind::Trigger => match serde_json::from_str::<Trigger>(&event.data).ok()?.event {
            TriggerEvent::AgentMessage { message, .. } => (Direction::Agent, message.content, message.url, event.at),
            _ => return None,
        },
        StreamEventKind::Reset => return None,
    };
    // The reference's document has only text: a file's address goes with its caption.
    let content = match url {
        Some(url) => format!("{content} ({url})"),
        None => content,
    };
    Some(HistoryMessage { time: history_time(at), direction, content })
}

/// `YYYY-MM-DD HH:MM:SS` in UTC, from milliseconds since the Unix epoch.
pub fn history_time(millis: u64) -> String {
    let format = format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    OffsetDateTime::from_unix_timestamp((millis / 1000) as i64)
        .ok()
        .and_then(|time| time.format(&format).ok())
        .unwrap_or_else(|| "1970-01-01 00:00:00".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_the_reference_format_in_utc() {
        assert_eq!(history_time(0), "1970-01-01 00:00:00");
        assert_eq!(history_time(1_552_521_601_999), "2019-03-14 00:00:01");
    }
}
