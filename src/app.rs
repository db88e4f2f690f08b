//! The root component: reads the settings, owns the [`Driver`], renders the [`ChatWindow`].

use std::cell::Cell;
use std::rc::Rc;

use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::components::ChatWindow;
use crate::core::{Alerts, Hours, Input, Site, Widget};
use crate::driver::Driver;
use crate::settings::Settings;
use crate::texts::Lang;
use crate::{host, page};

/// The browser's languages, most preferred first (`navigator.languages`, else `.language`).
fn browser_languages() -> Vec<String> {
    let Some(navigator) = web_sys::window().map(|w| w.navigator()) else { return Vec::new() };
    let mut tags: Vec<String> = navigator.languages().iter().filter_map(|tag| tag.as_string()).collect();
    tags.extend(navigator.language());
    tags
}

/// The site's language, else the browser's, else English (`Lang::choose`); also set as the page's
/// `lang`. A `data-lang` that is not one of ours is said in the console.
fn language(settings: &Settings) -> Lang {
    let site = settings.lang.as_deref();
    if site.is_some_and(|tag| Lang::parse(tag).is_none()) {
        host::complain(&["data-lang \"", site.unwrap_or_default(), "\" is not one of pt-BR, en, es: the browser's language is used."].concat());
    }
    let lang = Lang::choose(site, browser_languages().iter().map(String::as_str));
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
            let texts = Lang::choose(None, browser_languages().iter().map(String::as_str)).texts();
            html! { <p class="zc-form-error" role="alert">{ texts.cannot_start.with(error) }</p> }
        }
    }
}

#[derive(Properties, PartialEq)]
struct ChatProps {
    settings: Settings,
    lang: Lang,
}

/// The views' callbacks, made once (views compare them, and new ones would render everything): one
/// for everything the visitor does, one for the files they pick (the shell keeps those), one to
/// close the window on the host page.
struct Callbacks {
    dispatch: Callback<Input>,
    files: Callback<web_sys::FileList>,
    close: Option<Callback<()>>,
}

impl Callbacks {
    fn of(driver: &Driver) -> Self {
        let files = {
            let driver = driver.clone();
            Callback::from(move |files: web_sys::FileList| driver.attach(&files))
        };
        let close = driver.host().map(|origin| Callback::from(move |()| host::close(Some(&origin))));
        Callbacks { dispatch: driver.callback(), files, close }
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
    let kept = {
        let driver = driver.clone();
        Callback::from(move |kept: String| driver.handed_over(Some(&kept)))
    };
    let from_host = host::listen(host.clone(), driver.widget().site.lang.texts(), open, Rc::clone(&seen), dispatch.clone(), kept);
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

/// The site's settings, from the embed's (the frame's query string) and the relay's (the upload
/// limit the frame page carries).
fn site(settings: &Settings, lang: Lang) -> Site {
    let hours = settings.hours.clone().map(|(rule, timezone)| Hours { rule, timezone, back_at: None });
    let mut site = Site::new(settings.department_id);
    (site.fields, site.departments, site.lang, site.hours) = (settings.fields.clone(), settings.departments.clone(), lang, hours);
    site.alerts = Alerts { sound: settings.sound, title: settings.title_alert };
    if let Some(limit) = page::upload_limit() {
        site.upload_limit = limit;
    }
    site
}

#[function_component(Chat)]
fn chat(props: &ChatProps) -> Html {
    let update = use_force_update();
    let site = site(&props.settings, props.lang);
    let host = props.settings.host.clone();
    let driver = use_memo((), move |_| Driver::new(Widget::new(site), host, Callback::from(move |_| update.force_update())));
    let callbacks = {
        let driver = Rc::clone(&driver);
        use_memo((), move |_| Callbacks::of(&driver))
    };
    {
        let driver = Rc::clone(&driver);
        use_effect_with((), move |_| {
            let stop = listen(&driver);
            // A conversation under way in this browser (a reload, another tab) comes back.
            driver.start();
            page::focus_first_field();
            stop
        });
    }
    let c = &*callbacks;
    html! {
        <ChatWindow widget={driver.widget()} title={props.settings.title.clone()} dispatch={c.dispatch.clone()} onfiles={c.files.clone()}
            onclose={c.close.clone()} />
    }
}
