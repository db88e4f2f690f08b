//! The widget's budgets on a host page, measured in real headless Chromium against the release
//! build; this test fails when one is exceeded, and prints the figures (`scripts/budgets.sh` runs
//! it to report them; BENCHMARKS.md keeps them):
//! - the loader's bytes over the wire: 2.5 KB brotli at most (this turn's budget);
//! - a first open of the widget, everything the frame transfers (its page, JS, wasm, CSS): the
//!   goal is 90 KB brotli, and it is NOT met yet (about 125 KB: BENCHMARKS.md says why and what it
//!   would take). Until it is, this test holds the first open under this turn's budget, 128 KB,
//!   and every feature says in BENCHMARKS.md what it costs; the report prints both;
//! - long tasks (> 50 ms) on the host page's main thread from load until the visitor acts: none
//!   (asserted at full speed with the frame preloaded); measured with the relay on another site
//!   (`localhost` page, `127.0.0.1` relay) and on the page's own site (`127.0.0.1` both: Chromium
//!   may then run the frame in the page's process), each at full speed and with the CPU throttled
//!   4× (Lighthouse's phone), and for a page that opens the chat at once through the JS API, beside
//!   the page's own baseline without the widget (issue 18: reported until met);
//! - the time from a click on the launcher to a form ready for typing, with the frame preloaded
//!   when the browser was idle (under 100 ms at full speed, both sites), and cold
//!   (`data-preload="intent"`, reported).
//!
//! Bytes are counted as the relay sends them: the browser names the files it fetched (Resource
//! Timing), and each is fetched again with `Accept-Encoding: br`, then `gzip`. Times are the
//! browser's own (see [`click_to_form`]).

use fantoccini::Client;
use serde_json::{json, Value};
use zchat_e2e::{demo_page, run_script, same_site_demo_page, start_product, wait_for, Browser};
use zchat_relay::launch::Running;

const LOADER_BROTLI_BUDGET: usize = 2560;
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
    run(
        &page.client,
        "window.clickedAt = null; document.addEventListener('pointerdown', \
        event => { window.clickedAt = performance.timeOrigin + event.timeStamp; }, {capture: true, once: true})",
    )
    .await;
    launcher.click().await.unwrap();
    page.enter_widget().await;
    let focused_at = run(
        &page.client,
        "return new Promise(done => (function check() { \
        const field = document.activeElement; \
        if (window.focusedAt) done(window.focusedAt); \
        else if (field && field.id === 'zc-name') done(performance.timeOrigin + performance.now()); \
        else requestAnimationFrame(check); })())",
    )
    .await;
    page.client.enter_parent_frame().await.unwrap();
    let clicked_at = run(&page.client, "return window.clickedAt").await;
    focused_at.as_f64().unwrap() - clicked_at.as_f64().expect("the click was seen")
}

/// Timings and long tasks are the machine's: the tests of this file run one at a time.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A deployment a host page meets the widget in.
struct Deployment {
    same_site: bool,
    /// How much slower the CPU runs (1: full speed; 4: a phone).
    cpu: f64,
}

impl Deployment {
    const ALL: [Deployment; 4] = [
        Deployment { same_site: false, cpu: 1.0 },
        Deployment { same_site: false, cpu: 4.0 },
        Deployment { same_site: true, cpu: 1.0 },
        Deployment { same_site: true, cpu: 4.0 },
    ];

    fn name(&self) -> String {
        format!("{}, CPU {}×", if self.same_site { "same site" } else { "cross-site" }, self.cpu)
    }
}

/// Loads the demo page in `deployment` (with `query`), waits until the frame is ready and the
/// browser idle, and gives the host page's long tasks and the page.
async fn host_page(product: &Running, deployment: &Deployment, query: &str) -> (Vec<Value>, Browser) {
    let page = Browser::start().await;
    if deployment.cpu > 1.0 {
        page.throttle_cpu(deployment.cpu).await;
    }
    let url = if deployment.same_site { same_site_demo_page(product, "/") } else { demo_page(product, "/") };
    page.client.goto(&format!("{url}{query}")).await.unwrap();
    let with_widget = !query.contains("widget=none");
    wait_for("the frame to be ready", || async {
        if !with_widget {
            return Some(());
        }
        let log = run(&page.client, "return [...document.querySelectorAll('#events li')].map(li => li.textContent)").await;
        log.as_array()?.iter().any(|line| line.as_str().is_some_and(|l| l.starts_with("ready"))).then_some(())
    })
    .await;
    // Until the browser is idle twice over: whatever the frame still does after `ready` is in.
    run(&page.client, "return new Promise(done => requestIdleCallback(() => requestIdleCallback(done, {timeout: 5000}), {timeout: 5000}))").await;
    let long_tasks = run(&page.client, "return window.zchatLongTasks").await;
    // `ZCHAT_LONG_FRAMES=1`: what ran in each long animation frame (scripts, style and layout).
    if std::env::var("ZCHAT_LONG_FRAMES").is_ok() {
        eprintln!("{} {query}: {}", deployment.name(), run(&page.client, "return window.zchatLongFrames").await);
    }
    (long_tasks.as_array().unwrap().clone(), page)
}

/// Issue 18, measured: the host page's long tasks in every deployment. What holds today is
/// asserted (none at full speed with the frame preloaded, on either site; a quick click to the
/// form); what does not yet (4× CPU, a page that opens the chat at once) is reported, with the
/// page's own baseline without the widget, until the work that removes it lands.
#[tokio::test]
async fn the_host_page_cost_in_every_deployment() {
    let _alone = ONE_AT_A_TIME.lock().await;
    let product = start_product().await;
    let mut report = vec!["host page cost (release build, headless Chromium): long tasks > 50 ms from load until the visitor acts (ms); click to a focused form, frame preloaded".to_string()];
    let mut failures = Vec::new();
    let durations = |tasks: &[Value]| tasks.iter().map(|t| t["duration"].as_i64().unwrap_or(0)).collect::<Vec<_>>();
    for deployment in &Deployment::ALL {
        let (baseline, page) = host_page(&product, deployment, "?widget=none").await;
        page.close().await;
        let (preloaded, page) = host_page(&product, deployment, "").await;
        let click = click_to_form(&page, true).await;
        page.close().await;
        let (opened, page) = host_page(&product, deployment, "?open=now").await;
        page.close().await;
        report.push(format!(
            "  {}: without the widget {:?}; preloaded when idle {:?}; page opening the chat at once {:?}; click to form {click:.0} ms",
            deployment.name(),
            durations(&baseline),
            durations(&preloaded),
            durations(&opened),
        ));
        if deployment.cpu == 1.0 && !preloaded.is_empty() {
            failures.push(format!("long tasks on the host page with the frame preloaded, {}", deployment.name()));
        }
        if deployment.cpu == 1.0 && click >= 100.0 {
            failures.push(format!("click to form {click:.0} ms, {}", deployment.name()));
        }
    }
    product.stop().await;
    println!("{}", report.join("\n"));
    assert!(failures.is_empty(), "{failures:?}:\n{}", report.join("\n"));
}

#[tokio::test]
async fn the_widget_keeps_its_budgets_on_a_host_page() {
    let _alone = ONE_AT_A_TIME.lock().await;
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
    let frame_tasks = run(
        &page.client,
        "return new Promise(done => { const seen = []; \
        new PerformanceObserver(list => seen.push(...list.getEntries())).observe({type: 'longtask', buffered: true}); \
        setTimeout(() => done(seen.map(task => Math.round(task.duration))), 200); })",
    )
    .await;
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
    assert_eq!(
        run(&page.client, "return document.querySelector('zchat-widget').shadowRoot.querySelector('iframe')").await,
        json!(null),
        "no frame before intent"
    );
    let cold = click_to_form(&page, false).await;
    report.push(format!(
        "click on the launcher to a focused form: {warm:.0} ms preloaded when idle, at most {cold:.0} ms cold (data-preload=intent, empty cache)"
    ));
    page.close().await;
    product.stop().await;

    println!("{}", report.join("\n"));
    assert!(loader_br <= LOADER_BROTLI_BUDGET, "the loader is over its budget:\n{}", report.join("\n"));
    assert!(first_open.0 <= FIRST_OPEN_BROTLI_CEILING, "the first open grew past its ceiling:\n{}", report.join("\n"));
    assert!(long_tasks.as_array().unwrap().is_empty(), "long tasks on the host page:\n{}", report.join("\n"));
}
