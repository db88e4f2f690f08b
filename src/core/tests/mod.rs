//! One test per transition and per sequence that matters, natively (`cargo test`).

use serde_json::json;
use zchat_types::Customer;

use super::*;

const HASH: &str = "0000a-000b-0c00-0d0e-f00d00f11111";
const T0: u64 = 1_700_000_000_000;

fn session() -> Session {
    Session { hash: HASH.into(), credential: format!("{HASH}.mac") }
}

/// A widget on a page whose embed says `department`, with the embed's defaults.
fn new_widget(department: i64) -> Widget {
    Widget::new(Site::new(department))
}

/// The embed's other settings, as the shell gives them at the start.
trait Embed {
    fn embedded(self, set: impl FnOnce(&mut Site)) -> Self;
    fn with_hours(self, hours: Option<(String, String)>) -> Self;
    fn with_alerts(self, sound: bool, title: bool) -> Self;
    fn with_fields(self, fields: Vec<prechat::FieldRule>) -> Self;
    fn with_departments(self, departments: Vec<(i64, String)>) -> Self;
    fn with_lang(self, lang: crate::texts::Lang) -> Self;
    fn with_upload_limit(self, limit: u64) -> Self;
}

impl Embed for Widget {
    fn embedded(mut self, set: impl FnOnce(&mut Site)) -> Self {
        set(std::rc::Rc::make_mut(&mut self.site));
        self
    }
    fn with_hours(self, hours: Option<(String, String)>) -> Self {
        self.embedded(|site| site.hours = hours.map(|(rule, timezone)| Hours { rule, timezone, back_at: None }))
    }
    fn with_alerts(self, sound: bool, title: bool) -> Self {
        self.embedded(|site| site.alerts = Alerts { sound, title })
    }
    fn with_fields(self, fields: Vec<prechat::FieldRule>) -> Self {
        self.embedded(|site| site.fields = fields)
    }
    fn with_departments(self, departments: Vec<(i64, String)>) -> Self {
        self.embedded(|site| site.departments = departments)
    }
    fn with_lang(self, lang: crate::texts::Lang) -> Self {
        self.embedded(|site| site.lang = lang)
    }
    fn with_upload_limit(self, limit: u64) -> Self {
        self.embedded(|site| site.upload_limit = limit)
    }
}

/// The host page's state, without the `extra` (tested on its own).
fn state_of(widget: &Widget) -> (&'static str, Option<u32>, bool) {
    let state = widget.host_state();
    (state.name, state.position, state.active)
}

/// The rating of a finished conversation.
fn rating(widget: &Widget) -> Rating {
    match &widget.conversation.phase {
        Phase::Finished { rating, .. } => rating.clone(),
        phase => panic!("not finished: {phase:?}"),
    }
}

fn customer(name: &str) -> Customer {
    Customer { name: Some(name.into()), ..Customer::default() }
}

/// A widget that has started and whose stream is open.
fn started() -> Widget {
    let mut widget = new_widget(1);
    widget.step(Input::Start { customer: customer("Maria"), department: None }, T0);
    widget.step(Input::Started(Ok(session())), T0);
    widget.step(Input::StreamOpened, T0);
    widget
}

fn trigger(seq: u64, body: serde_json::Value) -> Input {
    let mut body = body;
    body["interaction_hash"] = json!(HASH);
    body["extra"] = json!({});
    Input::StreamEvent { id: format!("7-{seq}"), event: StreamEvent::Trigger(serde_json::from_value(body).unwrap()) }
}

fn state(seq: u64, state: &str) -> Input {
    trigger(seq, json!({"state": state}))
}

fn queued(seq: u64, position: u32) -> Input {
    trigger(seq, json!({"state": "queued", "position": position}))
}

fn agent_message(seq: u64, hash: &str, content: &str) -> Input {
    trigger(seq, json!({"message": {"hash": hash, "content": content, "type": "text"}, "agent": {"id": 111, "name": "Atendente"}}))
}

fn customer_message(seq: u64, content: &str, key: Option<&str>) -> Input {
    let mut data = json!({"content": content, "type": "text", "sent_at": T0 + seq});
    if let Some(key) = key {
        data["client_key"] = json!(key);
    }
    Input::StreamEvent { id: format!("7-{seq}"), event: StreamEvent::CustomerMessage(serde_json::from_value(data).unwrap()) }
}

/// What each entry says, as an English-speaking visitor reads it (system lines and the neutral
/// line for what cannot be shown are translated by the views).
fn contents(widget: &Widget) -> Vec<&str> {
    contents_in(widget, crate::texts::Lang::En)
}

fn contents_in(widget: &Widget, lang: crate::texts::Lang) -> Vec<&str> {
    fn said<'a>(entry: &'a Entry, texts: &'static crate::texts::Texts) -> &'a str {
        match entry.sender {
            Sender::System(line) => line.text(texts),
            _ if entry.is_unshowable() => texts.line_unshowable,
            _ => entry.content.as_str(),
        }
    }
    widget.conversation.transcript.iter().map(|entry| said(entry, lang.texts())).collect()
}

fn sending() -> Delivery {
    Delivery::Sending { resends: 0 }
}

#[test]
fn starting_asks_the_relay_with_the_department_and_customer() {
    let mut widget = new_widget(3);
    let effects = widget.step(Input::Start { customer: customer("Maria"), department: None }, T0);
    assert_eq!(widget.conversation.phase, Phase::Starting);
    let [Effect::StartInteraction { department_id, customer, extra: None, page: None, identity: None, tag_ids: None, previous: None, history: None }] =
        effects.as_slice()
    else {
        panic!("{effects:?}")
    };
    assert_eq!(*department_id, 3);
    assert_eq!(customer.name.as_deref(), Some("Maria"));
}

#[test]
fn a_start_without_a_name_stays_on_the_form_with_an_error() {
    let mut widget = new_widget(1);
    let effects = widget.step(Input::Start { customer: customer("  "), department: None }, T0);
    assert!(effects.is_empty());
    assert_eq!(widget.conversation.phase, Phase::PreChat { error: Some("Please tell us your name.".into()) });
}

#[test]
fn a_refused_start_returns_to_the_form_with_zchats_message() {
    let mut widget = new_widget(1);
    widget.step(Input::Start { customer: customer("Maria"), department: None }, T0);
    let failure = Failure { message: "The department 3 is not active".into(), retryable: false };
    widget.step(Input::Started(Err(failure)), T0);
    assert_eq!(widget.conversation.phase, Phase::PreChat { error: Some("The department 3 is not active".into()) });
    // The visitor can submit again.
    assert_eq!(widget.step(Input::Start { customer: customer("Maria"), department: None }, T0).len(), 1);
}

#[test]
fn a_started_interaction_opens_the_stream_from_the_start() {
    let mut widget = new_widget(1);
    widget.step(Input::Start { customer: customer("Maria"), department: None }, T0);
    let effects = widget.step(Input::Started(Ok(session())), T0);
    assert_eq!(
        effects,
        [Effect::Save(Saved { current: Some(session()), ..Saved::default() }), Effect::OpenStream { session: session(), after: None }]
    );
    assert_eq!((widget.conversation.status(), widget.conversation.link.state), (Some(Status::Waiting), Connection::Connecting));
    widget.step(Input::StreamOpened, T0);
    assert_eq!(widget.conversation.link.state, Connection::Live);
}

#[test]
fn queued_then_accepted_then_an_agent_message() {
    let mut widget = started();
    widget.step(queued(1, 3), T0);
    assert_eq!(widget.conversation.status(), Some(Status::Queued { position: Some(3) }));
    widget.step(queued(2, 1), T0);
    assert_eq!(widget.conversation.status(), Some(Status::Queued { position: Some(1) }));
    widget.step(state(3, "accepted"), T0);
    assert_eq!(widget.conversation.status(), Some(Status::Chatting));
    widget.step(state(4, "typing"), T0);
    assert!(widget.conversation.agent.typing);
    widget.step(agent_message(5, "m1", "Olá!"), T0 + 5);
    assert!(!widget.conversation.agent.typing, "a message ends the typing indicator");
    assert_eq!(widget.conversation.agent.name.as_deref(), Some("Atendente"));
    assert_eq!(contents(&widget), ["An agent joined the conversation.", "Olá!"]);
    let last = widget.conversation.transcript.last().unwrap();
    assert_eq!((last.sender.clone(), last.at), (Sender::Agent { name: "Atendente".into() }, T0 + 5));
    assert_eq!(widget.conversation.link.last_event, Some("7-5".parse().unwrap()));
}

#[test]
fn typing_and_cleared_toggle_the_indicator() {
    let mut widget = started();
    widget.step(state(1, "typing"), T0);
    assert!(widget.conversation.agent.typing);
    widget.step(state(2, "cleared"), T0);
    assert!(!widget.conversation.agent.typing);
}

#[test]
fn no_agent_available() {
    let mut widget = started();
    widget.step(state(1, "unavailable"), T0);
    assert_eq!(widget.conversation.status(), Some(Status::Unavailable));
}

#[test]
fn with_nobody_there_the_visitor_leaves_a_contact_as_their_message() {
    let mut widget = started();
    widget.step(state(1, "unavailable"), T0);
    assert!(!widget.conversation.contact, "the form asked for no email or phone");
    // Neither an email nor a phone: said, nothing sent.
    for bad in ["", "maria", "123", "1234567", "12345678901234567", "+55 11 9914a-7777", "maria@", "<b>@x</b>", "javascript:alert(1)"] {
        let effects = widget.step(Input::LeaveContact { text: bad.into(), key: "k0".into() }, T0);
        assert!(effects.is_empty(), "{bad:?}: {effects:?}");
        assert_eq!(widget.conversation.notice.as_deref(), Some(crate::texts::EN.bad_contact), "{bad:?}");
    }
    let effects = widget.step(Input::LeaveContact { text: " maria@example.com ".into(), key: "k1".into() }, T0 + 1);
    let [Effect::SendMessage { key, text, .. }, Effect::Save(saved)] = effects.as_slice() else { panic!("{effects:?}") };
    assert_eq!((key.as_str(), text.as_str()), ("k1", "My contact: maria@example.com"));
    assert!(saved.contact && widget.conversation.contact && widget.conversation.notice.is_none());
    assert_eq!(contents(&widget), ["My contact: maria@example.com"]);
    // A reload knows the team has it (the contact itself is not kept in the browser).
    let mut reloaded = new_widget(1);
    reloaded.step(Input::Restore(saved.clone()), T0);
    assert!(reloaded.conversation.contact);
    assert!(crate::core::prechat::contact(&["x".repeat(300), "@a.com".into()].concat()).is_none(), "longer than an address can be");
    for phone in ["+55 11 99141-7777", "(11) 3141-7777", "11991417777", "+1 (415) 555.0100"] {
        assert_eq!(crate::core::prechat::contact(phone).as_deref(), Some(phone), "{phone}");
    }
}

#[test]
fn the_relay_is_asked_when_the_team_is_back_once_the_page_loads() {
    let hours = Some(("mon-fri 09:00-18:00".to_string(), "America/Sao_Paulo".to_string()));
    let mut widget = new_widget(1).with_hours(hours);
    let effects = widget.step(Input::Restore(Saved::default()), T0);
    assert_eq!(effects, [Effect::AskHours { hours: "mon-fri 09:00-18:00".into(), timezone: "America/Sao_Paulo".into() }]);
    // With a conversation under way too, before its stream.
    let mut under_way = new_widget(1).with_hours(Some(("sat 09:00-13:00".into(), String::new())));
    let effects = under_way.step(Input::Restore(Saved { current: Some(session()), ..Saved::default() }), T0);
    assert!(matches!(effects.as_slice(), [Effect::AskHours { .. }, Effect::OpenStream { .. }]), "{effects:?}");
    // Away: the launcher is told; there: nothing to say.
    assert_eq!(widget.step(Input::TeamBack(Some(1_800_000_000_000)), T0), [Effect::ReportAway(1_800_000_000_000)]);
    assert_eq!(widget.site.hours.as_ref().and_then(|hours| hours.back_at), Some(1_800_000_000_000));
    assert!(widget.step(Input::TeamBack(None), T0).is_empty());
    assert_eq!(widget.site.hours.as_ref().and_then(|hours| hours.back_at), None);
    // Without hours, nobody is asked.
    assert!(new_widget(1).step(Input::Restore(Saved::default()), T0).is_empty());
}

#[test]
fn a_conversation_under_way_keeps_the_window_as_the_visitor_left_it() {
    let mut widget = started();
    // Opened by the host page: kept with the conversation.
    let effects = widget.step(Input::WindowOpen(true), T0);
    let [Effect::Save(saved)] = effects.as_slice() else { panic!("{effects:?}") };
    assert!(saved.open);
    assert!(widget.step(Input::WindowOpen(true), T0).is_empty(), "no change, nothing to keep");
    // The next page: open again, asked of the host page.
    let mut next = new_widget(1);
    let effects = next.step(Input::Restore(saved.clone()), T0);
    assert!(matches!(effects.as_slice(), [Effect::ShowWindow, Effect::OpenStream { .. }]), "{effects:?}");
    // Closed: stays closed.
    let effects = widget.step(Input::WindowOpen(false), T0);
    let [Effect::Save(saved)] = effects.as_slice() else { panic!("{effects:?}") };
    assert!(!saved.open);
    let mut next = new_widget(1);
    assert!(!next.step(Input::Restore(saved.clone()), T0).contains(&Effect::ShowWindow));
    // Before a conversation, or after its end, nothing is kept: the next page starts closed.
    let mut fresh = new_widget(1);
    assert!(fresh.step(Input::WindowOpen(true), T0).is_empty());
    widget.step(Input::WindowOpen(true), T0);
    widget.step(state(1, "finished"), T0);
    assert!(!widget.saved().open, "a finished conversation is not reopened");
}

#[test]
fn the_visitor_who_looks_away_hears_a_chime_and_sees_the_title_alert_until_back() {
    let mut widget = started();
    // Seen: a claim of the chime (no other tab plays), no sound, no title.
    let effects = widget.step(agent_message(1, "m1", "Olá"), T0);
    assert!(effects.contains(&Effect::Chime { unseen: false, play: false, agent: Some("Atendente".into()), notice: None }), "{effects:?}");
    assert!(!effects.iter().any(|e| matches!(e, Effect::AlertTitle(_))));
    // The window closed, the page visible: a chime, no title (the visitor is on the page).
    widget.step(Input::Seen { open: false, visible: true }, T0);
    let effects = widget.step(agent_message(2, "m2", "Ainda aí?"), T0);
    assert!(effects.contains(&Effect::Chime { unseen: true, play: true, agent: Some("Atendente".into()), notice: None }));
    assert!(!effects.iter().any(|e| matches!(e, Effect::AlertTitle(_))));
    // The page hidden: the chime and the title, alternating while it stays hidden.
    widget.step(Input::Seen { open: false, visible: false }, T0);
    let effects = widget.step(agent_message(3, "m3", "Olá?"), T0);
    assert!(effects.contains(&Effect::AlertTitle(Some(2))), "two unread: {effects:?}");
    assert!(effects.contains(&Effect::ScheduleTitleTick { after_ms: 1500 }));
    assert_eq!(widget.step(Input::TitleTick, T0), [Effect::AlertTitle(None), Effect::ScheduleTitleTick { after_ms: 1500 }]);
    assert_eq!(widget.step(Input::TitleTick, T0)[0], Effect::AlertTitle(Some(2)));
    // A second message while alerting: no second alternation.
    let effects = widget.step(agent_message(4, "m4", "Oi"), T0);
    assert!(!effects.iter().any(|e| matches!(e, Effect::ScheduleTitleTick { .. })), "{effects:?}");
    // Visible again: the page's own title, and no more ticks.
    let effects = widget.step(Input::Seen { open: false, visible: true }, T0);
    assert_eq!(effects, [Effect::AlertTitle(None)]);
    assert!(widget.step(Input::TitleTick, T0).is_empty(), "a late tick changes nothing");
    // Muted (remembered): no sound, but the tab still claims the chime; the title still alerts.
    let effects = widget.step(Input::Mute(true), T0);
    assert!(matches!(&effects[..], [Effect::Save(saved)] if saved.muted));
    widget.step(Input::Seen { open: false, visible: false }, T0);
    let effects = widget.step(agent_message(5, "m5", "Fim?"), T0);
    assert!(effects.contains(&Effect::Chime { unseen: true, play: false, agent: Some("Atendente".into()), notice: None }));
    assert!(effects.iter().any(|e| matches!(e, Effect::AlertTitle(Some(_)))));
}

#[test]
fn an_agent_joining_alerts_once_and_replays_never() {
    let mut widget = started();
    widget.step(Input::Seen { open: false, visible: false }, T0);
    let effects = widget.step(state(1, "accepted"), T0);
    assert!(effects.contains(&Effect::Chime { unseen: true, play: true, agent: None, notice: None }), "{effects:?}");
    assert!(effects.contains(&Effect::AlertTitle(Some(1))));
    let Some(Effect::Save(saved)) = effects.iter().find(|e| matches!(e, Effect::Save(_))) else { panic!("{effects:?}") };
    // A reload replays the log: nothing sounds, nothing alerts.
    let mut reloaded = new_widget(1);
    reloaded.step(Input::Restore(saved.clone()), T0);
    reloaded.step(Input::Seen { open: false, visible: false }, T0);
    let effects = reloaded.step(state(1, "accepted"), T0);
    assert!(!effects.iter().any(|e| matches!(e, Effect::Chime { .. } | Effect::AlertTitle(_))), "a replay: {effects:?}");
    // What is new after it does.
    let effects = reloaded.step(agent_message(2, "m1", "Olá!"), T0);
    assert!(effects.contains(&Effect::Chime { unseen: true, play: true, agent: Some("Atendente".into()), notice: None }), "{effects:?}");
    // Sites that turn them off: no chime to play, no title.
    let mut quiet = new_widget(1).with_alerts(false, false);
    quiet.step(Input::Start { customer: customer("Maria"), department: None }, T0);
    quiet.step(Input::Started(Ok(session())), T0);
    quiet.step(Input::Seen { open: false, visible: false }, T0);
    let effects = quiet.step(agent_message(1, "m1", "Olá"), T0);
    assert!(effects.contains(&Effect::Chime { unseen: true, play: false, agent: Some("Atendente".into()), notice: None }));
    assert!(!effects.iter().any(|e| matches!(e, Effect::AlertTitle(_))));
}

#[test]
fn notifications_are_the_visitor_s_choice_and_only_for_messages_while_the_page_is_hidden() {
    use crate::core::Permission;
    let notice = |effects: &[Effect]| effects.iter().find_map(|e| if let Effect::Chime { notice, .. } = e { Some(notice.clone()) } else { None });
    // The browser's words, and nothing else.
    for (word, permission) in [("default", Permission::Ask), ("granted", Permission::Granted), ("denied", Permission::Unavailable)] {
        assert_eq!(Permission::from_browser(word), permission);
    }
    for word in ["unsupported", "", "GRANTED", " granted", "prompt"] {
        assert_eq!(Permission::from_browser(word), Permission::Unavailable, "{word:?}");
    }
    let mut widget = started();
    widget.step(Input::Seen { open: false, visible: false }, T0);
    // Not said yet (or denied, unsupported): not offered, nothing shown.
    assert!(!widget.visitor.notifying());
    assert_eq!(notice(&widget.step(agent_message(1, "m1", "Olá"), T0)), Some(None));
    // Not asked yet: turning them on asks the browser (never before), and is remembered.
    widget.step(Input::Notifications(Permission::Ask), T0);
    let effects = widget.step(Input::Notify(true), T0);
    assert!(matches!(&effects[..], [Effect::AskNotifications, Effect::Save(saved)] if saved.notify), "{effects:?}");
    assert!(!widget.visitor.notifying(), "not before the browser allows them");
    assert_eq!(notice(&widget.step(agent_message(2, "m2", "Ainda aí?"), T0)), Some(None));
    widget.step(Input::Notifications(Permission::Granted), T0);
    assert!(widget.visitor.notifying());
    // A message while the page is hidden: its text (the agent's name goes with the chime).
    let effects = widget.step(agent_message(3, "m3", "Posso ajudar?"), T0);
    assert!(
        effects.contains(&Effect::Chime { unseen: true, play: true, agent: Some("Atendente".into()), notice: Some("Posso ajudar?".into()) }),
        "{effects:?}"
    );
    // The page visible (the window closed): the chime only.
    widget.step(Input::Seen { open: false, visible: true }, T0);
    assert_eq!(notice(&widget.step(agent_message(4, "m4", "Oi"), T0)), Some(None));
    // Muted: still the notification.
    widget.step(Input::Mute(true), T0);
    widget.step(Input::Seen { open: false, visible: false }, T0);
    let effects = widget.step(agent_message(5, "m5", "Fim?"), T0);
    assert!(
        effects.contains(&Effect::Chime { unseen: true, play: false, agent: Some("Atendente".into()), notice: Some("Fim?".into()) }),
        "{effects:?}"
    );
    // A message the conversation cannot show: an empty notice (the shell says it in words).
    let unshowable = trigger(6, json!({"message": {"hash": "m6", "content": "", "type": "location"}, "agent": {"id": 111, "name": "Atendente"}}));
    assert_eq!(notice(&widget.step(unshowable, T0)), Some(Some(String::new())));
    // Already allowed: turning them on asks nothing. A reload keeps the choice; a new
    // conversation keeps it; forgetting the device forgets it.
    let saved = widget.saved();
    let mut reloaded = new_widget(1);
    reloaded.step(Input::Restore(saved), T0);
    reloaded.step(Input::Notifications(Permission::Granted), T0);
    assert!(reloaded.visitor.notifying(), "remembered");
    assert_eq!(reloaded.step(Input::Notify(false), T0).len(), 1, "only saved");
    assert!(!reloaded.visitor.notifying());
    assert!(!reloaded.step(Input::Notify(true), T0).contains(&Effect::AskNotifications));
    reloaded.step(Input::Forget, T0);
    assert!(!reloaded.visitor.notify && reloaded.visitor.permission == Permission::Granted, "the browser's word stays");
    // An agent joining is not a message: no notification. A replay: nothing at all.
    let mut joined = started();
    joined.step(Input::Notifications(Permission::Granted), T0);
    joined.step(Input::Notify(true), T0);
    joined.step(Input::Seen { open: false, visible: false }, T0);
    assert_eq!(notice(&joined.step(state(1, "accepted"), T0)), Some(None));
    let effects = joined.step(agent_message(2, "m1", "Olá"), T0);
    assert_eq!(notice(&effects), Some(Some("Olá".into())));
    assert_eq!(notice(&joined.step(agent_message(2, "m1", "Olá"), T0)), None, "a replay");
}

#[test]
fn an_email_or_phone_given_in_the_form_is_the_team_s_contact() {
    let mut widget = new_widget(1).with_fields(crate::core::prechat::parse_fields("name*,email,phone").unwrap());
    let answers = Customer { name: Some("Ana".into()), phone: Some("(11) 99141-7777".into()), ..Customer::default() };
    widget.step(Input::Start { customer: answers, department: None }, T0);
    let effects = widget.step(Input::Started(Ok(session())), T0);
    assert!(widget.conversation.contact && matches!(&effects[0], Effect::Save(saved) if saved.contact));
    // Left empty (optional): none.
    let mut without = new_widget(1).with_fields(crate::core::prechat::parse_fields("name*,email").unwrap());
    without.step(Input::Start { customer: customer("Ana"), department: None }, T0);
    assert!(!without.conversation.contact);
}

#[test]
fn a_late_queued_after_the_agent_joined_changes_nothing() {
    let mut widget = started();
    widget.step(state(1, "accepted"), T0);
    widget.step(queued(2, 4), T0);
    assert_eq!(widget.conversation.status(), Some(Status::Chatting));
}

#[test]
fn an_agent_message_while_queued_means_an_agent_is_there() {
    let mut widget = started();
    widget.step(queued(1, 1), T0);
    widget.step(agent_message(2, "m1", "Oi"), T0);
    assert_eq!(widget.conversation.status(), Some(Status::Chatting));
}

#[test]
fn events_seen_twice_add_nothing() {
    let mut widget = started();
    widget.step(state(1, "accepted"), T0);
    widget.step(agent_message(2, "m1", "Olá!"), T0);
    let before = widget.clone();
    widget.step(agent_message(2, "m1", "Olá!"), T0);
    widget.step(state(1, "accepted"), T0);
    // A redelivery under a new id: the message hash still matches.
    widget.step(agent_message(3, "m1", "Olá!"), T0);
    assert_eq!(contents(&widget), contents(&before));
}

#[test]
fn sending_shows_the_message_at_once_then_sent() {
    let mut widget = started();
    widget.step(state(1, "accepted"), T0);
    let effects = widget.step(Input::Send { text: "  Preciso de ajuda ".into(), key: "k1".into() }, T0 + 1);
    let [Effect::SendMessage { key, text, session: s, media: None }] = effects.as_slice() else { panic!("{effects:?}") };
    assert_eq!((key.as_str(), text.as_str(), s), ("k1", "Preciso de ajuda", &session()));
    assert_eq!(widget.conversation.transcript.last().unwrap().delivery, sending());
    widget.step(Input::Sent { key: "k1".into(), result: Ok(()) }, T0 + 2);
    assert_eq!(widget.conversation.transcript.last().unwrap().delivery, Delivery::Sent);
    // Its echo from the stream is the same message, not a new one.
    widget.step(customer_message(2, "Preciso de ajuda", Some("k1")), T0 + 3);
    assert_eq!(contents(&widget), ["An agent joined the conversation.", "Preciso de ajuda"]);
}

#[test]
fn the_echo_can_come_before_the_answer() {
    let mut widget = started();
    widget.step(Input::Send { text: "oi".into(), key: "k1".into() }, T0);
    widget.step(customer_message(1, "oi", Some("k1")), T0);
    assert_eq!(widget.conversation.transcript[0].delivery, Delivery::Sent);
    widget.step(Input::Sent { key: "k1".into(), result: Ok(()) }, T0);
    assert_eq!(widget.conversation.transcript.len(), 1);
}

#[test]
fn a_failed_send_can_be_retried_with_the_same_key() {
    let mut widget = started();
    widget.step(Input::Send { text: "oi".into(), key: "k1".into() }, T0);
    let failure = Failure { message: "The interaction is already finished".into(), retryable: false };
    widget.step(Input::Sent { key: "k1".into(), result: Err(failure) }, T0);
    assert_eq!(widget.conversation.transcript[0].delivery, Delivery::Failed { reason: "The interaction is already finished".into() });
    let effects = widget.step(Input::Retry { key: "k1".into() }, T0);
    assert!(matches!(effects.as_slice(), [Effect::SendMessage { key, .. }] if key == "k1"));
    assert_eq!(widget.conversation.transcript[0].delivery, sending());
    // Retrying a message that is not failed does nothing.
    assert!(widget.step(Input::Retry { key: "k1".into() }, T0).is_empty());
}

#[test]
fn empty_messages_and_messages_before_the_start_are_not_sent() {
    let mut widget = new_widget(1);
    assert!(widget.step(Input::Send { text: "oi".into(), key: "k0".into() }, T0).is_empty());
    let mut widget = started();
    assert!(widget.step(Input::Send { text: "   ".into(), key: "k1".into() }, T0).is_empty());
    assert!(widget.conversation.transcript.is_empty());
}

#[test]
fn messages_from_another_tab_are_added() {
    let mut widget = started();
    widget.step(customer_message(1, "from the other tab", Some("other-key")), T0);
    widget.step(customer_message(2, "no key", None), T0);
    assert_eq!(contents(&widget), ["from the other tab", "no key"]);
    assert!(widget.conversation.transcript.iter().all(|entry| entry.delivery == Delivery::Sent));
}

#[test]
fn the_agent_finishing_ends_the_conversation_and_closes_the_stream() {
    let mut widget = started();
    widget.step(state(1, "accepted"), T0);
    let effects = widget.step(state(2, "finished"), T0);
    // (The agent joining is as far as the visitor was told.)
    let told = Some("7-1".to_string());
    assert_eq!(effects, [Effect::CloseStream, Effect::Save(Saved { previous: Some(session()), announced: told, unrated: true, ..Saved::default() })]);
    assert!(matches!(widget.conversation.phase, Phase::Finished { .. }));
    assert!(!widget.conversation.can_send());
    assert!(widget.step(Input::Send { text: "oi".into(), key: "k".into() }, T0).is_empty());
    assert_eq!(contents(&widget).last(), Some(&"The agent ended the conversation."));
}

#[test]
fn a_closed_stream_reconnects_from_the_last_event_with_growing_backoff() {
    let mut widget = started();
    widget.step(queued(1, 1), T0);
    let mut delays = Vec::new();
    for _ in 0..8 {
        let effects = widget.step(Input::StreamClosed, T0);
        let [Effect::ScheduleReconnect { after_ms }] = effects.as_slice() else { panic!("{effects:?}") };
        delays.push(*after_ms);
        let reopen = widget.step(Input::Reconnect, T0);
        assert_eq!(reopen, [Effect::OpenStream { session: session(), after: Some("7-1".parse().unwrap()) }]);
        assert_eq!(widget.conversation.link.state, Connection::Connecting);
        widget.step(Input::StreamClosed, T0);
        widget.step(Input::Reconnect, T0);
    }
    assert!(delays.windows(2).all(|w| w[0] <= w[1]), "{delays:?}");
    assert_eq!(*delays.last().unwrap(), 30_000);
    widget.step(Input::StreamOpened, T0);
    assert_eq!(widget.conversation.link.state, Connection::Live);
    let effects = widget.step(Input::StreamClosed, T0);
    assert_eq!(effects, [Effect::ScheduleReconnect { after_ms: 1000 }], "a live stream starts the backoff over");
}

#[test]
fn a_stray_reconnect_timer_does_nothing() {
    let mut widget = started();
    assert!(widget.step(Input::Reconnect, T0).is_empty());
}

#[test]
fn a_reset_rebuilds_the_transcript_from_the_replay() {
    let mut widget = started();
    widget.step(state(1, "accepted"), T0);
    widget.step(agent_message(2, "m1", "Olá!"), T0);
    widget.step(Input::Send { text: "still sending".into(), key: "k9".into() }, T0);
    widget.step(Input::StreamEvent { id: "8-0".into(), event: StreamEvent::Reset }, T0);
    assert_eq!(contents(&widget), ["still sending"]);
    assert_eq!(widget.conversation.status(), Some(Status::Waiting));
    // The new log's events (another epoch, low seqs) are applied, not taken for old ones.
    let replay = |seq: u64, input: Input| match input {
        Input::StreamEvent { event, .. } => Input::StreamEvent { id: format!("8-{seq}"), event },
        other => other,
    };
    widget.step(replay(1, state(0, "accepted")), T0);
    widget.step(replay(2, agent_message(0, "m1", "Olá!")), T0);
    assert_eq!(widget.conversation.status(), Some(Status::Chatting));
    assert_eq!(contents(&widget), ["still sending", "An agent joined the conversation.", "Olá!"]);
}

#[test]
fn triggers_of_other_interactions_and_garbage_are_ignored() {
    let mut widget = started();
    let other = serde_json::from_value(json!({"interaction_hash": "other", "state": "finished", "extra": {}})).unwrap();
    widget.step(Input::StreamEvent { id: "7-1".into(), event: StreamEvent::Trigger(other) }, T0);
    widget.step(Input::StreamEvent { id: "7-2".into(), event: StreamEvent::Unreadable }, T0);
    assert_eq!(widget.conversation.status(), Some(Status::Waiting));
    assert!(widget.conversation.transcript.is_empty());
}

#[test]
fn a_reload_replays_the_conversation_under_way_from_the_start() {
    let mut widget = new_widget(1);
    let effects = widget.step(Input::Restore(Saved { current: Some(session()), ..Saved::default() }), T0);
    assert_eq!(effects, [Effect::OpenStream { session: session(), after: None }]);
    assert_eq!(widget.conversation.status(), Some(Status::Waiting));
    widget.step(state(1, "accepted"), T0);
    widget.step(customer_message(2, "sent before the reload", Some("k-old")), T0);
    assert_eq!(contents(&widget), ["An agent joined the conversation.", "sent before the reload"]);
    assert!(widget.conversation.can_send());
}

#[test]
fn a_reload_after_the_end_offers_a_new_conversation_that_names_the_old_one() {
    let mut widget = new_widget(1);
    let effects = widget.step(Input::Restore(Saved { previous: Some(session()), ..Saved::default() }), T0);
    assert!(effects.is_empty());
    assert_eq!(widget.conversation.phase, Phase::PreChat { error: None });
    let effects = widget.step(Input::Start { customer: customer("Maria"), department: None }, T0);
    assert!(matches!(effects.as_slice(), [Effect::StartInteraction { previous: Some(p), .. }] if *p == session()));
}

#[test]
fn the_visitor_ends_the_conversation() {
    let mut widget = started();
    widget.step(state(1, "accepted"), T0);
    assert_eq!(widget.step(Input::Finish, T0), [Effect::FinishInteraction { session: session() }]);
    assert_eq!(widget.conversation.status(), Some(Status::Chatting), "ended only once the relay says so");
    let failure = Failure { message: "Cannot reach the chat service.".into(), retryable: true };
    widget.step(Input::Finished(Err(failure)), T0);
    assert_eq!(widget.conversation.notice.as_deref(), Some("Cannot reach the chat service."));
    assert_eq!(widget.conversation.status(), Some(Status::Chatting));
    widget.step(Input::Finish, T0);
    let effects = widget.step(Input::Finished(Ok(())), T0);
    let told = Some("7-1".to_string());
    assert_eq!(effects, [Effect::CloseStream, Effect::Save(Saved { previous: Some(session()), announced: told, unrated: true, ..Saved::default() })]);
    assert!(matches!(widget.conversation.phase, Phase::Finished { .. }));
    assert_eq!(contents(&widget).last(), Some(&"You ended the conversation."));
    assert!(widget.step(Input::Finish, T0).is_empty(), "nothing to end any more");
}

#[test]
fn rating_a_finished_conversation_takes_one_tap_and_a_note_may_follow_or_go_alone() {
    use zchat_types::Mood::{Negative, Positive};
    let mut widget = started();
    assert!(widget.step(Input::Rate { mood: Some(Positive), note: String::new() }, T0).is_empty(), "not before the end");
    widget.step(state(1, "finished"), T0);
    assert!(widget.step(Input::Rate { mood: None, note: "   ".into() }, T0).is_empty(), "nothing to send");
    // One tap: the mood goes at once.
    let effects = widget.step(Input::Rate { mood: Some(Negative), note: String::new() }, T0);
    assert_eq!(effects, [Effect::Rate { session: session(), mood: Some(Negative), note: None }]);
    assert_eq!(rating(&widget), Rating::Sending { rated: false, noted: false });
    assert!(widget.step(Input::Rate { mood: Some(Positive), note: String::new() }, T0).is_empty(), "one at a time");
    widget.step(Input::Rated(Err(Failure { message: "offline".into(), retryable: true })), T0);
    assert_eq!(rating(&widget), Rating::Failed { reason: "offline".into(), rated: false });
    widget.step(Input::Rate { mood: Some(Positive), note: String::new() }, T0);
    let effects = widget.step(Input::Rated(Ok(())), T0);
    assert_eq!(rating(&widget), Rating::Rated);
    assert!(matches!(effects.as_slice(), [Effect::Save(saved)] if !saved.unrated), "rated: not asked again after a reload");
    // Then a note, alone (the mood is in: another is not taken).
    let effects = widget.step(Input::Rate { mood: Some(Negative), note: "  slow  ".into() }, T0);
    assert_eq!(effects, [Effect::Rate { session: session(), mood: None, note: Some("slow".into()) }]);
    widget.step(Input::Rated(Ok(())), T0);
    assert_eq!(rating(&widget), Rating::Noted);
    assert!(widget.step(Input::Rate { mood: None, note: "more".into() }, T0).is_empty(), "done");
    // A note without a mood, in a conversation of its own.
    let mut other = started();
    other.step(state(1, "finished"), T0);
    let effects = other.step(Input::Rate { mood: None, note: "Obrigada".into() }, T0);
    assert_eq!(effects, [Effect::Rate { session: session(), mood: None, note: Some("Obrigada".into()) }]);
    other.step(Input::Rated(Ok(())), T0);
    assert_eq!(rating(&other), Rating::Noted);
}

#[test]
fn a_conversation_that_ended_asks_for_its_rating_after_a_reload_until_rated_or_started_anew() {
    let mut widget = started();
    let effects = widget.step(state(1, "finished"), T0);
    let Some(Effect::Save(saved)) = effects.iter().find(|e| matches!(e, Effect::Save(_))) else { panic!("{effects:?}") };
    assert!(saved.unrated && saved.current.is_none() && saved.previous == Some(session()), "{saved:?}");
    // The next page: the rating again, for that conversation.
    let mut reloaded = new_widget(1);
    reloaded.step(Input::Restore(saved.clone()), T0);
    assert_eq!(reloaded.conversation.phase, Phase::Finished { session: session(), rating: Rating::NotYet });
    let effects = reloaded.step(Input::Rate { mood: Some(zchat_types::Mood::Positive), note: String::new() }, T0);
    assert!(matches!(effects.as_slice(), [Effect::Rate { .. }]));
    let effects = reloaded.step(Input::Rated(Ok(())), T0);
    let [Effect::Save(rated)] = effects.as_slice() else { panic!("{effects:?}") };
    let mut again = new_widget(1);
    again.step(Input::Restore(rated.clone()), T0);
    assert_eq!(again.conversation.phase, Phase::PreChat { error: None }, "rated: the form");
    // Started anew instead: the form, and the finished one named for the next agent.
    let mut anew = new_widget(1);
    anew.step(Input::Restore(saved.clone()), T0);
    let effects = anew.step(Input::NewConversation, T0);
    let Some(Effect::Save(fresh)) = effects.iter().find(|e| matches!(e, Effect::Save(_))) else { panic!("{effects:?}") };
    assert!(!fresh.unrated && fresh.previous == Some(session()));
}

#[test]
fn identify_and_set_tags_reach_the_conversation_under_way_once_each_change() {
    let mut widget = started();
    let identity = zchat_types::Identity { customer_key: "c-42".into(), signature: "ab".repeat(32) };
    let effects = widget.step(Input::Site { identity: Some(identity.clone()), tags: None, page: None, history: None }, T0);
    assert_eq!(effects, [Effect::UpdateConversation { session: session(), identity: Some(identity.clone()), tag_ids: None }]);
    // The loader says everything again on every message: no change, nothing sent.
    assert!(widget.step(Input::Site { identity: Some(identity.clone()), tags: None, page: None, history: None }, T0).is_empty());
    let tags = Some(vec!["7".to_string()]);
    let effects = widget.step(Input::Site { identity: Some(identity.clone()), tags: tags.clone(), page: None, history: None }, T0);
    assert_eq!(effects, [Effect::UpdateConversation { session: session(), identity: None, tag_ids: tags }]);
    // Before a conversation: kept for its start, nothing sent.
    let mut fresh = new_widget(1);
    assert!(fresh.step(Input::Site { identity: Some(identity), tags: None, page: None, history: None }, T0).is_empty());
}

#[test]
fn a_bots_transcript_goes_with_the_next_conversation_only() {
    let history = zchat_types::SignedHistory { messages: "[]".into(), signature: "ab".repeat(32) };
    let said = |history: Option<zchat_types::SignedHistory>| Input::Site { identity: None, tags: None, page: None, history };
    let mut widget = new_widget(1);
    widget.step(said(Some(history.clone())), T0);
    let effects = widget.step(Input::Start { customer: customer("Ana"), department: None }, T0);
    assert!(matches!(&effects[..], [Effect::StartInteraction { history: Some(given), .. }] if *given == history), "{effects:?}");
    widget.step(Input::Started(Ok(session())), T0);
    // The page says it again (it says everything on every message): not for the next one.
    widget.step(said(Some(history.clone())), T0);
    widget.step(state(1, "finished"), T0);
    widget.step(Input::NewConversation, T0);
    let effects = widget.step(Input::Start { customer: customer("Ana"), department: None }, T0);
    assert!(matches!(&effects[..], [Effect::StartInteraction { history: None, .. }]), "{effects:?}");
    // Another transcript: for the next one.
    widget.step(Input::Started(Err(Failure { message: "x".into(), retryable: true })), T0);
    let other = zchat_types::SignedHistory { messages: "[ ]".into(), signature: "cd".repeat(32) };
    widget.step(said(Some(other.clone())), T0);
    let effects = widget.step(Input::Start { customer: customer("Ana"), department: None }, T0);
    assert!(matches!(&effects[..], [Effect::StartInteraction { history: Some(given), .. }] if *given == other), "{effects:?}");
}

#[test]
fn a_new_conversation_starts_clean_and_names_the_finished_one() {
    let mut widget = started();
    widget.step(agent_message(1, "m1", "Olá"), T0);
    assert!(widget.step(Input::NewConversation, T0).is_empty(), "not while chatting");
    widget.step(state(2, "finished"), T0);
    let effects = widget.step(Input::NewConversation, T0);
    assert_eq!(effects, [Effect::CloseStream, Effect::Save(Saved { previous: Some(session()), ..Saved::default() })]);
    assert_eq!(widget.conversation.phase, Phase::PreChat { error: None });
    assert!(widget.conversation.transcript.is_empty() && widget.conversation.session().cloned().is_none());
    let effects = widget.step(Input::Start { customer: customer("Maria"), department: None }, T0);
    assert!(matches!(effects.as_slice(), [Effect::StartInteraction { previous: Some(p), .. }] if *p == session()));
}

#[test]
fn the_visitors_typing_is_one_call_per_change_of_state() {
    let mut widget = started();
    widget.step(state(1, "accepted"), T0);
    let first = widget.step(Input::Writing { empty: false }, T0);
    assert_eq!(first, [Effect::NotifyTyping { session: session(), typing: true }, Effect::ScheduleTypingTick { after_ms: TYPING_IDLE_MS as u32 }]);
    for n in 1..20 {
        assert!(widget.step(Input::Writing { empty: false }, T0 + n * 100).is_empty(), "keystroke {n}");
    }
    // The first tick comes while keystrokes went on: it waits for the rest of the idle time.
    let tick = widget.step(Input::TypingTick, T0 + TYPING_IDLE_MS);
    assert_eq!(tick, [Effect::ScheduleTypingTick { after_ms: 1900 }]);
    let idle = widget.step(Input::TypingTick, T0 + 1900 + TYPING_IDLE_MS);
    assert_eq!(idle, [Effect::NotifyTyping { session: session(), typing: false }]);
    assert!(widget.step(Input::TypingTick, T0 + 99_999).is_empty(), "nothing more to clear");
}

#[test]
fn sending_or_emptying_the_input_clears_typing() {
    let mut widget = started();
    widget.step(Input::Writing { empty: false }, T0);
    let effects = widget.step(Input::Send { text: "oi".into(), key: "k1".into() }, T0);
    assert_eq!(effects[0], Effect::NotifyTyping { session: session(), typing: false });
    assert!(matches!(effects[1], Effect::SendMessage { .. }));
    widget.step(Input::Writing { empty: false }, T0);
    assert_eq!(widget.step(Input::Writing { empty: true }, T0), [Effect::NotifyTyping { session: session(), typing: false }]);
    assert!(widget.step(Input::Writing { empty: true }, T0).is_empty(), "already cleared");
}

#[test]
fn no_typing_before_the_start_or_after_the_end() {
    let mut widget = new_widget(1);
    assert!(widget.step(Input::Writing { empty: false }, T0).is_empty());
    let mut widget = started();
    widget.step(state(1, "finished"), T0);
    assert!(widget.step(Input::Writing { empty: false }, T0).is_empty());
}

#[test]
fn waking_up_reconnects_at_once_and_only_when_disconnected() {
    let mut widget = started();
    widget.step(queued(1, 2), T0);
    assert!(widget.step(Input::Wake, T0).is_empty(), "a live stream is left alone");
    widget.step(Input::StreamClosed, T0);
    let effects = widget.step(Input::Wake, T0);
    assert_eq!(effects, [Effect::OpenStream { session: session(), after: Some("7-1".parse().unwrap()) }]);
    assert_eq!(widget.conversation.link.state, Connection::Connecting);
    assert!(widget.step(Input::Reconnect, T0).is_empty(), "the backoff timer that fires later does nothing");
}

#[test]
fn agent_messages_unseen_are_counted_for_the_host_page() {
    let mut widget = started();
    widget.step(state(1, "accepted"), T0);
    let unread = |effects: Vec<Effect>| effects.into_iter().filter(|e| matches!(e, Effect::ReportUnread(_))).collect::<Vec<_>>();
    assert!(unread(widget.step(agent_message(2, "m1", "seen at once"), T0)).is_empty());
    widget.step(Input::Seen { open: false, visible: true }, T0);
    assert_eq!(unread(widget.step(agent_message(3, "m2", "one"), T0)), [Effect::ReportUnread(1)]);
    assert_eq!(unread(widget.step(agent_message(4, "m3", "two"), T0)), [Effect::ReportUnread(2)]);
    assert!(widget.step(agent_message(4, "m3", "two"), T0).is_empty(), "a replay is not new");
    assert_eq!(widget.step(Input::Seen { open: true, visible: true }, T0), [Effect::ReportUnread(0)]);
    assert!(widget.step(Input::Seen { open: true, visible: true }, T0).is_empty());
}

#[test]
fn new_messages_are_announced_to_the_host_page_once_even_after_a_reload() {
    let mut widget = started();
    widget.step(state(1, "accepted"), T0);
    let effects = widget.step(agent_message(2, "m1", "Olá!"), T0);
    let announced = Announcement { from: "agent", text: "Olá!".into(), agent: Some("Atendente".into()), agent_id: Some(111) };
    assert_eq!(effects[0], Effect::Announce(announced));
    let Effect::Save(saved) = &effects[1] else { panic!("the browser keeps how far it told: {effects:?}") };
    assert_eq!(saved.announced.as_deref(), Some("7-2"));
    let effects = widget.step(customer_message(3, "Oi", None), T0);
    assert_eq!(effects[0], Effect::Announce(Announcement { from: "visitor", text: "Oi".into(), agent: None, agent_id: None }));

    // A reload: the log replays from its start, and nothing is told twice; what is new is.
    let mut reloaded = new_widget(1);
    reloaded.step(
        Input::Restore(Saved {
            current: Some(session()),
            previous: None,
            announced: Some("7-3".into()),
            contact: false,
            open: false,
            muted: false,
            notify: false,
            unrated: false,
        }),
        T0,
    );
    reloaded.step(Input::Seen { open: false, visible: true }, T0);
    for event in [state(1, "accepted"), agent_message(2, "m1", "Olá!"), customer_message(3, "Oi", None)] {
        assert!(!reloaded.step(event, T0).iter().any(|e| matches!(e, Effect::Announce(_) | Effect::ReportUnread(_))));
    }
    let effects = reloaded.step(agent_message(4, "m2", "Tudo bem?"), T0);
    assert!(
        matches!(&effects[..], [Effect::Announce(a), Effect::Save(_), Effect::ReportUnread(1), Effect::Chime { play: true, .. }] if a.text == "Tudo bem?"),
        "{effects:?}"
    );
}

#[test]
fn the_host_page_prefills_the_form_and_gives_the_extra() {
    let mut widget = new_widget(1);
    let long = "x".repeat(500);
    let given = Customer { name: Some("  Ana  ".into()), email: Some(" ".into()), phone: None, cpf: Some(long) };
    assert!(widget.step(Input::Prefill(given), T0).is_empty());
    assert_eq!(widget.site.prefill.name.as_deref(), Some("Ana"));
    assert_eq!(widget.site.prefill.email, None, "blank is nothing");
    assert_eq!(widget.site.prefill.cpf.as_ref().map(String::len), Some(200));

    let extra: serde_json::Map<String, serde_json::Value> = serde_json::from_value(json!({"plan": "gold", "cart": 3})).unwrap();
    widget.step(Input::SetExtra(extra.clone()), T0);
    assert_eq!(widget.site.extra.as_ref(), Some(&extra));
    let effects = widget.step(Input::Start { customer: customer("Ana"), department: None }, T0);
    assert!(matches!(&effects[..], [Effect::StartInteraction { extra: given, .. }] if given.as_ref() == Some(&extra)));
}

#[test]
fn the_host_page_sees_the_state_by_name() {
    let mut widget = new_widget(1);
    assert_eq!(state_of(&widget), ("prechat", None, false));
    widget.step(Input::Start { customer: customer("Ana"), department: None }, T0);
    assert_eq!(state_of(&widget), ("starting", None, false));
    let mut widget = started();
    widget.step(queued(1, 2), T0);
    assert_eq!(state_of(&widget), ("queued", Some(2), true));
    widget.step(state(2, "accepted"), T0);
    assert_eq!(state_of(&widget), ("chatting", None, true));
    widget.step(state(3, "finished"), T0);
    assert_eq!(state_of(&widget), ("finished", None, false));
}

#[test]
fn the_browsers_own_retries_show_as_reconnecting_until_open_again() {
    let mut widget = started();
    assert!(widget.step(Input::StreamRetrying, T0).is_empty(), "the browser reconnects by itself");
    assert_eq!(widget.conversation.link.state, Connection::Reconnecting { attempt: 0 });
    widget.step(Input::StreamOpened, T0);
    assert_eq!(widget.conversation.link.state, Connection::Live);
}

#[test]
fn a_department_chosen_from_the_list_is_used_and_others_refused() {
    let mut widget = new_widget(1).with_departments(vec![(1, "Atendimento".into()), (2, "Vendas".into())]);
    assert!(widget.step(Input::Start { customer: customer("Maria"), department: Some(9) }, T0).is_empty());
    assert_eq!(widget.conversation.phase, Phase::PreChat { error: Some("Please choose a department from the list.".into()) });
    let effects = widget.step(Input::Start { customer: customer("Maria"), department: Some(2) }, T0);
    assert!(matches!(effects.as_slice(), [Effect::StartInteraction { department_id: 2, .. }]));
}

#[test]
fn network_failures_are_resent_with_growing_waits_then_the_visitor_is_asked() {
    let mut widget = started();
    widget.step(Input::Send { text: "oi".into(), key: "k1".into() }, T0);
    let offline = || Failure { message: "Cannot reach the chat service.".into(), retryable: true };
    let mut waits = Vec::new();
    loop {
        let effects = widget.step(Input::Sent { key: "k1".into(), result: Err(offline()) }, T0);
        let [Effect::ScheduleResend { key, after_ms }] = effects.as_slice() else { break };
        assert!(matches!(widget.conversation.transcript[0].delivery, Delivery::Sending { .. }), "still sending while it retries");
        waits.push(*after_ms);
        let resend = widget.step(Input::Resend { key: key.clone() }, T0);
        assert!(matches!(resend.as_slice(), [Effect::SendMessage { key, .. }] if key == "k1"), "the same key: never twice");
    }
    assert_eq!(waits, [1000, 2000, 4000, 8000]);
    assert_eq!(widget.conversation.transcript[0].delivery, Delivery::Failed { reason: "Cannot reach the chat service.".into() });
    // The visitor's retry starts the automatic ones over.
    widget.step(Input::Retry { key: "k1".into() }, T0);
    let effects = widget.step(Input::Sent { key: "k1".into(), result: Err(offline()) }, T0);
    assert_eq!(effects, [Effect::ScheduleResend { key: "k1".into(), after_ms: 1000 }]);
}

#[test]
fn a_resend_is_dropped_once_the_message_got_through() {
    let mut widget = started();
    widget.step(Input::Send { text: "oi".into(), key: "k1".into() }, T0);
    let offline = Failure { message: "offline".into(), retryable: true };
    widget.step(Input::Sent { key: "k1".into(), result: Err(offline) }, T0);
    // The first attempt did reach zChat: its echo arrives before the resend timer.
    widget.step(customer_message(1, "oi", Some("k1")), T0);
    assert!(widget.step(Input::Resend { key: "k1".into() }, T0).is_empty());
    assert_eq!(widget.conversation.transcript[0].delivery, Delivery::Sent);
}

#[test]
fn the_forms_errors_are_in_the_visitors_language_and_the_lines_are_typed() {
    let mut widget = new_widget(1).with_lang(crate::texts::Lang::PtBr);
    widget.step(Input::Start { customer: customer(" "), department: None }, T0);
    assert_eq!(widget.conversation.phase, Phase::PreChat { error: Some("Por favor, diga seu nome.".into()) });
    widget.step(Input::Start { customer: customer("Maria"), department: None }, T0);
    widget.step(Input::Started(Ok(session())), T0);
    widget.step(state(1, "accepted"), T0);
    widget.step(state(2, "finished"), T0);
    let lines: Vec<Sender> = widget.conversation.transcript.iter().map(|entry| entry.sender.clone()).collect();
    assert_eq!(lines, [Sender::System(SystemLine::AgentJoined), Sender::System(SystemLine::AgentEnded)]);
    assert_eq!(contents_in(&widget, crate::texts::Lang::PtBr), ["Um atendente entrou na conversa.", "O atendente encerrou a conversa."]);
    widget.step(Input::NewConversation, T0);
    assert_eq!(widget.site.lang, crate::texts::Lang::PtBr, "a new conversation keeps the language");
}

/// A webhook body as zChat may send it, unchanged but for its interaction.
fn as_sent(seq: u64, body: serde_json::Value) -> Input {
    let mut body = body;
    body["interaction_hash"] = json!(HASH);
    Input::StreamEvent { id: format!("7-{seq}"), event: StreamEvent::Trigger(serde_json::from_value(body).unwrap()) }
}

#[test]
fn states_the_reference_does_not_list_and_unreadable_triggers_change_nothing_the_visitor_sees() {
    let mut widget = started();
    widget.step(queued(1, 2), T0);
    let before = (widget.conversation.phase.clone(), contents(&widget).len(), widget.conversation.agent.typing);
    for (seq, body) in [
        (2, json!({"state": "transferred", "to_department": 4})),
        (3, json!({"state": "bot", "extra": null})),
        (4, json!({"event": "survey_sent"})),
        (5, json!({"state": null, "message": null})),
    ] {
        let effects = widget.step(as_sent(seq, body.clone()), T0);
        assert!(effects.is_empty(), "{body}: {effects:?}");
        assert_eq!((widget.conversation.phase.clone(), contents(&widget).len(), widget.conversation.agent.typing), before, "{body}");
        assert_eq!(widget.conversation.link.last_event, Some(format!("7-{seq}").parse().unwrap()), "seen, so a reload skips it");
    }
}

#[test]
fn known_states_in_variant_shapes_are_applied() {
    let mut widget = started();
    widget.step(as_sent(1, json!({"state": "QUEUED", "position": "3", "extra": null})), T0);
    assert_eq!(widget.conversation.status(), Some(Status::Queued { position: Some(3) }));
    widget.step(as_sent(2, json!({"state": "queued", "position": null})), T0);
    assert_eq!(widget.conversation.status(), Some(Status::Queued { position: None }), "in line, place unknown");
    assert_eq!(state_of(&widget), ("queued", None, true));
    widget.step(as_sent(3, json!({"state": "Accepted", "channel": "web"})), T0);
    assert_eq!(widget.conversation.status(), Some(Status::Chatting));
    widget.step(as_sent(4, json!({"state": "Typing"})), T0);
    assert!(widget.conversation.agent.typing);
    widget.step(as_sent(5, json!({"state": "finished"})), T0);
    assert!(matches!(widget.conversation.phase, Phase::Finished { .. }));
}

#[test]
fn agent_messages_in_variant_shapes_are_shown_once_each_in_order() {
    let mut widget = started();
    widget.step(state(1, "accepted"), T0);
    let bodies = [
        json!({"message": {"hash": "v1", "content": "Aqui está", "type": "location", "url": "https://maps.example/p/1"}, "agent": {"id": "111", "name": "Bia"}}),
        json!({"message": {"hash": 12345, "content": "Número", "type": "TEXT"}, "agent": {"id": 111, "name": null}}),
        json!({"message": {"hash": "v3", "content": "Sem agente"}}),
        json!({"message": {"hash": "v4", "content": null, "type": "sticker", "url": "https://cdn.example/s.webp"}, "agent": {"name": "Bia"}}),
        json!({"message": {"hash": "v5", "content": "", "type": "image", "url": "javascript:alert(1)"}, "agent": {"name": "Bia"}}),
        json!({"message": {"content": "Sem hash", "type": "text"}, "agent": {"name": "Bia"}}),
    ];
    for (n, body) in bodies.iter().enumerate() {
        widget.step(as_sent(2 + n as u64, body.clone()), T0 + n as u64);
    }
    // Replayed after a reconnect, with new ids: nothing is shown twice.
    for (n, body) in bodies.iter().enumerate().take(5) {
        widget.step(as_sent(20 + n as u64, body.clone()), T0);
    }
    let agents: Vec<&Entry> = widget.conversation.transcript.iter().filter(|entry| matches!(entry.sender, Sender::Agent { .. })).collect();
    let texts = crate::texts::Lang::En.texts();
    let shown: Vec<(&str, Option<&str>, zchat_types::MessageType)> = agents
        .iter()
        .map(|e| if e.is_unshowable() { (texts.line_unshowable, None, Text) } else { (e.content.as_str(), e.url.as_deref(), e.kind) })
        .collect();
    use zchat_types::MessageType::*;
    assert_eq!(
        shown,
        [
            ("Aqui está", Some("https://maps.example/p/1"), Text),
            ("Número", None, Text),
            ("Sem agente", None, Text),
            ("", Some("https://cdn.example/s.webp"), Text),
            ("The agent sent something this chat cannot show.", None, Text),
            ("Sem hash", None, Text),
        ]
    );
    assert_eq!(widget.conversation.agent.name.as_deref(), Some("Bia"), "a message without a name keeps the one the visitor knows");
    assert!(matches!(&agents[2].sender, Sender::Agent { name } if name.is_empty()), "the view names no one: {:?}", agents[2].sender);
}

#[test]
fn a_message_with_nothing_to_show_is_kept_and_read_as_the_neutral_line() {
    let mut widget = new_widget(1).with_lang(crate::texts::Lang::PtBr);
    widget.step(Input::Start { customer: customer("Maria"), department: None }, T0);
    widget.step(Input::Started(Ok(session())), T0);
    widget.step(as_sent(1, json!({"message": {"hash": "x", "content": " ", "type": "audio"}, "agent": {"name": "Bia"}})), T0);
    assert_eq!(contents_in(&widget, crate::texts::Lang::PtBr), ["O atendente enviou algo que este chat não consegue mostrar."]);
}

#[test]
fn the_sites_customer_tags_and_page_go_with_the_start() {
    let mut widget = new_widget(1);
    let identity = zchat_types::Identity { customer_key: "c-42".into(), signature: "ab".repeat(32) };
    let page: serde_json::Map<String, serde_json::Value> =
        serde_json::from_value(json!({"url": format!("https://shop.example/{}", "p".repeat(600)), "title": "Cart", "referrer": ""})).unwrap();
    let effects =
        widget.step(Input::Site { identity: Some(identity.clone()), tags: Some(vec!["1".into(), "7".into()]), page: Some(page), history: None }, T0);
    assert!(effects.is_empty());
    let extra: serde_json::Map<String, serde_json::Value> = serde_json::from_value(json!({"plan": "gold"})).unwrap();
    widget.step(Input::SetExtra(extra), T0);
    let effects = widget.step(Input::Start { customer: customer("Ana"), department: None }, T0);
    let [Effect::StartInteraction { identity: Some(sent), tag_ids: Some(tags), extra: Some(extra), page: Some(page), .. }] = effects.as_slice()
    else {
        panic!("{effects:?}")
    };
    assert_eq!((sent, tags.as_slice()), (&identity, ["1".to_string(), "7".to_string()].as_slice()));
    assert_eq!(extra["plan"], "gold", "the site's extra is kept");
    assert_eq!(page["title"], "Cart", "as given: the relay bounds it and puts it in extra");
}

#[test]
fn starting_anew_replaces_the_conversation_and_nothing_else() {
    // The site's settings and the visitor's choices, all set.
    let mut widget = new_widget(1).with_lang(crate::texts::Lang::PtBr).with_hours(Some(("mon 09:00-10:00".into(), "UTC".into())));
    let identity = zchat_types::Identity { customer_key: "c-42".into(), signature: "ab".repeat(32) };
    let page: serde_json::Map<String, serde_json::Value> = serde_json::from_value(json!({"url": "https://shop.example/cart"})).unwrap();
    let site = Input::Site { identity: Some(identity.clone()), tags: Some(vec!["7".into()]), page: Some(page), history: None };
    widget.step(site, T0);
    widget.step(Input::SetExtra(serde_json::from_value(json!({"botId": 3})).unwrap()), T0);
    widget.step(Input::Prefill(customer("Ana")), T0);
    widget.step(Input::Mute(true), T0);
    widget.step(Input::WindowOpen(true), T0);
    widget.step(Input::TeamBack(Some(T0 as i64 + 1)), T0);
    let (site_before, muted_before) = (std::rc::Rc::clone(&widget.site), widget.visitor.muted);
    // A first conversation, to its end.
    widget.step(Input::Start { customer: customer("Ana"), department: None }, T0);
    widget.step(Input::Started(Ok(session())), T0);
    widget.step(agent_message(1, "m1", "Olá!"), T0);
    widget.step(state(2, "finished"), T0);
    widget.step(Input::NewConversation, T0);
    // The conversation is a new one; the site's settings are the very same, the visitor's too.
    assert_eq!(*widget.conversation, Conversation::default());
    assert!(std::rc::Rc::ptr_eq(&widget.site, &site_before), "the site's settings were not even copied");
    assert_eq!((widget.visitor.muted, widget.visitor.open, widget.visitor.previous.clone()), (muted_before, true, Some(session())));
    // So the second start is as verified, tagged and placed as the first.
    let effects = widget.step(Input::Start { customer: customer("Ana"), department: None }, T0);
    let [Effect::StartInteraction { identity: Some(sent), tag_ids: Some(tags), extra: Some(extra), page: Some(_), previous: Some(previous), .. }] =
        effects.as_slice()
    else {
        panic!("{effects:?}")
    };
    assert_eq!((sent, tags.as_slice(), extra["botId"].clone(), previous), (&identity, ["7".to_string()].as_slice(), json!(3), &session()));
}

#[test]
fn forgetting_the_device_forgets_every_session_and_the_identity_and_leaves_zchat_alone() {
    let mut widget = started();
    let identity = zchat_types::Identity { customer_key: "c-42".into(), signature: "ab".repeat(32) };
    widget.step(Input::Site { identity: Some(identity), tags: None, page: None, history: None }, T0);
    widget.step(state(1, "accepted"), T0);
    widget.step(agent_message(2, "m1", "Olá!"), T0);
    let effects = widget.step(Input::Forget, T0);
    assert_eq!(effects, [Effect::CloseStream, Effect::ForgetDevice], "no finish: zChat's conversation is left as it is");
    assert_eq!(
        (widget.conversation.session().cloned().as_ref(), widget.visitor.previous.as_ref(), widget.site.identity.as_ref()),
        (None, None, None)
    );
    assert!(widget.conversation.transcript.is_empty());
    assert_eq!(widget.conversation.phase, Phase::PreChat { error: None });
    assert_eq!(state_of(&widget), ("prechat", None, false), "the host page forgets its conversation under way too");
    // The next start names no earlier conversation.
    let effects = widget.step(Input::Start { customer: customer("Bia"), department: None }, T0);
    assert!(matches!(effects.as_slice(), [Effect::StartInteraction { previous: None, identity: None, .. }]), "{effects:?}");
}

mod attachments;
mod layout;

#[test]
fn the_host_page_hears_zchats_extra_and_the_agents_id() {
    let mut widget = started();
    assert_eq!(widget.host_state().extra, None);
    let mut body = json!({"state": "accepted"});
    body["interaction_hash"] = json!(HASH);
    body["extra"] = json!({"botId": 42, "plan": "gold"});
    widget.step(Input::StreamEvent { id: "7-1".into(), event: StreamEvent::Trigger(serde_json::from_value(body).unwrap()) }, T0);
    let extra = widget.host_state().extra.expect("the trigger's extra");
    assert_eq!(serde_json::Value::Object((*extra).clone()), json!({"botId": 42, "plan": "gold"}));
    let effects = widget.step(agent_message(2, "m1", "Olá"), T0);
    assert!(effects.iter().any(|e| matches!(e, Effect::Announce(Announcement { agent_id: Some(111), .. }))), "{effects:?}");
}
