//! `Idempotency-Key` on create and send: a request retried with the same key (a double click, a
//! flaky network) gets the first answer and is not sent upstream again. A retry that arrives while
//! the first is still under way waits for its answer. Only successes are kept: after a failure the
//! next retry really tries again.
//!
//! The first request with a key runs in a task of its own: when the browser's connection drops
//! while it is under way, it still completes (or releases the key), so the retry gets its answer
//! instead of finding the key jammed.
//!
//! Callers check the request (origin, path, credential) before a key is kept, so keys cost only
//! authenticated callers. Kept answers are bounded by count, by bytes and by time; a request under
//! way is not in the eviction order, so it never holds eviction up.
//!
//! With the shared event log (`REDIS_URL`) the keys live in Redis too, so that a retry that reaches
//! another relay behind the load balancer gets the same first answer: `zchat:k:{id}` is claimed
//! with `SET NX` (a lease while the first request runs), then holds the answer. Ids and request
//! fingerprints are SHA-256, the same in every build and on every relay.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::error::RelayError;
use axum::body::{to_bytes, Bytes};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use redis::aio::ConnectionManager;
use sha2::{Digest, Sha256};
use tokio::sync::watch;

use crate::hex;
use crate::redis_link::{Backing, RedisLink};

/// The longest key accepted; the widget sends UUIDs.
const MAX_KEY_LEN: usize = 100;
/// The largest answer kept (the relay's answers to create and send are a few hundred bytes).
const MAX_ANSWER: usize = 64 * 1024;
/// What a kept key costs besides its answer's body (its id, the map's and the queue's entries).
const ENTRY_OVERHEAD: usize = 256;
/// How long a first request may run before a retry may try again (longer than any upstream call).
const LEASE: Duration = Duration::from_secs(30);

/// How much is kept, and for how long.
#[derive(Debug, Clone, Copy)]
pub struct Kept {
    pub ttl: Duration,
    pub keys: usize,
    pub bytes: usize,
}

/// A request's fingerprint, so that a key reused for another request is caught.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Fingerprint(String);

/// The fingerprint of `request` as it is sent on.
pub fn fingerprint(request: &impl serde::Serialize) -> Fingerprint {
    Fingerprint(hex(&Sha256::digest(serde_json::to_vec(request).unwrap_or_default())))
}

/// A key's id: one value per (scope, key), of fixed length, whatever either holds.
fn key_id(scope: &str, key: &str) -> String {
    let mut digest = Sha256::new();
    digest.update(scope.as_bytes());
    digest.update([0]);
    digest.update(key.as_bytes());
    hex(&digest.finalize())
}

/// The `Idempotency-Key` header: `None` when absent, 400 when unusable.
pub fn key(headers: &HeaderMap) -> Result<Option<String>, RelayError> {
    let Some(value) = headers.get("idempotency-key") else { return Ok(None) };
    let key = value.to_str().ok().filter(|k| !k.is_empty() && k.len() <= MAX_KEY_LEN && k.bytes().all(|b| b.is_ascii_graphic()));
    key.map(|k| Some(k.to_string()))
        .ok_or_else(|| RelayError::bad_request(format!("The Idempotency-Key must be 1 to {MAX_KEY_LEN} visible ASCII characters")))
}

/// A kept answer.
#[derive(Clone)]
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl Answer {
    async fn of(response: Response) -> Answer {
        let (parts, body) = response.into_parts();
        let body = to_bytes(body, MAX_ANSWER).await.unwrap_or_default();
        Answer { status: parts.status, headers: parts.headers, body }
    }

    fn response(&self) -> Response {
        let mut response = (self.status, self.body.clone()).into_response();
        *response.headers_mut() = self.headers.clone();
        response
    }

    fn replayed(&self) -> Response {
        let mut response = self.response();
        response.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
        response
    }

    fn cost(&self) -> usize {
        self.body.len() + ENTRY_OVERHEAD
    }
}

enum Entry {
    /// The first request is under way; its answer will be sent here (`None` if it failed).
    InFlight {
        fingerprint: Fingerprint,
        done: watch::Receiver<Option<Option<Answer>>>,
    },
    Done {
        fingerprint: Fingerprint,
        answer: Answer,
        at: Instant,
    },
}

#[derive(Default)]
struct Entries {
    map: HashMap<String, Entry>,
    /// Kept answers, oldest first (ids whose entry changed since are skipped).
    order: VecDeque<(String, Instant)>,
    bytes: usize,
}

impl Entries {
    /// Forgets expired answers, and the oldest past the count or byte budget.
    fn evict(&mut self, kept: &Kept, now: Instant) {
        while let Some((id, at)) = self.order.front() {
            let over = self.order.len() > kept.keys || self.bytes > kept.bytes || now.duration_since(*at) >= kept.ttl;
            let stale = !matches!(self.map.get(id), Some(Entry::Done { at: kept_at, .. }) if kept_at == at);
            if !over && !stale {
                break;
            }
            let (id, _) = self.order.pop_front().expect("checked above");
            if !stale {
                if let Some(Entry::Done { answer, .. }) = self.map.remove(&id) {
                    self.bytes -= answer.cost();
                }
            }
        }
    }
}

/// The first answers, kept where the relay keeps what relays share ([`Backing`]).
pub enum Idempotency {
    /// In this process's memory.
    Memory(InMemory),
    /// In Redis, shared with the other relays: a retry may reach another relay.
    Redis(OnRedis),
}

pub struct InMemory {
    entries: Arc<Mutex<Entries>>,
    kept: Kept,
}

pub struct OnRedis {
    link: Arc<RedisLink>,
    kept: Kept,
}

/// Takes an in-flight entry out again if its task ends without an answer (it panicked).
struct Release {
    entries: Arc<Mutex<Entries>>,
    id: String,
    armed: bool,
}

impl Drop for Release {
    fn drop(&mut self) {
        if self.armed {
            self.entries.lock().expect("never poisoned").map.remove(&self.id);
        }
    }
}

impl Idempotency {
    pub fn new(kept: Kept, backing: &Backing) -> Self {
        match backing {
            Backing::Memory => Idempotency::Memory(InMemory { entries: Arc::default(), kept }),
            Backing::Redis(link) => Idempotency::Redis(OnRedis { link: Arc::clone(link), kept }),
        }
    }

    /// Runs `run` once per `(scope, key)`; without a key, always. `fingerprint` identifies the
    /// request: the same key with another request is a 422.
    pub async fn once<Fut>(&self, scope: &str, key: Option<String>, fingerprint: Fingerprint, run: Fut) -> Response
    where
        Fut: Future<Output = Response> + Send + 'static,
    {
        let Some(key) = key else { return run.await };
        let id = key_id(scope, &key);
        let answer = match self {
            Idempotency::Memory(memory) => memory.once(id, fingerprint, run).await,
            Idempotency::Redis(redis) => redis.once(id, fingerprint, run).await,
        };
        answer.unwrap_or_else(IntoResponse::into_response)
    }
}

impl OnRedis {
    async fn once<Fut>(&self, id: String, fingerprint: Fingerprint, run: Fut) -> Result<Response, RelayError>
    where
        Fut: Future<Output = Response> + Send + 'static,
    {
        shared_once(self.link.connection()?, self.kept, format!("zchat:k:{id}"), fingerprint, run).await
    }
}

impl InMemory {
    async fn once<Fut>(&self, id: String, fingerprint: Fingerprint, run: Fut) -> Result<Response, RelayError>
    where
        Fut: Future<Output = Response> + Send + 'static,
    {
        // Decided under the lock, waited for after it.
        let (done, replayed) = {
            let mut entries = self.entries.lock().expect("never poisoned");
            entries.evict(&self.kept, Instant::now());
            match entries.map.get(&id) {
                Some(Entry::Done { fingerprint: first, .. } | Entry::InFlight { fingerprint: first, .. }) if *first != fingerprint => {
                    return Err(reused());
                }
                Some(Entry::Done { answer, .. }) => return Ok(answer.replayed()),
                Some(Entry::InFlight { done, .. }) => (done.clone(), true),
                None => {
                    let (sender, done) = watch::channel(None);
                    entries.map.insert(id.clone(), Entry::InFlight { fingerprint: fingerprint.clone(), done: done.clone() });
                    let release = Release { entries: Arc::clone(&self.entries), id, armed: true };
                    tokio::spawn(first_request(release, self.kept, fingerprint, sender, run));
                    // The first request's own answer, not a replay.
                    (done, false)
                }
            }
        };
        Ok(wait(done, replayed).await)
    }
}

/// Runs the first request with a key to its end, keeps a success, and tells every waiter.
async fn first_request<Fut>(mut release: Release, kept: Kept, fingerprint: Fingerprint, sender: watch::Sender<Option<Option<Answer>>>, run: Fut)
where
    Fut: Future<Output = Response>,
{
    let answer = Answer::of(run.await).await;
    {
        let mut entries = release.entries.lock().expect("never poisoned");
        if answer.status.is_success() {
            let at = Instant::now();
            entries.bytes += answer.cost();
            entries.order.push_back((release.id.clone(), at));
            entries.map.insert(release.id.clone(), Entry::Done { fingerprint, answer: answer.clone(), at });
            entries.evict(&kept, at);
        } else {
            entries.map.remove(&release.id);
        }
        release.armed = false;
    }
    let _ = sender.send(Some(Some(answer)));
}

/// The answer of the request under way: as it is for the first requester, marked replayed for
/// the others.
async fn wait(mut done: watch::Receiver<Option<Option<Answer>>>, replayed: bool) -> Response {
    match done.wait_for(Option::is_some).await.map(|answer| answer.clone().flatten()) {
        Ok(Some(answer)) if replayed => answer.replayed(),
        Ok(Some(answer)) => answer.response(),
        _ => first_failed().into_response(),
    }
}

/// The same key with another request.
fn reused() -> RelayError {
    RelayError::refused(422, "This Idempotency-Key was used for another request")
}

/// The first request with the key failed, so it was not kept: a retry runs again.
fn first_failed() -> RelayError {
    RelayError::busy("The first request with this Idempotency-Key failed; try again")
}

/// A key's record in Redis: the request's fingerprint, and the answer once there is one.
#[derive(serde::Serialize, serde::Deserialize)]
struct Record {
    fingerprint: Fingerprint,
    status: Option<u16>,
    body: Option<String>,
}

/// [`Idempotency::once`] on Redis.
async fn shared_once<Fut>(mut redis: ConnectionManager, kept: Kept, key: String, fingerprint: Fingerprint, run: Fut) -> Result<Response, RelayError>
where
    Fut: Future<Output = Response> + Send + 'static,
{
    let pending = serde_json::to_string(&Record { fingerprint: fingerprint.clone(), status: None, body: None }).expect("a record serializes");
    let claimed: Option<String> =
        redis::cmd("SET").arg(&key).arg(&pending).arg("NX").arg("PX").arg(LEASE.as_millis() as u64).query_async(&mut redis).await?;
    if claimed.is_some() {
        // The first request runs to its end whatever happens to the connection that sent it.
        let task = tokio::spawn(async move {
            let answer = Answer::of(run.await).await;
            let kept_answer = if answer.status.is_success() {
                let record =
                    Record { fingerprint, status: Some(answer.status.as_u16()), body: Some(String::from_utf8_lossy(&answer.body).into_owned()) };
                let record = serde_json::to_string(&record).expect("a record serializes");
                redis::cmd("SET").arg(&key).arg(record).arg("PX").arg(kept.ttl.as_millis() as u64).query_async::<()>(&mut redis).await
            } else {
                redis::cmd("DEL").arg(&key).query_async::<()>(&mut redis).await
            };
            if let Err(error) = kept_answer {
                // The lease runs out by itself: a retry then tries again.
                tracing::warn!(%error, "an Idempotency-Key's answer was not kept");
            }
            answer
        });
        return Ok(match task.await {
            Ok(answer) => answer.response(),
            Err(_) => RelayError::busy("The request failed; try again").into_response(),
        });
    }
    // Another request (here or on another relay) has the key: its answer, once there is one.
    let started = Instant::now();
    loop {
        let record: Option<String> = redis::cmd("GET").arg(&key).query_async(&mut redis).await?;
        let Some(record) = record.and_then(|r| serde_json::from_str::<Record>(&r).ok()) else {
            return Err(first_failed());
        };
        if record.fingerprint != fingerprint {
            return Err(reused());
        }
        if let (Some(status), Some(body)) = (record.status, record.body) {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            let mut headers = HeaderMap::new();
            headers.insert(axum::http::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            return Ok(Answer { status, headers, body: Bytes::from(body) }.replayed());
        }
        if started.elapsed() > LEASE {
            return Err(RelayError::busy("The first request with this Idempotency-Key is taking too long; try again"));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn ok(body: &'static str) -> Response {
        (StatusCode::OK, body).into_response()
    }

    async fn text(response: Response) -> String {
        String::from_utf8(to_bytes(response.into_body(), 1 << 20).await.unwrap().to_vec()).unwrap()
    }

    #[test]
    fn ids_and_fingerprints_are_stable_and_never_collide_across_scopes() {
        // Known values: a change here turns every retry after a deploy into a 422.
        assert_eq!(fingerprint(&serde_json::json!({"a": 1})).0, "015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862");
        // An IPv6 scope and a key with ':' cannot meet another pair that spells the same text.
        assert_ne!(key_id("create:::1", "2:x"), key_id("create:::1:2", "x"));
        assert_eq!(key_id("s", "k").len(), 64);
    }

    #[tokio::test]
    async fn a_retry_gets_the_first_answer_and_a_reused_key_is_422() {
        let keys = Idempotency::new(Kept { ttl: Duration::from_secs(60), keys: 10, bytes: 1 << 20 }, &Backing::Memory);
        let print = fingerprint(&"a");
        assert_eq!(text(keys.once("s", Some("k".into()), print.clone(), ok("first")).await).await, "first");
        let replay = keys.once("s", Some("k".into()), print, ok("second")).await;
        assert_eq!(replay.headers()["idempotent-replayed"], "true");
        assert_eq!(text(replay).await, "first");
        assert_eq!(keys.once("s", Some("k".into()), fingerprint(&"b"), ok("x")).await.status(), 422);
    }

    #[tokio::test]
    async fn kept_answers_are_bounded_by_bytes_and_a_request_under_way_does_not_hold_eviction() {
        let keys = Idempotency::new(Kept { ttl: Duration::from_secs(60), keys: 1_000, bytes: 4 * ENTRY_OVERHEAD }, &Backing::Memory);
        // Under way for as long as the test likes.
        let (release, hold) = tokio::sync::oneshot::channel::<()>();
        let slow = async move {
            let _ = hold.await;
            (StatusCode::OK, "slow").into_response()
        };
        let keys = Arc::new(keys);
        let waiting = tokio::spawn({
            let keys = Arc::clone(&keys);
            async move { keys.once("s", Some("slow".into()), fingerprint(&0), slow).await }
        });
        tokio::task::yield_now().await;
        for n in 0..50 {
            keys.once("s", Some(format!("k{n}")), fingerprint(&n), ok("x")).await;
        }
        {
            let Idempotency::Memory(memory) = &*keys else { unreachable!("made in memory") };
            let entries = memory.entries.lock().unwrap();
            assert!(entries.bytes <= 4 * ENTRY_OVERHEAD + 1, "{} bytes kept", entries.bytes);
            assert!(entries.map.len() <= 5, "{} keys kept", entries.map.len());
        }
        release.send(()).unwrap();
        assert_eq!(waiting.await.unwrap().status(), 200);
    }

    #[tokio::test]
    async fn a_first_request_whose_caller_is_gone_still_completes_and_the_retry_gets_its_answer() {
        let keys = Arc::new(Idempotency::new(Kept { ttl: Duration::from_secs(60), keys: 10, bytes: 1 << 20 }, &Backing::Memory));
        let (release, hold) = tokio::sync::oneshot::channel::<()>();
        let slow = async move {
            let _ = hold.await;
            (StatusCode::OK, "sent once").into_response()
        };
        let first = tokio::spawn({
            let keys = Arc::clone(&keys);
            async move { keys.once("s", Some("k".into()), fingerprint(&1), slow).await }
        });
        tokio::task::yield_now().await;
        // The browser's connection drops: the handler's future is gone.
        first.abort();
        let _ = first.await;
        release.send(()).unwrap();
        let retry = keys.once("s", Some("k".into()), fingerprint(&1), ok("sent twice")).await;
        assert_eq!(text(retry).await, "sent once");
    }
}
