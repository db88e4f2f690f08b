//! The visitor's files, in headless Chromium against the relay and the sandbox: attached by the
//! button (a real file from disk), by a paste (a screenshot) and by a drop; each reaches zChat once
//! as the reference's media message, the agent's console shows the image (fetched from its
//! address, as zChat would) and a reload still shows it; files that cannot go are refused in the
//! visitor's language before any upload; an upload shows its progress, and one whose connection
//! drops halfway is sent again by itself, once.

use std::path::PathBuf;

use fantoccini::Locator;
use serde_json::{json, Value};
use zchat_e2e::{axe_violations, chatting, demo_page, run_script, start_product, until, widget_dist, Agent, Browser, Chatting, CuttableLine};
use zchat_relay::launch::launch;
use zchat_relay::Config;

/// A `width`×`height` PNG of one colour.
fn png(width: u32, height: u32) -> Vec<u8> {
    zchat_testkit::images::png(width, height, None)
}

/// A PDF of about `size` bytes.
fn pdf(size: usize) -> Vec<u8> {
    let mut pdf = b"%PDF-1.4\n1 0 obj << >> endobj\n".to_vec();
    pdf.resize(size.saturating_sub(6), b'%');
    pdf.extend_from_slice(b"\n%%EOF");
    pdf
}

/// A folder of the test's own with `files` in it; their absolute paths.
fn on_disk(test: &str, files: &[(&str, Vec<u8>)]) -> Vec<PathBuf> {
    let dir = std::env::temp_dir().join(format!("zchat-e2e-files-{test}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    files
        .iter()
        .map(|(name, bytes)| {
            let path = dir.join(name);
            std::fs::write(&path, bytes).unwrap();
            path
        })
        .collect()
}

/// Makes a `File` in the frame (from a canvas, as a screenshot is) and hands it to the widget
/// as `how`: `paste` on the composer, or `drop` on the window (after a `dragover`).
const HAND_OVER: &str = r#"
const [how, name] = arguments;
const canvas = document.createElement('canvas');
canvas.width = 64; canvas.height = 48;
const context = canvas.getContext('2d');
context.fillStyle = '#0a7d32'; context.fillRect(0, 0, 64, 48);
const blob = await new Promise((done) => canvas.toBlob(done, 'image/png'));
const files = new DataTransfer();
files.items.add(new File([blob], name, {type: 'image/png'}));
if (how === 'paste') {
  const input = document.querySelector('#zc-input');
  input.focus();
  input.dispatchEvent(new ClipboardEvent('paste', {clipboardData: files, bubbles: true, cancelable: true}));
} else {
  const window_ = document.querySelector('.zc-window');
  window_.dispatchEvent(new DragEvent('dragover', {dataTransfer: files, bubbles: true, cancelable: true}));
  const zone = getComputedStyle(window_, '::after').content;
  window_.dispatchEvent(new DragEvent('drop', {dataTransfer: files, bubbles: true, cancelable: true}));
  return zone;
}
return null;
"#;

/// The visitor's messages with a file, as the agent's API lists them.
fn media(view: &Value) -> Vec<Value> {
    view["transcript"].as_array().unwrap().iter().filter(|m| m["from"] == "customer" && m["url"].is_string()).cloned().collect()
}

#[tokio::test]
async fn files_go_by_button_paste_and_drop_and_the_agent_sees_each_once() {
    let Chatting { product, agent, page, hash } = chatting("Anexa Ana").await;

    // 1. The attach button: two real files from disk, with a caption for the first.
    let files = on_disk("button", &[("recibo.png", png(40, 30)), ("nota fiscal.pdf", pdf(20_000))]);
    let picker = page.client.find(Locator::Css(".zc-attach input[type=file]")).await.unwrap();
    let paths: Vec<String> = files.iter().map(|path| path.display().to_string()).collect();
    picker.send_keys(&paths.join("\n")).await.unwrap();
    page.element_with_text(".zc-tray-item .zc-file-name", "recibo.png").await;
    page.element_with_text(".zc-tray-item .zc-file-name", "nota fiscal.pdf").await;
    page.element("img.zc-thumb").await;
    page.screenshot("attachments-tray").await;
    assert_eq!(axe_violations(&page.client).await, Vec::<Value>::new(), "the tray is accessible");
    page.element("#zc-input").await.send_keys("segue o recibo").await.unwrap();
    page.element(".zc-composer button[type=submit]").await.click().await.unwrap();
    page.element_with_text(".zc-visitor[data-delivery=sent] .zc-text", "segue o recibo").await;
    page.element_with_text(".zc-visitor[data-delivery=sent] .zc-text", "nota fiscal.pdf").await;
    // The visitor's own image shows inline, the PDF as a download.
    let image = page.element(".zc-visitor img.zc-media").await;
    let src = image.attr("src").await.unwrap().unwrap();
    assert!(src.contains("/uploads/") && src.ends_with(".png"), "{src}");
    page.element(".zc-visitor a.zc-card[download]").await;
    assert_eq!(axe_violations(&page.client).await, Vec::<Value>::new(), "the files in the transcript are accessible");

    // 2. A pasted screenshot.
    run_script(&page.client, HAND_OVER, vec![json!("paste"), json!("image.png")]).await;
    page.element_with_text(".zc-tray-item .zc-file-name", "image.png").await;
    page.element(".zc-composer button[type=submit]").await.click().await.unwrap();
    page.element_with_text(".zc-visitor[data-delivery=sent] .zc-text", "image.png").await;

    // 3. A dropped file: the window shows where to drop it first.
    let zone = run_script(&page.client, HAND_OVER, vec![json!("drop"), json!("arrastada.png")]).await;
    assert_eq!(zone, json!("\"Drop files here to send them\""));
    page.element_with_text(".zc-tray-item .zc-file-name", "arrastada.png").await;
    page.element(".zc-composer button[type=submit]").await.click().await.unwrap();
    page.element_with_text(".zc-visitor[data-delivery=sent] .zc-text", "arrastada.png").await;

    // zChat has each file once, as the reference's media message, at the relay's address.
    let view = agent.wait_view(&hash, "four files at the agent", |view| media(view).len() == 4).await;
    let files = media(&view);
    let kinds: Vec<&str> = files.iter().map(|m| m["type"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["image", "file", "image", "image"]);
    assert_eq!(files[0]["content"], "segue o recibo");
    let relay = product.relay_url.clone();
    assert!(files.iter().all(|m| m["url"].as_str().unwrap().starts_with(&format!("{relay}/uploads/"))), "{files:?}");

    // A reload shows the same (from the relay's log).
    page.open_widget(&demo_page(&product, "/")).await;
    until("the four files after a reload", || async {
        let shown = page.client.find_all(Locator::Css(".zc-visitor img.zc-media, .zc-visitor a.zc-card")).await.ok()?;
        (shown.len() == 4).then_some(())
    })
    .await;

    // The agent's console shows the image, fetched from its address.
    page.client.enter_parent_frame().await.unwrap();
    // Opened on the conversation (the console's list is redrawn as it refreshes: no clicking it).
    page.client.goto(&format!("{}/#{hash}", agent.sandbox)).await.unwrap();
    page.element(".msg.customer img.media").await;
    let loaded = until("the console's images to load", || async {
        let widths = run_script(&page.client, "return [...document.querySelectorAll('.msg img.media')].map((i) => i.naturalWidth)", vec![]).await;
        let widths: Vec<u64> = widths.as_array()?.iter().filter_map(Value::as_u64).collect();
        (widths.len() == 3 && widths.iter().all(|w| *w > 0)).then_some(widths)
    })
    .await;
    assert_eq!(loaded[0], 40, "the button's PNG as it was sent");
    page.element(".msg.customer a[href*='/uploads/']").await;
    page.screenshot("attachments-console").await;
    page.close().await;
    product.stop().await;
}

#[tokio::test]
async fn files_that_cannot_go_are_refused_in_the_visitors_language_before_any_upload() {
    let product = start_product().await;
    let agent = Agent::new(&product);
    let page = Browser::start().await;
    for (lang, name, too_large, not_accepted) in [
        ("pt-BR", "Lia", "grande.pdf é grande demais: os arquivos podem ter até 10 MB.", "programa.exe não pode ser enviado"),
        ("es", "Lola", "grande.pdf es demasiado grande: los archivos pueden tener hasta 10 MB.", "programa.exe no se puede enviar"),
        ("en", "Liz", "grande.pdf is too large: files can have up to 10 MB.", "programa.exe cannot be sent"),
    ] {
        page.open_widget(&format!("{}?lang={lang}", demo_page(&product, "/"))).await;
        page.start_chat(name).await;
        let hash = agent.interaction_of(name, &[]).await;
        page.element("#zc-input:not([disabled])").await;
        let files = on_disk(lang, &[("grande.pdf", pdf(10 * 1024 * 1024 + 1)), ("programa.exe", b"MZ\x90\0".to_vec()), ("ok.pdf", pdf(1_000))]);
        let paths: Vec<String> = files.iter().map(|path| path.display().to_string()).collect();
        page.client.find(Locator::Css(".zc-attach input[type=file]")).await.unwrap().send_keys(&paths.join("\n")).await.unwrap();
        let alert = page.element(".zc-refusals[role=alert]").await.text().await.unwrap();
        assert_eq!(axe_violations(&page.client).await, Vec::<Value>::new(), "{lang}: refusals are accessible");
        assert!(alert.contains(too_large) && alert.contains(not_accepted), "{lang}: {alert}");
        // Only the good one waits to go; nothing was uploaded.
        assert_eq!(page.texts(".zc-tray-item .zc-file-name").await, ["ok.pdf"]);
        let metrics = reqwest::get(product.metrics_url.clone().unwrap()).await.unwrap().text().await.unwrap();
        assert!(!metrics.contains("relay_uploads_total"), "no upload started: {metrics}");
        // Gone from the tray by its labelled button, by keyboard.
        let remove = page.element(".zc-tray-item button[aria-label]").await;
        remove.send_keys("\u{e007}").await.unwrap();
        until("the tray to empty", || async { page.client.find(Locator::Css(".zc-tray")).await.is_err().then_some(()) }).await;
        agent.act(&hash, "finish", json!({})).await;
        page.element(".zc-new").await.click().await.unwrap();
        page.client.enter_parent_frame().await.unwrap();
    }
    page.close().await;
    product.stop().await;
}

#[tokio::test]
async fn an_upload_shows_its_progress_and_one_dropped_halfway_is_sent_once() {
    // The browser reaches the relay through a line the test can cut (the relay's public URL).
    let (line, listener) = CuttableLine::open().await;
    let mut config = Config::for_tests(widget_dist());
    config.public_url = Some(line.url.clone());
    let product = launch(config).await.expect("the product starts");
    line.to(listener, product.relay_address);
    let agent = Agent::new(&product);
    let page = Browser::start().await;
    // The frame page on its own (its network is the page's, for the emulated slow line).
    page.client.goto(&format!("{}/widget/?department=1", line.url)).await.unwrap();
    page.start_chat("Lenta Lu").await;
    let hash = agent.interaction_of("Lenta Lu", &[]).await;
    page.element("#zc-input:not([disabled])").await;
    // A phone's slow upload: 400 KB/s.
    page.emulate_network(false, 400_000.0).await;
    let files = on_disk("slow", &[("contrato.pdf", pdf(2_000_000))]);
    page.client.find(Locator::Css(".zc-attach input[type=file]")).await.unwrap().send_keys(&files[0].display().to_string()).await.unwrap();
    page.element(".zc-composer button[type=submit]").await.click().await.unwrap();
    // The progress bar moves, with its percent said.
    let part = until("the upload under way", || async {
        let bar = page.client.find(Locator::Css(".zc-uploading progress")).await.ok()?;
        let value: u64 = bar.attr("value").await.ok()??.parse().ok()?;
        (10..90).contains(&value).then_some(value)
    })
    .await;
    let said = page.element(".zc-uploading").await.text().await.unwrap();
    assert!(said.contains("Uploading…") && said.contains('%'), "{said}");
    page.screenshot("attachments-progress").await;
    // The line drops halfway, again while the upload still moves on (Chromium itself resends a
    // request once when a connection it reused drops), until the upload starts over: by then the
    // widget has retried with the same key, and it keeps doing so until the line holds.
    let value = || async {
        let bar = page.client.find(Locator::Css(".zc-uploading progress")).await.ok()?;
        bar.attr("value").await.ok()??.parse::<u64>().ok()
    };
    let (last, cuts) = (std::cell::Cell::new(part), std::cell::Cell::new(0));
    let restarted = until("the dropped upload to start over", || async {
        if cuts.get() < 6 {
            line.cut();
            cuts.set(cuts.get() + 1);
        }
        let now = value().await?;
        let started_over = now < last.get();
        last.set(now);
        started_over.then_some(cuts.get())
    })
    .await;
    assert!(restarted >= 1);
    page.emulate_network(false, -1.0).await;
    page.element_with_text(".zc-visitor[data-delivery=sent] .zc-text", "contrato.pdf").await;
    let view = agent.wait_view(&hash, "the file at the agent", |view| !media(view).is_empty()).await;
    assert_eq!(media(&view).len(), 1, "sent once: {view}");
    let metrics = reqwest::get(product.metrics_url.clone().unwrap()).await.unwrap().text().await.unwrap();
    assert!(metrics.contains("relay_uploads_total{outcome=\"stored\",kind=\"file\"} 1"), "stored once: {metrics}");
    assert!(metrics.contains("relay_uploads_total{outcome=\"cut_off\",kind=\"unknown\"}"), "really cut mid-upload: {metrics}");
    page.close().await;
    product.stop().await;
}
