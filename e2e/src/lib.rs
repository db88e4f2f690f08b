//! Support for the whole-journey tests: the product on free ports, a chromedriver with headless
//! Chromium, and waiting for conditions with a deadline (never a fixed sleep).

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use tokio::process::{Child, Command};
use zchat_relay::launch::{launch, Running};
use zchat_relay::Config;

/// How long any one condition may take (the same as [`until`]'s).
pub const DEADLINE: Duration = zchat_testkit::DEADLINE;

/// The Trunk build the relay serves: `ZCHAT_WIDGET_DIST`, or `dist/` at the workspace root.
pub fn widget_dist() -> PathBuf {
    let dist = std::env::var_os("ZCHAT_WIDGET_DIST").map(PathBuf::from).unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../dist"));
    assert!(dist.join("index.html").exists(), "no widget build in {}: run `scripts/build-widget.sh` first (scripts/test.sh does)", dist.display());
    dist
}

/// Relay + in-process sandbox on free ports, serving the widget build.
pub async fn start_product() -> Running {
    launch(Config::for_tests(widget_dist())).await.expect("the product starts")
}

/// A browser engine the journeys run in: Chromium (every journey), Firefox and WebKit (the
/// visitor's core journey, `tests/engines.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// Debian's Chromium, through chromedriver, headless.
    Chromium,
    /// Firefox ESR, through geckodriver, headless.
    Firefox,
    /// WebKitGTK's MiniBrowser (the engine of Safari), through WebKitWebDriver, on a virtual
    /// display of its own (`xvfb-run -a`).
    WebKit,
}

/// WebKitGTK's browser for automation (Debian's libwebkit2gtk-4.1-0).
const MINIBROWSER: &str = "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser";

impl Engine {
    /// The WebDriver server to start on `port`: its program and arguments.
    fn driver(self, port: u16) -> (String, Vec<String>) {
        match self {
            Engine::Chromium => (std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into()), vec![format!("--port={port}")]),
            Engine::Firefox => ("geckodriver".into(), vec!["--host".into(), "127.0.0.1".into(), "--port".into(), port.to_string()]),
            Engine::WebKit => {
                ("xvfb-run".into(), ["-a", "-s", "-screen 0 1280x1024x24", "WebKitWebDriver", &format!("--port={port}")].map(String::from).to_vec())
            }
        }
    }

    /// The session's capabilities: the browser, headless where it can be, its profile in `profile`.
    fn capabilities(self, profile: &std::path::Path, switches: &[String], prefs: Value) -> Value {
        match self {
            Engine::Chromium => {
                let mut args: Vec<String> = [
                    "--headless=new",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--no-first-run",
                    "--disable-sync",
                    "--window-size=1280,900",
                ]
                .map(String::from)
                .to_vec();
                args.push(format!("--user-data-dir={}", profile.display()));
                args.extend_from_slice(switches);
                json!({"goog:chromeOptions": {
                    "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
                    "args": args,
                    "prefs": prefs
                }})
            }
            Engine::Firefox => {
                // The profile is ours (removed with the browser), so its preferences go in its
                // user.js: geckodriver writes `prefs` only into a profile of its own.
                let mut lines = String::from("user_pref(\"browser.shell.checkDefaultBrowser\", false);\n");
                for (name, value) in prefs.as_object().into_iter().flatten() {
                    lines.push_str(&format!("user_pref({}, {value});\n", Value::String(name.clone())));
                }
                // Firefox's window is at least 500 pixels wide by its own style sheet; a phone's
                // is narrower (the profile's userChrome.css lets it be).
                lines.push_str("user_pref(\"toolkit.legacyUserProfileCustomizations.stylesheets\", true);\n");
                std::fs::create_dir_all(profile.join("chrome")).expect("the profile's chrome folder");
                std::fs::write(profile.join("chrome/userChrome.css"), ":root { min-width: 0 !important; min-height: 0 !important; }\n")
                    .expect("the profile's window style");
                std::fs::write(profile.join("user.js"), lines).expect("the profile's preferences");
                json!({"browserName": "firefox", "moz:firefoxOptions": {
                    "binary": std::env::var("FIREFOX").unwrap_or_else(|_| "/usr/bin/firefox-esr".into()),
                    "args": ["-headless", "-profile", profile.display().to_string()]
                }})
            }
            Engine::WebKit => json!({"browserName": "MiniBrowser", "webkitgtk:browserOptions": {
                "binary": MINIBROWSER,
                "args": ["--automation"]
            }}),
        }
    }
}

/// A WebDriver server and a session in one of the [`Engine`]s. Dropping it kills the driver (and
/// with it the browser) even when a test fails.
pub struct Browser {
    pub client: Client,
    /// The WebDriver's address (chromedriver's relays Chrome DevTools commands).
    driver: String,
    pub engine: Engine,
    _driver: Child,
    /// The browser's profile: its own folder, removed when the browser is dropped (after
    /// [`Drop`] has killed it: a killed Chromium leaves its profile behind, 2 MB to 30 MB each).
    _profile: tempfile::TempDir,
}

impl Browser {
    pub async fn start() -> Browser {
        Browser::start_with(&[]).await
    }

    /// The same, with more of Chromium's command-line switches.
    pub async fn start_with(switches: &[String]) -> Browser {
        Browser::start_configured(switches, json!({})).await
    }

    /// A browser whose visitor does not let `origin` (the relay's) keep data: Chromium's "not
    /// allowed to save data" for that site, as a visitor sets it or a policy does
    /// (`CookiesBlockedForUrls`). A frame of `origin`'s is refused its local storage and Web
    /// Locks there, as Firefox refuses them when it rejects third-party cookies. (Blocking
    /// third-party cookies, `profile.cookie_controls_mode: 1`, and `--incognito` leave this
    /// Chromium's frames their storage, partitioned by the top site's: README, "Privacy".)
    pub async fn start_refusing_storage_to(origin: &str) -> Browser {
        let refused = json!({ format!("{origin},*"): {"setting": 2} });
        Browser::start_configured(&[], json!({"profile.content_settings.exceptions.cookies": refused})).await
    }

    /// A private window that blocks third-party cookies (`--incognito`, and
    /// `profile.cookie_controls_mode: 1`, "block third-party cookies" everywhere).
    pub async fn start_blocking_third_party_cookies() -> Browser {
        Browser::start_configured(&["--incognito".to_string()], json!({"profile.cookie_controls_mode": 1})).await
    }

    async fn start_configured(switches: &[String], prefs: Value) -> Browser {
        Browser::start_engine_configured(Engine::Chromium, None, switches, prefs).await
    }

    /// `engine`, its browser started with `LANG=lang` (its language: WebKit's `navigator.language`
    /// is the process's, and `C.UTF-8` gives the tag `C`), in a desktop's window or a phone's
    /// (`phone`: 390 × 844; WebKit's window is at least 447 wide, still a phone's width for the
    /// widget, which takes up to 480).
    pub async fn start_engine(engine: Engine, lang: &str, phone: bool) -> Browser {
        let browser = Browser::start_engine_configured(engine, Some(lang), &[], json!({})).await;
        if phone {
            browser.client.set_window_size(390, 844).await.expect("a phone's window");
        }
        browser
    }

    async fn start_engine_configured(engine: Engine, lang: Option<&str>, switches: &[String], prefs: Value) -> Browser {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let (program, args) = engine.driver(port);
        let mut command = Command::new(&program);
        command.args(&args);
        if let Some(lang) = lang {
            command.env("LANG", lang).env_remove("LC_ALL").env_remove("LC_MESSAGES").env_remove("LANGUAGE");
        }
        let driver = command
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // Its own process group, which its browsers join: dropped, the whole group goes.
            .process_group(0)
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {program}: {e} (scripts/setup.sh installs it)"));
        let url = format!("http://127.0.0.1:{port}");
        let status = reqwest::Client::new();
        until(&format!("{program} to be ready"), || async {
            let ready = status.get(format!("{url}/status")).send().await.ok()?.json::<Value>().await.ok()?;
            ready["value"]["ready"].as_bool().filter(|ready| *ready)
        })
        .await;
        let profile = tempfile::Builder::new().prefix("zchat-e2e-browser-").tempdir().expect("a folder for the browser's profile");
        let capabilities = engine.capabilities(profile.path(), switches, prefs);
        let client =
            ClientBuilder::native().capabilities(capabilities.as_object().unwrap().clone()).connect(&url).await.expect("a WebDriver session");
        if engine != Engine::Chromium {
            client.set_window_size(1280, 900).await.expect("the window's size");
        }
        Browser { client, driver: url, engine, _driver: driver, _profile: profile }
    }

    /// Slows the page's CPU by `rate` (4: Lighthouse's phone), as Chrome DevTools does
    /// (`Emulation.setCPUThrottlingRate`, through chromedriver).
    pub async fn throttle_cpu(&self, rate: f64) {
        self.devtools("Emulation.setCPUThrottlingRate", json!({"rate": rate})).await;
    }

    /// The page's network as a phone's may be: `offline`, or sending at most `upload` bytes a
    /// second (`-1`: no limit), as Chrome DevTools emulates it.
    pub async fn emulate_network(&self, offline: bool, upload: f64) {
        let conditions = json!({"offline": offline, "latency": 0, "downloadThroughput": -1, "uploadThroughput": upload});
        self.devtools("Network.enable", json!({})).await;
        self.devtools("Network.emulateNetworkConditions", conditions).await;
    }

    /// Files the page downloads go to `folder`.
    pub async fn download_to(&self, folder: &std::path::Path) {
        self.devtools("Browser.setDownloadBehavior", json!({"behavior": "allow", "downloadPath": folder})).await;
    }

    /// A Chrome DevTools command, through chromedriver.
    /// The browser's notifications permission for `origin`: `granted`, `denied` or `prompt`
    /// (as the visitor would have answered; Chromium's own setting).
    pub async fn allow_notifications(&self, origin: &str, setting: &str) {
        self.devtools("Browser.setPermission", json!({"permission": {"name": "notifications"}, "setting": setting, "origin": origin})).await;
    }

    /// A Chrome DevTools command on the page's target (through chromedriver), and its answer.
    pub async fn devtools(&self, command: &str, params: Value) -> Value {
        let session = self.client.session_id().await.unwrap().expect("a WebDriver session");
        let answer = reqwest::Client::new()
            .post(format!("{}/session/{session}/goog/cdp/execute", self.driver))
            .json(&json!({"cmd": command, "params": params}))
            .send()
            .await
            .unwrap();
        assert!(answer.status().is_success(), "{command}: {}", answer.text().await.unwrap());
        answer.json::<Value>().await.unwrap()["value"].take()
    }

    /// Waits until an element matching `css` exists, and returns it.
    pub async fn element(&self, css: &str) -> fantoccini::elements::Element {
        self.client.wait().at_most(DEADLINE).for_element(Locator::Css(css)).await.unwrap_or_else(|e| panic!("no {css} within {DEADLINE:?}: {e}"))
    }

    /// Waits until some element matching `css` has exactly `text`, and returns it.
    pub async fn element_with_text(&self, css: &str, text: &str) -> fantoccini::elements::Element {
        until(&format!("{css} with text {text:?}"), || async {
            for element in self.client.find_all(Locator::Css(css)).await.ok()? {
                if element.text().await.ok()?.trim() == text {
                    return Some(element);
                }
            }
            None
        })
        .await
    }

    /// The texts of every element matching `css` now, in document order.
    pub async fn texts(&self, css: &str) -> Vec<String> {
        let mut texts = Vec::new();
        for element in self.client.find_all(Locator::Css(css)).await.unwrap() {
            texts.push(element.text().await.unwrap());
        }
        texts
    }

    /// Saves a PNG of the page as `NAME.png` in `ZCHAT_E2E_SCREENSHOTS`, when that is set: for a
    /// person to look at what the journey saw. Does nothing otherwise.
    pub async fn screenshot(&self, name: &str) {
        if let Some(dir) = std::env::var_os("ZCHAT_E2E_SCREENSHOTS") {
            let png = self.client.screenshot().await.expect("a screenshot");
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(PathBuf::from(dir).join(format!("{name}.png")), png).unwrap();
        }
    }

    pub async fn close(self) {
        let _ = self.client.clone().close().await;
    }
}

/// A test that fails drops its browser without closing it: chromedriver and the Chromium it
/// started go together (killing chromedriver alone left its browsers running, and their pages'
/// timers and streams then weighed on every later test and measurement).
impl Drop for Browser {
    fn drop(&mut self) {
        if let Some(pid) = self._driver.id().and_then(|pid| i32::try_from(pid).ok()) {
            // SAFETY: a signal to a process group this test made; no memory is involved.
            unsafe { libc::kill(-pid, libc::SIGKILL) };
        }
    }
}

/// Runs `script` (with `args` as its `arguments`) in the page or frame the session is in, and
/// returns its value (a returned promise is awaited); a script that throws fails the test.
pub async fn run_script(client: &Client, script: &str, args: Vec<Value>) -> Value {
    client.execute(script, args).await.unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
}

pub use zchat_testkit::{until, until_explained};

/// The sandbox's agent side, as a test plays it.
pub struct Agent {
    pub sandbox: String,
    pub http: reqwest::Client,
}

impl Agent {
    pub fn new(product: &Running) -> Agent {
        Agent { sandbox: product.sandbox_url.clone().expect("the in-process sandbox"), http: reqwest::Client::new() }
    }

    /// Waits for the interaction of the visitor named `name` (the newest one); returns its hash.
    pub async fn interaction_of(&self, name: &str, not: &[&str]) -> String {
        until(&format!("{name}'s interaction in the sandbox"), || async {
            let list: Value = self.http.get(format!("{}/agent/interactions", self.sandbox)).send().await.ok()?.json().await.ok()?;
            let found = list.as_array()?.iter().find(|i| i["customer"]["name"] == name && !not.contains(&i["hash"].as_str().unwrap_or("")))?;
            found["hash"].as_str().map(str::to_string)
        })
        .await
    }

    /// An agent action (`accept`, `messages`, `finish`) that must succeed.
    pub async fn act(&self, hash: &str, action: &str, body: Value) {
        let answer = self.http.post(format!("{}/agent/interactions/{hash}/{action}", self.sandbox)).json(&body).send().await.unwrap();
        assert!(answer.status().is_success(), "agent {action}: {}", answer.status());
    }

    /// The interaction as the agent sees it.
    pub async fn view(&self, hash: &str) -> Value {
        self.http.get(format!("{}/agent/interactions/{hash}", self.sandbox)).send().await.unwrap().json().await.unwrap()
    }

    /// Waits until the agent's view of `hash` satisfies `check`.
    pub async fn wait_view(&self, hash: &str, what: &str, check: impl Fn(&Value) -> bool) -> Value {
        until(what, || async {
            let view = self.view(hash).await;
            check(&view).then_some(view)
        })
        .await
    }
}

/// The journeys' common opening: the product, its agent, and a browser on the demo page whose
/// visitor `name` started a conversation that the agent accepted (the visitor sees it).
pub struct Chatting {
    pub product: Running,
    pub agent: Agent,
    pub page: Browser,
    /// The conversation's interaction.
    pub hash: String,
}

pub async fn chatting(name: &str) -> Chatting {
    chatting_where(name, Storage::Frame).await
}

/// Where the visitor's browser lets the widget keep the conversation between pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Storage {
    /// The frame's own storage (most browsers: partitioned by the top site's).
    Frame,
    /// Not the frame's: the visitor refuses the relay's site any storage
    /// ([`Browser::start_refusing_storage_to`]), and the host page keeps it.
    Refused,
}

impl Storage {
    /// A browser that treats the relay's frame so.
    pub async fn browser(self, product: &Running) -> Browser {
        match self {
            Storage::Frame => Browser::start().await,
            Storage::Refused => Browser::start_refusing_storage_to(&product.relay_url).await,
        }
    }
}

/// The widget's keys (`zchat:…`) in the local storage of the page or frame the session is in.
pub async fn stored_keys(page: &Browser) -> Vec<String> {
    let keys = run_script(&page.client, "return Object.keys(localStorage).filter(k => k.startsWith('zchat:'))", vec![]).await;
    serde_json::from_value(keys).unwrap()
}

/// [`chatting`], in a browser that keeps the conversation as `storage` says.
pub async fn chatting_where(name: &str, storage: Storage) -> Chatting {
    let product = start_product().await;
    let agent = Agent::new(&product);
    let page = storage.browser(&product).await;
    page.open_widget(&demo_page(&product, "/")).await;
    page.start_chat(name).await;
    let hash = agent.interaction_of(name, &[]).await;
    agent.act(&hash, "accept", json!({})).await;
    page.element_with_text(".zc-system", "An agent joined the conversation.").await;
    Chatting { product, agent, page, hash }
}

/// The demo host site's page at `path` (`/`, `/hostile`): another site than the relay's.
pub fn demo_page(product: &Running, path: &str) -> String {
    format!("{}{path}", product.demo_url.as_deref().expect("the demo site runs in tests"))
}

/// The demo host site's origin (the one a browser's permissions are given to).
pub fn demo_origin(product: &Running) -> String {
    demo_page(product, "/").trim_end_matches('/').to_string()
}

/// The same page on the relay's own site (`127.0.0.1` on the demo's port), as a shop at
/// `example.com` with its relay at `chat.example.com` is: then Chromium may run the frame in the
/// page's own process.
pub fn same_site_demo_page(product: &Running, path: &str) -> String {
    demo_page(product, path).replacen("//localhost:", "//127.0.0.1:", 1)
}

impl Browser {
    /// The element matching `css` in the widget's shadow root on the host page (the launcher,
    /// its badge, the frame), once it is there.
    pub async fn widget_part(&self, css: &str) -> fantoccini::elements::Element {
        until(&format!("{css} in the widget's shadow root"), || async {
            let host = self.client.find(Locator::Css("zchat-widget")).await.ok()?;
            host.shadow_root().await.ok()?.find(Locator::Css(css)).await.ok()
        })
        .await
    }

    /// Opens the window's menu (the "⋯" in its header) unless it is open, and waits for it.
    pub async fn open_menu(&self) {
        if self.client.find(Locator::Css("#zc-menu:popover-open")).await.is_err() {
            self.element(".zc-more").await.click().await.unwrap();
        }
        self.element("#zc-menu:popover-open").await;
    }

    /// The menu's item `css`, the menu opened first.
    pub async fn menu_item(&self, css: &str) -> fantoccini::elements::Element {
        self.open_menu().await;
        self.element(css).await
    }

    /// Enters the widget's frame (from the host page).
    pub async fn enter_widget(&self) {
        self.widget_part("iframe").await.enter_frame().await.unwrap();
    }

    /// The visitor stirs on the host page (the pointer moves over its heading, as when reading it):
    /// the widget then makes its frame when the browser is idle.
    pub async fn stir(&self) {
        use fantoccini::actions::{InputSource, MouseActions, PointerAction};
        let heading = self.client.find(Locator::Css("h1")).await.expect("the page has a heading");
        let moves = MouseActions::new("visitor".into()).then(PointerAction::MoveToElement { element: heading, duration: None, x: 0.0, y: 0.0 });
        self.client.perform_actions(moves).await.unwrap();
    }

    /// Opens the host page at `url` and the widget in it (unless it opened itself: a window left
    /// open stays open on the site's next page), and enters its frame.
    pub async fn open_widget(&self, url: &str) {
        self.client.goto(url).await.unwrap();
        let launcher = self.widget_part("button").await;
        if launcher.attr("aria-expanded").await.unwrap().as_deref() != Some("true") {
            launcher.click().await.unwrap();
        }
        self.enter_widget().await;
    }

    /// Fills the pre-chat form with `name` and starts.
    pub async fn start_chat(&self, name: &str) {
        let field = self.element("#zc-name").await;
        // (WebKit's driver types only into a field that has the focus.)
        field.click().await.unwrap();
        field.send_keys(name).await.unwrap();
        self.element(".zc-prechat button[type=submit]").await.click().await.unwrap();
    }

    /// Writes `text` in the composer and sends it, then waits until it shows as sent.
    pub async fn send(&self, text: &str) {
        self.element("#zc-input").await.send_keys(text).await.unwrap();
        self.element(".zc-composer button[type=submit]").await.click().await.unwrap();
        self.element_with_text(".zc-visitor[data-delivery=sent] .zc-text", text).await;
    }
}

/// A line between the browser and the relay that the test can cut: every connection open through
/// it ends at once (a phone losing its signal), new ones go through again.
pub struct CuttableLine {
    pub url: String,
    cut: tokio::sync::watch::Sender<u64>,
}

impl CuttableLine {
    /// A line on a free port; it forwards to the relay once [`CuttableLine::to`] names it.
    pub async fn open() -> (CuttableLine, tokio::net::TcpListener) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        (CuttableLine { url, cut: tokio::sync::watch::channel(0).0 }, listener)
    }

    /// Forwards every connection `listener` takes to `target` until the line is cut.
    pub fn to(&self, listener: tokio::net::TcpListener, target: std::net::SocketAddr) {
        let cut = self.cut.clone();
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let mut cut = cut.subscribe();
                tokio::spawn(async move {
                    let Ok(mut relay) = tokio::net::TcpStream::connect(target).await else { return };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut relay) => {}
                        _ = cut.changed() => {}
                    }
                });
            }
        });
    }

    /// Ends every connection open through the line now.
    pub fn cut(&self) {
        self.cut.send_modify(|cuts| *cuts += 1);
    }
}

/// axe-core (from scripts/setup.sh) on the document the session is in: its serious and critical
/// violations, with their rule ids and targets.
pub async fn axe_violations(client: &Client) -> Vec<Value> {
    let tools = std::env::var("ZCHAT_TOOLS").expect("ZCHAT_TOOLS (scripts/env.sh) says where axe-core is");
    let axe = std::fs::read_to_string(format!("{tools}/node_modules/axe-core/axe.min.js")).expect("axe-core is installed");
    // The script runs through the DevTools protocol, outside the page's CSP.
    let script = format!(
        "{axe}\nreturn axe.run(document, {{resultTypes: ['violations']}}).then(r => r.violations\
         .filter(v => v.impact === 'serious' || v.impact === 'critical')\
         .map(v => ({{id: v.id, impact: v.impact, targets: v.nodes.map(n => n.target)}})));"
    );
    serde_json::from_value(run_script(client, &script, vec![]).await).unwrap()
}
