//! The frame's channel to the host page's loader (`www/widget.js`), by postMessage with explicit
//! target origins, never `*`. Messages are JSON strings:
//! - frame → host: `{"zchat": EVENT, "data": …}`, where EVENT is one of the JS API's events the page's
//!   listeners get as they are — `ready`, `unread` (a count), `state` (`{"state": "queued",
//!   "position": 2, "active": true}`), `message` (`{"from": "agent", "text": "…", "agent": "Ana"}`) —
//!   or `hide` (the visitor closed the window: Escape, the close button). `ready` also carries the
//!   launcher's labels in the visitor's language (`"labels": {"open": …, "close": …}`), and
//!   `unread` its label with the count (`"label": "Open chat, 2 unread messages"`);
//! - host → frame: `{"zchat": "host", "open": bool, "customer": {…}, "extra": {…}}`, sent when the
//!   frame is ready and on every change: whether the window is shown, the answers that prefill the
//!   form (`setCustomer`), and the `extra` of the next start (`data-extra`, `setExtra`).
//!
//! The host's origin comes from the `host` setting the loader gives; messages from any other
//! origin are ignored. Without a host (the frame page opened on its own) nothing is posted.

use std::cell::Cell;
use std::rc::Rc;

use gloo_events::EventListener;
use serde_json::{json, Value};
use wasm_bindgen::{JsCast, JsValue};

use zchat_types::Customer;

use crate::core::{Announcement, Input, MAX_EXTRA_BYTES};
use crate::texts::Texts;

/// An error for the site's developer, in the console (the frame's, which shows with the page's).
pub fn complain(what: &str) {
    web_sys::console::error_1(&JsValue::from_str(&["zChat widget: ", what].concat()));
}
use crate::driver::Driver;

/// Posts `message` to the host page, if there is one.
pub fn post(host: Option<&str>, message: &Value) {
    let (Some(host), Some(window)) = (host, web_sys::window()) else { return };
    if let Ok(Some(parent)) = window.parent() {
        let _ = parent.post_message(&JsValue::from_str(&message.to_string()), host);
    }
}

/// An event for the host page's listeners (or `hide`).
fn event(host: Option<&str>, name: &str, data: Value) {
    post(host, &json!({"zchat": name, "data": data}));
}

pub fn unread(host: Option<&str>, texts: &Texts, count: u32) {
    let label = if count == 0 { texts.launcher_open.to_string() } else { (texts.launcher_unread)(count) };
    post(host, &json!({"zchat": "unread", "data": count, "label": label}));
}

/// Ready, with the launcher's labels in the visitor's language.
fn ready(host: Option<&str>, texts: &Texts) {
    post(host, &json!({"zchat": "ready", "data": null, "labels": {"open": texts.launcher_open, "close": texts.close}}));
}

pub fn close(host: Option<&str>) {
    event(host, "hide", Value::Null);
}

fn complain_once(told: &Cell<u8>, what: u8, message: &str) {
    if told.get() & what == 0 {
        told.set(told.get() | what);
        complain(message);
    }
}

/// The conversation's state changed: its name, queue position, and whether one is under way.
pub fn state(host: Option<&str>, (state, position, active): (&str, Option<u32>, bool)) {
    event(host, "state", json!({"state": state, "position": position, "active": active}));
}

pub fn message(host: Option<&str>, message: &Announcement) {
    event(host, "message", json!({"from": message.from, "text": message.text, "agent": message.agent}));
}

/// Listens to the host (open or not), the page's visibility and Escape; feeds [`Input::Seen`] and
/// asks the host to close on Escape. The listeners go with the returned guard.
pub fn listen(driver: &Driver, host: Option<String>) -> impl FnOnce() {
    let (Some(window), Some(document)) = (web_sys::window(), web_sys::window().and_then(|w| w.document())) else {
        return Box::new(|| ()) as Box<dyn FnOnce()>;
    };
    // The loader may create the frame before the visitor opens it (when the browser is idle): it
    // starts closed and the host says when it opens. On its own, the frame page is open.
    let open = Rc::new(Cell::new(host.is_none()));
    let seen = {
        let (driver, open, document) = (driver.clone(), Rc::clone(&open), document.clone());
        Rc::new(move || {
            let visible = document.visibility_state() == web_sys::VisibilityState::Visible;
            driver.dispatch(Input::Seen(open.get() && visible));
        })
    };
    let messages = {
        let (host, open, seen, driver) = (host.clone(), Rc::clone(&open), Rc::clone(&seen), driver.clone());
        // The host sends everything each time: a bad value is said once, not on every message.
        let told = Cell::new(0u8);
        EventListener::new(&window, "message", move |event| {
            let Some(event) = event.dyn_ref::<web_sys::MessageEvent>() else { return };
            if host.as_deref() != Some(event.origin().as_str()) {
                return;
            }
            let Some(text) = event.data().as_string() else { return };
            let Ok(mut message) = serde_json::from_str::<Value>(&text) else { return };
            if message["zchat"] != "host" {
                return;
            }
            let opened = message["open"] == true && !open.get();
            open.set(message["open"] == true);
            seen();
            if opened {
                focus_first_field();
            }
            // Anything else than what the API takes is refused, and the site's developer is told.
            match serde_json::from_value::<Option<Customer>>(message["customer"].take()) {
                Ok(Some(customer)) => driver.dispatch(Input::Prefill(customer)),
                Ok(None) => {}
                Err(_) => complain_once(&told, 1, "setCustomer takes {name, email, phone, cpf}, each a string"),
            }
            // data-extra comes as written (JSON text), setExtra's as an object.
            let extra = match message["extra"].take() {
                Value::String(text) => serde_json::from_str(&text).unwrap_or(Value::Bool(false)),
                given => given,
            };
            match extra {
                Value::Null => {}
                Value::Object(extra) if Value::Object(extra.clone()).to_string().len() <= MAX_EXTRA_BYTES => {
                    driver.dispatch(Input::SetExtra(extra));
                }
                _ => complain_once(&told, 2, "data-extra and setExtra take a JSON object of 4096 bytes at most"),
            }
        })
    };
    let visibility = {
        let seen = Rc::clone(&seen);
        EventListener::new(&document, "visibilitychange", move |_| seen())
    };
    ready(host.as_deref(), driver.conversation().lang.texts());
    seen();
    let escape = EventListener::new(&document, "keydown", move |event| {
        if event.dyn_ref::<web_sys::KeyboardEvent>().is_some_and(|key| key.key() == "Escape") {
            close(host.as_deref());
        }
    });
    Box::new(move || drop((messages, visibility, escape)))
}

/// Puts the keyboard where the visitor will type: the composer, or the form's first field.
pub fn focus_first_field() {
    let field = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector("#zc-input:not([disabled]), .zc-prechat input").ok().flatten());
    if let Some(field) = field.and_then(|f| f.dyn_into::<web_sys::HtmlElement>().ok()) {
        let _ = field.focus();
    }
}
