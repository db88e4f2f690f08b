//! Headers and ids: `Origin`, `Content-Type`, `Idempotency-Key`, `X-Previous-Session`, and the
//! stream's resume ids (`Last-Event-ID` and `last_event_id`), as browsers and attackers send them.

use serde_json::json;

use crate::hostile::still_healthy;
use crate::support::{raw_request, session_for, Product};

#[tokio::test]
async fn only_the_relays_own_origin_may_call_the_api() {
    let product = Product::start().await;
    let (hash, session) = product.start_interaction(1).await;
    let own = product.running.relay_url.clone();
    let address = product.address();
    let path = format!("/core/api/v1/interactions/{hash}/typing");
    let body = json!({"token": session}).to_string();
    let cases: Vec<(Vec<u8>, u16)> = vec![
        (own.clone().into_bytes(), 200),
        (b"https://evil.example".to_vec(), 403),
        (b"null".to_vec(), 403),
        (format!("{own}/").into_bytes(), 403),
        (own.to_uppercase().into_bytes(), 403),
        (own.replace("http://", "https://").into_bytes(), 403),
        (format!("{own}.evil.example").into_bytes(), 403),
        (format!("{own} ").into_bytes(), 200),
        (b"".to_vec(), 403),
        (own.replace("127.0.0.1", "localhost").into_bytes(), 403),
        ([own.as_bytes(), b"\xff"].concat(), 403),
        (b"\xc3\xa9vil".to_vec(), 403),
    ];
    for (origin, status) in cases {
        let mut headers = b"Content-Type: application/json\r\nOrigin: ".to_vec();
        headers.extend_from_slice(&origin);
        headers.extend_from_slice(b"\r\n");
        let answer = raw_request(&address, "PUT", path.as_bytes(), &headers, body.as_bytes()).await;
        assert_eq!(answer.status, status, "Origin {:?}: {answer:?}", String::from_utf8_lossy(&origin));
        if status != 200 {
            answer.error();
        }
    }
    still_healthy(&product).await;
    product.stop().await;
}

#[tokio::test]
async fn content_types_other_than_json_are_415() {
    let product = Product::start().await;
    let (hash, session) = product.start_interaction(1).await;
    let path = format!("/core/api/v1/interactions/{hash}/typing");
    let body = json!({"token": session}).to_string();
    let cases = [
        (Some("application/json"), 200),
        (Some("application/json; charset=utf-8"), 200),
        (Some("APPLICATION/JSON"), 200),
        (Some("application/vnd.api+json"), 200),
        (Some("text/plain"), 415),
        (Some("text/plain; charset=utf-8"), 415),
        (Some("application/jsonx"), 415),
        (Some("application/x-www-form-urlencoded"), 415),
        (Some("multipart/form-data; boundary=x"), 415),
        (Some("json"), 415),
        (Some(""), 415),
        (None, 415),
    ];
    for (content_type, status) in cases {
        let headers = content_type.map(|t| format!("Content-Type: {t}\r\n")).unwrap_or_default();
        let answer = raw_request(&product.address(), "PUT", path.as_bytes(), headers.as_bytes(), body.as_bytes()).await;
        assert_eq!(answer.status, status, "{content_type:?}: {answer:?}");
        if status != 200 {
            answer.error();
        }
    }
    product.stop().await;
}

#[tokio::test]
async fn unusable_idempotency_keys_are_400_and_good_ones_replay() {
    let product = Product::start().await;
    let (hash, session) = product.start_interaction(1).await;
    let path = format!("/core/api/v1/interactions/{hash}/messages");
    let long = "k".repeat(101);
    let longest = "k".repeat(100);
    let cases: Vec<(&[u8], u16)> = vec![
        (b"", 400),
        (b" ", 400),
        (b"a b", 400),
        (b"\xc3\xa9", 400),
        (b"\xff", 400),
        (b"a\tb", 400),
        (long.as_bytes(), 400),
        (longest.as_bytes(), 200),
        (b"key:with:colons", 200),
        (b"00000000-0000-4000-8000-000000000000", 200),
    ];
    for (n, (key, status)) in cases.into_iter().enumerate() {
        let mut headers = b"Content-Type: application/json\r\nIdempotency-Key: ".to_vec();
        headers.extend_from_slice(key);
        headers.extend_from_slice(b"\r\n");
        let body = json!({"token": session, "content": format!("message {n}")}).to_string();
        let answer = raw_request(&product.address(), "POST", path.as_bytes(), &headers, body.as_bytes()).await;
        assert_eq!(answer.status, status, "key {:?}: {answer:?}", String::from_utf8_lossy(key));
        if status == 400 {
            assert!(answer.error().1.contains("Idempotency-Key"), "{answer:?}");
        } else {
            let again = raw_request(&product.address(), "POST", path.as_bytes(), &headers, body.as_bytes()).await;
            assert_eq!((again.status, again.header("idempotent-replayed")), (200, Some("true")), "{again:?}");
            assert_eq!(again.body, answer.body);
        }
    }
    product.stop().await;
}

#[tokio::test]
async fn previous_sessions_that_are_not_genuine_are_400() {
    let product = Product::start().await;
    let (_, earlier) = product.start_interaction(1).await;
    let other_relay = zchat_relay::Sessions::new("another relay's secret, 32 bytes long").issue("h1");
    let cases =
        [("garbage", 400), ("h1.AAAA", 400), (other_relay.as_str(), 400), (zchat_sandbox::DEFAULT_TOKEN, 400), (".", 400), (earlier.as_str(), 200)];
    for (previous, status) in cases {
        let answer = product
            .http
            .post(product.relay("/core/api/v1/interactions"))
            .header("X-Previous-Session", previous)
            .json(&json!({"department_id": 1}))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), status, "{previous:?}");
    }
    product.stop().await;
}

#[tokio::test]
async fn resume_ids_that_are_not_this_logs_get_a_reset_and_the_whole_log() {
    let product = Product::start().await;
    let (hash, session) = product.start_interaction(1).await;
    let mut first = product.stream(&hash, &session, None).await;
    let queued = first.next().await;
    let epoch = queued.id.split('-').next().unwrap().to_string();
    drop(first);
    let digits = "9".repeat(4_000);
    let bad: Vec<String> = vec![
        "garbage".into(),
        "1-2-3-4".into(),
        format!("{epoch}-1-"),
        format!("{epoch}-1-x"),
        format!("{epoch}-1-2-3"),
        format!("{epoch}-99-1796601600000"),
        "-1-1".into(),
        "1--1".into(),
        format!("{epoch}-"),
        format!("-{epoch}"),
        "99999999999999999999999-1".into(),
        format!("{epoch}-99999999999999999999999"),
        format!("{epoch}-99"),
        format!("{}-1", epoch.parse::<u64>().unwrap() - 1),
        "0-0".into(),
        format!(" {epoch}-1"),
        format!("{epoch}-1 "),
        "１-１".into(),
        digits,
        format!("{epoch}-1\u{0}"),
        format!("{epoch}-0x1"),
        format!("{epoch}-+1"),
    ];
    for id in &bad {
        for how in ["header", "query"] {
            let mut request = product.http.get(product.relay(&format!("/core/api/v1/interactions/{hash}/events"))).query(&[("token", &session)]);
            request = match how {
                // HTTP takes the spaces around a header's value away: those ids are fine there.
                "header" if id.trim() != id => continue,
                "header" => match reqwest::header::HeaderValue::from_str(id) {
                    Ok(value) => request.header("Last-Event-ID", value),
                    Err(_) => continue,
                },
                _ => request.query(&[("last_event_id", id)]),
            };
            let answer = request.send().await.unwrap();
            assert_eq!(answer.status(), 200, "{id:?} by {how}");
            let mut stream = crate::support::Sse::from_response(answer);
            let reset = stream.next().await;
            assert_eq!(reset.event, "reset", "{id:?} by {how}: {reset:?}");
            assert!(reset.json()["reason"].as_str().is_some_and(|r| !r.is_empty()));
            assert_eq!(stream.next().await.json()["state"], "queued", "then the whole log, from its start");
        }
    }
    // The right id resumes with no reset; an empty one is no id.
    for (id, expect_queued) in [(queued.id.clone(), false), (String::new(), true)] {
        let answer = product
            .http
            .get(product.relay(&format!("/core/api/v1/interactions/{hash}/events")))
            .query(&[("token", &session), ("last_event_id", &id)])
            .send()
            .await
            .unwrap();
        let mut stream = crate::support::Sse::from_response(answer);
        if expect_queued {
            assert_eq!(stream.next().await.json()["state"], "queued", "{id:?}");
        } else {
            product
                .http
                .post(product.relay(&format!("/webhooks/zchat/{}", crate::support::WEBHOOK_SECRET)))
                .json(&json!({"interaction_hash": hash, "state": "typing", "extra": {}}))
                .send()
                .await
                .unwrap();
            let next = stream.next().await;
            assert_eq!((next.event.as_str(), next.json()["state"].as_str()), ("trigger", Some("typing")), "resumed after {id:?}");
        }
    }
    assert!(session_for(&hash) == session, "the product's sessions are the test's");
    still_healthy(&product).await;
    product.stop().await;
}
