//! Several relays sharing one event log on Redis, all real processes started here on free ports:
//! two `zchat-relay` processes, one `redis-server` (scripts/setup.sh installs it) and the sandbox.
//! A webhook to one relay reaches a stream on the other; a stream moves between them with
//! `Last-Event-ID` and resumes exactly; concurrent webhooks through both keep one strictly
//! increasing id sequence; a relay killed, then every relay restarted, loses nothing; Redis
//! stopped and started again, the relays recover by themselves.

use std::process::Stdio;

use serde_json::{json, Value};
use tokio::process::{Child, Command};

use crate::support::{free_port, open_stream, until, Redis, Sse};

const SECRET: &str = "shared-webhook-secret";

/// A `zchat-relay` process on the shared log.
struct Relay {
    url: String,
    process: Child,
}

impl Relay {
    async fn start(port: u16, sandbox: &str, redis: &str) -> Relay {
        let url = format!("http://127.0.0.1:{port}");
        let process = Command::new(env!("CARGO_BIN_EXE_zchat-relay"))
            .args(["--listen", &format!("127.0.0.1:{port}"), "--public-url", &url, "--api-base", sandbox])
            .args(["--token", zchat_sandbox::DEFAULT_TOKEN, "--webhook-secret", SECRET, "--session-secret", "shared-sessions-of-every-relay-here"])
            .args(["--redis-url", redis, "--demo-page", "false", "--widget-dir", "/nonexistent", "--metrics-listen", "off"])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("the relay binary");
        let health = format!("{url}/healthz");
        until("the relay to answer", || async { reqwest::get(&health).await.ok().filter(|a| a.status().is_success()) }).await;
        Relay { url, process }
    }

    fn webhook(&self) -> String {
        format!("{}/webhooks/zchat/{SECRET}", self.url)
    }

    async fn stream(&self, hash: &str, session: &str, last_event_id: Option<&str>) -> Sse {
        open_stream(&reqwest::Client::new(), &self.url, hash, session, last_event_id).await
    }
}

/// The sandbox in this process, its webhooks going to `webhook`.
async fn sandbox(webhook: String) -> (String, tokio::sync::watch::Sender<bool>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let config = zchat_sandbox::Config { account: zchat_sandbox::Account::default(), webhook_url: Some(webhook) };
    tokio::spawn(zchat_sandbox::serve(listener, config, async move {
        let mut stopping = stopping;
        let _ = stopping.wait_for(|stop| *stop).await;
    }));
    (url, stop)
}

/// Starts an interaction through `relay`: (hash, session).
async fn start_interaction(relay: &Relay, name: &str) -> (String, String) {
    let body = json!({"department_id": 1, "customer": {"name": name}});
    crate::support::start_interaction(&reqwest::Client::new(), &relay.url, &body).await
}

fn agent_message(hash: &str, n: usize) -> Value {
    json!({"interaction_hash": hash, "message": {"hash": format!("m{n}"), "content": format!("message {n}"), "type": "text"},
           "agent": {"id": 111, "name": "Atendente"}, "extra": {}})
}

fn seq(id: &str) -> u64 {
    id.split('-').nth(1).unwrap().parse().unwrap()
}

#[tokio::test]
async fn two_relays_share_one_log() {
    let mut redis = Redis::start().await;
    let (a_port, b_port) = (free_port(), free_port());
    let (sandbox_url, stop_sandbox) = sandbox(format!("http://127.0.0.1:{a_port}/webhooks/zchat/{SECRET}")).await;
    let a = Relay::start(a_port, &sandbox_url, &redis.url()).await;
    let b = Relay::start(b_port, &sandbox_url, &redis.url()).await;
    let http = reqwest::Client::new();

    // Created through A, streamed from B: the sandbox's `queued` webhook went to A.
    let (hash, session) = start_interaction(&a, "Compartilhada").await;
    let mut on_b = b.stream(&hash, &session, None).await;
    let queued = on_b.next().await;
    assert_eq!((queued.event.as_str(), seq(&queued.id)), ("trigger", 1));
    assert_eq!(queued.json()["state"], "queued");

    // Concurrent webhooks for one interaction through both relays: one sequence, no gap, no repeat.
    let posts = (0..40).map(|n| {
        let (http, url, body) = (http.clone(), if n % 2 == 0 { a.webhook() } else { b.webhook() }, agent_message(&hash, n));
        tokio::spawn(async move { http.post(url).json(&body).send().await.unwrap().status() })
    });
    for post in posts.collect::<Vec<_>>() {
        assert_eq!(post.await.unwrap(), 200);
    }
    let mut ids = Vec::new();
    let mut contents = std::collections::HashSet::new();
    for _ in 0..40 {
        let event = on_b.next().await;
        contents.insert(event.json()["message"]["content"].as_str().unwrap().to_string());
        ids.push(event.id);
    }
    let seqs: Vec<u64> = ids.iter().map(|id| seq(id)).collect();
    assert_eq!(seqs, (2..=41).collect::<Vec<u64>>(), "strictly increasing by one");
    assert_eq!(contents.len(), 40, "each message once");
    // A redelivery through the other relay is recognised.
    let again = http.post(b.webhook()).json(&agent_message(&hash, 0)).send().await.unwrap().json::<Value>().await.unwrap();
    assert_eq!(again["message"], "Trigger already received");

    // A message sent through A and retried through B with the same Idempotency-Key reaches zChat
    // once, and the retry gets the first answer; the key with another body is refused.
    let send = |relay: &Relay, content: &str| {
        http.post(format!("{}/core/api/v1/interactions/{hash}/messages", relay.url))
            .header("Idempotency-Key", "retry-key-1")
            .json(&json!({"token": session, "content": content}))
            .send()
    };
    let first = send(&a, "Olá, alguém aí?").await.unwrap();
    assert_eq!(first.status(), 200);
    let first = first.text().await.unwrap();
    let retried = send(&b, "Olá, alguém aí?").await.unwrap();
    assert_eq!(retried.headers().get("idempotent-replayed").map(|v| v.to_str().unwrap()), Some("true"));
    assert_eq!(retried.text().await.unwrap(), first);
    assert_eq!(send(&b, "Outra coisa").await.unwrap().status(), 422);
    let view: Value = http.get(format!("{sandbox_url}/agent/interactions/{hash}")).send().await.unwrap().json().await.unwrap();
    let sent = view["transcript"].as_array().unwrap().iter().filter(|m| m["content"] == "Olá, alguém aí?").count();
    assert_eq!(sent, 1, "zChat got the message once");
    let echo = on_b.next().await;
    assert_eq!((echo.event.as_str(), seq(&echo.id)), ("customer_message", 42));

    // A trigger that reaches B before the create answer reached anyone is held in Redis, and a
    // stream opened on A gets it first.
    let early = "0000e-000a-0r00-1y00-000000000001";
    http.post(b.webhook()).json(&json!({"interaction_hash": early, "state": "queued", "position": 3, "extra": {}})).send().await.unwrap();
    let early_session = zchat_relay::session::Sessions::new("shared-sessions-of-every-relay-here").issue(early);
    let mut held = a.stream(early, &early_session, None).await;
    let first_event = held.next().await;
    assert_eq!((seq(&first_event.id), first_event.json()["position"].as_u64()), (1, Some(3)));
    drop(held);

    // The stream moves from B to A with its last id and resumes exactly after it.
    drop(on_b);
    let mut on_a = a.stream(&hash, &session, Some(&ids[19])).await;
    assert_eq!(seq(&on_a.next().await.id), 22, "right after the 20th message (seq 21)");
    http.post(a.webhook()).json(&json!({"interaction_hash": hash, "state": "typing", "extra": {}})).send().await.unwrap();
    let mut last = String::new();
    for _ in 23..=43 {
        last = on_a.next().await.id;
    }
    assert_eq!(seq(&last), 43);

    // A killed mid-conversation; then every relay restarted: nothing is lost, ids go on.
    drop(on_a);
    let Relay { process: mut a_process, .. } = a;
    a_process.kill().await.unwrap();
    http.post(b.webhook()).json(&agent_message(&hash, 100)).send().await.unwrap();
    drop(b);
    let a = Relay::start(a_port, &sandbox_url, &redis.url()).await;
    let b = Relay::start(b_port, &sandbox_url, &redis.url()).await;
    let mut replay = b.stream(&hash, &session, None).await;
    let mut all = Vec::new();
    for _ in 1..=44 {
        all.push(replay.next().await);
    }
    assert_eq!(all.iter().map(|e| seq(&e.id)).collect::<Vec<_>>(), (1..=44).collect::<Vec<u64>>());
    assert_eq!(all[43].json()["message"]["content"], "message 100");
    let mut resumed = a.stream(&hash, &session, Some(&all[42].id)).await;
    assert_eq!(seq(&resumed.next().await.id), 44, "an id from before the restart still resumes");
    drop(replay);

    // Redis stopped: open streams end (browsers resume them later), webhooks get 503 (zChat
    // retries them), new streams 503; the relays stay up.
    redis.stop().await;
    assert!(resumed.ended().await, "the stream ends when the relay loses Redis");
    let refused = http.post(a.webhook()).json(&agent_message(&hash, 200)).send().await.unwrap();
    assert_eq!(refused.status(), 503);
    let stream = http.get(format!("{}/core/api/v1/interactions/{hash}/events", b.url)).query(&[("token", &session)]).send().await.unwrap();
    assert_eq!(stream.status(), 503);
    assert!(reqwest::get(format!("{}/healthz", a.url)).await.unwrap().status().is_success());

    // Started again: they recover by themselves; the retried webhook lands after the others.
    redis.restart().await;
    until("the relay to take webhooks again", || async {
        let answer = http.post(a.webhook()).json(&agent_message(&hash, 200)).send().await.ok()?;
        (answer.status() == 200).then_some(())
    })
    .await;
    let mut after = until("streams to open again", || async {
        let answer = http
            .get(format!("{}/core/api/v1/interactions/{hash}/events", b.url))
            .query(&[("token", &session)])
            .header("Last-Event-ID", &all[43].id)
            .send()
            .await
            .ok()?;
        (answer.status() == 200).then(|| Sse::from_response(answer))
    })
    .await;
    let event = after.next().await;
    assert_eq!((seq(&event.id), event.json()["message"]["content"].as_str()), (45, Some("message 200")));

    // Finished: the log goes from Redis RELAY_FINISHED_TTL_MINUTES later (60 by default).
    http.post(b.webhook()).json(&json!({"interaction_hash": hash, "state": "finished", "extra": {}})).send().await.unwrap();
    assert_eq!(after.next().await.json()["state"], "finished");
    let mut connection = redis::Client::open(redis.url()).unwrap().get_multiplexed_async_connection().await.unwrap();
    for key in [format!("zchat:i:{hash}"), format!("zchat:l:{hash}"), format!("zchat:m:{hash}")] {
        let ttl: i64 = redis::cmd("PTTL").arg(&key).query_async(&mut connection).await.unwrap();
        assert!(ttl > 3_500_000 && ttl <= 3_600_000, "{key} expires in an hour: {ttl} ms");
    }
    let _ = stop_sandbox.send(true);
    drop((a, b));
    let _ = std::fs::remove_dir_all(&redis.dir);
}
