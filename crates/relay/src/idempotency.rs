//! `Idempotency-Key` on create and send: a request retried with the same key (a double click, a
//! flaky network) gets the first answer and is not sent upstream again. A retry that arrives while
//! the first is still under way waits for its answer. Only successes are kept: after a failure the
//! next retry really tries again. Keys are kept for `ttl`, at most `capacity` of them.
//!
//! With the shared event log (`REDIS_URL`) the keys live in Redis too, so that a retry that reaches
//! another relay behind the load balancer gets the same first answer: `zchat:k:{scope}:{key}` is
//! claimed with `SET NX` (a lease while the first request runs), then holds the answer.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{to_bytes, Body, Bytes};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use tokio::sync::watch;
use zchat_types::ApiError;

/// The longest key accepted; the widget sends UUIDs.
const MAX_KEY_LEN: usize = 100;

/// A kept answer.
#[derive(Clone)]
struct Answer {
    status: StatusCode,
    body: Bytes,
}

impl Answer {
    fn response(&self) -> Response {
        let mut response = (self.status, self.body.clone()).into_response();
        response.headers_mut().insert(axum::http::header::CONTENT_TYPE, "application/json".parse().expect("a header value"));
        response.headers_mut().insert("idempotent-replayed", "true".parse().expect("a header value"));
        response
    }
}

enum Entry {
    /// The first request is under way; its answer will be sent here.
    InFlight { fingerprint: u64, done: watch::Receiver<Option<Answer>> },
    Done { fingerprint: u64, answer: Answer, at: Instant },
}

pub struct Idempotency {
    entries: Mutex<(HashMap<String, Entry>, VecDeque<String>)>,
    ttl: Duration,
    capacity: usize,
    /// Redis, when the relays share it: then the keys live there.
    shared: Option<Arc<crate::shared::SharedLog>>,
}

/// How long a first request may run before a retry may try again (longer than any upstream call).
const LEASE: Duration = Duration::from_secs(30);

/// A key's record in Redis: the request's fingerprint, and the answer once there is one.
#[derive(serde::Serialize, serde::Deserialize)]
struct Record {
    fingerprint: u64,
    status: Option<u16>,
    body: Option<String>,
}

/// The `Idempotency-Key` header: `None` when absent, 400 when unusable.
pub fn key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get("idempotency-key") else { return Ok(None) };
    let key = value.to_str().ok().filter(|k| !k.is_empty() && k.len() <= MAX_KEY_LEN && k.bytes().all(|b| b.is_ascii_graphic()));
    key.map(|k| Some(k.to_string()))
        .ok_or_else(|| ApiError::new(400, format!("The Idempotency-Key must be 1 to {MAX_KEY_LEN} visible ASCII characters")))
}

/// A fingerprint of the request, so that a key reused for another request is caught.
pub fn fingerprint(request: &impl serde::Serialize) -> u64 {
    let mut hasher = DefaultHasher::new();
    serde_json::to_string(request).unwrap_or_default().hash(&mut hasher);
    hasher.finish()
}

impl Idempotency {
    pub fn new(ttl: Duration, capacity: usize) -> Self {
        Idempotency { entries: Mutex::new((HashMap::new(), VecDeque::new())), ttl, capacity, shared: None }
    }

    /// Keys kept in Redis, shared with the other relays.
    pub fn shared(ttl: Duration, capacity: usize, log: Arc<crate::shared::SharedLog>) -> Self {
        Idempotency { shared: Some(log), ..Idempotency::new(ttl, capacity) }
    }

    /// Runs `run` once per `(scope, key)`; without a key, always. `fingerprint` identifies the
    /// request: the same key with another request is a 422.
    pub async fn once<F, Fut>(&self, scope: &str, key: Option<String>, fingerprint: u64, run: F) -> Response
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Response>,
    {
        let Some(key) = key else { return run().await };
        if let Some(log) = &self.shared {
            return match shared_once(log, self.ttl, &format!("zchat:k:{scope}:{key}"), fingerprint, run).await {
                Ok(response) => response,
                Err(error) => {
                    tracing::warn!(%error, "idempotency keys unavailable");
                    ApiError::new(503, "The relay cannot check the Idempotency-Key now; try again").into_response()
                }
            };
        }
        let id = format!("{scope}\u{0}{key}");
        let sender = {
            let mut guard = self.entries.lock().expect("the idempotency lock is never poisoned");
            let (entries, order) = &mut *guard;
            let now = Instant::now();
            // Forget expired keys, and the oldest ones past the capacity; a key whose request is
            // still under way stays (their number is bounded by the requests in flight).
            while let Some(oldest) = order.front() {
                let remove = match entries.get(oldest) {
                    None => true,
                    Some(Entry::InFlight { .. }) => false,
                    Some(Entry::Done { at, .. }) => now.duration_since(*at) >= self.ttl || entries.len() >= self.capacity,
                };
                if !remove {
                    break;
                }
                let oldest = order.pop_front().expect("checked above");
                entries.remove(&oldest);
            }
            let first = match entries.get(&id) {
                Some(Entry::Done { fingerprint, .. } | Entry::InFlight { fingerprint, .. }) => Some(*fingerprint),
                None => None,
            };
            if first.is_some_and(|first| first != fingerprint) {
                return ApiError::new(422, "This Idempotency-Key was used for another request").into_response();
            }
            match entries.get(&id) {
                Some(Entry::Done { answer, .. }) => return answer.response(),
                Some(Entry::InFlight { done, .. }) => Err(done.clone()),
                None => {
                    let (sender, done) = watch::channel(None);
                    entries.insert(id.clone(), Entry::InFlight { fingerprint, done });
                    order.push_back(id.clone());
                    Ok(sender)
                }
            }
        };
        match sender {
            Ok(sender) => {
                let (parts, body) = run().await.into_parts();
                let body = to_bytes(body, usize::MAX).await.unwrap_or_default();
                let answer = Answer { status: parts.status, body: body.clone() };
                {
                    let mut guard = self.entries.lock().expect("the idempotency lock is never poisoned");
                    if answer.status.is_success() {
                        guard.0.insert(id, Entry::Done { fingerprint, answer: answer.clone(), at: Instant::now() });
                    } else {
                        guard.0.remove(&id);
                    }
                }
                let _ = sender.send(Some(answer));
                axum::response::Response::from_parts(parts, Body::from(body))
            }
            Err(mut done) => match done.wait_for(Option::is_some).await {
                Ok(answer) => answer.as_ref().expect("waited for it").response(),
                Err(_) => ApiError::new(503, "The first request with this Idempotency-Key was cut off; try again").into_response(),
            },
        }
    }

    pub fn len(&self) -> usize {
        self.entries.lock().expect("the idempotency lock is never poisoned").0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// [`Idempotency::once`] on Redis.
async fn shared_once<F, Fut>(
    log: &crate::shared::SharedLog,
    ttl: Duration,
    key: &str,
    fingerprint: u64,
    run: F,
) -> Result<Response, crate::shared::Unavailable>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Response>,
{
    let mut redis = log.connection()?;
    let pending = serde_json::to_string(&Record { fingerprint, status: None, body: None }).expect("a record serializes");
    let claimed: Option<String> = redis::cmd("SET").arg(key).arg(&pending).arg("NX").arg("PX").arg(LEASE.as_millis() as u64).query_async(&mut redis).await?;
    if claimed.is_some() {
        let (parts, body) = run().await.into_parts();
        let body = to_bytes(body, usize::MAX).await.unwrap_or_default();
        if parts.status.is_success() {
            let record = Record { fingerprint, status: Some(parts.status.as_u16()), body: Some(String::from_utf8_lossy(&body).into_owned()) };
            let record = serde_json::to_string(&record).expect("a record serializes");
            let _: () = redis::cmd("SET").arg(key).arg(record).arg("PX").arg(ttl.as_millis() as u64).query_async(&mut redis).await?;
        } else {
            let _: () = redis::cmd("DEL").arg(key).query_async(&mut redis).await?;
        }
        return Ok(Response::from_parts(parts, Body::from(body)));
    }
    // Another request (here or on another relay) has the key: its answer, once there is one.
    let started = Instant::now();
    loop {
        let record: Option<String> = redis::cmd("GET").arg(key).query_async(&mut redis).await?;
        let Some(record) = record.and_then(|r| serde_json::from_str::<Record>(&r).ok()) else {
            return Ok(ApiError::new(503, "The first request with this Idempotency-Key was cut off; try again").into_response());
        };
        if record.fingerprint != fingerprint {
            return Ok(ApiError::new(422, "This Idempotency-Key was used for another request").into_response());
        }
        if let (Some(status), Some(body)) = (record.status, record.body) {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            return Ok(Answer { status, body: Bytes::from(body) }.response());
        }
        if started.elapsed() > LEASE {
            return Ok(ApiError::new(503, "The first request with this Idempotency-Key is taking too long; try again").into_response());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
