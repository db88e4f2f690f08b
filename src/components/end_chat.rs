//! A button that asks before it acts, in place (no browser dialog: it stays in the widget and is
//! keyboard-usable): "End chat", "Forget this device".

use yew::prelude::*;

use crate::core::Input;
use crate::texts::Texts;

#[derive(Properties, PartialEq)]
pub struct ConfirmedProps {
    pub label: &'static str,
    pub question: &'static str,
    pub yes: &'static str,
    pub no: &'static str,
    /// The button's class.
    pub class: &'static str,
    pub onconfirm: Callback<()>,
}

#[function_component(Confirmed)]
pub fn confirmed(props: &ConfirmedProps) -> Html {
    let confirming = use_state(|| false);
    if !*confirming {
        let ask = {
            let confirming = confirming.clone();
            Callback::from(move |_| confirming.set(true))
        };
        return html! { <button type="button" class={props.class} onclick={ask}>{ props.label }</button> };
    }
    let cancel = {
        let confirming = confirming.clone();
        Callback::from(move |()| confirming.set(false))
    };
    let confirm = {
        let onconfirm = props.onconfirm.clone();
        let confirming = confirming.clone();
        Callback::from(move |()| {
            confirming.set(false);
            onconfirm.emit(());
        })
    };
    ask(props.question, props.yes, props.no, confirm, cancel)
}

/// A question in place, with its two answers (an `alertdialog`: screen readers say it at once).
pub fn ask(question: &'static str, yes: &'static str, no: &'static str, onyes: Callback<()>, onno: Callback<()>) -> Html {
    html! {
        <div class="zc-confirm" role="alertdialog" aria-label={question}>
            <span>{ question }</span>
            <button type="button" class="zc-confirm-yes" onclick={onyes.reform(|_| ())}>{ yes }</button>
            <button type="button" class="zc-confirm-no" onclick={onno.reform(|_| ())}>{ no }</button>
        </div>
    }
}

/// "End chat", asked first. A function, not a component of its own (each costs the first open
/// some 0.3 KB).
pub fn end_chat(texts: &Texts, dispatch: &Callback<Input>) -> Html {
    html! {
        <Confirmed label={texts.end_chat} question={texts.end_question} yes={texts.end_yes} no={texts.end_no} class="zc-end"
            onconfirm={dispatch.reform(|()| Input::Finish)} />
    }
}
