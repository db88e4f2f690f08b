//! "End chat", with a confirmation in place (no browser dialog: it stays in the widget, keyboard-usable).

use yew::prelude::*;

use super::use_texts;

#[derive(Properties, PartialEq)]
pub struct EndChatProps {
    pub onfinish: Callback<()>,
}

#[function_component(EndChat)]
pub fn end_chat(props: &EndChatProps) -> Html {
    let texts = use_texts();
    let confirming = use_state(|| false);
    if !*confirming {
        let ask = {
            let confirming = confirming.clone();
            Callback::from(move |_| confirming.set(true))
        };
        return html! { <button type="button" class="zc-end" onclick={ask}>{ texts.end_chat }</button> };
    }
    let cancel = {
        let confirming = confirming.clone();
        Callback::from(move |_| confirming.set(false))
    };
    let confirm = {
        let onfinish = props.onfinish.clone();
        let confirming = confirming.clone();
        Callback::from(move |_| {
            confirming.set(false);
            onfinish.emit(());
        })
    };
    html! {
        <div class="zc-confirm" role="alertdialog" aria-label={texts.end_question}>
            <span>{ texts.end_question }</span>
            <button type="button" class="zc-confirm-yes" onclick={confirm}>{ texts.end_yes }</button>
            <button type="button" class="zc-confirm-no" onclick={cancel}>{ texts.end_no }</button>
        </div>
    }
}
