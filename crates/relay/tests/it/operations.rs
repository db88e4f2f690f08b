//! Operations: metrics (logs: `tests/logs.rs`, a process of its own).

use serde_json::json;

use crate::support::{Product, WEBHOOK_SECRET};

#[tokio::test]
async fn metrics_count_streams_events_webhooks_answers_and_upstream_latency() {
    let product = Product::start().await;
    let (hash, session) = product.start_interaction(1).await;
    let mut stream = product.stream(&hash, &session, None).await;
    stream.next().await; // queued
    let bad = product.http.post(product.relay(&format!("/webhooks/zchat/{WEBHOOK_SECRET}"))).body("nope").send().await.unwrap();
    assert_eq!(bad.status(), 400);
    let unauthorised = product.http.put(product.relay(&format!("/core/api/v1/interactions/{hash}/typing"))).json(&json!({})).send().await.unwrap();
    assert_eq!(unauthorised.status(), 401);

    let text = product.http.get(product.metrics()).send().await.unwrap().text().await.unwrap();
    for line in [
        "relay_streams_open 1",
        "relay_events_in_total{kind=\"trigger\"} 1",
        "relay_events_out_total{kind=\"trigger\"} 1",
        "relay_webhooks_total{outcome=\"appended\"} 1",
        "relay_webhooks_total{outcome=\"malformed\"} 1",
        "relay_answers_total{route=\"/core/api/v1/interactions/{hash}/typing\",status=\"401\"} 1",
        "relay_answers_total{route=\"/core/api/v1/interactions\",status=\"200\"} 1",
        "relay_upstream_seconds_count{operation=\"start\"} 1",
        "relay_interactions 1",
    ] {
        assert!(text.lines().any(|l| l == line), "missing {line:?} in:\n{text}");
    }
    drop(stream);
    product.running.stop().await;
}
