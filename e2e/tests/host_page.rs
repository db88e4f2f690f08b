//! The widget and the host page: Escape closes the window, unseen agent messages show as a count
//! on the launcher, opening the window again clears it.

use fantoccini::key::Key;
use serde_json::json;
use zchat_e2e::{chatting, until, Chatting};

#[tokio::test]
async fn closing_with_escape_and_counting_unread_messages() {
    let Chatting { product, agent, page, hash } = chatting("Badge Bia").await;

    // Escape in the widget closes it; the host page gets the launcher back.
    page.element("#zc-input").await.send_keys(&String::from(char::from(Key::Escape))).await.unwrap();
    page.client.enter_parent_frame().await.unwrap();
    let launcher = page.widget_part("button").await;
    until("the window to close", || async { (launcher.attr("aria-expanded").await.ok()?? == "false").then_some(()) }).await;
    let frame = page.widget_part("iframe").await;
    assert!(!frame.is_displayed().await.unwrap(), "the frame is hidden");

    // The agent writes while the window is closed: the launcher counts.
    agent.act(&hash, "messages", json!({"content": "Ainda está aí?"})).await;
    agent.act(&hash, "messages", json!({"content": "Posso ajudar?"})).await;
    let badge = page.widget_part("span").await;
    until("the badge to count 2", || async { (badge.text().await.ok()? == "2").then_some(()) }).await;
    let label = launcher.attr("aria-label").await.unwrap().unwrap();
    assert_eq!(label, "Open chat, 2 unread messages");
    page.screenshot("unread").await;

    // Opening it again shows the messages and clears the count.
    launcher.click().await.unwrap();
    until("the count to clear", || async {
        let badge = page.widget_part("span").await;
        (!badge.is_displayed().await.ok()?).then_some(())
    })
    .await;
    page.enter_widget().await;
    page.element_with_text(".zc-agent .zc-text", "Posso ajudar?").await;

    // The close button does the same as Escape.
    page.element(".zc-close").await.click().await.unwrap();
    page.client.enter_parent_frame().await.unwrap();
    until("the window to close again", || async { (launcher.attr("aria-expanded").await.ok()?? == "false").then_some(()) }).await;
    page.close().await;
    product.stop().await;
}
