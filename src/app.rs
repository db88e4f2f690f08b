//! The root component: reads the settings, owns the [`Driver`], renders the [`ChatWindow`].

use std::rc::Rc;

use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::components::ChatWindow;
use crate::core::{Conversation, Input};
use crate::driver::{self, new_key, Driver};
use crate::host;
use crate::settings::Settings;
use crate::texts::Lang;

/// The site's language, else the browser's, else English; also set as the page's `lang`.
fn language(settings: &Settings) -> Lang {
    let browser = || web_sys::window().and_then(|w| w.navigator().language()).and_then(|tag| Lang::parse(&tag));
    let lang = settings.lang.or_else(browser).unwrap_or_default();
    if let Some(root) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) {
        let _ = root.set_attribute("lang", lang.tag());
    }
    lang
}

/// The site's colour, through the stylesheet's variables (CSSOM: the frame's CSP allows it).
fn paint(settings: &Settings) {
    let Some(accent) = &settings.color else { return };
    let root = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element());
    if let Some(root) = root.and_then(|r| r.dyn_into::<web_sys::HtmlElement>().ok()) {
        let _ = root.style().set_property("--zc-accent", &accent.color);
        let _ = root.style().set_property("--zc-accent-text", accent.text);
    }
}

/// The settings from the frame's own URL (the loader puts them there).
fn page_settings() -> Result<Settings, String> {
    let search = web_sys::window().and_then(|w| w.location().search().ok()).unwrap_or_default();
    let params = web_sys::UrlSearchParams::new_with_str(&search).map_err(|_| "The widget's address is invalid.".to_string())?;
    let pairs: Vec<(String, String)> = ["department", "departments", "title", "fields", "host", "lang", "color"]
        .into_iter()
        .filter_map(|name| params.get(name).map(|value| (name.to_string(), value)))
        .collect();
    Settings::from_pairs(pairs.iter().map(|(n, v)| (n.as_str(), v.as_str())))
}

#[function_component(App)]
pub fn app() -> Html {
    let settings = use_memo((), |_| page_settings());
    match &*settings {
        Ok(settings) => {
            let lang = language(settings);
            paint(settings);
            html! {
                <ContextProvider<Lang> context={lang}>
                    <Chat settings={settings.clone()} {lang} />
                </ContextProvider<Lang>>
            }
        }
        Err(error) => {
            host::complain(error);
            let texts = web_sys::window().and_then(|w| w.navigator().language()).and_then(|t| Lang::parse(&t)).unwrap_or_default().texts();
            html! { <p class="zc-form-error" role="alert">{ (texts.cannot_start)(error) }</p> }
        }
    }
}

#[derive(Properties, PartialEq)]
struct ChatProps {
    settings: Settings,
    lang: Lang,
}

#[function_component(Chat)]
fn chat(props: &ChatProps) -> Html {
    let update = use_force_update();
    let department_id = props.settings.department_id;
    let fields = props.settings.fields.clone();
    let departments = props.settings.departments.clone();
    let host = props.settings.host.clone();
    let lang = props.lang;
    let driver = use_memo((), move |_| {
        let conversation = Conversation::new(department_id).with_fields(fields).with_departments(departments).with_lang(lang);
        Driver::new(conversation, host, Callback::from(move |_| update.force_update()))
    });
    {
        // A conversation under way in this browser (a reload, another tab) comes back.
        let driver = Rc::clone(&driver);
        use_effect_with((), move |_| {
            // Listening first: the host's answer to `ready` (customer, extra) must not be missed.
            let host = host::listen(&driver, driver.host());
            driver.dispatch(Input::Restore(driver::load(department_id)));
            let wake = driver::wake_on_return(&driver);
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
