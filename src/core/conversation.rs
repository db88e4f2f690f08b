//! The conversation's state, its phases, and its one transition function,
//! [`Conversation::step`], which only dispatches: each concern has its module
//! (`outbox`, `events`, `connection`, `typing`, `attention`).

use std::rc::Rc;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use zchat_types::{Customer, EventId, Identity, Mood};

use super::attachments::{Picked, Refusal, DEFAULT_UPLOAD_LIMIT};
use super::attention::Attention;
use super::connection::Link;
use super::io::{Effect, Failure, Input};
use super::prechat::{self, Answers, FieldRule};
use super::transcript::{Entry, EntryId, SystemLine};
use super::typing::Typing;
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
    /// Whether the team has an email or phone of the visitor's for the conversation under way
    /// (kept as a yes or no: the contact itself is in the conversation, not in this browser).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub contact: bool,
    /// Whether the window was open when the visitor left the page (the conversation under way
    /// comes back as it was: open stays open, closed stays closed).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub open: bool,
    /// The visitor muted the chime.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub muted: bool,
    /// The visitor turned browser notifications on.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub notify: bool,
}

/// Prefilled answers longer than this are cut.
const MAX_PREFILL_CHARS: usize = 200;

/// The whole conversation of one visitor.
#[derive(Debug, Clone, PartialEq)]
pub struct Conversation {
    pub department_id: i64,
    /// The visitor's language: the form's errors are in it.
    pub lang: Lang,
    /// The pre-chat form's fields (from the embed settings).
    pub fields: Vec<FieldRule>,
    /// Departments the visitor may choose from (id, name); empty: `department_id` only.
    pub departments: Vec<(i64, String)>,
    pub phase: Phase,
    /// Shared with the views, which render it without copying; changed through `Rc::make_mut`.
    pub transcript: Rc<Vec<Entry>>,
    pub session: Option<Session>,
    /// The name of the last agent who wrote.
    pub agent_name: Option<String>,
    pub agent_typing: bool,
    pub link: Link,
    /// The visitor's last finished conversation, for the next one's agent.
    pub previous: Option<Session>,
    pub rating: Rating,
    /// An error to show that belongs to no message (a failed finish).
    pub notice: Option<String>,
    pub(super) typing: Typing,
    pub attention: Attention,
    /// Answers the host page gave for the pre-chat form.
    pub prefill: Customer,
    /// What the host page gave as `extra` for the next start.
    pub extra: Option<Map<String, Value>>,
    /// What the site said for the next start: a verified customer, tags, the visitor's page.
    pub identity: Option<Identity>,
    pub tags: Option<Vec<String>>,
    pub page: Option<Map<String, Value>>,
    /// Whether the team can answer the visitor by email or phone: given in the form, or left
    /// when no agent was available ([`Input::LeaveContact`]).
    pub contact: bool,
    /// Whether the host page shows the window.
    pub open: bool,
    /// The site's business hours and its time zone, as given (the relay reads them), and when the
    /// team is back by them (ms since the epoch; `None` while it is there or until the relay said).
    pub hours: Option<(String, String)>,
    pub back_at: Option<i64>,
    /// Files picked and not sent yet, and the last ones refused.
    pub tray: Vec<Picked>,
    pub refusals: Vec<Refusal>,
    /// The largest file the relay takes, in bytes.
    pub upload_limit: u64,
    /// The file on its way (its key, from its upload until its message is done), and the files
    /// of its batch waiting their turn: one at a time, so they reach zChat in the visitor's order.
    pub(super) uploading: Option<String>,
    pub(super) waiting_uploads: Vec<String>,
}

impl Conversation {
    pub fn new(department_id: i64) -> Self {
        Conversation {
            department_id,
            lang: Lang::default(),
            fields: prechat::default_fields(),
            departments: Vec::new(),
            phase: Phase::PreChat { error: None },
            transcript: Rc::default(),
            session: None,
            agent_name: None,
            agent_typing: false,
            link: Link::default(),
            previous: None,
            rating: Rating::NotYet,
            notice: None,
            typing: Typing::default(),
            attention: Attention::default(),
            prefill: Customer::default(),
            extra: None,
            identity: None,
            tags: None,
            page: None,
            contact: false,
            open: false,
            hours: None,
            back_at: None,
            tray: Vec::new(),
            refusals: Vec::new(),
            upload_limit: DEFAULT_UPLOAD_LIMIT,
            uploading: None,
            waiting_uploads: Vec::new(),
        }
    }

    /// The same conversation with the relay's upload limit.
    pub fn with_upload_limit(self, upload_limit: u64) -> Self {
        Conversation { upload_limit, ..self }
    }

    /// The same conversation with another pre-chat form.
    pub fn with_fields(self, fields: Vec<FieldRule>) -> Self {
        Conversation { fields, ..self }
    }

    /// The same conversation in another language.
    pub fn with_lang(self, lang: Lang) -> Self {
        Conversation { lang, ..self }
    }

    /// The same conversation with the site's business hours (`data-hours`, `data-timezone`).
    pub fn with_hours(self, hours: Option<(String, String)>) -> Self {
        Conversation { hours, ..self }
    }

    /// The same conversation with the site's alerts: the chime (`data-sound`) and the title's
    /// (`data-title-alert`).
    pub fn with_alerts(mut self, sound: bool, title_alert: bool) -> Self {
        (self.attention.sound, self.attention.title_alert) = (sound, title_alert);
        self
    }

    /// The same conversation with departments to choose from.
    pub fn with_departments(self, departments: Vec<(i64, String)>) -> Self {
        Conversation { departments, ..self }
    }

    /// Applies `input` at time `now` (ms since the Unix epoch) and returns what to do.
    pub fn step(&mut self, input: Input, now: u64) -> Vec<Effect> {
        match input {
            Input::Prefill(customer) => self.prefill(customer),
            Input::SetExtra(extra) => {
                self.extra = Some(extra).filter(|extra| !extra.is_empty());
                Vec::new()
            }
            Input::Site { identity, tags, page } => {
                self.identity = identity;
                self.tags = tags;
                self.page = page;
                Vec::new()
            }
            Input::Forget => self.forget(),
            Input::Start { customer, department } => self.start(customer, department),
            Input::Started(result) => self.started(result),
            Input::Restore(saved) => self.restore(saved),
            Input::Send { text, key } => self.send(text, key, now),
            Input::Sent { key, result } => self.sent(key, result),
            Input::Retry { key } => self.retry(key),
            Input::Attach(files) => self.attach(files),
            Input::Detach { file } => self.detach(file),
            Input::SendFiles { caption, keys } => self.send_files(caption, keys, now),
            Input::UploadProgress { key, sent } => self.upload_progress(key, sent),
            Input::Uploaded { key, result } => self.uploaded(key, result),
            Input::CancelUpload { key } => self.cancel_upload(key),
            Input::Resend { key } => self.resend(key),
            Input::LeaveContact { text, key } => self.leave_contact(&text, key, now),
            // Kept with a conversation under way, so that the site's next page shows it as it was.
            Input::WindowOpen(open) if open != self.open => {
                self.open = open;
                self.session.is_some().then(|| Effect::Save(self.saved())).into_iter().collect()
            }
            Input::WindowOpen(_) => Vec::new(),
            Input::TeamBack(at) => {
                self.back_at = at;
                at.map(Effect::ReportAway).into_iter().collect()
            }
            Input::StreamOpened => {
                if self.session.is_some() && self.phase != Phase::Finished {
                    self.link.opened();
                }
                Vec::new()
            }
            Input::StreamEvent { id, event } => self.apply_event(&id, event, now),
            Input::StreamClosed if self.session.is_some() && self.phase != Phase::Finished => vec![self.link.closed()],
            Input::StreamClosed => {
                self.link.stop();
                Vec::new()
            }
            Input::StreamRetrying => {
                self.link.retrying();
                Vec::new()
            }
            Input::Reconnect | Input::Wake => self.link.reconnect(self.session.as_ref()),
            Input::Finish => self.finish(),
            Input::Finished(Ok(())) => self.end(SystemLine::VisitorEnded, now),
            Input::Finished(Err(failure)) => {
                self.notice = Some(failure.message);
                Vec::new()
            }
            Input::Rate { mood, note } => self.rate(mood, note),
            Input::Rated(result) => self.rated(result),
            Input::NewConversation => self.new_conversation(),
            Input::Writing { empty } => {
                let session = self.writable_session();
                self.typing.writing(empty, session.as_ref(), now)
            }
            Input::TypingTick => self.typing.tick(self.session.as_ref(), now),
            Input::Seen { open, visible } => self.attention.seen(open, visible),
            Input::TitleTick => self.attention.title_tick(),
            Input::Mute(muted) => {
                self.attention.muted = muted;
                vec![Effect::Save(self.saved())]
            }
            Input::Notifications(permission) => {
                self.attention.permission = permission;
                Vec::new()
            }
            Input::Notify(on) => {
                let mut effects: Vec<Effect> = self.attention.turn_notifications(on).into_iter().collect();
                effects.push(Effect::Save(self.saved()));
                effects
            }
        }
    }

    /// Whether the visitor can write now.
    pub fn can_send(&self) -> bool {
        self.session.is_some() && !matches!(self.phase, Phase::PreChat { .. } | Phase::Starting | Phase::Finished)
    }

    /// The session, when the visitor can write now.
    pub(super) fn writable_session(&self) -> Option<Session> {
        self.session.clone().filter(|_| self.can_send())
    }

    pub(super) fn saved(&self) -> Saved {
        let current = self.session.clone().filter(|_| self.phase != Phase::Finished);
        let previous = match (&self.phase, &self.session) {
            (Phase::Finished, Some(session)) => Some(session.clone()),
            _ => self.previous.clone(),
        };
        let (contact, open) = (self.contact && current.is_some(), self.open && current.is_some());
        let Attention { muted, notify, .. } = self.attention;
        Saved { current, previous, announced: self.attention.announced.map(|id| id.to_string()), contact, open, muted, notify }
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

    fn prefill(&mut self, customer: Customer) -> Vec<Effect> {
        let cut = |value: Option<String>| value.map(|v| v.trim().chars().take(MAX_PREFILL_CHARS).collect::<String>()).filter(|v| !v.is_empty());
        self.prefill = Customer { name: cut(customer.name), email: cut(customer.email), phone: cut(customer.phone), cpf: cut(customer.cpf) };
        Vec::new()
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
        match prechat::check(&answers, &self.fields, self.lang.texts()) {
            Ok(customer) => {
                self.phase = Phase::Starting;
                self.contact = customer.email.is_some() || customer.phone.is_some();
                vec![Effect::StartInteraction {
                    department_id: self.department_id,
                    customer,
                    extra: self.extra.clone(),
                    page: self.page.clone(),
                    identity: self.identity.clone(),
                    tag_ids: self.tags.clone(),
                    previous: self.previous.clone(),
                }]
            }
            Err(errors) => {
                self.phase = Phase::PreChat { error: errors.into_iter().next().map(|(_, message)| message) };
                Vec::new()
            }
        }
    }

    fn started(&mut self, result: Result<Session, Failure>) -> Vec<Effect> {
        match result {
            Ok(session) => {
                self.phase = Phase::Waiting;
                let open = self.link.open(&session);
                self.session = Some(session);
                vec![Effect::Save(self.saved()), open]
            }
            Err(failure) => {
                self.phase = Phase::PreChat { error: Some(failure.message) };
                Vec::new()
            }
        }
    }

    /// Picks up what the browser kept: the conversation under way is replayed from the relay's
    /// log (the source of the transcript); a finished one is remembered for the next.
    fn restore(&mut self, saved: Saved) -> Vec<Effect> {
        if !matches!(self.phase, Phase::PreChat { .. }) || self.session.is_some() {
            return Vec::new();
        }
        // The page's first input: the relay is asked when the team is back, if the site has hours.
        let mut effects: Vec<Effect> = self.hours.clone().map(|(hours, timezone)| Effect::AskHours { hours, timezone }).into_iter().collect();
        self.previous = saved.previous;
        (self.attention.muted, self.attention.notify) = (saved.muted, saved.notify);
        self.attention.announced = saved.announced.and_then(|id| id.parse::<EventId>().ok());
        let Some(session) = saved.current else { return effects };
        self.contact = saved.contact;
        if saved.open {
            self.open = true;
            effects.push(Effect::ShowWindow);
        }
        self.phase = Phase::Waiting;
        effects.push(self.link.open(&session));
        self.session = Some(session);
        effects
    }

    /// With no agent available, the visitor leaves an email or a phone for the team's answer: it
    /// goes as their message (zChat keeps it with the others for the agents).
    fn leave_contact(&mut self, text: &str, key: String, now: u64) -> Vec<Effect> {
        let texts = self.lang.texts();
        let Some(contact) = prechat::contact(text) else {
            self.notice = Some(texts.bad_contact.into());
            return Vec::new();
        };
        if !self.can_send() {
            return Vec::new();
        }
        self.notice = None;
        self.contact = true;
        let mut effects = self.send(texts.contact_message.with(&contact), key, now);
        effects.push(Effect::Save(self.saved()));
        effects
    }

    /// The visitor ends the conversation: the relay is asked; it ends when it answers.
    fn finish(&mut self) -> Vec<Effect> {
        match &self.session {
            Some(session) if self.phase != Phase::Finished => {
                self.notice = None;
                vec![Effect::FinishInteraction { session: session.clone() }]
            }
            _ => Vec::new(),
        }
    }

    /// The conversation ended (`line` says how): no more writing; rating comes next.
    pub(super) fn end(&mut self, line: SystemLine, now: u64) -> Vec<Effect> {
        if self.phase == Phase::Finished {
            return Vec::new();
        }
        self.phase = Phase::Finished;
        self.agent_typing = false;
        self.typing.forget();
        self.link.stop();
        Rc::make_mut(&mut self.transcript).push(Entry::system(EntryId::Event(format!("end-{now}")), line, now));
        vec![Effect::CloseStream, Effect::Save(self.saved())]
    }

    fn rate(&mut self, mood: Mood, note: String) -> Vec<Effect> {
        match (&self.session, &self.phase, &self.rating) {
            (Some(session), Phase::Finished, Rating::NotYet | Rating::Failed { .. }) => {
                self.rating = Rating::Sending { mood };
                let note = Some(note.trim().to_string()).filter(|note| !note.is_empty());
                vec![Effect::Rate { session: session.clone(), mood, note }]
            }
            _ => Vec::new(),
        }
    }

    fn rated(&mut self, result: Result<(), Failure>) -> Vec<Effect> {
        if let Rating::Sending { mood } = self.rating {
            self.rating = match result {
                Ok(()) => Rating::Sent { mood },
                Err(failure) => Rating::Failed { reason: failure.message },
            };
        }
        Vec::new()
    }

    /// Forgets this device's conversations and the identity: the next visitor on this browser
    /// starts clean (a conversation under way is left as it is in zChat).
    fn forget(&mut self) -> Vec<Effect> {
        let fields = std::mem::take(&mut self.fields);
        let departments = std::mem::take(&mut self.departments);
        let (lang, page, upload_limit, hours, back_at) = (self.lang, self.page.take(), self.upload_limit, self.hours.take(), self.back_at);
        let mut effects: Vec<Effect> = self.tray.iter().map(|picked| Effect::DropFile { file: picked.file }).collect();
        // The visitor's choices go with the device's conversations; the site's and the browser's stay.
        let mut attention = self.attention.kept();
        (attention.muted, attention.notify) = (false, false);
        *self = Conversation { fields, departments, lang, page, upload_limit, hours, back_at, attention, ..Conversation::new(self.department_id) };
        effects.extend([Effect::CloseStream, Effect::ForgetDevice]);
        effects
    }

    /// After the end: a fresh conversation, which names this one for its agent.
    fn new_conversation(&mut self) -> Vec<Effect> {
        if self.phase != Phase::Finished {
            return Vec::new();
        }
        let previous = self.session.take().or(self.previous.take());
        let fields = std::mem::take(&mut self.fields);
        let departments = std::mem::take(&mut self.departments);
        let (lang, upload_limit, tray) = (self.lang, self.upload_limit, std::mem::take(&mut self.tray));
        let (hours, back_at, attention) = (self.hours.take(), self.back_at, self.attention.kept());
        *self = Conversation {
            previous,
            fields,
            departments,
            lang,
            upload_limit,
            tray,
            hours,
            back_at,
            attention,
            ..Conversation::new(self.department_id)
        };
        vec![Effect::CloseStream, Effect::Save(self.saved())]
    }
}
