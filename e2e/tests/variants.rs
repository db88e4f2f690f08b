//! The sandbox plays a live zChat that sends every trigger in a shape the reference does not show
//! (numbers as strings, other cases, extra fields, nulls, a type it does not list, no agent, a
//! state it does not list first), some of them twice: the visitor sees every agent message, in
//! order, once, and the conversation goes on as usual.

use serde_json::{json, Value};
use zchat_e2e::{demo_page, until, widget_dist, Agent, Browser};
use zchat_relay::launch::launch;
use zchat_relay::Config;

#[tokio::test]
async fn every_agent_message_in_a_variant_shape_is_shown_once_in_order() {
    let product = launch(Config::for_tests(widget_dist())).await.unwrap();
    let agent = Agent::new(&product);
    let faults = json!({"seed": 11, "webhooks": {"variant_rate": 1.0, "duplicate_rate": 0.3}});
    let answer = agent.http.put(format!("{}/agent/faults", agent.sandbox)).json(&faults).send().await.unwrap();
    assert_eq!(answer.status(), 200);
    let page = Browser::start().await;
    page.open_widget(&demo_page(&product, "/")).await;
    page.start_chat("Variada Vera").await;
    let hash = agent.interaction_of("Variada Vera", &[]).await;
    agent.act(&hash, "accept", json!({})).await;
    page.element_with_text(".zc-system", "An agent joined the conversation.").await;

    let mut texts: Vec<String> = (1..=9).map(|n| format!("Mensagem variada {n}")).collect();
    for text in &texts {
        agent.act(&hash, "messages", json!({"content": text})).await;
    }
    agent.act(&hash, "messages", json!({"content": "Foto do pedido", "type": "image", "url": "https://cdn.example/pedido.png"})).await;
    texts.push("Foto do pedido".into());
    let last = texts.last().unwrap().clone();
    page.element_with_text(".zc-agent .zc-text", &last).await;
    let shown = page.texts(".zc-agent .zc-text").await;
    assert_eq!(shown, texts, "every message once, in order");
    // The conversation went on as usual: no error, the visitor can still write.
    page.send("Recebi tudo, obrigada").await;
    agent
        .wait_view(&hash, "the visitor's reply at the agent", |view| {
            view["transcript"].as_array().is_some_and(|t| t.iter().any(|m| m["content"] == "Recebi tudo, obrigada"))
        })
        .await;

    // It was the variant shapes that went out: the sandbox's journal says which, the relay counted them.
    let deliveries: Value = until("the sandbox's journal of deliveries", || async {
        let journal: Value = agent.http.get(format!("{}/agent/webhooks", agent.sandbox)).send().await.ok()?.json().await.ok()?;
        Some(journal)
    })
    .await;
    let notes = deliveries.to_string();
    let varied: std::collections::BTreeSet<u32> = (0..7).filter(|n| notes.contains(&format!("fault: variant shape {n}"))).collect();
    assert!(varied.len() >= 5, "most variants went out: {varied:?}");
    let metrics = reqwest::get(product.metrics_url.clone().unwrap()).await.unwrap().text().await.unwrap();
    let kinds = metrics.lines().filter(|line| line.starts_with("relay_webhook_oddities_total{kind=")).count();
    assert!(kinds >= 4, "the relay counted what departed from the reference, by kind:\n{metrics}");
    page.close().await;
    product.stop().await;
}
