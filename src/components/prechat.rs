//! The pre-chat form: the fields the embed settings ask for (name, email, phone, CPF), each with
//! its label, mask and error next to it, then "Start chat".

use std::rc::Rc;

use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use super::use_texts;
use crate::core::prechat::{self, Answers, Field, FieldRule};
use crate::core::{Input, Site};
use crate::texts::Texts;

#[derive(Properties, PartialEq)]
pub struct PreChatFormProps {
    /// The site's settings: the fields to ask, the departments to choose from (the embed's own
    /// selected at first), answers the host page gave (`zchat('setCustomer', …)`: they fill the
    /// fields still empty), whether the site vouched for the visitor (the form then says so).
    pub site: Rc<Site>,
    /// An error from a failed start (zChat's message, in words).
    #[prop_or_default]
    pub error: Option<AttrValue>,
    /// A start is under way: the button waits.
    #[prop_or_default]
    pub busy: bool,
    /// The start: the customer, and the chosen department when there is a list.
    pub dispatch: Callback<Input>,
}

/// How a field is typed in: it masks what the visitor types, when it has a mask.
type Mask = Option<fn(&str) -> String>;

/// Label, input type, autocomplete token and mask of a field.
fn describe(field: Field, texts: &Texts) -> (&'static str, &'static str, &'static str, Mask) {
    match field {
        Field::Name => (texts.name, "text", "name", None),
        Field::Email => (texts.email, "email", "email", None),
        Field::Phone => (texts.phone, "tel", "tel-national", Some(prechat::mask_phone)),
        Field::Cpf => (texts.cpf, "text", "off", Some(prechat::mask_cpf)),
    }
}

#[function_component(PreChatForm)]
pub fn pre_chat_form(props: &PreChatFormProps) -> Html {
    let texts = use_texts();
    // One input per field, in `Field::ALL` order (an array: no hashing code in the wasm).
    let inputs = use_memo((), |_| Field::ALL.map(|_| NodeRef::default()));
    let slot = |field: Field| Field::ALL.iter().position(|f| *f == field).expect("every field is in ALL");
    let errors = use_state(Vec::<(Field, String)>::new);
    {
        let inputs = inputs.clone();
        use_effect_with(props.site.prefill.clone(), move |prefill| {
            let given = [&prefill.name, &prefill.email, &prefill.phone, &prefill.cpf];
            for (field, value) in Field::ALL.into_iter().zip(given) {
                let (Some(value), Some(input)) = (value, inputs[slot(field)].cast::<HtmlInputElement>()) else { continue };
                if input.value().is_empty() {
                    let mask = describe(field, texts).3;
                    input.set_value(&mask.map_or_else(|| value.clone(), |mask| mask(value)));
                }
            }
        });
    }
    let department = use_node_ref();
    let onsubmit = {
        let department = department.clone();
        let inputs = inputs.clone();
        let errors = errors.clone();
        let rules = props.site.fields.clone();
        let dispatch = props.dispatch.clone();
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let value = |field| inputs[slot(field)].cast::<HtmlInputElement>().map(|input| input.value()).unwrap_or_default();
            let answers = Answers { name: value(Field::Name), email: value(Field::Email), phone: value(Field::Phone), cpf: value(Field::Cpf) };
            match prechat::check(&answers, &rules, texts) {
                Ok(customer) => {
                    errors.set(Vec::new());
                    let chosen = department.cast::<HtmlSelectElement>().and_then(|select| select.value().parse().ok());
                    dispatch.emit(Input::Start { customer, department: chosen });
                }
                Err(found) => {
                    // Focus goes to the first field to fix.
                    if let Some(input) = found.first().and_then(|(field, _)| inputs[slot(*field)].cast::<HtmlInputElement>()) {
                        let _ = input.focus();
                    }
                    errors.set(found);
                }
            }
        })
    };
    let field_html = |rule: &FieldRule| {
        let (label, kind, autocomplete, mask) = describe(rule.field, texts);
        let key = rule.field.key();
        let id = format!("zc-{key}");
        let error_id = format!("zc-{key}-error");
        let error = errors.iter().find(|(field, _)| *field == rule.field).map(|(_, message)| message.clone());
        let oninput = mask.map(|mask| {
            Callback::from(move |event: InputEvent| {
                if let Some(input) = event.target_dyn_into::<HtmlInputElement>() {
                    input.set_value(&mask(&input.value()));
                }
            })
        });
        let inputmode = mask.is_some().then_some("numeric");
        html! {
            <div class="zc-field">
                <label for={id.clone()}>
                    { label }
                    <span class="zc-hint">{ if rule.required { texts.required } else { texts.optional } }</span>
                </label>
                <input id={id} ref={inputs[slot(rule.field)].clone()} name={key} type={kind} {autocomplete} {inputmode}
                    maxlength="100" required={rule.required} {oninput}
                    aria-invalid={error.is_some().to_string()} aria-describedby={error.is_some().then_some(error_id.clone())} />
                if let Some(message) = error {
                    <p id={error_id} class="zc-field-error" role="alert">{ message }</p>
                }
            </div>
        }
    };
    html! {
        <form class="zc-prechat" {onsubmit} novalidate=true>
            <p class="zc-intro">{ texts.intro }</p>
            if props.site.identity.is_some() {
                <p class="zc-verified">{ texts.verified }</p>
            }
            { for props.site.fields.iter().map(field_html) }
            if !props.site.departments.is_empty() {
                <div class="zc-field">
                    <label for="zc-department">{ texts.department }</label>
                    <select id="zc-department" ref={department.clone()}>
                        { for props.site.departments.iter().map(|(id, name)| html! {
                            <option value={id.to_string()} selected={*id == props.site.department_id}>{ name.clone() }</option>
                        }) }
                    </select>
                </div>
            }
            if let Some(error) = &props.error {
                <p class="zc-form-error" role="alert">{ error.clone() }</p>
            }
            <button type="submit" class="zc-primary" disabled={props.busy}>
                { if props.busy { texts.starting } else { texts.start } }
            </button>
        </form>
    }
}
