//! The pre-chat form: the visitor's name, then "Start chat".

use web_sys::HtmlInputElement;
use yew::prelude::*;
use zchat_types::Customer;

#[derive(Properties, PartialEq)]
pub struct PreChatFormProps {
    /// An error from a failed start (zChat's message, in words).
    #[prop_or_default]
    pub error: Option<AttrValue>,
    /// A start is under way: the button waits.
    #[prop_or_default]
    pub busy: bool,
    pub onstart: Callback<Customer>,
}

#[function_component(PreChatForm)]
pub fn pre_chat_form(props: &PreChatFormProps) -> Html {
    let name = use_node_ref();
    let name_error = use_state(|| None::<&'static str>);
    let onsubmit = {
        let name = name.clone();
        let name_error = name_error.clone();
        let onstart = props.onstart.clone();
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let value = name.cast::<HtmlInputElement>().map(|input| input.value()).unwrap_or_default();
            let value = value.trim();
            if value.is_empty() {
                name_error.set(Some("Please tell us your name."));
                return;
            }
            name_error.set(None);
            onstart.emit(Customer { name: Some(value.to_string()), ..Customer::default() });
        })
    };
    let invalid = name_error.is_some();
    html! {
        <form class="zc-prechat" {onsubmit} novalidate=true>
            <p class="zc-intro">{ "Hello! Tell us your name and an agent will be with you shortly." }</p>
            <label for="zc-name">{ "Name" }</label>
            <input id="zc-name" ref={name} name="name" type="text" autocomplete="name" maxlength="100"
                aria-invalid={invalid.to_string()} aria-describedby={invalid.then_some("zc-name-error")} />
            if let Some(message) = *name_error {
                <p id="zc-name-error" class="zc-field-error" role="alert">{ message }</p>
            }
            if let Some(error) = &props.error {
                <p class="zc-form-error" role="alert">{ error.clone() }</p>
            }
            <button type="submit" class="zc-primary" disabled={props.busy}>
                { if props.busy { "Starting…" } else { "Start chat" } }
            </button>
        </form>
    }
}
