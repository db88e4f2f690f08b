//! The site's customers and the visitor's privacy: a signed-in customer reaches the agent
//! verified and tagged; logging out leaves nothing for the next visitor on the browser; with
//! consent required nothing is loaded or stored until the site's banner says so; the visitor
//! downloads the conversation and forgets the device.

use serde_json::{json, Value};
use zchat_e2e::{demo_page, run_script, start_product, stored_keys, until, Agent, Browser};

/// The sandbox account's known customer, whom the demo page signs in.
const KNOWN: &str = "0010-abcd-efgh-ijkd-1c422e49fdff";

/// Opens the widget on the page as it is (no navigation) and enters its frame.
async fn open_here(page: &Browser) {
    page.widget_part("button").await.click().await.unwrap();
    page.enter_widget().await;
}

/// The host page's own button for `command` (its `data-zchat`).
async fn page_button(page: &Browser, command: &str) {
    page.element(&format!("button[data-zchat={command}]")).await.click().await.unwrap();
}

#[tokio::test]
async fn a_signed_in_customer_reaches_the_agent_verified_and_after_logout_the_next_visitor_sees_nothing() {
    let product = start_product().await;
    let agent = Agent::new(&product);
    let page = Browser::start().await;
    page.client.goto(&demo_page(&product, "/")).await.unwrap();
    // The shop's backend signs its customer; the page identifies them and tags the conversation.
    page_button(&page, "identify").await;
    page.element("body[data-identified=true]").await;
    page_button(&page, "setTags").await;
    open_here(&page).await;
    let name = page.element("#zc-name").await;
    until("the name from identify", || async { (name.prop("value").await.ok()?? == "Ana Souza").then_some(()) }).await;
    page.element_with_text(".zc-verified", "✓ You are signed in to the site: the team will know it is you.").await;
    page.element(".zc-prechat button[type=submit]").await.click().await.unwrap();

    let hash = agent.interaction_of("Ana Souza", &[]).await;
    let view = agent.wait_view(&hash, "the verified customer and the tag", |v| v["customer_key"] == KNOWN && v["tag_ids"] == json!(["1"])).await;
    assert_eq!(view["customer"]["email"], "ana@example.com");
    agent.act(&hash, "accept", json!({})).await;
    agent.act(&hash, "messages", json!({"content": "Olá, Ana!"})).await;
    page.element_with_text(".zc-agent .zc-text", "Olá, Ana!").await;
    assert_eq!(stored_keys(&page).await.len(), 1, "the frame keeps the conversation under way");

    // The site's user logs out: the widget forgets this device's conversation and identity.
    page.client.enter_parent_frame().await.unwrap();
    page_button(&page, "logout").await;
    page.enter_widget().await;
    page.element("#zc-name").await;
    assert!(stored_keys(&page).await.is_empty(), "the frame keeps nothing");
    page.client.enter_parent_frame().await.unwrap();
    until("the host page to forget the conversation under way", || async { stored_keys(&page).await.is_empty().then_some(()) }).await;

    // The next visitor on this browser: a clean form, nothing of Ana's.
    page.client.refresh().await.unwrap();
    page.open_widget(&demo_page(&product, "/")).await;
    assert_eq!(page.element("#zc-name").await.prop("value").await.unwrap().as_deref(), Some(""));
    assert!(page.texts(".zc-verified").await.is_empty(), "no one is signed in any more");
    assert!(page.texts(".zc-agent .zc-text").await.is_empty());
    // zChat's conversation is left as it was.
    assert_eq!(agent.view(&hash).await["state"], "accepted");
    page.close().await;
    product.stop().await;
}

#[tokio::test]
async fn with_consent_required_nothing_is_loaded_or_stored_until_the_site_says_so() {
    let product = start_product().await;
    let page = Browser::start().await;
    page.client.goto(&format!("{}?consent=required", demo_page(&product, "/"))).await.unwrap();
    // Past the page's load and two idle periods: when the widget would have preloaded.
    let idle = "const done = arguments[arguments.length - 1]; \
                const idle = (then) => (window.requestIdleCallback || setTimeout)(then, {timeout: 4000}); \
                const go = () => idle(() => idle(() => done(true))); \
                document.readyState === 'complete' ? go() : addEventListener('load', go);";
    page.client.execute_async(idle, vec![]).await.unwrap();
    let relay = product.relay_url.clone();
    let names = run_script(&page.client, "return performance.getEntriesByType('resource').map(e => e.name)", vec![]).await;
    let names: Vec<String> = serde_json::from_value(names).unwrap();
    let from_relay: Vec<&String> = names.iter().filter(|name| name.starts_with(&relay)).collect();
    assert_eq!(from_relay, [&format!("{relay}/widget.js")], "only the loader");
    let launchers = run_script(&page.client, "return document.querySelectorAll('zchat-widget').length", vec![]).await;
    assert_eq!(launchers, json!(0), "no launcher before consent");
    assert!(stored_keys(&page).await.is_empty());

    // The site's consent banner says yes: the launcher comes, and the chat with it.
    run_script(&page.client, "zchat('consent', true)", vec![]).await;
    open_here(&page).await;
    page.start_chat("Consente Clara").await;
    page.element(".zc-composer").await;
    assert_eq!(stored_keys(&page).await.len(), 1, "stored once consented");

    // Consent withdrawn: the widget forgets and goes.
    page.client.enter_parent_frame().await.unwrap();
    run_script(&page.client, "zchat('consent', false)", vec![]).await;
    until("the widget to go", || async {
        let left = run_script(&page.client, "return document.querySelectorAll('zchat-widget').length", vec![]).await;
        (left == json!(0)).then_some(())
    })
    .await;
    assert!(stored_keys(&page).await.is_empty(), "nothing stored on the page");
    page.close().await;
    product.stop().await;
}

#[tokio::test]
async fn the_visitor_downloads_the_conversation_then_forgets_the_device() {
    let product = start_product().await;
    let agent = Agent::new(&product);
    let page = Browser::start().await;
    let folder = std::env::temp_dir().join(format!("zchat-downloads-{}", std::process::id()));
    std::fs::create_dir_all(&folder).unwrap();
    page.download_to(&folder).await;
    page.open_widget(&demo_page(&product, "/")).await;
    page.start_chat("Baixa Bruna").await;
    let hash = agent.interaction_of("Baixa Bruna", &[]).await;
    agent.act(&hash, "accept", json!({})).await;
    agent.act(&hash, "messages", json!({"content": "Posso ajudar?"})).await;
    page.element_with_text(".zc-agent .zc-text", "Posso ajudar?").await;
    page.send("Quero o recibo").await;

    page.menu_item(".zc-save").await.click().await.unwrap();
    let file = folder.join("conversation.txt");
    let text =
        until("the downloaded conversation", || async { std::fs::read_to_string(&file).ok().filter(|text| text.contains("Quero o recibo")) }).await;
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "Chat with Demo shop", "{text}");
    assert!(lines.iter().any(|line| line.ends_with("— An agent joined the conversation.")), "{text}");
    assert!(lines.iter().any(|line| line.ends_with("] Atendente: Posso ajudar?")), "{text}");
    assert!(lines.iter().any(|line| line.ends_with("] You: Quero o recibo")), "{text}");
    let _ = std::fs::remove_dir_all(&folder);

    // Forget this device, confirmed: the form again, nothing kept, zChat's conversation left be.
    page.menu_item(".zc-forget").await.click().await.unwrap();
    page.element("#zc-forget-ask .zc-forget-yes").await.click().await.unwrap();
    page.element("#zc-name").await;
    assert!(stored_keys(&page).await.is_empty());
    page.client.enter_parent_frame().await.unwrap();
    until("the host page to forget the conversation under way", || async { stored_keys(&page).await.is_empty().then_some(()) }).await;
    page.client.refresh().await.unwrap();
    page.open_widget(&demo_page(&product, "/")).await;
    page.element("#zc-name").await;
    assert!(page.texts(".zc-agent .zc-text").await.is_empty());
    let view: Value = agent.view(&hash).await;
    assert_eq!(view["state"], "accepted");
    page.close().await;
    product.stop().await;
}
