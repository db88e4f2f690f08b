//! With no agent available and no email or phone of the visitor's, the optional question for one:
//! the team answers there even if the visitor leaves (the core sends it as their message). A
//! function, not a component: it holds nothing (a component costs the first open 0.5 KB).

use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::core::Input;
use crate::keys::new_key;
use crate::texts::Texts;

/// The form; the core gets what the visitor typed (and checks it).
pub fn contact_ask(texts: &Texts, dispatch: &Callback<Input>) -> Html {
    let dispatch = dispatch.clone();
    let onsubmit = Callback::from(move |event: SubmitEvent| {
        event.prevent_default();
        let form = event.target().and_then(|target| target.dyn_into::<web_sys::Element>().ok());
        let field =
            form.and_then(|form| form.query_selector("input").ok().flatten()).and_then(|input| input.dyn_into::<web_sys::HtmlInputElement>().ok());
        if let Some(field) = field {
            dispatch.emit(Input::LeaveContact { text: field.value(), key: new_key() });
        }
    });
    html! {
        <form class="zc-contact" {onsubmit}>
            <label for="zc-contact">{ texts.contact_ask }</label>
            <div>
                <input id="zc-contact" type="text" inputmode="email" autocomplete="email" maxlength="254" />
                <button type="submit">{ texts.send }</button>
            </div>
        </form>
    }
}
