//! The widget's budgets on a host page, measured in real headless Chromium against the release
//! build; this test fails when one is exceeded, and prints the figures (`scripts/budgets.sh` runs
//! it to report them; BENCHMARKS.md keeps them):
//! - the loader's bytes over the wire: 2.5 KB brotli at most (this turn's budget);
//! - a first open of the widget, everything the frame transfers (its page, JS, wasm, CSS) and the
//!   open chat's helpers the loader fetches with it: the
//!   goal is 90 KB brotli, and it is NOT met yet (about 117 KB on the nightly release build:
//!   BENCHMARKS.md says why and what it would take). Until it is, this test holds the first open
//!   under the budget of the day, 120 KiB since the design card's build (issue 32),
//!   and every feature says in BENCHMARKS.md what it costs; the report prints both;
//! - long tasks (> 50 ms) on the host page's main thread from the loader's arrival until the
//!   visitor acts: none with the default `data-preload` (the frame waits for the visitor to stir),
//!   with the relay on another site (`localhost` page, `127.0.0.1` relay) and on the page's own site
//!   (`127.0.0.1` both), each at full speed and with the CPU throttled 4× (Lighthouse's phone);
//!   none at full speed with a frame made before the visitor acts (`data-preload="idle"`, a page
//!   that opens the chat at once), whose 4× figures are reported beside the browser's own cost of
//!   an empty iframe of the relay's and the page's baseline without the widget (issue 18);
//! - the time from a click on the launcher to a form ready for typing, with the frame made before
//!   the click (after the visitor stirred, or preloaded when idle): under 100 ms at full speed,
//!   both sites; cold (`data-preload="intent"`, reported).
//!
//! Bytes are counted as the relay sends them: the browser names the files it fetched (Resource
//! Timing), and each is fetched again with `Accept-Encoding: br`, then `gzip`. Times are the
//! browser's own (see [`click_to_form`]).

use fantoccini::Client;
use serde_json::{json, Value};
use zchat_e2e::{demo_page, run_script, same_site_demo_page, start_product, until, Browser};
use zchat_relay::launch::Running;

const LOADER_BROTLI_BUDGET: usize = 2560;
const FIRST_OPEN_BROTLI_BUDGET: usize = 90 * 1024;
/// This turn's budget (DEVELOPERS.md): the first open may not grow past it while the 90 KB goal is
/// unmet; every feature's cost is written in BENCHMARKS.md.
const FIRST_OPEN_BROTLI_CEILING: usize = 120 * 1024;

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

/// The page's long tasks from `arrived` (ms), each with whether the widget's code ran in it: a
/// script of the loader's or the open chat's helpers (Long Animation Frames name every script a
/// frame ran, with its start) that started within the task. A long task in which only the page's
/// own work ran (its style and layout, late on a phone's CPU) is the page's, not the widget's.
const LONG_TASKS: &str = "window.zchatLongTasks.filter(task => task.start >= arrived).map(task => ({...task, widget: \
    window.zchatLongFrames.some(frame => frame.scripts.some(s => /^widget(-open-[0-9a-f]+)?\\.js$/.test(s.source) \
    && s.start >= task.start - 1 && s.start < task.start + task.duration))}))";

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

/// What the page is waiting for before the visitor acts.
enum Until {
    /// The frame's `ready` event (the frame was made before the visitor acted).
    Ready,
    /// The launcher, and on the relay's own site the wasm prefetched (the default: no frame).
    Launcher { prefetch: bool },
    /// The page's own load (the baseline).
    Load,
    /// The demo page's bare frame loaded (`?widget=none&frame=bare`).
    BareFrame,
}

impl Until {
    /// The condition, as JavaScript on the page.
    fn condition(&self) -> &'static str {
        match self {
            Until::Ready => "[...document.querySelectorAll('#events li')].some(li => li.textContent.startsWith('ready'))",
            Until::Launcher { prefetch: false } => "document.querySelector('zchat-widget')",
            Until::Launcher { prefetch: true } => {
                "document.querySelector('zchat-widget') && performance.getEntriesByType('resource').some(r => r.name.endsWith('.wasm') && r.responseEnd > 0)"
            }
            Until::Load => "true",
            Until::BareFrame => "document.querySelector('iframe[data-loaded]')",
        }
    }
}

/// Waits on the page itself until `condition` holds and the browser has been idle twice over
/// (whatever the widget still does is in), then gives the page's long tasks from the moment the
/// loader (or the baseline's stand-in) arrived: what ran before it is the page's own. One WebDriver
/// call: each call is a task on the page's main thread, which a 4× CPU can make long itself.
async fn settle(page: &Browser, condition: &str) -> Vec<Value> {
    let script = format!(
        "return new Promise((done, fail) => {{ const deadline = Date.now() + 20000; (function check() {{ \
         if ({condition}) requestIdleCallback(() => requestIdleCallback(done, {{timeout: 5000}}), {{timeout: 5000}}); \
         else if (Date.now() > deadline) fail(new Error('not met: {}')); else setTimeout(check, 100); }})(); }}) \
         .then(() => {{ const loader = performance.getEntriesByType('resource').find(r => /widget\\.js$/.test(r.name)); \
         const arrived = loader ? Math.floor(loader.responseEnd) : 0; \
         return {LONG_TASKS}; }})",
        condition.replace('\'', "\"")
    );
    let long_tasks = run(&page.client, &script).await;
    // `ZCHAT_LONG_FRAMES=1`: what ran in each long animation frame (scripts, style and layout).
    if std::env::var("ZCHAT_LONG_FRAMES").is_ok() {
        eprintln!("  long frames: {}", run(&page.client, "return window.zchatLongFrames").await);
        eprintln!("  long tasks: {long_tasks}");
    }
    long_tasks.as_array().unwrap().clone()
}

/// Loads the demo page in `deployment` (with `query`) until `until`, and gives the host page's
/// long tasks and the page. Timings on a shared 2-core machine are noisy, and noise only ever
/// makes a task longer: like a benchmark's minimum, this is the best of up to three loads (each
/// in a new browser), and the report shows every one.
async fn host_page(product: &Running, deployment: &Deployment, query: &str, until: Until) -> (Vec<Value>, Browser, Vec<Vec<String>>) {
    let mut runs = Vec::new();
    loop {
        let page = Browser::start().await;
        if deployment.cpu > 1.0 {
            page.throttle_cpu(deployment.cpu).await;
        }
        let url = if deployment.same_site { same_site_demo_page(product, "/") } else { demo_page(product, "/") };
        page.client.goto(&format!("{url}{query}")).await.unwrap();
        if std::env::var("ZCHAT_LONG_FRAMES").is_ok() {
            eprintln!("{} {query}:", deployment.name());
        }
        let long_tasks = settle(&page, until.condition()).await;
        runs.push(durations(&long_tasks));
        let widget = the_widget_s(&long_tasks);
        if widget.is_empty() || runs.len() == 3 {
            return (widget, page, runs);
        }
        page.close().await;
    }
}

/// Each task's duration in ms, with a `w` where the widget's code ran in it.
fn durations(tasks: &[Value]) -> Vec<String> {
    tasks.iter().map(|t| format!("{}{}", t["duration"].as_i64().unwrap_or(0), if t["widget"] == true { "w" } else { "" })).collect()
}

/// Of two loads' long tasks of the widget's, the fewer.
fn fewest(kept: Option<Vec<Value>>, tasks: Vec<Value>) -> Vec<Value> {
    match kept {
        Some(kept) if kept.len() <= tasks.len() => kept,
        _ => tasks,
    }
}

/// The long tasks in which the widget's code ran.
fn the_widget_s(tasks: &[Value]) -> Vec<Value> {
    tasks.iter().filter(|t| t["widget"] == true).cloned().collect()
}

/// Issue 18: the host page's long tasks in every deployment, from load until the visitor acts.
/// With the default `data-preload` (the frame's wasm prefetched when idle, on the relay's own
/// site; the frame made when the visitor stirs or shows intent) there are none, asserted in all
/// four deployments. A frame made before the visitor acts (`data-preload="idle"`, a page that
/// opens the chat at once) costs the page the browser's own tasks of making an iframe: asserted
/// to be short at full speed and reported at 4×, beside the same for an empty iframe of the
/// relay's. Click to form: under 100 ms at full speed with the frame made before the click
/// (after a stir, or preloaded), asserted.
#[tokio::test]
async fn the_host_page_cost_in_every_deployment() {
    let _alone = ONE_AT_A_TIME.lock().await;
    let product = start_product().await;
    let mut report = vec!["host page cost (release build, headless Chromium): long tasks > 50 ms from the loader's arrival until the visitor acts \
         (ms, each load of up to three until one has none); click to a focused form"
        .to_string()];
    let mut failures = Vec::new();
    for deployment in &Deployment::ALL {
        let (_, page, baseline) = host_page(&product, deployment, "?widget=none", Until::Load).await;
        page.close().await;
        // A click's time is the machine's too: a load whose click is over 100 ms is tried again,
        // up to three loads in new browsers (the best is kept, every one reported).
        let (mut default, mut default_runs, mut after_stir, mut stirred) = (None, Vec::new(), Vec::new(), Vec::new());
        while stirred.len() < 3 && stirred.iter().all(|click: &f64| *click >= 100.0) {
            let (tasks, page, runs) = host_page(&product, deployment, "", Until::Launcher { prefetch: deployment.same_site }).await;
            let frames = run(&page.client, "return document.querySelector('zchat-widget').shadowRoot.querySelectorAll('iframe').length").await;
            if frames != json!(0) {
                failures.push(format!("a frame before the visitor stirred with the default data-preload, {}", deployment.name()));
            }
            // On another site the browser's cache could not serve the frame: nothing is prefetched.
            let prefetched = run(&page.client, "return performance.getEntriesByType('resource').some(r => r.name.endsWith('.wasm'))").await;
            if prefetched != json!(deployment.same_site) {
                failures.push(format!("the wasm prefetched: {prefetched}, {}", deployment.name()));
            }
            // The visitor stirs (a click on the page's heading): the frame comes when the browser is
            // idle; its cost is after the visitor acted.
            run(&page.client, "window.zchatLongTasks.length = 0").await;
            page.client.find(fantoccini::Locator::Css("h1")).await.unwrap().click().await.unwrap();
            after_stir.push(durations(&settle(&page, Until::Ready.condition()).await));
            stirred.push(click_to_form(&page, true).await);
            page.close().await;
            // The best load's long tasks count (none of the widget's in any, usually).
            default = Some(fewest(default, tasks));
            default_runs.extend(runs);
        }
        let (mut preloaded, mut preloaded_runs, mut clicks) = (None, Vec::new(), Vec::new());
        while clicks.len() < 3 && clicks.iter().all(|click: &f64| *click >= 100.0) {
            let (tasks, page, runs) = host_page(&product, deployment, "?preload=idle", Until::Ready).await;
            clicks.push(click_to_form(&page, true).await);
            page.close().await;
            preloaded = Some(fewest(preloaded, tasks));
            preloaded_runs.extend(runs);
        }
        let best = |clicks: &[f64]| clicks.iter().copied().fold(f64::INFINITY, f64::min);
        let (stirred, click, stirred_all, clicks_all) = (best(&stirred), best(&clicks), stirred, clicks);
        let (default, preloaded) = (default.unwrap_or_default(), preloaded.unwrap_or_default());
        let (opened, page, opened_runs) = host_page(&product, deployment, "?open=now", Until::Ready).await;
        page.close().await;
        let (_, page, floor) = host_page(&product, deployment, "?widget=none&frame=bare", Until::BareFrame).await;
        page.close().await;
        report.push(format!(
            "  {}: without the widget {baseline:?}; default until the visitor acts (wasm prefetched{}, no frame) {default_runs:?}, \
             after the visitor stirred (the frame made when idle) {after_stir:?}; data-preload=idle {preloaded_runs:?}; \
             page opening the chat at once {opened_runs:?}; an empty iframe of the relay's {floor:?}; \
             click to form {stirred_all:.0?} ms (default, after a stir), {clicks_all:.0?} ms (data-preload=idle)",
            deployment.name(),
            if deployment.same_site { "" } else { ": no, another site" },
        ));
        if !default.is_empty() {
            failures.push(format!("long tasks on the host page with the default data-preload, {}", deployment.name()));
        }
        if deployment.cpu == 1.0 && !(preloaded.is_empty() && opened.is_empty()) {
            failures.push(format!("long tasks on the host page with the frame made before the visitor acts, {}", deployment.name()));
        }
        if deployment.cpu == 1.0 && (click >= 100.0 || stirred >= 100.0) {
            failures.push(format!("click to form {stirred:.0} / {click:.0} ms with the frame made before the click, {}", deployment.name()));
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

    // A first visit with `data-preload="idle"`: the page loads, the browser goes idle (the frame is
    // made then), and nothing has run long on the page's main thread before the visitor acts. The
    // best of up to three loads in new browsers, each printed (as the host page's cost test does:
    // a busy machine only adds time; the iframe's own tasks are the browser's).
    let (mut page, mut long_tasks, mut loads) = (None::<Browser>, Vec::new(), Vec::new());
    for _ in 0..3 {
        if let Some(done) = page.take() {
            done.close().await;
        }
        let fresh = Browser::start().await;
        fresh.client.goto(&format!("{}?preload=idle", demo_page(&product, "/"))).await.unwrap();
        until("the frame to be ready", || async {
            let log = run(&fresh.client, "return [...document.querySelectorAll('#events li')].map(li => li.textContent)").await;
            log.as_array()?.iter().any(|line| line.as_str().is_some_and(|l| l.starts_with("ready"))).then_some(())
        })
        .await;
        let tasks = run(&fresh.client, &format!("const arrived = 0; return {LONG_TASKS}")).await;
        let tasks = tasks.as_array().cloned().unwrap_or_default();
        loads.push(durations(&tasks));
        long_tasks = the_widget_s(&tasks);
        page = Some(fresh);
        if long_tasks.is_empty() {
            break;
        }
    }
    let page = page.expect("a load");
    report.push(format!("long tasks on the host page before the visitor acts (each load; w: the widget's code ran in it): {loads:?}"));
    let warm = click_to_form(&page, true).await;

    // What the host page fetched for the open chat (the loader's helpers), then what the frame
    // transferred: its page and everything it loaded.
    let helpers =
        run(&page.client, "return performance.getEntriesByType('resource').map(r => r.name).filter(n => n.includes('/widget/widget-open-'))").await;
    assert_eq!(helpers.as_array().map(Vec::len), Some(1), "the open chat's helpers, once: {helpers}");
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
    for url in fetched.as_array().unwrap().iter().chain(helpers.as_array().unwrap()).filter_map(Value::as_str) {
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
    assert!(long_tasks.is_empty(), "long tasks of the widget's on the host page:\n{}", report.join("\n"));
}
