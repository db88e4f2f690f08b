//! The conformance suite: one test per rule of the reference (docs/spec/zchat-clientapi-v1.md).
//!
//! Every test runs against the sandbox (started here on a free port). When `ZCHAT_API_BASE`,
//! `ZCHAT_TOKEN` and `ZCHAT_DEPARTMENT` (an active department of that account) are set, it also
//! runs against that real zChat (`ZCHAT_INACTIVE_DEPARTMENT` adds the inactive-department rule);
//! otherwise it says, once per test, that the real zChat was skipped. Against the real zChat a
//! refusal must be a 422 in the reference's shape; against the sandbox its message is checked too.
//! Beware: against a real account this creates (and finishes) real interactions.

use serde_json::{json, Value};
use tokio::net::TcpListener;

mod rules;

/// Where the suite runs.
pub struct Target {
    pub name: &'static str,
    pub base: String,
    pub token: String,
    pub department: i64,
    pub inactive_department: Option<i64>,
    pub http: reqwest::Client,
}

impl Target {
    pub fn is_sandbox(&self) -> bool {
        self.name == "sandbox"
    }

    /// One ClientApi call: its status and its body as JSON (or as a string when it is not JSON).
    pub async fn call(&self, method: reqwest::Method, path: &str, body: Value) -> (u16, Value) {
        self.raw(method, path, "application/json", body.to_string()).await
    }

    pub async fn raw(&self, method: reqwest::Method, path: &str, content_type: &str, body: String) -> (u16, Value) {
        let answer = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{}: {path}: {e}", self.name));
        let status = answer.status().as_u16();
        let text = answer.text().await.unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    /// Starts an interaction in the target's active department; returns its hash.
    pub async fn start(&self) -> String {
        let (status, body) = self
            .call(
                reqwest::Method::POST,
                "/core/api/v1/interactions",
                json!({"token": self.token, "department_id": self.department, "customer": {"name": "Conformance"}}),
            )
            .await;
        assert_eq!(status, 200, "{}: start interaction: {body}", self.name);
        body["data"]["interaction_hash"].as_str().expect("an interaction hash").to_string()
    }

    /// Starts an interaction and finishes it.
    pub async fn finished(&self) -> String {
        let hash = self.start().await;
        let (status, body) = self.call(reqwest::Method::PUT, &format!("/core/api/v1/interactions/{hash}/finish"), json!({"token": self.token})).await;
        assert_eq!(status, 200, "{}: finish: {body}", self.name);
        hash
    }
}

/// Asserts a refusal: a 422 in the reference's shape, with `message` exactly on the sandbox.
pub fn refused(target: &Target, (status, body): (u16, Value), message: &str) {
    assert_eq!(status, 422, "{}: expected a 422 ({message}), got {status} {body}", target.name);
    assert_eq!(body["status"], 422, "{}: the error body has the reference's shape: {body}", target.name);
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "{}: the error says why: {body}", target.name);
    if target.is_sandbox() {
        assert_eq!(body["message"], message, "sandbox message");
    }
}

/// The sandbox, and the real zChat when it is configured.
pub async fn targets() -> Vec<Target> {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(zchat_sandbox::serve(listener, zchat_sandbox::Config::default(), std::future::pending()));
    let http = reqwest::Client::new();
    let mut targets = vec![Target {
        name: "sandbox",
        base,
        token: zchat_sandbox::DEFAULT_TOKEN.into(),
        department: 1,
        inactive_department: Some(3),
        http: http.clone(),
    }];
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    match (env("ZCHAT_API_BASE"), env("ZCHAT_TOKEN"), env("ZCHAT_DEPARTMENT").and_then(|d| d.parse().ok())) {
        (Some(base), Some(token), Some(department)) => targets.push(Target {
            name: "real zChat",
            base: base.trim_end_matches('/').to_string(),
            token,
            department,
            inactive_department: env("ZCHAT_INACTIVE_DEPARTMENT").and_then(|d| d.parse().ok()),
            http,
        }),
        _ => eprintln!("conformance: real zChat skipped (set ZCHAT_API_BASE, ZCHAT_TOKEN and ZCHAT_DEPARTMENT to run against it)"),
    }
    targets
}
