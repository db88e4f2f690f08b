//! The real zChat's unpredictability, on demand: the same trigger in shapes the reference does not
//! show but a live product may send (fault `webhooks.variant_rate`). Each variant keeps the
//! trigger's meaning, so a widget that reads leniently shows the same conversation.

use serde_json::{json, Map, Value};
use zchat_types::Trigger;

/// How many variants there are (`variant(trigger, n)` takes `n` modulo this).
pub const VARIANTS: u32 = 7;

/// What goes out for `trigger` in variant `n`: the bodies to post, in order (the last is the
/// trigger itself; a variant may send a trigger of an unknown state before it).
pub fn variant(trigger: &Trigger, n: u32) -> Vec<Value> {
    let mut body = serde_json::to_value(trigger).expect("a trigger serializes");
    let object = body.as_object_mut().expect("a trigger is an object");
    match n % VARIANTS {
        // Numbers written as strings.
        0 => {
            stringify(object, "position");
            if let Some(Value::Object(agent)) = object.get_mut("agent") {
                stringify(agent, "id");
            }
        }
        // States and types in other cases.
        1 => {
            capitalize(object, "state");
            if let Some(Value::Object(message)) = object.get_mut("message") {
                upper(message, "type");
            }
        }
        // Fields the reference does not show, at every level.
        2 => {
            object.insert("channel".into(), json!("webchat"));
            object.insert("sent_at".into(), json!("2026-12-01T12:00:00Z"));
            if let Some(Value::Object(message)) = object.get_mut("message") {
                message.insert("status".into(), json!({"delivered": true}));
            }
            if let Some(Value::Object(agent)) = object.get_mut("agent") {
                agent.insert("team".into(), json!("Vendas"));
            }
        }
        // `null` where the reference has a value, and an agent without a name.
        3 => {
            if object.get("extra").is_some_and(|extra| extra.as_object().is_some_and(Map::is_empty)) {
                object.insert("extra".into(), Value::Null);
            }
            if let Some(Value::Object(message)) = object.get_mut("message") {
                message.entry("url").or_insert(Value::Null);
            }
            if let Some(Value::Object(agent)) = object.get_mut("agent") {
                agent.insert("name".into(), Value::Null);
            }
        }
        // A message type the reference does not list (its text and address kept).
        4 => {
            if let Some(Value::Object(message)) = object.get_mut("message") {
                message.insert("type".into(), json!("template"));
            }
        }
        // No agent object at all.
        5 => {
            object.remove("agent");
        }
        // A trigger of a state the reference does not list first (a bot handing over, say).
        _ => {
            let before =
                json!({"interaction_hash": trigger.interaction_hash, "state": "bot_handoff", "bot": {"name": "Assistente"}, "extra": trigger.extra});
            return vec![before, body];
        }
    }
    vec![body]
}

fn stringify(object: &mut Map<String, Value>, name: &str) {
    if let Some(Value::Number(number)) = object.get(name) {
        let text = number.to_string();
        object.insert(name.into(), Value::String(text));
    }
}

fn capitalize(object: &mut Map<String, Value>, name: &str) {
    if let Some(Value::String(text)) = object.get(name) {
        let mut chars = text.chars();
        let capitalized = chars.next().map(|first| first.to_uppercase().chain(chars).collect::<String>()).unwrap_or_default();
        object.insert(name.into(), Value::String(capitalized));
    }
}

fn upper(object: &mut Map<String, Value>, name: &str) {
    if let Some(Value::String(text)) = object.get(name) {
        let upper = text.to_uppercase();
        object.insert(name.into(), Value::String(upper));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zchat_types::{Agent, AgentMessage, MessageType, TriggerEvent};

    fn triggers() -> Vec<Trigger> {
        let extra = Map::from_iter([("clientId".to_string(), json!("c1"))]);
        let message = AgentMessage { hash: "m1".into(), content: "Olá".into(), kind: MessageType::Image, url: Some("https://x/y.png".into()) };
        vec![
            Trigger { interaction_hash: "h".into(), event: TriggerEvent::Queued { position: Some(2) }, extra: Map::new() },
            Trigger { interaction_hash: "h".into(), event: TriggerEvent::Accepted, extra: extra.clone() },
            Trigger {
                interaction_hash: "h".into(),
                event: TriggerEvent::AgentMessage { message, agent: Agent { id: 111, name: "Atendente".into() } },
                extra,
            },
        ]
    }

    #[test]
    fn every_variant_reads_back_as_the_same_trigger_but_for_what_the_shape_cannot_carry() {
        for trigger in triggers() {
            for n in 0..VARIANTS {
                let bodies = variant(&trigger, n);
                let (read, _) = Trigger::read(bodies.last().unwrap()).unwrap();
                match (&trigger.event, &read.event) {
                    // A type the reference does not list is read as text, its address kept; an
                    // agent without a name is nameless.
                    (TriggerEvent::AgentMessage { message, agent }, TriggerEvent::AgentMessage { message: got, agent: got_agent }) => {
                        assert_eq!((&got.hash, &got.content, &got.url), (&message.hash, &message.content, &message.url), "variant {n}");
                        assert!(got.kind == message.kind || (n == 4 && got.kind == MessageType::Text), "variant {n}: {got:?}");
                        assert!(got_agent == agent || (matches!(n, 3 | 5) && got_agent.name.is_empty()), "variant {n}: {got_agent:?}");
                    }
                    (expected, got) => assert_eq!(got, expected, "variant {n}"),
                }
                assert_eq!(read.interaction_hash, "h");
                if n == 6 {
                    let (first, _) = Trigger::read(&bodies[0]).unwrap();
                    assert_eq!(first.event, TriggerEvent::Other { state: "bot_handoff".into() });
                }
            }
        }
    }

    #[test]
    fn variants_are_not_the_references_shape() {
        let trigger = &triggers()[2];
        for n in 0..VARIANTS {
            let (_, oddities) = Trigger::read(variant(trigger, n).last().unwrap()).unwrap();
            assert!(n == 6 || !oddities.is_empty(), "variant {n} departs from the reference");
        }
    }
}
