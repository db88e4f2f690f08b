//! The chime (and the notification) for the visitor who looks away, given by one tab of the
//! visitor's only. The frame page's own script chooses the tab (`zchatChime` in `index.html`: a
//! Web Lock the site's tabs share) and plays the tone (a short, quiet one made with the Web Audio
//! API): through wasm-bindgen the same cost the first open 1 KB more.

use wasm_bindgen::JsCast;

/// Asks the page to choose this tab for what is new where the window is not seen (`unseen`), and
/// then to play the chime if `play`; or, where the window is seen, to claim it so that no other
/// tab gives it. Whether this tab was chosen.
pub async fn chime(unseen: bool, play: bool) -> bool {
    let Some(window) = web_sys::window() else { return false };
    let chime = js_sys::Reflect::get(&window, &"zchatChime".into()).ok().and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    let Some(promise) = chime.and_then(|chime| chime.call2(&window, &unseen.into(), &play.into()).ok()) else { return false };
    wasm_bindgen_futures::JsFuture::from(js_sys::Promise::resolve(&promise)).await.ok().and_then(|played| played.as_bool()).unwrap_or(false)
}
