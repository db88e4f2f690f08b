//! After the end: rate the conversation (thumbs up or down, an optional note), then start anew.

use wasm_bindgen::JsCast;
use web_sys::HtmlTextAreaElement;
use yew::prelude::*;
use zchat_types::Mood;

use super::icons::{self, icon};
use crate::core::Rating;
use crate::texts::Texts;

/// The panel for `rating`; `onrate` gets the mood and the note, `onnew` starts anew. A function,
/// not a component: it holds nothing (the note is read from its field when the visitor rates).
pub fn rating_panel(texts: &Texts, rating: &Rating, onrate: &Callback<(Mood, String)>, onnew: &Callback<()>) -> Html {
    let rate = |mood: Mood| {
        let onrate = onrate.clone();
        Callback::from(move |_| {
            let note = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("zc-note"));
            let text = note.and_then(|note| note.dyn_into::<HtmlTextAreaElement>().ok()).map(|area| area.value()).unwrap_or_default();
            onrate.emit((mood, text));
        })
    };
    let onnew = onnew.reform(|_| ());
    let body = match rating {
        Rating::Sent { .. } => html! { <p class="zc-thanks" role="status">{ texts.rate_thanks }</p> },
        Rating::Sending { .. } => html! { <p role="status">{ texts.rate_sending }</p> },
        Rating::NotYet | Rating::Failed { .. } => html! {
            <>
                <p id="zc-rate-title">{ texts.rate_title }</p>
                <label for="zc-note">{ texts.rate_note }</label>
                <textarea id="zc-note" rows="2" maxlength="1000" />
                <div class="zc-moods" role="group" aria-labelledby="zc-rate-title">
                    <button type="button" class="zc-mood zc-good" aria-label={texts.rate_good} onclick={rate(Mood::Positive)}>{ icon(icons::THUMB, false) }</button>
                    <button type="button" class="zc-mood zc-bad" aria-label={texts.rate_bad} onclick={rate(Mood::Negative)}>{ icon(icons::THUMB, true) }</button>
                </div>
                if let Rating::Failed { reason } = rating {
                    <p class="zc-form-error" role="alert">{ texts.rate_failed.with(reason) }</p>
                }
            </>
        },
    };
    html! {
        <section class="zc-rating" aria-label={texts.rate_region}>
            { body }
            <button type="button" class="zc-primary zc-new" onclick={onnew}>{ texts.new_conversation }</button>
        </section>
    }
}
