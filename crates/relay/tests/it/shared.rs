//! Several relays sharing one event log on Redis, all real processes started here: two
//! `zchat-relay` processes on port 0 (each reports its address), one `redis-server` on a Unix
//! socket (scripts/setup.sh installs it) and the sandbox. Each behaviour is a test of its own over
//! one fixture ([`Fixture`]): a webhook to one relay reaches a stream on the other; concurrent
//! webhooks through both keep one sequence; redeliveries and retried `Idempotency-Key`s are
//! recognised across relays; held triggers cross relays; a stream moves between them and resumes
//! exactly; relays killed and restarted lose nothing; Redis stopped and started again, the
//! relays recover by themselves; a finished log expires from Redis.

use std::process::Stdio;

use serde_json::{json, Value};
use tokio::process::Command;
use zchat_testkit::RelayProcess;

use crate::support::{open_stream, until, Redis, Sse};

pub const SECRET: &str = "shared-webhook-secret";
const SESSIONS: &str = "shared-sessions-of-every-relay-here";

/// A `zchat-relay` process on the shared log.
pub struct Relay {
    pub url: String,
    /// Its `/metrics`, on a listener of its own.
    pub metrics: String,
    _process: RelayProcess,
}

impl Relay {
    /// A relay on a port of the system's choosing, talking to `sandbox`, its log in `redis`.
    async fn start(sandbox: &str, redis: &str) -> Relay {
        Relay::start_with(sandbox, redis, &["--upload-dir", &uploads_dir()], &[]).await
    }

    /// The same, with more flags and environment.
    pub async fn start_with(sandbox: &str, redis: &str, flags: &[&str], env: &[(&str, &str)]) -> Relay {
        let mut command = Relay::command(sandbox, flags, env);
        command.args(["--redis-url", redis]);
        Relay::run(command).await
    }

    /// A relay whose Redis is the primary `sentinels` (`host:port,…`) name, with more environment.
    pub async fn on_sentinels(sandbox: &str, sentinels: &str, env: &[(&str, &str)]) -> Relay {
        let mut command = Relay::command(sandbox, &["--upload-dir", &uploads_dir()], env);
        command.env("REDIS_SENTINELS", sentinels);
        Relay::run(command).await
    }

    /// The relay's command, all but where its Redis is.
    fn command(sandbox: &str, flags: &[&str], env: &[(&str, &str)]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_zchat-relay"));
        command
            .args(["--listen", "127.0.0.1:0", "--api-base", sandbox])
            .args(["--token", zchat_sandbox::DEFAULT_TOKEN, "--webhook-secret", SECRET, "--session-secret", SESSIONS])
            .args(["--demo-page", "false", "--widget-dir", "/nonexistent", "--metrics-listen", "127.0.0.1:0"])
            .args(flags)
            .envs(env.iter().copied())
            .env("RUST_LOG", "warn")
            .stderr(Stdio::null());
        command
    }

    async fn run(command: Command) -> Relay {
        let process = RelayProcess::start(command).await;
        let (url, metrics) = (process.relay.clone(), process.metrics.clone().expect("the metrics' address"));
        let health = format!("{url}/healthz");
        until("the relay to answer", || async { reqwest::get(&health).await.ok().filter(|a| a.status().is_success()) }).await;
        Relay { url, metrics, _process: process }
    }

    pub fn webhook(&self) -> String {
        format!("{}/webhooks/zchat/{SECRET}", self.url)
    }

    pub async fn stream(&self, hash: &str, session: &str, last_event_id: Option<&str>) -> Sse {
        open_stream(&reqwest::Client::new(), &self.url, hash, session, last_event_id).await
    }
}

/// The folder the relays of these tests keep visitors' files in (one per test process).
fn uploads_dir() -> String {
    std::env::temp_dir().join(format!("zchat-shared-uploads-{}", std::process::id())).to_string_lossy().into_owned()
}

/// Redis, the sandbox (its webhooks to relay A) and relays A and B; one interaction started
/// through A.
struct Fixture {
    redis: Redis,
    sandbox_url: String,
    stop_sandbox: tokio::sync::watch::Sender<bool>,
    a: Relay,
    b: Relay,
    http: reqwest::Client,
    hash: String,
    session: String,
}

impl Fixture {
    async fn start() -> Fixture {
        let redis = Redis::start().await;
        // The sandbox's address first (the relays call it), its webhook URL once A has one.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let sandbox_url = format!("http://{}", listener.local_addr().unwrap());
        let redis_url = redis.url();
        let (a, b) = tokio::join!(Relay::start(&sandbox_url, &redis_url), Relay::start(&sandbox_url, &redis_url));
        let stop_sandbox = crate::support::serve_sandbox(listener, Some(a.webhook()));
        let body = json!({"department_id": 1, "customer": {"name": "Compartilhada"}});
        let (hash, session) = crate::support::start_interaction(&reqwest::Client::new(), &a.url, &body).await;
        Fixture { redis, sandbox_url, stop_sandbox, a, b, http: reqwest::Client::new(), hash, session }
    }

    async fn post(&self, webhook: String, body: &Value) -> reqwest::Response {
        self.http.post(webhook).json(body).send().await.unwrap()
    }

    /// A stream of the interaction on `relay`.
    async fn stream(&self, relay: &Relay, last_event_id: Option<&str>) -> Sse {
        relay.stream(&self.hash, &self.session, last_event_id).await
    }

    /// Agent messages `0..n`, through A and B in turn, all at once; each answered 200.
    async fn flood(&self, n: usize) {
        let posts = (0..n).map(|m| {
            let (http, url, body) = (self.http.clone(), if m % 2 == 0 { self.a.webhook() } else { self.b.webhook() }, agent_message(&self.hash, m));
            tokio::spawn(async move { http.post(url).json(&body).send().await.unwrap().status() })
        });
        for post in posts.collect::<Vec<_>>() {
            assert_eq!(post.await.unwrap(), 200);
        }
    }

    /// A connection to the fixture's Redis, to look at or change what the relays keep there.
    async fn redis(&self) -> redis::aio::MultiplexedConnection {
        redis::Client::open(self.redis.url()).unwrap().get_multiplexed_async_connection().await.unwrap()
    }

    /// `bodies` posted to A's webhook all at once, while Redis holds writes for a second (so that
    /// they queue behind A's first call and share the next); each answer's status and body, in order.
    async fn burst_to_a(&self, connection: &mut redis::aio::MultiplexedConnection, bodies: Vec<Value>) -> Vec<(u16, Value)> {
        redis::cmd("CLIENT").arg("PAUSE").arg(1000).arg("WRITE").query_async::<()>(connection).await.unwrap();
        let posts: Vec<_> = bodies
            .into_iter()
            .map(|body| {
                let (http, url) = (self.http.clone(), self.a.webhook());
                tokio::spawn(async move {
                    let answer = http.post(url).json(&body).send().await.unwrap();
                    (answer.status().as_u16(), answer.json::<Value>().await.unwrap())
                })
            })
            .collect();
        let mut answers = Vec::new();
        for post in posts {
            answers.push(post.await.unwrap());
        }
        answers
    }

    async fn stop(mut self) {
        let _ = self.stop_sandbox.send(true);
        drop((self.a, self.b));
        self.redis.stop().await;
        let _ = std::fs::remove_dir_all(&self.redis.dir);
    }
}

fn agent_message(hash: &str, n: usize) -> Value {
    json!({"interaction_hash": hash, "message": {"hash": format!("m{n}"), "content": format!("message {n}"), "type": "text"},
           "agent": {"id": 111, "name": "Atendente"}, "extra": {}})
}

fn seq(id: &str) -> u64 {
    id.split('-').nth(1).unwrap().parse().unwrap()
}

/// Reads `n` events; their ids.
async fn read(stream: &mut Sse, n: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for _ in 0..n {
        ids.push(stream.next().await.id);
    }
    ids
}

#[tokio::test]
async fn a_webhook_to_one_relay_reaches_a_stream_on_the_other() {
    let fixture = Fixture::start().await;
    // Created through A, streamed from B: the sandbox's `queued` webhook went to A.
    let mut on_b = fixture.stream(&fixture.b, None).await;
    let queued = on_b.next().await;
    assert_eq!((queued.event.as_str(), seq(&queued.id)), ("trigger", 1));
    assert_eq!(queued.json()["state"], "queued");
    fixture.post(fixture.a.webhook(), &agent_message(&fixture.hash, 1)).await;
    assert_eq!(on_b.next().await.json()["message"]["content"], "message 1");
    fixture.stop().await;
}

#[tokio::test]
async fn concurrent_webhooks_through_both_relays_keep_one_sequence_without_gap_or_repeat() {
    let fixture = Fixture::start().await;
    let mut on_b = fixture.stream(&fixture.b, None).await;
    fixture.flood(40).await;
    let mut seqs = Vec::new();
    let mut contents = std::collections::HashSet::new();
    for _ in 0..41 {
        let event = on_b.next().await;
        seqs.push(seq(&event.id));
        if let Some(content) = event.json()["message"]["content"].as_str() {
            contents.insert(content.to_string());
        }
    }
    assert_eq!(seqs, (1..=41).collect::<Vec<u64>>(), "strictly increasing by one");
    assert_eq!(contents.len(), 40, "each message once");
    fixture.stop().await;
}

/// One relay's concurrent webhooks share a Redis call (log/shared/batch.rs): in one burst, each
/// still gets its own outcome, a redelivery in the same call as its first is recognised, and a
/// trigger for an interaction nobody opened yet is held, not appended.
#[tokio::test]
async fn a_burst_to_one_relay_gives_each_webhook_its_own_outcome() {
    let fixture = Fixture::start().await;
    let mut on_b = fixture.stream(&fixture.b, None).await;
    let mut bodies: Vec<Value> = (0..20).flat_map(|m| [agent_message(&fixture.hash, m), agent_message(&fixture.hash, m)]).collect();
    bodies.push(json!({"interaction_hash": "not-opened-yet", "state": "queued", "extra": {}}));
    let mut outcomes = std::collections::BTreeMap::<String, usize>::new();
    for (status, answer) in fixture.burst_to_a(&mut fixture.redis().await, bodies).await {
        assert_eq!(status, 200);
        *outcomes.entry(answer["message"].as_str().unwrap().to_string()).or_default() += 1;
    }
    assert_eq!(
        outcomes.into_iter().collect::<Vec<_>>(),
        [
            ("Trigger already received".to_string(), 20),
            ("Trigger held for an interaction not yet known".to_string(), 1),
            ("Trigger received".to_string(), 20)
        ]
    );
    let mut contents = std::collections::HashSet::new();
    let mut seqs = Vec::new();
    for _ in 0..21 {
        let event = on_b.next().await;
        seqs.push(seq(&event.id));
        contents.insert(event.json()["message"]["content"].as_str().map(String::from));
    }
    assert_eq!(seqs, (1..=21).collect::<Vec<u64>>());
    assert_eq!(contents.len(), 21, "the queued trigger and each message once: {contents:?}");
    // The 41 triggers (and the sandbox's first) went in far fewer calls than triggers.
    let metrics = fixture.http.get(&fixture.a.metrics).send().await.unwrap().text().await.unwrap();
    let value = |name: &str| -> f64 {
        let line = metrics.lines().find(|line| line.starts_with(name)).unwrap_or_else(|| panic!("{name} in:\n{metrics}"));
        line.rsplit(' ').next().unwrap().parse().unwrap()
    };
    let (triggers, calls) = (value("relay_redis_triggers_per_call_sum"), value("relay_redis_triggers_per_call_count"));
    assert_eq!(triggers, 42.0, "every trigger went through a call");
    assert!(calls <= 4.0, "the burst shared calls: {calls} calls for {triggers} triggers");
    let (timed, took) = (value("relay_redis_call_seconds_count"), value("relay_redis_call_seconds_sum"));
    assert!(timed >= calls && took > 0.0, "every call to Redis is timed: {timed} timed ({took} s), {calls} of them for triggers");
    fixture.stop().await;
}

/// A trigger the script cannot take (its interaction's key is of another type) fails alone, even
/// in the same call as others: they are appended, it is answered 503.
#[tokio::test]
async fn a_trigger_redis_refuses_does_not_fail_the_others_of_its_call() {
    let fixture = Fixture::start().await;
    let mut on_b = fixture.stream(&fixture.b, None).await;
    let mut connection = fixture.redis().await;
    redis::cmd("SET").arg("zchat:i:broken").arg("not a hash").query_async::<()>(&mut connection).await.unwrap();
    let mut bodies: Vec<Value> = (0..10).map(|m| agent_message(&fixture.hash, m)).collect();
    bodies.insert(5, agent_message("broken", 99));
    for (index, (status, _)) in fixture.burst_to_a(&mut connection, bodies).await.into_iter().enumerate() {
        assert_eq!(status, if index == 5 { 503 } else { 200 }, "webhook {index}");
    }
    let ids = read(&mut on_b, 11).await;
    assert_eq!(ids.iter().map(|id| seq(id)).collect::<Vec<_>>(), (1..=11).collect::<Vec<u64>>());
    let metrics = fixture.http.get(&fixture.a.metrics).send().await.unwrap().text().await.unwrap();
    assert!(metrics.lines().any(|line| line == "relay_webhooks_total{outcome=\"unavailable\"} 1"), "{metrics}");
    fixture.stop().await;
}

#[tokio::test]
async fn a_redelivery_through_the_other_relay_is_recognised() {
    let fixture = Fixture::start().await;
    let mut on_b = fixture.stream(&fixture.b, None).await;
    let first = fixture.post(fixture.a.webhook(), &agent_message(&fixture.hash, 0)).await.json::<Value>().await.unwrap();
    assert_eq!(first["message"], "Trigger received");
    let again = fixture.post(fixture.b.webhook(), &agent_message(&fixture.hash, 0)).await.json::<Value>().await.unwrap();
    assert_eq!(again["message"], "Trigger already received");
    fixture.post(fixture.b.webhook(), &json!({"interaction_hash": fixture.hash, "state": "typing", "extra": {}})).await;
    let events: Vec<Value> = [on_b.next().await, on_b.next().await, on_b.next().await].iter().map(|e| e.json()).collect();
    assert_eq!((events[1]["message"]["content"].as_str(), events[2]["state"].as_str()), (Some("message 0"), Some("typing")), "{events:?}");
    fixture.stop().await;
}

#[tokio::test]
async fn a_message_retried_through_the_other_relay_with_its_idempotency_key_reaches_zchat_once() {
    let fixture = Fixture::start().await;
    let mut on_b = fixture.stream(&fixture.b, None).await;
    let send = |relay: &Relay, content: &str| {
        fixture
            .http
            .post(format!("{}/core/api/v1/interactions/{}/messages", relay.url, fixture.hash))
            .header("Idempotency-Key", "retry-key-1")
            .json(&json!({"token": fixture.session, "content": content}))
            .send()
    };
    let first = send(&fixture.a, "Olá, alguém aí?").await.unwrap();
    assert_eq!(first.status(), 200);
    let first = first.text().await.unwrap();
    let retried = send(&fixture.b, "Olá, alguém aí?").await.unwrap();
    assert_eq!(retried.headers().get("idempotent-replayed").map(|v| v.to_str().unwrap()), Some("true"));
    assert_eq!(retried.text().await.unwrap(), first);
    assert_eq!(send(&fixture.b, "Outra coisa").await.unwrap().status(), 422, "the key with another body");
    let view: Value =
        fixture.http.get(format!("{}/agent/interactions/{}", fixture.sandbox_url, fixture.hash)).send().await.unwrap().json().await.unwrap();
    let sent = view["transcript"].as_array().unwrap().iter().filter(|m| m["content"] == "Olá, alguém aí?").count();
    assert_eq!(sent, 1, "zChat got the message once");
    let _queued = on_b.next().await;
    let echo = on_b.next().await;
    assert_eq!((echo.event.as_str(), seq(&echo.id)), ("customer_message", 2), "and the visitor's stream shows it once");
    fixture.stop().await;
}

#[tokio::test]
async fn a_trigger_held_on_one_relay_reaches_a_stream_opened_on_the_other() {
    let fixture = Fixture::start().await;
    // It reaches B before the create answer reached anyone: held in Redis, then first on A.
    let early = "0000e-000a-0r00-1y00-000000000001";
    fixture.post(fixture.b.webhook(), &json!({"interaction_hash": early, "state": "queued", "position": 3, "extra": {}})).await;
    let early_session = zchat_relay::Sessions::new(SESSIONS).issue(early);
    let mut held = fixture.a.stream(early, &early_session, None).await;
    let first_event = held.next().await;
    assert_eq!((seq(&first_event.id), first_event.json()["position"].as_u64()), (1, Some(3)));
    fixture.stop().await;
}

#[tokio::test]
async fn a_stream_moves_between_relays_with_its_last_id_and_resumes_exactly() {
    let fixture = Fixture::start().await;
    let mut on_b = fixture.stream(&fixture.b, None).await;
    fixture.flood(10).await;
    let ids = read(&mut on_b, 11).await;
    drop(on_b);
    let mut on_a = fixture.stream(&fixture.a, Some(&ids[5])).await;
    assert_eq!(seq(&on_a.next().await.id), 7, "right after the id it gave");
    fixture.post(fixture.a.webhook(), &json!({"interaction_hash": fixture.hash, "state": "typing", "extra": {}})).await;
    let rest = read(&mut on_a, 5).await;
    assert_eq!(rest.iter().map(|id| seq(id)).collect::<Vec<_>>(), [8, 9, 10, 11, 12]);
    fixture.stop().await;
}

#[tokio::test]
async fn relays_killed_and_restarted_lose_nothing_and_ids_go_on() {
    let mut fixture = Fixture::start().await;
    fixture.flood(4).await;
    // A killed mid-conversation; a message through B; then B goes too, and both come back.
    let redis = fixture.redis.url();
    fixture.a = Relay::start(&fixture.sandbox_url, &redis).await;
    fixture.post(fixture.b.webhook(), &agent_message(&fixture.hash, 100)).await;
    fixture.b = Relay::start(&fixture.sandbox_url, &redis).await;
    let mut replay = fixture.stream(&fixture.b, None).await;
    let mut all = Vec::new();
    for _ in 1..=6 {
        all.push(replay.next().await);
    }
    assert_eq!(all.iter().map(|e| seq(&e.id)).collect::<Vec<_>>(), (1..=6).collect::<Vec<u64>>());
    assert_eq!(all[5].json()["message"]["content"], "message 100");
    let mut resumed = fixture.stream(&fixture.a, Some(&all[4].id)).await;
    assert_eq!(seq(&resumed.next().await.id), 6, "an id from before the restart still resumes");
    fixture.post(fixture.a.webhook(), &agent_message(&fixture.hash, 101)).await;
    assert_eq!(seq(&resumed.next().await.id), 7, "and new ids go on from there");
    fixture.stop().await;
}

#[tokio::test]
async fn redis_away_ends_streams_and_refuses_with_503_then_the_relays_recover_by_themselves() {
    let mut fixture = Fixture::start().await;
    let mut on_a = fixture.stream(&fixture.a, None).await;
    let queued = on_a.next().await;
    // Stopped: open streams end (browsers resume them later), webhooks get 503 (zChat retries
    // them), new streams 503; the relays stay up.
    fixture.redis.stop().await;
    assert!(on_a.ended().await, "the stream ends when the relay loses Redis");
    let refused = fixture.post(fixture.a.webhook(), &agent_message(&fixture.hash, 200)).await;
    assert_eq!(refused.status(), 503);
    assert_eq!(refused.json::<Value>().await.unwrap()["status"], 503, "in the reference's error shape");
    let events = format!("{}/core/api/v1/interactions/{}/events", fixture.b.url, fixture.hash);
    let stream = fixture.http.get(&events).query(&[("token", &fixture.session)]).send().await.unwrap();
    assert_eq!(stream.status(), 503);
    assert!(reqwest::get(format!("{}/healthz", fixture.a.url)).await.unwrap().status().is_success());

    // Started again: they recover by themselves; the retried webhook lands after the others.
    fixture.redis.restart().await;
    until("the relay to take webhooks again", || async {
        let answer = fixture.http.post(fixture.a.webhook()).json(&agent_message(&fixture.hash, 200)).send().await.ok()?;
        (answer.status() == 200).then_some(())
    })
    .await;
    let mut after = until("streams to open again", || async {
        let answer = fixture.http.get(&events).query(&[("token", &fixture.session)]).header("Last-Event-ID", &queued.id).send().await.ok()?;
        (answer.status() == 200).then(|| Sse::from_response(answer))
    })
    .await;
    let event = after.next().await;
    assert_eq!(event.json()["message"]["content"], "message 200");
    // A Redis started again may have lost what it gave out last (without persistence, or after a
    // failover): the ids jump past it rather than give one out twice (append.lua's ID_JUMP).
    assert_eq!(seq(&event.id), 1_000_002, "after the restart, ids go on past a million more");
    fixture.stop().await;
}

#[tokio::test]
async fn a_finished_log_expires_from_redis_after_the_finished_ttl() {
    let fixture = Fixture::start().await;
    let mut on_b = fixture.stream(&fixture.b, None).await;
    fixture.post(fixture.a.webhook(), &agent_message(&fixture.hash, 1)).await;
    // The log goes from Redis RELAY_FINISHED_TTL_MINUTES after `finished` (60 by default).
    fixture.post(fixture.b.webhook(), &json!({"interaction_hash": fixture.hash, "state": "finished", "extra": {}})).await;
    let _ = read(&mut on_b, 2).await;
    assert_eq!(on_b.next().await.json()["state"], "finished");
    let mut connection = fixture.redis().await;
    let hash = &fixture.hash;
    for key in [format!("zchat:i:{hash}"), format!("zchat:l:{hash}"), format!("zchat:f:{hash}")] {
        let ttl: i64 = redis::cmd("PTTL").arg(&key).query_async(&mut connection).await.unwrap();
        assert!(ttl > 3_500_000 && ttl <= 3_600_000, "{key} expires in an hour: {ttl} ms");
    }
    fixture.stop().await;
}

/// Every key of an interaction's log on Redis has an expiry, whatever made it: a trigger makes the
/// log, a message the redelivery filter, trimming empties the filter and a later message makes it
/// again. (The script knows which keys it gave an expiry from the info's `lx` and `fx`, instead of
/// asking Redis with two `PTTL`s per trigger.)
#[tokio::test]
async fn every_key_an_interaction_makes_on_redis_expires_whatever_made_it() {
    use crate::support::{Log, Product, WEBHOOK_SECRET};
    let product = Product::on(Log::Redis, |config| config.limits.max_events = 3).await;
    let (hash, _session) = product.start_interaction(1).await;
    let mut connection = redis::Client::open(product.redis.as_ref().unwrap().url()).unwrap().get_multiplexed_async_connection().await.unwrap();
    let webhook = product.relay(&format!("/webhooks/zchat/{WEBHOOK_SECRET}"));
    let state = |state: &str| json!({"interaction_hash": hash, "state": state, "extra": {}});
    let steps = [
        ("a state trigger makes the log", vec![state("waiting")], vec!["i", "l"]),
        ("a message makes the filter", vec![agent_message(&hash, 1)], vec!["i", "l", "f"]),
        ("trimming empties the filter", vec![state("accepted"), state("waiting"), state("accepted")], vec!["i", "l"]),
        ("a later message makes it again", vec![agent_message(&hash, 2)], vec!["i", "l", "f"]),
    ];
    for (step, triggers, kinds) in steps {
        for trigger in triggers {
            assert_eq!(product.http.post(&webhook).json(&trigger).send().await.unwrap().status(), 200, "{step}");
        }
        for kind in ["i", "l", "f"] {
            let key = format!("zchat:{kind}:{hash}");
            let ttl: i64 = redis::cmd("PTTL").arg(&key).query_async(&mut connection).await.unwrap();
            if kinds.contains(&kind) {
                assert!(ttl > 0, "{step}: {key} has no expiry ({ttl})");
            } else {
                assert_eq!(ttl, -2, "{step}: {key} should not exist");
            }
        }
    }
    product.stop().await;
}
