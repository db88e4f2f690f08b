//! Browser notifications for the visitor who looks away: offered in the widget only where the
//! host page's browser may give them, asked for on the visitor's click (never on load), shown
//! (with the agent's name) for an agent's message while the page is hidden, and a click on one
//! brings the chat back open. The notification is Chromium's own; the page's `Notification` is
//! wrapped only to count what was made and clicked (a headless browser shows nothing to click).

use serde_json::{json, Value};
use zchat_e2e::{demo_origin, demo_page, run_script as run, start_product, until, Agent, Browser};

/// Counts the notifications the host page makes, and lets the test click one.
const RECORD: &str = "window.shown = []; const Real = Notification; \
    window.Notification = class extends Real { constructor(title, options) { super(title, options); \
    shown.push({title, body: options.body, tag: options.tag, closed: false}); const made = shown[shown.length - 1]; \
    this.close = () => { made.closed = true; super.close(); }; made.click = () => this.onclick(new Event('click')); } };";
/// The page hidden (a headless tab stays visible: the test says it for the browser), the frame's too.
const HIDE: &str = "Object.defineProperty(document, 'visibilityState', {value: 'hidden', configurable: true}); \
    document.dispatchEvent(new Event('visibilitychange'));";

async fn switch_state(page: &Browser) -> Option<String> {
    page.open_menu().await;
    let switch = page.texts(".zc-notify").await;
    if switch.is_empty() {
        return None;
    }
    page.element(".zc-notify").await.attr("aria-checked").await.unwrap()
}

#[tokio::test]
async fn an_agent_message_while_the_page_is_hidden_is_a_notification_that_brings_the_chat_back() {
    let product = start_product().await;
    let agent = Agent::new(&product);
    let page = Browser::start().await;
    let url = demo_page(&product, "/");
    let origin = demo_origin(&product);
    page.allow_notifications(&origin, "granted").await;
    // Before the page's scripts: the open chat's helpers take the page's Notification when they load.
    page.devtools("Page.addScriptToEvaluateOnNewDocument", json!({"source": RECORD})).await;
    page.open_widget(&url).await;
    page.start_chat("Notificada").await;
    let hash = agent.interaction_of("Notificada", &[]).await;
    agent.act(&hash, "accept", json!({})).await;
    page.element_with_text(".zc-system", "An agent joined the conversation.").await;
    // Allowed by the browser, but the visitor's to turn on.
    until("the option offered", || async { (switch_state(&page).await.as_deref() == Some("false")).then_some(()) }).await;
    page.element(".zc-notify").await.click().await.unwrap();
    until("notifications on", || async { (switch_state(&page).await.as_deref() == Some("true")).then_some(()) }).await;

    // The window closed and the page hidden.
    page.client.enter_parent_frame().await.unwrap();
    run(&page.client, &["zchat('close');", HIDE].concat(), vec![]).await;
    page.enter_widget().await;
    run(&page.client, HIDE, vec![]).await;
    // The join, seen, claimed the visitor's alerts for two seconds (ARCHITECTURE, "The visitor
    // who looks away"): the message comes once that claim is over.
    let idle = "return navigator.locks.query().then(state => state.held.length + state.pending.length)";
    until("the join's claim to end", || async { (run(&page.client, idle, vec![]).await == 0).then_some(()) }).await;
    page.client.enter_parent_frame().await.unwrap();
    agent.act(&hash, "messages", json!({"content": "Seu pedido saiu para entrega"})).await;
    let shown = until("a notification", || async {
        let shown = run(&page.client, "return window.shown.map(({title, body, tag}) => ({title, body, tag}))", vec![]).await;
        (shown.as_array()?.len() == 1).then_some(shown)
    })
    .await;
    // The agent's name, the message, one tag (a second replaces the first).
    assert_eq!(shown[0]["title"], agent.view(&hash).await["agent"]["name"]);
    assert_eq!(shown[0]["body"], "Seu pedido saiu para entrega");
    assert_eq!(shown[0]["tag"], "zchat");
    // Its click: the chat open, the notification gone.
    run(&page.client, "window.shown[0].click()", vec![]).await;
    let launcher = page.widget_part("button").await;
    until("the chat open", || async { (launcher.attr("aria-expanded").await.ok()??.as_str() == "true").then_some(()) }).await;
    assert_eq!(run(&page.client, "return window.shown[0].closed", vec![]).await, Value::Bool(true));
    // The choice is remembered.
    page.open_widget(&url).await;
    until("the choice kept", || async { (switch_state(&page).await.as_deref() == Some("true")).then_some(()) }).await;
    page.close().await;
    product.stop().await;
}

/// On the host page: whether the frame said `ready` and the open chat's helpers ran (then they
/// have told the frame what the browser says), and how often the page asked the browser. A
/// headless browser shows no prompt and leaves the request pending: the test answers it, as the
/// visitor would, by setting the permission (Chromium's own) and then ending the request.
const WATCH: &str = "addEventListener('message', e => { if (String(e.data).includes('\"zchat\":\"ready\"')) window.ready = 1; }); \
    document.addEventListener('load', e => { if (String(e.target.src).includes('widget-open')) window.helpers = 1; }, true); \
    if (window.Notification) { window.asked = 0; \
    Notification.requestPermission = () => { window.asked++; return new Promise(answer => { window.answer = answer; }); }; }";

/// Where the browser will not give them, the option is not there: denied for the site, or no
/// `Notification` at all (iOS Safari outside a home-screen app). Where it may, the browser is
/// asked on the visitor's click only; granted, they are on; refused, the option goes.
#[tokio::test]
async fn the_option_shows_only_where_the_browser_may_give_them_and_asks_only_on_the_visitor_s_click() {
    let product = start_product().await;
    let url = demo_page(&product, "/");
    let origin = demo_origin(&product);
    // What the browser says on load (Chromium's setting), what the visitor answers when asked.
    let cases = [("denied", None), ("unsupported", None), ("prompt", Some(("granted", Some("true")))), ("prompt", Some(("denied", None)))];
    for (setting, asked) in cases {
        let page = Browser::start().await;
        let unsupported = if setting == "unsupported" { "delete window.Notification;" } else { "" };
        page.devtools("Page.addScriptToEvaluateOnNewDocument", json!({ "source": ([unsupported, WATCH].concat()) })).await;
        if setting != "unsupported" {
            page.allow_notifications(&origin, setting).await;
        }
        page.open_widget(&url).await;
        // The helpers told the frame before a message the page sends after (messages from one
        // window arrive in order): the form prefilled says the footer shows what they told.
        page.client.enter_parent_frame().await.unwrap();
        until("the helpers", || async { (run(&page.client, "return window.ready && window.helpers || 0", vec![]).await == 1).then_some(()) }).await;
        // In a timer: a frame ready before the helpers ran hears from them in a timer of the
        // public API's (queued earlier, so run first).
        run(&page.client, "return new Promise(done => setTimeout(() => { zchat('setCustomer', {name: 'Depois'}); done(); }))", vec![]).await;
        page.enter_widget().await;
        let name = page.element("#zc-name").await;
        until("the form prefilled", || async { (name.prop("value").await.ok()??.as_str() == "Depois").then_some(()) }).await;
        assert_eq!(switch_state(&page).await.as_deref(), asked.map(|_| "false"), "{setting}");
        if let Some((answer, after)) = asked {
            page.client.enter_parent_frame().await.unwrap();
            assert_eq!(run(&page.client, "return window.asked", vec![]).await, 0, "not asked on load");
            page.enter_widget().await;
            page.element(".zc-notify").await.click().await.unwrap();
            page.client.enter_parent_frame().await.unwrap();
            until("the browser asked", || async { (run(&page.client, "return window.asked", vec![]).await == 1).then_some(()) }).await;
            // The visitor answers the browser's prompt.
            page.allow_notifications(&origin, answer).await;
            run(&page.client, "window.answer(Notification.permission)", vec![]).await;
            page.enter_widget().await;
            until(&format!("the answer ({answer}) in the footer"), || async { (switch_state(&page).await.as_deref() == after).then_some(()) }).await;
        }
        page.close().await;
    }
    product.stop().await;
}
