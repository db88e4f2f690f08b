//! Triggers: the webhooks zChat POSTs to the account's "Webhook URL" when something happens to an
//! interaction. Every trigger names its interaction and echoes the `extra` given at creation.
//!
//! State triggers: `{"interaction_hash": "…", "state": "queued", "position": 1, "extra": {}}`
//! (`position` with `queued` only), and `accepted`, `unavailable`, `finished`, `typing`, `cleared`.
//!
//! Agent message: `{"interaction_hash": "…", "message": {"hash": "…", "content": "Message",
//! "type": "text", "url": "http://…"}, "agent": {"id": 111, "name": "Atendente"}, "extra": {}}`.
//!
//! Read leniently ([`Trigger::read`]): the webhook is authenticated, and the reference is all we
//! know of a live product, so a shape it does not show is zChat's word all the same. Digits in
//! strings where it has numbers (and numbers where it has strings), `null` as absent, any case of a
//! state or type, extra fields, an agent without a name or no agent at all: read as meant. A state
//! it does not list is [`TriggerEvent::Other`], a type it does not list is read as text (its
//! `url` kept), a body with neither a state nor a message is [`TriggerEvent::Unreadable`]. Only a
//! body that is not an object, or names no interaction, is refused. Each way a body departs from
//! the reference is an [`Oddity`], for the relay to count.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::MessageType;

/// One webhook body.
#[derive(Debug, Clone, PartialEq)]
pub struct Trigger {
    pub interaction_hash: String,
    pub event: TriggerEvent,
    /// The `extra` object given when the interaction was started (empty when none was).
    pub extra: Map<String, Value>,
}

/// What a trigger reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TriggerEvent {
    /// The interaction waits in its department's queue at `position` (1 is next), when zChat says.
    Queued { position: Option<u32> },
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
    /// A state the reference does not list (a transfer, a bot), as zChat wrote it.
    Other { state: String },
    /// Neither a state nor a message that can be read.
    Unreadable,
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

impl TriggerState {
    const ALL: [TriggerState; 6] = [Self::Queued, Self::Accepted, Self::Unavailable, Self::Finished, Self::Typing, Self::Cleared];

    pub fn name(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Accepted => "accepted",
            Self::Unavailable => "unavailable",
            Self::Finished => "finished",
            Self::Typing => "typing",
            Self::Cleared => "cleared",
        }
    }
}

/// A message an agent sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentMessage {
    /// zChat's id of the message: a redelivered webhook carries the same hash (empty when the
    /// body had none: then redeliveries cannot be told apart).
    pub hash: String,
    pub content: String,
    /// One of the reference's types; a type it does not list is read as text, `url` kept.
    #[serde(rename = "type")]
    pub kind: MessageType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// The agent who sent a message (`name` empty when zChat gave none, `id` 0).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Agent {
    pub id: i64,
    pub name: String,
}

/// A way a body departs from the reference's shapes: for metrics labels (fixed words, never
/// anything from the body).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Oddity {
    /// A state the reference does not list.
    UnknownState,
    /// A message type the reference does not list.
    UnknownMessageType,
    /// A state or type in another case than the reference's.
    EnumCase,
    /// A number written as a string, or a string as a number.
    NumberAsString,
    /// `null` where the reference has a value.
    Null,
    /// A field of a type that cannot be used (`"position": true`, `"extra": "x"`): ignored.
    UnusableField,
    /// `queued` without a position.
    NoPosition,
    /// An agent message without an agent, or an agent without a name.
    NoAgentName,
    /// An agent message without a hash: its redeliveries cannot be recognised.
    NoMessageHash,
    /// Both a state and a message: read as the message.
    StateAndMessage,
    /// Neither a state nor a message.
    NoStateOrMessage,
    /// Fields the reference does not show.
    ExtraFields,
}

impl Oddity {
    pub fn name(self) -> &'static str {
        match self {
            Oddity::UnknownState => "unknown_state",
            Oddity::UnknownMessageType => "unknown_message_type",
            Oddity::EnumCase => "enum_case",
            Oddity::NumberAsString => "number_as_string",
            Oddity::Null => "null",
            Oddity::UnusableField => "unusable_field",
            Oddity::NoPosition => "no_position",
            Oddity::NoAgentName => "no_agent_name",
            Oddity::NoMessageHash => "no_message_hash",
            Oddity::StateAndMessage => "state_and_message",
            Oddity::NoStateOrMessage => "no_state_or_message",
            Oddity::ExtraFields => "extra_fields",
        }
    }
}

/// Why a body is not a trigger at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotATrigger {
    NotAnObject,
    NoInteractionHash,
}

impl std::fmt::Display for NotATrigger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            NotATrigger::NotAnObject => "the body is not a JSON object",
            NotATrigger::NoInteractionHash => "the body names no interaction_hash",
        })
    }
}

/// The fields of a body the reference shows, by where they are.
const TRIGGER_FIELDS: [&str; 6] = ["interaction_hash", "state", "position", "message", "agent", "extra"];
const MESSAGE_FIELDS: [&str; 4] = ["hash", "content", "type", "url"];
const AGENT_FIELDS: [&str; 2] = ["id", "name"];

/// Notes the oddities of one body as it is read.
struct Reader {
    oddities: Vec<Oddity>,
}

impl Reader {
    /// Each oddity once, in order (kept in order as they come: a sort would bring the standard
    /// library's stable sort, 1 KB brotli, into the widget, which reads triggers too).
    fn note(&mut self, oddity: Oddity) {
        if let Err(at) = self.oddities.binary_search(&oddity) {
            self.oddities.insert(at, oddity);
        }
    }

    /// A field, with `null` read as absent.
    fn field<'v>(&mut self, object: &'v Map<String, Value>, name: &str) -> Option<&'v Value> {
        match object.get(name) {
            Some(Value::Null) => {
                self.note(Oddity::Null);
                None
            }
            other => other,
        }
    }

    /// Text: a string, or a whole number written out (no float formatting: the widget's size).
    fn text(&mut self, object: &Map<String, Value>, name: &str) -> Option<String> {
        let text = match self.field(object, name)? {
            Value::String(text) => Some(text.clone()),
            Value::Number(number) => {
                self.note(Oddity::NumberAsString);
                whole(number).map(|n| n.to_string())
            }
            _ => None,
        };
        if text.is_none() {
            self.note(Oddity::UnusableField);
        }
        text
    }

    /// A whole number: a number, or digits in a string.
    fn number(&mut self, object: &Map<String, Value>, name: &str) -> Option<i64> {
        let number = match self.field(object, name)? {
            Value::Number(number) => whole(number),
            Value::String(text) => {
                self.note(Oddity::NumberAsString);
                text.trim().parse().ok()
            }
            _ => None,
        };
        if number.is_none() {
            self.note(Oddity::UnusableField);
        }
        number
    }

    fn object<'v>(&mut self, object: &'v Map<String, Value>, name: &str) -> Option<&'v Map<String, Value>> {
        match self.field(object, name)? {
            Value::Object(inner) => Some(inner),
            _ => {
                self.note(Oddity::UnusableField);
                None
            }
        }
    }

    fn extra_fields(&mut self, object: &Map<String, Value>, known: &[&str]) {
        if object.keys().any(|key| !known.contains(&key.as_str())) {
            self.note(Oddity::ExtraFields);
        }
    }

    fn message(&mut self, message: &Map<String, Value>) -> AgentMessage {
        self.extra_fields(message, &MESSAGE_FIELDS);
        let hash = self.text(message, "hash").unwrap_or_default();
        if hash.is_empty() {
            self.note(Oddity::NoMessageHash);
        }
        let kind = match self.text(message, "type") {
            None => MessageType::Text,
            Some(name) => match MessageType::ALL.into_iter().find(|kind| kind.name().eq_ignore_ascii_case(&name)) {
                Some(kind) => {
                    if kind.name() != name {
                        self.note(Oddity::EnumCase);
                    }
                    kind
                }
                None => {
                    self.note(Oddity::UnknownMessageType);
                    MessageType::Text
                }
            },
        };
        AgentMessage { hash, content: self.text(message, "content").unwrap_or_default(), kind, url: self.text(message, "url") }
    }

    fn agent(&mut self, agent: Option<&Map<String, Value>>) -> Agent {
        let Some(agent) = agent else {
            self.note(Oddity::NoAgentName);
            return Agent::default();
        };
        self.extra_fields(agent, &AGENT_FIELDS);
        let name = self.text(agent, "name").unwrap_or_default();
        if name.trim().is_empty() {
            self.note(Oddity::NoAgentName);
        }
        Agent { id: self.number(agent, "id").unwrap_or_default(), name }
    }

    fn state(&mut self, name: &str, body: &Map<String, Value>) -> TriggerEvent {
        let Some(state) = TriggerState::ALL.into_iter().find(|state| state.name().eq_ignore_ascii_case(name.trim())) else {
            self.note(Oddity::UnknownState);
            return TriggerEvent::Other { state: name.to_string() };
        };
        if state.name() != name {
            self.note(Oddity::EnumCase);
        }
        match state {
            TriggerState::Queued => {
                let position = self.number(body, "position").and_then(|p| u32::try_from(p).ok());
                if position.is_none() {
                    self.note(Oddity::NoPosition);
                }
                TriggerEvent::Queued { position }
            }
            TriggerState::Accepted => TriggerEvent::Accepted,
            TriggerState::Unavailable => TriggerEvent::Unavailable,
            TriggerState::Finished => TriggerEvent::Finished,
            TriggerState::Typing => TriggerEvent::Typing,
            TriggerState::Cleared => TriggerEvent::Cleared,
        }
    }
}

/// A JSON number as a whole number, if it is one (browsers' JSON gives every number as a double).
fn whole(number: &serde_json::Number) -> Option<i64> {
    number.as_i64().or_else(|| number.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 9e15).map(|f| f as i64))
}

impl Trigger {
    /// Reads a webhook body as leniently as it can be read, with the ways it departs from the
    /// reference. Only a body that is not an object or names no interaction is not a trigger.
    pub fn read(body: &Value) -> Result<(Trigger, Vec<Oddity>), NotATrigger> {
        let body = body.as_object().ok_or(NotATrigger::NotAnObject)?;
        let mut reader = Reader { oddities: Vec::new() };
        let interaction_hash = reader.text(body, "interaction_hash").filter(|hash| !hash.is_empty()).ok_or(NotATrigger::NoInteractionHash)?;
        reader.extra_fields(body, &TRIGGER_FIELDS);
        let message = reader.object(body, "message");
        let state = reader.text(body, "state");
        let event = match (message, state) {
            (Some(message), state) => {
                if state.is_some() {
                    reader.note(Oddity::StateAndMessage);
                }
                let message = reader.message(message);
                let agent = reader.object(body, "agent");
                TriggerEvent::AgentMessage { message, agent: reader.agent(agent) }
            }
            (None, Some(state)) => reader.state(&state, body),
            (None, None) => {
                reader.note(Oddity::NoStateOrMessage);
                TriggerEvent::Unreadable
            }
        };
        let extra = match reader.field(body, "extra") {
            Some(Value::Object(extra)) => extra.clone(),
            Some(_) => {
                reader.note(Oddity::UnusableField);
                Map::new()
            }
            None => Map::new(),
        };
        Ok((Trigger { interaction_hash, event, extra }, reader.oddities))
    }

    /// The state this trigger reports, or `None` for an agent message and what cannot be read.
    pub fn state(&self) -> Option<TriggerState> {
        Some(match self.event {
            TriggerEvent::Queued { .. } => TriggerState::Queued,
            TriggerEvent::Accepted => TriggerState::Accepted,
            TriggerEvent::Unavailable => TriggerState::Unavailable,
            TriggerEvent::Finished => TriggerState::Finished,
            TriggerEvent::Typing => TriggerState::Typing,
            TriggerEvent::Cleared => TriggerState::Cleared,
            TriggerEvent::AgentMessage { .. } | TriggerEvent::Other { .. } | TriggerEvent::Unreadable => return None,
        })
    }
}

impl<'de> Deserialize<'de> for Trigger {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let body = Value::deserialize(deserializer)?;
        Trigger::read(&body).map(|(trigger, _)| trigger).map_err(serde::de::Error::custom)
    }
}

/// The reference's shape (what the sandbox sends).
impl Serialize for Trigger {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut body = Map::new();
        body.insert("interaction_hash".into(), Value::String(self.interaction_hash.clone()));
        match &self.event {
            TriggerEvent::AgentMessage { message, agent } => {
                body.insert("message".into(), serde_json::to_value(message).map_err(serde::ser::Error::custom)?);
                body.insert("agent".into(), serde_json::to_value(agent).map_err(serde::ser::Error::custom)?);
            }
            TriggerEvent::Other { state } => {
                body.insert("state".into(), Value::String(state.clone()));
            }
            TriggerEvent::Unreadable => {}
            event => {
                let state = self.state().expect("a state event");
                body.insert("state".into(), Value::String(state.name().into()));
                if let TriggerEvent::Queued { position: Some(position) } = event {
                    body.insert("position".into(), Value::from(*position));
                }
            }
        }
        body.insert("extra".into(), Value::Object(self.extra.clone()));
        body.serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(body: Value) -> (TriggerEvent, Vec<Oddity>) {
        let (trigger, oddities) = Trigger::read(&body).unwrap();
        assert_eq!(trigger.interaction_hash, "h");
        (trigger.event, oddities)
    }

    #[test]
    fn the_references_shapes_have_no_oddities() {
        assert_eq!(
            read(json!({"interaction_hash": "h", "state": "queued", "position": 1, "extra": {}})),
            (TriggerEvent::Queued { position: Some(1) }, vec![])
        );
        let message = json!({"interaction_hash": "h", "message": {"hash": "m", "content": "Oi", "type": "text", "url": "http://x"},
                             "agent": {"id": 111, "name": "Atendente"}, "extra": {}});
        let (event, oddities) = read(message);
        assert!(oddities.is_empty(), "{oddities:?}");
        assert!(matches!(event, TriggerEvent::AgentMessage { .. }));
    }

    #[test]
    fn variant_shapes_are_read_as_meant_and_noted() {
        use Oddity::*;
        let cases = [
            (json!({"interaction_hash": "h", "state": "queued", "position": "3"}), TriggerEvent::Queued { position: Some(3) }, vec![NumberAsString]),
            (json!({"interaction_hash": "h", "state": "queued", "position": null}), TriggerEvent::Queued { position: None }, vec![Null, NoPosition]),
            (
                json!({"interaction_hash": "h", "state": "queued", "position": true}),
                TriggerEvent::Queued { position: None },
                vec![UnusableField, NoPosition],
            ),
            (json!({"interaction_hash": "h", "state": "queued", "position": 2.0}), TriggerEvent::Queued { position: Some(2) }, vec![]),
            (json!({"interaction_hash": "h", "state": "Accepted"}), TriggerEvent::Accepted, vec![EnumCase]),
            (json!({"interaction_hash": "h", "state": "FINISHED", "extra": null}), TriggerEvent::Finished, vec![EnumCase, Null]),
            (
                json!({"interaction_hash": "h", "state": "transferred", "to": 4}),
                TriggerEvent::Other { state: "transferred".into() },
                vec![UnknownState, ExtraFields],
            ),
            (json!({"interaction_hash": "h", "extra": "x"}), TriggerEvent::Unreadable, vec![UnusableField, NoStateOrMessage]),
            (json!({"interaction_hash": "h", "state": "typing", "message": null}), TriggerEvent::Typing, vec![Null]),
        ];
        for (body, event, oddities) in cases {
            assert_eq!(read(body.clone()), (event, oddities), "{body}");
        }
    }

    #[test]
    fn a_hash_written_as_a_number_is_its_digits() {
        let (trigger, oddities) = Trigger::read(&json!({"interaction_hash": 42, "state": "typing"})).unwrap();
        assert_eq!((trigger.interaction_hash.as_str(), trigger.event, oddities), ("42", TriggerEvent::Typing, vec![Oddity::NumberAsString]));
    }

    #[test]
    fn agent_messages_in_variant_shapes_keep_their_text_hash_and_url() {
        use Oddity::*;
        let (event, oddities) = read(json!({"interaction_hash": "h", "state": "accepted",
            "message": {"hash": 77, "content": "Onde fica?", "type": "location", "url": "https://maps.example/1", "lat": 1.5},
            "agent": {"id": "111", "name": null}}));
        let TriggerEvent::AgentMessage { message, agent } = event else { panic!("{event:?}") };
        assert_eq!(
            message,
            AgentMessage { hash: "77".into(), content: "Onde fica?".into(), kind: MessageType::Text, url: Some("https://maps.example/1".into()) }
        );
        assert_eq!(agent, Agent { id: 111, name: String::new() });
        assert_eq!(oddities, vec![UnknownMessageType, NumberAsString, Null, NoAgentName, StateAndMessage, ExtraFields]);
        let (event, oddities) = read(json!({"interaction_hash": "h", "message": {"content": null, "type": "IMAGE", "url": "https://x/y.png"}}));
        let TriggerEvent::AgentMessage { message, .. } = event else { panic!() };
        assert_eq!((message.kind, message.content.as_str(), message.hash.as_str()), (MessageType::Image, "", ""));
        assert_eq!(oddities, vec![EnumCase, Null, NoAgentName, NoMessageHash]);
    }

    #[test]
    fn only_bodies_that_are_not_objects_or_name_no_interaction_are_not_triggers() {
        for body in [json!([]), json!(null), json!("x"), json!(1)] {
            assert_eq!(Trigger::read(&body).unwrap_err(), NotATrigger::NotAnObject, "{body}");
        }
        for body in [
            json!({}),
            json!({"interaction_hash": null, "state": "queued"}),
            json!({"interaction_hash": "", "state": "queued"}),
            json!({"interaction_hash": {}}),
        ] {
            assert_eq!(Trigger::read(&body).unwrap_err(), NotATrigger::NoInteractionHash, "{body}");
        }
    }

    #[test]
    fn what_is_written_reads_back_the_same() {
        for event in [
            TriggerEvent::Queued { position: Some(2) },
            TriggerEvent::Queued { position: None },
            TriggerEvent::Accepted,
            TriggerEvent::Other { state: "bot".into() },
            TriggerEvent::AgentMessage {
                message: AgentMessage { hash: "m".into(), content: "c".into(), kind: MessageType::File, url: Some("https://f".into()) },
                agent: Agent { id: 1, name: "A".into() },
            },
        ] {
            let trigger = Trigger { interaction_hash: "h".into(), event, extra: Map::new() };
            let text = serde_json::to_string(&trigger).unwrap();
            assert_eq!(serde_json::from_str::<Trigger>(&text).unwrap(), trigger, "{text}");
        }
    }
}
