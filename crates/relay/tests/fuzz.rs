//! Property tests in place of a fuzzer (`cargo fuzz` needs a nightly toolchain): generated
//! webhook bodies, API bodies and resume ids, fed to the relay's real router in this process, a
//! bounded number of cases each. Whatever comes in, no handler panics, every refusal is a 4xx in
//! the reference's shape, and nothing the relay answers is a 500.

use std::net::SocketAddr;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use proptest::prelude::*;
use serde_json::{json, Value};
use tower::ServiceExt;

use zchat_relay::{Admission, Backing, Config, Relay, Store, Wiring};

const WEBHOOK_SECRET: &str = "fuzz-webhook-secret";
const SESSION_SECRET: &str = "fuzz-session-secret-of-32-bytes-at-least";
const HASH: &str = "fuzzed-interaction";

fn router() -> axum::Router {
    let config = Config {
        admission: Admission {
            requests_per_minute: 1_000_000,
            interaction_requests_per_minute: 1_000_000,
            creates_per_minute: 1_000_000,
            ..Admission::default()
        },
        upstream_timeout: Duration::from_secs(2),
        ..Config::for_tests("/nonexistent".into())
    };
    let wiring = Wiring {
        // Nothing listens there: a request that passes every check fails fast upstream (502).
        upstream_base: "http://127.0.0.1:9".into(),
        upstream_token: "the-account-token".into(),
        public_url: "http://127.0.0.1:8080".into(),
        webhook_secret: WEBHOOK_SECRET.into(),
        session_secret: SESSION_SECRET.as_bytes().to_vec(),
    };
    let (_, stopping) = tokio::sync::watch::channel(false);
    let relay = Relay::new(&config, &wiring, &Backing::Memory, stopping).expect("a relay");
    log_open(relay.log());
    zchat_relay::app(relay, &config)
}

fn log_open(log: &Store) {
    if let Store::Memory(log) = log {
        log.open(HASH, std::time::Instant::now());
    }
}

/// One runtime and one router for every case (making an upstream client loads the system's
/// certificates, too slow to do a thousand times).
fn product() -> &'static (tokio::runtime::Runtime, axum::Router) {
    static PRODUCT: std::sync::OnceLock<(tokio::runtime::Runtime, axum::Router)> = std::sync::OnceLock::new();
    PRODUCT.get_or_init(|| (tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap(), router()))
}

/// One request through the router, as the listener would hand it over: (status, body text).
async fn send(router: &axum::Router, request: Request<Body>) -> (u16, axum::http::HeaderMap, String) {
    let mut request = request;
    request.extensions_mut().insert(ConnectInfo::<SocketAddr>("127.0.0.1:50000".parse().unwrap()));
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = if headers.get("content-type").is_some_and(|t| t == "text/event-stream") {
        String::new()
    } else {
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
        String::from_utf8_lossy(&bytes).into_owned()
    };
    (status, headers, body)
}

/// A refusal must be `{"message", "status"}` with the answer's status.
fn check_shape(status: u16, body: &str) -> Result<(), TestCaseError> {
    prop_assert!(status != 500, "a 500: {body}");
    if status >= 400 {
        let value: Value = serde_json::from_str(body).map_err(|_| TestCaseError::fail(format!("not JSON: {body}")))?;
        prop_assert_eq!(value["status"].as_u64(), Some(u64::from(status)));
        prop_assert!(value["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    Ok(())
}

/// JSON values of any shape, a few levels deep.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| json!(f)),
        ".{0,40}".prop_map(Value::String),
        Just(json!(HASH)),
        Just(json!("queued")),
        Just(json!("text")),
    ];
    leaf.prop_recursive(4, 48, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop_oneof![
                        Just("interaction_hash".to_string()),
                        Just("state".to_string()),
                        Just("message".to_string()),
                        Just("agent".to_string()),
                        Just("position".to_string()),
                        Just("extra".to_string()),
                        Just("token".to_string()),
                        Just("content".to_string()),
                        Just("type".to_string()),
                        Just("url".to_string()),
                        Just("hash".to_string()),
                        ".{0,12}".prop_map(|s| s)
                    ],
                    inner
                ),
                0..8
            )
            .prop_map(|fields| Value::Object(fields.into_iter().collect())),
        ]
    })
}

/// Bodies: generated JSON, a known trigger with bytes flipped, or any bytes.
fn body() -> impl Strategy<Value = Vec<u8>> {
    // With a field no reader looks at: parsers skip its string without checking its bytes.
    let known = json!({"interaction_hash": HASH, "message": {"hash": "m", "content": "Olá", "type": "text"}, "agent": {"id": 1, "name": "A"},
                       "channel": "a field nobody reads, with text in it", "extra": {}})
    .to_string()
    .into_bytes();
    prop_oneof![
        json_value().prop_map(|v| v.to_string().into_bytes()),
        (Just(known), prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6)).prop_map(|(mut bytes, flips)| {
            for (at, byte) in flips {
                let i = at.index(bytes.len());
                bytes[i] = byte;
            }
            bytes
        }),
        prop::collection::vec(any::<u8>(), 0..200),
    ]
}

fn config() -> ProptestConfig {
    ProptestConfig { cases: 2_000, failure_persistence: None, ..ProptestConfig::default() }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn webhook_bodies_never_crash_and_refusals_have_the_shape(bytes in body()) {
        let (runtime, router) = product();
        let (status, _, text) = runtime.block_on(send(router, Request::post(format!("/webhooks/zchat/{WEBHOOK_SECRET}"))
            .header("content-type", "application/json").body(Body::from(bytes)).unwrap()));
        prop_assert!(matches!(status, 200 | 400 | 413), "{status} {text}");
        check_shape(status, &text)?;
    }

    #[test]
    fn api_bodies_never_crash_and_refusals_have_the_shape(bytes in body(), route in 0..6usize, session in any::<bool>()) {
        let (runtime, router) = product();
        let token = if session { zchat_relay::Sessions::new(SESSION_SECRET).issue(HASH) } else { "x".into() };
        // With a genuine credential, the body's token is set to it where the body is an object.
        let bytes = match serde_json::from_slice::<Value>(&bytes) {
            Ok(Value::Object(mut object)) => { object.insert("token".into(), json!(token)); Value::Object(object).to_string().into_bytes() }
            _ => bytes,
        };
        let (method, path) = [
            ("POST", "/core/api/v1/interactions".to_string()),
            ("POST", format!("/core/api/v1/interactions/{HASH}/messages")),
            ("PUT", format!("/core/api/v1/interactions/{HASH}")),
            ("PUT", format!("/core/api/v1/interactions/{HASH}/typing")),
            ("PUT", format!("/core/api/v1/interactions/{HASH}/cleared")),
            ("PUT", format!("/core/api/v1/interactions/{HASH}/finish")),
        ][route].clone();
        let request = Request::builder().method(method).uri(&path).header("content-type", "application/json").body(Body::from(bytes)).unwrap();
        let (status, _, text) = runtime.block_on(send(router, request));
        // 502: it passed every check and went to a zChat that is not there.
        prop_assert!((400..500).contains(&status) || status == 502, "{status} {text}");
        check_shape(status, &text)?;
    }

    #[test]
    fn uploads_never_crash_and_refusals_have_the_shape(
        head in prop_oneof![Just(b"%PDF-1.4\n".to_vec()), Just(b"\xff\xd8\xff\xe1\x00\x10Exif\x00\x00".to_vec()), Just(b"\x89PNG\r\n\x1a\n".to_vec()), Just(b"RIFF\x00\x00\x00\x00WEBP".to_vec()), Just(Vec::new())],
        rest in prop::collection::vec(any::<u8>(), 0..300),
        name in "[ -~]{0,80}",
        declared in "[ -~]{0,40}",
        length in prop_oneof![Just(None), any::<u32>().prop_map(Some)],
    ) {
        let (runtime, router) = product();
        let token = zchat_relay::Sessions::new(SESSION_SECRET).issue(HASH);
        let body = [head, rest].concat();
        let mut request = Request::post(format!("/core/api/v1/interactions/{HASH}/uploads?token={token}"))
            .header("content-length", length.map_or(body.len() as u64, u64::from).to_string());
        if let (Ok(name), Ok(declared)) = (axum::http::HeaderValue::from_str(&name), axum::http::HeaderValue::from_str(&declared)) {
            request = request.header("x-file-name", name).header("content-type", declared);
        }
        let (status, _, text) = runtime.block_on(send(router, request.body(Body::from(body)).unwrap()));
        prop_assert!(status == 200 || (400..500).contains(&status), "{status} {text}");
        check_shape(status, &text)?;
    }

    #[test]
    fn file_addresses_never_crash(path in "[ -~]{0,120}") {
        let (runtime, router) = product();
        let uri = format!("/uploads/{}", url_encode(&path).replace("%2F", "/"));
        let (status, _, text) = runtime.block_on(send(router, Request::get(&uri).body(Body::empty()).unwrap()));
        prop_assert!(matches!(status, 400 | 404), "{status} {text}");
        check_shape(status, &text)?;
    }

    #[test]
    fn resume_ids_never_crash_and_streams_open(id in prop_oneof![".{0,60}", "[0-9]{1,25}-[0-9]{1,25}", "[ -~]{0,30}"], by_header in any::<bool>()) {
        let (runtime, router) = product();
        let token = zchat_relay::Sessions::new(SESSION_SECRET).issue(HASH);
        let mut uri = format!("/core/api/v1/interactions/{HASH}/events?token={token}");
        let mut request = Request::get(&uri);
        if by_header {
            match axum::http::HeaderValue::from_str(&id) {
                Ok(value) => request = request.header("last-event-id", value),
                Err(_) => return Ok(()),
            }
        } else {
            let encoded: String = url_encode(&id);
            uri.push_str(&format!("&last_event_id={encoded}"));
            request = Request::get(&uri);
        }
        let (status, headers, text) = runtime.block_on(send(router, request.body(Body::empty()).unwrap()));
        prop_assert_eq!(status, 200, "{}", text);
        prop_assert_eq!(headers.get("content-type").unwrap(), "text/event-stream");
    }
}

/// Percent-encodes everything but unreserved characters.
fn url_encode(text: &str) -> String {
    text.bytes().map(|b| if b.is_ascii_alphanumeric() || b"-._~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

#[test]
fn the_router_is_shared_safely() {
    // One router for many requests at once, as the listener uses it.
    let (runtime, router) = product();
    runtime.block_on(async {
        for n in 0..50 {
            let body = json!({"interaction_hash": HASH, "state": "typing", "n": n}).to_string();
            let request =
                Request::post(format!("/webhooks/zchat/{WEBHOOK_SECRET}")).header("content-type", "application/json").body(Body::from(body)).unwrap();
            let (status, _, _) = send(router, request).await;
            assert_eq!(status, 200);
        }
    });
}
