//! Two tabs of one visitor show the same conversation; a department with no agent says so, and
//! takes a message and a contact for later.

use fantoccini::Locator;
use serde_json::json;
use zchat_e2e::{chatting, demo_page, start_product, until, Agent, Browser, Chatting};

#[tokio::test]
async fn two_tabs_stay_in_step() {
    let Chatting { product, agent, page, hash } = chatting("Duas Abas").await;

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
async fn no_agent_available_is_said_clearly_and_the_visitor_leaves_a_message_and_a_contact() {
    let product = start_product().await;
    let agent = Agent::new(&product);
    let page = Browser::start().await;
    // Department 2 of the demo account has no agent online; the demo page's form asks for an
    // email and a phone, both optional, which this visitor leaves empty.
    page.open_widget(&demo_page(&product, "/?department=2")).await;
    page.start_chat("Sem Agente").await;
    page.element_with_text(".zc-status", "No agent is available right now. Leave a message and the team will answer here.").await;
    let hash = agent.interaction_of("Sem Agente", &[]).await;
    assert_eq!(agent.view(&hash).await["state"], "unavailable");
    // Asked for an email or phone (optional); neither is said plainly, and nothing is sent.
    page.element("#zc-contact").await.send_keys("amanhã").await.unwrap();
    page.element(".zc-contact button").await.click().await.unwrap();
    page.element_with_text(".zc-notice", "Enter an email, or a phone number with its area code.").await;
    let field = page.element("#zc-contact").await;
    field.clear().await.unwrap();
    field.send_keys("+55 11 99141-7777").await.unwrap();
    page.element(".zc-contact button").await.click().await.unwrap();
    page.element_with_text(".zc-visitor[data-delivery=sent] .zc-text", "My contact: +55 11 99141-7777").await;
    page.element_with_text(".zc-status", "No agent is available right now. Leave a message: the team will answer here or at the contact you gave.")
        .await;
    assert!(page.client.find(Locator::Css(".zc-contact")).await.is_err(), "asked once");
    // The visitor can still leave a message for later: both are kept for the agents, in order.
    page.send("Me liguem amanhã").await;
    until("the contact and the message kept for the agents", || async {
        let view = agent.view(&hash).await;
        let said = |at: usize| view["transcript"][at]["content"].as_str().map(str::to_string);
        (said(0).as_deref() == Some("My contact: +55 11 99141-7777") && said(1).as_deref() == Some("Me liguem amanhã")).then_some(())
    })
    .await;
    // After a reload the widget knows the team has the contact: not asked again.
    page.open_widget(&demo_page(&product, "/?department=2")).await;
    page.element_with_text(".zc-visitor .zc-text", "Me liguem amanhã").await;
    page.element_with_text(".zc-status", "No agent is available right now. Leave a message: the team will answer here or at the contact you gave.")
        .await;
    assert!(page.client.find(Locator::Css(".zc-contact")).await.is_err(), "not asked again");
    page.close().await;
    product.stop().await;
}

#[tokio::test]
async fn a_visitor_who_gave_an_email_in_the_form_is_not_asked_again() {
    let product = start_product().await;
    let page = Browser::start().await;
    page.open_widget(&demo_page(&product, "/?department=2")).await;
    page.element("#zc-email").await.send_keys("ana@example.com").await.unwrap();
    page.start_chat("Ana Contato").await;
    page.element_with_text(".zc-status", "No agent is available right now. Leave a message: the team will answer here or at the contact you gave.")
        .await;
    assert!(page.client.find(Locator::Css(".zc-contact")).await.is_err());
    page.close().await;
    product.stop().await;
}
