//! The window a visitor reads: the header's menu by keyboard and by pointer, an author's messages
//! grouped under one name and initial, the day they were said (after a reload across midnight),
//! an agent's picture full size and closed with Escape, a file as a card.

use fantoccini::key::Key;
use serde_json::{json, Value};
use zchat_e2e::{chatting, demo_page, run_script as run, start_product, until, Agent, Browser, Chatting};

/// The class of the element that has the keyboard, in the frame.
async fn focused(page: &Browser) -> String {
    run(&page.client, "return document.activeElement.className", vec![]).await.as_str().unwrap_or_default().to_string()
}

/// Presses `key` where the keyboard is.
async fn press(page: &Browser, key: Key) {
    page.client.active_element().await.unwrap().send_keys(&char::from(key).to_string()).await.unwrap();
}

async fn menu_open(page: &Browser) -> bool {
    run(&page.client, "return document.querySelector('#zc-menu').matches(':popover-open')", vec![]).await == true
}

/// Whether the window is open on the host page (the launcher says so), from the frame.
async fn window_open(page: &Browser) -> bool {
    page.client.enter_parent_frame().await.unwrap();
    let open = page.widget_part("button").await.attr("aria-expanded").await.unwrap().as_deref() == Some("true");
    page.enter_widget().await;
    open
}

#[tokio::test]
async fn the_menu_works_by_keyboard_and_by_pointer_and_escape_closes_only_the_menu() {
    let Chatting { product, agent, page, hash } = chatting("Menu Mara").await;
    agent.act(&hash, "messages", json!({"content": "Olá"})).await;
    page.element_with_text(".zc-agent .zc-text", "Olá").await;

    // The keyboard: Enter on "⋯" opens the menu on its first item; the arrows, Home and End move.
    let more = page.element(".zc-more").await;
    assert_eq!(more.attr("aria-label").await.unwrap().as_deref(), Some("More options"));
    more.send_keys(&char::from(Key::Enter).to_string()).await.unwrap();
    until("the menu, on its first item", || async { (menu_open(&page).await && focused(&page).await == "zc-save").then_some(()) }).await;
    let roles = run(
        &page.client,
        "return [...document.querySelectorAll('#zc-menu [role^=menuitem]')].map(e => e.className + ':' + e.getAttribute('role'))",
        vec![],
    )
    .await;
    let expected = json!(["zc-save:menuitem", "zc-sound:menuitemcheckbox", "zc-notify:menuitemcheckbox", "zc-forget:menuitem"]);
    assert_eq!(roles, expected, "the switches are menuitemcheckboxes");
    press(&page, Key::Down).await;
    assert_eq!(focused(&page).await, "zc-sound");
    press(&page, Key::End).await;
    assert_eq!(focused(&page).await, "zc-forget");
    press(&page, Key::Down).await;
    assert_eq!(focused(&page).await, "zc-save", "round to the first");
    press(&page, Key::Up).await;
    assert_eq!(focused(&page).await, "zc-forget", "and back to the last");
    press(&page, Key::Home).await;
    assert_eq!(focused(&page).await, "zc-save");
    // Escape closes the menu, gives "⋯" the keyboard back, and leaves the window open.
    press(&page, Key::Escape).await;
    until("the menu closed", || async { (!menu_open(&page).await).then_some(()) }).await;
    assert_eq!(focused(&page).await, "zc-more");
    assert!(window_open(&page).await, "Escape in the menu closes the menu only");
    // Escape outside the menu closes the window, as before.
    press(&page, Key::Escape).await;
    until("the window closed", || async { (!window_open(&page).await).then_some(()) }).await;
    page.client.enter_parent_frame().await.unwrap();
    page.widget_part("button").await.click().await.unwrap();
    page.enter_widget().await;

    // The pointer: an item does its work and closes the menu (the chime muted, and said so).
    page.menu_item(".zc-sound").await.click().await.unwrap();
    until("the menu closed", || async { (!menu_open(&page).await).then_some(()) }).await;
    let sound = page.menu_item(".zc-sound").await;
    until("the chime muted", || async { (sound.attr("aria-checked").await.ok()??.as_str() == "false").then_some(()) }).await;
    // A click outside closes it.
    page.element(".zc-transcript").await.click().await.unwrap();
    until("the menu closed by a click outside", || async { (!menu_open(&page).await).then_some(()) }).await;
    // Each item works from it: the download here (the others: privacy.rs, looking_away.rs,
    // notifications.rs, storage.rs).
    let folder = std::env::temp_dir().join(format!("zchat-menu-{}", std::process::id()));
    std::fs::create_dir_all(&folder).unwrap();
    page.download_to(&folder).await;
    page.menu_item(".zc-save").await.click().await.unwrap();
    let text = until("the downloaded conversation", || async { std::fs::read_to_string(folder.join("conversation.txt")).ok() }).await;
    assert!(text.contains("Olá"), "{text}");
    let _ = std::fs::remove_dir_all(&folder);

    // "Forget this device" asks first, in the window, the keyboard on "no"; Escape is "no" and
    // closes the question only.
    page.menu_item(".zc-forget").await.send_keys(&char::from(Key::Enter).to_string()).await.unwrap();
    let asking = "return document.querySelector('#zc-forget-ask').open";
    until("the question", || async { (run(&page.client, asking, vec![]).await == true).then_some(()) }).await;
    assert!(!menu_open(&page).await, "the menu closed");
    assert_eq!(focused(&page).await, "zc-forget-no");
    press(&page, Key::Escape).await;
    until("the question closed", || async { (run(&page.client, asking, vec![]).await == false).then_some(()) }).await;
    assert!(window_open(&page).await, "Escape in the question closes the question only");
    page.element_with_text(".zc-agent .zc-text", "Olá").await;
    page.close().await;
    product.stop().await;
}

#[tokio::test]
async fn an_agents_picture_opens_full_size_and_escape_closes_it_and_a_file_is_a_card() {
    let Chatting { product, agent, page, hash } = chatting("Foto Flora").await;
    let picture = demo_page(&product, "/product.svg");
    agent.act(&hash, "messages", json!({"content": "Este modelo", "type": "image", "url": picture})).await;
    agent
        .act(
            &hash,
            "messages",
            json!({"content": "A lista", "type": "file", "url": "https://files.example/docs/rela%C3%A7%C3%A3o%20de%20pe%C3%A7as.pdf"}),
        )
        .await;
    // The file: a card with its name and kind.
    page.element_with_text(".zc-card-name", "relação de peças.pdf").await;
    page.element_with_text(".zc-card-kind", "PDF").await;
    // The picture: a thumbnail; a click shows it full size in a modal dialog.
    let thumbnail = page.element(".zc-picture").await;
    // Named by what the agent said of it, titled by what it does.
    assert_eq!(thumbnail.attr("aria-label").await.unwrap().as_deref(), Some("Este modelo"));
    assert_eq!(thumbnail.attr("title").await.unwrap().as_deref(), Some("Show the picture full size"));
    thumbnail.click().await.unwrap();
    let shown = "const v = document.querySelector('#zc-viewer'); return v.open && v.querySelector('img').getAttribute('src')";
    until("the picture full size", || async { (run(&page.client, shown, vec![]).await == Value::String(picture.clone())).then_some(()) }).await;
    // Escape closes it, gives the thumbnail the keyboard back, and leaves the window open.
    press(&page, Key::Escape).await;
    until("the viewer closed", || async {
        (run(&page.client, "return document.querySelector('#zc-viewer').open", vec![]).await == false).then_some(())
    })
    .await;
    until("the keyboard back on the thumbnail", || async { (focused(&page).await == "zc-picture").then_some(()) }).await;
    assert!(window_open(&page).await, "Escape in the viewer closes the viewer only");
    // Its close button closes it too.
    page.element(".zc-picture").await.click().await.unwrap();
    until("the picture full size again", || async { (run(&page.client, shown, vec![]).await != false).then_some(()) }).await;
    page.element("#zc-viewer .zc-close").await.click().await.unwrap();
    until("the viewer closed by its button", || async {
        (run(&page.client, "return document.querySelector('#zc-viewer').open", vec![]).await == false).then_some(())
    })
    .await;
    page.close().await;
    product.stop().await;
}

#[tokio::test]
async fn an_authors_messages_are_grouped_and_a_reload_the_next_day_says_yesterday() {
    let product = start_product().await;
    let agent = Agent::new(&product);
    // The frame in the page's process, so that a script the page is given before it loads
    // (the clock a day ahead, below) reaches the frame too.
    let page = Browser::start_with(&["--disable-site-isolation-trials".into()]).await;
    page.open_widget(&demo_page(&product, "/")).await;
    page.start_chat("Grupo Gil").await;
    let hash = agent.interaction_of("Grupo Gil", &[]).await;
    agent.act(&hash, "accept", json!({})).await;
    for text in ["Bom dia!", "Vi o seu pedido.", "Já volto."] {
        agent.act(&hash, "messages", json!({"content": text})).await;
    }
    page.element_with_text(".zc-agent .zc-text", "Já volto.").await;
    page.send("Obrigado").await;
    page.element(".zc-visitor[data-delivery=sent]").await;
    // Three in a row: one name and one initial, on the first; one time, on the last.
    let layout = "return [...document.querySelectorAll('.zc-messages > li')].map(li => \
        li.classList.contains('zc-day') ? 'day:' + li.textContent : \
        li.classList.contains('zc-system') ? 'line' : \
        (li.classList.contains('zc-agent') ? 'agent' : 'visitor') + (li.querySelector('.zc-avatar') ? '+' + li.querySelector('.zc-avatar').textContent : '') \
        + (li.querySelector('.zc-meta') ? '@' : ''))";
    let laid_out = |day: &str| json!([format!("day:{day}"), "line", "agent+A", "agent", "agent@", "visitor@"]);
    until("the transcript laid out", || async { (run(&page.client, layout, vec![]).await == laid_out("Today")).then_some(()) }).await;

    // The next day (this browser's clock a day ahead), a reload: the same conversation, each
    // message at its own time, under "Yesterday".
    let later = "const day = 24 * 3600 * 1000, RealDate = Date; \
        Date = class extends RealDate { constructor(...a) { super(...(a.length ? a : [RealDate.now() + day])); } static now() { return RealDate.now() + day; } };";
    page.devtools("Page.addScriptToEvaluateOnNewDocument", json!({"source": later})).await;
    page.client.enter_parent_frame().await.unwrap();
    page.client.refresh().await.unwrap();
    page.stir().await;
    page.enter_widget().await;
    let tomorrow = run(&page.client, "return new Date().getDate() !== new Date(performance.timeOrigin).getDate()", vec![]).await;
    assert_eq!(tomorrow, true, "the frame's clock is a day ahead");
    until("the transcript under yesterday", || async { (run(&page.client, layout, vec![]).await == laid_out("Yesterday")).then_some(()) }).await;
    page.close().await;
    product.stop().await;
}
