//! Webhook intake: liberal with zChat (every shape that names an interaction is kept and streamed
//! as received), the secret, what is still refused, redeliveries, floods for unknown interactions.

use serde_json::{json, Value};

use crate::support::{Log, Product, WEBHOOK_SECRET};

/// Bodies in shapes the reference does not show, as a live zChat may send them: each is kept and
/// streamed exactly as received.
fn variants(hash: &str) -> Vec<(&'static str, String)> {
    vec![
        ("a position in a string", format!(r#"{{"interaction_hash": "{hash}", "state": "queued", "position": "3", "extra": {{}}}}"#)),
        ("a null position", format!(r#"{{"interaction_hash": "{hash}", "state": "QUEUED", "position": null}}"#)),
        ("a state in another case", format!(r#"{{"interaction_hash": "{hash}", "state": "Accepted", "extra": null}}"#)),
        (
            "a state the reference does not list",
            format!(r#"{{"interaction_hash": "{hash}", "state": "transferred", "to_department": 4, "extra": {{}}}}"#),
        ),
        ("another unknown state", format!(r#"{{"interaction_hash": "{hash}", "state": "bot"}}"#)),
        (
            "a message type it does not list",
            format!(
                r#"{{"interaction_hash": "{hash}", "message": {{"hash": "v-1", "content": "Aqui", "type": "location", "url": "https://maps.example/p/1", "lat": -23.5}}, "agent": {{"id": "111", "name": null}}, "extra": {{}}}}"#
            ),
        ),
        (
            "no text, a url",
            format!(
                r#"{{"interaction_hash": "{hash}", "message": {{"hash": "v-2", "content": null, "type": "sticker", "url": "https://cdn.example/s.webp"}}, "agent": {{"id": 111, "name": "Bia"}}}}"#
            ),
        ),
        (
            "a type in capitals and extra fields everywhere",
            format!(
                r#"{{"interaction_hash": "{hash}", "channel": "web", "message": {{"hash": "v-3", "content": "Oi", "type": "TEXT", "sent": "2026-12-01"}}, "agent": {{"id": 7, "name": "Bia", "team": "vendas"}}, "extra": {{}}}}"#
            ),
        ),
        ("no agent at all", format!(r#"{{"interaction_hash": "{hash}", "message": {{"hash": "v-4", "content": "Sem agente", "type": "text"}}}}"#)),
        (
            "a message hash as a number",
            format!(
                r#"{{"interaction_hash": "{hash}", "message": {{"hash": 12345, "content": "Número", "type": "text"}}, "agent": {{"id": 1, "name": "Bia"}}}}"#
            ),
        ),
        ("neither a state nor a message", format!(r#"{{"interaction_hash": "{hash}", "event": "survey_sent", "extra": {{}}}}"#)),
        (
            "huge numbers that fit a double",
            format!(r#"{{"interaction_hash": "{hash}", "state": "typing", "extra": {{"n": 1e300, "big": 123456789012345678901234567890}}}}"#),
        ),
        (
            "both a state and a message",
            format!(
                r#"{{"interaction_hash": "{hash}", "state": "typing", "message": {{"hash": "v-5", "content": "Ambos", "type": "text"}}, "agent": {{"id": 1, "name": "Bia"}}}}"#
            ),
        ),
    ]
}

/// A relay on `log` with one interaction whose stream is open past its `queued` event, and the
/// relay's webhook address.
async fn streaming(log: Log) -> (Product, String, crate::support::Sse, String) {
    let product = Product::on(log, |_| {}).await;
    let (hash, session) = product.start_interaction(1).await;
    let mut stream = product.stream(&hash, &session, None).await;
    stream.next().await; // queued
    let url = product.relay(&format!("/webhooks/zchat/{WEBHOOK_SECRET}"));
    (product, hash, stream, url)
}

on_both_logs! {
    async fn webhooks_in_shapes_the_reference_does_not_show_are_kept_and_streamed_verbatim(log: Log) {
        let (product, hash, mut stream, url) = streaming(log).await;
        let post = |body: String| product.http.post(&url).header("content-type", "application/json").body(body).send();
        for (what, body) in variants(&hash) {
            let answer = post(body.clone()).await.unwrap();
            assert_eq!(answer.status(), 200, "{log:?} {what}");
            assert_eq!(answer.json::<Value>().await.unwrap()["message"], "Trigger received", "{log:?} {what}");
            let event = stream.next().await;
            assert_eq!((event.event.as_str(), event.data.as_str()), ("trigger", body.as_str()), "{log:?} {what}: streamed exactly as received");
        }
        // Redeliveries are recognised in every shape that carries a message hash.
        for (n, (what, body)) in variants(&hash).into_iter().enumerate().filter(|(n, _)| [5, 6, 9].contains(n)) {
            let again: Value = post(body).await.unwrap().json().await.unwrap();
            assert_eq!(again["message"], "Trigger already received", "{log:?} {n} {what}");
        }
        let metrics = product.http.get(product.metrics()).send().await.unwrap().text().await.unwrap();
        for line in [
            "relay_webhook_oddities_total{kind=\"unknown_state\"} 2",
            "relay_webhook_oddities_total{kind=\"unknown_message_type\"} 4",
            "relay_webhook_oddities_total{kind=\"no_state_or_message\"} 1",
            "relay_webhook_oddities_total{kind=\"enum_case\"} 3",
            "relay_webhooks_total{outcome=\"appended\"} 14",
        ] {
            assert!(metrics.lines().any(|l| l == line), "{log:?}: {line} in\n{metrics}");
        }
        product.stop().await;
    }
}

#[tokio::test]
async fn only_what_is_not_a_json_object_naming_an_interaction_is_refused_with_the_reason() {
    let product = Product::start().await;
    let post = |secret: &str, body: String| {
        product.http.post(product.relay(&format!("/webhooks/zchat/{secret}"))).header("content-type", "application/json").body(body).send()
    };
    let valid = r#"{"interaction_hash": "abc", "state": "accepted", "extra": {}}"#.to_string();
    assert_eq!(post("wrong", valid.clone()).await.unwrap().status(), 404);
    let cases = [
        ("not json", "not JSON"),
        ("[{\"interaction_hash\": \"abc\"}]", "not a JSON object"),
        ("\"abc\"", "not a JSON object"),
        ("{}", "no interaction_hash"),
        ("{\"interaction_hash\": null, \"state\": \"queued\"}", "no interaction_hash"),
        ("{\"interaction_hash\": \"\", \"state\": \"queued\"}", "no interaction_hash"),
        ("{\"interaction_hash\": {\"a\": 1}, \"state\": \"queued\"}", "no interaction_hash"),
        ("{\"interaction_hash\": \"abc\", \"extra\": {\"n\": 1e400}}", "not JSON"),
    ];
    for (body, why) in cases {
        let answer = post(WEBHOOK_SECRET, body.to_string()).await.unwrap();
        assert_eq!(answer.status(), 400, "{body}");
        let message = answer.json::<Value>().await.unwrap()["message"].as_str().unwrap().to_string();
        assert!(message.contains(why), "{body}: {message}");
    }
    assert_eq!(post(WEBHOOK_SECRET, valid).await.unwrap().status(), 200, "an unknown hash is held, not refused");
    product.stop().await;
}

#[tokio::test]
async fn a_redelivered_agent_message_is_shown_once() {
    let product = Product::start().await;
    let (hash, session) = product.start_interaction(1).await;
    let mut stream = product.stream(&hash, &session, None).await;
    stream.next().await; // queued
    let body = json!({
        "interaction_hash": hash,
        "message": {"hash": "m-1", "content": "Once", "type": "text"},
        "agent": {"id": 7, "name": "Bia"},
        "extra": {}
    });
    for expected in ["Trigger received", "Trigger already received"] {
        let answer = product.http.post(product.relay(&format!("/webhooks/zchat/{WEBHOOK_SECRET}"))).json(&body).send().await.unwrap();
        assert_eq!(answer.json::<Value>().await.unwrap()["message"], expected);
    }
    let marker = json!({"interaction_hash": hash, "state": "typing", "extra": {}});
    product.http.post(product.relay(&format!("/webhooks/zchat/{WEBHOOK_SECRET}"))).json(&marker).send().await.unwrap();
    assert_eq!(stream.next().await.json()["message"]["content"], "Once");
    assert_eq!(stream.next().await.json()["state"], "typing", "the duplicate was not streamed");
    product.running.stop().await;
}

#[tokio::test]
async fn a_flood_of_triggers_for_unknown_interactions_keeps_memory_bounded() {
    let product = Product::start().await;
    let url = product.relay(&format!("/webhooks/zchat/{WEBHOOK_SECRET}"));
    let mut answers = Vec::new();
    for n in 0..3000 {
        let body = json!({"interaction_hash": format!("unknown-{n}"), "state": "typing", "extra": {}});
        answers.push(product.http.post(&url).json(&body).send());
    }
    let mut ok = 0;
    for answer in futures_util::future::join_all(answers).await {
        if answer.unwrap().status() == 200 {
            ok += 1;
        }
    }
    assert_eq!(ok, 3000, "zChat is answered 2xx: these are other channels' triggers");
    let metrics = product.http.get(product.metrics()).send().await.unwrap().text().await.unwrap();
    assert!(metrics.lines().any(|l| l == "relay_held_triggers 1000"), "held at the cap:\n{metrics}");
    assert!(metrics.lines().any(|l| l == "relay_webhooks_total{outcome=\"dropped\"} 2000"), "{metrics}");
    assert!(metrics.lines().any(|l| l == "relay_interactions 0"));
    product.running.stop().await;
}

on_both_logs! {
    async fn webhooks_written_over_several_lines_arrive_as_the_same_json_whatever_their_line_breaks(log: Log) {
        let (product, hash, mut stream, url) = streaming(log).await;
        // SSE cannot carry a carriage return: each break becomes a new data line, and the JSON
        // read back is the JSON sent.
        for (n, newline) in ["\n", "\r\n", "\r", "\n\r\n  \r"].into_iter().enumerate() {
            let sent = json!({"interaction_hash": hash, "message": {"hash": format!("lines-{n}"), "content": "linha 1\nlinha 2\r\n", "type": "text"}, "agent": {"id": 1, "name": "Bia"}});
            let body = serde_json::to_string_pretty(&sent).unwrap().replace('\n', newline);
            let answer = product.http.post(&url).header("content-type", "application/json").body(body).send().await.unwrap();
            assert_eq!(answer.status(), 200, "{log:?} {newline:?}");
            let event = stream.next().await;
            assert_eq!(event.event, "trigger");
            assert_eq!(event.json(), sent, "{log:?} {newline:?}");
        }
        product.stop().await;
    }
}
