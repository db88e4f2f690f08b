//! Request bodies on the browser API: not JSON, not an object, not UTF-8, deeply nested, huge
//! numbers, wrong shapes, fields the relay sets itself, over the size limit.

use serde_json::json;

use crate::hostile::still_healthy;
use crate::support::{raw_request, Product};

/// (what, body, status) for a body that must be refused before anything else happens, on a route
/// whose bodies are at most `limit` bytes.
fn malformed(limit: usize) -> Vec<(&'static str, Vec<u8>, u16)> {
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    vec![
        ("empty", b"".to_vec(), 400),
        ("spaces", b"   ".to_vec(), 400),
        ("not JSON", b"hello".to_vec(), 400),
        ("cut off", b"{\"content\": \"Ol".to_vec(), 400),
        ("trailing garbage", b"{}}".to_vec(), 400),
        ("two values", b"{} {}".to_vec(), 400),
        ("null", b"null".to_vec(), 422),
        ("a number", b"1".to_vec(), 422),
        ("a string", b"\"{}\"".to_vec(), 422),
        ("true", b"true".to_vec(), 422),
        ("an empty array", b"[]".to_vec(), 422),
        ("an array in a struct's place", b"[\"token\", \"content\"]".to_vec(), 422),
        ("deeply nested arrays", deep.into_bytes(), 400),
        ("invalid UTF-8", b"{\"content\": \"\xff\xfe\"}".to_vec(), 400),
        ("a lone surrogate", b"{\"content\": \"\\ud800\"}".to_vec(), 400),
        ("a NUL byte outside strings", b"{\"content\": \"x\"}\x00".to_vec(), 400),
        ("over the size limit", format!("{{\"content\": \"{}\"}}", "x".repeat(limit + 1024)).into_bytes(), 413),
        ("a BOM", b"\xef\xbb\xbf{}".to_vec(), 400),
    ]
}

#[tokio::test]
async fn malformed_bodies_are_refused_on_every_route_that_takes_one() {
    let product = Product::start().await;
    let (hash, _) = product.start_interaction(1).await;
    let address = product.address();
    // A create may carry a bot's transcript (README, "Bot handoff"): 256 KiB; the others 64 KiB.
    let (create, body) = (256 * 1024, 64 * 1024);
    let routes = [
        ("POST", "/core/api/v1/interactions".to_string(), create),
        ("POST", format!("/core/api/v1/interactions/{hash}/messages"), body),
        ("PUT", format!("/core/api/v1/interactions/{hash}"), body),
        ("PUT", format!("/core/api/v1/interactions/{hash}/typing"), body),
        ("PUT", format!("/core/api/v1/interactions/{hash}/cleared"), body),
        ("PUT", format!("/core/api/v1/interactions/{hash}/finish"), body),
        ("POST", "/hours".to_string(), body),
    ];
    for (method, path, limit) in &routes {
        for (what, body, status) in malformed(*limit) {
            let answer = raw_request(&address, method, path.as_bytes(), b"Content-Type: application/json\r\n", &body).await;
            assert_eq!(answer.error().0, status, "{what} on {method} {path}: {answer:?}");
        }
    }
    // Objects nested deeper than any parser should follow: refused as the route's reader decides
    // (unknown fields are skipped; known ones hit the parser's depth limit), never a crash.
    let deep = |field: &str| format!("{{\"{field}\":{}1{}}}", "{\"a\":".repeat(5_000), "}".repeat(5_000));
    for (method, path, _) in &routes {
        for field in ["extra", "customer", "content", "unknown"] {
            let answer = raw_request(&address, method, path.as_bytes(), b"Content-Type: application/json\r\n", deep(field).as_bytes()).await;
            let (status, _) = answer.error();
            assert!((400..500).contains(&status), "{field} on {method} {path}: {answer:?}");
        }
    }
    still_healthy(&product).await;
    product.stop().await;
}

#[tokio::test]
async fn well_formed_bodies_of_the_wrong_shape_are_422_and_fields_the_relay_sets_are_400() {
    let product = Product::start().await;
    let (hash, session) = product.start_interaction(1).await;
    let post = |path: String, body: serde_json::Value| product.http.post(product.relay(&path)).json(&body).send();
    let create = "/core/api/v1/interactions".to_string();
    let messages = format!("/core/api/v1/interactions/{hash}/messages");
    let cases = vec![
        (create.clone(), json!({"department_id": "1"}), 422),
        (create.clone(), json!({"department_id": 1.5}), 422),
        (create.clone(), json!({"department_id": 1, "customer": "Maria"}), 422),
        (create.clone(), json!({"department_id": 1, "extra": [1]}), 422),
        (create.clone(), json!({"department_id": 1, "token": "the-account-token?"}), 400),
        (create.clone(), json!({"department_id": 1, "external_history": "https://evil.example/h"}), 400),
        (messages.clone(), json!({"token": session, "content": 5}), 422),
        (messages.clone(), json!({"token": session, "content": "x", "type": "hologram"}), 422),
        (messages.clone(), json!({"token": session}), 422),
        (messages.clone(), json!({"token": 1, "content": "x"}), 422),
        (messages.clone(), json!({"token": [session], "content": "x"}), 422),
    ];
    for (path, body, status) in cases {
        let answer = post(path.clone(), body.clone()).await.unwrap();
        assert_eq!(answer.status(), status, "{path} {body}");
        let shape: serde_json::Value = answer.json().await.unwrap();
        assert_eq!(shape["status"], status, "{shape}");
        assert!(shape["message"].as_str().is_some_and(|m| !m.is_empty()), "{shape}");
    }
    // Huge numbers are numbers JSON allows: refused by shape, not by a crash.
    let huge = b"{\"department_id\": 1e400}";
    let answer = raw_request(&product.address(), "POST", b"/core/api/v1/interactions", b"Content-Type: application/json\r\n", huge).await;
    assert!(matches!(answer.error().0, 400 | 422), "{answer:?}");
    let big_int = b"{\"department_id\": 123456789012345678901234567890}";
    let answer = raw_request(&product.address(), "POST", b"/core/api/v1/interactions", b"Content-Type: application/json\r\n", big_int).await;
    assert_eq!(answer.error().0, 422, "{answer:?}");
    still_healthy(&product).await;
    product.stop().await;
}
