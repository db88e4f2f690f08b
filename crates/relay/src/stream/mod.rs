//! `GET /core/api/v1/interactions/{hash}/events?token=SESSION[&last_event_id=ID][&times=1]`: the
//! event stream of one interaction, as Server-Sent Events (format in `zchat_types` `stream`). With
//! `times=1` each event's id also says when the relay logged it (`{epoch}-{seq}-{at}`): a client
//! asks for it, so that one that reads ids as `{epoch}-{seq}` (a tab still running an older widget
//! after the relay is upgraded) keeps reading them.
//!
//! The session credential is a query parameter because EventSource cannot set headers. The stream
//! resumes after `Last-Event-ID` (header, sent by the browser on its own reconnects) or
//! `last_event_id` (query, for the widget's own reconnects); when it cannot, it says `reset` and
//! replays the log from its start. Heartbeat comments every 15 s keep proxies from closing it.

use std::convert::Infallible;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use futures_util::stream::{self, StreamExt};
use serde::Deserialize;
use zchat_types::{paths, EventId, Reset, StreamEventKind};

use crate::admission::ClientAddress;
use crate::caller::Visitor;
use crate::error::RelayError;
use crate::Relay;

mod frame;

pub fn routes() -> Router<Arc<Relay>> {
    Router::new().route(paths::EVENTS, get(events))
}

/// Where the widget resumes (its credential, `token`, is the [`Visitor`]'s), and whether its ids
/// say when each event was logged (`times=1`).
#[derive(Deserialize)]
struct StreamQuery {
    last_event_id: Option<String>,
    times: Option<String>,
}

/// The query's shape comes first (a parameter given twice is a 400), then who is calling.
async fn events(
    State(relay): State<Arc<Relay>>,
    Query(query): Query<StreamQuery>,
    Visitor { hash }: Visitor,
    client: ClientAddress,
    headers: HeaderMap,
) -> Result<Response, RelayError> {
    // Held as long as the stream is open: no address or conversation holds the relay alone.
    let slots = relay.stream_slots(client, &hash)?;

    // A header that is not text is an id all the same, one that is not this log's (a reset).
    let given = headers
        .get("last-event-id")
        .map(|value| value.to_str().unwrap_or("\u{fffd}").to_string())
        .or(query.last_event_id)
        .filter(|id| !id.is_empty());
    let parsed = given.as_deref().map(str::parse::<EventId>);
    let timed = query.times.as_deref() == Some("1");
    let after = parsed.and_then(Result::ok);
    let subscription = relay.log.subscribe(&hash, after).await?;
    let reset = match parsed {
        Some(Err(_)) => Some("the event id is not one of this relay's".to_string()),
        _ => subscription.reset.clone(),
    };

    // A reconnect delay with jitter, so that clients dropped together do not return together.
    let mut prelude = vec![frame::opening(1000 + u64::from(crate::random_u16() % 2000))];
    if let Some(reason) = reset {
        // Its id is "before the first event": a reconnect right after it replays the whole log.
        let data = serde_json::to_string(&Reset { reason }).expect("a reset serializes");
        prelude.push(frame::event(StreamEventKind::Reset, EventId { epoch: subscription.epoch, seq: 0 }, None, &data));
    }

    relay.metrics.streams_open.inc();
    let guard = crate::metrics::StreamGuard(relay.metrics.streams_open.clone());
    // Each kind's counter found once per stream, not once per event.
    let counted = StreamEventKind::ALL.map(|kind| relay.metrics.events_out.get_or_create(&crate::metrics::Kind { kind: kind.name() }).clone());
    // The stream's end, made once: the relay stopping, or the stream's lifetime (if it has one)
    // over. Per event, only the subscription is a new future; the timers are not re-armed.
    let mut shutdown = relay.shutdown.clone();
    let lifetime = relay.stream_max;
    let ends = Box::pin(async move {
        let over = async {
            match lifetime {
                Some(lifetime) => tokio::time::sleep(lifetime).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = shutdown.wait_for(|stopping| *stopping) => {}
            _ = over => {}
        }
    });
    // Every `heartbeat`, busy or quiet: a quiet stream needs it, and a busy one pays 13 bytes
    // rather than a timer re-armed per event. The first comes at a random point of the first
    // period, so that streams opened together (10,000 browsers back after a restart) do not beat
    // together ever after: their heartbeats are spread evenly, not a burst of writes every period
    // that delays every event in it (BENCHMARKS.md, issue 19).
    let first = relay.heartbeat.mul_f64(f64::from(crate::random_u16() % 1000 + 1) / 1000.0);
    let mut heartbeat = tokio::time::interval_at(tokio::time::Instant::now() + first, relay.heartbeat);
    heartbeat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // Held for as long as the stream lives: its place in the open streams' gauge and its slots.
    let held = (guard, slots);
    let state = (subscription, ends, heartbeat, counted, held);
    let live = stream::unfold(state, move |(mut subscription, mut ends, mut heartbeat, counted, held)| async move {
        let frame = tokio::select! {
            // The end first: a stream busy with events still ends when the relay stops.
            biased;
            _ = &mut ends => return None,
            event = subscription.next() => {
                let event = event?;
                let kind = StreamEventKind::ALL.iter().position(|kind| *kind == event.kind).expect("every kind is in ALL");
                counted[kind].inc();
                frame::event(event.kind, event.id, timed.then_some(event.at), &event.data)
            }
            _ = heartbeat.tick() => frame::HEARTBEAT,
        };
        Some((frame, (subscription, ends, heartbeat, counted, held)))
    });
    let frames = stream::iter(prelude).chain(live).map(Ok::<_, Infallible>);
    let mut response = Body::from_stream(frames).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
    // Proxies (nginx and the like) must pass events on at once.
    headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache, no-store"));
    Ok(response)
}
