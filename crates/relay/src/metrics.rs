//! `/metrics` in Prometheus text: open streams, events in and out by kind, webhook outcomes,
//! answers by route template and status (every refusal, by what it refused), upstream latency.
//! Labels are route templates and fixed words, never paths or values from outside, so the series
//! stay few and no secret is ever a label.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::text::encode;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

use crate::Relay;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Kind {
    pub kind: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Outcome {
    pub outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Answer {
    pub route: String,
    pub status: u16,
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
    pub answers: Family<Answer, Counter>,
    pub upstream_seconds: Family<Operation, Histogram>,
    interactions: Gauge,
    held_triggers: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("relay");
        let streams_open = Gauge::default();
        let events_in = Family::<Kind, Counter>::default();
        let events_out = Family::<Kind, Counter>::default();
        let webhooks = Family::<Outcome, Counter>::default();
        let answers = Family::<Answer, Counter>::default();
        let upstream_seconds =
            Family::<Operation, Histogram>::new_with_constructor(|| Histogram::new(exponential_buckets(0.005, 2.0, 12)));
        let interactions = Gauge::default();
        let held_triggers = Gauge::default();
        registry.register("streams_open", "Open SSE streams (connected widgets)", streams_open.clone());
        registry.register("events_in", "Events appended to interaction logs, by kind", events_in.clone());
        registry.register("events_out", "Events written to SSE streams, by kind", events_out.clone());
        registry.register("webhooks", "Webhooks received, by outcome", webhooks.clone());
        registry.register("answers", "Answers, by route template and status", answers.clone());
        registry.register("upstream_seconds", "Latency of zChat calls, by operation", upstream_seconds.clone());
        registry.register("interactions", "Interaction logs in memory", interactions.clone());
        registry.register("held_triggers", "Triggers held for interactions not yet known", held_triggers.clone());
        Metrics { registry, streams_open, events_in, events_out, webhooks, answers, upstream_seconds, interactions, held_triggers }
    }
}

impl Metrics {
    pub fn upstream(&self, operation: &'static str, took: Duration) {
        self.upstream_seconds.get_or_create(&Operation { operation }).observe(took.as_secs_f64());
    }
}

/// `GET /metrics`.
pub async fn render(State(relay): State<Arc<Relay>>) -> impl IntoResponse {
    let (interactions, held) = relay.log.counts();
    relay.metrics.interactions.set(interactions as i64);
    relay.metrics.held_triggers.set(held as i64);
    let mut text = String::new();
    encode(&mut text, &relay.metrics.registry).expect("writing to a String");
    ([(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], text)
}

/// Counts every answer by route template and status, and logs it: method, route template (never
/// the path or the query, which carry credentials and the webhook secret), status, time taken.
pub async fn observe(State(relay): State<Arc<Relay>>, request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().map_or("unmatched", |path| path.as_str()).to_string();
    let method = request.method().clone();
    let started = std::time::Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16();
    relay.metrics.answers.get_or_create(&Answer { route: route.clone(), status }).inc();
    tracing::info!(%method, %route, status, ms = started.elapsed().as_millis() as u64, "answered");
    response
}

/// Decrements the open-streams gauge when a stream ends, however it ends.
pub struct StreamGuard(pub Gauge);

impl Drop for StreamGuard {
    fn drop(&mut self) {
        self.0.dec();
    }
}
