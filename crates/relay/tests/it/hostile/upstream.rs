//! The upstream, as a careless operator or a misbehaving zChat makes it: a redirect never takes the
//! account token anywhere, zChat refusing the account's token is not the visitor's fault, and a
//! first request cut off by the browser still completes once, so its retry gets the answer.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde_json::{json, Value};
use zchat_relay::launch::launch;
use zchat_relay::Config;

use crate::support::Product;

/// A server on a free port answering every request with `answer`, counting them and keeping
/// every body it received.
async fn server(
    answer: impl Fn() -> axum::response::Response + Clone + Send + Sync + 'static,
) -> (String, Arc<AtomicUsize>, Arc<std::sync::Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let count = Arc::new(AtomicUsize::new(0));
    let bodies = Arc::new(std::sync::Mutex::new(Vec::new()));
    let (seen, kept) = (Arc::clone(&count), Arc::clone(&bodies));
    let app = axum::Router::new().fallback(move |body: String| {
        let answer = answer.clone();
        seen.fetch_add(1, Ordering::SeqCst);
        kept.lock().unwrap().push(body);
        async move { answer() }
    });
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, count, bodies)
}

/// Starts a conversation through the relay at `relay`: its answer's status and body.
async fn create(relay: &str) -> (u16, Value) {
    let answer = reqwest::Client::new().post(format!("{relay}/core/api/v1/interactions")).json(&json!({"department_id": 1})).send().await.unwrap();
    (answer.status().as_u16(), answer.json().await.unwrap())
}

fn with_upstream(base: &str) -> Config {
    let mut options = Config::for_tests(std::env::temp_dir());
    options.upstream = Some((base.to_string(), "the-account-token".into()));
    options.demo_listen = None;
    options
}

#[tokio::test]
async fn a_redirecting_upstream_never_receives_the_token_elsewhere() {
    let (elsewhere, reached, _) = server(|| (StatusCode::OK, "{}").into_response()).await;
    for status in [301, 302, 303, 307, 308] {
        let target = format!("{elsewhere}/stolen");
        let (zchat, asked, bodies) =
            server(move || (StatusCode::from_u16(status).unwrap(), [(axum::http::header::LOCATION, target.clone())]).into_response()).await;
        let running = launch(with_upstream(&zchat)).await.unwrap();
        let (answer, body) = create(&running.relay_url).await;
        assert_eq!(answer, 502, "{status}");
        assert_eq!(body, json!({"message": format!("zChat answered a redirect ({status}), which the relay does not follow"), "status": 502}));
        assert_eq!(asked.load(Ordering::SeqCst), 1, "zChat was asked once");
        assert!(bodies.lock().unwrap()[0].contains("the-account-token"), "zChat itself got the token");
        running.stop().await;
    }
    assert_eq!(reached.load(Ordering::SeqCst), 0, "nothing ever reached the redirect's target");
}

#[tokio::test]
async fn zchat_refusing_the_account_token_is_a_502_not_a_forged_session() {
    for status in [401u16, 403] {
        let (zchat, _, _) = server(move || {
            (StatusCode::from_u16(status).unwrap(), axum::Json(json!({"message": "Invalid token", "status": status}))).into_response()
        })
        .await;
        let running = launch(with_upstream(&zchat)).await.unwrap();
        let (answer, body) = create(&running.relay_url).await;
        assert_eq!(answer, 502);
        assert_eq!(body["message"], format!("zChat refused the relay ({status}): Invalid token"));
        running.stop().await;
    }
}

on_both_logs! {
    async fn a_first_request_cut_off_by_the_browser_completes_and_its_retry_gets_the_answer(log: Log) {
        let product = Product::on(log, |_| {}).await;
        let (hash, session) = product.start_interaction(1).await;
        let faults =
            product.http.put(product.sandbox("/agent/faults")).json(&json!({"api": {"slow_rate": 1.0, "slow_ms": 1500}})).send().await.unwrap();
        assert_eq!(faults.status(), 200);
        let send = |client: &reqwest::Client| {
            client
                .post(product.relay(&format!("/core/api/v1/interactions/{hash}/messages")))
                .header("Idempotency-Key", "cut-off-key")
                .json(&json!({"token": session, "content": "Sent once, whatever happens"}))
                .send()
        };
        // The browser gives up (its connection drops) while zChat is still answering.
        let impatient = reqwest::Client::builder().timeout(Duration::from_millis(300)).build().unwrap();
        assert!(send(&impatient).await.unwrap_err().is_timeout(), "{log:?}");
        product.http.put(product.sandbox("/agent/faults")).json(&json!({})).send().await.unwrap();
        let retry = send(&product.http).await.unwrap();
        assert_eq!(retry.status(), 200, "{log:?}: the retry gets the first request's answer");
        let transcript =
            |view: Value| view["transcript"].as_array().unwrap().iter().filter(|m| m["content"] == "Sent once, whatever happens").count();
        let view: Value = product.http.get(product.sandbox(&format!("/agent/interactions/{hash}"))).send().await.unwrap().json().await.unwrap();
        assert_eq!(transcript(view), 1, "{log:?}: zChat got it once");
        // And again later: the kept answer, still once.
        let again = send(&product.http).await.unwrap();
        assert_eq!(again.headers().get("idempotent-replayed").map(|v| v.to_str().unwrap()), Some("true"));
        product.stop().await;
    }
}
