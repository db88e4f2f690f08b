//! The visitor's core journey in the three engines visitors come with: Chromium, Firefox (ESR,
//! geckodriver) and WebKit (WebKitGTK, the engine of Safari and of every iPhone's browser;
//! WebKitWebDriver on a virtual display), each started with `LANG=C.UTF-8`, whose language tag a
//! browser may pass on as `C` (WebKit does: `Intl` refused it, and every agent message was lost),
//! and WebKit once more in the site's Portuguese. On the cross-site demo page: open, form, start,
//! an agent's message, the visitor's message to zChat, a file, a reload, end and rate; then a
//! phone's window.
//! The same journey for each engine, one parameter apart (`Engine`).

use fantoccini::Locator;
use serde_json::json;
use zchat_e2e::{demo_page, run_script as run, start_product, until, Agent, Browser, Engine};

/// A small PNG on disk for the attach button.
fn picture_on_disk(engine: Engine) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("zchat-engines-{engine:?}-{}.png", std::process::id()));
    std::fs::write(&path, zchat_testkit::images::png(40, 30, None)).unwrap();
    path
}

/// One journey at a time: two engines at once on two cores would each be slow, and two
/// `xvfb-run -a` started together may pick the same display.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn visitor_journey(engine: Engine, lang: &str, path: &str, words: Words) {
    let _turn = ONE_AT_A_TIME.lock().await;
    let product = start_product().await;
    let agent = Agent::new(&product);
    let page = Browser::start_engine(engine, lang, false).await;
    let name = format!("Motor {engine:?} {lang}");

    // Open, the form in the browser's language (or English), start.
    page.open_widget(&demo_page(&product, path)).await;
    page.element_with_text(".zc-prechat button[type=submit]", words.start).await;
    page.start_chat(&name).await;
    let hash = agent.interaction_of(&name, &[]).await;
    agent.act(&hash, "accept", json!({"agent": {"id": 7, "name": "Bia"}})).await;
    // An agent's message, shown with its time (a language tag `Intl` refuses must not lose it).
    agent.act(&hash, "messages", json!({"content": "Olá! Em que posso ajudar?"})).await;
    page.element_with_text(".zc-agent .zc-text", "Olá! Em que posso ajudar?").await;
    let time = run(&page.client, "return document.querySelector('.zc-agent .zc-meta time').textContent", vec![]).await;
    assert!(time.as_str().is_some_and(|time| time.contains(':')), "{engine:?} {lang}: the message's time, {time}");
    // The visitor's message reaches zChat.
    page.send("Quero trocar o tamanho").await;
    agent.wait_view(&hash, "the visitor's message", |v| v["transcript"].to_string().contains("Quero trocar o tamanho")).await;
    // A file, by the attach button.
    let file = picture_on_disk(engine);
    page.client.find(Locator::Css(".zc-attach input[type=file]")).await.unwrap().send_keys(&file.display().to_string()).await.unwrap();
    page.element(".zc-tray-item").await;
    page.element(".zc-composer button[type=submit]").await.click().await.unwrap();
    let view = agent
        .wait_view(&hash, "the file", |v| {
            v["transcript"].as_array().is_some_and(|t| t.iter().any(|m| m["from"] == "customer" && m["type"] == "image"))
        })
        .await;
    let url = view["transcript"].as_array().unwrap().iter().find(|m| m["type"] == "image").unwrap()["url"].as_str().unwrap().to_string();
    assert!(reqwest::get(&url).await.unwrap().status().is_success(), "{engine:?}: the file is served");
    let _ = std::fs::remove_file(file);

    // A reload: the conversation comes back.
    page.client.enter_parent_frame().await.unwrap();
    page.client.refresh().await.unwrap();
    page.open_widget(&demo_page(&product, path)).await;
    page.element_with_text(".zc-agent .zc-text", "Olá! Em que posso ajudar?").await;
    page.element_with_text(".zc-visitor .zc-text", "Quero trocar o tamanho").await;

    // End, confirmed, and rate.
    page.element(".zc-end").await.click().await.unwrap();
    page.element(".zc-confirm .zc-confirm-yes").await.click().await.unwrap();
    agent.wait_view(&hash, "the end", |v| v["state"] == "finished").await;
    page.element(".zc-good").await.click().await.unwrap();
    agent.wait_view(&hash, "the rating", |v| v["mood"] == "POSITIVE").await;
    page.element(".zc-thanks").await;

    page.close().await;

    // A phone's window: the open window is the whole screen.
    let phone = Browser::start_engine(engine, lang, true).await;
    phone.open_widget(&demo_page(&product, path)).await;
    phone.element_with_text(".zc-prechat button[type=submit]", words.start).await;
    phone.client.enter_parent_frame().await.unwrap();
    let fills = "const f = document.querySelector('zchat-widget').shadowRoot.querySelector('iframe').getBoundingClientRect(); \
                 return [innerWidth <= 480, Math.abs(f.width - innerWidth) < 2 && Math.abs(f.height - innerHeight) < 2]";
    until("the window to fill a phone's screen", || async { (run(&phone.client, fills, vec![]).await == json!([true, true])).then_some(()) }).await;
    phone.close().await;
    product.stop().await;
}

/// What the journey reads, in the language the widget chose.
#[derive(Clone, Copy)]
struct Words {
    start: &'static str,
}

const ENGLISH: Words = Words { start: "Start chat" };
const PORTUGUESE: Words = Words { start: "Iniciar conversa" };

#[tokio::test]
async fn the_visitors_journey_in_chromium() {
    visitor_journey(Engine::Chromium, "C.UTF-8", "/", ENGLISH).await;
}

#[tokio::test]
async fn the_visitors_journey_in_firefox() {
    visitor_journey(Engine::Firefox, "C.UTF-8", "/", ENGLISH).await;
}

/// WebKit says the language `C` here (`navigator.language`), which `Intl` refuses.
#[tokio::test]
async fn the_visitors_journey_in_webkit() {
    visitor_journey(Engine::WebKit, "C.UTF-8", "/", ENGLISH).await;
}

/// The same in Portuguese, as the site says (`data-lang`).
#[tokio::test]
async fn the_visitors_journey_in_webkit_in_the_sites_language() {
    visitor_journey(Engine::WebKit, "C.UTF-8", "/?lang=pt-BR", PORTUGUESE).await;
}
