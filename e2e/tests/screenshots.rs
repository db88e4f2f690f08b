//! The pictures of the widget that README shows (`docs/*.png`): `scripts/screenshots.sh` runs this
//! with `ZCHAT_PICTURES=docs`; the test command runs it into a scratch folder and checks what it
//! made (each a PNG of the size asked, of a few tens of KB), so that the script keeps working.
//! The pictures need not match earlier ones byte for byte.

use std::path::{Path, PathBuf};

use base64::Engine;
use serde_json::json;
use zchat_e2e::{demo_page, run_script as run, start_product, Agent, Browser};

/// Where the frame is on the host page, in CSS pixels: x, y, width, height.
const FRAME: &str = "const r = document.querySelector('zchat-widget').shadowRoot.querySelector('iframe').getBoundingClientRect(); \
    return [r.x, r.y, r.width, r.height, innerWidth, innerHeight]";

struct Pictures {
    folder: PathBuf,
    made: Vec<(PathBuf, u32, u32)>,
}

impl Pictures {
    /// The page's part from (x, y), `width` × `height` CSS pixels, drawn at `scale`.
    async fn take(&mut self, page: &Browser, name: &str, (x, y, width, height): (f64, f64, f64, f64), scale: f64) {
        let clip = json!({"x": x, "y": y, "width": width, "height": height, "scale": scale});
        let shot = page.devtools("Page.captureScreenshot", json!({"format": "png", "clip": clip, "captureBeyondViewport": false})).await;
        let png = base64::engine::general_purpose::STANDARD.decode(shot["data"].as_str().expect("a picture")).unwrap();
        let path = self.folder.join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap();
        self.made.push((path, (width * scale).round() as u32, (height * scale).round() as u32));
    }

    /// The open window with the launcher under it, and a margin of the page around them.
    async fn window(&mut self, page: &Browser, name: &str) {
        page.client.enter_parent_frame().await.unwrap();
        let frame: Vec<f64> = serde_json::from_value(run(&page.client, FRAME, vec![]).await).unwrap();
        let (x, y, width, _, view_width, view_height) = (frame[0], frame[1], frame[2], frame[3], frame[4], frame[5]);
        let left = (x - 24.0).max(0.0);
        let top = (y - 24.0).max(0.0);
        self.take(page, name, (left, top, (width + 48.0).min(view_width - left), view_height - top), 1.0).await;
        page.enter_widget().await;
    }
}

/// A PNG's width and height, from its header.
fn png_size(path: &Path) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "{} is a PNG", path.display());
    let number = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
    (number(16), number(20))
}

#[tokio::test]
async fn the_readmes_pictures_are_made() {
    let scratch = tempfile::Builder::new().prefix("zchat-pictures-").tempdir().unwrap();
    let folder = std::env::var_os("ZCHAT_PICTURES").map_or_else(|| scratch.path().to_path_buf(), PathBuf::from);
    std::fs::create_dir_all(&folder).unwrap();
    let mut pictures = Pictures { folder, made: Vec::new() };
    let product = start_product().await;
    let agent = Agent::new(&product);

    // The shop's page with the launcher; then the window with its form.
    let page = Browser::start_with(&["--window-size=1100,760".into()]).await;
    page.client.goto(&demo_page(&product, "/")).await.unwrap();
    page.widget_part("button").await;
    let size: Vec<f64> = serde_json::from_value(run(&page.client, "return [innerWidth, innerHeight]", vec![]).await).unwrap();
    pictures.take(&page, "launcher", (size[0] - 560.0, size[1] - 360.0, 560.0, 360.0), 1.0).await;
    page.open_widget(&demo_page(&product, "/")).await;
    page.element("#zc-name").await;
    pictures.window(&page, "form").await;

    // A conversation: the agent's picture and a file, grouped messages, the visitor's answer.
    page.start_chat("Marina Costa").await;
    let hash = agent.interaction_of("Marina Costa", &[]).await;
    agent.act(&hash, "accept", json!({"agent": {"id": 7, "name": "Bia"}})).await;
    page.send("Oi! O tênis azul tem no 38?").await;
    agent.act(&hash, "messages", json!({"content": "Oi, Marina! Tem sim, este aqui:"})).await;
    agent.act(&hash, "messages", json!({"content": "Tênis Corrida Azul", "type": "image", "url": demo_page(&product, "/product.svg")})).await;
    agent
        .act(&hash, "messages", json!({"content": "E a tabela de medidas:", "type": "file", "url": "https://loja.example/guia-de-tamanhos.pdf"}))
        .await;
    page.element(".zc-card").await;
    page.element_with_text(".zc-agent .zc-text", "Tênis Corrida Azul").await;
    let loaded = "return [...document.images].filter(i => i.src).every(i => i.complete && i.naturalWidth > 0)";
    zchat_testkit::until("the picture to load", || async { (run(&page.client, loaded, vec![]).await == true).then_some(()) }).await;
    // From the visitor's question: the agent's name and initial, the picture, the file.
    run(&page.client, "document.querySelector('.zc-visitor').scrollIntoView()", vec![]).await;
    pictures.window(&page, "conversation").await;

    // The end, and the rating.
    agent.act(&hash, "finish", json!({})).await;
    page.element(".zc-good").await;
    pictures.window(&page, "rating").await;
    page.close().await;

    // Dark, on the shop's own colour, someone in line.
    let page = Browser::start_with(&["--window-size=1100,760".into()]).await;
    page.open_widget(&demo_page(&product, "/?theme=dark&color=%230a7d55")).await;
    page.start_chat("Noite Nina").await;
    page.element(".zc-waiting").await;
    pictures.window(&page, "dark").await;
    page.close().await;

    // A phone: the window is the screen.
    let page = Browser::start().await;
    let phone = json!({"width": 390, "height": 780, "deviceScaleFactor": 1, "mobile": true});
    page.devtools("Emulation.setDeviceMetricsOverride", phone).await;
    page.open_widget(&demo_page(&product, "/")).await;
    page.start_chat("Celular Caio").await;
    let hash = agent.interaction_of("Celular Caio", &[]).await;
    agent.act(&hash, "accept", json!({"agent": {"id": 7, "name": "Bia"}})).await;
    agent.act(&hash, "messages", json!({"content": "Olá, Caio! Em que posso ajudar?"})).await;
    page.element_with_text(".zc-agent .zc-text", "Olá, Caio! Em que posso ajudar?").await;
    page.client.enter_parent_frame().await.unwrap();
    pictures.take(&page, "phone", (0.0, 0.0, 390.0, 780.0), 0.75).await;
    page.close().await;
    product.stop().await;

    for (path, width, height) in &pictures.made {
        assert_eq!(png_size(path), (*width, *height), "{}", path.display());
        let bytes = std::fs::metadata(path).unwrap().len();
        assert!((2_000..200_000).contains(&bytes), "{}: {bytes} bytes", path.display());
    }
    assert_eq!(pictures.made.len(), 6);
}
