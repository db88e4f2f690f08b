//! Redis that fails over, with nothing lost: two `zchat-relay` processes on a primary with two
//! replicas watched by three Redis Sentinels (`zchat_testkit::sentinel`, all real processes), the
//! sandbox's webhooks to relay A, the visitor's stream on relay B. The primary is killed mid-
//! conversation (SIGKILL, as a machine dies), more than once: every agent message reaches the
//! visitor exactly once and in order, the stream resuming with its last id; no relay restarts.
//! And a trigger is acknowledged to zChat only once a replica has it (`WAIT`): refused (503) while
//! the replica stalls, taken and delivered once when zChat sends it again; one a relay took on
//! the primary's word alone (`RELAY_REDIS_MIN_REPLICAS=0`) is lost with it, one it refused is
//! not. No id the lost primary gave out is given again.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use zchat_testkit::sentinel::Sentinels;

use crate::shared::Relay;
use crate::support::{open_stream, serve_sandbox, start_interaction, until, Sse};

/// What the visitor's browser does: reads the stream, and when it ends opens it again with the
/// last id it has (as `EventSource` does), until told to stop. Every event it was given, in order.
fn visitor(relay: String, hash: String, session: String) -> Arc<Mutex<Vec<(String, Value)>>> {
    let seen: Arc<Mutex<Vec<(String, Value)>>> = Arc::default();
    let given = Arc::clone(&seen);
    tokio::spawn(async move {
        let http = reqwest::Client::new();
        let mut last_id: Option<String> = None;
        loop {
            // (Refused while the relay has no Redis: tried again, as a browser does, without end;
            // the test's own waits say what never came.)
            let mut request = http.get(format!("{relay}/core/api/v1/interactions/{hash}/events")).query(&[("token", &session)]);
            if let Some(id) = &last_id {
                request = request.header("Last-Event-ID", id);
            }
            let Some(answer) = request.send().await.ok().filter(|answer| answer.status() == 200) else {
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            };
            let mut stream = Sse::from_response(answer);
            while let Some(event) = stream.next_or_end().await {
                last_id = Some(event.id.clone());
                given.lock().unwrap().push((event.event.clone(), event.json()));
            }
        }
    });
    seen
}

/// Redis with `replicas` replicas under Sentinel, two relays on it, one waiting for a replica
/// (the default) and one trusting the primary's word (`RELAY_REDIS_MIN_REPLICAS=0`), and a
/// conversation; zChat's triggers are posted by the test, as zChat would send them.
struct Triggers {
    redis: Sentinels,
    stop_sandbox: tokio::sync::watch::Sender<bool>,
    waits: Relay,
    trusts: Relay,
    http: reqwest::Client,
    hash: String,
    session: String,
}

impl Triggers {
    async fn start(replicas: usize) -> Triggers {
        let redis = Sentinels::start(replicas).await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let sandbox_url = format!("http://{}", listener.local_addr().unwrap());
        let stop_sandbox = serve_sandbox(listener, None);
        let waits = Relay::on_sentinels(&sandbox_url, &redis.addresses(), &[]).await;
        let trusts = Relay::on_sentinels(&sandbox_url, &redis.addresses(), &[("RELAY_REDIS_MIN_REPLICAS", "0")]).await;
        let http = reqwest::Client::new();
        let (hash, session) = start_interaction(&http, &waits.url, &json!({"department_id": 1, "customer": {"name": "Ana Réplica"}})).await;
        Triggers { redis, stop_sandbox, waits, trusts, http, hash, session }
    }
}

/// An agent's message trigger, `content` its hash too.
fn agent_message(hash: &str, content: &str) -> Value {
    json!({"interaction_hash": hash, "message": {"hash": content, "content": content, "type": "text"}, "agent": {"id": 111, "name": "Atendente"}, "extra": {}})
}

/// The agent messages' contents among `events`.
fn agent_messages(events: &[(String, Value)]) -> Vec<String> {
    events
        .iter()
        .filter(|(kind, data)| kind == "trigger" && data["message"].is_object())
        .map(|(_, data)| data["message"]["content"].as_str().unwrap().to_string())
        .collect()
}

/// The agent writes `content` in the console (the sandbox sends its trigger to relay A, again
/// and again until it is taken).
async fn agent_writes(http: &reqwest::Client, sandbox: &str, hash: &str, content: &str) {
    let answer = http.post(format!("{sandbox}/agent/interactions/{hash}/messages")).json(&json!({"content": content})).send().await.unwrap();
    assert!(answer.status().is_success(), "the console takes the message");
}

#[tokio::test]
async fn the_primary_killed_mid_conversation_loses_no_message_and_the_relays_follow_the_new_one() {
    let kills: usize = std::env::var("FAILOVER_KILLS").ok().and_then(|n| n.parse().ok()).unwrap_or(2);
    let mut redis = Sentinels::start(2).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sandbox_url = format!("http://{}", listener.local_addr().unwrap());
    let sentinels = redis.addresses();
    let (a, b) = tokio::join!(Relay::on_sentinels(&sandbox_url, &sentinels, &[]), Relay::on_sentinels(&sandbox_url, &sentinels, &[]));
    let stop_sandbox = serve_sandbox(listener, Some(a.webhook()));
    let http = reqwest::Client::new();
    let (hash, session) = start_interaction(&http, &a.url, &json!({"department_id": 1, "customer": {"name": "Ana Failover"}})).await;
    let accepted = http.post(format!("{sandbox_url}/agent/interactions/{hash}/accept")).json(&json!({})).send().await.unwrap();
    assert!(accepted.status().is_success());
    let seen = visitor(b.url.clone(), hash.clone(), session);
    let mut sent = Vec::new();
    let delivered = |n: usize| {
        let seen = Arc::clone(&seen);
        move || {
            let seen = Arc::clone(&seen);
            async move { (agent_messages(&seen.lock().unwrap()).len() >= n).then_some(()) }
        }
    };

    for round in 0..kills {
        for k in 0..3 {
            sent.push(format!("before failover {round}, message {k}"));
            agent_writes(&http, &sandbox_url, &hash, sent.last().unwrap()).await;
        }
        until("the messages before the failover", delivered(sent.len())).await;

        let killed_at = Instant::now();
        let old = redis.kill_primary().await;
        // What the relays see: from the kill to the first webhook acknowledged after it (zChat's
        // own retries come later, on its backoff): a state trigger posted again and again.
        let taken_again = tokio::spawn({
            let (http, url, hash) = (http.clone(), a.webhook(), hash.clone());
            let probes = std::sync::atomic::AtomicU64::new(0);
            async move {
                until("a webhook acknowledged after the kill", || async {
                    let n = probes.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let body = json!({"interaction_hash": hash, "state": "typing", "extra": {"probe": n}});
                    let answer = http.post(&url).json(&body).send().await.ok()?;
                    (answer.status() == 200).then_some(())
                })
                .await;
                killed_at.elapsed()
            }
        });
        // The agent goes on writing while the sentinels decide: those triggers are refused (503)
        // until the relays are on the new primary and a replica has each, and zChat sends them again.
        for k in 0..3 {
            sent.push(format!("during failover {round}, message {k}"));
            agent_writes(&http, &sandbox_url, &hash, sent.last().unwrap()).await;
        }
        let new = redis.promoted_other_than(old).await;
        let promoted = killed_at.elapsed();
        until("the messages written during the failover", delivered(sent.len())).await;
        let back = killed_at.elapsed();
        let taken_again = taken_again.await.unwrap();
        println!(
            "failover {round}: primary {old} killed; {new} promoted after {promoted:?}; a webhook acknowledged again after {taken_again:?}; \
             the visitor had every message after {back:?}"
        );
        // The machine comes back, as a replica of the new primary.
        redis.restart(old).await;
    }
    sent.push("after the failovers".into());
    agent_writes(&http, &sandbox_url, &hash, sent.last().unwrap()).await;
    until("the last message", delivered(sent.len())).await;
    assert_eq!(agent_messages(&seen.lock().unwrap()), sent, "every message once, in order");
    assert!(seen.lock().unwrap().iter().all(|(kind, _)| kind != "reset"), "the stream always resumed where it was");
    let _ = stop_sandbox.send(true);
}

#[tokio::test]
async fn a_trigger_is_taken_only_once_a_replica_has_it_and_delivered_once_when_sent_again() {
    let Triggers { redis, stop_sandbox, waits: a, trusts: b, http, hash, session } = Triggers::start(1).await;
    let hash = hash.as_str();
    let message = |n: usize| agent_message(hash, &format!("message {n}"));
    let post = |relay: &Relay, body: Value| {
        let (http, url) = (http.clone(), relay.webhook());
        async move { http.post(url).json(&body).send().await.unwrap() }
    };
    assert_eq!(post(&a, message(0)).await.status(), 200, "a replica in sync: taken at once");
    let mut stream = open_stream(&http, &a.url, hash, &session, None).await;
    assert_eq!(stream.next().await.json()["message"]["content"], "message 0");

    // The replica stalls (as behind a slow link) for longer than a call waits for it.
    let replica = redis.replicas().await[0];
    redis.freeze(replica, true);
    let started = Instant::now();
    let refused = post(&a, message(1)).await;
    assert_eq!(refused.status(), 503, "not on a replica in time: zChat is told to send it again");
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["status"], 503, "in the reference's error shape");
    assert!(started.elapsed() >= Duration::from_millis(900), "it waited for the replica");
    // A relay that asks for no replica takes a trigger on the primary's word (another
    // conversation's, so that nothing else of this one is published meanwhile).
    let (other, _) = start_interaction(&http, &a.url, &json!({"department_id": 1, "customer": {"name": "Outra"}})).await;
    let started = Instant::now();
    let mut elsewhere = message(2);
    elsewhere["interaction_hash"] = json!(other);
    assert_eq!(post(&b, elsewhere).await.status(), 200);
    assert!(started.elapsed() < Duration::from_millis(900), "without waiting for the stalled replica");
    redis.freeze(replica, false);

    // zChat sends the refused one again: it is in the log already (never published), and now on
    // the replica too: taken, and published then (nothing else would bring it to the stream).
    assert_eq!(post(&a, message(1)).await.status(), 200);
    assert_eq!(stream.next().await.json()["message"]["content"], "message 1");
    assert_eq!(post(&a, message(1)).await.status(), 200, "and a redelivery after that is recognised");

    // The same for a state trigger: refused while the replica stalls, published when sent again.
    let typing = json!({"interaction_hash": hash, "state": "typing", "extra": {"n": 1}});
    redis.freeze(replica, true);
    assert_eq!(post(&a, typing.clone()).await.status(), 503);
    redis.freeze(replica, false);
    assert_eq!(post(&a, typing).await.status(), 200);
    assert_eq!(stream.next().await.json()["state"], "typing");

    let mut replay = open_stream(&http, &a.url, hash, &session, None).await;
    let mut kinds = Vec::new();
    while kinds.len() < 3 {
        let event = replay.next().await.json();
        kinds.push(event["message"]["content"].as_str().or(event["state"].as_str()).unwrap_or_default().to_string());
    }
    assert_eq!(kinds, ["message 0", "message 1", "typing"], "each once, in the log's order");
    let _ = stop_sandbox.send(true);
    drop((redis, b));
}

#[tokio::test]
async fn an_id_the_lost_primary_gave_out_is_never_given_again() {
    let mut redis = Sentinels::start(2).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sandbox_url = format!("http://{}", listener.local_addr().unwrap());
    let a = Relay::on_sentinels(&sandbox_url, &redis.addresses(), &[]).await;
    let stop_sandbox = serve_sandbox(listener, Some(a.webhook()));
    let http = reqwest::Client::new();
    let (hash, session) = start_interaction(&http, &a.url, &json!({"department_id": 1, "customer": {"name": "Ana Perdida"}})).await;
    let accepted = http.post(format!("{sandbox_url}/agent/interactions/{hash}/accept")).json(&json!({})).send().await.unwrap();
    assert!(accepted.status().is_success());
    let mut stream = open_stream(&http, &a.url, &hash, &session, None).await;
    stream.until("trigger", |data| data["state"] == "accepted").await;

    // The replicas stall; the visitor's message is logged on the primary alone (it waits for no
    // replica: zChat has it) and streamed; then the primary dies with it.
    let replicas = redis.cut_off_replicas().await;
    let sent = http
        .post(format!("{}/core/api/v1/interactions/{hash}/messages", a.url))
        .header("Idempotency-Key", "lost-with-the-primary")
        .json(&json!({"token": session, "content": "Só o primário viu"}))
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 200);
    let lost = stream.until("customer_message", |_| true).await;
    let old = redis.kill_primary().await;
    for replica in &replicas {
        redis.freeze(*replica, false);
    }
    redis.promoted_other_than(old).await;
    assert!(stream.next_or_end().await.is_none(), "the stream ends when the primary goes");

    // The agent writes after the failover, before the visitor is back: the promoted replica
    // never had the visitor's message, and its id must not be given to the agent's, or the
    // browser, resuming after that id, would skip the agent's message.
    agent_writes(&http, &sandbox_url, &hash, "Depois da troca").await;
    until("the agent's message taken", || async {
        let deliveries: Value = http.get(format!("{sandbox_url}/agent/webhooks")).send().await.ok()?.json().await.ok()?;
        deliveries.as_array()?.iter().any(|d| d["trigger"]["message"]["content"] == "Depois da troca" && d["delivered"] == true).then_some(())
    })
    .await;
    let mut resumed = until("the stream to open again", || async {
        let answer = http
            .get(format!("{}/core/api/v1/interactions/{hash}/events", a.url))
            .query(&[("token", &session)])
            .header("Last-Event-ID", &lost.id)
            .send()
            .await
            .ok()?;
        (answer.status() == 200).then(|| Sse::from_response(answer))
    })
    .await;
    let next = resumed.until("trigger", |data| data["message"].is_object()).await;
    assert_eq!(next.json()["message"]["content"], "Depois da troca");
    let _ = stop_sandbox.send(true);
}

#[tokio::test]
async fn a_trigger_taken_on_the_primary_s_word_alone_dies_with_it_and_one_a_replica_had_does_not() {
    let Triggers { mut redis, stop_sandbox, waits, trusts, http, hash, session } = Triggers::start(2).await;
    let message = |content: &str| agent_message(&hash, content);
    let post = |relay: &Relay, body: Value| {
        let (http, url) = (http.clone(), relay.webhook());
        async move { http.post(url).json(&body).send().await.unwrap().status().as_u16() }
    };

    // The replicas are cut off: whatever the primary takes now, it alone has.
    let replicas = redis.cut_off_replicas().await;
    assert_eq!(post(&trusts, message("on the primary's word")).await, 200, "RELAY_REDIS_MIN_REPLICAS=0: taken at once");
    assert_eq!(post(&waits, message("on a replica")).await, 503, "RELAY_REDIS_MIN_REPLICAS=1: not taken");

    // The primary dies; a replica takes over; zChat sends what was refused again.
    let old = redis.kill_primary().await;
    for replica in &replicas {
        redis.freeze(*replica, false);
    }
    redis.promoted_other_than(old).await;
    until("the refused trigger taken on the new primary", || async { (post(&waits, message("on a replica")).await == 200).then_some(()) }).await;

    let mut replay = open_stream(&http, &waits.url, &hash, &session, None).await;
    let mut messages = Vec::new();
    while messages.is_empty() {
        let event = replay.next().await.json();
        if let Some(content) = event["message"]["content"].as_str() {
            messages.push(content.to_string());
        }
    }
    // (It was logged first: had it survived, it would come first.)
    assert_eq!(messages, ["on a replica"], "what was acknowledged on the primary's word alone is gone with it");
    let _ = stop_sandbox.send(true);
}

#[tokio::test]
async fn sentinels_that_never_answer_leave_the_relay_up_and_refusing_with_503() {
    for sentinels in ["nohost", "127.0.0.1:9,127.0.0.1:notaport", "redis://[::1"] {
        let relay = Relay::on_sentinels("http://127.0.0.1:9", sentinels, &[]).await;
        let answer = reqwest::Client::new().post(relay.webhook()).json(&agent_message("unknown", "Olá")).send().await.unwrap();
        assert_eq!(answer.status(), 503, "{sentinels}");
        assert_eq!(answer.json::<Value>().await.unwrap()["status"], 503, "{sentinels}: in the reference's error shape");
        let stream = reqwest::get(format!("{}/core/api/v1/interactions/h/events?token=x", relay.url)).await.unwrap();
        assert!(stream.status().is_client_error() || stream.status() == 503, "{sentinels}: {}", stream.status());
        assert!(reqwest::get(format!("{}/healthz", relay.url)).await.unwrap().status().is_success(), "{sentinels}: still up");
    }
}
