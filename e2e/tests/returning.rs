//! The conversation survives a reload, its window open or closed as it was; a visitor who ended one rates it and comes back, and the
//! new conversation's agent can read the earlier one.

use serde_json::json;
use zchat_e2e::{chatting, demo_page, run_script, start_product, until, Agent, Browser, Chatting};

#[tokio::test]
async fn a_reload_keeps_the_conversation() {
    let Chatting { product, agent, page, hash } = chatting("Reload Rita").await;
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
async fn the_window_comes_back_as_the_visitor_left_it() {
    let Chatting { product, agent, page, hash } = chatting("Janela Aberta").await;
    agent.act(&hash, "messages", json!({"content": "Olá!"})).await;
    page.element_with_text(".zc-agent .zc-text", "Olá!").await;

    // Left open: after a reload it opens again once the visitor is back on the page.
    page.client.refresh().await.unwrap();
    page.stir().await;
    let launcher = page.widget_part("button").await;
    until("the window to open again", || async { (launcher.attr("aria-expanded").await.ok()??.as_str() == "true").then_some(()) }).await;
    assert!(page.widget_part("iframe").await.is_displayed().await.unwrap());
    page.enter_widget().await;
    page.element_with_text(".zc-agent .zc-text", "Olá!").await;

    // Closed: after a reload it stays closed, the conversation there all the same.
    page.client.enter_parent_frame().await.unwrap();
    launcher.click().await.unwrap();
    // Once the frame has heard it (its storage says so), the visitor reloads.
    page.enter_widget().await;
    let kept_open = "return JSON.parse(localStorage.getItem('zchat:conversation:1')).open === true";
    until("the frame to keep it closed", || async { (run_script(&page.client, kept_open, vec![]).await == false).then_some(()) }).await;
    page.client.enter_parent_frame().await.unwrap();
    page.client.refresh().await.unwrap();
    page.stir().await;
    page.enter_widget().await;
    // (A hidden frame's text is not visible text: read from its document.)
    let said = "return [...document.querySelectorAll('.zc-agent .zc-text')].map(e => e.textContent).join()";
    until("the replayed message", || async { (run_script(&page.client, said, vec![]).await == "Olá!").then_some(()) }).await;
    page.client.enter_parent_frame().await.unwrap();
    assert_eq!(page.widget_part("button").await.attr("aria-expanded").await.unwrap().as_deref(), Some("false"));
    assert!(!page.widget_part("iframe").await.is_displayed().await.unwrap());
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

    // Rates it (one tap), then adds a note.
    page.element(".zc-good").await.click().await.unwrap();
    page.element_with_text(".zc-thanks", "Thanks for your feedback!").await;
    agent.wait_view(&first, "the rating", |v| v["mood"] == "POSITIVE").await;
    page.element("#zc-note").await.send_keys("Muito bom").await.unwrap();
    page.element(".zc-note button[type=submit]").await.click().await.unwrap();
    let rated = agent.wait_view(&first, "the note", |v| v["note"] == "Muito bom").await;
    assert_eq!(rated["mood"], "POSITIVE", "the note leaves the mood as it was");
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
