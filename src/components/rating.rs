//! After the end: rate the conversation (thumbs up or down, an optional note), then start anew.

use web_sys::HtmlTextAreaElement;
use yew::prelude::*;
use zchat_types::Mood;

use super::use_texts;
use crate::core::Rating;

#[derive(Properties, PartialEq)]
pub struct RatingPanelProps {
    pub rating: Rating,
    pub onrate: Callback<(Mood, String)>,
    pub onnew: Callback<()>,
}

#[function_component(RatingPanel)]
pub fn rating_panel(props: &RatingPanelProps) -> Html {
    let texts = use_texts();
    let note = use_node_ref();
    let rate = |mood: Mood| {
        let note = note.clone();
        let onrate = props.onrate.clone();
        Callback::from(move |_| {
            let text = note.cast::<HtmlTextAreaElement>().map(|area| area.value()).unwrap_or_default();
            onrate.emit((mood, text));
        })
    };
    let onnew = props.onnew.reform(|_| ());
    let body = match &props.rating {
        Rating::Sent { .. } => html! { <p class="zc-thanks" role="status">{ texts.rate_thanks }</p> },
        Rating::Sending { .. } => html! { <p role="status">{ texts.rate_sending }</p> },
        Rating::NotYet | Rating::Failed { .. } => html! {
            <>
                <p id="zc-rate-title">{ texts.rate_title }</p>
                <label for="zc-note">{ texts.rate_note }</label>
                <textarea id="zc-note" ref={note.clone()} rows="2" maxlength="1000" />
                <div class="zc-moods" role="group" aria-labelledby="zc-rate-title">
                    <button type="button" class="zc-mood zc-good" aria-label={texts.rate_good} onclick={rate(Mood::Positive)}>{ "👍" }</button>
                    <button type="button" class="zc-mood zc-bad" aria-label={texts.rate_bad} onclick={rate(Mood::Negative)}>{ "👎" }</button>
                </div>
                if let Rating::Failed { reason } = &props.rating {
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
