//! Logs never show the webhook secret or a session credential. A test binary of its own: tracing's
//! callsite filters are process-wide, so a subscriber set for one test is unreliable while other
//! tests log in parallel.

#[path = "it/support.rs"]
#[allow(dead_code)]
mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};

use serde_json::json;

use support::{Product, WEBHOOK_SECRET};

/// A log sink shared with the test.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

// One thread, so that every task of the product logs into this test's subscriber.
#[tokio::test(flavor = "current_thread")]
async fn logs_never_show_the_webhook_secret_or_session_credentials() {
    let captured = Captured::default();
    let sink = captured.clone();
    let subscriber = tracing_subscriber::fmt().with_max_level(tracing::Level::DEBUG).with_writer(move || sink.clone()).finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let product = Product::start().await;
    let (hash, session) = product.start_interaction(1).await;
    let mut stream = product.stream(&hash, &session, Some("garbage")).await;
    stream.next().await;
    product
        .http
        .post(product.relay(&format!("/core/api/v1/interactions/{hash}/messages")))
        .json(&json!({"token": session, "content": "hello"}))
        .send()
        .await
        .unwrap();
    product.http.post(product.relay(&format!("/webhooks/zchat/{WEBHOOK_SECRET}"))).body("{}").send().await.unwrap();
    // A shape the reference does not show, twice, then in another shape.
    for body in [
        json!({"interaction_hash": hash, "state": "transferred-to-private-team", "note": "private words of the agent"}),
        json!({"interaction_hash": hash, "state": "transferred-to-private-team", "note": "other private words"}),
        json!({"interaction_hash": hash, "state": "transferred-to-private-team", "note": 5}),
    ] {
        let answer = product.http.post(product.relay(&format!("/webhooks/zchat/{WEBHOOK_SECRET}"))).json(&body).send().await.unwrap();
        assert_eq!(answer.status(), 200);
    }
    drop(stream);
    product.running.stop().await;

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("answered"), "requests are logged:\n{logs}");
    assert!(logs.contains("/webhooks/zchat/{secret}"), "by route template:\n{logs}");
    assert!(!logs.contains(WEBHOOK_SECRET), "the webhook secret leaked into the logs");
    let shapes: Vec<&str> = logs.lines().filter(|l| l.contains("shape the reference does not show") && l.contains("\"unknown_state\"")).collect();
    assert_eq!(shapes.len(), 2, "each new shape of a kind is logged once:\n{logs}");
    assert!(shapes[0].contains("{interaction_hash:string,note:string,state:string}"), "{}", shapes[0]);
    assert!(shapes[1].contains("note:number"), "{}", shapes[1]);
    for content in ["private words", "transferred-to-private-team", hash.as_str()] {
        assert!(!shapes.iter().any(|l| l.contains(content)), "{content:?} is content, not shape:\n{logs}");
    }
    let mac = session.rsplit_once('.').unwrap().1;
    assert!(!logs.contains(mac), "a session credential leaked into the logs");
}
