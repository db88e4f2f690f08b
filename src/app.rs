//! The root component: reads the settings, owns the [`Driver`], renders the [`ChatWindow`].

use std::rc::Rc;

use yew::prelude::*;

use crate::components::ChatWindow;
use crate::core::{Conversation, Input};
use crate::driver::{self, new_key, Driver};
use crate::host;
use crate::settings::Settings;

/// The settings from the frame's own URL (the loader puts them there).
fn page_settings() -> Result<Settings, String> {
    let search = web_sys::window().and_then(|w| w.location().search().ok()).unwrap_or_default();
    let params = web_sys::UrlSearchParams::new_with_str(&search).map_err(|_| "The widget's address is invalid.".to_string())?;
    let pairs: Vec<(String, String)> = ["department", "departments", "title", "fields", "host"]
        .into_iter()
        .filter_map(|name| params.get(name).map(|value| (name.to_string(), value)))
        .collect();
    Settings::from_pairs(pairs.iter().map(|(n, v)| (n.as_str(), v.as_str())))
}

#[function_component(App)]
pub fn app() -> Html {
    let settings = use_memo((), |_| page_settings());
    match &*settings {
        Ok(settings) => html! { <Chat settings={settings.clone()} /> },
        Err(error) => html! { <p class="zc-form-error" role="alert">{ format!("This chat cannot start: {error}") }</p> },
    }
}

#[derive(Properties, PartialEq)]
struct ChatProps {
    settings: Settings,
}

#[function_component(Chat)]
fn chat(props: &ChatProps) -> Html {
    let update = use_force_update();
    let department_id = props.settings.department_id;
    let fields = props.settings.fields.clone();
    let departments = props.settings.departments.clone();
    let host = props.settings.host.clone();
    let driver = use_memo((), move |_| {
        let conversation = Conversation::new(department_id).with_fields(fields).with_departments(departments);
        Driver::new(conversation, host, Callback::from(move |_| update.force_update()))
    });
    {
        // A conversation under way in this browser (a reload, another tab) comes back.
        let driver = Rc::clone(&driver);
        use_effect_with((), move |_| {
            driver.dispatch(Input::Restore(driver::load(department_id)));
            let wake = driver::wake_on_return(&driver);
            let host = host::listen(&driver, driver.host());
            host::focus_first_field();
            move || {
                wake();
                host();
            }
        });
    }
    let dispatch = driver.callback();
    let onstart = dispatch.reform(|(customer, department)| Input::Start { customer, department });
    let onsend = dispatch.reform(|text| Input::Send { text, key: new_key() });
    let onretry = dispatch.reform(|key| Input::Retry { key });
    let onfinish = dispatch.reform(|()| Input::Finish);
    let onrate = dispatch.reform(|(mood, note)| Input::Rate { mood, note });
    let onnew = dispatch.reform(|()| Input::NewConversation);
    let onwriting = dispatch.reform(|empty| Input::Writing { empty });
    let onclose = driver.host().map(|origin| Callback::from(move |()| host::close(Some(&origin))));
    let conversation = driver.conversation().clone();
    html! {
        <ChatWindow {conversation} title={props.settings.title.clone()} {onstart} {onsend} {onretry} {onfinish} {onrate} {onnew} {onwriting} {onclose} />
    }
}
