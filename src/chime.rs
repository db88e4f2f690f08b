//! The chime for the visitor who looks away, played by one tab of the visitor's only. The frame
//! page's own script does the playing (`zchatChime` in `index.html`: a short, quiet tone made
//! with the Web Audio API, and the choice of the tab by a Web Lock the site's tabs share): through
//! wasm-bindgen the same cost the first open 1 KB more.

use wasm_bindgen::JsCast;

/// Asks the page to chime (`play`), or, where the window is seen, to claim the chime so that no
/// other tab plays it; whether this tab played it.
pub async fn chime(play: bool) -> bool {
    let Some(window) = web_sys::window() else { return false };
    let chime = js_sys::Reflect::get(&window, &"zchatChime".into()).ok().and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    let Some(promise) = chime.and_then(|chime| chime.call1(&window, &play.into()).ok()) else { return false };
    wasm_bindgen_futures::JsFuture::from(js_sys::Promise::resolve(&promise)).await.ok().and_then(|played| played.as_bool()).unwrap_or(false)
}
