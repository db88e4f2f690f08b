//! Triggers: the webhooks zChat POSTs to the account's "Webhook URL" when something happens to an
//! interaction. Every trigger names its interaction and echoes the `extra` given at creation.
//!
//! State triggers: `{"interaction_hash": "…", "state": "queued", "position": 1, "extra": {}}`
//! (`position` with `queued` only), and `accepted`, `unavailable`, `finished`, `typing`, `cleared`.
//!
//! Agent message: `{"interaction_hash": "…", "message": {"hash": "…", "content": "Message",
//! "type": "text", "url": "http://…"}, "agent": {"id": 111, "name": "Atendente"}, "extra": {}}`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{null_as_default, MessageType};

/// One webhook body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawTrigger", into = "RawTrigger")]
pub struct Trigger {
    pub interaction_hash: String,
    pub event: TriggerEvent,
    /// The `extra` object given when the interaction was started (empty when none was).
    pub extra: Map<String, Value>,
}

/// What a trigger reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TriggerEvent {
    /// The interaction waits in its department's queue at `position` (1 is next).
    Queued { position: u32 },
    /// An agent took the interaction.
    Accepted,
    /// No agent is available for the department.
    Unavailable,
    /// The agent (or the visitor) finished the interaction.
    Finished,
    /// The agent is typing.
    Typing,
    /// The agent stopped typing.
    Cleared,
    /// The agent sent a message.
    AgentMessage { message: AgentMessage, agent: Agent },
}

/// The `state` of a state trigger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TriggerState {
    Queued,
    Accepted,
    Unavailable,
    Finished,
    Typing,
    Cleared,
}

/// A message an agent sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentMessage {
    /// zChat's id of the message: a redelivered webhook carries the same hash.
    pub hash: String,
    pub content: String,
    #[serde(rename = "type", default, deserialize_with = "null_as_default")]
    pub kind: MessageType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// The agent who sent a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agent {
    pub id: i64,
    pub name: String,
}

impl Trigger {
    /// The state this trigger reports, or `None` for an agent message.
    pub fn state(&self) -> Option<TriggerState> {
        Some(match self.event {
            TriggerEvent::Queued { .. } => TriggerState::Queued,
            TriggerEvent::Accepted => TriggerState::Accepted,
            TriggerEvent::Unavailable => TriggerState::Unavailable,
            TriggerEvent::Finished => TriggerState::Finished,
            TriggerEvent::Typing => TriggerState::Typing,
            TriggerEvent::Cleared => TriggerState::Cleared,
            TriggerEvent::AgentMessage { .. } => return None,
        })
    }
}

/// The flat shape on the wire, which both kinds of trigger share.
#[derive(Serialize, Deserialize)]
struct RawTrigger {
    interaction_hash: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    state: Option<TriggerState>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    position: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    message: Option<AgentMessage>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    agent: Option<Agent>,
    #[serde(default, deserialize_with = "null_as_default")]
    extra: Map<String, Value>,
}

impl TryFrom<RawTrigger> for Trigger {
    type Error = String;

    fn try_from(raw: RawTrigger) -> Result<Self, Self::Error> {
        let event = match (raw.state, raw.message, raw.agent) {
            (Some(state), None, None) => match state {
                TriggerState::Queued => TriggerEvent::Queued {
                    position: raw
                        .position
                        .ok_or("a queued trigger needs a position")?,
                },
                TriggerState::Accepted => TriggerEvent::Accepted,
                TriggerState::Unavailable => TriggerEvent::Unavailable,
                TriggerState::Finished => TriggerEvent::Finished,
                TriggerState::Typing => TriggerEvent::Typing,
                TriggerState::Cleared => TriggerEvent::Cleared,
            },
            (None, Some(message), Some(agent)) => TriggerEvent::AgentMessage { message, agent },
            (None, Some(_), None) => return Err("an agent message trigger needs an agent".into()),
            (None, None, _) => return Err("a trigger needs a state or a message".into()),
            (Some(_), Some(_), _) => return Err("a trigger has a state or a message, not both".into()),
            (Some(_), None, Some(_)) => return Err("a state trigger has no agent".into()),
        };
        Ok(Trigger { interaction_hash: raw.interaction_hash, event, extra: raw.extra })
    }
}

impl From<Trigger> for RawTrigger {
    fn from(trigger: Trigger) -> Self {
        let state = trigger.state();
        let (position, message, agent) = match trigger.event {
            TriggerEvent::Queued { position } => (Some(position), None, None),
            TriggerEvent::AgentMessage { message, agent } => (None, Some(message), Some(agent)),
            _ => (None, None, None),
        };
        RawTrigger {
            interaction_hash: trigger.interaction_hash,
            state,
            position,
            message,
            agent,
            extra: trigger.extra,
        }
    }
}
