//! After the end: rate the conversation (thumbs up or down, an optional note), then start anew.

use web_sys::HtmlTextAreaElement;
use yew::prelude::*;
use zchat_types::Mood;

use crate::core::Rating;

#[derive(Properties, PartialEq)]
pub struct RatingPanelProps {
    pub rating: Rating,
    pub onrate: Callback<(Mood, String)>,
    pub onnew: Callback<()>,
}

#[function_component(RatingPanel)]
pub fn rating_panel(props: &RatingPanelProps) -> Html {
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
        Rating::Sent { .. } => html! { <p class="zc-thanks" role="status">{ "Thanks for your feedback!" }</p> },
        Rating::Sending { .. } => html! { <p role="status">{ "Sending your rating…" }</p> },
        Rating::NotYet | Rating::Failed { .. } => html! {
            <>
                <p id="zc-rate-title">{ "How was this conversation?" }</p>
                <label for="zc-note">{ "Anything to add? (optional)" }</label>
                <textarea id="zc-note" ref={note.clone()} rows="2" maxlength="1000" />
                <div class="zc-moods" role="group" aria-labelledby="zc-rate-title">
                    <button type="button" class="zc-mood zc-good" aria-label="Good" onclick={rate(Mood::Positive)}>{ "👍" }</button>
                    <button type="button" class="zc-mood zc-bad" aria-label="Bad" onclick={rate(Mood::Negative)}>{ "👎" }</button>
                </div>
                if let Rating::Failed { reason } = &props.rating {
                    <p class="zc-form-error" role="alert">{ format!("Your rating was not sent: {reason}") }</p>
                }
            </>
        },
    };
    html! {
        <section class="zc-rating" aria-label="Rate this conversation">
            { body }
            <button type="button" class="zc-primary zc-new" onclick={onnew}>{ "Start a new conversation" }</button>
        </section>
    }
}
