//! The widget's budgets on a host page, measured in real headless Chromium against the release
//! build; this test fails when one is exceeded, and prints the figures (`scripts/budgets.sh` runs
//! it to report them; BENCHMARKS.md keeps them):
//! - the loader's bytes over the wire: 2 KB brotli at most;
//! - a first open of the widget, everything the frame transfers (its page, JS, wasm, CSS): the
//!   goal is 90 KB brotli, and it is NOT met yet (about 125 KB: BENCHMARKS.md says why and what it
//!   would take). Until it is, this test holds the first open under this turn's budget, 128 KB,
//!   and every feature says in BENCHMARKS.md what it costs; the report prints both;
//! - long tasks (> 50 ms) on the host page's main thread from load until the visitor acts: none;
//! - the time from a click on the launcher to a form ready for typing (reported, no budget), with
//!   the frame preloaded when the browser was idle, and cold (`data-preload="intent"`).
//!
//! Bytes are counted as the relay sends them: the browser names the files it fetched (Resource
//! Timing), and each is fetched again with `Accept-Encoding: br`, then `gzip`. Times are the
//! browser's own (see [`click_to_form`]).

use fantoccini::Client;
use serde_json::{json, Value};
use zchat_e2e::{demo_page, run_script, start_product, wait_for, Browser};

const LOADER_BROTLI_BUDGET: usize = 2 * 1024;
const FIRST_OPEN_BROTLI_BUDGET: usize = 90 * 1024;
/// This turn's budget (DEVELOPERS.md): the first open may not grow past it while the 90 KB goal is
/// unmet; every feature's cost is written in BENCHMARKS.md.
const FIRST_OPEN_BROTLI_CEILING: usize = 128 * 1024;

/// The body's length as the relay sends it with `encoding` accepted.
async fn wire_bytes(http: &reqwest::Client, url: &str, encoding: &str) -> usize {
    let answer = http.get(url).header("accept-encoding", encoding).send().await.unwrap();
    assert!(answer.status().is_success(), "{url}: {}", answer.status());
    let sent = answer.headers().get("content-encoding").map(|v| v.to_str().unwrap().to_string());
    assert_eq!(sent.as_deref(), Some(encoding), "{url} is served {encoding}-compressed");
    answer.bytes().await.unwrap().len()
}

async fn run(client: &Client, script: &str) -> Value {
    run_script(client, script, vec![]).await
}

/// From a click on the launcher to the form's first field focused in the open frame, in ms, by
/// the browser's clocks (the page's and the frame's `performance.timeOrigin` share the system
/// clock): the click's time on the host page, and the focus's time in the frame. A preloaded frame
/// listens for the focus from before the click: exact. A frame the click creates is watched from
/// when the test gets into it, on every animation frame: an upper bound.
async fn click_to_form(page: &Browser, preloaded: bool) -> f64 {
    const WATCH: &str = "window.focusedAt = null; document.addEventListener('focusin', event => { \
        if (event.target.id === 'zc-name' && !window.focusedAt) window.focusedAt = performance.timeOrigin + event.timeStamp; });";
    if preloaded {
        page.enter_widget().await;
        run(&page.client, WATCH).await;
        page.client.enter_parent_frame().await.unwrap();
    }
    let launcher = page.widget_part("button").await;
    run(&page.client, "window.clickedAt = null; document.addEventListener('pointerdown', \
        event => { window.clickedAt = performance.timeOrigin + event.timeStamp; }, {capture: true, once: true})").await;
    launcher.click().await.unwrap();
    page.enter_widget().await;
    let focused_at = run(&page.client, "return new Promise(done => (function check() { \
        const field = document.activeElement; \
        if (window.focusedAt) done(window.focusedAt); \
        else if (field && field.id === 'zc-name') done(performance.timeOrigin + performance.now()); \
        else requestAnimationFrame(check); })())").await;
    page.client.enter_parent_frame().await.unwrap();
    let clicked_at = run(&page.client, "return window.clickedAt").await;
    focused_at.as_f64().unwrap() - clicked_at.as_f64().expect("the click was seen")
}

#[tokio::test]
async fn the_widget_keeps_its_budgets_on_a_host_page() {
    let product = start_product().await;
    let http = reqwest::Client::new();
    let mut report = vec!["widget budgets (release build, headless Chromium)".to_string()];

    // The loader.
    let loader = format!("{}/widget.js", product.relay_url);
    let (loader_br, loader_gz) = (wire_bytes(&http, &loader, "br").await, wire_bytes(&http, &loader, "gzip").await);
    report.push(format!("loader widget.js: {loader_br} B brotli, {loader_gz} B gzip (budget {LOADER_BROTLI_BUDGET} B brotli)"));

    // A first visit: the page loads, the browser goes idle (the frame is preloaded then), and
    // nothing has run long on the page's main thread before the visitor acts.
    let page = Browser::start().await;
    page.client.goto(&demo_page(&product, "/")).await.unwrap();
    wait_for("the frame to be ready", || async {
        let log = run(&page.client, "return [...document.querySelectorAll('#events li')].map(li => li.textContent)").await;
        log.as_array()?.iter().any(|line| line.as_str().is_some_and(|l| l.starts_with("ready"))).then_some(())
    })
    .await;
    let long_tasks = run(&page.client, "return window.zchatLongTasks").await;
    report.push(format!("long tasks on the host page before the visitor acts: {} {long_tasks}", long_tasks.as_array().unwrap().len()));
    let warm = click_to_form(&page, true).await;

    // What the frame transferred: its page and everything it loaded.
    page.enter_widget().await;
    let fetched = run(&page.client, "return [location.href, ...performance.getEntriesByType('resource').map(r => r.name)]").await;
    let transfer = run(&page.client, "return [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')].reduce((sum, r) => sum + r.transferSize, 0)").await;
    // Buffered entries come in the observer's first callback, if there are any.
    let frame_tasks = run(&page.client, "return new Promise(done => { const seen = []; \
        new PerformanceObserver(list => seen.push(...list.getEntries())).observe({type: 'longtask', buffered: true}); \
        setTimeout(() => done(seen.map(task => Math.round(task.duration))), 200); })").await;
    page.client.enter_parent_frame().await.unwrap();
    let mut first_open = (0, 0);
    for url in fetched.as_array().unwrap().iter().filter_map(Value::as_str) {
        // The event stream and API calls are the conversation, not the widget's files.
        if !url.contains("/widget/") {
            continue;
        }
        let (br, gz) = (wire_bytes(&http, url, "br").await, wire_bytes(&http, url, "gzip").await);
        let name = url.rsplit('/').next().filter(|n| !n.is_empty() && !n.starts_with('?')).unwrap_or("index.html");
        report.push(format!("  {name}: {br} B brotli, {gz} B gzip"));
        first_open = (first_open.0 + br, first_open.1 + gz);
    }
    report.push(format!(
        "first open: {} B brotli, {} B gzip (budget {FIRST_OPEN_BROTLI_BUDGET} B brotli: {}; ceiling {FIRST_OPEN_BROTLI_CEILING} B); Chromium's transferSize over http: {transfer} B",
        first_open.0,
        first_open.1,
        if first_open.0 <= FIRST_OPEN_BROTLI_BUDGET { "met" } else { "NOT met" }
    ));
    report.push(format!("long tasks in the widget's own frame (its own process, reported only): {frame_tasks}"));
    page.close().await;

    // Cold: a fresh browser, the chat loaded only on intent.
    let page = Browser::start().await;
    page.client.goto(&format!("{}?preload=intent", demo_page(&product, "/"))).await.unwrap();
    page.widget_part("button").await;
    assert_eq!(run(&page.client, "return document.querySelector('zchat-widget').shadowRoot.querySelector('iframe')").await, json!(null), "no frame before intent");
    let cold = click_to_form(&page, false).await;
    report.push(format!("click on the launcher to a focused form: {warm:.0} ms preloaded when idle, at most {cold:.0} ms cold (data-preload=intent, empty cache)"));
    page.close().await;
    product.stop().await;

    println!("{}", report.join("\n"));
    assert!(loader_br <= LOADER_BROTLI_BUDGET, "the loader is over its budget:\n{}", report.join("\n"));
    assert!(first_open.0 <= FIRST_OPEN_BROTLI_CEILING, "the first open grew past its ceiling:\n{}", report.join("\n"));
    assert!(long_tasks.as_array().unwrap().is_empty(), "long tasks on the host page:\n{}", report.join("\n"));
}
