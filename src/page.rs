//! The frame page's own listeners, one of each: the page's visibility, the browser coming back
//! online, and Escape; the one helper that puts the keyboard somewhere, and the picture viewer.

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
    // While a dialog (the picture, a question) or the menu is open, Escape closes that (the
    // browser does), not the window, wherever the keyboard is.
    let open_one = document.clone();
    let escape = EventListener::new(&document, "keydown", move |event| {
        let open = open_one.query_selector("dialog[open], :popover-open").ok().flatten().is_some();
        if !open && event.dyn_ref::<web_sys::KeyboardEvent>().is_some_and(|key| key.key() == "Escape") {
            escape.emit(());
        }
    });
    Box::new(move || drop((visibility, online, escape)))
}

/// Opens the window's modal dialog `id` (the browser keeps the keyboard in it until it closes).
pub fn show_dialog(id: &str) {
    let dialog = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id(id));
    if let Some(dialog) = dialog.and_then(|d| d.dyn_into::<web_sys::HtmlDialogElement>().ok()) {
        let _ = dialog.show_modal();
    }
}

/// Puts the popover `id` just under the control that `event` clicked, their right edges together
/// (the header's height changes with its title and the window's width).
pub fn place_under(event: &web_sys::MouseEvent, id: &str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
    // (Offsets within the window's section, which starts at the page's top left.)
    // (The button itself, not what in it was clicked; not `current_target`, which under Yew's
    // delegated listeners is the app's root.)
    let clicked = event.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok());
    let control = clicked.and_then(|e| e.closest("button").ok().flatten()).and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
    let popover = document.get_element_by_id(id).and_then(|p| p.dyn_into::<web_sys::HtmlElement>().ok());
    let (Some(control), Some(popover), Some(root)) = (control, popover, document.document_element()) else { return };
    let (bottom, right) = (control.offset_top() + control.offset_height(), control.offset_left() + control.offset_width());
    let style = popover.style();
    let _ = style.set_property("top", &[&(bottom + 6).to_string(), "px"].concat());
    let _ = style.set_property("right", &[&(root.client_width() - right).max(8).to_string(), "px"].concat());
}

/// Shows the picture at `url` full size in the window's viewer (`#zc-viewer`, a dialog: the
/// browser keeps the keyboard in it, closes it on Escape or its button, and gives the focus back
/// to the thumbnail).
pub fn view_picture(url: &str, alt: &str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
    if let (Some(viewer), Ok(Some(image))) = (document.get_element_by_id("zc-viewer"), document.query_selector("#zc-viewer img")) {
        let _ = (image.set_attribute("src", url), image.set_attribute("alt", alt));
        if let Ok(dialog) = viewer.dyn_into::<web_sys::HtmlDialogElement>() {
            let _ = dialog.show_modal();
        }
    }
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
