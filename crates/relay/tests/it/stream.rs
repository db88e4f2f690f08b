//! The SSE stream: triggers and visitor messages in order, ids, resume, reset.

use futures_util::StreamExt;
use serde_json::json;

use crate::support::Product;

#[tokio::test]
async fn queued_accepted_and_agent_messages_arrive_in_order_with_ids() {
    let product = Product::start().await;
    let (hash, session) = product.start_interaction(1).await;
    let mut stream = product.stream(&hash, &session, None).await;
    let queued = stream.next().await;
    assert_eq!(queued.event, "trigger");
    assert_eq!(queued.json(), json!({"interaction_hash": hash, "state": "queued", "position": 1, "extra": {"clientId": "c1"}}));

    product.agent(&hash, "accept", json!({})).await;
    let accepted = stream.next().await;
    assert_eq!(accepted.json()["state"], "accepted");
    product.agent(&hash, "messages", json!({"content": "Olá, Maria!"})).await;
    let message = stream.next().await;
    assert_eq!(message.json()["message"]["content"], "Olá, Maria!");
    assert_eq!(message.json()["agent"]["name"], "Atendente");

    let ids: Vec<zchat_types::EventId> = [&queued, &accepted, &message].iter().map(|e| e.id.parse().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[1].epoch == w[0].epoch && w[1].seq == w[0].seq + 1), "{ids:?}");
    assert!([&queued, &accepted, &message].iter().all(|e| e.id.matches('-').count() == 1), "ids as EPOCH-SEQ unless times are asked for");

    // Asked for (`times=1`, as the widget does), each id also says when the relay logged its event
    // (a trigger carries no time of its own); the same ids otherwise.
    let answer = product
        .http
        .get(format!("{}/core/api/v1/interactions/{hash}/events", product.running.relay_url))
        .query(&[("token", session.as_str()), ("times", "1")])
        .send()
        .await
        .unwrap();
    let mut timed = crate::support::Sse::from_response(answer);
    let again: Vec<_> = [timed.next().await, timed.next().await, timed.next().await].into();
    let parsed: Vec<zchat_types::EventId> = again.iter().map(|e| e.id.parse().unwrap()).collect();
    assert_eq!(parsed, ids);
    let times: Vec<u64> = again.iter().map(|e| zchat_types::logged_at(&e.id).unwrap()).collect();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as u64;
    assert!(times.windows(2).all(|w| w[0] <= w[1]) && times[2] <= now && now - times[0] < 60_000, "{times:?} at {now}");
    product.running.stop().await;
}

#[tokio::test]
async fn visitor_messages_reach_every_tab_with_their_key() {
    let product = Product::start().await;
    let (hash, session) = product.start_interaction(1).await;
    let mut tab_one = product.stream(&hash, &session, None).await;
    let mut tab_two = product.stream(&hash, &session, None).await;
    let answer = product
        .http
        .post(product.relay(&format!("/core/api/v1/interactions/{hash}/messages")))
        .header("Idempotency-Key", "key-1")
        .json(&json!({"token": session, "content": "Preciso de ajuda"}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    for tab in [&mut tab_one, &mut tab_two] {
        let event = tab.until("customer_message", |_| true).await;
        let data = event.json();
        assert_eq!(
            (data["content"].as_str(), data["client_key"].as_str(), data["type"].as_str()),
            (Some("Preciso de ajuda"), Some("key-1"), Some("text"))
        );
        assert!(data["sent_at"].as_u64().unwrap() > 0);
    }
    product.running.stop().await;
}

#[tokio::test]
async fn a_reconnect_with_last_event_id_gets_exactly_what_it_missed() {
    let product = Product::start().await;
    let (hash, session) = product.start_interaction(1).await;
    let mut first = product.stream(&hash, &session, None).await;
    let queued = first.next().await;
    drop(first);
    product.agent(&hash, "accept", json!({})).await;
    product.agent(&hash, "messages", json!({"content": "one"})).await;
    product.agent(&hash, "messages", json!({"content": "two"})).await;

    let mut resumed = product.stream(&hash, &session, Some(&queued.id)).await;
    assert_eq!(resumed.next().await.json()["state"], "accepted");
    assert_eq!(resumed.next().await.json()["message"]["content"], "one");
    let last = resumed.next().await;
    assert_eq!(last.json()["message"]["content"], "two");

    // Resuming from the last event: nothing is replayed; the next event is a new one.
    let mut caught_up = product.stream(&hash, &session, Some(&last.id)).await;
    product.agent(&hash, "messages", json!({"content": "three"})).await;
    assert_eq!(caught_up.next().await.json()["message"]["content"], "three");
    product.running.stop().await;
}

#[tokio::test]
async fn an_id_the_log_cannot_resume_from_gets_reset_then_the_whole_log() {
    let product = Product::start().await;
    let (hash, session) = product.start_interaction(1).await;
    for bad in ["1-999", "garbage"] {
        let mut stream = product.stream(&hash, &session, Some(bad)).await;
        let reset = stream.next().await;
        assert_eq!(reset.event, "reset", "for {bad}");
        assert!(!reset.json()["reason"].as_str().unwrap().is_empty());
        assert!(reset.id.ends_with("-0"), "a reset's id means 'before the first event'");
        assert_eq!(stream.next().await.json()["state"], "queued", "the log replays from its start");
    }
    let no_session = product.http.get(product.relay(&format!("/core/api/v1/interactions/{hash}/events"))).send().await.unwrap();
    assert_eq!(no_session.status(), 401);
    product.running.stop().await;
}

#[tokio::test]
async fn after_a_relay_restart_a_stream_resets_and_the_session_still_works() {
    let start = || {
        let mut options = zchat_relay::Config::for_tests(std::env::temp_dir());
        options.session_secret = Some("kept across restarts, 32 bytes or more".into());
        zchat_relay::launch::launch(options)
    };
    let http = reqwest::Client::new();
    let first = start().await.unwrap();
    let (hash, session) = crate::support::start_interaction(&http, &first.relay_url, &json!({"department_id": 1})).await;
    let product = crate::support::Product { running: first, http: http.clone(), redis: None };
    let mut stream = product.stream(&hash, &session, None).await;
    let seen = stream.next().await;
    drop(stream);
    product.running.stop().await;

    let second = start().await.unwrap();
    let product = crate::support::Product { running: second, http, redis: None };
    let mut stream = product.stream(&hash, &session, Some(&seen.id)).await;
    let reset = stream.next().await;
    assert_eq!(reset.event, "reset");
    assert_eq!(reset.json()["reason"], "this conversation's event log was restarted");
    product.running.stop().await;
}

#[tokio::test]
async fn streams_end_cleanly_when_the_relay_stops() {
    let product = Product::start().await;
    let (hash, session) = product.start_interaction(1).await;
    let mut stream = product.stream(&hash, &session, None).await;
    stream.next().await;
    let stopping = tokio::spawn(product.running.stop());
    tokio::time::timeout(crate::support::DEADLINE, stopping).await.expect("the relay stops with a stream open").unwrap();
    assert!(stream.ended().await, "the stream ended");
}

#[tokio::test]
async fn a_trigger_that_arrives_before_the_create_answer_is_held_and_delivered() {
    let product = Product::start().await;
    let faults = product.http.put(product.sandbox("/agent/faults")).json(&json!({"api": {"answer_after_triggers": true}})).send().await.unwrap();
    assert_eq!(faults.status(), 200);
    // zChat posts `queued` and answers the create only once the relay has taken it.
    let (hash, session) = product.start_interaction(1).await;
    let metrics = product.http.get(product.metrics()).send().await.unwrap().text().await.unwrap();
    assert!(metrics.lines().any(|l| l == "relay_webhooks_total{outcome=\"held\"} 1"), "the trigger came first:\n{metrics}");
    let mut stream = product.stream(&hash, &session, None).await;
    let queued = stream.next().await;
    assert_eq!(queued.json()["state"], "queued");
    assert_eq!(queued.id.parse::<zchat_types::EventId>().unwrap().seq, 1, "it is the log's first event");
    product.running.stop().await;
}

#[tokio::test]
async fn a_stream_ends_after_its_lifetime_and_the_resume_misses_nothing() {
    let mut options = zchat_relay::Config::for_tests(std::env::temp_dir());
    options.limits.stream_max = Some(std::time::Duration::from_millis(300));
    let running = zchat_relay::launch::launch(options).await.unwrap();
    let product = Product { running, http: reqwest::Client::new(), redis: None };
    let (hash, session) = product.start_interaction(1).await;
    let mut stream = product.stream(&hash, &session, None).await;
    let queued = stream.next().await;
    assert!(stream.ended().await, "the relay ended the stream");
    product.agent(&hash, "accept", json!({})).await;
    let mut resumed = product.stream(&hash, &session, Some(&queued.id)).await;
    assert_eq!(resumed.next().await.json()["state"], "accepted");
    product.running.stop().await;
}

#[tokio::test]
async fn a_quiet_stream_says_it_is_alive_and_a_busy_one_still_ends_on_time() {
    let mut options = zchat_relay::Config::for_tests(std::env::temp_dir());
    options.limits.heartbeat = std::time::Duration::from_millis(100);
    options.limits.stream_max = Some(std::time::Duration::from_millis(1500));
    options.webhook_secret = Some(crate::support::WEBHOOK_SECRET.into());
    let running = zchat_relay::launch::launch(options).await.unwrap();
    let product = Product { running, http: reqwest::Client::new(), redis: None };
    let (hash, session) = product.start_interaction(1).await;
    let answer = product
        .http
        .get(product.relay(&format!("/core/api/v1/interactions/{hash}/events")))
        .query(&[("token", session.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.headers()["content-type"], "text/event-stream");
    assert_eq!(answer.headers()["cache-control"], "no-cache, no-store");
    let mut body = answer.bytes_stream();
    let mut seen = String::new();
    // The opening, the queued event, then heartbeats while nothing happens.
    while seen.matches(": heartbeat\n\n").count() < 2 {
        let chunk = tokio::time::timeout(std::time::Duration::from_secs(5), body.next()).await.expect("a heartbeat in time");
        seen.push_str(std::str::from_utf8(&chunk.unwrap().unwrap()).unwrap());
    }
    assert!(seen.starts_with("retry: ") && seen.contains("\n: connected\n\n"), "{seen}");
    assert!(seen.contains("event: trigger\nid: "), "{seen}");
    // Busy (an agent's message after another, as fast as the relay takes them): the stream
    // ends at its lifetime all the same.
    let url = product.relay(&format!("/webhooks/zchat/{}", crate::support::WEBHOOK_SECRET));
    let busy = async {
        for n in 0.. {
            let message = json!({"interaction_hash": hash, "message": {"hash": format!("busy-{n}"), "content": "…", "type": "text"}, "agent": {"id": 1, "name": "Bia"}});
            assert_eq!(product.http.post(&url).json(&message).send().await.unwrap().status(), 200);
        }
    };
    let ended = async { while let Some(Ok(_)) = body.next().await {} };
    let ended_in_time = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        tokio::select! {
            _ = busy => unreachable!("the messages go on"),
            _ = ended => {}
        }
    })
    .await;
    assert!(ended_in_time.is_ok(), "a busy stream ends at its lifetime");
    product.running.stop().await;
}

/// Streams opened together (browsers back after a restart) do not beat together: each one's
/// first heartbeat comes at its own point of the first period, never later than the period.
#[tokio::test]
async fn streams_opened_together_spread_their_heartbeats_over_the_period() {
    const STREAMS: usize = 12;
    let heartbeat = std::time::Duration::from_secs(2);
    let mut options = zchat_relay::Config::for_tests(std::env::temp_dir());
    options.limits.heartbeat = heartbeat;
    let running = zchat_relay::launch::launch(options).await.unwrap();
    let product = Product { running, http: reqwest::Client::new(), redis: None };
    let mut interactions = Vec::new();
    for _ in 0..STREAMS {
        interactions.push(product.start_interaction(1).await);
    }
    let first_heartbeats = interactions.iter().map(|(hash, session)| {
        let request = product.http.get(product.relay(&format!("/core/api/v1/interactions/{hash}/events"))).query(&[("token", session.as_str())]);
        async move {
            let answer = request.send().await.unwrap();
            let opened = std::time::Instant::now();
            let mut body = answer.bytes_stream();
            let mut seen = String::new();
            while !seen.contains(": heartbeat\n\n") {
                let chunk = tokio::time::timeout(std::time::Duration::from_secs(10), body.next()).await.expect("a heartbeat in time");
                seen.push_str(std::str::from_utf8(&chunk.unwrap().unwrap()).unwrap());
            }
            opened.elapsed()
        }
    });
    let after = futures_util::future::join_all(first_heartbeats).await;
    let slack = std::time::Duration::from_millis(500);
    assert!(after.iter().all(|&after| after <= heartbeat + slack), "every first heartbeat within the period: {after:?}");
    let (earliest, latest) = (after.iter().min().unwrap(), after.iter().max().unwrap());
    // Twelve points drawn evenly over 2 s fall within 0.4 s of each other once in millions.
    assert!(*latest - *earliest >= std::time::Duration::from_millis(400), "spread over the period, not together: {after:?}");
    product.running.stop().await;
}
