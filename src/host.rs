//! The frame's channel to the host page's loader (`www/widget.js`), by postMessage with explicit
//! target origins, never `*`. Messages are JSON strings:
//! - frame → host: `{"zchat": EVENT, "data": …}`, where EVENT is one of the JS API's events the page's
//!   listeners get as they are — `ready`, `unread` (a count), `state` (`{"state": "queued",
//!   "position": 2, "active": true}`), `message` (`{"from": "agent", "text": "…", "agent": "Ana"}`) —
//!   `sound` (the chime played in this tab: `{"from": "agent", "agent": "Ana"}`), or `title`
//!   (`{"text": …}`: the host page's title while the visitor looks away, empty for its own),
//!   `notify` (`{"from": "agent", "text": …, "agent": "Ana"}`: show it as a browser notification),
//!   `permission` (ask the browser for the permission to notify),
//!   or `show` (`false`: the visitor closed the window, by Escape or the close button; `true`: a
//!   conversation under way was left open, on the site's last page or before a reload), or `labels` (new labels
//!   for the launcher). `ready` also carries the launcher's labels in the visitor's language
//!   (`"labels": {"open": …, "close": …}`), and
//!   `unread` its label with the count (`"label": "Open chat, 2 unread messages"`);
//! - host → frame: `{"zchat": "host", "open": bool, "customer": {…}, "extra": {…}}`, sent when the
//!   frame is ready and on every change: whether the window is shown, the answers that prefill the
//!   form (`setCustomer`), and the `extra` of the next start (`data-extra`, `setExtra`);
//! - frame → host, for the open chat's helpers when the frame's own storage is refused
//!   (`crate::storage`): `keep` (`{"key": "zchat:conversation:1", "value": TEXT}`: keep it in the
//!   page's local storage) and `forget` (remove every `zchat:` key there);
//! - host → frame, from the open chat's helpers: `notify:PERMISSION` (plain text: one JSON parse
//!   less in the wasm), the browser's `Notification.permission` (`unsupported` without them), on
//!   `ready` and when asked; `kept:` and a JSON object, the page's `zchat:conversation:…` keys and
//!   their texts, on `ready`.
//!
//! The host's origin comes from the `host` setting the loader gives; messages from any other
//! origin are ignored. Without a host (the frame page opened on its own) nothing is posted.

use std::cell::Cell;
use std::rc::Rc;

use gloo_events::EventListener;
use serde::Serialize;
use serde_json::{Map, Value};
use wasm_bindgen::{JsCast, JsValue};

use zchat_types::{tags_fit, Customer, Identity, SignedHistory, MAX_HANDOFF_BYTES, MAX_PAGE_CHARS};

use yew::Callback;

use crate::core::{Announcement, HostState, Input, Permission, MAX_EXTRA_BYTES};
use crate::json;
use crate::texts::Texts;

/// An error for the site's developer, in the console (the frame's, which shows with the page's).
pub fn complain(what: &str) {
    web_sys::console::error_1(&JsValue::from_str(&["zChat widget: ", what].concat()));
}

/// A message to the host page: `{"zchat": name, "data": …}`, with the launcher's label(s) on
/// `unread` and `ready`.
#[derive(Serialize)]
struct ToHost<'a, D> {
    zchat: &'a str,
    data: D,
    #[serde(skip_serializing_if = "Option::is_none")]
    label: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    labels: Option<Labels<'a>>,
}

#[derive(Serialize)]
struct Labels<'a> {
    open: &'a str,
    close: &'a str,
}

#[derive(Serialize)]
struct State<'a> {
    state: &'a str,
    position: Option<u32>,
    active: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    extra: Option<&'a Map<String, Value>>,
}

#[derive(Serialize)]
struct Message<'a> {
    from: &'a str,
    text: &'a str,
    agent: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    agent_id: Option<i64>,
}

/// Posts `message` to the host page, if there is one.
fn post<D: Serialize>(host: Option<&str>, message: &ToHost<'_, D>) {
    let (Some(host), Some(window)) = (host, web_sys::window()) else { return };
    if let (Ok(Some(parent)), Some(text)) = (window.parent(), json::stringify(message)) {
        let _ = parent.post_message(&JsValue::from_str(&text), host);
    }
}

/// An event for the host page's listeners (or `show`, `labels`).
fn event<D: Serialize>(host: Option<&str>, name: &str, data: D) {
    post(host, &ToHost { zchat: name, data, label: None, labels: None });
}

/// The unread count, with the launcher's label that says it (none when there is nothing unread:
/// the launcher's own label, [`listen`]'s `open_label`, comes back).
pub fn unread(host: Option<&str>, texts: &Texts, count: u32) {
    let label = match count {
        0 => None,
        1 => Some(texts.launcher_unread_one.to_string()),
        _ => Some(texts.launcher_unread.with(&count.to_string())),
    };
    post(host, &ToHost { zchat: "unread", data: count, label: label.as_deref(), labels: None });
}

/// Ready, with the launcher's labels in the visitor's language.
fn ready(host: Option<&str>, texts: &Texts) {
    let labels = Labels { open: texts.launcher_open, close: texts.close };
    post(host, &ToHost { zchat: "ready", data: (), label: None, labels: Some(labels) });
}

/// New labels for the launcher: `open` while the window is closed (outside business hours, when
/// the team is back).
pub fn labels(host: Option<&str>, texts: &Texts, open: &str) {
    post(host, &ToHost { zchat: "labels", data: (), label: None, labels: Some(Labels { open, close: texts.close }) });
}

/// The chime played in this tab, for a message of `agent`'s (the page's `sound` listeners).
pub fn sound(host: Option<&str>, agent: Option<&str>) {
    event(host, "sound", Message { from: "agent", text: "", agent, agent_id: None });
}

/// An agent's message to show as a browser notification (the page's helpers show it).
pub fn notify(host: Option<&str>, agent: Option<&str>, text: &str) {
    event(host, "notify", Message { from: "agent", text, agent, agent_id: None });
}

/// Asks the page's helpers for the browser's permission to notify (they answer with it).
pub fn ask_notifications(host: Option<&str>) {
    event(host, "permission", 0u32);
}

/// The host page's title while the visitor looks away: `title`, or the page's own (`None`).
pub fn title(host: Option<&str>, title: Option<&str>) {
    event(host, "title", Message { from: "agent", text: title.unwrap_or_default(), agent: None, agent_id: None });
}

/// Asks the host page to show the window (`true`) or to close it. Sent as 1 or 0: the same
/// message type as `unread`'s count, one serializer less in the wasm.
pub fn show(host: Option<&str>, open: bool) {
    event(host, "show", u32::from(open));
}

pub fn close(host: Option<&str>) {
    show(host, false);
}

fn complain_once(told: &Cell<u8>, what: u8, message: &str) {
    if told.get() & what == 0 {
        told.set(told.get() | what);
        complain(message);
    }
}

/// The conversation's state changed: its name, queue position, and whether one is under way.
pub fn state(host: Option<&str>, state: &HostState) {
    event(host, "state", State { state: state.name, position: state.position, active: state.active, extra: state.extra.as_deref() });
}

pub fn message(host: Option<&str>, message: &Announcement) {
    event(host, "message", Message { from: message.from, text: &message.text, agent: message.agent.as_deref(), agent_id: message.agent_id });
}

/// A message from the host page, decoded and checked. A `customer` or `extra` that is not what
/// the API takes is an `Err`, for the site's developer to be told.
#[derive(Debug, PartialEq)]
pub struct FromHost {
    /// Whether the window is shown.
    pub open: bool,
    /// The answers that prefill the form (`setCustomer`), if any.
    pub customer: Result<Option<Customer>, ()>,
    /// The `extra` of the next start (`data-extra`, `setExtra`): an object of at most
    /// [`MAX_EXTRA_BYTES`] as JSON, if any.
    pub extra: Result<Option<Map<String, Value>>, ()>,
    /// A verified customer (`identify`, `data-customer-key` and `data-signature`), if any.
    pub identity: Result<Option<Identity>, ()>,
    /// The tags of the next conversation (`setTags`, `data-tags`): at most `zchat_types::MAX_TAGS` ids.
    pub tags: Result<Option<Vec<String>>, ()>,
    /// The page the visitor is on (`url`, `title`, `referrer`), unless `data-page-context="off"`.
    pub page: Option<Map<String, Value>>,
    /// A bot's transcript for the next conversation's agent (`setHistory`): two strings, the
    /// messages at most `zchat_types::MAX_HANDOFF_BYTES` (the relay checks its signature).
    pub history: Result<Option<SignedHistory>, ()>,
    /// How many times the page asked to forget this device (`logout`, `forget`).
    pub forgets: u32,
}

/// The page the visitor is on, as the loader gives it: its `url`, `title` and `referrer`, each a
/// string cut to [`MAX_PAGE_CHARS`] (the page's own address may be megabytes long); anything
/// else in it is dropped.
fn page(given: &JsValue) -> Option<Map<String, Value>> {
    if !given.is_object() || js_sys::Array::is_array(given) {
        return None;
    }
    // Inserted one by one: collecting into the map sorts first, and a sort costs the wasm 1.6 KB.
    let mut page = Map::new();
    for name in ["url", "title", "referrer"] {
        if let Some(text) = js_sys::Reflect::get(given, &name.into()).ok().and_then(|text| text.as_string()) {
            page.insert(name.to_string(), Value::String(text.chars().take(MAX_PAGE_CHARS).collect()));
        }
    }
    Some(page)
}

/// `text` as a message from the host page; `None` when it is not one (not JSON, not `"host"`).
pub fn decode(text: &str) -> Option<FromHost> {
    let message = json::parse_js(text)?;
    let field = |name: &str| json::field(&message, name);
    if field("zchat").as_string().as_deref() != Some("host") {
        return None;
    }
    // data-extra comes as written (JSON text), setExtra's as an object.
    let mut extra = field("extra");
    if let Some(text) = extra.as_string() {
        extra = json::parse_js(&text).unwrap_or(JsValue::FALSE);
    }
    let extra = if extra.is_null() || extra.is_undefined() {
        Ok(None)
    } else {
        let fits = json::stringify_js(&extra).is_some_and(|text| text.len() <= MAX_EXTRA_BYTES);
        json::from_js::<Map<String, Value>>(extra).filter(|_| fits).map(Some).ok_or(())
    };
    let tags = json::from_js::<Option<Vec<String>>>(field("tags")).filter(|tags| tags.as_deref().is_none_or(tags_fit)).ok_or(());
    Some(FromHost {
        open: field("open").as_bool() == Some(true),
        customer: json::from_js::<Option<Customer>>(field("customer")).ok_or(()),
        extra,
        identity: json::from_js::<Option<Identity>>(field("identity")).ok_or(()),
        tags,
        page: page(&field("page")),
        history: json::from_js::<Option<SignedHistory>>(field("history"))
            .filter(|history| history.as_ref().is_none_or(|history| history.messages.len() <= MAX_HANDOFF_BYTES))
            .ok_or(()),
        forgets: field("forget").as_f64().unwrap_or_default() as u32,
    })
}

/// Asks the host page's helpers to keep `value` under `key` in the page's own storage (the frame's
/// is refused: `crate::storage`).
pub fn keep(host: &str, key: &str, value: &str) {
    event(Some(host), "keep", Kept { key, value });
}

/// Asks the host page's helpers to remove every key of the widget's from the page's storage.
pub fn forget(host: &str) {
    event(Some(host), "forget", ());
}

/// What the host page's helpers keep for the frame.
#[derive(Serialize)]
struct Kept<'a> {
    key: &'a str,
    value: &'a str,
}

/// Listens to the host page: whether the window is shown (kept in `open`, then `seen` is
/// called), the form's answers and the next start's `extra` (fed to `dispatch`), and what the
/// page's helpers kept for the frame (their `kept:` message, to `kept`); then says `ready`. The
/// listener goes when the returned guard is called.
pub fn listen(
    host: Option<String>,
    texts: &Texts,
    open: Rc<Cell<bool>>,
    seen: Rc<dyn Fn()>,
    dispatch: Callback<Input>,
    kept: Callback<String>,
) -> impl FnOnce() {
    let Some(window) = web_sys::window() else { return Box::new(|| ()) as Box<dyn FnOnce()> };
    let messages = {
        let host = host.clone();
        // The host sends everything each time: a bad value is said once, not on every message.
        let told = Cell::new(0u8);
        let forgotten = Cell::new(0u32);
        EventListener::new(&window, "message", move |event| {
            let Some(event) = event.dyn_ref::<web_sys::MessageEvent>() else { return };
            if host.as_deref() != Some(event.origin().as_str()) {
                return;
            }
            let Some(text) = event.data().as_string() else { return };
            if let Some(word) = text.strip_prefix("notify:") {
                return dispatch.emit(Input::Notifications(Permission::from_browser(word)));
            }
            if let Some(all) = text.strip_prefix("kept:") {
                return kept.emit(all.to_string());
            }
            let Some(message) = decode(&text) else { return };
            let opened = message.open && !open.get();
            if message.open != open.get() {
                dispatch.emit(Input::WindowOpen(message.open));
            }
            open.set(message.open);
            seen();
            if opened {
                crate::page::focus_first_field();
            }
            if message.forgets > forgotten.get() {
                forgotten.set(message.forgets);
                dispatch.emit(Input::Forget);
            }
            // Anything else than what the API takes is refused, and the site's developer is told.
            let identity = message.identity.unwrap_or_else(|()| {
                complain_once(&told, 4, "identify and data-customer-key take a customer_key and its signature, both strings");
                None
            });
            let tags = message.tags.unwrap_or_else(|()| {
                complain_once(&told, 8, "setTags and data-tags take at most 20 tag ids of 1 to 64 bytes");
                None
            });
            let history = message.history.unwrap_or_else(|()| {
                complain_once(&told, 16, "setHistory takes {messages, signature}, two strings, the messages 64 KiB at most");
                None
            });
            dispatch.emit(Input::Site { identity, tags, page: message.page, history });
            match message.customer {
                Ok(Some(customer)) => dispatch.emit(Input::Prefill(customer)),
                Ok(None) => {}
                Err(()) => complain_once(&told, 1, "setCustomer takes {name, email, phone, cpf}, each a string"),
            }
            match message.extra {
                Ok(Some(extra)) => dispatch.emit(Input::SetExtra(extra)),
                Ok(None) => {}
                Err(()) => complain_once(&told, 2, "data-extra and setExtra take a JSON object of 4096 bytes at most"),
            }
        })
    };
    ready(host.as_deref(), texts);
    Box::new(move || drop(messages))
}
