//! The conversation survives a page change whatever the browser's storage policy: where the frame
//! is refused storage (the visitor does not let the relay's site keep data), the host page keeps
//! it, through the open chat's helpers (src/storage.rs); where the frame has storage, the page
//! keeps nothing of it. Reloads, another page of the site, two tabs (one chime), logout, forget
//! and consent, in a browser that refuses the frame.

use fantoccini::wd::WindowHandle;
use serde_json::{json, Value};
use zchat_e2e::{chatting, chatting_where, demo_page, run_script as run, start_product, stored_keys, until, Browser, Chatting, Storage};

const KEY: &str = "zchat:conversation:1";
/// The frame's own storage, as the frame's script finds it.
const OWN_STORAGE: &str = "try { localStorage.length; return 'usable'; } catch (e) { return e.name; }";
/// The agent's messages in the frame's document (a hidden frame's text is not visible text).
const AGENT_SAID: &str = "return [...document.querySelectorAll('.zc-agent .zc-text')].map(e => e.textContent).join('|')";

/// What the host page keeps for department 1, as JSON (`Null` when nothing).
async fn kept(page: &Browser) -> Value {
    let text = run(&page.client, &format!("return localStorage.getItem('{KEY}')"), vec![]).await;
    text.as_str().map(|text| serde_json::from_str(text).unwrap()).unwrap_or(Value::Null)
}

async fn in_tab(page: &Browser, tab: &WindowHandle, script: &str) -> Value {
    page.client.switch_to_window(tab.clone()).await.unwrap();
    page.client.enter_parent_frame().await.unwrap();
    run(&page.client, script, vec![]).await
}

#[tokio::test]
async fn a_frame_refused_storage_keeps_its_conversation_on_the_site_across_reloads_pages_and_tabs() {
    let Chatting { product, agent, page, hash } = chatting_where("Sem Armazenamento", Storage::Refused).await;
    assert_eq!(run(&page.client, OWN_STORAGE, vec![]).await, "SecurityError", "the frame's storage is refused");
    agent.act(&hash, "messages", json!({"content": "Olá, tudo bem?"})).await;
    page.element_with_text(".zc-agent .zc-text", "Olá, tudo bem?").await;
    page.send("Vou olhar outra página").await;

    // The shop's page keeps it, under the department's key, with the window open.
    page.client.enter_parent_frame().await.unwrap();
    assert_eq!(run(&page.client, OWN_STORAGE, vec![]).await, "usable", "the page has its own");
    let saved = until("the page to keep the conversation", || async { Some(kept(&page).await).filter(|saved| saved["open"] == true) }).await;
    assert!(saved["current"].to_string().contains(&hash), "the session of {hash}: {saved}");

    // A reload: the conversation comes back, and its window open as it was left.
    page.client.refresh().await.unwrap();
    page.stir().await;
    let launcher = page.widget_part("button").await;
    until("the window to open again", || async { (launcher.attr("aria-expanded").await.ok()??.as_str() == "true").then_some(()) }).await;
    page.enter_widget().await;
    page.element_with_text(".zc-agent .zc-text", "Olá, tudo bem?").await;
    page.element_with_text(".zc-visitor[data-delivery=sent] .zc-text", "Vou olhar outra página").await;

    // Closed, then another page of the shop: closed there too, the conversation there all the same.
    page.client.enter_parent_frame().await.unwrap();
    launcher.click().await.unwrap();
    until("the page to keep it closed", || async { (kept(&page).await["open"] != true).then_some(()) }).await;
    page.client.goto(&demo_page(&product, "/hostile")).await.unwrap();
    page.stir().await;
    page.enter_widget().await;
    until("the conversation on the next page", || async { (run(&page.client, AGENT_SAID, vec![]).await == "Olá, tudo bem?").then_some(()) }).await;
    page.client.enter_parent_frame().await.unwrap();
    assert_eq!(page.widget_part("button").await.attr("aria-expanded").await.unwrap().as_deref(), Some("false"));
    page.widget_part("button").await.click().await.unwrap();
    page.enter_widget().await;
    page.send("Achei na outra página").await;
    agent.wait_view(&hash, "the message from the next page", |v| v["transcript"].to_string().contains("Achei na outra página")).await;

    // A second tab of the shop: the same conversation, not a new one.
    let first = page.client.window().await.unwrap();
    let second = page.client.new_window(true).await.unwrap().handle;
    page.client.switch_to_window(second.clone()).await.unwrap();
    page.open_widget(&demo_page(&product, "/")).await;
    page.element_with_text(".zc-agent .zc-text", "Olá, tudo bem?").await;
    page.send("Da segunda aba").await;
    agent.act(&hash, "messages", json!({"content": "Recebi as duas"})).await;
    page.element_with_text(".zc-agent .zc-text", "Recebi as duas").await;
    page.client.switch_to_window(first).await.unwrap();
    page.client.enter_parent_frame().await.unwrap();
    page.enter_widget().await;
    page.element_with_text(".zc-visitor .zc-text", "Da segunda aba").await;
    page.element_with_text(".zc-agent .zc-text", "Recebi as duas").await;
    let list = agent.http.get(format!("{}/agent/interactions", agent.sandbox)).send().await.unwrap().json::<Value>().await.unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1, "one interaction for both tabs and pages");

    // The site's user logs out: nothing of the widget's is left on the page.
    page.client.enter_parent_frame().await.unwrap();
    run(&page.client, "zchat('logout')", vec![]).await;
    until("the page to keep nothing", || async { stored_keys(&page).await.is_empty().then_some(()) }).await;
    page.enter_widget().await;
    page.element("#zc-name").await;
    page.client.enter_parent_frame().await.unwrap();
    page.client.refresh().await.unwrap();
    page.open_widget(&demo_page(&product, "/")).await;
    page.element("#zc-name").await;
    assert!(page.texts(".zc-agent .zc-text").await.is_empty(), "the next visitor sees nothing");
    page.close().await;
    product.stop().await;
}

#[tokio::test]
async fn forgetting_clears_the_page_from_the_window_and_from_the_page_before_the_chat_is_made() {
    let Chatting { product, agent: _, page, hash: _ } = chatting_where("Esquece Eva", Storage::Refused).await;
    page.client.enter_parent_frame().await.unwrap();
    until("the page to keep the conversation", || async { (!kept(&page).await.is_null()).then_some(()) }).await;

    // The window's "Forget this device".
    page.enter_widget().await;
    page.menu_item(".zc-forget").await.click().await.unwrap();
    page.element("#zc-forget-ask .zc-forget-yes").await.click().await.unwrap();
    page.element("#zc-name").await;
    page.client.enter_parent_frame().await.unwrap();
    until("the page to keep nothing", || async { stored_keys(&page).await.is_empty().then_some(()) }).await;

    // A new conversation, then the site's `forget` on a page whose chat is not made yet (the
    // frame comes when the visitor stirs): the page forgets at once.
    page.enter_widget().await;
    page.start_chat("Esquece Eva").await;
    page.element(".zc-composer").await;
    page.client.enter_parent_frame().await.unwrap();
    until("the page to keep the new conversation", || async { (!kept(&page).await.is_null()).then_some(()) }).await;
    page.client.refresh().await.unwrap();
    until("the loader", || async { (run(&page.client, "return !!(window.zchat && window.zchat.loaded)", vec![]).await == true).then_some(()) }).await;
    assert_eq!(run(&page.client, "return document.querySelector('zchat-widget').shadowRoot.querySelector('iframe')", vec![]).await, Value::Null);
    run(&page.client, "zchat('forget')", vec![]).await;
    until("the page to forget before the frame exists", || async { stored_keys(&page).await.is_empty().then_some(()) }).await;
    assert_eq!(run(&page.client, "return document.querySelector('zchat-widget').shadowRoot.querySelector('iframe')", vec![]).await, Value::Null);
    page.open_widget(&demo_page(&product, "/")).await;
    page.element("#zc-name").await;
    assert!(page.texts(".zc-visitor .zc-text").await.is_empty());
    page.close().await;
    product.stop().await;
}

#[tokio::test]
async fn with_consent_required_a_frame_refused_storage_writes_nothing_on_the_page_before_consent() {
    let product = start_product().await;
    let page = Storage::Refused.browser(&product).await;
    page.client.goto(&format!("{}?consent=required", demo_page(&product, "/"))).await.unwrap();
    page.stir().await;
    until("the loader", || async { (run(&page.client, "return !!(window.zchat && window.zchat.loaded)", vec![]).await == true).then_some(()) }).await;
    assert!(stored_keys(&page).await.is_empty(), "nothing before consent");
    assert_eq!(run(&page.client, "return document.querySelectorAll('zchat-widget').length", vec![]).await, json!(0));

    run(&page.client, "zchat('consent', true)", vec![]).await;
    page.widget_part("button").await.click().await.unwrap();
    page.enter_widget().await;
    page.start_chat("Consente Célia").await;
    page.element(".zc-composer").await;
    page.client.enter_parent_frame().await.unwrap();
    until("the page to keep the conversation once consented", || async { (!kept(&page).await.is_null()).then_some(()) }).await;

    run(&page.client, "zchat('consent', false)", vec![]).await;
    until("the widget to go", || async {
        (run(&page.client, "return document.querySelectorAll('zchat-widget').length", vec![]).await == json!(0)).then_some(())
    })
    .await;
    assert!(stored_keys(&page).await.is_empty(), "consent withdrawn: nothing left on the page");
    page.close().await;
    product.stop().await;
}

#[tokio::test]
async fn a_frame_refused_locks_chimes_in_one_tab_chosen_by_the_sites_own_lock() {
    let Chatting { product, agent, page, hash } = chatting_where("Uma Aba Toca", Storage::Refused).await;
    let first = page.client.window().await.unwrap();
    let second = page.client.new_window(true).await.unwrap().handle;
    page.client.switch_to_window(second.clone()).await.unwrap();
    page.open_widget(&demo_page(&product, "/")).await;
    page.element_with_text(".zc-system", "An agent joined the conversation.").await;
    let sounds = "window.sounds = 0; zchat('on', 'sound', () => { window.sounds++; });";
    for tab in [&first, &second] {
        in_tab(&page, tab, "zchat('close')").await;
        in_tab(&page, tab, sounds).await;
    }
    // Headless tabs stay visible: each frame is told it is hidden.
    let hide = "Object.defineProperty(document, 'visibilityState', {value: 'hidden', configurable: true}); \
                document.dispatchEvent(new Event('visibilitychange'));";
    for tab in [&first, &second] {
        page.client.switch_to_window(tab.clone()).await.unwrap();
        page.client.enter_parent_frame().await.unwrap();
        page.enter_widget().await;
        run(&page.client, hide, vec![]).await;
    }
    // The lock is the site's: on the page, held two seconds by the tab that was chosen.
    let held = "return navigator.locks.query().then(state => state.held.length + state.pending.length)";
    until("no claim on the chime", || async { (in_tab(&page, &first, held).await == 0).then_some(()) }).await;
    agent.act(&hash, "messages", json!({"content": "Alguém aí?"})).await;
    let count = || async {
        in_tab(&page, &first, "return window.sounds").await.as_u64().unwrap() + in_tab(&page, &second, "return window.sounds").await.as_u64().unwrap()
    };
    until("a chime", || async { (count().await >= 1).then_some(()) }).await;
    until("the chime's lock to be free", || async { (in_tab(&page, &first, held).await == 0).then_some(()) }).await;
    assert_eq!(count().await, 1, "one tab chimes");
    page.close().await;
    product.stop().await;
}

#[tokio::test]
async fn a_frame_with_storage_keeps_the_conversation_itself_and_the_page_nothing() {
    let Chatting { product, agent: _, page, hash } = chatting("Com Armazenamento").await;
    assert_eq!(run(&page.client, OWN_STORAGE, vec![]).await, "usable");
    let saved = until("the frame to keep the conversation", || async {
        let text = run(&page.client, &format!("return localStorage.getItem('{KEY}')"), vec![]).await;
        text.as_str().filter(|text| text.contains(&hash)).map(str::to_string)
    })
    .await;
    assert!(saved.contains("current"), "{saved}");
    page.client.enter_parent_frame().await.unwrap();
    assert!(kept(&page).await.is_null(), "the page keeps nothing of it");
    assert!(stored_keys(&page).await.is_empty(), "nor any key of the widget's");
    page.close().await;
    product.stop().await;
}

#[tokio::test]
async fn a_private_window_blocking_third_party_cookies_gives_the_frame_partitioned_storage() {
    let product = start_product().await;
    let page = Browser::start_blocking_third_party_cookies().await;
    page.open_widget(&demo_page(&product, "/")).await;
    page.start_chat("Janela Privada").await;
    page.element(".zc-composer").await;
    // Partitioned by the shop's site, not refused: the frame keeps the conversation itself.
    assert_eq!(run(&page.client, OWN_STORAGE, vec![]).await, "usable");
    until("the frame to keep the conversation", || async { stored_keys(&page).await.contains(&KEY.to_string()).then_some(()) }).await;
    page.client.refresh().await.unwrap();
    page.open_widget(&demo_page(&product, "/")).await;
    page.element(".zc-composer").await;
    page.client.enter_parent_frame().await.unwrap();
    assert!(kept(&page).await.is_null(), "the page keeps nothing of it");
    page.close().await;
    product.stop().await;
}
