//! After the end: rate the conversation (thumbs up or down, an optional note), then start anew.

use wasm_bindgen::JsCast;
use web_sys::HtmlTextAreaElement;
use yew::prelude::*;
use zchat_types::Mood;

use super::icons::{self, icon};
use crate::core::{Input, Rating};
use crate::texts::Texts;

/// The panel for `rating`: the visitor rates (the mood and the note) or starts anew. A function,
/// not a component: it holds nothing (the note is read from its field when the visitor rates).
pub fn rating_panel(texts: &Texts, rating: &Rating, dispatch: &Callback<Input>) -> Html {
    let rate = |mood: Mood| {
        let dispatch = dispatch.clone();
        Callback::from(move |_| {
            let note = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("zc-note"));
            let text = note.and_then(|note| note.dyn_into::<HtmlTextAreaElement>().ok()).map(|area| area.value()).unwrap_or_default();
            dispatch.emit(Input::Rate { mood, note: text });
        })
    };
    let onnew = dispatch.reform(|_| Input::NewConversation);
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
