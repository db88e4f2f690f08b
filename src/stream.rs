//! The interaction's event stream from the relay, over gloo-net's EventSource. Every event
//! becomes an [`Input`] for the core; dropping the [`EventStream`] closes it quietly.

use std::cell::Cell;
use std::rc::Rc;

use futures_util::stream::{select_all, StreamExt};
use gloo_net::eventsource::futures::EventSource;
use yew::Callback;
use zchat_types::{paths, StreamEventKind};

use crate::core::{Input, Session, StreamEvent};
use crate::json;

/// An open stream. The browser reconnects it by itself after short failures (resuming with
/// `Last-Event-ID`); when it gives up, the core is told ([`Input::StreamClosed`]).
pub struct EventStream {
    _source: EventSource,
    /// Set when we close it, so that our own close is not reported as a failure.
    closing: Rc<Cell<bool>>,
}

impl Drop for EventStream {
    fn drop(&mut self) {
        self.closing.set(true);
    }
}

/// Opens `GET …/{hash}/events?token=…[&last_event_id=…]` and feeds its events to `on_input`.
pub fn open(session: &Session, last_event_id: Option<&str>, on_input: Callback<Input>) -> Option<EventStream> {
    let encode = |text: &str| String::from(js_sys::encode_uri_component(text));
    let path = paths::for_interaction(paths::EVENTS, &encode(&session.hash));
    let mut url = format!("{path}?token={}", encode(&session.credential));
    if let Some(id) = last_event_id {
        url.push_str(&format!("&last_event_id={}", encode(id)));
    }
    let mut source = EventSource::new(&url).ok()?;
    let mut subscriptions = Vec::new();
    // "open" and "error" are not message events, but the subscription only needs to know that
    // they happened. gloo reports only errors that close the stream for good (as `Err`); an
    // "error" event while the browser reconnects by itself comes here as a plain event.
    for name in ["open", "error"].into_iter().chain(StreamEventKind::ALL.map(StreamEventKind::name)) {
        subscriptions.push(source.subscribe(name).ok()?.boxed_local());
    }
    let closing = Rc::new(Cell::new(false));
    let closed = Rc::clone(&closing);
    yew::platform::spawn_local(async move {
        let mut events = select_all(subscriptions);
        while let Some(event) = events.next().await {
            if closed.get() {
                return;
            }
            match event {
                Ok((name, message)) => match (StreamEventKind::from_name(&name), name.as_str()) {
                    (Some(kind), _) => on_input.emit(Input::StreamEvent {
                        id: message.last_event_id(),
                        event: decode(kind, &message.data().as_string().unwrap_or_default()),
                    }),
                    (None, "error") => on_input.emit(Input::StreamRetrying),
                    _ => on_input.emit(Input::StreamOpened),
                },
                Err(_) => {
                    on_input.emit(Input::StreamClosed);
                    return;
                }
            }
        }
    });
    Some(EventStream { _source: source, closing })
}

/// An event's `data:` by its `event:` name.
pub fn decode(kind: StreamEventKind, data: &str) -> StreamEvent {
    let event = match kind {
        StreamEventKind::Trigger => json::parse(data).map(|trigger| StreamEvent::Trigger(Box::new(trigger))),
        StreamEventKind::CustomerMessage => json::parse(data).map(StreamEvent::CustomerMessage),
        StreamEventKind::Reset => Some(StreamEvent::Reset),
    };
    event.unwrap_or(StreamEvent::Unreadable)
}
