//! The loader, the frame page and the widget's files: types, caching, compression, security headers.

use std::path::PathBuf;

use serde_json::json;
use zchat_relay::launch::{launch, Running};
use zchat_relay::Config;

use crate::support::Product;

/// A widget build as Trunk lays it out: the frame page with its inline module script, and hashed
/// files with their precompressed copies.
fn widget_build() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("zchat-widget-build-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("index.html"),
        "<!doctype html><html><head><script type=\"module\">import init from '/widget/app-1a2b.js';await init();</script></head><body></body></html>",
    )
    .unwrap();
    std::fs::write(dir.join("app-1a2b_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
    std::fs::write(dir.join("app-1a2b_bg.wasm.br"), b"brotli bytes").unwrap();
    std::fs::write(dir.join("app-1a2b.js"), "export default function init() {}").unwrap();
    std::fs::write(dir.join("widget.js"), "!function(){/*loader*/}();").unwrap();
    std::fs::write(dir.join("widget.js.br"), b"brotli loader").unwrap();
    dir
}

async fn start(widget_dir: PathBuf, allowed: &[&str]) -> Running {
    let mut options = Config::for_tests(widget_dir);
    options.allowed_origins = allowed.iter().map(|o| o.to_string()).collect();
    launch(options).await.unwrap()
}

#[tokio::test]
async fn the_frame_page_has_a_strict_policy_and_is_never_cached() {
    let running = start(widget_build(), &["https://shop.example.com", "https://www.example.org"]).await;
    let answer = reqwest::get(format!("{}/widget/", running.relay_url)).await.unwrap();
    assert_eq!(answer.status(), 200);
    let headers = answer.headers().clone();
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors https://shop.example.com https://www.example.org"), "{csp}");
    assert!(csp.contains("default-src 'none'") && csp.contains("'wasm-unsafe-eval'") && csp.contains("connect-src 'self'"), "{csp}");
    assert!(csp.contains("'sha256-"), "the inline loader script is allowed by its hash: {csp}");
    assert!(!csp.contains("'unsafe-inline'"), "{csp}");
    assert_eq!(headers["cache-control"], "no-cache");
    assert_eq!(headers["referrer-policy"], "no-referrer");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert!(answer.text().await.unwrap().contains("await init()"));
    running.stop().await;
}

#[tokio::test]
async fn hashed_files_are_immutable_typed_and_precompressed() {
    let running = start(widget_build(), &[]).await;
    let http = reqwest::Client::new();
    let wasm = http.get(format!("{}/widget/app-1a2b_bg.wasm", running.relay_url)).header("accept-encoding", "br, gzip").send().await.unwrap();
    assert_eq!(wasm.status(), 200);
    assert_eq!(wasm.headers()["content-type"], "application/wasm");
    assert_eq!(wasm.headers()["content-encoding"], "br");
    assert_eq!(wasm.headers()["cache-control"], "public, max-age=31536000, immutable");
    assert_eq!(wasm.bytes().await.unwrap().as_ref(), b"brotli bytes");
    let plain = http.get(format!("{}/widget/app-1a2b_bg.wasm", running.relay_url)).send().await.unwrap();
    assert!(plain.headers().get("content-encoding").is_none());
    assert_eq!(plain.bytes().await.unwrap().as_ref(), b"\0asm\x01\0\0\0");

    let loader = http.get(format!("{}/widget.js", running.relay_url)).header("accept-encoding", "br").send().await.unwrap();
    assert_eq!(loader.headers()["content-type"], "text/javascript; charset=utf-8");
    assert_eq!(loader.headers()["cache-control"], "public, max-age=300", "not immutable: it has no hash");
    assert_eq!(loader.headers()["content-encoding"], "br");
    assert_eq!(loader.bytes().await.unwrap().as_ref(), b"brotli loader");
    let hashed_path = http.get(format!("{}/widget/widget.js", running.relay_url)).send().await.unwrap();
    assert_eq!(hashed_path.status(), 404, "the loader is only at /widget.js, with its own caching");
    let any = http.get(format!("{}/widget/", running.relay_url)).send().await.unwrap();
    assert!(any.headers()["content-security-policy"].to_str().unwrap().ends_with("frame-ancestors *"));
    let missing = http.get(format!("{}/widget/nope.js", running.relay_url)).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    running.stop().await;
}

#[tokio::test]
async fn an_unbuilt_widget_says_so() {
    let running = start(std::env::temp_dir().join("zchat-no-such-build"), &[]).await;
    for path in ["/widget/", "/widget.js"] {
        let answer = reqwest::get(format!("{}{path}", running.relay_url)).await.unwrap();
        assert_eq!(answer.status(), 503, "{path}");
        let body: serde_json::Value = answer.json().await.unwrap();
        assert!(body["message"].as_str().unwrap().contains("build-widget"), "{path}");
    }
    running.stop().await;
}

#[tokio::test]
async fn the_demo_site_is_another_origin_and_its_hostile_page_has_a_strict_policy() {
    let running = start(widget_build(), &[]).await;
    let demo = running.demo_url.clone().expect("tests run the demo site");
    assert!(demo.starts_with("http://localhost:"), "another site than the relay's 127.0.0.1: {demo}");
    // `localhost` may resolve to ::1 first; the demo site listens on 127.0.0.1.
    let local = demo.replace("localhost", "127.0.0.1");
    let friendly = reqwest::get(format!("{local}/")).await.unwrap().text().await.unwrap();
    let snippet = format!("<script src=\"{}/widget.js\" data-department=\"1\"", running.relay_url);
    assert!(friendly.contains(&snippet), "the README's snippet, with the relay's address: {friendly}");
    let hostile = reqwest::get(format!("{local}/hostile")).await.unwrap();
    let csp = hostile.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert!(!csp.contains("unsafe-inline") && !csp.contains("wasm-unsafe-eval"), "{csp}");
    assert!(csp.contains(&format!("frame-src {}", running.relay_url)), "{csp}");
    assert!(hostile.text().await.unwrap().contains("/hostile.css"));
    for (path, kind) in [("/hostile.css", "text/css; charset=utf-8"), ("/demo.js", "text/javascript; charset=utf-8")] {
        let answer = reqwest::get(format!("{local}{path}")).await.unwrap();
        assert_eq!(answer.headers()["content-type"], kind, "{path}");
    }
    running.stop().await;
}

#[tokio::test]
async fn the_account_token_appears_in_no_answer_event_or_served_file() {
    // A widget build of the test's own, so that the files really are served.
    let widget = crate::support::fixture_widget();
    let product = Product::on(crate::support::Log::Memory, |options| options.widget_dir = widget.clone()).await;
    let token = zchat_sandbox::DEFAULT_TOKEN;
    let mut seen = String::new();
    for path in ["/widget.js", "/widget/", "/widget/index.html", "/widget/app-1a2b.js", "/widget/snippets/s/inline0.js", "/healthz"] {
        let answer = product.http.get(product.relay(path)).send().await.unwrap();
        assert_eq!(answer.status(), 200, "{path} is served");
        seen.push_str(&answer.text().await.unwrap());
    }
    let create = product.http.post(product.relay("/core/api/v1/interactions")).json(&json!({"department_id": 1})).send().await.unwrap();
    let body = create.text().await.unwrap();
    seen.push_str(&body);
    let created: serde_json::Value = serde_json::from_str(&body).unwrap();
    let hash = created["data"]["interaction_hash"].as_str().unwrap().to_string();
    let session = created["data"]["session"].as_str().unwrap().to_string();
    let mut stream = product.stream(&hash, &session, None).await;
    let sent = product
        .http
        .post(product.relay(&format!("/core/api/v1/interactions/{hash}/messages")))
        .json(&json!({"token": session, "content": "hi"}))
        .send()
        .await
        .unwrap();
    seen.push_str(&sent.text().await.unwrap());
    product.agent(&hash, "accept", json!({})).await;
    for _ in 0..3 {
        seen.push_str(&stream.next().await.data);
    }
    for suffix in ["/typing", "/cleared", "/finish"] {
        let answer = product
            .http
            .put(product.relay(&format!("/core/api/v1/interactions/{hash}{suffix}")))
            .json(&json!({"token": session}))
            .send()
            .await
            .unwrap();
        seen.push_str(&answer.text().await.unwrap());
    }
    let refused =
        product.http.put(product.relay(&format!("/core/api/v1/interactions/{hash}/typing"))).json(&json!({"token": session})).send().await.unwrap();
    assert_eq!(refused.status(), 422, "zChat's refusal of a finished interaction");
    seen.push_str(&refused.text().await.unwrap());
    assert!(seen.len() > 500, "something was read: {seen}");
    assert!(!seen.contains(token), "the account token leaked to a browser");
    product.running.stop().await;
}
