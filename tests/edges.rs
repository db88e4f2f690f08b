//! The frame's JSON edges in real headless Chromium: what the host page and the event stream send
//! is decoded by the browser's JSON.parse and serde-wasm-bindgen (src/json.rs), checked, and turned
//! into the core's inputs; what the frame keeps is written back the same way.
#![cfg(target_arch = "wasm32")]

use serde_json::json;
use wasm_bindgen_test::*;
use zchat_types::{Customer, StreamEventKind, TriggerEvent};
use zchat_widget::core::{Saved, Session, StreamEvent};
use zchat_widget::{host, json, stream};

wasm_bindgen_test_configure!(run_in_browser);

fn from_host(message: serde_json::Value) -> Option<host::FromHost> {
    host::decode(&message.to_string())
}

#[wasm_bindgen_test]
fn the_host_pages_message_is_decoded_and_checked() {
    let message = from_host(
        json!({"zchat": "host", "open": true, "customer": {"name": "Ana", "email": "ana@example.com"}, "extra": {"plan": "gold", "cart": 3}}),
    )
    .unwrap();
    assert!(message.open);
    let customer = Customer { name: Some("Ana".into()), email: Some("ana@example.com".into()), ..Default::default() };
    assert_eq!(message.customer, Ok(Some(customer)));
    let extra = message.extra.unwrap().unwrap();
    assert_eq!(serde_json::Value::Object(extra), json!({"plan": "gold", "cart": 3}), "whole numbers stay whole");

    // Nothing given is nothing; closed is closed.
    let message = from_host(json!({"zchat": "host", "open": false})).unwrap();
    assert_eq!((message.open, message.customer, message.extra), (false, Ok(None), Ok(None)));

    // data-extra arrives as the page wrote it: JSON text.
    let message = from_host(json!({"zchat": "host", "extra": "{\"page\": \"/cart\"}"})).unwrap();
    assert_eq!(message.extra.unwrap().map(serde_json::Value::Object), Some(json!({"page": "/cart"})));
}

#[wasm_bindgen_test]
fn what_the_api_does_not_take_is_refused() {
    let customer = |customer: serde_json::Value| from_host(json!({"zchat": "host", "customer": customer})).unwrap().customer;
    assert_eq!(customer(json!({"name": 42})), Err(()), "a number for a name");
    assert_eq!(customer(json!("Ana")), Err(()), "not an object");

    let extra = |extra: serde_json::Value| from_host(json!({"zchat": "host", "extra": extra})).unwrap().extra;
    assert_eq!(extra(json!([1, 2])), Err(()), "an array");
    assert_eq!(extra(json!(7)), Err(()), "a number");
    assert_eq!(extra(json!("{oops")), Err(()), "data-extra that is not JSON");
    assert_eq!(extra(json!("[1]")), Err(()), "data-extra that is not an object");
    // 4096 bytes of JSON at most (zChat's webhooks carry it): the limit is the JSON's size in bytes.
    let fits = "é".repeat((4096 - r#"{"b":""}"#.len()) / 2);
    assert!(extra(json!({ "b": fits })).is_ok_and(|extra| extra.is_some()));
    assert_eq!(extra(json!({ "b": format!("{fits}x") })), Err(()), "one byte too many");

    // A verified customer, tags, the page and forgets: what the loader sends, checked here too.
    let field = |name: &str, value: serde_json::Value| from_host(json!({"zchat": "host", name: value})).unwrap();
    for identity in [json!({"customer_key": "k"}), json!({"customer_key": 1, "signature": "s"}), json!("k"), json!(0)] {
        assert_eq!(field("identity", identity.clone()).identity, Err(()), "{identity}");
    }
    let identity = field("identity", json!({"customer_key": "k", "signature": "s"})).identity.unwrap().unwrap();
    assert_eq!((identity.customer_key.as_str(), identity.signature.as_str()), ("k", "s"));
    assert_eq!(field("identity", json!(null)).identity, Ok(None), "logout: no one");
    // Fields it does not name are not read here (serde-wasm-bindgen reads a struct's own fields);
    // the relay refuses them (crates/relay/tests/it/identity.rs).
    let named = field("identity", json!({"customer_key": "k", "signature": "s", "name": "x"})).identity.unwrap().unwrap();
    assert_eq!(named.customer_key, "k");
    for tags in [json!(vec!["1"; 21]), json!([1]), json!("1,7"), json!([["1"]])] {
        assert_eq!(field("tags", tags.clone()).tags, Err(()), "{tags}");
    }
    assert_eq!(field("tags", json!(vec!["1"; 20])).tags.map(|tags| tags.map(|tags| tags.len())), Ok(Some(20)));
    for page in [json!("https://shop.example"), json!(false), json!([1]), json!(null)] {
        assert!(field("page", page.clone()).page.is_none(), "{page}");
    }
    let page = field("page", json!({"url": "https://shop.example/", "title": "Cart", "referrer": ""})).page.unwrap();
    assert_eq!(serde_json::Value::Object(page), json!({"url": "https://shop.example/", "title": "Cart", "referrer": ""}));
    // Each part cut to 500 characters (a page's address may be megabytes); anything else dropped.
    let long = json!({"url": format!("https://shop.example/?q={}", "ç".repeat(3_000_000)), "title": 7, "evil": "x", "referrer": "https://a.example"});
    let page = field("page", long).page.unwrap();
    assert_eq!(page["url"].as_str().unwrap().chars().count(), 500);
    assert_eq!((page.get("title"), page.get("evil"), page["referrer"].as_str()), (None, None, Some("https://a.example")));
    for (forget, counted) in [(json!(2), 2), (json!(-1), 0), (json!("3"), 0), (json!(null), 0), (json!(1e300), u32::MAX)] {
        assert_eq!(field("forget", forget.clone()).forgets, counted, "{forget}");
    }

    // Not for the frame at all: ignored.
    assert!(host::decode("{oops").is_none());
    assert!(host::decode("null").is_none());
    assert!(from_host(json!({"zchat": "ready"})).is_none());
    assert!(from_host(json!(["host"])).is_none());
}

#[wasm_bindgen_test]
fn stream_events_are_decoded_by_their_name() {
    let trigger = json!({"interaction_hash": "h1", "state": "queued", "position": 2, "extra": {}}).to_string();
    match stream::decode(StreamEventKind::Trigger, &trigger) {
        StreamEvent::Trigger(trigger) => {
            assert_eq!(trigger.interaction_hash, "h1");
            assert_eq!(trigger.event, TriggerEvent::Queued { position: Some(2) });
        }
        other => panic!("not a trigger: {other:?}"),
    }
    let message = json!({"content": "Olá", "type": "text", "sent_at": 1_700_000_000_123u64, "client_key": "k1"}).to_string();
    match stream::decode(StreamEventKind::CustomerMessage, &message) {
        StreamEvent::CustomerMessage(message) => {
            assert_eq!((message.content.as_str(), message.sent_at, message.client_key.as_deref()), ("Olá", 1_700_000_000_123, Some("k1")));
        }
        other => panic!("not a customer message: {other:?}"),
    }
    assert_eq!(stream::decode(StreamEventKind::Reset, r#"{"reason":"restarted"}"#), StreamEvent::Reset);
    // Shapes the reference does not show, through the browser's JSON (every number a double).
    let varied = r#"{"interaction_hash": "h1", "state": "QUEUED", "position": "3", "extra": null}"#;
    let StreamEvent::Trigger(trigger) = stream::decode(StreamEventKind::Trigger, varied) else { panic!("{varied}") };
    assert_eq!(trigger.event, TriggerEvent::Queued { position: Some(3) });
    let varied = r#"{"interaction_hash": "h1", "message": {"hash": 12345, "content": "x", "type": "location", "url": "https://a"}, "agent": {"id": "7", "name": null}}"#;
    let StreamEvent::Trigger(trigger) = stream::decode(StreamEventKind::Trigger, varied) else { panic!("{varied}") };
    let TriggerEvent::AgentMessage { message: said, agent } = trigger.event else { panic!("{varied}") };
    assert_eq!((said.hash.as_str(), said.kind, said.url.as_deref()), ("12345", zchat_types::MessageType::Text, Some("https://a")));
    assert_eq!((agent.id, agent.name.as_str()), (7, ""));
    let nothing = r#"{"interaction_hash": "h1", "extra": {}}"#;
    let StreamEvent::Trigger(trigger) = stream::decode(StreamEventKind::Trigger, nothing) else { panic!("{nothing}") };
    assert_eq!(trigger.event, TriggerEvent::Unreadable, "kept as seen, changes nothing");
    // No interaction named, a message under a trigger's name, not JSON.
    assert_eq!(stream::decode(StreamEventKind::Trigger, r#"{"state": "queued"}"#), StreamEvent::Unreadable);
    assert_eq!(stream::decode(StreamEventKind::Trigger, &message), StreamEvent::Unreadable);
    assert_eq!(stream::decode(StreamEventKind::CustomerMessage, "{oops"), StreamEvent::Unreadable);
}

#[wasm_bindgen_test]
fn what_the_frame_keeps_reads_back_the_same() {
    let saved = Saved {
        current: Some(Session { hash: "h2".into(), credential: "c2".into() }),
        previous: Some(Session { hash: "h1".into(), credential: "c1".into() }),
        announced: Some("3-14".into()),
        contact: true,
        open: true,
        muted: true,
        notify: true,
        unrated: true,
    };
    let text = json::stringify(&saved).unwrap();
    assert_eq!(serde_json::from_str::<serde_json::Value>(&text).unwrap()["current"], json!({"hash": "h2", "credential": "c2"}));
    assert_eq!(json::parse::<Saved>(&text), Some(saved));
    // A browser that kept something else (an older version, a hand edit) starts afresh.
    assert_eq!(json::parse::<Saved>(r#"{"current": 7}"#), None);
    assert_eq!(json::parse::<Saved>("{oops"), None);
}

/// The guard of the serde-wasm-bindgen fork (patches/serde-wasm-bindgen-0.6.5.md): its errors
/// carry no message, which keeps serde's formatting machinery out of the wasm. The published crate
/// throws a JavaScript `Error` saying "invalid type: …".
#[wasm_bindgen_test]
fn serde_wasm_bindgens_errors_carry_no_message() {
    use wasm_bindgen::JsValue;
    // A wrong type, and a missing field: each made by serde's own messages in the published crate.
    let errors = [
        serde_wasm_bindgen::from_value::<u32>(JsValue::from_str("x")).map(|_| ()),
        serde_wasm_bindgen::from_value::<bool>(JsValue::from_f64(1.5)).map(|_| ()),
        serde_wasm_bindgen::from_value::<String>(JsValue::TRUE).map(|_| ()),
        serde_wasm_bindgen::from_value::<zchat_types::Identity>(js_sys::Object::new().into()).map(|_| ()),
    ];
    for (n, error) in errors.into_iter().enumerate() {
        let thrown = JsValue::from(error.expect_err("not that type"));
        assert!(thrown.is_null(), "case {n}: an error with a message: {thrown:?}");
    }
}
