//! Verified customers, tags and continuity across browsers, through the relay to the sandbox:
//! only a customer key signed with `RELAY_IDENTITY_SECRET` reaches zChat; what zChat refuses is a
//! warning for the site's developer and the conversation goes on.

use serde_json::{json, Value};

use crate::support::{Log, Product};

const IDENTITY_SECRET: &str = "the-shop-backend-and-the-relay-share-it";
/// A customer the sandbox's account knows.
const KNOWN: &str = "0010-abcd-efgh-ijkd-1c422e49fdff";

/// The signature the README's Python line makes: what a site's backend runs.
fn python_signature(secret: &str, key: &str) -> String {
    let line = format!("import hmac, hashlib; print(hmac.new({secret:?}.encode(), {key:?}.encode(), hashlib.sha256).hexdigest())");
    let output = std::process::Command::new("python3").args(["-c", &line]).output().expect("python3");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap().trim().to_string()
}

async fn product(log: Log, required: bool) -> Product {
    Product::on(log, |config| {
        config.identity_secret = Some(IDENTITY_SECRET.into());
        config.identity_required = required;
    })
    .await
}

async fn create(product: &Product, extra: Value) -> (u16, Value) {
    let mut body = json!({"department_id": 1, "customer": {"name": "Maria"}});
    body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    let answer = product.http.post(product.relay("/core/api/v1/interactions")).json(&body).send().await.unwrap();
    (answer.status().as_u16(), answer.json().await.unwrap())
}

async fn in_sandbox(product: &Product, hash: &str) -> Value {
    product.http.get(product.sandbox(&format!("/agent/interactions/{hash}"))).send().await.unwrap().json().await.unwrap()
}

async fn creates_seen_by_zchat(product: &Product) -> usize {
    let requests: Vec<Value> = product.http.get(product.sandbox("/agent/requests")).send().await.unwrap().json().await.unwrap();
    requests.iter().filter(|r| r["method"] == "POST" && r["path"] == "/core/api/v1/interactions").count()
}

on_both_logs! {
    async fn a_valid_signature_passes_the_customer_key_to_zchat_as_the_pythonline_makes_it(log: Log) {
        let product = product(log, false).await;
        let identity = json!({"identity": {"customer_key": KNOWN, "signature": python_signature(IDENTITY_SECRET, KNOWN)}});
        let (status, answer) = create(&product, identity).await;
        assert_eq!(status, 200, "{log:?}: {answer}");
        assert!(answer["data"].get("warnings").is_none(), "{answer}");
        let hash = answer["data"]["interaction_hash"].as_str().unwrap();
        assert_eq!(in_sandbox(&product, hash).await["customer_key"], KNOWN, "{log:?}");
        product.stop().await;
    }
}

#[tokio::test]
async fn forged_missing_or_borrowed_signatures_start_nothing() {
    let product = product(Log::Memory, false).await;
    let other = python_signature(IDENTITY_SECRET, "someone-else");
    let hostile = [
        json!({"identity": {"customer_key": KNOWN, "signature": other}}),
        json!({"identity": {"customer_key": KNOWN, "signature": ""}}),
        json!({"identity": {"customer_key": KNOWN}}),
        json!({"identity": {"customer_key": KNOWN, "signature": python_signature("a-guessed-secret-of-the-right-length", KNOWN)}}),
        json!({"identity": {"customer_key": KNOWN, "signature": python_signature(IDENTITY_SECRET, KNOWN).to_uppercase()}}),
        json!({"identity": {"customer_key": KNOWN, "signature": python_signature(IDENTITY_SECRET, KNOWN), "verified": true}}),
        json!({"identity": "0010"}),
        json!({"customer_key": KNOWN}),
    ];
    for body in hostile {
        let (status, answer) = create(&product, body.clone()).await;
        assert!((400..500).contains(&status), "{body}: {status} {answer}");
        assert_eq!(answer["status"], status, "in the reference's error shape: {answer}");
    }
    assert_eq!(creates_seen_by_zchat(&product).await, 0, "nothing reached zChat");
    // Without an identity, a conversation starts as before, naming no one.
    let (status, answer) = create(&product, json!({})).await;
    assert_eq!(status, 200);
    let hash = answer["data"]["interaction_hash"].as_str().unwrap();
    assert!(in_sandbox(&product, hash).await.get("customer_key").is_none());
    // A browser's update cannot name a customer either.
    let session = answer["data"]["session"].as_str().unwrap();
    let update =
        product.http.put(product.relay(&format!("/core/api/v1/interactions/{hash}"))).json(&json!({"token": session, "customer_key": KNOWN}));
    assert_eq!(update.send().await.unwrap().status(), 400);
    product.stop().await;
}

#[tokio::test]
async fn required_identities_refuse_conversations_without_one() {
    let product = product(Log::Memory, true).await;
    let (status, answer) = create(&product, json!({})).await;
    assert_eq!((status, answer["status"].as_u64()), (401, Some(401)), "{answer}");
    let signed = json!({"identity": {"customer_key": KNOWN, "signature": python_signature(IDENTITY_SECRET, KNOWN)}});
    assert_eq!(create(&product, signed).await.0, 200);
    product.stop().await;
}

on_both_logs! {
    async fn a_verified_customer_gets_their_last_conversation_from_another_browser_and_an_unverified_one_does_not(log: Log) {
        let product = product(log, false).await;
        let signed = || json!({"identity": {"customer_key": KNOWN, "signature": python_signature(IDENTITY_SECRET, KNOWN)}});
        let (_, first) = create(&product, signed()).await;
        let first = first["data"]["interaction_hash"].as_str().unwrap().to_string();
        // Another browser: no X-Previous-Session, only the same signed customer.
        let (_, second) = create(&product, signed()).await;
        let second = second["data"]["interaction_hash"].as_str().unwrap().to_string();
        let view = in_sandbox(&product, &second).await;
        let history = view["external_history"].as_str().unwrap_or_else(|| panic!("{log:?}: no external history: {view}"));
        assert!(history.contains(&format!("/history/{first}?sig=")), "{log:?}: {history}");
        // Unverified: nothing of anyone's.
        let (_, third) = create(&product, json!({})).await;
        let view = in_sandbox(&product, third["data"]["interaction_hash"].as_str().unwrap()).await;
        assert!(view.get("external_history").is_none(), "{log:?}: {view}");
        product.stop().await;
    }
}

#[tokio::test]
async fn tags_reach_zchat_and_what_zchat_refuses_is_a_warning_not_a_failure() {
    let product = product(Log::Memory, false).await;
    let (status, answer) = create(&product, json!({"tag_ids": ["1", "999"]})).await;
    assert_eq!(status, 200);
    assert_eq!(in_sandbox(&product, answer["data"]["interaction_hash"].as_str().unwrap()).await["tag_ids"], json!(["1", "999"]));

    // An unknown tag beside a known customer: the customer is kept, the tag is a warning.
    let signed = json!({"identity": {"customer_key": KNOWN, "signature": python_signature(IDENTITY_SECRET, KNOWN)}, "tag_ids": ["1", "404"]});
    let (status, answer) = create(&product, signed).await;
    assert_eq!(status, 200, "{answer}");
    let warnings = answer["data"]["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{answer}");
    assert!(warnings[0].as_str().unwrap().contains("tag_ids"), "{answer}");
    let view = in_sandbox(&product, answer["data"]["interaction_hash"].as_str().unwrap()).await;
    assert_eq!(view["customer_key"], KNOWN);
    assert!(view.get("tag_ids").is_none(), "{view}");

    // A signed key zChat does not know: the conversation goes on without it.
    let stranger = "not-a-customer-of-this-account";
    let signed = json!({"identity": {"customer_key": stranger, "signature": python_signature(IDENTITY_SECRET, stranger)}});
    let (status, answer) = create(&product, signed).await;
    assert_eq!(status, 200, "{answer}");
    assert!(answer["data"]["warnings"][0].as_str().unwrap().contains("customer_key"), "{answer}");

    // Hostile tags are the browser's: refused before zChat.
    for tags in [json!(vec!["1"; 21]), json!([""]), json!(["x".repeat(65)]), json!([1]), json!("1")] {
        let (status, _) = create(&product, json!({"tag_ids": tags})).await;
        assert!((400..500).contains(&status), "{tags}: {status}");
    }
    product.stop().await;
}

#[tokio::test]
async fn what_the_create_takes_besides_the_reference_is_checked_and_bounded() {
    let product = product(Log::Memory, false).await;
    let hostile = [
        (json!({"page": "https://shop.example"}), 422),
        (json!({"page": {"url": 5}}), 422),
        (json!({"page": {"url": "u", "script": "x"}}), 422),
        (json!({"page": [1]}), 422),
        (json!({"tag_ids": {"1": true}}), 422),
        (json!({"tag_ids": [null]}), 422),
        (json!({"identity": {"customer_key": KNOWN, "signature": 5}}), 422),
        (json!({"identity": [KNOWN]}), 422),
        (json!({"identity": {"customer_key": "x".repeat(300), "signature": python_signature(IDENTITY_SECRET, &"x".repeat(300))}}), 401),
    ];
    for (body, expected) in hostile {
        let (status, answer) = create(&product, body.clone()).await;
        assert_eq!(status, expected, "{body}: {answer}");
        assert_eq!(answer["status"], expected, "in the reference's error shape: {answer}");
    }
    assert_eq!(creates_seen_by_zchat(&product).await, 0, "nothing reached zChat");
    // Nulls are nothing; a long page is cut, not refused.
    let long = json!({"page": {"url": format!("https://shop.example/{}", "p".repeat(5_000)), "title": "t".repeat(5_000)}, "tag_ids": null, "identity": null});
    let (status, answer) = create(&product, long).await;
    assert_eq!(status, 200, "{answer}");
    let view = in_sandbox(&product, answer["data"]["interaction_hash"].as_str().unwrap()).await;
    let context = &view["extra"]["page_context"];
    assert_eq!((context["url"].as_str().unwrap().chars().count(), context["title"].as_str().unwrap().chars().count()), (500, 500), "{view}");
    assert_eq!(context["referrer"], "");
    product.stop().await;
}
