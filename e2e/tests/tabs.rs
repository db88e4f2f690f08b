//! Two tabs of one visitor show the same conversation; a department with no agent says so.

use fantoccini::Locator;
use serde_json::json;
use zchat_e2e::{demo_page, start_product, wait_for, Agent, Browser};

#[tokio::test]
async fn two_tabs_stay_in_step() {
    let product = start_product().await;
    let agent = Agent::new(&product);
    let page = Browser::start().await;
    page.open_widget(&demo_page(&product, "/")).await;
    page.start_chat("Duas Abas").await;
    let hash = agent.interaction_of("Duas Abas", &[]).await;
    agent.act(&hash, "accept", json!({})).await;
    page.element_with_text(".zc-system", "An agent joined the conversation.").await;

    // A second tab of the same browser: the same conversation, not a new one.
    let first = page.client.window().await.unwrap();
    let second = page.client.new_window(true).await.unwrap().handle;
    page.client.switch_to_window(second.clone()).await.unwrap();
    page.open_widget(&demo_page(&product, "/")).await;
    page.element_with_text(".zc-system", "An agent joined the conversation.").await;
    page.send("Escrito na segunda aba").await;

    agent.act(&hash, "messages", json!({"content": "Recebido!"})).await;
    page.element_with_text(".zc-agent .zc-text", "Recebido!").await;

    // Back in the first tab: the other tab's message and the agent's answer are there too.
    page.client.switch_to_window(first).await.unwrap();
    page.client.enter_parent_frame().await.unwrap();
    page.enter_widget().await;
    page.element_with_text(".zc-visitor .zc-text", "Escrito na segunda aba").await;
    page.element_with_text(".zc-agent .zc-text", "Recebido!").await;
    let bubbles = page.client.find_all(Locator::Css(".zc-visitor")).await.unwrap();
    assert_eq!(bubbles.len(), 1, "the message shows once");
    let list = agent.http.get(format!("{}/agent/interactions", agent.sandbox)).send().await.unwrap().json::<serde_json::Value>().await.unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1, "one interaction for both tabs");
    page.close().await;
    product.stop().await;
}

#[tokio::test]
async fn no_agent_available_is_said_clearly() {
    let product = start_product().await;
    let agent = Agent::new(&product);
    let page = Browser::start().await;
    // Department 2 of the demo account has no agent online.
    page.client.goto(&format!("{}/widget/?department=2", product.relay_url)).await.unwrap();
    page.start_chat("Sem Agente").await;
    page.element_with_text(".zc-status", "No agent is available right now. Leave a message or try again later.").await;
    let hash = agent.interaction_of("Sem Agente", &[]).await;
    assert_eq!(agent.view(&hash).await["state"], "unavailable");
    // The visitor can still leave a message for later.
    page.send("Me liguem amanhã").await;
    wait_for("the message kept for the agents", || async {
        let view = agent.view(&hash).await;
        (view["transcript"][0]["content"] == "Me liguem amanhã").then_some(())
    })
    .await;
    page.close().await;
    product.stop().await;
}
