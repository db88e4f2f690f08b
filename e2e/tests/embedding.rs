//! The widget embedded on the demo host site by the README's one tag, on the friendly page and on
//! the hostile one (global CSS that reverts everything, the highest z-index, a strict CSP): the
//! launcher appears, the JS API opens the widget and prefills the customer, a whole conversation
//! runs with the sandbox agent, the page's listeners get every event, unread counts reach the page,
//! and axe-core finds no serious or critical violation in the open widget. Then what single-page
//! apps do (swap the body), `destroy`, and invalid settings.

use fantoccini::Client;
use serde_json::{json, Value};
use zchat_e2e::{axe_violations, demo_page, run_script as run, start_product, until, Agent, Browser};

/// The lines of the host page's event log (written by its own listeners, `www/demo/demo.js`).
async fn events(client: &Client) -> Vec<String> {
    let lines = run(client, "return [...document.querySelectorAll('#events li')].map(li => li.textContent)", vec![]).await;
    serde_json::from_value(lines).unwrap()
}

/// Waits for an event `name` in the page's log whose data has every one of `parts`.
async fn wait_event(client: &Client, name: &str, parts: &[&str]) -> String {
    until(&format!("a host page event {name} with {parts:?}"), || async {
        events(client).await.into_iter().find(|line| line.split(' ').next() == Some(name) && parts.iter().all(|part| line.contains(part)))
    })
    .await
}

async fn a_whole_conversation_through_the_api(path: &str, name: &str) {
    let product = start_product().await;
    let agent = Agent::new(&product);
    let page = Browser::start().await;
    page.client.goto(&demo_page(&product, path)).await.unwrap();

    // The launcher: at the bottom right, its size whatever the page's CSS says, and on top of the
    // page's own highest z-index (the element at its centre is the widget's).
    let launcher = page.widget_part("button").await;
    assert!(launcher.is_displayed().await.unwrap());
    // The launcher's box and the viewport in one layout: the page's scrollbar may come and go
    // as its event list grows, and it moves both.
    let placed = run(
        &page.client,
        "const r = document.querySelector('zchat-widget').shadowRoot.querySelector('button').getBoundingClientRect(); \
         const root = document.documentElement; return [r.left, r.top, r.width, r.height, root.clientWidth, root.clientHeight]",
        vec![],
    )
    .await;
    let number = |n: usize| placed[n].as_f64().unwrap();
    let (x, y, width, height, view_width, view_height) = (number(0), number(1), number(2), number(3), number(4), number(5));
    assert_eq!((width, height), (56.0, 56.0), "{path}: the page's CSS does not reach the launcher");
    assert_eq!((x, y), (view_width - 20.0 - 56.0, view_height - 20.0 - 56.0), "{path}: 20 px from the corner");
    let on_top = run(
        &page.client,
        "const r = document.elementFromPoint(arguments[0], arguments[1]); return r && r.tagName",
        vec![json!(x + 28.0), json!(y + 28.0)],
    )
    .await;
    assert_eq!(on_top, "ZCHAT-WIDGET", "{path}: the launcher is above the page's z-index 2147483647 bar");

    // No frame until the visitor stirs; then it comes when the browser is idle, hidden; the page
    // hears `ready`, and the launcher gets its label in the visitor's language from it ("Chat"
    // until then).
    let frames = "return document.querySelector('zchat-widget').shadowRoot.querySelectorAll('iframe').length";
    run(&page.client, "return new Promise(done => requestIdleCallback(() => requestIdleCallback(done)))", vec![]).await;
    assert_eq!(run(&page.client, frames, vec![]).await, 0, "{path}: no frame before the visitor stirs");
    assert_eq!(launcher.attr("aria-label").await.unwrap().as_deref(), Some("Chat"));
    page.stir().await;
    wait_event(&page.client, "ready", &[]).await;
    until("the launcher's label", || async { (launcher.attr("aria-label").await.ok()?? == "Open chat").then_some(()) }).await;
    let frame = page.widget_part("iframe").await;
    assert!(!frame.is_displayed().await.unwrap(), "{path}: loaded, not shown");

    // The page's code prefills the customer and opens the widget.
    run(
        &page.client,
        "zchat('setCustomer', {name: arguments[0], email: 'ana@example.com', phone: '11987654321'}); zchat('open');",
        vec![json!(name)],
    )
    .await;
    wait_event(&page.client, "open", &[]).await;
    assert_eq!(launcher.attr("aria-expanded").await.unwrap().as_deref(), Some("true"));
    page.enter_widget().await;
    let field = page.element("#zc-name").await;
    until("the prefilled name", || async { (field.prop("value").await.ok()?? == name).then_some(()) }).await;
    assert_eq!(page.element("#zc-email").await.prop("value").await.unwrap().as_deref(), Some("ana@example.com"));
    assert_eq!(page.element("#zc-phone").await.prop("value").await.unwrap().as_deref(), Some("(11) 98765-4321"), "masked");
    let violations = axe_violations(&page.client).await;
    assert!(violations.is_empty(), "{path}: axe-core on the form: {violations:#?}");
    page.element(".zc-prechat button[type=submit]").await.click().await.unwrap();

    // The agent gets the customer, the page's extra (demo.js: setExtra) with it, and the page the
    // conversation started on (its address without query and fragment, its title).
    let hash = agent.interaction_of(name, &[]).await;
    let view = agent.view(&hash).await;
    assert_eq!(view["customer"]["email"], "ana@example.com");
    let context = &view["extra"]["page_context"];
    let page_url = demo_page(&product, path);
    assert_eq!(context["url"].as_str(), Some(page_url.split(['?', '#']).next().unwrap()), "{view}");
    assert!(context["title"].as_str().is_some_and(|title| !title.is_empty()), "{view}");
    assert_eq!(context["referrer"], "", "{view}");
    assert_eq!((view["extra"]["page"].as_str(), view["extra"]["plan"].as_str()), (Some(path), Some("demo")));
    agent.act(&hash, "accept", json!({})).await;
    agent.act(&hash, "messages", json!({"content": "Olá! Como posso ajudar?"})).await;
    page.element_with_text(".zc-agent .zc-text", "Olá! Como posso ajudar?").await;
    page.send("Quero trocar um pedido").await;
    agent
        .wait_view(&hash, "the visitor's message", |v| {
            v["transcript"].as_array().is_some_and(|t| t.iter().any(|m| m["content"] == "Quero trocar um pedido"))
        })
        .await;
    let violations = axe_violations(&page.client).await;
    assert!(violations.is_empty(), "{path}: axe-core in the conversation: {violations:#?}");
    page.screenshot(&format!("embedded{}", path.replace('/', "-"))).await;

    // The page heard the state and both messages.
    page.client.enter_parent_frame().await.unwrap();
    wait_event(&page.client, "state", &[r#""state":"chatting""#, r#""active":true"#]).await;
    wait_event(&page.client, "message", &[r#""from":"agent""#, r#""text":"Olá! Como posso ajudar?""#, r#""agent":"Atendente""#]).await;
    wait_event(&page.client, "message", &[r#""from":"visitor""#, r#""text":"Quero trocar um pedido""#]).await;

    // Closed by the API: the agent's next messages count on the launcher and reach the page.
    run(&page.client, "zchat('close')", vec![]).await;
    wait_event(&page.client, "close", &[]).await;
    until("the frame to hide", || async { (!frame.is_displayed().await.ok()?).then_some(()) }).await;
    agent.act(&hash, "messages", json!({"content": "Ainda está aí?"})).await;
    let badge = page.widget_part("span").await;
    until("the badge to count 1", || async { (badge.text().await.ok()? == "1").then_some(()) }).await;
    wait_event(&page.client, "unread", &["unread 1"]).await;
    assert_eq!(launcher.attr("aria-label").await.unwrap().as_deref(), Some("Open chat, 1 unread message"));

    // Toggled open: the count clears; the agent ends; the visitor rates.
    run(&page.client, "zchat('toggle')", vec![]).await;
    wait_event(&page.client, "unread", &["unread 0"]).await;
    page.enter_widget().await;
    page.element_with_text(".zc-agent .zc-text", "Ainda está aí?").await;
    agent.act(&hash, "finish", json!({})).await;
    page.element(".zc-good").await.click().await.unwrap();
    agent.wait_view(&hash, "the rating", |v| v["mood"] == "POSITIVE").await;
    let violations = axe_violations(&page.client).await;
    assert!(violations.is_empty(), "{path}: axe-core after the end: {violations:#?}");
    page.client.enter_parent_frame().await.unwrap();
    wait_event(&page.client, "state", &[r#""state":"finished""#, r#""active":false"#]).await;
    page.close().await;
    product.stop().await;
}

#[tokio::test]
async fn on_the_friendly_demo_page() {
    a_whole_conversation_through_the_api("/", "Amiga Ana").await;
}

#[tokio::test]
async fn on_the_hostile_demo_page() {
    a_whole_conversation_through_the_api("/hostile", "Hostil Helena").await;
}

#[tokio::test]
async fn a_visitor_with_a_conversation_under_way_gets_the_chat_at_once_on_the_next_page() {
    let product = start_product().await;
    let agent = Agent::new(&product);
    let page = Browser::start().await;
    // Loaded only on intent here: the frame comes with the click.
    let url = format!("{}?preload=intent", demo_page(&product, "/"));
    page.client.goto(&url).await.unwrap();
    page.widget_part("button").await;
    let frames = "return document.querySelector('zchat-widget').shadowRoot.querySelectorAll('iframe').length";
    assert_eq!(run(&page.client, frames, vec![]).await, 0, "no frame before intent");
    page.open_widget(&url).await;
    page.start_chat("Próxima Paula").await;
    let hash = agent.interaction_of("Próxima Paula", &[]).await;
    agent.act(&hash, "accept", json!({})).await;
    page.element_with_text(".zc-system", "An agent joined the conversation.").await;
    page.client.enter_parent_frame().await.unwrap();
    run(&page.client, "zchat('close')", vec![]).await;

    // The next page of the site: the frame is there before any intent, and the agent's message
    // counts on the launcher while the window stays closed.
    page.client.goto(&url).await.unwrap();
    page.widget_part("iframe").await;
    agent.act(&hash, "messages", json!({"content": "Ainda por aqui?"})).await;
    let badge = page.widget_part("span").await;
    until("the badge to count 1", || async { (badge.text().await.ok()? == "1").then_some(()) }).await;

    // Once it is over, the next page waits for intent again.
    agent.act(&hash, "finish", json!({})).await;
    wait_event(&page.client, "state", &[r#""state":"finished""#]).await;
    page.client.goto(&url).await.unwrap();
    page.widget_part("button").await;
    assert_eq!(run(&page.client, frames, vec![]).await, 0, "no conversation under way: no frame before intent");
    page.close().await;
    product.stop().await;
}

#[tokio::test]
async fn a_single_page_app_swaps_its_body_then_destroys_the_widget_and_bad_settings_are_named() {
    let product = start_product().await;
    let page = Browser::start().await;
    page.client.goto(&demo_page(&product, "/")).await.unwrap();
    page.widget_part("button").await;

    // A new body (as Turbo and others do): the widget stays, and still works.
    run(&page.client, "document.body.replaceWith(document.createElement('body'))", vec![]).await;
    page.widget_part("button").await.click().await.unwrap();
    page.enter_widget().await;
    page.element("#zc-name").await;
    page.client.enter_parent_frame().await.unwrap();
    // Even removed by a careless app, it comes back.
    run(&page.client, "document.querySelector('zchat-widget').remove()", vec![]).await;
    page.widget_part("button").await;

    // destroy: nothing of it stays, not even the global; unknown commands are refused by name.
    let calls = run(
        &page.client,
        "zchat('close'); window.calls = 0; const off = zchat('on', 'open', () => calls++); \
        zchat('open'); zchat('close'); off(); zchat('open'); zchat('close'); return calls",
        vec![],
    )
    .await;
    assert_eq!(calls, 1, "on returns a function that unsubscribes");
    run(&page.client, "window.errors = []; console.error = (m) => errors.push(String(m)); zchat('fly')", vec![]).await;
    let errors = run(&page.client, "return errors", vec![]).await;
    assert!(errors[0].as_str().unwrap().contains("unknown command fly"), "{errors}");
    run(&page.client, "zchat('destroy')", vec![]).await;
    let gone = run(&page.client, "return [document.querySelector('zchat-widget'), typeof window.zchat]", vec![]).await;
    assert_eq!(gone, json!([null, "undefined"]));

    // A tag with a bad setting: one console error naming it, and no widget.
    for (setting, value) in [
        ("data-color", "blue"),
        ("data-side", "middle"),
        ("data-offset-x", "-5"),
        ("data-z-index", "99999999999"),
        ("data-preload", "never"),
        ("data-preload", "IDLE"),
        ("data-preload", "stir"),
        ("data-preload", "idle,intent"),
    ] {
        let script = "window.errors = []; console.error = (m) => errors.push(String(m));\
             const tag = document.createElement('script'); tag.src = arguments[0]; tag.setAttribute('data-department', '1');\
             tag.setAttribute(arguments[1], arguments[2]); tag.onload = () => { window.loaded = true; }; window.loaded = false;\
             document.head.appendChild(tag);";
        run(&page.client, script, vec![json!(format!("{}/widget.js", product.relay_url)), json!(setting), json!(value)]).await;
        until("the loader to run", || async { (run(&page.client, "return window.loaded", vec![]).await == true).then_some(()) }).await;
        let errors = run(&page.client, "return errors", vec![]).await;
        let errors = errors.as_array().unwrap();
        assert_eq!(errors.len(), 1, "{setting}: {errors:?}");
        assert!(errors[0].as_str().unwrap().contains(&format!("{setting}=\"{value}\"")), "{setting}: {errors:?}");
        assert_eq!(run(&page.client, "return document.querySelector('zchat-widget')", vec![]).await, Value::Null, "{setting}");
    }

    // The frame's own settings are checked by the frame: it names the bad one in place of the chat
    // (and in its console).
    let script = "const tag = document.createElement('script'); tag.src = arguments[0]; tag.setAttribute('data-department', '1');\
         tag.setAttribute('data-fields', 'name*,fax'); document.head.appendChild(tag);";
    run(&page.client, script, vec![json!(format!("{}/widget.js", product.relay_url))]).await;
    page.widget_part("button").await.click().await.unwrap();
    page.enter_widget().await;
    let error = page.element(".zc-form-error").await.text().await.unwrap();
    assert!(error.contains("data-fields") && error.contains("fax"), "{error}");

    // In Portuguese, the launcher's label is Portuguese too (the frame gives it).
    page.client.enter_parent_frame().await.unwrap();
    run(&page.client, "zchat('destroy')", vec![]).await;
    let script = "const tag = document.createElement('script'); tag.src = arguments[0]; tag.setAttribute('data-department', '1');\
         tag.setAttribute('data-lang', 'pt-BR'); document.head.appendChild(tag);";
    run(&page.client, script, vec![json!(format!("{}/widget.js", product.relay_url))]).await;
    let launcher = page.widget_part("button").await;
    // (The label comes with the frame, made at once when the pointer reaches the launcher.)
    use fantoccini::actions::{InputSource, MouseActions, PointerAction};
    let hover = MouseActions::new("visitor".into()).then(PointerAction::MoveToElement { element: launcher.clone(), duration: None, x: 0.0, y: 0.0 });
    page.client.perform_actions(hover).await.unwrap();
    until("the Portuguese label", || async { (launcher.attr("aria-label").await.ok()?? == "Abrir o chat").then_some(()) }).await;
    page.close().await;
    product.stop().await;
}

#[tokio::test]
async fn messages_before_the_chat_exists_are_ignored_quietly() {
    let product = start_product().await;
    let page = Browser::start().await;
    page.client.goto(&demo_page(&product, "/")).await.unwrap();
    page.widget_part("button").await;
    // The page's own messages (other scripts, other widgets), before the visitor stirs: no frame
    // yet, and the loader must not throw on any of them.
    let script = "window.thrown = []; addEventListener('error', e => thrown.push(e.message)); \
        for (const data of ['x', '{}', 'null', '[]', '{\"zchat\": \"labels\"}', JSON.stringify({zchat: 'title'}), 42]) postMessage(data, '*'); \
        return new Promise(done => { addEventListener('message', e => e.data === 'end' && done(thrown)); postMessage('end', '*'); });";
    assert_eq!(run(&page.client, script, vec![]).await, json!([]));
    page.close().await;
    product.stop().await;
}

#[tokio::test]
async fn loader_and_frame_ignore_messages_from_anyone_else() {
    let product = start_product().await;
    let page = Browser::start().await;
    page.open_widget(&demo_page(&product, "/")).await;
    page.element("#zc-name").await;
    page.client.enter_parent_frame().await.unwrap();

    // The page itself (or anything in it) posting as if it were the frame: ignored.
    forge(
        &page.client,
        "window.postMessage(JSON.stringify({zchat: 'hide'}), '*'); \
        window.postMessage(JSON.stringify({zchat: 'unread', data: 7, label: 'forged'}), '*');",
    )
    .await;
    let launcher = page.widget_part("button").await;
    assert_eq!(launcher.attr("aria-expanded").await.unwrap().as_deref(), Some("true"), "not hidden by a forged message");
    assert!(!page.widget_part("span").await.is_displayed().await.unwrap(), "no forged unread count");
    assert!(!events(&page.client).await.iter().any(|line| line.starts_with("unread 7")), "no forged event for the page's listeners");

    // The frame page with another host: messages from its own origin (not the host's) are ignored.
    let frame = format!("{}/widget/?department=1&host={}", product.relay_url, demo_page(&product, ""));
    page.client.goto(&frame).await.unwrap();
    page.element("#zc-name").await;
    forge(&page.client, "window.postMessage(JSON.stringify({zchat: 'host', open: true, customer: {name: 'Intruder'}}), '*')").await;
    let name = page.element("#zc-name").await.prop("value").await.unwrap();
    assert_eq!(name.as_deref(), Some(""), "a message from another origin than the host's is ignored");
    page.close().await;
    product.stop().await;
}

/// Runs `post` (which posts messages to this window), and returns once they were all delivered:
/// a listener added after the page's own runs after them, message by message.
async fn forge(client: &Client, post: &str) {
    run(client, &format!("window.delivered = 0; addEventListener('message', () => window.delivered++); {post}"), vec![]).await;
    let posted = post.matches("postMessage").count();
    until("the forged messages to be delivered", || async {
        (run(client, "return window.delivered", vec![]).await.as_u64()? >= posted as u64).then_some(())
    })
    .await;
}
