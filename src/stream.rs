//! The interaction's event stream from the relay, over the browser's EventSource. Every event
//! becomes an [`Input`] for the core; dropping the [`EventStream`] closes it quietly.

use gloo_events::EventListener;
use wasm_bindgen::JsCast;
use web_sys::{EventSource, MessageEvent};
use yew::Callback;
use zchat_types::{paths, EventId, StreamEventKind};

use crate::core::{Input, Session, StreamEvent};
use crate::json;

/// An open stream. The browser reconnects it by itself after short failures (resuming with
/// `Last-Event-ID`); when it gives up, the core is told ([`Input::StreamClosed`]).
pub struct EventStream {
    source: EventSource,
    _listeners: Vec<EventListener>,
}

impl Drop for EventStream {
    fn drop(&mut self) {
        // A closed source fires nothing more, so our own close is not reported as a failure;
        // the listeners go with it. (Dropping it from one of its own listeners is safe:
        // wasm-bindgen frees a closure only once its call returns.)
        self.source.close();
    }
}

/// Opens `GET …/{hash}/events?token=…&times=1[&last_event_id=…]` and feeds its events to
/// `on_input` (`times=1`: each id says when the relay logged its event, the time the widget shows).
pub fn open(session: &Session, after: Option<EventId>, on_input: Callback<Input>) -> Option<EventStream> {
    let encode = |text: &str| String::from(js_sys::encode_uri_component(text));
    let path = paths::for_interaction(paths::EVENTS, &encode(&session.hash));
    let mut url = [path.as_str(), "?token=", &encode(&session.credential), "&times=1"].concat();
    if let Some(id) = after {
        url.extend(["&last_event_id=", &id.to_string()]);
    }
    let source = EventSource::new(&url).ok()?;
    let emit = on_input.clone();
    let mut listeners = vec![EventListener::new(&source, "open", move |_| emit.emit(Input::StreamOpened))];
    // "error" while the browser reconnects by itself; with the source closed, it gave up.
    let (emit, watched) = (on_input.clone(), source.clone());
    listeners.push(EventListener::new(&source, "error", move |_| {
        emit.emit(if watched.ready_state() == EventSource::CLOSED { Input::StreamClosed } else { Input::StreamRetrying })
    }));
    for kind in StreamEventKind::ALL {
        let emit = on_input.clone();
        listeners.push(EventListener::new(&source, kind.name(), move |event| {
            let Some(message) = event.dyn_ref::<MessageEvent>() else { return };
            let data = message.data().as_string().unwrap_or_default();
            emit.emit(Input::StreamEvent { id: message.last_event_id(), event: decode(kind, &data) });
        }));
    }
    Some(EventStream { source, _listeners: listeners })
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
