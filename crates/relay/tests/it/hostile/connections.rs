//! Connections and rates: a head that never ends, too many connections or streams from one
//! address or for one conversation, calls too fast (per address, IPv6 by its /64, and per
//! conversation), and the eviction of logs when the relay is full, counted.

use std::time::{Duration, Instant};

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::hostile::still_healthy;
use crate::support::{until, Log, Product, DEADLINE};

/// Reads until the server closes the connection; how long that took.
async fn closed_after(socket: &mut TcpStream) -> Duration {
    let started = Instant::now();
    let mut buffer = [0u8; 1024];
    tokio::time::timeout(DEADLINE, async {
        loop {
            match socket.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(_) => continue,
            }
        }
    })
    .await
    .expect("the server closes the connection before the deadline");
    started.elapsed()
}

#[tokio::test]
async fn a_connection_that_never_finishes_its_head_is_dropped_within_the_limit() {
    let product = Product::on(Log::Memory, |options| options.admission.header_timeout = Duration::from_secs(1)).await;
    for partial in [&b""[..], b"GET /healthz HTTP/1.1\r\n", b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: aaaa", b"G"] {
        let mut socket = TcpStream::connect(product.address()).await.unwrap();
        socket.write_all(partial).await.unwrap();
        let took = closed_after(&mut socket).await;
        assert!(took < Duration::from_secs(4), "{:?} held for {took:?}", String::from_utf8_lossy(partial));
    }
    still_healthy(&product).await;
    product.stop().await;
}

#[tokio::test]
async fn an_address_holding_too_many_connections_gets_no_more() {
    let product = Product::on(Log::Memory, |options| options.admission.connections_per_address = 4).await;
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(TcpStream::connect(product.address()).await.unwrap());
    }
    let mut fifth = TcpStream::connect(product.address()).await.unwrap();
    fifth.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.ok();
    closed_after(&mut fifth).await;
    let metrics = product.http.get(product.metrics()).send().await.unwrap().text().await.unwrap();
    assert!(metrics.lines().any(|l| l == "relay_connections_refused_total 1"), "{metrics}");
    drop(held);
    // The places come back as the connections close.
    until("a connection to be taken again", || async {
        let answer = reqwest::Client::new().get(product.relay("/healthz")).send().await.ok()?;
        answer.status().is_success().then_some(())
    })
    .await;
    product.stop().await;
}

#[tokio::test]
async fn calls_on_one_conversation_are_limited_per_minute_with_retry_after() {
    let product = Product::on(Log::Memory, |options| options.admission.interaction_requests_per_minute = 5).await;
    let (hash, session) = product.start_interaction(1).await;
    let (other, other_session) = product.start_interaction(1).await;
    let typing = |hash: &str, session: &str| {
        product.http.put(product.relay(&format!("/core/api/v1/interactions/{hash}/typing"))).json(&json!({"token": session})).send()
    };
    for n in 0..5 {
        assert_eq!(typing(&hash, &session).await.unwrap().status(), 200, "call {n}");
    }
    let refused = typing(&hash, &session).await.unwrap();
    assert_eq!(refused.status(), 429);
    let wait: u64 = refused.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(body, json!({"message": "Too many requests for this conversation; try again later", "status": 429}));
    // A stream open spends from the same budget; another conversation has its own.
    let stream =
        product.http.get(product.relay(&format!("/core/api/v1/interactions/{hash}/events"))).query(&[("token", &session)]).send().await.unwrap();
    assert_eq!(stream.status(), 429);
    assert_eq!(typing(&other, &other_session).await.unwrap().status(), 200);
    // A forged credential spends nothing of the conversation's budget: it is refused first.
    let forged = typing(&other, &format!("{other}.AAAA")).await.unwrap();
    assert_eq!(forged.status(), 401);
    product.stop().await;
}

#[tokio::test]
async fn calls_from_one_address_are_limited_and_ipv6_counts_by_its_64() {
    let product = Product::on(Log::Memory, |options| {
        options.admission.requests_per_minute = 3;
        options.admission.creates_per_minute = 2;
        options.trust_forwarded_for = true;
    })
    .await;
    let call = |client: &'static str| {
        product.http.put(product.relay("/core/api/v1/interactions/nope/typing")).header("X-Forwarded-For", client).json(&json!({"token": "x"})).send()
    };
    for client in ["2001:db8::1", "2001:db8::2", "2001:db8::ffff:1"] {
        assert_eq!(call(client).await.unwrap().status(), 401, "{client}: spent, then refused for its credential");
    }
    let refused = call("2001:db8:0:0:aaaa::9").await.unwrap();
    assert_eq!(refused.status(), 429, "the same /64");
    assert!(refused.headers().contains_key("retry-after"));
    assert_eq!(call("2001:db8:0:1::1").await.unwrap().status(), 401, "another /64");
    assert_eq!(call("192.0.2.1").await.unwrap().status(), 401, "another address");
    // Creates too: rotating inside a /64 buys nothing.
    let create = |client: &'static str| {
        product.http.post(product.relay("/core/api/v1/interactions")).header("X-Forwarded-For", client).json(&json!({"department_id": 1})).send()
    };
    assert_eq!(create("2001:db8:5::1").await.unwrap().status(), 200);
    assert_eq!(create("2001:db8:5::2").await.unwrap().status(), 200);
    assert_eq!(create("2001:db8:5::3").await.unwrap().status(), 429);
    product.stop().await;
}

#[tokio::test]
async fn open_streams_are_capped_per_conversation_and_per_address() {
    let product = Product::on(Log::Memory, |options| {
        options.admission.streams_per_interaction = 2;
        options.admission.streams_per_address = 3;
    })
    .await;
    let (hash, session) = product.start_interaction(1).await;
    let (other, other_session) = product.start_interaction(1).await;
    let open = |hash: &str, session: &str| {
        product.http.get(product.relay(&format!("/core/api/v1/interactions/{hash}/events"))).query(&[("token", session)]).send()
    };
    let first = open(&hash, &session).await.unwrap();
    let second = open(&hash, &session).await.unwrap();
    assert_eq!((first.status().as_u16(), second.status().as_u16()), (200, 200));
    let third = open(&hash, &session).await.unwrap();
    assert_eq!(third.status(), 429, "a third tab of one conversation");
    assert!(third.headers().contains_key("retry-after"));
    let on_other = open(&other, &other_session).await.unwrap();
    assert_eq!(on_other.status(), 200);
    assert_eq!(open(&other, &other_session).await.unwrap().status(), 429, "the address holds three");
    drop(first);
    until("the closed stream's place to come back", || async {
        let answer = open(&hash, &session).await.ok()?;
        (answer.status() == 200).then_some(answer)
    })
    .await;
    drop((second, on_other));
    product.stop().await;
}

#[tokio::test]
async fn a_full_relay_evicts_finished_then_unwatched_logs_and_counts_it() {
    let product = Product::on(Log::Memory, |options| options.limits.max_interactions = 3).await;
    let (watched, session) = product.start_interaction(1).await;
    let mut stream = product.stream(&watched, &session, None).await;
    stream.next().await;
    let (finished, _) = product.start_interaction(1).await;
    let webhook = product.relay(&format!("/webhooks/zchat/{}", crate::support::WEBHOOK_SECRET));
    product.http.post(&webhook).json(&json!({"interaction_hash": finished, "state": "finished"})).send().await.unwrap();
    let _ = product.start_interaction(1).await;
    let _ = product.start_interaction(1).await;
    let _ = product.start_interaction(1).await;
    let metrics = product.http.get(product.metrics()).send().await.unwrap().text().await.unwrap();
    for line in ["relay_evictions_total{reason=\"finished\"} 1", "relay_evictions_total{reason=\"idle\"} 1", "relay_interactions 3"] {
        assert!(metrics.lines().any(|l| l == line), "{line} in\n{metrics}");
    }
    // The watched conversation is still whole.
    let resumed = product.stream(&watched, &session, None).await.next().await;
    assert_eq!(resumed.json()["state"], "queued");
    drop(stream);
    still_healthy(&product).await;
    product.stop().await;
}

/// Reads from `socket` until `answers` whole responses to `GET /healthz` (`ok`) have come, or
/// the server closes; the status codes seen.
async fn statuses(socket: &mut TcpStream, answers: usize) -> Vec<String> {
    let mut seen = Vec::new();
    let mut buffer = [0u8; 4096];
    tokio::time::timeout(DEADLINE, async {
        while String::from_utf8_lossy(&seen).matches("HTTP/1.1 ").count() < answers || !String::from_utf8_lossy(&seen).ends_with("ok") {
            match socket.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(n) => seen.extend_from_slice(&buffer[..n]),
            }
        }
    })
    .await
    .expect("the answers come before the deadline");
    String::from_utf8_lossy(&seen).split("HTTP/1.1 ").skip(1).map(|answer| answer[..3].to_string()).collect()
}

/// A connection that waits between requests reads into a small buffer (vendor/hyper/CHANGES.md):
/// whatever shape the next request on it takes, it is read whole and answered, and a stream whose
/// visitor sends bytes mid-stream neither breaks the relay nor grows it.
#[tokio::test]
async fn a_waiting_connection_reads_its_next_request_whatever_its_shape() {
    let product = Product::on(Log::Memory, |_| {}).await;
    let get = |extra: &str| format!("GET /healthz HTTP/1.1\r\nHost: x\r\n{extra}\r\n").into_bytes();
    let big_header = format!("X-Pad: {}\r\n", "a".repeat(6_000));
    let many_headers: String = (0..60).map(|n| format!("X-H{n}: {}\r\n", "b".repeat(40))).collect();
    // (the next request's bytes, how they are written: in pieces of this size, answers expected)
    let cases: Vec<(&str, Vec<u8>, usize, usize)> = vec![
        ("a small head", get(""), usize::MAX, 1),
        ("a 6 KB header", get(&big_header), usize::MAX, 1),
        ("60 headers", get(&many_headers), usize::MAX, 1),
        ("a head byte by byte", get("X-A: 1\r\n"), 1, 1),
        ("a head in 63-byte pieces", get(&big_header), 63, 1),
        ("a head in 65-byte pieces", get(&big_header), 65, 1),
        ("two requests in one write", [get(""), get(&big_header)].concat(), usize::MAX, 2),
    ];
    for (what, next, piece, answers) in cases {
        let mut socket = TcpStream::connect(product.address()).await.unwrap();
        socket.write_all(&get("")).await.unwrap();
        assert_eq!(statuses(&mut socket, 1).await, ["200"], "{what}: the first request");
        // The connection now waits: the next request comes as a client would send it.
        for chunk in next.chunks(piece.min(next.len())) {
            socket.write_all(chunk).await.unwrap();
            socket.flush().await.unwrap();
        }
        assert_eq!(statuses(&mut socket, answers).await, vec!["200"; answers], "{what}");
    }

    // A head far over any limit on a waiting connection: refused or closed, never a panic.
    let mut socket = TcpStream::connect(product.address()).await.unwrap();
    socket.write_all(&get("")).await.unwrap();
    assert_eq!(statuses(&mut socket, 1).await, ["200"]);
    let _ = socket.write_all(&get(&format!("X-Pad: {}\r\n", "c".repeat(1 << 20)))).await;
    let refused = statuses(&mut socket, 1).await;
    assert!(refused.iter().all(|status| status.starts_with('4')), "{refused:?}");

    // An event stream whose client sends bytes mid-stream (garbage, then a request): the relay
    // stays healthy and answers others.
    let created: serde_json::Value =
        product.http.post(product.relay("/core/api/v1/interactions")).json(&json!({"department_id": 1})).send().await.unwrap().json().await.unwrap();
    let (hash, session) = (created["data"]["interaction_hash"].as_str().unwrap(), created["data"]["session"].as_str().unwrap());
    let mut stream = TcpStream::connect(product.address()).await.unwrap();
    stream.write_all(format!("GET /core/api/v1/interactions/{hash}/events?token={session} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes()).await.unwrap();
    let mut head = [0u8; 256];
    let n = tokio::time::timeout(DEADLINE, stream.read(&mut head)).await.expect("the stream answers").unwrap();
    assert!(String::from_utf8_lossy(&head[..n]).starts_with("HTTP/1.1 200"), "{}", String::from_utf8_lossy(&head[..n]));
    let _ = stream.write_all(&[0xff; 300]).await;
    let _ = stream.write_all(&get(&big_header)).await;
    still_healthy(&product).await;
    product.stop().await;
}
