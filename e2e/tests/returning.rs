//! The conversation survives a reload; a visitor who ended one rates it and comes back, and the
//! new conversation's agent can read the earlier one.

use serde_json::json;
use zchat_e2e::{demo_page, start_product, Agent, Browser};

#[tokio::test]
async fn a_reload_keeps_the_conversation() {
    let product = start_product().await;
    let agent = Agent::new(&product);
    let page = Browser::start().await;
    page.open_widget(&demo_page(&product, "/")).await;
    page.start_chat("Reload Rita").await;
    let hash = agent.interaction_of("Reload Rita", &[]).await;
    agent.act(&hash, "accept", json!({})).await;
    agent.act(&hash, "messages", json!({"content": "Olá Rita"})).await;
    page.element_with_text(".zc-agent .zc-text", "Olá Rita").await;
    page.send("Antes do reload").await;

    page.client.refresh().await.unwrap();
    page.open_widget(&demo_page(&product, "/")).await;
    // The whole transcript is back, from the relay's log, and the conversation goes on.
    page.element_with_text(".zc-agent .zc-text", "Olá Rita").await;
    page.element_with_text(".zc-visitor[data-delivery=sent] .zc-text", "Antes do reload").await;
    page.element_with_text(".zc-status", "You are chatting with Atendente.").await;
    agent.act(&hash, "messages", json!({"content": "Depois do reload"})).await;
    page.element_with_text(".zc-agent .zc-text", "Depois do reload").await;
    page.send("Ainda aqui").await;
    agent
        .wait_view(&hash, "both visitor messages", |v| {
            v["transcript"].as_array().is_some_and(|t| t.iter().filter(|m| m["from"] == "customer").count() == 2)
        })
        .await;
    page.screenshot("after-reload").await;
    page.close().await;
    product.stop().await;
}

#[tokio::test]
async fn a_visitor_ends_rates_and_returns_and_the_agent_sees_the_earlier_chat() {
    let product = start_product().await;
    let agent = Agent::new(&product);
    let page = Browser::start().await;
    page.open_widget(&demo_page(&product, "/")).await;
    page.start_chat("Volta Vera").await;
    let first = agent.interaction_of("Volta Vera", &[]).await;
    agent.act(&first, "accept", json!({})).await;
    agent.act(&first, "messages", json!({"content": "Em que posso ajudar?"})).await;
    page.element_with_text(".zc-agent .zc-text", "Em que posso ajudar?").await;
    page.send("Troca de tamanho").await;

    // The visitor ends the chat, confirming it.
    page.element(".zc-end").await.click().await.unwrap();
    page.element(".zc-confirm-yes").await.click().await.unwrap();
    page.element_with_text(".zc-status", "This conversation has ended.").await;
    page.element_with_text(".zc-system", "You ended the conversation.").await;
    agent.wait_view(&first, "the interaction finished", |v| v["state"] == "finished").await;

    // Rates it with a note.
    page.element("#zc-note").await.send_keys("Muito bom").await.unwrap();
    page.element(".zc-good").await.click().await.unwrap();
    page.element_with_text(".zc-thanks", "Thanks for your feedback!").await;
    let rated = agent.wait_view(&first, "the rating", |v| v["mood"] == "POSITIVE").await;
    assert_eq!(rated["note"], "Muito bom");
    page.screenshot("rated").await;

    // Comes back: the new conversation's agent sees the earlier one.
    page.element(".zc-new").await.click().await.unwrap();
    page.start_chat("Volta Vera").await;
    let second = agent.interaction_of("Volta Vera", &[&first]).await;
    let view = agent.wait_view(&second, "the earlier conversation as history", |v| v["history"]["status"] == "loaded").await;
    let lines: Vec<(String, String)> = view["history"]["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["direction"].as_str().unwrap().to_string(), m["content"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(lines, [("AGENT".to_string(), "Em que posso ajudar?".to_string()), ("CLIENT".to_string(), "Troca de tamanho".to_string())]);
    page.element_with_text(".zc-status", "You are next in line.").await;
    page.close().await;
    product.stop().await;
}
