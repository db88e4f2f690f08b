//! The ClientApi V1 mirror: sessions, the account token, errors.

use serde_json::{json, Value};

use crate::support::Product;

#[tokio::test]
async fn create_returns_a_session_and_never_the_account_token() {
    let product = Product::start().await;
    let answer = product
        .http
        .post(product.relay("/core/api/v1/interactions"))
        .json(&json!({"department_id": 1, "customer": {"name": "Maria", "email": "m@example.com"}, "extra": {"clientId": "c1"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let text = answer.text().await.unwrap();
    assert!(!text.contains(zchat_sandbox::DEFAULT_TOKEN), "the account token leaked: {text}");
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(body["message"], "Interaction created successfully");
    let hash = body["data"]["interaction_hash"].as_str().unwrap();
    assert!(body["data"]["session"].as_str().unwrap().starts_with(hash));

    let seen: Value = product.http.get(product.sandbox(&format!("/agent/interactions/{hash}"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(seen["customer"]["email"], "m@example.com");
    assert_eq!(seen["extra"]["clientId"], "c1");
    assert_eq!(seen["media_type"], "TEXT");
    product.running.stop().await;
}

#[tokio::test]
async fn create_refuses_a_token_in_the_body_and_passes_zchat_refusals_through() {
    let product = Product::start().await;
    let create = |body: Value| product.http.post(product.relay("/core/api/v1/interactions")).json(&body).send();
    let with_token = create(json!({"token": "x", "department_id": 1})).await.unwrap();
    assert_eq!(with_token.status(), 400);
    let unknown_department = create(json!({"department_id": 9})).await.unwrap();
    assert_eq!(unknown_department.status(), 422);
    let body: Value = unknown_department.json().await.unwrap();
    assert_eq!(body, json!({"message": "The department_id 9 does not exist", "status": 422}));
    product.running.stop().await;
}

#[tokio::test]
async fn later_calls_need_that_interactions_own_session() {
    let product = Product::start().await;
    let (hash, session) = product.start_interaction(1).await;
    let (_, other_session) = product.start_interaction(1).await;
    let send = |token: &str| {
        product
            .http
            .post(product.relay(&format!("/core/api/v1/interactions/{hash}/messages")))
            .json(&json!({"token": token, "content": "Olá"}))
            .send()
    };
    for (token, status) in [
        ("", 401),
        ("forged.AAAA", 401),
        (other_session.as_str(), 403),
        // The account token is refused like any wrong credential: nothing tells a guesser it matched.
        (zchat_sandbox::DEFAULT_TOKEN, 401),
    ] {
        let answer = send(token).await.unwrap();
        assert_eq!(answer.status(), status, "token {token:?}");
        let body: Value = answer.json().await.unwrap();
        assert_eq!(body["status"], status, "errors have the reference's shape");
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    let answer = send(&session).await.unwrap();
    assert_eq!(answer.status(), 200);
    let body: Value = answer.json().await.unwrap();
    assert_eq!(body["data"]["interaction_hash"], hash.as_str());

    let seen: Value = product.http.get(product.sandbox(&format!("/agent/interactions/{hash}"))).send().await.unwrap().json().await.unwrap();
    let transcript = seen["transcript"].as_array().unwrap();
    assert_eq!(transcript.len(), 1, "only the authorised message reached zChat");
    assert_eq!(transcript[0]["content"], "Olá");
    product.running.stop().await;
}

#[tokio::test]
async fn every_mirrored_call_reaches_zchat() {
    let product = Product::start().await;
    let (hash, session) = product.start_interaction(1).await;
    let sandbox_view =
        || async { product.http.get(product.sandbox(&format!("/agent/interactions/{hash}"))).send().await.unwrap().json::<Value>().await.unwrap() };
    let put = |suffix: &str, body: Value| product.http.put(product.relay(&format!("/core/api/v1/interactions/{hash}{suffix}"))).json(&body).send();
    assert_eq!(put("/typing", json!({"token": session})).await.unwrap().status(), 200);
    assert_eq!(sandbox_view().await["customer_typing"], true);
    assert_eq!(put("/cleared", json!({"token": session})).await.unwrap().status(), 200);
    assert_eq!(sandbox_view().await["customer_typing"], false);
    assert_eq!(put("/finish", json!({"token": session})).await.unwrap().status(), 200);
    assert_eq!(sandbox_view().await["state"], "finished");
    let rate = put("", json!({"token": session, "mood": "POSITIVE", "note": "great"})).await.unwrap();
    assert_eq!(rate.status(), 200);
    assert_eq!(rate.json::<Value>().await.unwrap(), json!({"message": "Interaction updated successfully", "status": 200}));
    let view = sandbox_view().await;
    assert_eq!((view["mood"].as_str(), view["note"].as_str()), (Some("POSITIVE"), Some("great")));
    // zChat's refusal of a message on a finished interaction comes back as it is.
    let late = product
        .http
        .post(product.relay(&format!("/core/api/v1/interactions/{hash}/messages")))
        .json(&json!({"token": session, "content": "late"}))
        .send()
        .await
        .unwrap();
    assert_eq!(late.status(), 422);
    product.running.stop().await;
}

#[tokio::test]
async fn browsers_on_other_origins_are_refused() {
    let product = Product::start().await;
    let create = |origin: String| {
        product.http.post(product.relay("/core/api/v1/interactions")).header("Origin", origin).json(&json!({"department_id": 1})).send()
    };
    assert_eq!(create("https://evil.example".into()).await.unwrap().status(), 403);
    assert_eq!(create(product.running.relay_url.clone()).await.unwrap().status(), 200);
    product.running.stop().await;
}

#[tokio::test]
async fn malformed_requests_get_clear_errors() {
    let product = Product::start().await;
    let url = product.relay("/core/api/v1/interactions");
    let not_json = product.http.post(&url).header("content-type", "application/json").body("{nope").send().await.unwrap();
    assert_eq!(not_json.status(), 400);
    let no_type = product.http.post(&url).body(r#"{"department_id": 1}"#).send().await.unwrap();
    assert_eq!(no_type.status(), 415);
    let wrong_shape = product.http.post(&url).json(&json!({"department_id": "one"})).send().await.unwrap();
    assert_eq!(wrong_shape.status(), 422);
    let message = wrong_shape.json::<Value>().await.unwrap()["message"].as_str().unwrap().to_string();
    assert!(message.contains("department_id"), "{message}");
    let huge = product.http.post(&url).json(&json!({"department_id": 1, "extra": {"x": "a".repeat(100_000)}})).send().await.unwrap();
    assert_eq!(huge.status(), 413);
    let bad_hash =
        product.http.put(product.relay("/core/api/v1/interactions/..%2F..%2Fetc/finish")).json(&json!({"token": "x"})).send().await.unwrap();
    assert_eq!(bad_hash.status(), 404);
    product.running.stop().await;
}

#[tokio::test]
async fn an_unreachable_zchat_is_a_502_with_a_message() {
    // A port that was just free: nothing listens there.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let mut options = zchat_relay::Config::for_tests(std::env::temp_dir());
    options.upstream = Some((format!("http://{closed}"), "token".into()));
    let running = zchat_relay::launch::launch(options).await.unwrap();
    let answer = reqwest::Client::new()
        .post(format!("{}/core/api/v1/interactions", running.relay_url))
        .json(&json!({"department_id": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 502);
    let body: Value = answer.json().await.unwrap();
    assert_eq!(body["message"], "zChat cannot be reached; try again");
    running.stop().await;
}

on_both_logs! {
    async fn a_retried_create_or_send_with_the_same_key_happens_once(log: Log) {
        let product = Product::on(log, |_| {}).await;
        let create = || {
            product
                .http
                .post(product.relay("/core/api/v1/interactions"))
                .header("Idempotency-Key", "create-1")
                .json(&json!({"department_id": 1, "customer": {"name": "Once"}}))
                .send()
        };
        // Two at once (a double click) and one later (a retry): one interaction.
        let (first, second) = tokio::join!(create(), create());
        let third = create().await.unwrap();
        let bodies =
            [first.unwrap().json::<Value>().await.unwrap(), second.unwrap().json::<Value>().await.unwrap(), third.json::<Value>().await.unwrap()];
        assert!(bodies.iter().all(|b| b == &bodies[0]), "{bodies:?}");
        let hash = bodies[0]["data"]["interaction_hash"].as_str().unwrap().to_string();
        let session = bodies[0]["data"]["session"].as_str().unwrap().to_string();
        let list: Value = product.http.get(product.sandbox("/agent/interactions")).send().await.unwrap().json().await.unwrap();
        assert_eq!(list.as_array().unwrap().iter().filter(|i| i["customer"]["name"] == "Once").count(), 1);

        let send = |key: &'static str, content: &'static str| {
            product
                .http
                .post(product.relay(&format!("/core/api/v1/interactions/{hash}/messages")))
                .header("Idempotency-Key", key)
                .json(&json!({"token": session, "content": content}))
                .send()
        };
        for _ in 0..3 {
            assert_eq!(send("msg-1", "only once").await.unwrap().status(), 200);
        }
        let reused = send("msg-1", "something else").await.unwrap();
        assert_eq!(reused.status(), 422, "a key reused for another request");
        let seen: Value = product.http.get(product.sandbox(&format!("/agent/interactions/{hash}"))).send().await.unwrap().json().await.unwrap();
        assert_eq!(seen["transcript"].as_array().unwrap().len(), 1, "zChat got the message once");

        let bad_key = product
            .http
            .post(product.relay("/core/api/v1/interactions"))
            .header("Idempotency-Key", "x".repeat(101))
            .json(&json!({"department_id": 1}))
            .send()
            .await
            .unwrap();
        assert_eq!(bad_key.status(), 400);
        product.stop().await;
    }
}

#[tokio::test]
async fn too_many_creates_from_one_address_are_429() {
    let mut options = zchat_relay::Config::for_tests(std::env::temp_dir());
    options.admission.creates_per_minute = 3;
    let running = zchat_relay::launch::launch(options).await.unwrap();
    let http = reqwest::Client::new();
    let mut statuses = Vec::new();
    for _ in 0..5 {
        let answer = http.post(format!("{}/core/api/v1/interactions", running.relay_url)).json(&json!({"department_id": 1})).send().await.unwrap();
        statuses.push(answer.status().as_u16());
        if answer.status() == 429 {
            let wait: u64 = answer.headers()["retry-after"].to_str().unwrap().parse().unwrap();
            assert!((1..=60).contains(&wait), "Retry-After {wait}");
            let body: Value = answer.json().await.unwrap();
            assert_eq!(body, json!({"message": "Too many new conversations from this address; try again later", "status": 429}));
        }
    }
    assert_eq!(statuses, [200, 200, 200, 429, 429]);
    running.stop().await;
}

#[tokio::test]
async fn a_zchat_that_does_not_answer_in_time_is_a_504() {
    let mut options = zchat_relay::Config::for_tests(std::env::temp_dir());
    options.upstream_timeout = std::time::Duration::from_millis(300);
    let running = zchat_relay::launch::launch(options).await.unwrap();
    let http = reqwest::Client::new();
    let sandbox = running.sandbox_url.clone().unwrap();
    let faults = http.put(format!("{sandbox}/agent/faults")).json(&json!({"api": {"timeout_rate": 1.0, "timeout_ms": 5000}})).send().await.unwrap();
    assert_eq!(faults.status(), 200);
    let answer = http.post(format!("{}/core/api/v1/interactions", running.relay_url)).json(&json!({"department_id": 1})).send().await.unwrap();
    assert_eq!(answer.status(), 504);
    let body: Value = answer.json().await.unwrap();
    assert_eq!(body, json!({"message": "zChat did not answer in time; try again", "status": 504}));
    running.stop().await;
}
