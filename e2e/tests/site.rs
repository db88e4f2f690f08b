//! What a site gives its conversations holds for every one of them, and zChat's answers are read
//! as a live zChat may give them (issue 33): a verified customer's second conversation on one page
//! is verified and tagged like the first; tags set mid-conversation reach it; a bot's transcript
//! reaches the agent's console first; a finish answered with an empty 204 ends the chat; the rating
//! is asked for again after a reload; a file named in any script is saved by the agent under that name.

use fantoccini::Locator;
use serde_json::json;
use zchat_e2e::{chatting, demo_page, run_script, start_product, until, Agent, Browser, Chatting};

/// Clicks the demo page's button for `command` (the page's own buttons drive the JS API), from
/// the widget's frame, and goes back into it.
async fn on_the_page(page: &Browser, command: &str, done_attribute: Option<&str>) {
    page.client.enter_parent_frame().await.unwrap();
    page.client.find(Locator::Css(&format!("[data-zchat={command}]"))).await.unwrap().click().await.unwrap();
    if let Some(attribute) = done_attribute {
        page.element(&format!("body[{attribute}=true]")).await;
    }
    page.enter_widget().await;
}

#[tokio::test]
async fn a_verified_customers_conversations_on_one_page_are_all_verified_and_tagged() {
    let product = start_product().await;
    let agent = Agent::new(&product);
    let page = Browser::start().await;
    page.open_widget(&demo_page(&product, "/")).await;
    on_the_page(&page, "identify", Some("data-identified")).await;
    on_the_page(&page, "setTags", None).await;
    // The form is prefilled with the customer's name and says the shop vouched for them.
    page.element(".zc-verified").await;
    until("the prefilled name", || async { (page.element("#zc-name").await.prop("value").await.ok()??.as_str() == "Ana Souza").then_some(()) }).await;
    let mut seen = Vec::new();
    for round in 0..2 {
        page.element(".zc-prechat button[type=submit]").await.click().await.unwrap();
        let hash = agent.interaction_of("Ana Souza", &seen.iter().map(String::as_str).collect::<Vec<_>>()).await;
        let view = agent.wait_view(&hash, "the customer and the tags", |v| v["customer_key"].is_string() && v["tag_ids"] == json!(["1"])).await;
        assert_eq!(view["customer_key"], "0010-abcd-efgh-ijkd-1c422e49fdff", "conversation {round}");
        agent.act(&hash, "accept", json!({})).await;
        agent.act(&hash, "finish", json!({})).await;
        page.element_with_text(".zc-status", "This conversation has ended.").await;
        page.element(".zc-new").await.click().await.unwrap();
        page.element(".zc-prechat").await;
        seen.push(hash);
    }
    page.close().await;
    product.stop().await;
}

#[tokio::test]
async fn tags_set_during_a_conversation_reach_it() {
    let Chatting { product, agent, page, hash } = chatting("Marca Mariana").await;
    assert_ne!(agent.view(&hash).await["tag_ids"], json!(["1"]));
    on_the_page(&page, "setTags", None).await;
    agent.wait_view(&hash, "the tags set mid-conversation", |v| v["tag_ids"] == json!(["1"])).await;
    page.close().await;
    product.stop().await;
}

#[tokio::test]
async fn a_bots_transcript_is_the_first_thing_the_agents_console_shows() {
    let product = start_product().await;
    let agent = Agent::new(&product);
    let page = Browser::start().await;
    page.open_widget(&demo_page(&product, "/")).await;
    on_the_page(&page, "setHistory", Some("data-handed-over")).await;
    page.start_chat("Bot Bianca").await;
    let hash = agent.interaction_of("Bot Bianca", &[]).await;
    agent.wait_view(&hash, "zChat to fetch the history", |v| v["history"]["status"] == "loaded").await;
    // The agent's console, opened on the conversation.
    page.client.enter_parent_frame().await.unwrap();
    page.client.goto(&format!("{}/#{hash}", agent.sandbox)).await.unwrap();
    let summary = page.element("details.history summary").await.text().await.unwrap();
    assert!(summary.starts_with("Earlier conversation") && summary.ends_with("2 messages"), "{summary}");
    // (Read whole: the console folds the earlier conversation, and redraws as it refreshes.)
    let lines =
        run_script(&page.client, "return [...document.querySelectorAll('details.history div')].map((line) => line.textContent)", vec![]).await;
    assert_eq!(
        lines,
        json!([
            "2026-12-07 10:00:00 visitor: Quero trocar um produto",
            "2026-12-07 10:00:02 agent: Sou o assistente virtual: vou chamar um atendente"
        ])
    );
    page.screenshot("handoff-console").await;
    page.close().await;
    product.stop().await;
}

#[tokio::test]
async fn a_finish_zchat_answers_with_an_empty_204_ends_the_chat() {
    let Chatting { product, agent, page, .. } = chatting("Termina Tereza").await;
    let faults =
        agent.http.put(format!("{}/agent/faults", agent.sandbox)).json(&json!({"api": {"answer_shape": "no_content"}})).send().await.unwrap();
    assert!(faults.status().is_success());
    page.element(".zc-end").await.click().await.unwrap();
    page.element(".zc-confirm-yes").await.click().await.unwrap();
    page.element_with_text(".zc-system", "You ended the conversation.").await;
    page.element(".zc-good").await;
    assert!(page.client.find_all(Locator::Css(".zc-notice")).await.unwrap().is_empty(), "no error for the visitor");
    page.close().await;
    product.stop().await;
}

#[tokio::test]
async fn the_rating_is_asked_for_again_after_a_reload_until_the_visitor_rates() {
    let Chatting { product, agent, page, hash } = chatting("Avalia Aurora").await;
    agent.act(&hash, "finish", json!({})).await;
    page.element(".zc-good").await;
    // The site's next page: the rating again.
    page.open_widget(&demo_page(&product, "/")).await;
    page.element(".zc-good").await.click().await.unwrap();
    page.element_with_text(".zc-thanks", "Thanks for your feedback!").await;
    page.element("#zc-note").await.send_keys("Resolveu rápido").await.unwrap();
    page.element(".zc-note button[type=submit]").await.click().await.unwrap();
    let view = agent.wait_view(&hash, "the rating and the note", |v| v["note"] == "Resolveu rápido").await;
    assert_eq!(view["mood"], "POSITIVE");
    // Rated: the next page opens on the form.
    page.open_widget(&demo_page(&product, "/")).await;
    page.element(".zc-prechat").await;
    page.close().await;
    product.stop().await;
}

#[tokio::test]
async fn a_file_named_in_any_script_is_saved_by_the_agent_under_that_name() {
    let Chatting { product, agent, page, hash } = chatting("Nomeia Nádia").await;
    let name = "relatório-ação 報告書 🎉.pdf";
    let dir = std::env::temp_dir().join(format!("zchat-e2e-names-{}", std::process::id()));
    let downloads = dir.join("downloads");
    std::fs::create_dir_all(&downloads).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, b"%PDF-1.4\n1 0 obj << >> endobj\n%%EOF").unwrap();
    page.client.find(Locator::Css(".zc-attach input[type=file]")).await.unwrap().send_keys(&path.display().to_string()).await.unwrap();
    page.element_with_text(".zc-tray-item .zc-file-name", name).await;
    page.element(".zc-composer button[type=submit]").await.click().await.unwrap();
    page.element_with_text(".zc-visitor[data-delivery=sent] .zc-text", name).await;
    agent.wait_view(&hash, "the file's message", |v| v["transcript"].as_array().is_some_and(|t| t.iter().any(|m| m["url"].is_string()))).await;
    // The agent's console: the file's link, saved.
    page.download_to(&downloads).await;
    page.client.enter_parent_frame().await.unwrap();
    page.client.goto(&format!("{}/#{hash}", agent.sandbox)).await.unwrap();
    page.element(".msg.customer a[href*='/uploads/']").await.click().await.unwrap();
    let saved = until("the file saved under the visitor's name", || async {
        let names: Vec<String> = std::fs::read_dir(&downloads).ok()?.filter_map(|e| e.ok()?.file_name().into_string().ok()).collect();
        names.into_iter().find(|n| !n.ends_with(".crdownload"))
    })
    .await;
    assert_eq!(saved, name);
    let _ = std::fs::remove_dir_all(&dir);
    page.close().await;
    product.stop().await;
}
