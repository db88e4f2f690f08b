//! `/metrics` in Prometheus text, on a listener of its own (`RELAY_METRICS_LISTEN`, loopback by
//! default; never the public one): open streams, events in and out by kind, webhook outcomes,
//! answers by route template and status (every refusal, by what it refused), upstream latency,
//! what the log holds and evicted, connections refused; with Redis, triggers per call to it and
//! how long each call took.
//! Labels are route templates and fixed words, never paths or values from outside, so the series
//! stay few and no secret is ever a label.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::Method;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::text::encode;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use tower::{Layer, Service};

use crate::error::Cause;
use crate::log::Store;
use crate::Relay;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Kind {
    pub kind: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Outcome {
    pub outcome: &'static str,
}

/// An error answer: its route template and its cause (`crate::error::Cause`).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Failure {
    pub route: String,
    pub cause: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Answer {
    pub route: String,
    pub status: u16,
}

/// An upload's outcome and its kind (the reference's message type, or `unknown` when refused
/// before its kind was known).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Upload {
    pub outcome: &'static str,
    pub kind: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Operation {
    pub operation: &'static str,
}

pub struct Metrics {
    registry: Registry,
    pub streams_open: Gauge,
    pub events_in: Family<Kind, Counter>,
    pub events_out: Family<Kind, Counter>,
    pub webhooks: Family<Outcome, Counter>,
    pub webhook_oddities: Family<Kind, Counter>,
    pub upstream_oddities: Family<Kind, Counter>,
    pub answers: Family<Answer, Counter>,
    failures: Family<Failure, Counter>,
    pub upstream_seconds: Family<Operation, Histogram>,
    pub connections_refused: Counter,
    pub account_token_alarms: Counter,
    pub uploads: Family<Upload, Counter>,
    pub upload_bytes: Counter,
    pub uploads_expired: Counter,
    interactions: Gauge,
    held_triggers: Gauge,
    log_bytes: Gauge,
    evictions: Family<Reason, Counter>,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Reason {
    pub reason: &'static str,
}

impl Metrics {
    /// The relay's metrics, with those of `log` (with Redis, how many triggers each call carried).
    pub fn new(log: &Store) -> Self {
        let mut registry = Registry::with_prefix("relay");
        let streams_open = Gauge::default();
        let events_in = Family::<Kind, Counter>::default();
        let events_out = Family::<Kind, Counter>::default();
        let webhooks = Family::<Outcome, Counter>::default();
        let webhook_oddities = Family::<Kind, Counter>::default();
        let upstream_oddities = Family::<Kind, Counter>::default();
        let answers = Family::<Answer, Counter>::default();
        let failures = Family::<Failure, Counter>::default();
        let upstream_seconds = Family::<Operation, Histogram>::new_with_constructor(|| Histogram::new(exponential_buckets(0.005, 2.0, 12)));
        let interactions = Gauge::default();
        let held_triggers = Gauge::default();
        let connections_refused = Counter::default();
        let account_token_alarms = Counter::default();
        let log_bytes = Gauge::default();
        let evictions = Family::<Reason, Counter>::default();
        let uploads = Family::<Upload, Counter>::default();
        let upload_bytes = Counter::default();
        let uploads_expired = Counter::default();
        registry.register("streams_open", "Open SSE streams (connected widgets)", streams_open.clone());
        registry.register("events_in", "Events appended to interaction logs, by kind", events_in.clone());
        registry.register("events_out", "Events written to SSE streams, by kind", events_out.clone());
        registry.register("webhooks", "Webhooks received, by outcome", webhooks.clone());
        registry.register(
            "webhook_oddities",
            "Webhooks kept in a shape the reference does not show, by how they depart from it",
            webhook_oddities.clone(),
        );
        registry.register(
            "upstream_oddities",
            "zChat's answers taken in a shape the reference does not show, by how they depart from it",
            upstream_oddities.clone(),
        );
        registry.register("answers", "Answers, by route template and status", answers.clone());
        registry.register(
            "failures",
            "Error answers, by route template and cause (refused, too_many, redis, files, busy, zchat_…)",
            failures.clone(),
        );
        registry.register("upstream_seconds", "Latency of zChat calls, by operation", upstream_seconds.clone());
        registry.register("interactions", "Interaction logs in memory (0 with the Redis log)", interactions.clone());
        registry.register("held_triggers", "Triggers held for interactions not yet known (memory log; 0 with Redis)", held_triggers.clone());
        registry.register("connections_refused", "Connections closed at once: their address held too many", connections_refused.clone());
        registry.register(
            "account_token_alarms",
            "Browser calls that carried the account token as a session credential: rotate ZCHAT_TOKEN",
            account_token_alarms.clone(),
        );
        registry.register("log_bytes", "Bytes of events kept in memory (0 with the Redis log)", log_bytes.clone());
        registry.register("uploads", "Visitors' uploads, by outcome and kind", uploads.clone());
        registry.register("upload_bytes", "Bytes of visitors' files stored (after their metadata was removed)", upload_bytes.clone());
        registry.register("uploads_expired", "Stored files deleted at the end of their retention", uploads_expired.clone());
        registry.register("evictions", "Interaction logs removed to make room, by why they were chosen", evictions.clone());
        if let Store::Redis(log) = log {
            registry.register(
                "redis_triggers_per_call",
                "Webhooks' triggers per call to Redis (concurrent webhooks share one)",
                log.triggers_per_call(),
            );
            registry.register(
                "redis_call_seconds",
                "Time of each call of the event log's script, from sending it to Redis to its reply",
                log.call_seconds(),
            );
        }
        Metrics {
            registry,
            streams_open,
            events_in,
            events_out,
            webhooks,
            webhook_oddities,
            upstream_oddities,
            answers,
            failures,
            upstream_seconds,
            connections_refused,
            account_token_alarms,
            uploads,
            upload_bytes,
            uploads_expired,
            interactions,
            held_triggers,
            log_bytes,
            evictions,
        }
    }

    pub fn upstream(&self, operation: &'static str, took: Duration) {
        self.upstream_seconds.get_or_create(&Operation { operation }).observe(took.as_secs_f64());
    }
}

/// `GET /metrics`.
pub async fn render(State(relay): State<Arc<Relay>>) -> impl IntoResponse {
    let metrics = &relay.metrics;
    // With Redis, what the log holds is Redis's to count (its own metrics): these stay 0.
    if let Some(stats) = relay.log.stats() {
        metrics.interactions.set(stats.interactions as i64);
        metrics.held_triggers.set(stats.held_triggers as i64);
        metrics.log_bytes.set(stats.bytes as i64);
        for (reason, total) in [("finished", stats.evicted.finished), ("idle", stats.evicted.idle), ("active", stats.evicted.active)] {
            let counter = metrics.evictions.get_or_create(&Reason { reason });
            counter.inc_by(total.saturating_sub(counter.get()));
        }
    }
    let mut text = String::new();
    encode(&mut text, &relay.metrics.registry).expect("writing to a String");
    ([(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], text)
}

/// Counts every answer by route template and status, and logs it: method, route template (never
/// the path or the query, which carry credentials and the webhook secret), status, time taken.
/// A layer of its own rather than `axum::middleware::from_fn`, which boxes a clone of everything
/// beneath it on every request (BENCHMARKS.md, issue 19).
#[derive(Clone)]
pub struct Observe<S> {
    inner: S,
    relay: Arc<Relay>,
}

/// Makes [`Observe`] of every route beneath it, for a relay's metrics.
#[derive(Clone)]
pub struct ObserveLayer(pub Arc<Relay>);

impl<S> Layer<S> for ObserveLayer {
    type Service = Observe<S>;

    fn layer(&self, inner: S) -> Observe<S> {
        Observe { inner, relay: Arc::clone(&self.0) }
    }
}

impl<S: Service<Request, Response = Response, Error = Infallible>> Service<Request> for Observe<S> {
    type Response = Response;
    type Error = Infallible;
    type Future = Observed<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Observed<S::Future> {
        let route = request.extensions().get::<MatchedPath>().cloned();
        let method = request.method().clone();
        Observed { answer: self.inner.call(request), relay: Arc::clone(&self.relay), route, method, started: Instant::now() }
    }
}

pin_project_lite::pin_project! {
    /// An answer on its way, noted once it is there.
    pub struct Observed<F> {
        #[pin]
        answer: F,
        relay: Arc<Relay>,
        route: Option<MatchedPath>,
        method: Method,
        started: Instant,
    }
}

impl<F: Future<Output = Result<Response, Infallible>>> Future for Observed<F> {
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let Ok(response) = ready!(this.answer.poll(cx));
        let route = this.route.as_ref().map_or("unmatched", MatchedPath::as_str);
        let status = response.status().as_u16();
        this.relay.metrics.answers.get_or_create(&Answer { route: route.to_string(), status }).inc();
        if let Some(Cause(cause)) = response.extensions().get::<Cause>() {
            this.relay.metrics.failures.get_or_create(&Failure { route: route.to_string(), cause }).inc();
        }
        tracing::info!(method = %this.method, %route, status, ms = this.started.elapsed().as_millis() as u64, "answered");
        Poll::Ready(Ok(response))
    }
}

/// Decrements the open-streams gauge when a stream ends, however it ends.
pub struct StreamGuard(pub Gauge);

impl Drop for StreamGuard {
    fn drop(&mut self) {
        self.0.dec();
    }
}
