//! The widget's components in real headless Chromium (wasm-bindgen-test): each is mounted into a
//! fresh element with real props, poked like a visitor would, and its DOM read back.
#![cfg(target_arch = "wasm32")]

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use serde_json::json;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement, HtmlInputElement, HtmlTextAreaElement, KeyboardEvent, KeyboardEventInit};
use yew::prelude::*;
use zchat_types::Customer;
use zchat_widget::components::*;
use zchat_widget::core::attachments::{Picked, Refusal, Why};
use zchat_widget::core::{Delivery, Entry, EntryId, Failure, Input, Sender, Session, Site, Status, StreamEvent, Widget};

wasm_bindgen_test_configure!(run_in_browser);

const HASH: &str = "322e458c-540c-4c11-ab5c-d38d39f57213";

/// A fresh element in the document to mount into.
fn root() -> Element {
    let document = gloo_document();
    let root = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&root).unwrap();
    root
}

fn gloo_document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

/// Waits (up to two seconds) until `check` holds: rendering is asynchronous.
async fn until(what: &str, check: impl Fn() -> bool) {
    for _ in 0..200 {
        if check() {
            return;
        }
        yew::platform::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("timed out waiting for {what}");
}

fn text(root: &Element, css: &str) -> Option<String> {
    root.query_selector(css).unwrap().map(|e| e.text_content().unwrap_or_default())
}

fn click(root: &Element, css: &str) {
    root.query_selector(css).unwrap().unwrap_or_else(|| panic!("no {css}")).dyn_into::<HtmlElement>().unwrap().click();
}

fn recorder<T: 'static>() -> (Callback<T>, Rc<RefCell<Vec<T>>>) {
    let seen = Rc::new(RefCell::new(Vec::new()));
    let sink = Rc::clone(&seen);
    (Callback::from(move |value| sink.borrow_mut().push(value)), seen)
}

/// A widget on a page that embeds department `department`.
fn widget(department: i64) -> Widget {
    Widget::new(Site::new(department))
}

/// The form's site: `fields` asked, the rest as the embed's defaults, changed by `set`.
fn form_site(fields: &str, set: impl FnOnce(&mut Site)) -> Rc<Site> {
    let mut site = Site::new(1);
    site.fields = zchat_widget::core::prechat::parse_fields(fields).unwrap();
    set(&mut site);
    Rc::new(site)
}

fn started() -> Widget {
    let mut conversation = widget(1);
    conversation.step(Input::Start { customer: Customer { name: Some("Maria".into()), ..Default::default() }, department: None }, 0);
    conversation.step(Input::Started(Ok(Session { hash: HASH.into(), credential: "s".into() })), 0);
    conversation.step(Input::StreamOpened, 0);
    conversation
}

fn trigger(conversation: &mut Widget, seq: u64, body: serde_json::Value) {
    let mut body = body;
    body["interaction_hash"] = json!(HASH);
    body["extra"] = json!({});
    let input = Input::StreamEvent { id: format!("1-{seq}"), event: StreamEvent::Trigger(serde_json::from_value(body).unwrap()) };
    conversation.step(input, 1_700_000_000_000);
}

#[wasm_bindgen_test]
async fn the_pre_chat_form_requires_a_name_then_starts() {
    let root = root();
    let (dispatch, inputs) = recorder::<Input>();
    let props = PreChatFormProps { site: Rc::new(Site::new(1)), error: None, busy: false, dispatch };
    yew::Renderer::<PreChatForm>::with_root_and_props(root.clone(), props).render();
    let started = || starts(&inputs);
    until("the form", || root.query_selector("#zc-name").unwrap().is_some()).await;

    click(&root, "button[type=submit]");
    until("the inline error", || text(&root, "#zc-name-error").is_some()).await;
    assert_eq!(text(&root, "#zc-name-error").unwrap(), "Please tell us your name.");
    let input: HtmlInputElement = root.query_selector("#zc-name").unwrap().unwrap().dyn_into().unwrap();
    assert_eq!(input.get_attribute("aria-invalid").as_deref(), Some("true"));
    assert!(started().is_empty());

    input.set_value("  Maria Silva ");
    click(&root, "button[type=submit]");
    until("the start", || !started().is_empty()).await;
    assert_eq!(started()[0].0.name.as_deref(), Some("Maria Silva"));
    assert_eq!(started()[0].1, None, "no list, no choice");
    until("the error to go", || text(&root, "#zc-name-error").is_none()).await;
}

#[wasm_bindgen_test]
async fn a_refused_start_shows_zchats_message_on_the_form() {
    let root = root();
    let mut conversation = widget(3);
    conversation.step(Input::Start { customer: Customer { name: Some("Ana".into()), ..Default::default() }, department: None }, 0);
    let failure = Failure { message: "The department 3 is not active".into(), retryable: false };
    conversation.step(Input::Started(Err(failure)), 0);
    mount_window(&root, conversation);
    until("the error", || text(&root, ".zc-form-error").is_some()).await;
    assert_eq!(text(&root, ".zc-form-error").unwrap(), "The department 3 is not active");
}

/// What the views dispatched, in order.
type Inputs = Rc<RefCell<Vec<Input>>>;

/// The texts the visitor sent.
fn sends(inputs: &Inputs) -> Vec<String> {
    inputs.borrow().iter().filter_map(|input| if let Input::Send { text, .. } = input { Some(text.clone()) } else { None }).collect()
}

/// The keys of the messages sent again.
fn retries(inputs: &Inputs) -> Vec<String> {
    inputs.borrow().iter().filter_map(|input| if let Input::Retry { key } = input { Some(key.clone()) } else { None }).collect()
}

/// The keys of the files cancelled or removed.
fn cancels(inputs: &Inputs) -> Vec<String> {
    inputs.borrow().iter().filter_map(|input| if let Input::CancelUpload { key } = input { Some(key.clone()) } else { None }).collect()
}

/// The starts: the customer and the chosen department.
fn starts(inputs: &Inputs) -> Vec<(Customer, Option<i64>)> {
    let start = |input: &Input| if let Input::Start { customer, department } = input { Some((customer.clone(), *department)) } else { None };
    inputs.borrow().iter().filter_map(start).collect()
}

/// The window's props for `widget`, every callback doing nothing.
fn quiet_props(widget: Widget) -> ChatWindowProps {
    ChatWindowProps {
        widget: widget.into(),
        title: "Chat with Demo shop".into(),
        dispatch: Callback::noop(),
        onfiles: Callback::noop(),
        onclose: None,
    }
}

/// The window of `widget` in `root`, and what it dispatches.
fn mount_window(root: &Element, widget: Widget) -> Inputs {
    let (dispatch, inputs) = recorder::<Input>();
    yew::Renderer::<ChatWindow>::with_root_and_props(root.clone(), ChatWindowProps { dispatch, ..quiet_props(widget) }).render();
    inputs
}

#[wasm_bindgen_test]
async fn the_window_says_the_place_in_line_then_who_joined() {
    let mut conversation = started();
    trigger(&mut conversation, 1, json!({"state": "queued", "position": 3}));
    let root = root();
    mount_window(&root, conversation.clone());
    until("the status", || text(&root, ".zc-status").is_some()).await;
    assert_eq!(text(&root, ".zc-status").unwrap(), "You are number 3 in line.");
    assert_eq!(text(&root, ".zc-header h1").unwrap(), "Chat with Demo shop");

    trigger(&mut conversation, 2, json!({"state": "accepted"}));
    trigger(&mut conversation, 3, json!({"state": "typing"}));
    let root = self::root();
    mount_window(&root, conversation.clone());
    until("the system line", || text(&root, ".zc-system").is_some()).await;
    assert_eq!(text(&root, ".zc-system").unwrap(), "An agent joined the conversation.");
    assert_eq!(text(&root, ".zc-typing").unwrap(), "The agent is typing…");

    trigger(&mut conversation, 4, json!({"message": {"hash": "m1", "content": "Olá!", "type": "text"}, "agent": {"id": 111, "name": "Atendente"}}));
    let root = self::root();
    mount_window(&root, conversation);
    until("the agent message", || text(&root, ".zc-agent .zc-text").is_some()).await;
    assert_eq!(text(&root, ".zc-agent .zc-author").unwrap(), "Atendente");
    assert_eq!(text(&root, ".zc-status").unwrap(), "You are chatting with Atendente.");
    assert!(text(&root, ".zc-typing").is_none(), "a message ends the typing indicator");
}

#[wasm_bindgen_test]
async fn agent_text_is_text_and_only_http_media_is_shown() {
    let entry = |id: &str, content: &str, kind: zchat_types::MessageType, url: Option<&str>| Entry {
        id: EntryId::AgentMessage(id.into()),
        sender: Sender::Agent { name: "<i>Ana</i>".into() },
        content: content.into(),
        kind,
        url: url.map(str::to_string),
        at: 0,
        delivery: Delivery::Sent,
    };
    let entries = vec![
        entry("1", "<b>bold</b><img src=x onerror=alert(1)>", zchat_types::MessageType::Text, None),
        entry("2", "photo", zchat_types::MessageType::Image, Some("https://example.com/a.png")),
        entry("3", "evil", zchat_types::MessageType::Image, Some("javascript:alert(1)")),
        entry("4", "manual", zchat_types::MessageType::File, Some("http://example.com/manual.pdf")),
        entry("5", "track it at https://example.com/t?id=9. javascript:alert(1)", zchat_types::MessageType::Text, None),
    ];
    let root = root();
    let props = TranscriptProps { entries: entries.into(), agent_typing: false, agent_name: None, dispatch: Callback::noop() };
    yew::Renderer::<Transcript>::with_root_and_props(root.clone(), props).render();
    until("the messages", || root.query_selector_all(".zc-agent").unwrap().length() == 5).await;
    let first = root.query_selector(".zc-agent .zc-text").unwrap().unwrap();
    assert_eq!(first.text_content().unwrap(), "<b>bold</b><img src=x onerror=alert(1)>");
    assert_eq!(first.children().length(), 0, "no element was made from the agent's text");
    assert_eq!(text(&root, ".zc-author").unwrap(), "<i>Ana</i>");
    let images = root.query_selector_all("img.zc-media").unwrap();
    assert_eq!(images.length(), 1, "only the https image is shown");
    let image: Element = images.get(0).unwrap().dyn_into().unwrap();
    assert_eq!(image.get_attribute("src").as_deref(), Some("https://example.com/a.png"));
    let file = root.query_selector("a.zc-card").unwrap().unwrap();
    assert_eq!(file.get_attribute("href").as_deref(), Some("http://example.com/manual.pdf"));
    assert_eq!(file.get_attribute("rel").as_deref(), Some("noopener noreferrer"));
    let links = root.query_selector_all(".zc-text a").unwrap();
    assert_eq!(links.length(), 1, "one link, and not the javascript: text");
    let link: Element = links.get(0).unwrap().dyn_into().unwrap();
    assert_eq!(link.get_attribute("href").as_deref(), Some("https://example.com/t?id=9"));
    assert_eq!(link.get_attribute("rel").as_deref(), Some("noopener noreferrer nofollow"));
    assert_eq!(link.get_attribute("target").as_deref(), Some("_blank"));
}

#[wasm_bindgen_test]
async fn a_nameless_agent_is_the_agent_and_a_text_with_an_address_links_it() {
    let entry = |id: &str, name: &str, content: &str, url: Option<&str>| Entry {
        id: EntryId::AgentMessage(id.into()),
        sender: Sender::Agent { name: name.into() },
        content: content.into(),
        kind: zchat_types::MessageType::Text,
        url: url.map(str::to_string),
        at: 0,
        delivery: Delivery::Sent,
    };
    let entries = vec![
        // A type this widget does not know (a location), read as text with its address.
        entry("1", "", "Aqui estamos", Some("https://maps.example/p/1")),
        // The address in the text already: not twice.
        entry("2", "Bia", "Veja https://loja.example/p", Some("https://loja.example/p")),
        entry("3", "Bia", "Nada", Some("javascript:alert(1)")),
    ];
    let root = root();
    let props = TranscriptProps { entries: entries.into(), agent_typing: false, agent_name: None, dispatch: Callback::noop() };
    yew::Renderer::<Transcript>::with_root_and_props(root.clone(), props).render();
    until("the messages", || root.query_selector_all(".zc-agent").unwrap().length() == 3).await;
    let authors = root.query_selector_all(".zc-author").unwrap();
    assert_eq!(authors.get(0).unwrap().text_content().unwrap(), "Agent");
    let addresses = root.query_selector_all("a.zc-link-out").unwrap();
    assert_eq!(addresses.length(), 1, "one address link: not the one the text shows, not javascript:");
    let address: Element = addresses.get(0).unwrap().dyn_into().unwrap();
    assert_eq!(address.get_attribute("href").as_deref(), Some("https://maps.example/p/1"));
    assert_eq!(address.get_attribute("rel").as_deref(), Some("noopener noreferrer nofollow"));
}

#[wasm_bindgen_test]
async fn times_are_written_in_the_browsers_locale() {
    // 2026-12-01 14:05 in the browser's time zone.
    let at = js_sys::Date::new_with_year_month_day_hr_min(2026, 11, 1, 14, 5).get_time() as u64;
    let options = js_sys::Object::new();
    js_sys::Reflect::set(&options, &"hour".into(), &"2-digit".into()).unwrap();
    js_sys::Reflect::set(&options, &"minute".into(), &"2-digit".into()).unwrap();
    let date = js_sys::Date::new(&(at as f64).into());
    let language = web_sys::window().unwrap().navigator().language().unwrap();
    let expected = date.to_locale_time_string_with_options(&language, &options).as_string().unwrap();
    assert_eq!(zchat_widget::clock::time_of(at), expected, "the browser's own writing of that time ({language})");
    assert!(expected.contains("05"), "{expected}");
    let entry = Entry {
        id: EntryId::AgentMessage("t".into()),
        sender: Sender::Agent { name: "Ana".into() },
        content: "Oi".into(),
        kind: zchat_types::MessageType::Text,
        url: None,
        at,
        delivery: Delivery::Sent,
    };
    let root = root();
    let props = TranscriptProps { entries: vec![entry].into(), agent_typing: false, agent_name: None, dispatch: Callback::noop() };
    yew::Renderer::<Transcript>::with_root_and_props(root.clone(), props).render();
    until("the message", || text(&root, ".zc-meta time").is_some()).await;
    assert_eq!(text(&root, ".zc-meta time").unwrap(), expected);
}

#[wasm_bindgen_test]
fn a_time_is_written_whatever_language_the_browser_says() {
    use zchat_widget::clock::time_in;
    // The widget's language (the page's `lang`), the second choice, left out at first: the third,
    // the browser's default writing, is seen.
    let root = web_sys::window().unwrap().document().unwrap().document_element().unwrap();
    let page_lang = root.get_attribute("lang");
    root.remove_attribute("lang").unwrap();
    let at = js_sys::Date::new_with_year_month_day_hr_min(2026, 11, 1, 14, 5).get_time() as u64;
    let written = |locale: &JsValue| {
        let options = js_sys::Object::new();
        js_sys::Reflect::set(&options, &"hour".into(), &"2-digit".into()).unwrap();
        js_sys::Reflect::set(&options, &"minute".into(), &"2-digit".into()).unwrap();
        js_sys::Date::new(&(at as f64).into()).to_locale_time_string_with_options(&locale.as_string().unwrap_or_default(), &options).as_string()
    };
    // Tags Intl refuses (a RangeError: `C`, `en_US`…) or takes without knowing them (`POSIX`):
    // the browser's own default writing.
    let default = {
        let date = js_sys::Date::new(&(at as f64).into());
        let method: js_sys::Function = js_sys::Reflect::get(&date, &"toLocaleTimeString".into()).unwrap().dyn_into().unwrap();
        let options = js_sys::Object::new();
        js_sys::Reflect::set(&options, &"hour".into(), &"2-digit".into()).unwrap();
        js_sys::Reflect::set(&options, &"minute".into(), &"2-digit".into()).unwrap();
        method.call2(&date, &JsValue::UNDEFINED, &options).unwrap().as_string().unwrap()
    };
    let long = "a".repeat(100);
    for tag in ["C", "POSIX", "", "en_US", "x-foo", long.as_str(), "*"] {
        assert_eq!(time_in(at, Some(tag.to_string())), default, "{tag:?}");
    }
    // Tags it takes, in any case: their own writing.
    for tag in ["pt-br", "zh-Hant-TW", "en-US", "es-419"] {
        assert_eq!(Some(time_in(at, Some(tag.to_string()))), written(&tag.into()), "{tag:?}");
    }
    assert!(default.contains("05"), "{default}");
    // With the widget's language on the page (pt-BR), a refused tag falls back to it.
    root.set_attribute("lang", "pt-BR").unwrap();
    assert_eq!(Some(time_in(at, Some("C".into()))), written(&"pt-BR".into()));
    match page_lang {
        Some(lang) => root.set_attribute("lang", &lang).unwrap(),
        None => root.remove_attribute("lang").unwrap(),
    }
}

#[wasm_bindgen_test]
async fn the_composer_sends_on_enter_and_keeps_shift_enter() {
    let mut conversation = started();
    trigger(&mut conversation, 1, json!({"state": "accepted"}));
    let root = root();
    let inputs = mount_window(&root, conversation);
    let sent = || sends(&inputs);
    until("the composer", || root.query_selector("#zc-input").unwrap().is_some()).await;
    let area: HtmlTextAreaElement = root.query_selector("#zc-input").unwrap().unwrap().dyn_into().unwrap();
    assert!(!area.disabled());

    let press = |shift: bool| {
        let init = KeyboardEventInit::new();
        init.set_key("Enter");
        init.set_shift_key(shift);
        init.set_bubbles(true);
        init.set_cancelable(true);
        area.dispatch_event(&KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap()).unwrap();
    };
    area.set_value("first line");
    press(true);
    assert!(sent().is_empty(), "Shift+Enter does not send");
    press(false);
    until("the send", || sent().len() == 1).await;
    assert_eq!(sent()[0], "first line");
    assert_eq!(area.value(), "", "the composer empties after sending");

    area.set_value("   ");
    click(&root, ".zc-composer button[type=submit]");
    area.set_value("second");
    click(&root, ".zc-composer button[type=submit]");
    until("the second send", || sent().len() == 2).await;
    assert_eq!(sent()[1], "second", "blank messages are not sent");
}

#[wasm_bindgen_test]
async fn a_failed_message_offers_retry_with_its_key() {
    let mut conversation = started();
    trigger(&mut conversation, 1, json!({"state": "accepted"}));
    conversation.step(Input::Send { text: "oi".into(), key: "key-1".into() }, 0);
    // A refusal: shown at once (network failures are first resent automatically).
    let failure = Failure { message: "The content is required".into(), retryable: false };
    conversation.step(Input::Sent { key: "key-1".into(), result: Err(failure) }, 0);
    assert_eq!(conversation.conversation.status(), Some(Status::Chatting));
    let root = root();
    let inputs = mount_window(&root, conversation);
    until("the failure", || text(&root, ".zc-failed").is_some()).await;
    assert!(text(&root, ".zc-failed").unwrap().contains("Not sent: The content is required"));
    assert_eq!(root.query_selector(".zc-visitor").unwrap().unwrap().get_attribute("data-delivery").as_deref(), Some("failed"));
    click(&root, ".zc-failed button");
    until("the retry", || !retries(&inputs).is_empty()).await;
    assert_eq!(retries(&inputs), ["key-1"]);
}

#[wasm_bindgen_test]
async fn after_the_end_the_visitor_rates_and_can_start_again() {
    let mut conversation = started();
    trigger(&mut conversation, 1, json!({"state": "accepted"}));
    trigger(&mut conversation, 2, json!({"state": "finished"}));
    let root = root();
    let inputs = mount_window(&root, conversation);
    until("the end", || text(&root, ".zc-status").is_some()).await;
    assert_eq!(text(&root, ".zc-status").unwrap(), "This conversation has ended.");
    assert!(root.query_selector("#zc-input").unwrap().is_none(), "no writing after the end");
    assert!(root.query_selector(".zc-end").unwrap().is_none(), "nothing left to end");
    // One tap rates.
    click(&root, ".zc-good");
    let rated = || inputs.borrow().iter().any(|input| input == &Input::Rate { mood: Some(zchat_types::Mood::Positive), note: String::new() });
    until("the rating", rated).await;
    // A note goes with its own button.
    let note: HtmlTextAreaElement = root.query_selector("#zc-note").unwrap().unwrap().dyn_into().unwrap();
    note.set_value("Rápido e gentil");
    click(&root, ".zc-note button[type=submit]");
    let noted = || inputs.borrow().iter().any(|input| input == &Input::Rate { mood: None, note: "Rápido e gentil".into() });
    until("the note", noted).await;
    click(&root, ".zc-new");
    until("a new conversation", || inputs.borrow().contains(&Input::NewConversation)).await;
}

#[wasm_bindgen_test]
async fn with_nobody_there_the_visitor_may_leave_a_contact_and_away_hours_are_said() {
    let mut conversation = started();
    trigger(&mut conversation, 1, json!({"state": "unavailable"}));
    let root = root();
    let inputs = mount_window(&root, conversation.clone());
    let left = || inputs.borrow().iter().find_map(|input| if let Input::LeaveContact { text, .. } = input { Some(text.clone()) } else { None });
    until("the question", || text(&root, ".zc-contact label").is_some()).await;
    assert_eq!(text(&root, ".zc-status").unwrap(), "No agent is available right now. Leave a message and the team will answer here.");
    assert!(root.query_selector("#zc-input").unwrap().is_some(), "the composer stays");
    let field: HtmlInputElement = root.query_selector("#zc-contact").unwrap().unwrap().dyn_into().unwrap();
    field.set_value("maria@example.com");
    click(&root, ".zc-contact button");
    until("the contact", || left().is_some()).await;
    assert_eq!(left().as_deref(), Some("maria@example.com"));

    // Once the team has one: no question, and the status says where the answer goes.
    conversation.step(Input::LeaveContact { text: "maria@example.com".into(), key: "k".into() }, 1);
    let root = root_with(conversation);
    until("the status", || text(&root, ".zc-status").is_some()).await;
    assert!(text(&root, ".zc-status").unwrap().contains("or at the contact you gave"));
    assert!(root.query_selector(".zc-contact").unwrap().is_none());

    // Outside business hours, the form says when the team is back (a weekday and a time).
    let mut away = widget(1);
    Rc::make_mut(&mut away.site).hours = Some(zchat_widget::core::Hours { rule: "mon 09:00-10:00".into(), timezone: "UTC".into(), back_at: None });
    away.step(Input::TeamBack(Some(zchat_widget::clock::now() as i64 + 86_400_000)), 0);
    let root = root_with(away);
    until("the away line", || text(&root, ".zc-status").is_some()).await;
    let said = text(&root, ".zc-status").unwrap();
    assert!(said.starts_with("We're away right now, back ") && said.contains(':'), "{said}");
    // Once that time has passed, nothing is said.
    let mut back = widget(1);
    Rc::make_mut(&mut back.site).hours = Some(zchat_widget::core::Hours { rule: "mon 09:00-10:00".into(), timezone: "UTC".into(), back_at: None });
    back.step(Input::TeamBack(Some(1_000)), 0);
    let root = root_with(back);
    until("the form", || root.query_selector(".zc-prechat").unwrap().is_some()).await;
    assert!(text(&root, ".zc-status").is_none());
}

/// A fresh window of `widget` whose callbacks do nothing.
fn root_with(widget: Widget) -> Element {
    let root = root();
    mount_window(&root, widget);
    root
}

#[wasm_bindgen_test]
async fn the_rating_panel_thanks_once_sent() {
    let mut conversation = started();
    trigger(&mut conversation, 1, json!({"state": "finished"}));
    conversation.step(Input::Rate { mood: Some(zchat_types::Mood::Negative), note: String::new() }, 2);
    conversation.step(Input::Rated(Ok(())), 3);
    let root = root_with(conversation);
    until("the thanks", || text(&root, ".zc-thanks").is_some()).await;
    assert_eq!(text(&root, ".zc-thanks").unwrap(), "Thanks for your feedback!");
    assert!(root.query_selector(".zc-good").unwrap().is_none(), "no second rating");
}

#[wasm_bindgen_test]
async fn ending_the_chat_asks_first() {
    let root = root();
    let inputs = mount_window(&root, started());
    let finished = || inputs.borrow().iter().filter(|input| **input == Input::Finish).count();
    until("the button", || root.query_selector(".zc-end").unwrap().is_some()).await;
    click(&root, ".zc-end");
    until("the question", || text(&root, ".zc-confirm span").is_some()).await;
    assert_eq!(text(&root, ".zc-confirm span").unwrap(), "End this conversation?");
    click(&root, ".zc-confirm-no");
    until("the button again", || root.query_selector(".zc-end").unwrap().is_some()).await;
    assert_eq!(finished(), 0, "cancel ends nothing");
    click(&root, ".zc-end");
    until("the question", || root.query_selector(".zc-confirm-yes").unwrap().is_some()).await;
    click(&root, ".zc-confirm-yes");
    until("the end", || finished() == 1).await;
}

fn composer(dispatch: Callback<Input>, tray: Vec<Picked>, refusals: Vec<Refusal>) -> ComposerProps {
    ComposerProps { tray, refusals, upload_limit: 10 * 1024 * 1024, dispatch, onfiles: Callback::noop() }
}

#[wasm_bindgen_test]
async fn the_tray_shows_each_file_and_says_why_others_were_refused() {
    let root = root();
    let tray = vec![
        Picked { file: 1, name: "recibo.pdf".into(), size: 2_516_582, mime: "application/pdf".into(), preview: None },
        Picked {
            file: 2,
            name: "tela.png".into(),
            size: 350 * 1024,
            mime: "image/png".into(),
            preview: Some("data:image/png;base64,iVBORw0KGgo=".into()),
        },
    ];
    let refusals = vec![Refusal { name: "filme.mov".into(), why: Why::NotAccepted }, Refusal { name: "grande.pdf".into(), why: Why::TooLarge }];
    let (dispatch, inputs) = recorder::<Input>();
    let props = composer(dispatch, tray, refusals);
    yew::Renderer::<Composer>::with_root_and_props(root.clone(), props).render();
    until("the tray", || root.query_selector(".zc-tray").unwrap().is_some()).await;
    let items = root.query_selector_all(".zc-tray-item").unwrap();
    assert_eq!(items.length(), 2);
    assert_eq!(text(&root, ".zc-tray-item .zc-file-name").unwrap(), "recibo.pdf");
    assert_eq!(text(&root, ".zc-tray-item .zc-file-size").unwrap(), "2.4 MB");
    assert!(root.query_selector("img.zc-thumb").unwrap().is_some(), "the image's thumbnail");
    let alert = text(&root, ".zc-refusals[role=alert]").unwrap();
    assert!(alert.contains("filme.mov cannot be sent") && alert.contains("grande.pdf is too large: files can have up to 10 MB."), "{alert}");
    assert_eq!(root.query_selector("#zc-input").unwrap().unwrap().get_attribute("placeholder").unwrap(), "Add a message (optional)…");
    let remove = root.query_selector("[aria-label='Remove recibo.pdf']").unwrap().expect("a labelled remove button");
    remove.dyn_into::<web_sys::HtmlElement>().unwrap().click();
    until("removed", || *inputs.borrow() == [Input::Detach { file: 1 }]).await;
    let file_input = root.query_selector(".zc-attach input[type=file][multiple]").unwrap().expect("a real, keyboard-reachable file input");
    assert!(file_input.get_attribute("accept").unwrap().contains(".pdf"));
}

#[wasm_bindgen_test]
async fn a_file_on_its_way_shows_its_progress_and_can_be_cancelled() {
    let entry = |key: &str, delivery: Delivery| Entry {
        id: EntryId::Local(key.into()),
        sender: Sender::Visitor,
        content: "recibo.pdf".into(),
        kind: zchat_types::MessageType::File,
        url: None,
        at: 1_700_000_000_000,
        delivery,
    };
    let entries = vec![
        entry("k1", Delivery::Uploading { file: 1, sent: 47, total: 100, resends: 0 }),
        entry("k2", Delivery::UploadFailed { reason: "Cannot reach the chat service.".into(), file: 2, total: 100 }),
    ];
    let root = root();
    let (dispatch, inputs) = recorder::<Input>();
    let props = TranscriptProps { entries: entries.into(), agent_typing: false, agent_name: None, dispatch };
    yew::Renderer::<Transcript>::with_root_and_props(root.clone(), props).render();
    until("the upload", || root.query_selector(".zc-uploading").unwrap().is_some()).await;
    let progress = root.query_selector(".zc-uploading progress").unwrap().unwrap();
    assert_eq!(progress.get_attribute("value").as_deref(), Some("47"));
    assert!(text(&root, ".zc-uploading").unwrap().contains("Uploading… 40%"));
    assert!(root.query_selector("[data-delivery=failed]").unwrap().is_some());
    let buttons = root.query_selector_all(".zc-message .zc-link").unwrap();
    assert_eq!(buttons.length(), 3, "cancel; retry and remove");
    for n in 0..3 {
        buttons.get(n).unwrap().dyn_into::<web_sys::HtmlElement>().unwrap().click();
    }
    until("the clicks", || inputs.borrow().len() == 3).await;
    assert_eq!(cancels(&inputs), ["k1", "k2"]);
    assert_eq!(retries(&inputs), ["k2"]);
}

#[wasm_bindgen_test]
async fn the_composer_says_when_the_text_changes_and_when_it_is_empty() {
    let root = root();
    let (dispatch, inputs) = recorder::<Input>();
    yew::Renderer::<Composer>::with_root_and_props(root.clone(), composer(dispatch, Vec::new(), Vec::new())).render();
    let writing =
        || inputs.borrow().iter().filter_map(|input| if let Input::Writing { empty } = input { Some(*empty) } else { None }).collect::<Vec<_>>();
    until("the composer", || root.query_selector("#zc-input").unwrap().is_some()).await;
    let area: HtmlTextAreaElement = root.query_selector("#zc-input").unwrap().unwrap().dyn_into().unwrap();
    let input = || {
        let init = web_sys::EventInit::new();
        init.set_bubbles(true);
        area.dispatch_event(&web_sys::Event::new_with_event_init_dict("input", &init).unwrap()).unwrap();
    };
    area.set_value("o");
    input();
    area.set_value("oi");
    input();
    area.set_value("");
    input();
    until("three changes", || writing().len() == 3).await;
    assert_eq!(writing(), [false, false, true]);
}

#[wasm_bindgen_test]
async fn every_pre_chat_field_is_masked_checked_and_explained_in_place() {
    let root = root();
    let (dispatch, inputs) = recorder::<Input>();
    let props = PreChatFormProps { site: form_site("name*,email,phone*,cpf*", |_| ()), error: None, busy: false, dispatch };
    yew::Renderer::<PreChatForm>::with_root_and_props(root.clone(), props).render();
    let started = || starts(&inputs);
    until("the form", || root.query_selector("#zc-cpf").unwrap().is_some()).await;
    let input = |id: &str| -> HtmlInputElement { root.query_selector(id).unwrap().unwrap().dyn_into().unwrap() };
    let type_in = |id: &str, text: &str| {
        let field = input(id);
        field.set_value(text);
        let init = web_sys::EventInit::new();
        init.set_bubbles(true);
        field.dispatch_event(&web_sys::Event::new_with_event_init_dict("input", &init).unwrap()).unwrap();
    };
    assert_eq!(input("#zc-phone").type_(), "tel");
    assert_eq!(text(&root, "label[for=zc-email]").unwrap(), "Email (optional)");
    type_in("#zc-name", "Maria");
    type_in("#zc-email", "maria@");
    type_in("#zc-phone", "11991417777");
    type_in("#zc-cpf", "11111111111");
    assert_eq!(input("#zc-phone").value(), "(11) 99141-7777", "masked as typed");
    assert_eq!(input("#zc-cpf").value(), "111.111.111-11");
    click(&root, "button[type=submit]");
    until("the errors", || text(&root, "#zc-cpf-error").is_some()).await;
    assert_eq!(text(&root, "#zc-email-error").unwrap(), "This email address does not look right (like name@example.com).");
    assert_eq!(text(&root, "#zc-cpf-error").unwrap(), "This CPF is not valid: please check its digits.");
    assert!(text(&root, "#zc-phone-error").is_none(), "the phone is fine");
    assert_eq!(input("#zc-email").get_attribute("aria-describedby").as_deref(), Some("zc-email-error"));
    assert!(started().is_empty());

    type_in("#zc-email", "maria@example.com");
    type_in("#zc-cpf", "52998224725");
    click(&root, "button[type=submit]");
    until("the start", || !started().is_empty()).await;
    let customer = started()[0].0.clone();
    assert_eq!(customer.email.as_deref(), Some("maria@example.com"));
    assert_eq!(customer.phone.as_deref(), Some("11991417777"), "sent as digits, as in the reference");
    assert_eq!(customer.cpf.as_deref(), Some("52998224725"));
}

#[wasm_bindgen_test]
async fn the_host_page_prefills_the_form_without_overwriting_the_visitor() {
    let root = root();
    let props = |prefill| PreChatFormProps {
        site: form_site("name*,email,phone", |site| site.prefill = prefill),
        error: None,
        busy: false,
        dispatch: Callback::noop(),
    };
    let given = Customer { name: Some("Ana Souza".into()), email: None, phone: Some("11987654321".into()), cpf: None };
    let mut app = yew::Renderer::<PreChatForm>::with_root_and_props(root.clone(), props(given)).render();
    let input = |id: &str| -> HtmlInputElement { root.query_selector(id).unwrap().unwrap().dyn_into().unwrap() };
    until("the prefilled name", || root.query_selector("#zc-name").unwrap().is_some() && input("#zc-name").value() == "Ana Souza").await;
    assert_eq!(input("#zc-phone").value(), "(11) 98765-4321", "masked like typed text");
    assert_eq!(input("#zc-email").value(), "", "nothing given, nothing filled");

    // The visitor corrects the name; the page sends other answers: only empty fields take them.
    input("#zc-name").set_value("Ana S.");
    let later = Customer { name: Some("Someone Else".into()), email: Some("ana@example.com".into()), phone: None, cpf: None };
    app.update(props(later));
    until("the email", || input("#zc-email").value() == "ana@example.com").await;
    assert_eq!(input("#zc-name").value(), "Ana S.", "what the visitor typed stays");
}

#[wasm_bindgen_test]
async fn the_visitor_can_choose_a_department() {
    let root = root();
    let (dispatch, inputs) = recorder::<Input>();
    let site = form_site("name*", |site| site.departments = vec![(1, "Atendimento".to_string()), (2, "Vendas".to_string())]);
    yew::Renderer::<PreChatForm>::with_root_and_props(root.clone(), PreChatFormProps { site, error: None, busy: false, dispatch }).render();
    until("the list", || root.query_selector("#zc-department").unwrap().is_some()).await;
    assert_eq!(text(&root, "label[for=zc-department]").unwrap(), "Department");
    let select: web_sys::HtmlSelectElement = root.query_selector("#zc-department").unwrap().unwrap().dyn_into().unwrap();
    assert_eq!(select.value(), "1", "the default is selected");
    select.set_value("2");
    let name: HtmlInputElement = root.query_selector("#zc-name").unwrap().unwrap().dyn_into().unwrap();
    name.set_value("Ana");
    click(&root, "button[type=submit]");
    until("the start", || !starts(&inputs).is_empty()).await;
    assert_eq!(starts(&inputs)[0].1, Some(2));
}

#[function_component(FormInPortuguese)]
fn form_in_portuguese() -> Html {
    let site = form_site("name*,cpf", |_| ());
    html! {
        <ContextProvider<zchat_widget::texts::Lang> context={zchat_widget::texts::Lang::PtBr}>
            <PreChatForm {site} dispatch={Callback::noop()} />
        </ContextProvider<zchat_widget::texts::Lang>>
    }
}

#[wasm_bindgen_test]
async fn the_widget_speaks_the_visitors_language() {
    let root = root();
    yew::Renderer::<FormInPortuguese>::with_root(root.clone()).render();
    until("the form", || root.query_selector("#zc-name").unwrap().is_some()).await;
    assert_eq!(text(&root, "label[for=zc-name]").unwrap(), "Nome (obrigatório)");
    assert_eq!(text(&root, "label[for=zc-cpf]").unwrap(), "CPF (opcional)");
    assert_eq!(text(&root, "button[type=submit]").unwrap(), "Iniciar conversa");
    click(&root, "button[type=submit]");
    until("the error", || text(&root, "#zc-name-error").is_some()).await;
    assert_eq!(text(&root, "#zc-name-error").unwrap(), "Por favor, diga seu nome.");
}

#[wasm_bindgen_test]
async fn the_menu_offers_notifications_only_where_the_browser_may_give_them() {
    use zchat_widget::core::Permission;
    let pressed = |root: &Element| root.query_selector(".zc-notify").unwrap().and_then(|switch| switch.get_attribute("aria-checked"));
    // One menu in the page: the menu's button opens the menu of its id.
    let only_this_window = || {
        let earlier = gloo_document().query_selector_all("#zc-menu").unwrap();
        for n in 0..earlier.length() {
            earlier.get(n).unwrap().dyn_into::<Element>().unwrap().remove();
        }
    };
    only_this_window();
    let open = |root: &Element| root.query_selector("#zc-menu:popover-open").unwrap().is_some();
    // Not said yet, denied or unsupported: not there (the sound switch is, so the menu drew).
    let root = root_with(started());
    until("the menu's button", || text(&root, ".zc-more").is_some()).await;
    click(&root, ".zc-more");
    until("the menu open", || open(&root)).await;
    assert!(text(&root, ".zc-sound").is_some());
    assert_eq!(pressed(&root), None);
    // Not asked yet: offered, off; a click turns them on (the core asks the browser).
    for (permission, notify, shown, click_says) in
        [(Permission::Ask, false, "false", true), (Permission::Granted, false, "false", true), (Permission::Granted, true, "true", false)]
    {
        let mut conversation = started();
        conversation.step(Input::Notifications(permission), 0);
        conversation.step(Input::Notify(notify), 0);
        only_this_window();
        let root = self::root();
        let switched = mount_window(&root, conversation);
        until("the menu's button", || text(&root, ".zc-more").is_some()).await;
        click(&root, ".zc-more");
        until("the menu open", || open(&root)).await;
        until("the option", || pressed(&root).is_some()).await;
        assert_eq!(pressed(&root).as_deref(), Some(shown), "{permission:?}, {notify}");
        assert_eq!(text(&root, ".zc-notify").unwrap(), "Notifications");
        click(&root, ".zc-notify");
        assert_eq!(*switched.borrow(), [Input::Notify(click_says)]);
    }
}
