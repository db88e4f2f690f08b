//! On a phone (Chromium's mobile emulation: a 390 × 844 screen, touch, three device pixels to the
//! CSS pixel): the open window fills the screen and follows the visual viewport when it shrinks
//! (here the page zoomed in, the one shrink of the visual viewport alone that Chromium can
//! emulate, as the on-screen keyboard makes it), so the composer stays in view and focused; the
//! page does not scroll behind it; Back closes it, and only it. Also on a page without a viewport
//! meta tag, where the window is drawn at the phone's size and scaled to fill its screen, and on
//! a page wider than the phone, where it is still the phone's window, not a desktop's.

use serde_json::{json, Value};
use zchat_e2e::{demo_page, run_script as run, start_product, until, until_explained, Browser};

async fn as_a_phone(page: &Browser) {
    page.devtools("Emulation.setDeviceMetricsOverride", json!({"width": 390, "height": 844, "deviceScaleFactor": 3, "mobile": true})).await;
    page.devtools("Emulation.setTouchEmulationEnabled", json!({"enabled": true, "maxTouchPoints": 5})).await;
}

/// The frame's box on the page and the visual viewport: [left, top, width, height] each.
const BOXES: &str = "const f = document.querySelector('zchat-widget').shadowRoot.querySelector('iframe').getBoundingClientRect(); \
    const v = visualViewport; return [[f.left, f.top, f.width, f.height], [v.offsetLeft, v.offsetTop, v.width, v.height]];";

/// The page's layout width, the screen's, the zoom, and the frame's own style.
const CONTEXT: &str = "const f = document.querySelector('zchat-widget').shadowRoot.querySelector('iframe'); \
    return {innerWidth, screen: screen.width, scale: visualViewport.scale, open_helpers: !!document.querySelector('script[src*=\"/widget/\"]'), style: f.style.cssText};";

fn boxes(value: &Value) -> ([f64; 4], [f64; 4]) {
    let four = |v: &Value| [0, 1, 2, 3].map(|i| v[i].as_f64().unwrap());
    (four(&value[0]), four(&value[1]))
}

/// The frame covers the visual viewport, within a pixel.
fn covers(value: &Value) -> bool {
    let (frame, view) = boxes(value);
    frame.iter().zip(view).all(|(a, b)| (a - b).abs() <= 1.0)
}

async fn open(page: &Browser, url: &str) {
    open_after(page, url, "").await;
}

/// [`open`], once `script` ran on the page (before the visitor touches it).
async fn open_after(page: &Browser, url: &str, script: &str) {
    as_a_phone(page).await;
    page.client.goto(url).await.unwrap();
    if !script.is_empty() {
        run(&page.client, script, vec![]).await;
    }
    page.stir().await;
    page.widget_part("button").await.click().await.unwrap();
    until_explained("the window to fill the screen", || async {
        let value = run(&page.client, BOXES, vec![]).await;
        if covers(&value) {
            return Ok(());
        }
        // What a failure needs: the boxes, the page's width and zoom, how the frame was placed.
        let context = run(&page.client, CONTEXT, vec![]).await;
        Err(format!("[frame, visual viewport] {value}; {context}"))
    })
    .await;
}

#[tokio::test]
async fn on_a_phone_the_window_fills_the_screen_follows_the_visual_viewport_and_back_closes_it() {
    let product = start_product().await;
    let page = Browser::start().await;
    let url = demo_page(&product, "/");
    open(&page, &url).await;
    let (frame, _) = boxes(&run(&page.client, BOXES, vec![]).await);
    assert_eq!(frame.map(f64::round), [0.0, 0.0, 390.0, 844.0]);
    assert_eq!(run(&page.client, "return document.documentElement.style.overflow", vec![]).await, "hidden", "the page stays put behind it");

    // The visual viewport shrinks (zoomed in: half as wide and high, moved): the window follows,
    // and the composer, at its bottom, stays in view and keeps the keyboard.
    // The demo page's event log has lines longer than the phone is wide: the page is laid out
    // wider than the screen at a zoom of 1, and the window is still drawn at the phone's width.
    until("the page to overflow", || async { (run(&page.client, "return innerWidth", vec![]).await.as_f64()? > 390.0).then_some(()) }).await;
    page.enter_widget().await;
    assert_eq!(run(&page.client, "return innerWidth", vec![]).await, 390);
    page.element("#zc-name").await.send_keys("Ana Celular").await.unwrap();
    page.element(".zc-prechat button[type=submit]").await.click().await.unwrap();
    page.element("#zc-input").await.click().await.unwrap();
    page.client.enter_parent_frame().await.unwrap();
    page.devtools("Emulation.setPageScaleFactor", json!({"pageScaleFactor": 2})).await;
    run(&page.client, "return new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))", vec![]).await;
    until("the window to follow the visual viewport", || async {
        let value = run(&page.client, BOXES, vec![]).await;
        (boxes(&value).1[2] < 390.0 && covers(&value)).then_some(())
    })
    .await;
    page.enter_widget().await;
    assert_eq!(run(&page.client, "return document.activeElement.id", vec![]).await, "zc-input", "the composer keeps the keyboard");
    page.client.enter_parent_frame().await.unwrap();
    page.devtools("Emulation.setPageScaleFactor", json!({"pageScaleFactor": 1})).await;

    // Back closes the chat, and the visitor is still on the page.
    page.client.back().await.unwrap();
    let launcher = page.widget_part("button").await;
    until("the window to close", || async { (launcher.attr("aria-expanded").await.ok()??.as_str() == "false").then_some(()) }).await;
    assert_eq!(run(&page.client, "return [location.href, document.documentElement.style.overflow]", vec![]).await, json!([url, ""]));
    // Closed by its own button (the window covers the launcher on a phone): its history entry goes
    // too (a second Back would leave the page).
    launcher.click().await.unwrap();
    until("open again", || async { (run(&page.client, "return history.state && history.state.zchat", vec![]).await == 1).then_some(()) }).await;
    page.enter_widget().await;
    page.element(".zc-close").await.click().await.unwrap();
    page.client.enter_parent_frame().await.unwrap();
    until("the entry gone", || async { (run(&page.client, "return history.state", vec![]).await == Value::Null).then_some(()) }).await;
    assert_eq!(run(&page.client, "return location.href", vec![]).await, url);
    page.close().await;
    product.stop().await;
}

#[tokio::test]
async fn on_a_page_wider_than_the_phone_the_window_is_the_phone_s_without_a_desktop_window_s_corners() {
    let product = start_product().await;
    let page = Browser::start().await;
    // A host page with something wider than the phone (a table, a long line): laid out 700 px wide
    // at a zoom of 1, wider than the loader's 480 px rule for a desktop's window.
    let wide = "const d = document.createElement('div'); d.style.width = '700px'; d.textContent = 'wide'; document.body.appendChild(d);";
    open_after(&page, &demo_page(&product, "/"), wide).await;
    assert!(run(&page.client, "return innerWidth", vec![]).await.as_f64().unwrap() > 480.0);
    let drawn = run(
        &page.client,
        "const s = getComputedStyle(document.querySelector('zchat-widget').shadowRoot.querySelector('iframe')); \
         return [s.borderTopLeftRadius, s.maxWidth, s.maxHeight, s.boxShadow];",
        vec![],
    )
    .await;
    assert_eq!(drawn, json!(["0px", "none", "none", "none"]), "no corners, limits or shadow of a desktop's window");
    page.close().await;
    product.stop().await;
}

#[tokio::test]
async fn on_a_page_without_a_viewport_meta_tag_the_window_still_fills_the_phone_and_reads() {
    let product = start_product().await;
    let page = Browser::start().await;
    open(&page, &demo_page(&product, "/?viewport=none")).await;
    // The page is laid out wider than the phone (980 px); the window covers what shows of it, and
    // inside it is the phone's own width: text at its size, not a third of it.
    assert!(run(&page.client, "return innerWidth", vec![]).await.as_f64().unwrap() > 900.0);
    page.enter_widget().await;
    assert_eq!(run(&page.client, "return innerWidth", vec![]).await, 390);
    page.element("#zc-name").await;
    page.close().await;
    product.stop().await;
}

#[tokio::test]
async fn on_a_page_drawn_under_the_notch_the_window_keeps_its_content_in_the_safe_area() {
    let product = start_product().await;
    let page = Browser::start().await;
    // A phone with a notch (47 px) and a home bar (34 px), a page that draws under them.
    page.devtools("Emulation.setSafeAreaInsetsOverride", json!({"insets": {"top": 47, "bottom": 34, "left": 0, "right": 0}})).await;
    open(&page, &demo_page(&product, "/?viewport=cover")).await;
    let (frame, _) = boxes(&run(&page.client, BOXES, vec![]).await);
    assert_eq!(frame.map(f64::round), [0.0, 0.0, 390.0, 844.0], "the window covers the screen");
    // Its content is the screen less the notch and the home bar.
    let inner = "const f = document.querySelector('zchat-widget').shadowRoot.querySelector('iframe'); \
        const s = getComputedStyle(f); return [s.paddingTop, s.paddingBottom, f.clientHeight - parseFloat(s.paddingTop) - parseFloat(s.paddingBottom)];";
    assert_eq!(run(&page.client, inner, vec![]).await, json!(["47px", "34px", 763]));
    page.enter_widget().await;
    assert_eq!(run(&page.client, "return [innerWidth, innerHeight]", vec![]).await, json!([390, 763]));
    page.element("#zc-name").await;
    page.close().await;
    product.stop().await;
}
