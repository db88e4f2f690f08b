//! The reference's defaults, closed value lists and tolerance of unknown fields.

use serde_json::json;
use zchat_types::*;

#[test]
fn null_or_missing_media_type_is_text() {
    for body in [json!({"token": "t", "department_id": 1, "media_type": null}), json!({"token": "t", "department_id": 1})] {
        let start: StartInteraction = serde_json::from_value(body).unwrap();
        assert_eq!(start.media_type, MediaType::Text);
    }
    let sms: StartInteraction = serde_json::from_value(json!({"department_id": 1, "media_type": "WHATSAPP"})).unwrap();
    assert_eq!(sms.media_type, MediaType::Whatsapp);
}

#[test]
fn null_or_missing_message_type_is_text() {
    for body in [json!({"content": "hi", "type": null}), json!({"content": "hi"})] {
        let send: SendMessage = serde_json::from_value(body).unwrap();
        assert_eq!(send.kind, MessageType::Text);
    }
}

/// What browsers send is held to the reference's lists; what zChat sends is not (below).
#[test]
fn values_outside_the_reference_lists_are_rejected() {
    let cases = [
        serde_json::from_value::<StartInteraction>(json!({"department_id": 1, "media_type": "FAX"})).err(),
        serde_json::from_value::<SendMessage>(json!({"content": "x", "type": "sticker"})).err(),
        serde_json::from_value::<UpdateInteraction>(json!({"mood": "NEUTRAL"})).err(),
        serde_json::from_value::<ExternalHistory>(json!({"messages": [{"time": "t", "direction": "BOT", "content": "x"}]})).err(),
    ];
    for (i, error) in cases.iter().enumerate() {
        assert!(error.is_some(), "case {i} should be rejected");
    }
}

#[test]
fn unknown_fields_are_tolerated() {
    let trigger: Trigger = serde_json::from_value(json!({
        "interaction_hash": "h", "state": "accepted", "extra": {"a": 1}, "channel": "web"
    }))
    .unwrap();
    assert_eq!(trigger.event, TriggerEvent::Accepted);
    assert_eq!(trigger.extra["a"], 1);
    let created: InteractionCreated = serde_json::from_value(json!({
        "message": "ok", "status": 200, "data": {"interaction_hash": "h", "other": true}
    }))
    .unwrap();
    assert_eq!(created.data.interaction_hash, "h");
}

/// zChat's webhooks are authenticated and zChat is a live product: a state or a type the
/// reference does not list is read, not refused; only what names no interaction is not a trigger.
#[test]
fn triggers_outside_the_reference_are_read_and_only_bodies_without_an_interaction_are_refused() {
    let paused: Trigger = serde_json::from_value(json!({"interaction_hash": "h", "state": "paused", "extra": {}})).unwrap();
    assert_eq!(paused.event, TriggerEvent::Other { state: "paused".into() });
    let no_position: Trigger = serde_json::from_value(json!({"interaction_hash": "h", "state": "queued"})).unwrap();
    assert_eq!(no_position.event, TriggerEvent::Queued { position: None });
    let no_agent: Trigger = serde_json::from_value(json!({"interaction_hash": "h", "message": {"hash": "m", "content": "c"}})).unwrap();
    assert!(matches!(no_agent.event, TriggerEvent::AgentMessage { ref agent, .. } if agent.name.is_empty()));
    let empty: Trigger = serde_json::from_value(json!({"interaction_hash": "h"})).unwrap();
    assert_eq!(empty.event, TriggerEvent::Unreadable);
    let nameless = serde_json::from_value::<Trigger>(json!({"state": "queued", "position": 1}));
    assert!(nameless.unwrap_err().to_string().contains("interaction_hash"));
    let array = serde_json::from_value::<Trigger>(json!([{"interaction_hash": "h"}]));
    assert!(array.unwrap_err().to_string().contains("object"));
}

#[test]
fn missing_or_null_extra_is_an_empty_object() {
    let trigger: Trigger = serde_json::from_value(json!({"interaction_hash": "h", "state": "typing", "extra": null})).unwrap();
    assert!(trigger.extra.is_empty());
    assert_eq!(serde_json::to_value(&trigger).unwrap()["extra"], json!({}));
}

#[test]
fn event_ids_print_and_parse() {
    let id = EventId { epoch: 1732500000123, seq: 42 };
    assert_eq!(id.to_string(), "1732500000123-42");
    assert_eq!("1732500000123-42".parse::<EventId>().unwrap(), id);
    for bad in ["", "42", "a-1", "1-", "-1", "1-2-", "1-2-x", "1-2-3-4", "1-+2", "1-2--3"] {
        assert!(bad.parse::<EventId>().is_err(), "{bad:?} should not parse");
    }
    // As the relay writes it: with when it was logged, which a resume ignores.
    let written = zchat_types::written_id(id, 1_796_601_600_123);
    assert_eq!(written, "1732500000123-42-1796601600123");
    assert_eq!(written.parse::<EventId>().unwrap(), id);
    assert_eq!(zchat_types::logged_at(&written), Some(1_796_601_600_123));
    for none in ["1732500000123-42", "1-2-", "1-2-x", "1-2-3-4", ""] {
        assert_eq!(zchat_types::logged_at(none), None, "{none:?}");
    }
}

#[test]
fn stream_event_names() {
    for kind in StreamEventKind::ALL {
        assert_eq!(StreamEventKind::from_name(kind.name()), Some(kind));
    }
    assert_eq!(StreamEventKind::from_name("message"), None);
}

#[test]
fn customer_message_round_trips() {
    let message = CustomerMessage { content: "Olá".into(), kind: MessageType::Text, url: None, sent_at: 1, client_key: Some("k1".into()) };
    let value = serde_json::to_value(&message).unwrap();
    assert_eq!(value, json!({"content": "Olá", "type": "text", "sent_at": 1, "client_key": "k1"}));
    assert_eq!(serde_json::from_value::<CustomerMessage>(value).unwrap(), message);
}
