//! The event stream drops mid-conversation, again and again (the relay ends each stream after
//! 700 ms, as a load balancer or a proxy would); nothing the agent writes is lost or doubled.

use serde_json::json;
use zchat_e2e::{demo_page, widget_dist, Agent, Browser};
use zchat_relay::launch::launch;
use zchat_relay::Config;

#[tokio::test]
async fn a_stream_dropped_mid_conversation_loses_no_message() {
    let mut options = Config::for_tests(widget_dist());
    options.limits.stream_max = Some(std::time::Duration::from_millis(700));
    let product = launch(options).await.unwrap();
    let agent = Agent::new(&product);
    let page = Browser::start().await;
    page.open_widget(&demo_page(&product, "/")).await;
    page.start_chat("Rede Rui").await;
    let hash = agent.interaction_of("Rede Rui", &[]).await;
    agent.act(&hash, "accept", json!({})).await;

    // The scenario's timeline (not a wait for anything): the agent writes every 250 ms for 3 s,
    // across several stream lifetimes, so some messages land while the browser reconnects.
    let texts: Vec<String> = (1..=12).map(|n| format!("Mensagem {n}")).collect();
    let mut pace = tokio::time::interval(std::time::Duration::from_millis(250));
    for text in &texts {
        pace.tick().await;
        agent.act(&hash, "messages", json!({"content": text})).await;
    }
    for text in &texts {
        page.element_with_text(".zc-agent .zc-text", text).await;
    }
    let shown = page.texts(".zc-agent .zc-text").await;
    assert_eq!(shown, texts, "every message once, in order");
    let metrics = reqwest::get(product.metrics_url.clone().expect("tests serve metrics")).await.unwrap().text().await.unwrap();
    let streams: u64 = metrics
        .lines()
        .find_map(|line| line.strip_prefix("relay_answers_total{route=\"/core/api/v1/interactions/{hash}/events\",status=\"200\"} "))
        .and_then(|count| count.parse().ok())
        .unwrap_or(0);
    // The relay asks browsers to wait 1–3 s before reconnecting (`retry:`), so in these 3 s the
    // stream is dropped and resumed at least once, with messages written during the gap.
    assert!(streams >= 2, "the stream really was dropped and resumed ({streams} streams)");
    page.close().await;
    product.stop().await;
}
