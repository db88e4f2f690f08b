//! The root component: reads the settings, owns the [`Driver`], renders the [`ChatWindow`].

use std::cell::Cell;
use std::rc::Rc;

use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::components::ChatWindow;
use crate::core::{Conversation, Input};
use crate::driver::Driver;
use crate::keys::new_key;
use crate::settings::Settings;
use crate::texts::Lang;
use crate::{host, page, storage};

/// The site's language, else the browser's, else English; also set as the page's `lang`.
fn language(settings: &Settings) -> Lang {
    let browser = || web_sys::window().and_then(|w| w.navigator().language()).and_then(|tag| Lang::parse(&tag));
    let lang = settings.lang.or_else(browser).unwrap_or_default();
    if let Some(root) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) {
        let _ = root.set_attribute("lang", lang.tag());
    }
    lang
}

/// The site's theme (an attribute the stylesheet draws) and colour, through the stylesheet's
/// variables (CSSOM: the frame's CSP allows it).
fn paint(settings: &Settings) {
    let root = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element());
    if let (Some(root), Some(theme)) = (&root, settings.theme) {
        let _ = root.set_attribute("data-theme", theme);
    }
    let Some(accent) = &settings.color else { return };
    if let Some(root) = root.and_then(|r| r.dyn_into::<web_sys::HtmlElement>().ok()) {
        let _ = root.style().set_property("--zc-accent", &accent.color);
        let _ = root.style().set_property("--zc-accent-text", accent.text);
    }
}

/// The settings from the frame's own URL (the loader puts them there).
fn page_settings() -> Result<Settings, String> {
    let search = web_sys::window().and_then(|w| w.location().search().ok()).unwrap_or_default();
    let params = web_sys::UrlSearchParams::new_with_str(&search).map_err(|_| "The widget's address is invalid.".to_string())?;
    let pairs: Vec<(String, String)> =
        ["department", "departments", "title", "fields", "host", "lang", "color", "hours", "timezone", "theme", "sound", "title-alert"]
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
            html! { <p class="zc-form-error" role="alert">{ texts.cannot_start.with(error) }</p> }
        }
    }
}

#[derive(Properties, PartialEq)]
struct ChatProps {
    settings: Settings,
    lang: Lang,
}

/// The view's callbacks, made once (views compare them, and new ones would render everything).
struct Callbacks {
    start: Callback<(zchat_types::Customer, Option<i64>)>,
    send: Callback<String>,
    retry: Callback<String>,
    finish: Callback<()>,
    rate: Callback<(zchat_types::Mood, String)>,
    new: Callback<()>,
    writing: Callback<bool>,
    forget: Callback<()>,
    files: Callback<web_sys::FileList>,
    detach: Callback<u32>,
    send_files: Callback<String>,
    cancel: Callback<String>,
    contact: Callback<String>,
    switch: Callback<Input>,
    close: Option<Callback<()>>,
}

impl Callbacks {
    fn of(driver: &Driver) -> Self {
        let dispatch = driver.callback();
        Callbacks {
            start: dispatch.reform(|(customer, department)| Input::Start { customer, department }),
            send: dispatch.reform(|text| Input::Send { text, key: new_key() }),
            retry: dispatch.reform(|key| Input::Retry { key }),
            finish: dispatch.reform(|()| Input::Finish),
            rate: dispatch.reform(|(mood, note)| Input::Rate { mood, note }),
            new: dispatch.reform(|()| Input::NewConversation),
            writing: dispatch.reform(|empty| Input::Writing { empty }),
            forget: dispatch.reform(|()| Input::Forget),
            files: {
                let driver = driver.clone();
                Callback::from(move |files: web_sys::FileList| driver.attach(&files))
            },
            detach: dispatch.reform(|file| Input::Detach { file }),
            send_files: {
                let driver = driver.clone();
                Callback::from(move |caption| driver.send_files(caption))
            },
            cancel: dispatch.reform(|key| Input::CancelUpload { key }),
            contact: dispatch.reform(|text| Input::LeaveContact { text, key: new_key() }),
            switch: dispatch.clone(),
            close: driver.host().map(|origin| Callback::from(move |()| host::close(Some(&origin)))),
        }
    }
}

/// Listens to the host page and the frame page, feeding the driver: the window is seen when the
/// host shows it and the page is visible; a page that becomes visible or a browser back online
/// reconnects a waiting stream; Escape asks the host to close the window.
fn listen(driver: &Driver) -> impl FnOnce() {
    let dispatch = driver.callback();
    let host = driver.host();
    // The loader may create the frame before the visitor opens it (when the browser is idle): it
    // starts closed and the host says when it opens. On its own, the frame page is open.
    let open = Rc::new(Cell::new(host.is_none()));
    let seen: Rc<dyn Fn()> = {
        let (open, dispatch) = (Rc::clone(&open), dispatch.clone());
        Rc::new(move || dispatch.emit(Input::Seen { open: open.get(), visible: page::visible() }))
    };
    // Listening first: the host's answer to `ready` (customer, extra) must not be missed.
    let from_host = host::listen(host.clone(), driver.conversation().lang.texts(), open, Rc::clone(&seen), dispatch.clone());
    let handlers = page::Handlers {
        visibility: {
            let (seen, dispatch) = (Rc::clone(&seen), dispatch.clone());
            Rc::new(move |visible| {
                seen();
                if visible {
                    dispatch.emit(Input::Wake);
                }
            })
        },
        online: dispatch.reform(|()| Input::Wake),
        escape: Callback::from(move |()| host::close(host.as_deref())),
    };
    let on_page = page::listen(handlers);
    seen();
    move || {
        on_page();
        from_host();
    }
}

#[function_component(Chat)]
fn chat(props: &ChatProps) -> Html {
    let update = use_force_update();
    let department_id = props.settings.department_id;
    let fields = props.settings.fields.clone();
    let departments = props.settings.departments.clone();
    let hours = props.settings.hours.clone();
    let (sound, title_alert) = (props.settings.sound, props.settings.title_alert);
    let host = props.settings.host.clone();
    let lang = props.lang;
    let driver = use_memo((), move |_| {
        let conversation = Conversation::new(department_id)
            .with_fields(fields)
            .with_departments(departments)
            .with_lang(lang)
            .with_hours(hours)
            .with_alerts(sound, title_alert);
        let conversation = match page::upload_limit() {
            Some(limit) => conversation.with_upload_limit(limit),
            None => conversation,
        };
        Driver::new(conversation, host, Callback::from(move |_| update.force_update()))
    });
    let callbacks = {
        let driver = Rc::clone(&driver);
        use_memo((), move |_| Callbacks::of(&driver))
    };
    {
        let driver = Rc::clone(&driver);
        use_effect_with((), move |_| {
            let stop = listen(&driver);
            // A conversation under way in this browser (a reload, another tab) comes back.
            driver.dispatch(Input::Restore(storage::load(department_id)));
            page::focus_first_field();
            stop
        });
    }
    let c = &*callbacks;
    html! {
        <ChatWindow conversation={driver.conversation()} oncontact={c.contact.clone()} onswitch={c.switch.clone()} title={props.settings.title.clone()} onstart={c.start.clone()} onsend={c.send.clone()}
            onretry={c.retry.clone()} onfinish={c.finish.clone()} onrate={c.rate.clone()} onnew={c.new.clone()} onwriting={c.writing.clone()}
            onforget={c.forget.clone()} onfiles={c.files.clone()} ondetach={c.detach.clone()} onsendfiles={c.send_files.clone()}
            oncancel={c.cancel.clone()} onclose={c.close.clone()} />
    }
}
