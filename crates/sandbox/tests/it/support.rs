//! A sandbox whose webhooks go to a receiver in the test, and helpers that wait with a deadline.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio::sync::watch;
use zchat_sandbox::{Config, DEFAULT_TOKEN};
pub use zchat_testkit::until;

/// Records the triggers POSTed to it; can be told to fail the next few requests.
#[derive(Clone, Default)]
pub struct Receiver {
    triggers: Arc<Mutex<Vec<Value>>>,
    fail_next: Arc<AtomicU32>,
}

impl Receiver {
    pub fn fail_next(&self, count: u32) {
        self.fail_next.store(count, Ordering::SeqCst);
    }

    pub fn triggers(&self) -> Vec<Value> {
        self.triggers.lock().unwrap().clone()
    }

    /// Waits until at least `count` triggers arrived; returns them all.
    pub async fn wait_for(&self, count: usize) -> Vec<Value> {
        until(&format!("{count} triggers"), || async {
            let triggers = self.triggers();
            (triggers.len() >= count).then_some(triggers)
        })
        .await
    }

    /// The triggers of one interaction.
    pub fn of(&self, hash: &str) -> Vec<Value> {
        self.triggers().into_iter().filter(|t| t["interaction_hash"] == hash).collect()
    }
}

async fn receive(State(receiver): State<Receiver>, Json(trigger): Json<Value>) -> StatusCode {
    let failing = receiver.fail_next.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok();
    if failing {
        return StatusCode::INTERNAL_SERVER_ERROR;
    }
    receiver.triggers.lock().unwrap().push(trigger);
    StatusCode::OK
}

/// The sandbox, its webhook receiver, and a server of history documents at `/history/{name}`.
pub struct World {
    pub sandbox: String,
    pub receiver: Receiver,
    pub history: String,
    pub http: reqwest::Client,
    stop: watch::Sender<bool>,
}

async fn serve(router: Router, stop: &watch::Receiver<bool>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let mut stop = stop.clone();
    tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(async move {
                let _ = stop.wait_for(|s| *s).await;
            })
            .await
            .unwrap();
    });
    url
}

fn history_documents() -> Router {
    Router::new()
        .route(
            "/history/valid",
            get(|| async {
                Json(json!({"messages": [
                    {"time": "2019-03-14 00:00:01", "direction": "CLIENT", "content": "client message here"},
                    {"time": "2019-03-14 00:00:10", "direction": "AGENT", "content": "agent answer here"}
                ]}))
            }),
        )
        .route("/history/bad-time", get(|| async { Json(json!({"messages": [{"time": "yesterday", "direction": "CLIENT", "content": "x"}]})) }))
        .route("/history/missing", get(|| async { StatusCode::NOT_FOUND }))
}

impl World {
    pub async fn start() -> World {
        let (stop, stopping) = watch::channel(false);
        let receiver = Receiver::default();
        let hooks = serve(Router::new().route("/hook", post(receive)).with_state(receiver.clone()), &stopping).await;
        let history = serve(history_documents(), &stopping).await;
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let sandbox = format!("http://{}", listener.local_addr().unwrap());
        let config = Config { account: Default::default(), webhook_url: Some(format!("{hooks}/hook")) };
        let mut shutdown = stopping.clone();
        tokio::spawn(zchat_sandbox::serve(listener, config, async move {
            let _ = shutdown.wait_for(|s| *s).await;
        }));
        World { sandbox, receiver, history, http: reqwest::Client::new(), stop }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sandbox)
    }

    /// Starts an interaction with the account token; returns its hash.
    pub async fn start_interaction(&self, mut body: Value) -> String {
        body["token"] = json!(DEFAULT_TOKEN);
        let answer = self.http.post(self.url("/core/api/v1/interactions")).json(&body).send().await.unwrap();
        assert_eq!(answer.status(), 200);
        let answer: Value = answer.json().await.unwrap();
        answer["data"]["interaction_hash"].as_str().unwrap().to_string()
    }

    /// An agent API call that must succeed.
    pub async fn agent(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let answer = self.http.request(method, self.url(path)).json(&body).send().await.unwrap();
        assert!(answer.status().is_success(), "{path}: {}", answer.status());
        answer.json().await.unwrap_or(Value::Null)
    }

    pub async fn set_faults(&self, faults: Value) {
        self.agent(reqwest::Method::PUT, "/agent/faults", faults).await;
    }

    pub fn stop(&self) {
        let _ = self.stop.send(true);
    }
}
