//! `GET /core/api/v1/interactions/{hash}/events?token=SESSION[&last_event_id=ID]`: the event
//! stream of one interaction, as Server-Sent Events (format in `zchat_types` `stream`).
//!
//! The session credential is a query parameter because EventSource cannot set headers. The stream
//! resumes after `Last-Event-ID` (header, sent by the browser on its own reconnects) or
//! `last_event_id` (query, for the widget's own reconnects); when it cannot, it says `reset` and
//! replays the log from its start. Heartbeat comments every 15 s keep proxies from closing it.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Query, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use futures_util::stream::{self, StreamExt};
use serde::Deserialize;
use zchat_types::{paths, ApiError, EventId, Reset, StreamEventKind};

use crate::hash::PathHash;
use crate::log::LoggedEvent;
use crate::Relay;

pub fn routes() -> Router<Arc<Relay>> {
    Router::new().route(paths::EVENTS, get(events))
}

#[derive(Deserialize)]
struct StreamQuery {
    #[serde(default)]
    token: String,
    last_event_id: Option<String>,
}

async fn events(
    State(relay): State<Arc<Relay>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    PathHash(hash): PathHash,
    Query(query): Query<StreamQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    relay.check_origin(&headers)?;
    relay.sessions.check(&hash, &query.token)?;
    relay.check_interaction_rate(&hash)?;
    // Held as long as the stream is open: no address or conversation holds the relay alone.
    let slots = relay.stream_slots(relay.client(&headers, peer), &hash)?;

    // A header that is not text is an id all the same, one that is not this log's (a reset).
    let given = headers
        .get("last-event-id")
        .map(|value| value.to_str().unwrap_or("\u{fffd}").to_string())
        .or(query.last_event_id)
        .filter(|id| !id.is_empty());
    let parsed = given.as_deref().map(str::parse::<EventId>);
    let after = parsed.and_then(Result::ok);
    let subscription = relay.log.subscribe(&hash, after).await?;
    let reset = match parsed {
        Some(Err(_)) => Some("the event id is not one of this relay's".to_string()),
        _ => subscription.reset.clone(),
    };

    // A reconnect delay with jitter, so that clients dropped together do not return together.
    let mut prelude = vec![Event::default().retry(Duration::from_millis(1000 + u64::from(crate::random_u16() % 2000))).comment("connected")];
    if let Some(reason) = reset {
        // Its id is "before the first event": a reconnect right after it replays the whole log.
        let data = serde_json::to_string(&Reset { reason }).expect("a reset serializes");
        let id = EventId { epoch: subscription.epoch, seq: 0 };
        prelude.push(Event::default().event(StreamEventKind::Reset.name()).id(id.to_string()).data(data));
    }

    let shutdown = relay.shutdown.clone();
    relay.metrics.streams_open.inc();
    let guard = crate::metrics::StreamGuard(relay.metrics.streams_open.clone());
    let out = relay.metrics.events_out.clone();
    // Far enough to never come when the stream has no lifetime limit.
    let ends = tokio::time::Instant::now() + relay.stream_max.unwrap_or(Duration::from_secs(100 * 365 * 24 * 3600));
    let live = stream::unfold((subscription, shutdown, (guard, slots)), move |(mut subscription, mut shutdown, guard)| {
        let out = out.clone();
        async move {
            let event = tokio::select! {
                event = subscription.next() => event,
                _ = shutdown.wait_for(|stopping| *stopping) => None,
                _ = tokio::time::sleep_until(ends) => None,
            };
            event.map(|event| {
                out.get_or_create(&crate::metrics::Kind { kind: event.kind.name() }).inc();
                (sse_event(&event), (subscription, shutdown, guard))
            })
        }
    });
    let events = stream::iter(prelude).chain(live).map(Ok::<_, Infallible>);
    let sse = Sse::new(events).keep_alive(KeepAlive::new().interval(relay.heartbeat).text("heartbeat"));
    let mut response = sse.into_response();
    let headers = response.headers_mut();
    // Proxies (nginx and the like) must pass events on at once.
    headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache, no-store"));
    Ok(response)
}

fn sse_event(event: &LoggedEvent) -> Event {
    Event::default().event(event.kind.name()).id(event.id.to_string()).data(&event.data)
}
