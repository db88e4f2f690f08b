//! Light, dark and auto (the visitor's system decides) on any colour: every screen axe-core clean
//! (AA contrast included): the form with its errors, the conversation, nobody there with a refused
//! contact, the rating; the menu (sound, notifications) open, an agent's picture and file, the
//! picture full size.

use serde_json::{json, Value};
use zchat_e2e::{axe_violations, demo_origin, demo_page, run_script, start_product, Agent, Browser};

const BACKGROUND: &str = "return getComputedStyle(document.body).backgroundColor";
const DARK: &str = "rgb(22, 25, 31)";
const LIGHT: &str = "rgb(255, 255, 255)";

async fn clean(page: &Browser, what: &str) {
    let violations = axe_violations(&page.client).await;
    assert_eq!(violations, Vec::<Value>::new(), "{what}");
}

#[tokio::test]
async fn every_screen_reads_in_every_theme_on_any_colour() {
    let product = start_product().await;
    let agent = Agent::new(&product);
    for (theme, colour, background) in [("dark", "%23ffdd00", DARK), ("dark", "%232f6fed", DARK), ("light", "%230a3d2a", LIGHT)] {
        let case = format!("{theme} on {colour}");
        let page = Browser::start().await;
        // Notifications allowed, so that their switch is in the footer the checks read.
        page.allow_notifications(&demo_origin(&product), "granted").await;
        page.open_widget(&demo_page(&product, &format!("/?theme={theme}&color={colour}"))).await;
        assert_eq!(run_script(&page.client, BACKGROUND, vec![]).await, background, "{case}");
        // The form with every error it can show.
        page.element(".zc-prechat button[type=submit]").await.click().await.unwrap();
        page.element(".zc-field-error").await;
        clean(&page, &format!("{case}: the form with its errors")).await;
        let name = format!("Tema {theme} {colour}");
        page.start_chat(&name).await;
        let hash = agent.interaction_of(&name, &[]).await;
        agent.act(&hash, "accept", json!({})).await;
        agent.act(&hash, "messages", json!({"content": "Olá! Em que posso ajudar?"})).await;
        page.element_with_text(".zc-agent .zc-text", "Olá! Em que posso ajudar?").await;
        page.send("Uma dúvida").await;
        clean(&page, &format!("{case}: the conversation")).await;
        page.menu_item(".zc-notify").await;
        clean(&page, &format!("{case}: the conversation with its menu open")).await;
        page.element(".zc-transcript").await.click().await.unwrap();
        // An agent's picture and file, and the picture full size.
        let picture = demo_page(&product, "/product.svg");
        agent.act(&hash, "messages", json!({"content": "Este modelo", "type": "image", "url": picture})).await;
        agent.act(&hash, "messages", json!({"content": "O guia", "type": "file", "url": "https://files.example/guia.pdf"})).await;
        page.element(".zc-card").await;
        page.element(".zc-picture").await.click().await.unwrap();
        page.element("#zc-viewer[open]").await;
        clean(&page, &format!("{case}: a picture full size")).await;
        page.element("#zc-viewer .zc-close").await.click().await.unwrap();
        clean(&page, &format!("{case}: a picture and a file")).await;
        page.menu_item(".zc-forget").await.click().await.unwrap();
        page.element("#zc-forget-ask[open]").await;
        clean(&page, &format!("{case}: the question to forget this device")).await;
        page.element("#zc-forget-ask .zc-forget-no").await.click().await.unwrap();
        agent.act(&hash, "finish", json!({})).await;
        page.element(".zc-good").await;
        clean(&page, &format!("{case}: the rating")).await;
        page.close().await;
    }
    // Nobody there, in the dark: the question for a contact and its refusal.
    let page = Browser::start().await;
    page.open_widget(&demo_page(&product, "/?theme=dark&department=2")).await;
    page.start_chat("Tema Sem Agente").await;
    page.element("#zc-contact").await.send_keys("amanhã").await.unwrap();
    page.element(".zc-contact button").await.click().await.unwrap();
    page.element(".zc-notice").await;
    clean(&page, "dark: nobody there").await;
    page.close().await;
    product.stop().await;
}

#[tokio::test]
async fn auto_follows_the_visitor_s_system() {
    let product = start_product().await;
    let page = Browser::start().await;
    // The frame page on its own: the system's scheme is emulated on the page it is.
    page.client.goto(&format!("{}/widget/?department=1&theme=auto", product.relay_url)).await.unwrap();
    page.element("#zc-name").await;
    for (scheme, background) in [("dark", DARK), ("light", LIGHT), ("dark", DARK)] {
        page.devtools("Emulation.setEmulatedMedia", json!({"features": [{"name": "prefers-color-scheme", "value": scheme}]})).await;
        assert_eq!(run_script(&page.client, BACKGROUND, vec![]).await, background, "{scheme}");
        clean(&page, &format!("auto, {scheme}: the form")).await;
    }
    // Without a theme, light whatever the system says.
    page.client.goto(&format!("{}/widget/?department=1", product.relay_url)).await.unwrap();
    page.element("#zc-name").await;
    assert_eq!(run_script(&page.client, BACKGROUND, vec![]).await, LIGHT);
    page.close().await;
    product.stop().await;
}
