//! Starting the product and reading its SSE stream, with deadlines (never fixed sleeps).

use std::path::PathBuf;
use std::time::Duration;

use futures_util::StreamExt;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use zchat_relay::launch::{launch, Running};
use zchat_relay::Config;
pub use zchat_testkit::{until, Redis};

/// One test per log for a rule that holds on both: `on_both_logs! { async fn rule(log: Log) { … } }`
/// makes `rule::memory` and `rule::redis`, so that a failure on Redis is never hidden behind one in
/// memory (nor the other way round), and each says which log broke the rule.
#[allow(unused_macros)]
macro_rules! on_both_logs {
    ($(#[$meta:meta])* async fn $name:ident($log:ident: Log) $body:block) => {
        $(#[$meta])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            use crate::support::Log;

            async fn rule($log: Log) $body

            #[tokio::test]
            async fn memory() {
                rule(Log::Memory).await
            }

            #[tokio::test]
            async fn redis() {
                rule(Log::Redis).await
            }
        }
    };
}

pub const WEBHOOK_SECRET: &str = "test-webhook-secret";
pub const SESSION_SECRET: &str = "test-session-secret-of-32-bytes-or-more";
pub const DEADLINE: Duration = Duration::from_secs(10);

pub struct Product {
    pub running: Running,
    pub http: reqwest::Client,
    /// The product's own Redis, when its log is there.
    pub redis: Option<Redis>,
}

/// Where a product keeps its event log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Log {
    Memory,
    Redis,
}

impl Product {
    pub async fn start() -> Product {
        Product::on(Log::Memory, |_| {}).await
    }

    /// The product with its log in `log` (a `redis-server` of its own for [`Log::Redis`]) and
    /// the options `adjust` makes.
    pub async fn on(log: Log, adjust: impl FnOnce(&mut Config)) -> Product {
        let mut options = Config::for_tests(std::env::temp_dir().join("zchat-relay-tests-no-widget"));
        options.webhook_secret = Some(WEBHOOK_SECRET.into());
        options.session_secret = Some(SESSION_SECRET.into());
        let redis = match log {
            Log::Memory => None,
            Log::Redis => Some(Redis::start().await),
        };
        options.redis_url = redis.as_ref().map(Redis::url);
        adjust(&mut options);
        let running = launch(options).await.expect("the product starts");
        let product = Product { running, http: reqwest::Client::new(), redis };
        if log == Log::Redis {
            // The shared log connects and subscribes in the background: ready when a stream opens.
            let url = product.relay("/core/api/v1/interactions/ready-check/events");
            let token = session_for("ready-check");
            until("the shared log to be ready", || async {
                let answer = product.http.get(&url).query(&[("token", &token)]).send().await.ok()?;
                (answer.status() == 200).then_some(())
            })
            .await;
        }
        product
    }

    /// `host:port` of the relay, for raw connections.
    pub fn address(&self) -> String {
        self.running.relay_url.trim_start_matches("http://").to_string()
    }

    /// Stops the product, then its Redis.
    pub async fn stop(self) {
        self.running.stop().await;
        if let Some(mut redis) = self.redis {
            redis.stop().await;
            let _ = std::fs::remove_dir_all(&redis.dir);
        }
    }

    pub fn relay(&self, path: &str) -> String {
        format!("{}{path}", self.running.relay_url)
    }

    /// The relay's `/metrics`, on its own listener.
    pub fn metrics(&self) -> String {
        self.running.metrics_url.clone().expect("tests serve metrics")
    }

    pub fn sandbox(&self, path: &str) -> String {
        format!("{}{path}", self.running.sandbox_url.as_ref().unwrap())
    }

    /// Starts an interaction through the relay; returns (hash, session).
    pub async fn start_interaction(&self, department_id: i64) -> (String, String) {
        let body = json!({"department_id": department_id, "customer": {"name": "Maria"}, "extra": {"clientId": "c1"}});
        start_interaction(&self.http, &self.running.relay_url, &body).await
    }

    pub async fn agent(&self, hash: &str, action: &str, body: Value) -> Value {
        let answer = self.http.post(self.sandbox(&format!("/agent/interactions/{hash}/{action}"))).json(&body).send().await.unwrap();
        assert!(answer.status().is_success(), "agent {action}: {}", answer.status());
        answer.json().await.unwrap()
    }

    pub async fn stream(&self, hash: &str, session: &str, last_event_id: Option<&str>) -> Sse {
        open_stream(&self.http, &self.running.relay_url, hash, session, last_event_id).await
    }
}

/// The session credential of `hash` on a test product.
pub fn session_for(hash: &str) -> String {
    zchat_relay::Sessions::new(SESSION_SECRET).issue(hash)
}

/// The sandbox as zChat on `listener` (bound first, so that the relays can be given its address
/// before it runs), its webhooks to `webhook`; it stops when the returned sender says so.
pub fn serve_sandbox(listener: tokio::net::TcpListener, webhook: Option<String>) -> tokio::sync::watch::Sender<bool> {
    let (stop, mut stopping) = tokio::sync::watch::channel(false);
    let config = zchat_sandbox::Config { account: zchat_sandbox::Account::default(), webhook_url: webhook };
    tokio::spawn(zchat_sandbox::serve(listener, config, async move {
        let _ = stopping.wait_for(|stop| *stop).await;
    }));
    stop
}

/// Starts an interaction with `body` through the relay at `relay`; returns (hash, session).
pub async fn start_interaction(http: &reqwest::Client, relay: &str, body: &Value) -> (String, String) {
    let answer = http.post(format!("{relay}/core/api/v1/interactions")).json(body).send().await.unwrap();
    assert_eq!(answer.status(), 200);
    let body: Value = answer.json().await.unwrap();
    let hash = body["data"]["interaction_hash"].as_str().unwrap().to_string();
    let session = body["data"]["session"].as_str().unwrap().to_string();
    (hash, session)
}

/// Opens `hash`'s SSE stream on the relay at `relay`, from after `last_event_id` if given.
pub async fn open_stream(http: &reqwest::Client, relay: &str, hash: &str, session: &str, last_event_id: Option<&str>) -> Sse {
    let mut request = http.get(format!("{relay}/core/api/v1/interactions/{hash}/events")).query(&[("token", session)]);
    if let Some(id) = last_event_id {
        request = request.header("Last-Event-ID", id);
    }
    let answer = request.send().await.unwrap();
    assert_eq!(answer.status(), 200, "{relay} opens the stream");
    assert_eq!(answer.headers()["content-type"], "text/event-stream");
    assert_eq!(answer.headers()["x-accel-buffering"], "no");
    Sse::from_response(answer)
}

/// One SSE event as a browser would see it.
#[derive(Debug, Clone, Default)]
pub struct SseEvent {
    pub event: String,
    pub id: String,
    pub data: String,
}

impl SseEvent {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.data).unwrap()
    }
}

pub struct Sse {
    body: std::pin::Pin<Box<dyn futures_util::Stream<Item = reqwest::Result<bytes::Bytes>> + Send>>,
    buffer: String,
}

impl Sse {
    /// The stream of an answer already checked.
    pub fn from_response(answer: reqwest::Response) -> Sse {
        Sse { body: Box::pin(answer.bytes_stream()), buffer: String::new() }
    }

    /// The next event that has an `event:` name (comments and retry-only blocks are skipped).
    pub async fn next(&mut self) -> SseEvent {
        let event = tokio::time::timeout(DEADLINE, self.next_or_end()).await.expect("an event arrives before the deadline");
        event.expect("the stream stays open")
    }

    /// The next event, or none when the server ends the stream first; without a deadline (a
    /// browser's stream, idle for as long as the conversation is).
    pub async fn next_or_end(&mut self) -> Option<SseEvent> {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let mut event = SseEvent::default();
                let mut data = Vec::new();
                for line in block.lines() {
                    if let Some(value) = line.strip_prefix("event:") {
                        event.event = value.trim_start().to_string();
                    } else if let Some(value) = line.strip_prefix("id:") {
                        event.id = value.trim_start().to_string();
                    } else if let Some(value) = line.strip_prefix("data:") {
                        data.push(value.strip_prefix(' ').unwrap_or(value).to_string());
                    }
                }
                event.data = data.join("\n");
                if !event.event.is_empty() {
                    return Some(event);
                }
                continue;
            }
            match self.body.next().await {
                Some(Ok(chunk)) => self.buffer.push_str(std::str::from_utf8(&chunk).unwrap()),
                Some(Err(_)) | None => return None,
            }
        }
    }

    /// Whether the server ended the stream (within the deadline).
    pub async fn ended(&mut self) -> bool {
        tokio::time::timeout(DEADLINE, async {
            while let Some(chunk) = self.body.next().await {
                if chunk.is_err() {
                    return true;
                }
            }
            true
        })
        .await
        .unwrap_or(false)
    }

    /// Reads events until one of `kind` satisfies `check`, returning it.
    pub async fn until(&mut self, kind: &str, check: impl Fn(&Value) -> bool) -> SseEvent {
        loop {
            let event = self.next().await;
            if event.event == kind && check(&event.json()) {
                return event;
            }
        }
    }
}

/// An answer read off a raw connection.
#[derive(Debug)]
pub struct RawAnswer {
    pub status: u16,
    /// Lowercase names.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl RawAnswer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// The body as the reference's error shape, checked to be exactly that.
    pub fn error(&self) -> (u16, String) {
        let body: Value = serde_json::from_str(&self.body).unwrap_or_else(|_| panic!("not JSON: {self:?}"));
        assert_eq!(self.header("content-type"), Some("application/json"), "{self:?}");
        let status = body["status"].as_u64().unwrap_or_else(|| panic!("no status: {self:?}")) as u16;
        let message = body["message"].as_str().unwrap_or_else(|| panic!("no message: {self:?}")).to_string();
        assert!(!message.is_empty(), "{self:?}");
        assert_eq!(body.as_object().unwrap().len(), 2, "only message and status: {self:?}");
        assert_eq!(status, self.status, "the body's status is the answer's: {self:?}");
        (status, message)
    }
}

/// Sends `request` as it is (nothing normalised: paths, header bytes) on a new connection and
/// reads the whole answer (the request should say `Connection: close`).
pub async fn raw(address: &str, request: &[u8]) -> RawAnswer {
    tokio::time::timeout(DEADLINE, async {
        let mut socket = tokio::net::TcpStream::connect(address).await.unwrap();
        socket.write_all(request).await.unwrap();
        let mut bytes = Vec::new();
        let _ = socket.read_to_end(&mut bytes).await;
        parse_answer(&bytes)
    })
    .await
    .expect("an answer before the deadline")
}

/// `method path` as it is, with `headers` (each line ending in CRLF) and `body`.
pub async fn raw_request(address: &str, method: &str, path: &[u8], headers: &[u8], body: &[u8]) -> RawAnswer {
    let mut request = format!("{method} ").into_bytes();
    request.extend_from_slice(path);
    request.extend_from_slice(format!(" HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\nContent-Length: {}\r\n", body.len()).as_bytes());
    request.extend_from_slice(headers);
    request.extend_from_slice(b"\r\n");
    request.extend_from_slice(body);
    raw(address, &request).await
}

/// A widget build of the test's own: a frame page with an inline script, hashed files, a
/// folder, a hidden file.
pub fn fixture_widget() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("zchat-fixture-widget-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("snippets/s")).unwrap();
    let page =
        r#"<!doctype html><html><head><script type="module">import init from "/widget/app-1a2b.js"; init();</script></head><body></body></html>"#;
    std::fs::write(dir.join("index.html"), page).unwrap();
    std::fs::write(dir.join("app-1a2b.js"), "export default function init() {}").unwrap();
    std::fs::write(dir.join("widget.js"), "/* the loader */").unwrap();
    std::fs::write(dir.join("snippets/s/inline0.js"), "export const x = 1;").unwrap();
    std::fs::write(dir.join("snippets/s/index.html"), "<p>not the frame page</p>").unwrap();
    std::fs::write(dir.join(".hidden"), "secret").unwrap();
    dir
}

/// `GET path` as it is, with `extra` header lines (each ending in CRLF).
pub async fn raw_get(address: &str, path: &[u8], extra: &str) -> RawAnswer {
    let mut request = b"GET ".to_vec();
    request.extend_from_slice(path);
    request.extend_from_slice(format!(" HTTP/1.1\r\nHost: {address}\r\n{extra}Connection: close\r\n\r\n").as_bytes());
    raw(address, &request).await
}

fn parse_answer(bytes: &[u8]) -> RawAnswer {
    let text = String::from_utf8_lossy(bytes);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or_else(|| panic!("no head in {text:?}"));
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers: Vec<(String, String)> =
        lines.filter_map(|line| line.split_once(':')).map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_string())).collect();
    let chunked = headers.iter().any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"));
    let body = if chunked { unchunk(body) } else { body.to_string() };
    RawAnswer { status, headers, body }
}

fn unchunk(mut rest: &str) -> String {
    let mut body = String::new();
    while let Some((size, after)) = rest.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if size == 0 || after.len() < size {
            break;
        }
        body.push_str(&after[..size]);
        rest = after[size..].trim_start_matches("\r\n");
    }
    body
}
