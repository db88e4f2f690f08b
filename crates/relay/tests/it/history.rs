//! An earlier conversation reaches the agent of a new one through the signed history URL.

use serde_json::{json, Value};

use crate::support::{Product, DEADLINE};

#[tokio::test]
async fn a_returning_visitors_earlier_conversation_is_shown_to_the_agent() {
    let product = Product::start().await;
    let (earlier, session) = product.start_interaction(1).await;
    let mut stream = product.stream(&earlier, &session, None).await;
    product
        .http
        .post(product.relay(&format!("/core/api/v1/interactions/{earlier}/messages")))
        .json(&json!({"token": session, "content": "Meu pedido atrasou"}))
        .send()
        .await
        .unwrap();
    product.agent(&earlier, "accept", json!({})).await;
    product.agent(&earlier, "messages", json!({"content": "Vou verificar"})).await;
    stream.until("trigger", |t| t["message"]["content"] == "Vou verificar").await;

    // The visitor comes back: the new interaction names the earlier one.
    let answer = product
        .http
        .post(product.relay("/core/api/v1/interactions"))
        .header("X-Previous-Session", &session)
        .json(&json!({"department_id": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let created: Value = answer.json().await.unwrap();
    let new = created["data"]["interaction_hash"].as_str().unwrap().to_string();

    // zChat (the sandbox) fetched the relay's history URL and checked it against the reference.
    let history = tokio::time::timeout(DEADLINE, async {
        loop {
            let view: Value = product.http.get(product.sandbox(&format!("/agent/interactions/{new}"))).send().await.unwrap().json().await.unwrap();
            if view["history"]["status"] != "loading" {
                return view;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the history is fetched in time");
    assert!(history["external_history"].as_str().unwrap().contains(&format!("/history/{earlier}?sig=")));
    assert_eq!(history["history"]["status"], "loaded", "{history}");
    let messages = history["history"]["messages"].as_array().unwrap();
    let lines: Vec<(&str, &str)> = messages.iter().map(|m| (m["direction"].as_str().unwrap(), m["content"].as_str().unwrap())).collect();
    assert_eq!(lines, [("CLIENT", "Meu pedido atrasou"), ("AGENT", "Vou verificar")]);
    product.running.stop().await;
}

#[tokio::test]
async fn history_urls_need_their_signature_and_sessions_must_be_real() {
    let product = Product::start().await;
    let (hash, _) = product.start_interaction(1).await;
    for query in ["", "?sig=", "?sig=AAAA", "?sig=%%%"] {
        let answer = product.http.get(product.relay(&format!("/history/{hash}{query}"))).send().await.unwrap();
        assert_eq!(answer.status(), 404, "{query:?}");
    }
    let forged = product
        .http
        .post(product.relay("/core/api/v1/interactions"))
        .header("X-Previous-Session", format!("{hash}.forged"))
        .json(&json!({"department_id": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 400);
    let own_url = product
        .http
        .post(product.relay("/core/api/v1/interactions"))
        .json(&json!({"department_id": 1, "external_history": "https://evil.example/h"}))
        .send()
        .await
        .unwrap();
    assert_eq!(own_url.status(), 400, "external_history is the relay's to set");
    product.running.stop().await;
}
