//! Webhook intake: the secret, bad bodies, redeliveries.

use serde_json::{json, Value};

use crate::support::{Product, WEBHOOK_SECRET};

#[tokio::test]
async fn a_wrong_secret_is_404_and_a_bad_body_is_400_with_a_reason() {
    let product = Product::start().await;
    let post = |secret: &str, body: &str| {
        product
            .http
            .post(product.relay(&format!("/webhooks/zchat/{secret}")))
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
    };
    let valid = r#"{"interaction_hash": "abc", "state": "accepted", "extra": {}}"#;
    assert_eq!(post("wrong", valid).await.unwrap().status(), 404);
    let bad = post(WEBHOOK_SECRET, r#"{"interaction_hash": "abc", "state": "queued", "extra": {}}"#).await.unwrap();
    assert_eq!(bad.status(), 400);
    assert!(bad.json::<Value>().await.unwrap()["message"].as_str().unwrap().contains("position"));
    assert_eq!(post(WEBHOOK_SECRET, "not json").await.unwrap().status(), 400);
    assert_eq!(post(WEBHOOK_SECRET, valid).await.unwrap().status(), 200, "an unknown hash is held, not refused");
    product.running.stop().await;
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
