//! The relay's event stream (`GET /core/api/v1/interactions/{hash}/events`, Server-Sent Events).
//!
//! Every event has an `id:` ([`EventId`]) and one of these `event:` names ([`StreamEventKind`]):
//! - `trigger`: `data:` is a webhook body exactly as zChat sent it ([`crate::Trigger`]);
//! - `customer_message`: a message the visitor sent, from any tab ([`CustomerMessage`]);
//! - `reset`: the stream cannot resume from the id it was given; the log is replayed from its
//!   start after this event ([`Reset`]).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::{null_as_default, MessageType};

/// The SSE `event:` names of the relay's stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StreamEventKind {
    Trigger,
    CustomerMessage,
    Reset,
}

impl StreamEventKind {
    pub const ALL: [StreamEventKind; 3] = [StreamEventKind::Trigger, StreamEventKind::CustomerMessage, StreamEventKind::Reset];

    pub fn name(self) -> &'static str {
        match self {
            StreamEventKind::Trigger => "trigger",
            StreamEventKind::CustomerMessage => "customer_message",
            StreamEventKind::Reset => "reset",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.name() == name)
    }
}

/// A message the visitor sent, as the relay recorded it after zChat accepted it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerMessage {
    pub content: String,
    #[serde(rename = "type", default, deserialize_with = "null_as_default")]
    pub kind: MessageType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// When the relay recorded it, in milliseconds since the Unix epoch.
    pub sent_at: u64,
    /// The `Idempotency-Key` the widget sent it with, so the tab that sent it can match its
    /// pending bubble to this event (other tabs simply add the message).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_key: Option<String>,
}

/// The data of a `reset` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reset {
    pub reason: String,
}

/// The `id:` of a stream event: `{epoch}-{seq}` (the relay may add when it logged the event:
/// [`written_id`]).
///
/// `epoch` names one life of an interaction's log (a log rebuilt after a restart has another), so
/// an id from an older life is recognised instead of being taken for a position in the new one.
/// `seq` counts events in the log from 1, with no gaps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EventId {
    pub epoch: u64,
    pub seq: u64,
}

impl EventId {
    /// Whether this event comes after `seen` (an event of another life of the log always does):
    /// the one comparison a client makes to tell a new event from a replayed one.
    pub fn is_after(&self, seen: &EventId) -> bool {
        self.epoch != seen.epoch || self.seq > seen.seq
    }
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.epoch, self.seq)
    }
}

/// A text that is not an event id. It does not repeat the text: the header or query it came in
/// is a browser's, and the widget's wasm is spared `Debug`'s escaping (1.8 KB).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotAnEventId;

impl std::fmt::Display for NotAnEventId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("not an event id (EPOCH-SEQ)")
    }
}

impl std::error::Error for NotAnEventId {}

/// What the relay writes in an event's `id:`: its [`EventId`] and when the relay logged it,
/// `{epoch}-{seq}-{at}` (`at` in milliseconds since the Unix epoch: a trigger carries no time of
/// its own, and a replay after a reload must show each message at its time, not the reload's). The
/// relay writes it so when the stream is asked for it (`times=1`: a client that reads ids as
/// `{epoch}-{seq}` does not ask). A client sends it back as it came (`Last-Event-ID`); an id
/// without it is read the same.
pub fn written_id(id: EventId, at: u64) -> String {
    format!("{id}-{at}")
}

/// When the relay logged the event whose `id:` is `text` (none in an id without it).
pub fn logged_at(text: &str) -> Option<u64> {
    let (_, at) = text.rsplit_once('-').filter(|_| text.matches('-').count() == 2)?;
    (!at.is_empty() && at.bytes().all(|b| b.is_ascii_digit())).then(|| at.parse().ok()).flatten()
}

impl FromStr for EventId {
    type Err = NotAnEventId;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        // `{epoch}-{seq}`, or `{epoch}-{seq}-{at}` as the relay writes it (`written_id`).
        let s = match s.match_indices('-').nth(1) {
            Some((second, _)) if logged_at(s).is_some() => &s[..second],
            _ => s,
        };
        let (epoch, seq) = s.split_once('-').ok_or(NotAnEventId)?;
        // Digits only: the one spelling the relay writes (`parse` would also take `+1`).
        let number = |part: &str| {
            let digits = !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
            digits.then(|| part.parse::<u64>().ok()).flatten().ok_or(NotAnEventId)
        };
        Ok(EventId { epoch: number(epoch)?, seq: number(seq)? })
    }
}
