//! The visitor who looks away: a message while the window is closed chimes in exactly one of the
//! visitor's tabs (the page hears it: its `sound` event), the hidden tab's title says what is new
//! until it is visible again, and the visitor's mute is remembered.

use fantoccini::wd::WindowHandle;
use serde_json::{json, Value};
use zchat_e2e::{chatting, demo_page, run_script as run, start_product, until, Agent, Browser, Chatting};

/// Counts the chimes this tab's page hears.
const COUNT_SOUNDS: &str = "window.sounds = 0; zchat('on', 'sound', () => { window.sounds++; });";
/// What a hidden tab's frame says of itself (headless tabs stay visible: the test says it for the browser).
const HIDE: &str = "Object.defineProperty(document, 'visibilityState', {value: 'hidden', configurable: true}); \
    document.dispatchEvent(new Event('visibilitychange'));";
const SHOW: &str = "Object.defineProperty(document, 'visibilityState', {value: 'visible', configurable: true}); \
    document.dispatchEvent(new Event('visibilitychange'));";

async fn in_tab(page: &Browser, tab: &WindowHandle, script: &str) -> Value {
    page.client.switch_to_window(tab.clone()).await.unwrap();
    page.client.enter_parent_frame().await.unwrap();
    run(&page.client, script, vec![]).await
}

async fn in_frame(page: &Browser, tab: &WindowHandle, script: &str) -> Value {
    page.client.switch_to_window(tab.clone()).await.unwrap();
    page.client.enter_parent_frame().await.unwrap();
    page.enter_widget().await;
    run(&page.client, script, vec![]).await
}

#[tokio::test]
async fn a_message_while_the_visitor_looks_away_chimes_in_one_tab_and_alerts_the_title() {
    let Chatting { product, agent, page, hash } = chatting("Olhando Longe").await;
    let first = page.client.window().await.unwrap();
    // A second tab of the same conversation.
    let second = page.client.new_window(true).await.unwrap().handle;
    page.client.switch_to_window(second.clone()).await.unwrap();
    page.open_widget(&demo_page(&product, "/")).await;
    page.element_with_text(".zc-system", "An agent joined the conversation.").await;
    // Both windows closed, both pages counting chimes; the second tab goes to the background.
    for tab in [&first, &second] {
        in_tab(&page, tab, "zchat('close')").await;
        in_tab(&page, tab, COUNT_SOUNDS).await;
    }
    let title = in_tab(&page, &second, "return document.title").await;
    in_frame(&page, &second, HIDE).await;

    // The first tab saw the agent join and claimed the chime for two seconds (what one tab sees, no
    // other chimes for): the message comes once that claim is over, or it would rightly chime nowhere.
    let idle = "return navigator.locks.query().then(state => state.held.length + state.pending.length)";
    until("the join's claim to end", || async { (in_frame(&page, &first, idle).await == 0).then_some(()) }).await;
    agent.act(&hash, "messages", json!({"content": "Ainda está aí?"})).await;
    // The hidden tab's title says what is new.
    until("the title to alert", || async { (in_tab(&page, &second, "return document.title").await == "(1) New message").then_some(()) }).await;
    // Exactly one tab chimed: once one has, and the lock it held is free again (every tab has
    // decided by then), the count is one.
    let sounds = || async {
        in_tab(&page, &first, "return window.sounds").await.as_u64().unwrap() + in_tab(&page, &second, "return window.sounds").await.as_u64().unwrap()
    };
    until("a chime", || async { (sounds().await >= 1).then_some(()) }).await;
    until("the chime's lock to be free", || async { (in_frame(&page, &first, idle).await == 0).then_some(()) }).await;
    assert_eq!(sounds().await, 1, "one tab chimes");

    // Back in front: the page's own title.
    in_frame(&page, &second, SHOW).await;
    until("the page's own title", || async { (in_tab(&page, &second, "return document.title").await == title).then_some(()) }).await;
    page.close().await;
    product.stop().await;
}

#[tokio::test]
async fn the_visitor_s_mute_is_remembered_and_the_site_may_turn_the_chime_off() {
    let product = start_product().await;
    let agent = Agent::new(&product);
    let page = Browser::start().await;
    page.open_widget(&demo_page(&product, "/")).await;
    page.start_chat("Sem Som").await;
    let sound = page.menu_item(".zc-sound").await;
    assert_eq!(sound.attr("aria-checked").await.unwrap().as_deref(), Some("true"));
    sound.click().await.unwrap();
    until("the chime muted", || async { (page.element(".zc-sound").await.attr("aria-checked").await.ok()??.as_str() == "false").then_some(()) })
        .await;
    // After a reload, still muted; a message while the window is closed chimes nowhere.
    page.open_widget(&demo_page(&product, "/")).await;
    until("the mute kept", || async { (page.menu_item(".zc-sound").await.attr("aria-checked").await.ok()??.as_str() == "false").then_some(()) })
        .await;
    page.client.enter_parent_frame().await.unwrap();
    run(&page.client, &["zchat('close');", COUNT_SOUNDS].concat(), vec![]).await;
    let hash = agent.interaction_of("Sem Som", &[]).await;
    agent.act(&hash, "accept", json!({})).await;
    agent.act(&hash, "messages", json!({"content": "Olá"})).await;
    let badge = page.widget_part("span").await;
    until("the message counted", || async { (badge.text().await.ok()? == "1").then_some(()) }).await;
    page.enter_widget().await;
    let held = "return navigator.locks.query().then(state => state.held.length + state.pending.length)";
    until("the chime's lock to be free", || async { (run(&page.client, held, vec![]).await == 0).then_some(()) }).await;
    page.client.enter_parent_frame().await.unwrap();
    assert_eq!(run(&page.client, "return window.sounds", vec![]).await, 0, "muted: no chime");
    page.close().await;

    // A site that turns it off: no switch in the footer.
    let page = Browser::start().await;
    page.client.goto(&format!("{}/widget/?department=1&sound=off", product.relay_url)).await.unwrap();
    page.element("#zc-name").await;
    page.open_menu().await;
    assert!(page.texts(".zc-sound").await.is_empty());
    page.close().await;
    product.stop().await;
}
