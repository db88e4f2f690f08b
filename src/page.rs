//! The frame page's own listeners, one of each: the page's visibility, the browser coming back
//! online, and Escape; and the one helper that puts the keyboard somewhere.

use std::rc::Rc;

use gloo_events::EventListener;
use wasm_bindgen::JsCast;
use yew::Callback;

/// What the page's events are turned into.
pub struct Handlers {
    /// The page became visible (`true`) or hidden.
    pub visibility: Rc<dyn Fn(bool)>,
    /// The browser is back online.
    pub online: Callback<()>,
    /// The visitor pressed Escape.
    pub escape: Callback<()>,
}

/// Whether the page is visible now.
pub fn visible() -> bool {
    web_sys::window().and_then(|w| w.document()).is_some_and(|d| d.visibility_state() == web_sys::VisibilityState::Visible)
}

/// Listens until the returned guard is called (the component unmounts).
pub fn listen(handlers: Handlers) -> impl FnOnce() {
    let (Some(window), Some(document)) = (web_sys::window(), web_sys::window().and_then(|w| w.document())) else {
        return Box::new(|| ()) as Box<dyn FnOnce()>;
    };
    let Handlers { visibility, online, escape } = handlers;
    let visibility = EventListener::new(&document, "visibilitychange", move |_| visibility(visible()));
    let online = EventListener::new(&window, "online", move |_| online.emit(()));
    let escape = EventListener::new(&document, "keydown", move |event| {
        if event.dyn_ref::<web_sys::KeyboardEvent>().is_some_and(|key| key.key() == "Escape") {
            escape.emit(());
        }
    });
    Box::new(move || drop((visibility, online, escape)))
}

/// Focuses the first element that matches `selector`, if any.
pub fn focus(selector: &str) {
    let element = web_sys::window().and_then(|w| w.document()).and_then(|d| d.query_selector(selector).ok().flatten());
    if let Some(element) = element.and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
        let _ = element.focus();
    }
}

/// Puts the keyboard where the visitor will type: the composer, or the form's first field.
pub fn focus_first_field() {
    focus("#zc-input:not([disabled]), .zc-prechat input");
}

/// Saves `text` as a file called `name`: a link to it as a `data:` address, clicked (no Blob
/// bindings: they cost the wasm and its glue more than this).
pub fn download(name: &str, text: &str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
    let Some(link) = document.create_element("a").ok().and_then(|a| a.dyn_into::<web_sys::HtmlElement>().ok()) else { return };
    let address = ["data:text/plain;charset=utf-8,", &String::from(js_sys::encode_uri_component(text))].concat();
    if link.set_attribute("href", &address).is_ok() && link.set_attribute("download", name).is_ok() {
        link.click();
    }
}

/// The largest file the relay takes, as it says in the frame page (`<meta name="zchat-upload-max">`).
pub fn upload_limit() -> Option<u64> {
    let meta = web_sys::window()?.document()?.query_selector("meta[name=zchat-upload-max]").ok()??;
    meta.get_attribute("content")?.parse().ok()
}
