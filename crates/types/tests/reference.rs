//! Every JSON example of the API reference (docs/spec/zchat-clientapi-v1.md) parses into our
//! types and serializes back to the same JSON (compared as JSON values: same meaning, any layout).

use serde::{de::DeserializeOwned, Serialize};
use serde_json::{json, Value};
use zchat_types::*;

/// Parses `example` as `T`, serializes it again and checks nothing was lost or added.
fn round_trip<T: DeserializeOwned + Serialize + std::fmt::Debug>(example: &str) -> T {
    let parsed: T = serde_json::from_str(example).expect("the reference's example parses");
    let again = serde_json::to_value(&parsed).unwrap();
    let original: Value = serde_json::from_str(example).unwrap();
    assert_eq!(again, original, "round trip changed the example");
    parsed
}

#[test]
fn start_interaction_body() {
    let body: StartInteraction = round_trip(
        r#"{
          "token": "yourAPIToken",
          "media_type": "TEXT",
          "department_id": 1,
          "customer": {"name": "Name Surname", "email": "name@example.com", "phone": "11991417777", "cpf": "12345678900"},
          "extra" : {"clientId": "any", "botId": "any"},
          "external_history": "https://test.com"
        }"#,
    );
    assert_eq!(body.media_type, MediaType::Text);
    assert_eq!(body.department_id, 1);
    assert_eq!(body.customer.unwrap().cpf.as_deref(), Some("12345678900"));
    assert_eq!(body.extra.unwrap()["botId"], "any");
}

#[test]
fn start_interaction_success() {
    let answer: InteractionCreated =
        round_trip(r#"{"message": "Interaction created successfully", "data": {"interaction_hash": "0000a-000b-0c00-0d0e-f00d00f11111"}}"#);
    assert_eq!(answer.data.interaction_hash, "0000a-000b-0c00-0d0e-f00d00f11111");
    assert_eq!(answer.data.session, None);
}

#[test]
fn error_answer() {
    let error: ApiError = round_trip(r#"{"message": "Error description here", "status": 422}"#);
    assert_eq!(error, ApiError::new(422, "Error description here"));
}

#[test]
fn external_history_document() {
    let history: ExternalHistory = round_trip(
        r#"{"messages":[
            {"time":"2019-03-14 00:00:01","direction":"CLIENT","content":"client message here"},
            {"time":"2019-03-14 00:00:10","direction":"AGENT","content":"agent answer here"}]}"#,
    );
    assert_eq!(history.messages[0].direction, Direction::Client);
    assert_eq!(history.messages[1].direction, Direction::Agent);
    assert_eq!(history.messages[1].time, "2019-03-14 00:00:10");
}

#[test]
fn update_interaction_body() {
    let body: UpdateInteraction = round_trip(
        r#"{"token": "y0UrCl1EntSdk", "mood": "POSITIVE", "tag_ids": ["1", "999"],
            "customer_key": "0010-abcd-efgh-ijkd-1c422e49fdff", "note": "any note here"}"#,
    );
    assert_eq!(body.mood, Some(Mood::Positive));
    assert_eq!(body.tag_ids.unwrap(), ["1", "999"]);
}

#[test]
fn update_interaction_success() {
    let answer: Ack = round_trip(r#"{"message": "Interaction updated successfully", "status": 200}"#);
    assert_eq!(answer.status, 200);
}

#[test]
fn send_message_body() {
    let body: SendMessage = round_trip(
        r#"{"token": "yourAPIToken", "content": "your message", "type": "image",
            "url": "https://omz-logos.s3.amazonaws.com/logo_omz.png"}"#,
    );
    assert_eq!(body.kind, MessageType::Image);
    assert!(body.kind.is_media());
}

#[test]
fn send_message_success() {
    let answer: MessageCreated =
        round_trip(r#"{"data": {"interaction_hash": "interaction_hash"}, "message": "Message created successfully", "status": 200}"#);
    assert_eq!(answer.data.interaction_hash, "interaction_hash");
}

#[test]
fn typing_body() {
    let body: TokenOnly = round_trip(r#"{"token": "YourApiToken"}"#);
    assert_eq!(body.token, "YourApiToken");
}

#[test]
fn stop_typing_body() {
    round_trip::<TokenOnly>(r#"{"token": "YourApiToken"}"#);
}

#[test]
fn finish_body() {
    round_trip::<TokenOnly>(r#"{"token": "YourApiToken"}"#);
}

const HASH: &str = "322e458c-540c-4c11-ab5c-d38d39f57213";

fn state_trigger(state: &str, extra: Value) -> String {
    let mut body = json!({"interaction_hash": HASH, "state": state, "extra": extra});
    if state == "queued" {
        body["position"] = json!(1);
    }
    body.to_string()
}

#[test]
fn trigger_queued() {
    let trigger: Trigger =
        round_trip(r#"{"interaction_hash": "322e458c-540c-4c11-ab5c-d38d39f57213", "state": "queued", "position": 1, "extra": {}}"#);
    assert_eq!(trigger.event, TriggerEvent::Queued { position: Some(1) });
    assert_eq!(trigger.interaction_hash, HASH);
}

#[test]
fn trigger_accepted() {
    let trigger: Trigger = round_trip(&state_trigger("accepted", json!({})));
    assert_eq!(trigger.event, TriggerEvent::Accepted);
}

#[test]
fn trigger_unavailable() {
    let trigger: Trigger = round_trip(&state_trigger("unavailable", json!({})));
    assert_eq!(trigger.event, TriggerEvent::Unavailable);
}

#[test]
fn trigger_finished() {
    let trigger: Trigger = round_trip(&state_trigger("finished", json!({})));
    assert_eq!(trigger.event, TriggerEvent::Finished);
}

#[test]
fn trigger_typing() {
    let trigger: Trigger = round_trip(&state_trigger("typing", json!({})));
    assert_eq!(trigger.event, TriggerEvent::Typing);
}

#[test]
fn trigger_cleared() {
    let trigger: Trigger = round_trip(&state_trigger("cleared", json!({})));
    assert_eq!(trigger.event, TriggerEvent::Cleared);
}

#[test]
fn trigger_agent_message() {
    let trigger: Trigger = round_trip(
        r#"{
          "interaction_hash": "322e458c-540c-4c11-ab5c-d38d39f57213",
          "message": {"hash": "3110a5da-87c7-4f6d-a4ab-2b1ed5edfd46", "content": "Message", "type": "text", "url": "http://..."},
          "agent": {"id": 111, "name": "Atendente"},
          "extra": {}
        }"#,
    );
    let TriggerEvent::AgentMessage { message, agent } = trigger.event else {
        panic!("not an agent message: {trigger:?}");
    };
    assert_eq!(message.hash, "3110a5da-87c7-4f6d-a4ab-2b1ed5edfd46");
    assert_eq!(message.kind, MessageType::Text);
    assert_eq!(agent, Agent { id: 111, name: "Atendente".into() });
}
