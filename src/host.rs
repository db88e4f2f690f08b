//! The frame's channel to the host page's loader (`www/widget.js`), by postMessage with explicit
//! target origins, never `*`. Messages are JSON strings:
//! - frame → host: `{"type": "zchat:unread", "count": N}`, `{"type": "zchat:close"}`;
//! - host → frame: `{"type": "zchat:open", "open": bool}` (whether the window is shown).
//!
//! The host's origin comes from the `host` setting the loader gives; messages from any other
//! origin are ignored. Without a host (the frame page opened on its own) nothing is posted.

use std::cell::Cell;
use std::rc::Rc;

use gloo_events::EventListener;
use serde_json::{json, Value};
use wasm_bindgen::{JsCast, JsValue};

use crate::core::Input;
use crate::driver::Driver;

/// Posts `message` to the host page, if there is one.
pub fn post(host: Option<&str>, message: &Value) {
    let (Some(host), Some(window)) = (host, web_sys::window()) else { return };
    if let Ok(Some(parent)) = window.parent() {
        let _ = parent.post_message(&JsValue::from_str(&message.to_string()), host);
    }
}

pub fn unread(host: Option<&str>, count: u32) {
    post(host, &json!({"type": "zchat:unread", "count": count}));
}

pub fn close(host: Option<&str>) {
    post(host, &json!({"type": "zchat:close"}));
}

/// Listens to the host (open or not), the page's visibility and Escape; feeds [`Input::Seen`] and
/// asks the host to close on Escape. The listeners go with the returned guard.
pub fn listen(driver: &Driver, host: Option<String>) -> impl FnOnce() {
    let (Some(window), Some(document)) = (web_sys::window(), web_sys::window().and_then(|w| w.document())) else {
        return Box::new(|| ()) as Box<dyn FnOnce()>;
    };
    // The frame is created when the visitor opens the chat: it starts open.
    let open = Rc::new(Cell::new(true));
    let seen = {
        let (driver, open, document) = (driver.clone(), Rc::clone(&open), document.clone());
        Rc::new(move || {
            let visible = document.visibility_state() == web_sys::VisibilityState::Visible;
            driver.dispatch(Input::Seen(open.get() && visible));
        })
    };
    let messages = {
        let (host, open, seen) = (host.clone(), Rc::clone(&open), Rc::clone(&seen));
        EventListener::new(&window, "message", move |event| {
            let Some(event) = event.dyn_ref::<web_sys::MessageEvent>() else { return };
            if host.as_deref() != Some(event.origin().as_str()) {
                return;
            }
            let Some(text) = event.data().as_string() else { return };
            let Ok(message) = serde_json::from_str::<Value>(&text) else { return };
            if message["type"] == "zchat:open" {
                open.set(message["open"] == true);
                seen();
                if open.get() {
                    focus_first_field();
                }
            }
        })
    };
    let visibility = {
        let seen = Rc::clone(&seen);
        EventListener::new(&document, "visibilitychange", move |_| seen())
    };
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
