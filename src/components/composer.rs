//! Where the visitor writes: Enter sends, Shift+Enter makes a new line.

use web_sys::HtmlTextAreaElement;
use yew::prelude::*;

use super::use_texts;

#[derive(Properties, PartialEq)]
pub struct ComposerProps {
    #[prop_or_default]
    pub disabled: bool,
    pub onsend: Callback<String>,
    /// On every change of the text: whether the input is now empty.
    #[prop_or_default]
    pub onwriting: Callback<bool>,
}

/// The longest message the composer takes.
const MAX_CHARS: u32 = 4000;

#[function_component(Composer)]
pub fn composer(props: &ComposerProps) -> Html {
    let texts = use_texts();
    let input = use_node_ref();
    let send = {
        let input = input.clone();
        let onsend = props.onsend.clone();
        move || {
            if let Some(area) = input.cast::<HtmlTextAreaElement>() {
                let text = area.value();
                if !text.trim().is_empty() {
                    onsend.emit(text);
                    area.set_value("");
                }
            }
        }
    };
    let onsubmit = {
        let send = send.clone();
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            send();
        })
    };
    let oninput = {
        let onwriting = props.onwriting.clone();
        Callback::from(move |event: InputEvent| {
            let empty = event.target_dyn_into::<HtmlTextAreaElement>().is_none_or(|area| area.value().trim().is_empty());
            onwriting.emit(empty);
        })
    };
    let onkeydown = Callback::from(move |event: KeyboardEvent| {
        if event.key() == "Enter" && !event.shift_key() && !event.is_composing() {
            event.prevent_default();
            send();
        }
    });
    html! {
        <form class="zc-composer" {onsubmit}>
            <label for="zc-input" class="zc-visually-hidden">{ texts.your_message }</label>
            <textarea id="zc-input" ref={input} rows="1" placeholder={texts.write}
                maxlength={MAX_CHARS.to_string()} disabled={props.disabled} {onkeydown} {oninput} />
            <button type="submit" class="zc-primary" disabled={props.disabled}>{ texts.send }</button>
        </form>
    }
}
