//! zChat's answers read liberally (docs/design.md, "zChat's answers, read liberally"): every shape the
//! sandbox can answer in (fault `api.answer_shape`), for each call a visitor makes after the start,
//! and for the start itself, with what the browser gets. On both logs.

use serde_json::{json, Value};

use crate::support::Product;

/// The calls a visitor makes on an interaction: (name, method, path, body without the token).
const CALLS: [(&str, &str, &str, &str); 5] = [
    ("update", "PUT", "", r#"{"mood": "POSITIVE"}"#),
    ("messages", "POST", "/messages", r#"{"content": "Olá", "type": "text"}"#),
    ("typing", "PUT", "/typing", "{}"),
    ("cleared", "PUT", "/cleared", "{}"),
    ("finish", "PUT", "/finish", "{}"),
];

/// Each shape, and the status the browser gets for a call answered in it.
const SHAPES: [(&str, u16); 9] = [
    ("empty", 200),
    ("no_content", 200),
    ("text", 200),
    ("other_json", 200),
    ("hash_as_data_hash", 200),
    ("hash_at_top_level", 200),
    ("no_hash", 200),
    // zChat's refusals, in its shapes: the browser gets zChat's status, in the reference's shape.
    ("refusal_in_success", 422),
    ("refusal_not_json", 409),
];

async fn shape(product: &Product, shape: Option<&str>) {
    let faults = json!({"api": {"answer_shape": shape}});
    let answer = product.http.put(product.sandbox("/agent/faults")).json(&faults).send().await.unwrap();
    assert!(answer.status().is_success(), "{shape:?}: {}", answer.status());
}

on_both_logs! {
    async fn every_answer_shape_of_every_call_reaches_the_browser_as_success_or_zchats_refusal(log: Log) {
        let product = Product::on(log, |_| {}).await;
        for (call, method, path, body) in CALLS {
            for (name, status) in SHAPES {
                shape(&product, None).await;
                let (hash, session) = product.start_interaction(1).await;
                shape(&product, Some(name)).await;
                let mut body: Value = serde_json::from_str(body).unwrap();
                body["token"] = json!(session);
                let url = product.relay(&format!("/core/api/v1/interactions/{hash}{path}"));
                let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
                let answer = product.http.request(method, url).json(&body).send().await.unwrap();
                assert_eq!(answer.status().as_u16(), status, "{log:?} {call} answered {name}");
                let said: Value = answer.json().await.unwrap_or_else(|error| panic!("{log:?} {call} {name}: not JSON: {error}"));
                assert_eq!(said["status"], status, "{log:?} {call} {name}: {said}");
                assert!(said["message"].as_str().is_some_and(|message| !message.is_empty()), "{log:?} {call} {name}: {said}");
                if name == "refusal_in_success" {
                    assert_eq!(said["message"], "The interaction is busy (an answer shape of the sandbox)", "zChat's words: {said}");
                }
            }
        }
        shape(&product, None).await;
        product.stop().await;
    }
}

on_both_logs! {
    async fn a_create_is_read_wherever_zchat_puts_the_hash_and_without_one_is_a_502_that_says_so(log: Log) {
        let product = Product::on(log, |_| {}).await;
        for (name, status) in
            [("hash_as_data_hash", 200), ("hash_at_top_level", 200), ("other_json", 502), ("no_hash", 502), ("empty", 502), ("no_content", 502), ("text", 502), ("refusal_in_success", 422), ("refusal_not_json", 409)]
        {
            shape(&product, Some(name)).await;
            let create = product.http.post(product.relay("/core/api/v1/interactions")).json(&json!({"department_id": 1, "customer": {"name": "Ana"}}));
            let answer = create.send().await.unwrap();
            assert_eq!(answer.status().as_u16(), status, "{log:?} create answered {name}");
            let said: Value = answer.json().await.unwrap();
            if status == 200 {
                // The widget reads the hash and the session where it always does.
                let hash = said["data"]["interaction_hash"].as_str().unwrap_or_else(|| panic!("{name}: {said}"));
                assert!(said["data"]["session"].as_str().unwrap().starts_with(hash), "{name}: {said}");
                // And it is a session the relay takes.
                shape(&product, None).await;
                drop(product.stream(hash, said["data"]["session"].as_str().unwrap(), None).await);
            } else {
                assert_eq!(said["status"], status, "{name}: {said}");
            }
            if status == 502 {
                assert_eq!(said["message"], "zChat answered in an unexpected format: its create answer has no interaction hash", "{name}");
            }
        }
        shape(&product, None).await;
        let metrics = product.http.get(product.metrics()).send().await.unwrap().text().await.unwrap();
        for kind in ["hash_as_data_hash", "hash_at_top_level", "create_without_hash"] {
            assert!(metrics.contains(&format!("relay_upstream_oddities_total{{kind=\"{kind}\"}}")), "{kind} counted:\n{metrics}");
        }
        product.stop().await;
    }
}
