//! The conversation's state and its one transition function, [`Conversation::step`].

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use zchat_types::{
    Customer, CustomerMessage, EventId, MediaType, MessageType, Mood, SendMessage, StartInteraction, Trigger, TriggerEvent, UpdateInteraction,
};

use super::prechat::{self, Answers, FieldRule};
use super::transcript::{safe_url, Delivery, Entry, EntryId, Sender};
use crate::texts::Lang;

/// The interaction this browser holds and its session credential from the relay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub hash: String,
    pub credential: String,
}

/// Where the conversation is, as the visitor sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    /// The pre-chat form, with the error of a failed start, if any.
    PreChat {
        error: Option<String>,
    },
    /// Waiting for the relay to answer start interaction.
    Starting,
    /// Started; zChat has not yet said where the interaction is.
    Waiting,
    /// In the department's queue at `position` (1 is next).
    /// In the department's queue, at `position` when zChat says (1 is next).
    Queued {
        position: Option<u32>,
    },
    /// No agent is available now.
    Unavailable,
    /// An agent has joined.
    Chatting,
    Finished,
}

/// Where the visitor's rating of a finished conversation is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rating {
    NotYet,
    Sending { mood: Mood },
    Sent { mood: Mood },
    Failed { reason: String },
}

/// What the browser keeps between page loads (the frame's local storage): the conversation under
/// way, and the last one that finished, which a new conversation names so that its agent can read
/// it (`X-Previous-Session`). The transcript is not kept: the relay's log replays it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Saved {
    pub current: Option<Session>,
    pub previous: Option<Session>,
    /// The event id of the last message told to the host page, so that a replay after a reload
    /// does not tell it again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub announced: Option<String>,
}

/// A stream event's data, decoded by the shell (`crate::stream`) according to its `event:` name.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamEvent {
    Trigger(Box<Trigger>),
    CustomerMessage(CustomerMessage),
    /// The log will be replayed from its start.
    Reset,
    /// Data that is not what its name says: skipped, but its id counts as seen.
    Unreadable,
}

/// The state of the event stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Connection {
    /// No stream (before the start, and after the end).
    Idle,
    Connecting,
    Live,
    /// The stream closed; a new one opens after a backoff.
    Reconnecting {
        attempt: u32,
    },
}

/// A call that did not work, in words for the visitor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub message: String,
    /// A network or server failure (try again later) rather than a refusal (422).
    pub retryable: bool,
}

/// Everything that can happen to the conversation.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// The host page (its `setCustomer`) prefills the pre-chat form.
    Prefill(Customer),
    /// The host page (its `setExtra` or `data-extra`) gives the `extra` of the next start; the
    /// shell has checked that it fits in [`MAX_EXTRA_BYTES`] (`crate::host`).
    SetExtra(Map<String, Value>),
    /// The visitor submitted the pre-chat form; `department` when they chose one from a list.
    Start { customer: Customer, department: Option<i64> },
    /// The relay answered start interaction.
    Started(Result<Session, Failure>),
    /// The visitor sends `text`; `key` is a fresh random idempotency key from the shell.
    Send { text: String, key: String },
    /// The relay answered the send with idempotency key `key`.
    Sent { key: String, result: Result<(), Failure> },
    /// The visitor asks to send a failed message again.
    Retry { key: String },
    /// The timer of an automatic resend fired.
    Resend { key: String },
    /// The event stream is connected.
    StreamOpened,
    /// An event from the stream: its `id:` and its `data:` as the shell decoded it.
    StreamEvent { id: String, event: StreamEvent },
    /// The browser gave up on the event stream.
    StreamClosed,
    /// The stream broke and the browser is reconnecting it by itself (with `Last-Event-ID`).
    StreamRetrying,
    /// The reconnect timer fired.
    Reconnect,
    /// The page (re)loaded with this saved state.
    Restore(Saved),
    /// The visitor confirmed ending the conversation.
    Finish,
    /// The relay answered the finish.
    Finished(Result<(), Failure>),
    /// The visitor rates the finished conversation.
    Rate { mood: Mood, note: String },
    /// The relay answered the rating.
    Rated(Result<(), Failure>),
    /// The visitor wants a new conversation after the end.
    NewConversation,
    /// The visitor changed the text being written; `empty` when nothing is left in the input.
    Writing { empty: bool },
    /// The typing timer fired.
    TypingTick,
    /// The browser is back online, or the page visible again: a waiting reconnect happens now.
    Wake,
    /// The window is now seen (open on the host page, and the page visible) or not.
    Seen(bool),
}

/// What the shell must do after a step.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Start interaction; `previous` is the credential of the visitor's earlier conversation.
    StartInteraction {
        request: StartInteraction,
        previous: Option<Session>,
    },
    /// `PUT …/{hash}/finish`.
    FinishInteraction {
        session: Session,
    },
    /// `PUT …/{hash}` with the rating.
    UpdateInteraction {
        session: Session,
        body: UpdateInteraction,
    },
    /// Write the browser's saved state.
    Save(Saved),
    /// `PUT …/{hash}/typing` (`typing`) or `…/cleared`.
    NotifyTyping {
        session: Session,
        typing: bool,
    },
    /// Feed [`Input::TypingTick`] back after `after_ms`.
    ScheduleTypingTick {
        after_ms: u32,
    },
    /// Feed [`Input::Resend`] for `key` back after about `after_ms` (the shell adds jitter).
    ScheduleResend {
        key: String,
        after_ms: u32,
    },
    /// Tell the host page how many agent messages the visitor has not seen.
    ReportUnread(u32),
    /// Tell the host page a message was added to the conversation (seen for the first time).
    Announce(Announcement),
    /// `POST …/{hash}/messages` with `Idempotency-Key: key`.
    SendMessage {
        session: Session,
        key: String,
        body: SendMessage,
    },
    /// Open (or replace) the event stream, resuming after `last_event_id`.
    OpenStream {
        session: Session,
        last_event_id: Option<String>,
    },
    CloseStream,
    /// Feed [`Input::Reconnect`] back after about `after_ms` (the shell adds jitter).
    ScheduleReconnect {
        after_ms: u32,
    },
}

/// A new message, for the host page's `message` listeners.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Announcement {
    /// `"agent"` or `"visitor"`.
    pub from: &'static str,
    pub text: String,
    /// The agent's name, for an agent message.
    pub agent: Option<String>,
}

/// The largest `extra` the host page may give, as JSON.
pub const MAX_EXTRA_BYTES: usize = 4096;
/// Prefilled answers longer than this are cut.
const MAX_PREFILL_CHARS: usize = 200;

/// The longest reconnect backoff.
const MAX_BACKOFF_MS: u32 = 30_000;
/// Automatic resends of a message that failed on the network or the server, before the visitor
/// is asked; their waits double from [`FIRST_RESEND_MS`].
const AUTO_RESENDS: u32 = 4;
const FIRST_RESEND_MS: u32 = 1_000;

/// After this long without a keystroke the visitor counts as no longer typing.
pub const TYPING_IDLE_MS: u64 = 4_000;

/// The whole conversation of one visitor.
#[derive(Debug, Clone, PartialEq)]
pub struct Conversation {
    pub department_id: i64,
    /// The visitor's language: the lines and errors the core writes are in it.
    pub lang: Lang,
    /// The pre-chat form's fields (from the embed settings).
    pub fields: Vec<FieldRule>,
    /// Departments the visitor may choose from (id, name); empty: `department_id` only.
    pub departments: Vec<(i64, String)>,
    pub phase: Phase,
    pub transcript: Vec<Entry>,
    pub session: Option<Session>,
    /// The name of the last agent who wrote.
    pub agent_name: Option<String>,
    pub agent_typing: bool,
    pub connection: Connection,
    /// The id of the last stream event applied.
    pub last_event_id: Option<String>,
    /// Stream failures since the stream was last live: the reconnect backoff grows with it.
    stream_failures: u32,
    /// The visitor's last finished conversation, for the next one's agent.
    pub previous: Option<Session>,
    pub rating: Rating,
    /// An error to show that belongs to no message (a failed finish).
    pub notice: Option<String>,
    /// Whether zChat was told the visitor is typing, and until when that holds without a keystroke.
    visitor_typing: Option<u64>,
    /// Automatic resends done so far, per message key.
    resends: Vec<(String, u32)>,
    /// Whether the visitor can see the window now.
    pub seen: bool,
    /// Agent messages that arrived while the window was not seen.
    pub unread: u32,
    /// Answers the host page gave for the pre-chat form.
    pub prefill: Customer,
    /// What the host page gave as `extra` for the next start.
    pub extra: Option<Map<String, Value>>,
    /// The event id of the last message told to the host page.
    announced: Option<String>,
}

impl Conversation {
    pub fn new(department_id: i64) -> Self {
        Conversation {
            department_id,
            lang: Lang::default(),
            fields: prechat::default_fields(),
            departments: Vec::new(),
            phase: Phase::PreChat { error: None },
            transcript: Vec::new(),
            session: None,
            agent_name: None,
            agent_typing: false,
            connection: Connection::Idle,
            last_event_id: None,
            stream_failures: 0,
            previous: None,
            rating: Rating::NotYet,
            notice: None,
            visitor_typing: None,
            resends: Vec::new(),
            seen: true,
            unread: 0,
            prefill: Customer::default(),
            extra: None,
            announced: None,
        }
    }

    /// One `typing` when writing starts; the idle timer is set once and re-armed on its tick.
    fn writing(&mut self, empty: bool, now: u64) -> Vec<Effect> {
        if empty {
            return self.stop_typing();
        }
        let Some(session) = self.session.clone().filter(|_| self.can_send()) else {
            return Vec::new();
        };
        let started = self.visitor_typing.is_none();
        self.visitor_typing = Some(now + TYPING_IDLE_MS);
        if started {
            vec![Effect::NotifyTyping { session, typing: true }, Effect::ScheduleTypingTick { after_ms: TYPING_IDLE_MS as u32 }]
        } else {
            Vec::new()
        }
    }

    fn typing_tick(&mut self, now: u64) -> Vec<Effect> {
        match self.visitor_typing {
            Some(until) if now >= until => self.stop_typing(),
            Some(until) => vec![Effect::ScheduleTypingTick { after_ms: (until - now) as u32 }],
            None => Vec::new(),
        }
    }

    /// One `cleared`, if zChat was told the visitor is typing.
    fn stop_typing(&mut self) -> Vec<Effect> {
        match (self.visitor_typing.take(), &self.session) {
            (Some(_), Some(session)) => vec![Effect::NotifyTyping { session: session.clone(), typing: false }],
            _ => Vec::new(),
        }
    }

    /// The same conversation with another pre-chat form.
    pub fn with_fields(self, fields: Vec<FieldRule>) -> Self {
        Conversation { fields, ..self }
    }

    /// The same conversation in another language.
    pub fn with_lang(self, lang: Lang) -> Self {
        Conversation { lang, ..self }
    }

    /// The same conversation with departments to choose from.
    pub fn with_departments(self, departments: Vec<(i64, String)>) -> Self {
        Conversation { departments, ..self }
    }

    fn saved(&self) -> Saved {
        let current = self.session.clone().filter(|_| self.phase != Phase::Finished);
        let previous = match (&self.phase, &self.session) {
            (Phase::Finished, Some(session)) => Some(session.clone()),
            _ => self.previous.clone(),
        };
        Saved { current, previous, announced: self.announced.clone() }
    }

    /// Whether the visitor can write now.
    pub fn can_send(&self) -> bool {
        self.session.is_some() && !matches!(self.phase, Phase::PreChat { .. } | Phase::Starting | Phase::Finished)
    }

    /// Applies `input` at time `now` (ms since the Unix epoch) and returns what to do.
    pub fn step(&mut self, input: Input, now: u64) -> Vec<Effect> {
        match input {
            Input::Start { customer, department } => self.start(customer, department),
            Input::Prefill(customer) => {
                let cut =
                    |value: Option<String>| value.map(|v| v.trim().chars().take(MAX_PREFILL_CHARS).collect::<String>()).filter(|v| !v.is_empty());
                self.prefill = Customer { name: cut(customer.name), email: cut(customer.email), phone: cut(customer.phone), cpf: cut(customer.cpf) };
                Vec::new()
            }
            Input::SetExtra(extra) => {
                self.extra = Some(extra).filter(|extra| !extra.is_empty());
                Vec::new()
            }
            Input::Started(Ok(session)) => {
                self.phase = Phase::Waiting;
                self.session = Some(session.clone());
                self.connection = Connection::Connecting;
                vec![Effect::Save(self.saved()), Effect::OpenStream { session, last_event_id: None }]
            }
            Input::Started(Err(failure)) => {
                self.phase = Phase::PreChat { error: Some(failure.message) };
                Vec::new()
            }
            Input::Send { text, key } => self.send(text, key, now),
            Input::Sent { key, result } => self.sent(key, result),
            Input::Retry { key } => {
                self.resends.retain(|(k, _)| *k != key);
                self.retry(key)
            }
            Input::Resend { key } => {
                // Only if still waiting for it (the visitor may have retried, or the echo came).
                let content = self.local_entry(&key).filter(|e| e.delivery == Delivery::Sending).map(|e| e.content.clone());
                match (self.session.clone().filter(|_| self.can_send()), content) {
                    (Some(session), Some(content)) => vec![Effect::SendMessage { session, key, body: text_message(content) }],
                    _ => Vec::new(),
                }
            }
            Input::StreamOpened => {
                if self.session.is_some() && self.phase != Phase::Finished {
                    self.connection = Connection::Live;
                    self.stream_failures = 0;
                }
                Vec::new()
            }
            Input::StreamEvent { id, event } => self.apply_event(id, event, now),
            Input::StreamClosed => match (&self.session, &self.phase) {
                (Some(_), phase) if *phase != Phase::Finished => {
                    let attempt = self.stream_failures;
                    self.stream_failures = self.stream_failures.saturating_add(1);
                    self.connection = Connection::Reconnecting { attempt };
                    let after_ms = 1000u32.saturating_mul(1 << attempt.min(5)).min(MAX_BACKOFF_MS);
                    vec![Effect::ScheduleReconnect { after_ms }]
                }
                _ => {
                    self.connection = Connection::Idle;
                    Vec::new()
                }
            },
            Input::Restore(saved) => self.restore(saved),
            Input::Finish => match (&self.session, &self.phase) {
                (Some(session), phase) if *phase != Phase::Finished => {
                    self.notice = None;
                    vec![Effect::FinishInteraction { session: session.clone() }]
                }
                _ => Vec::new(),
            },
            Input::Finished(Ok(())) => self.finish(self.lang.texts().line_visitor_ended, now),
            Input::Finished(Err(failure)) => {
                self.notice = Some(failure.message);
                Vec::new()
            }
            Input::Rate { mood, note } => match (&self.session, &self.phase, &self.rating) {
                (Some(session), Phase::Finished, Rating::NotYet | Rating::Failed { .. }) => {
                    self.rating = Rating::Sending { mood };
                    let note = Some(note.trim().to_string()).filter(|note| !note.is_empty());
                    let body = UpdateInteraction { token: String::new(), mood: Some(mood), tag_ids: None, customer_key: None, note };
                    vec![Effect::UpdateInteraction { session: session.clone(), body }]
                }
                _ => Vec::new(),
            },
            Input::Rated(result) => {
                if let Rating::Sending { mood } = self.rating {
                    self.rating = match result {
                        Ok(()) => Rating::Sent { mood },
                        Err(failure) => Rating::Failed { reason: failure.message },
                    };
                }
                Vec::new()
            }
            Input::Writing { empty } => self.writing(empty, now),
            Input::TypingTick => self.typing_tick(now),
            Input::Seen(seen) => {
                self.seen = seen;
                if seen && self.unread > 0 {
                    self.unread = 0;
                    return vec![Effect::ReportUnread(0)];
                }
                Vec::new()
            }
            Input::Wake => match &self.session {
                Some(session) if matches!(self.connection, Connection::Reconnecting { .. }) => {
                    self.connection = Connection::Connecting;
                    vec![Effect::OpenStream { session: session.clone(), last_event_id: self.last_event_id.clone() }]
                }
                _ => Vec::new(),
            },
            Input::NewConversation => {
                if self.phase != Phase::Finished {
                    return Vec::new();
                }
                let previous = self.session.take().or(self.previous.take());
                let fields = std::mem::take(&mut self.fields);
                let departments = std::mem::take(&mut self.departments);
                let lang = self.lang;
                *self = Conversation { previous, fields, departments, lang, ..Conversation::new(self.department_id) };
                vec![Effect::CloseStream, Effect::Save(self.saved())]
            }
            Input::StreamRetrying => {
                if self.connection == Connection::Live {
                    self.connection = Connection::Reconnecting { attempt: 0 };
                }
                Vec::new()
            }
            Input::Reconnect => match &self.session {
                Some(session) if matches!(self.connection, Connection::Reconnecting { .. }) => {
                    self.connection = Connection::Connecting;
                    vec![Effect::OpenStream { session: session.clone(), last_event_id: self.last_event_id.clone() }]
                }
                _ => Vec::new(),
            },
        }
    }

    fn start(&mut self, customer: Customer, department: Option<i64>) -> Vec<Effect> {
        if !matches!(self.phase, Phase::PreChat { .. }) {
            return Vec::new();
        }
        if let Some(department) = department {
            if !self.departments.iter().any(|(id, _)| *id == department) {
                self.phase = Phase::PreChat { error: Some(self.lang.texts().choose_department.into()) };
                return Vec::new();
            }
            self.department_id = department;
        }
        // The form checks as the visitor types; this is the same check, for anything that skips it.
        let answers = Answers {
            name: customer.name.unwrap_or_default(),
            email: customer.email.unwrap_or_default(),
            phone: customer.phone.unwrap_or_default(),
            cpf: customer.cpf.unwrap_or_default(),
        };
        let customer = match prechat::check(&answers, &self.fields, self.lang.texts()) {
            Ok(customer) => customer,
            Err(errors) => {
                self.phase = Phase::PreChat { error: errors.into_iter().next().map(|(_, message)| message) };
                return Vec::new();
            }
        };
        self.phase = Phase::Starting;
        let request = StartInteraction {
            token: String::new(),
            media_type: MediaType::Text,
            department_id: self.department_id,
            customer: Some(customer),
            extra: self.extra.clone(),
            external_history: None,
        };
        vec![Effect::StartInteraction { request, previous: self.previous.clone() }]
    }

    /// Picks up what the browser kept: the conversation under way is replayed from the relay's
    /// log (the source of the transcript); a finished one is remembered for the next.
    fn restore(&mut self, saved: Saved) -> Vec<Effect> {
        if !matches!(self.phase, Phase::PreChat { .. }) || self.session.is_some() {
            return Vec::new();
        }
        self.previous = saved.previous;
        self.announced = saved.announced;
        match saved.current {
            Some(session) => {
                self.session = Some(session.clone());
                self.phase = Phase::Waiting;
                self.connection = Connection::Connecting;
                vec![Effect::OpenStream { session, last_event_id: None }]
            }
            None => Vec::new(),
        }
    }

    /// The conversation ended (`line` says how): no more writing; rating comes next.
    fn finish(&mut self, line: &str, now: u64) -> Vec<Effect> {
        if self.phase == Phase::Finished {
            return Vec::new();
        }
        self.phase = Phase::Finished;
        self.agent_typing = false;
        self.visitor_typing = None;
        self.connection = Connection::Idle;
        self.transcript.push(Entry::system(EntryId::Event(format!("end-{now}")), line, now));
        vec![Effect::CloseStream, Effect::Save(self.saved())]
    }

    fn send(&mut self, text: String, key: String, now: u64) -> Vec<Effect> {
        let content = text.trim().to_string();
        let Some(session) = self.session.clone().filter(|_| self.can_send()) else {
            return Vec::new();
        };
        if content.is_empty() || self.local_entry(&key).is_some() {
            return Vec::new();
        }
        self.transcript.push(Entry {
            id: EntryId::Local(key.clone()),
            sender: Sender::Visitor,
            content: content.clone(),
            kind: MessageType::Text,
            url: None,
            at: now,
            delivery: Delivery::Sending,
        });
        let mut effects = self.stop_typing();
        effects.push(Effect::SendMessage { session, key, body: text_message(content) });
        effects
    }

    /// The relay answered a send: sent; or, on a network or server failure, a resend after a
    /// growing wait (the same key, so never twice), until the visitor is asked; a refusal at once.
    fn sent(&mut self, key: String, result: Result<(), Failure>) -> Vec<Effect> {
        let still_sending = self.local_entry(&key).is_some_and(|entry| entry.delivery == Delivery::Sending);
        if !still_sending {
            return Vec::new();
        }
        let failure = match result {
            Ok(()) => {
                self.resends.retain(|(k, _)| *k != key);
                if let Some(entry) = self.local_entry(&key) {
                    entry.delivery = Delivery::Sent;
                }
                return Vec::new();
            }
            Err(failure) => failure,
        };
        let done = self.resends.iter().find(|(k, _)| *k == key).map_or(0, |(_, n)| *n);
        if failure.retryable && done < AUTO_RESENDS {
            self.resends.retain(|(k, _)| *k != key);
            self.resends.push((key.clone(), done + 1));
            return vec![Effect::ScheduleResend { key, after_ms: FIRST_RESEND_MS << done }];
        }
        self.resends.retain(|(k, _)| *k != key);
        if let Some(entry) = self.local_entry(&key) {
            entry.delivery = Delivery::Failed { reason: failure.message };
        }
        Vec::new()
    }

    fn retry(&mut self, key: String) -> Vec<Effect> {
        let Some(session) = self.session.clone().filter(|_| self.can_send()) else {
            return Vec::new();
        };
        let Some(entry) = self.local_entry(&key).filter(|e| matches!(e.delivery, Delivery::Failed { .. })) else {
            return Vec::new();
        };
        entry.delivery = Delivery::Sending;
        let body = text_message(entry.content.clone());
        // The same key: if the first attempt did reach zChat, the relay answers it again
        // instead of sending the message twice.
        vec![Effect::SendMessage { session, key, body }]
    }

    fn apply_event(&mut self, id: String, event: StreamEvent, now: u64) -> Vec<Effect> {
        if self.session.is_none() {
            return Vec::new();
        }
        if event != StreamEvent::Reset && self.already_applied(&id) {
            return Vec::new();
        }
        self.last_event_id = Some(id.clone());
        match event {
            StreamEvent::Reset => {
                self.reset();
                Vec::new()
            }
            StreamEvent::CustomerMessage(message) => {
                let announced = self.announce(&id, "visitor", &message.content, None);
                self.customer_message(message, id);
                announced
            }
            StreamEvent::Trigger(trigger) if Some(&trigger.interaction_hash) == self.session.as_ref().map(|s| &s.hash) => {
                self.trigger(trigger.event, id, now)
            }
            StreamEvent::Trigger(_) | StreamEvent::Unreadable => Vec::new(),
        }
    }

    /// Whether an event with this id was applied already (a replay after a reconnect, say).
    fn already_applied(&self, id: &str) -> bool {
        let (Some(last), Ok(id)) = (self.last_event_id.as_deref(), id.parse::<EventId>()) else {
            return false;
        };
        last.parse::<EventId>().is_ok_and(|last| last.epoch == id.epoch && id.seq <= last.seq)
    }

    /// The log will be replayed from its start: forget what came from it, keep what this tab is
    /// still sending (it is not in the log yet).
    fn reset(&mut self) {
        self.transcript.retain(|entry| matches!(entry.id, EntryId::Local(_)) && entry.delivery != Delivery::Sent);
        self.agent_name = None;
        self.agent_typing = false;
        // Even a finished conversation: the replay brings its `finished` back, in its place.
        self.phase = Phase::Waiting;
    }

    fn customer_message(&mut self, message: CustomerMessage, id: String) {
        if let Some(key) = &message.client_key {
            if let Some(entry) = self.local_entry(key) {
                entry.delivery = Delivery::Sent;
                entry.at = message.sent_at;
                return;
            }
        }
        // Sent from another tab, or before a reload.
        self.transcript.push(Entry {
            id: message.client_key.map_or(EntryId::Event(id), EntryId::Local),
            sender: Sender::Visitor,
            content: message.content,
            kind: message.kind,
            url: message.url,
            at: message.sent_at,
            delivery: Delivery::Sent,
        });
    }

    fn trigger(&mut self, event: TriggerEvent, id: String, now: u64) -> Vec<Effect> {
        if self.phase == Phase::Finished {
            return Vec::new();
        }
        let waiting = matches!(self.phase, Phase::Waiting | Phase::Queued { .. } | Phase::Unavailable);
        match event {
            // A late `queued` (out of order, after the agent joined) changes nothing.
            TriggerEvent::Queued { position } if waiting => self.phase = Phase::Queued { position },
            TriggerEvent::Queued { .. } => {}
            TriggerEvent::Unavailable if waiting => self.phase = Phase::Unavailable,
            TriggerEvent::Unavailable => {}
            TriggerEvent::Accepted => {
                if self.phase != Phase::Chatting {
                    self.phase = Phase::Chatting;
                    self.transcript.push(Entry::system(EntryId::Event(id), self.lang.texts().line_agent_joined, now));
                }
            }
            TriggerEvent::Typing => self.agent_typing = true,
            TriggerEvent::Cleared => self.agent_typing = false,
            // What the reference does not list changes nothing the visitor sees (it counts as
            // seen: a reload does not apply it again).
            TriggerEvent::Other { .. } | TriggerEvent::Unreadable => {}
            TriggerEvent::AgentMessage { mut message, agent } => {
                // Without zChat's hash, the event id tells a replay from a new message.
                let entry_id = if message.hash.is_empty() { EntryId::Event(id.clone()) } else { EntryId::AgentMessage(message.hash.clone()) };
                if self.transcript.iter().any(|entry| entry.id == entry_id) {
                    return Vec::new();
                }
                self.agent_typing = false;
                if !agent.name.trim().is_empty() {
                    self.agent_name = Some(agent.name.clone());
                }
                // Nothing to show (no text, no address the widget may open): a neutral line, so
                // the visitor knows the agent sent something.
                if message.content.trim().is_empty() && message.url.as_deref().and_then(safe_url).is_none() {
                    message.content = self.lang.texts().line_unshowable.to_string();
                    message.kind = MessageType::Text;
                    message.url = None;
                }
                if waiting {
                    self.phase = Phase::Chatting;
                }
                let mut effects = self.announce(&id, "agent", &message.content, Some(agent.name.clone()).filter(|name| !name.trim().is_empty()));
                self.transcript.push(Entry {
                    id: entry_id,
                    sender: Sender::Agent { name: agent.name },
                    content: message.content,
                    kind: message.kind,
                    url: message.url,
                    at: now,
                    delivery: Delivery::Sent,
                });
                // Only a message seen for the first time counts, not a replay after a reload.
                if !self.seen && !effects.is_empty() {
                    self.unread += 1;
                    effects.push(Effect::ReportUnread(self.unread));
                }
                return effects;
            }
            TriggerEvent::Finished => {
                return self.finish(self.lang.texts().line_agent_ended, now);
            }
        }
        Vec::new()
    }

    /// Tells the host page about a message with event id `id`, unless it was told already (the
    /// log replays after a reload or a reset); then the browser keeps how far it got.
    fn announce(&mut self, id: &str, from: &'static str, text: &str, agent: Option<String>) -> Vec<Effect> {
        let Ok(event) = id.parse::<EventId>() else { return Vec::new() };
        let last = self.announced.as_deref().and_then(|last| last.parse::<EventId>().ok());
        if last.is_some_and(|last| last.epoch == event.epoch && event.seq <= last.seq) {
            return Vec::new();
        }
        self.announced = Some(id.to_string());
        vec![Effect::Announce(Announcement { from, text: text.to_string(), agent }), Effect::Save(self.saved())]
    }

    /// What the host page's `state` listeners see: the phase's name, the queue position, and
    /// whether a conversation is under way (the loader then creates the frame at once next time).
    pub fn host_state(&self) -> (&'static str, Option<u32>, bool) {
        let (name, position) = match self.phase {
            Phase::PreChat { .. } => ("prechat", None),
            Phase::Starting => ("starting", None),
            Phase::Waiting => ("waiting", None),
            Phase::Queued { position } => ("queued", position),
            Phase::Unavailable => ("unavailable", None),
            Phase::Chatting => ("chatting", None),
            Phase::Finished => ("finished", None),
        };
        (name, position, self.session.is_some() && self.phase != Phase::Finished)
    }

    fn local_entry(&mut self, key: &str) -> Option<&mut Entry> {
        self.transcript.iter_mut().find(|entry| matches!(&entry.id, EntryId::Local(k) if k == key))
    }
}

fn text_message(content: String) -> SendMessage {
    SendMessage { token: String::new(), content, kind: MessageType::Text, url: None }
}
