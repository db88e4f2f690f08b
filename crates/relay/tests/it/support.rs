//! Starting the product and reading its SSE stream, with deadlines (never fixed sleeps).

use std::time::Duration;

use futures_util::StreamExt;
use serde_json::{json, Value};
use zchat_relay::launch::{launch, Options, Running};

pub const WEBHOOK_SECRET: &str = "test-webhook-secret";
pub const DEADLINE: Duration = Duration::from_secs(10);

pub struct Product {
    pub running: Running,
    pub http: reqwest::Client,
}

impl Product {
    pub async fn start() -> Product {
        let mut options = Options::for_tests(std::env::temp_dir().join("zchat-relay-tests-no-widget"));
        options.webhook_secret = Some(WEBHOOK_SECRET.into());
        let running = launch(options).await.expect("the product starts");
        Product { running, http: reqwest::Client::new() }
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
        let answer = self
            .http
            .post(self.sandbox(&format!("/agent/interactions/{hash}/{action}")))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(answer.status().is_success(), "agent {action}: {}", answer.status());
        answer.json().await.unwrap()
    }

    pub async fn stream(&self, hash: &str, session: &str, last_event_id: Option<&str>) -> Sse {
        open_stream(&self.http, &self.running.relay_url, hash, session, last_event_id).await
    }
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
        tokio::time::timeout(DEADLINE, async {
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
                        return event;
                    }
                    continue;
                }
                let chunk = self.body.next().await.expect("the stream stays open").unwrap();
                self.buffer.push_str(std::str::from_utf8(&chunk).unwrap());
            }
        })
        .await
        .expect("an event arrives before the deadline")
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
