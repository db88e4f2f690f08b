//! After the end: rate the conversation. The choice first, sent at once (one tap and the visitor
//! is done), then an optional note with its own button (or a note alone), then thanks; and starting
//! anew.

use wasm_bindgen::JsCast;
use web_sys::HtmlTextAreaElement;
use yew::prelude::*;
use zchat_types::Mood;

use super::icons::{self, icon};
use crate::core::{Input, Rating};
use crate::texts::Texts;

/// The panel for `rating`. A function, not a component: it holds nothing (the note is read from
/// its form's field when the visitor sends it).
pub fn rating_panel(texts: &Texts, rating: &Rating, dispatch: &Callback<Input>) -> Html {
    let rate = |mood: Mood| dispatch.reform(move |_| Input::Rate { mood: Some(mood), note: String::new() });
    let note = {
        let dispatch = dispatch.clone();
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let form = event.target().and_then(|target| target.dyn_into::<web_sys::Element>().ok());
            let field = form.and_then(|form| form.query_selector("textarea").ok().flatten());
            let note = field.and_then(|field| field.dyn_into::<HtmlTextAreaElement>().ok()).map(|area| area.value()).unwrap_or_default();
            dispatch.emit(Input::Rate { mood: None, note });
        })
    };
    let note_form = html! {
        <form class="zc-note" onsubmit={note}>
            <label for="zc-note">{ texts.rate_note }</label>
            <textarea id="zc-note" rows="2" maxlength="1000" />
            <button type="submit" class="zc-secondary">{ texts.send }</button>
        </form>
    };
    let body = match rating {
        Rating::Noted => html! { <p class="zc-thanks" role="status">{ texts.rate_thanks }</p> },
        Rating::Sending { .. } => html! { <p role="status">{ texts.rate_sending }</p> },
        Rating::Rated => html! {
            <>
                <p class="zc-thanks" role="status">{ texts.rate_thanks }</p>
                { note_form }
            </>
        },
        Rating::NotYet | Rating::Failed { .. } => html! {
            <>
                if let Rating::Failed { reason, .. } = rating {
                    <p class="zc-form-error" role="alert">{ texts.rate_failed.with(reason) }</p>
                }
                if !matches!(rating, Rating::Failed { rated: true, .. }) {
                    <p id="zc-rate-title">{ texts.rate_title }</p>
                    <div class="zc-moods" role="group" aria-labelledby="zc-rate-title">
                        <button type="button" class="zc-mood zc-good" aria-label={texts.rate_good} onclick={rate(Mood::Positive)}>{ icon(icons::THUMB, false) }</button>
                        <button type="button" class="zc-mood zc-bad" aria-label={texts.rate_bad} onclick={rate(Mood::Negative)}>{ icon(icons::THUMB, true) }</button>
                    </div>
                }
                { note_form }
            </>
        },
    };
    html! {
        <section class="zc-rating" aria-label={texts.rate_region}>
            { body }
            <button type="button" class="zc-primary zc-new" onclick={dispatch.reform(|_| Input::NewConversation)}>{ texts.new_conversation }</button>
        </section>
    }
}
