//! Redis away for a while, as the visitor lives it: the relay on Redis (a `redis-server` of the
//! test's own), a conversation under way in Chromium; Redis stops. The stream ends and the window
//! says it is reconnecting; a message the visitor sends meanwhile is refused (503) and shows as
//! still sending while the widget sends it again on its own (after four tries the visitor would be
//! asked, with a Retry button: `tests/components.rs`); the agent's message written meanwhile waits
//! in zChat's retries (the relay answers its webhook 503). Redis starts again: the window comes
//! back by itself, the agent's message arrives once, and the visitor's reaches zChat once.

use serde_json::{json, Value};
use zchat_e2e::{demo_page, until, widget_dist, Agent, Browser};
use zchat_relay::launch::launch;
use zchat_relay::Config;
use zchat_testkit::Redis;

/// The texts of `from`'s entries in the agent's view of the transcript.
fn transcript(view: &Value, from: &str) -> Vec<String> {
    view["transcript"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|entry| entry["from"] == from)
        .map(|entry| entry["content"].as_str().unwrap_or("").to_string())
        .collect()
}

#[tokio::test]
async fn redis_away_for_a_while_loses_nothing_and_the_visitor_is_told() {
    let mut redis = Redis::start().await;
    let mut config = Config::for_tests(widget_dist());
    config.redis_url = Some(redis.url());
    let product = launch(config).await.unwrap();
    let agent = Agent::new(&product);
    let page = Browser::start().await;
    page.open_widget(&demo_page(&product, "/")).await;
    page.start_chat("Rita Redis").await;
    let hash = agent.interaction_of("Rita Redis", &[]).await;
    agent.act(&hash, "accept", json!({})).await;
    agent.act(&hash, "messages", json!({"content": "Antes da queda"})).await;
    page.element_with_text(".zc-agent .zc-text", "Antes da queda").await;
    page.send("Tudo certo?").await;

    redis.stop().await;
    page.element_with_text(".zc-status", "Reconnecting…").await;
    agent.act(&hash, "messages", json!({"content": "Durante a queda"})).await;
    page.element("#zc-input").await.send_keys("Enviada na queda").await.unwrap();
    page.element(".zc-composer button[type=submit]").await.click().await.unwrap();
    until("the relay to refuse the send while Redis is away", || async {
        let metrics = reqwest::get(product.metrics_url.clone()?).await.ok()?.text().await.ok()?;
        metrics
            .lines()
            .any(|line| line.starts_with("relay_answers_total{route=\"/core/api/v1/interactions/{hash}/messages\",status=\"503\"}"))
            .then_some(())
    })
    .await;
    page.element_with_text(".zc-visitor[data-delivery=sending] .zc-text", "Enviada na queda").await;

    redis.restart().await;
    page.element_with_text(".zc-agent .zc-text", "Durante a queda").await;
    page.element_with_text(".zc-visitor[data-delivery=sent] .zc-text", "Enviada na queda").await;
    until("the status to be the conversation's again", || async {
        let status = page.element(".zc-status").await.text().await.ok()?;
        (status != "Reconnecting…").then_some(())
    })
    .await;
    assert_eq!(page.texts(".zc-agent .zc-text").await, ["Antes da queda", "Durante a queda"], "each agent message once, in order");
    let view = agent.wait_view(&hash, "the visitor's messages in zChat", |view| transcript(view, "customer").len() >= 2).await;
    assert_eq!(transcript(&view, "customer"), ["Tudo certo?", "Enviada na queda"], "each visitor message reached zChat once");
    page.close().await;
    product.stop().await;
    let _ = std::fs::remove_dir_all(&redis.dir);
}
