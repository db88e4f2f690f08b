//! "End chat", with a confirmation in place (no browser dialog: it stays in the widget, keyboard-usable).

use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct EndChatProps {
    pub onfinish: Callback<()>,
}

#[function_component(EndChat)]
pub fn end_chat(props: &EndChatProps) -> Html {
    let confirming = use_state(|| false);
    if !*confirming {
        let ask = {
            let confirming = confirming.clone();
            Callback::from(move |_| confirming.set(true))
        };
        return html! { <button type="button" class="zc-end" onclick={ask}>{ "End chat" }</button> };
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
        <div class="zc-confirm" role="alertdialog" aria-label="End this conversation?">
            <span>{ "End this conversation?" }</span>
            <button type="button" class="zc-confirm-yes" onclick={confirm}>{ "Yes, end it" }</button>
            <button type="button" class="zc-confirm-no" onclick={cancel}>{ "Cancel" }</button>
        </div>
    }
}
