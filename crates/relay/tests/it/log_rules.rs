//! The event log's rules (crates/relay/src/log/mod.rs) hold the same in memory and on Redis:
//! each rule is a test per log (`on_both_logs!`), through the real relay.

use serde_json::{json, Value};

use crate::support::{session_for, Product, WEBHOOK_SECRET};

async fn webhook(product: &Product, body: &Value) -> Value {
    let url = product.relay(&format!("/webhooks/zchat/{WEBHOOK_SECRET}"));
    let answer = product.http.post(url).json(body).send().await.unwrap();
    assert_eq!(answer.status(), 200);
    answer.json().await.unwrap()
}

fn agent_message(hash: &str, n: usize, content: &str) -> Value {
    json!({"interaction_hash": hash, "message": {"hash": format!("m{n}"), "content": content, "type": "text"},
           "agent": {"id": 1, "name": "Bia"}, "extra": {}})
}

on_both_logs! {
    async fn the_oldest_events_go_past_the_count_and_the_redelivery_filter_forgets_them_too(log: Log) {
        let product = Product::on(log, |config| config.limits.max_events = 3).await;
        let (hash, session) = product.start_interaction(1).await;
        for n in 0..5 {
            webhook(&product, &agent_message(&hash, n, &format!("message {n}"))).await;
        }
        let mut stream = product.stream(&hash, &session, None).await;
        let first = stream.next().await;
        assert_eq!(first.json()["message"]["content"], "message 2", "{log:?}: the last three are kept");
        // Still in the log: recognised. Gone from the log: forgotten, so a late redelivery is new.
        assert_eq!(webhook(&product, &agent_message(&hash, 4, "message 4")).await["message"], "Trigger already received", "{log:?}");
        assert_eq!(webhook(&product, &agent_message(&hash, 0, "message 0")).await["message"], "Trigger received", "{log:?}");
        product.stop().await;
    }
}

on_both_logs! {
    async fn the_oldest_events_go_past_the_bytes_and_the_newest_always_stays(log: Log) {
        let product = Product::on(log, |config| config.limits.max_interaction_bytes = 10_000).await;
        let (hash, session) = product.start_interaction(1).await;
        for n in 0..6 {
            webhook(&product, &agent_message(&hash, n, &format!("{n}{}", "x".repeat(3_000)))).await;
        }
        // Bigger than the budget alone: kept, as the only event.
        webhook(&product, &agent_message(&hash, 9, &"y".repeat(20_000))).await;
        let mut stream = product.stream(&hash, &session, None).await;
        let only = stream.next().await;
        assert_eq!(only.json()["message"]["hash"], "m9", "{log:?}");
        webhook(&product, &agent_message(&hash, 10, "after")).await;
        assert_eq!(stream.next().await.json()["message"]["hash"], "m10", "{log:?}");
        product.stop().await;
    }
}

const HELD: &str = "Trigger held for an interaction not yet known";
const DROPPED: &str = "Trigger ignored: too many for unknown interactions";

on_both_logs! {
    async fn held_triggers_are_bounded_by_count_over_all_interactions_not_yet_opened(log: Log) {
        let product = Product::on(log, |config| config.limits.max_held = 3).await;
        let mut outcomes = Vec::new();
        for n in 0..3 {
            for interaction in ["held-a", "held-b"] {
                let body = json!({"interaction_hash": interaction, "state": "typing", "n": n, "extra": {}});
                outcomes.push(webhook(&product, &body).await["message"].as_str().unwrap().to_string());
            }
        }
        assert_eq!(outcomes, [HELD, HELD, HELD, DROPPED, DROPPED, DROPPED], "{log:?}");
        // Opened: what was held arrives first, in order; the room it took is free again.
        let mut stream = product.stream("held-a", &session_for("held-a"), None).await;
        let (first, second) = (stream.next().await, stream.next().await);
        assert_eq!((first.json()["n"].as_u64(), second.json()["n"].as_u64()), (Some(0), Some(1)), "{log:?}");
        let body = json!({"interaction_hash": "held-c", "state": "typing", "extra": {}});
        assert_eq!(webhook(&product, &body).await["message"], HELD, "{log:?}");
        product.stop().await;
    }
}

on_both_logs! {
    async fn held_triggers_are_bounded_by_bytes_over_all_interactions_not_yet_opened(log: Log) {
        let product = Product::on(log, |config| config.limits.max_held_bytes = 10_000).await;
        let mut outcomes = Vec::new();
        for n in 0..5 {
            let body = json!({"interaction_hash": format!("unknown-{n}"), "state": "typing", "pad": "x".repeat(3_000), "extra": {}});
            outcomes.push(webhook(&product, &body).await["message"].as_str().unwrap().to_string());
        }
        assert_eq!(outcomes, [HELD, HELD, HELD, DROPPED, DROPPED], "{log:?}");
        product.stop().await;
    }
}

on_both_logs! {
    async fn a_state_trigger_repeated_is_a_redelivery_unless_a_message_came_between(log: Log) {
        let product = Product::on(log, |_| {}).await;
        let (hash, _) = product.start_interaction(1).await;
        let typing = json!({"interaction_hash": hash, "state": "typing", "extra": {}});
        assert_eq!(webhook(&product, &typing).await["message"], "Trigger received", "{log:?}");
        assert_eq!(webhook(&product, &typing).await["message"], "Trigger already received", "{log:?}: the same body again");
        webhook(&product, &agent_message(&hash, 1, "Olá")).await;
        assert_eq!(webhook(&product, &typing).await["message"], "Trigger received", "{log:?}: typing again after a message");
        assert_eq!(webhook(&product, &typing).await["message"], "Trigger already received", "{log:?}");
        product.stop().await;
    }
}
