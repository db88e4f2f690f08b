//! A visitor and an agent hold a whole conversation: the visitor in real headless Chromium on the
//! demo host page, the agent through the sandbox's agent API.

use fantoccini::Locator;
use serde_json::{json, Value};
use zchat_e2e::{demo_page, start_product, until, Browser};

#[tokio::test]
async fn a_visitor_and_an_agent_hold_a_conversation() {
    let product = start_product().await;
    let sandbox = product.sandbox_url.clone().unwrap();
    let http = reqwest::Client::new();
    let browser = Browser::start().await;
    let page = &browser;

    // The visitor opens the host page and the widget.
    page.client.goto(&demo_page(&product, "/")).await.unwrap();
    page.widget_part("button").await.click().await.unwrap();
    page.enter_widget().await;

    // Enters a name and starts the chat.
    page.element("#zc-name").await.send_keys("Maria Silva").await.unwrap();
    page.element(".zc-prechat button[type=submit]").await.click().await.unwrap();

    // Queued: the first in line.
    page.element_with_text(".zc-status", "You are next in line.").await;

    // The sandbox has the interaction with the visitor's name.
    let hash = until("the interaction in the sandbox", || async {
        let list: Value = http.get(format!("{sandbox}/agent/interactions")).send().await.ok()?.json().await.ok()?;
        let interaction = list.as_array()?.iter().find(|i| i["customer"]["name"] == "Maria Silva")?;
        interaction["hash"].as_str().map(str::to_string)
    })
    .await;

    // The agent accepts: the visitor sees it.
    let agent = |action: &'static str, body: Value| {
        let url = format!("{sandbox}/agent/interactions/{hash}/{action}");
        let http = http.clone();
        async move {
            let answer = http.post(url).json(&body).send().await.unwrap();
            assert!(answer.status().is_success(), "agent {action}: {}", answer.status());
        }
    };
    let agent_put = |action: &'static str| {
        let url = format!("{sandbox}/agent/interactions/{hash}/{action}");
        let http = http.clone();
        async move {
            let answer = http.put(url).send().await.unwrap();
            assert!(answer.status().is_success(), "agent {action}: {}", answer.status());
        }
    };
    agent("accept", json!({})).await;
    page.element_with_text(".zc-system", "An agent joined the conversation.").await;

    // The agent types, then stops: the visitor sees it.
    agent_put("typing").await;
    page.element_with_text(".zc-typing", "The agent is typing…").await;
    agent_put("cleared").await;
    until("the typing indicator to go", || async { page.client.find_all(Locator::Css(".zc-typing")).await.ok()?.is_empty().then_some(()) }).await;

    // The agent writes; the visitor reads it, as text even when it looks like HTML.
    agent("messages", json!({"content": "Olá Maria! Como posso ajudar?"})).await;
    page.element_with_text(".zc-agent .zc-text", "Olá Maria! Como posso ajudar?").await;
    page.element_with_text(".zc-status", "You are chatting with Atendente.").await;
    let markup = "<b>bold</b><img src=x onerror=alert(1)>";
    agent("messages", json!({"content": markup})).await;
    let bubble = page.element_with_text(".zc-agent .zc-text", markup).await;
    assert!(bubble.find_all(Locator::Css("b, img")).await.unwrap().is_empty(), "agent text must not become HTML");

    // The visitor replies; the bubble becomes "sent" and the sandbox has the message.
    let reply = "Quero rastrear meu pedido 123";
    page.element("#zc-input").await.send_keys(reply).await.unwrap();
    // The agent sees the visitor typing (one `typing` call), and not any more once it is sent.
    let view = |http: reqwest::Client, url: String| async move { http.get(url).send().await.ok()?.json::<Value>().await.ok() };
    let interaction_url = format!("{sandbox}/agent/interactions/{hash}");
    until("the visitor typing, as the agent sees it", || async {
        view(http.clone(), interaction_url.clone()).await.filter(|v| v["customer_typing"] == true)
    })
    .await;
    page.element(".zc-composer button[type=submit]").await.click().await.unwrap();
    page.element_with_text(".zc-visitor[data-delivery=sent] .zc-text", reply).await;
    until("the typing cleared on send", || async { view(http.clone(), interaction_url.clone()).await.filter(|v| v["customer_typing"] == false) })
        .await;

    let received = until("the reply in the sandbox", || async {
        let interaction: Value = http.get(format!("{sandbox}/agent/interactions/{hash}")).send().await.ok()?.json().await.ok()?;
        let customer_messages: Vec<String> = interaction["transcript"]
            .as_array()?
            .iter()
            .filter(|m| m["from"] == "customer")
            .filter_map(|m| m["content"].as_str().map(str::to_string))
            .collect();
        (!customer_messages.is_empty()).then_some(customer_messages)
    })
    .await;
    assert_eq!(received, [reply], "the sandbox received exactly the visitor's reply");
    page.screenshot("conversation").await;

    // The agent ends it: the visitor is told, cannot write any more, and is offered the rating.
    agent("finish", json!({})).await;
    page.element_with_text(".zc-system", "The agent ended the conversation.").await;
    page.element_with_text(".zc-status", "This conversation has ended.").await;
    page.element(".zc-good").await;
    assert!(page.client.find_all(Locator::Css("#zc-input")).await.unwrap().is_empty());

    browser.close().await;
    product.stop().await;
}
