//! One conversation: its phase, which carries the data that only exists in it (the session once
//! it started, the rating once it ended), what the visitor sees, and its way from the pre-chat
//! form to the end (start, finish, rate, start anew).

use std::rc::Rc;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use zchat_types::{Customer, Mood};

use super::attachments::{Picked, Refusal, Uploads};
use super::attention::Attention;
use super::connection::Link;
use super::io::{Effect, Failure};
use super::prechat::{self, Answers};
use super::site::Handoff;
use super::transcript::{Entry, EntryId, SystemLine};
use super::widget::Widget;

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
    PreChat { error: Option<String> },
    /// Waiting for the relay to answer start interaction.
    Starting,
    /// Started: the visitor and the agents write.
    Live { session: Session, status: Status },
    /// Ended; rating comes next.
    Finished { session: Session, rating: Rating },
}

/// Where a live conversation is in zChat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// zChat has not yet said where the interaction is.
    Waiting,
    /// In the department's queue, at `position` when zChat says (1 is next).
    Queued { position: Option<u32> },
    /// No agent is available now.
    Unavailable,
    /// An agent has joined.
    Chatting,
}

/// Where the visitor's rating of a finished conversation is: a mood in one tap, then a note if
/// they like (or a note alone).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rating {
    /// Not rated: the thumbs, and a note that may go alone.
    NotYet,
    /// On its way; `rated` when a mood was in before it, `noted` when it carries a note.
    Sending { rated: bool, noted: bool },
    /// The mood is in (thanks); a note may follow.
    Rated,
    /// The note is in too (or alone): thanks, nothing more to ask.
    Noted,
    /// It did not go; `rated` when a mood was in before it.
    Failed { reason: String, rated: bool },
}

/// The agent as the visitor sees them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Agent {
    /// The name of the last agent who wrote.
    pub name: Option<String>,
    pub typing: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Conversation {
    pub phase: Phase,
    /// Shared with the views, which render it without copying; changed through `Rc::make_mut`.
    pub transcript: Rc<Vec<Entry>>,
    pub agent: Agent,
    pub link: Link,
    /// An error to show that belongs to no message (a failed finish, a contact not understood).
    pub notice: Option<String>,
    /// Whether the team can answer the visitor by email or phone: given in the form, or left when
    /// no agent was available ([`super::Input::LeaveContact`]).
    pub contact: bool,
    /// Files picked and not sent yet, and the last ones refused.
    pub tray: Vec<Picked>,
    pub refusals: Vec<Refusal>,
    /// The visitor's files on their way, one at a time.
    pub(super) uploads: Uploads,
    /// What the visitor has seen of it, and what the host page was told.
    pub attention: Attention,
    /// The `extra` zChat's triggers carry (the create's, returned in every webhook), for the host
    /// page's `state` listeners.
    pub extra: Option<Rc<Map<String, Value>>>,
}

impl Default for Conversation {
    fn default() -> Self {
        Conversation {
            phase: Phase::PreChat { error: None },
            transcript: Rc::default(),
            agent: Agent::default(),
            link: Link::default(),
            notice: None,
            contact: false,
            tray: Vec::new(),
            refusals: Vec::new(),
            uploads: Uploads::default(),
            attention: Attention::default(),
            extra: None,
        }
    }
}

impl Conversation {
    /// The session of a conversation under way: the visitor can write.
    pub fn live_session(&self) -> Option<&Session> {
        match &self.phase {
            Phase::Live { session, .. } => Some(session),
            _ => None,
        }
    }

    /// The session of a conversation that started (under way or finished).
    pub fn session(&self) -> Option<&Session> {
        match &self.phase {
            Phase::Live { session, .. } | Phase::Finished { session, .. } => Some(session),
            _ => None,
        }
    }

    /// Whether the visitor can write now.
    pub fn can_send(&self) -> bool {
        matches!(self.phase, Phase::Live { .. })
    }

    /// The status of a conversation under way.
    pub fn status(&self) -> Option<Status> {
        match self.phase {
            Phase::Live { status, .. } => Some(status),
            _ => None,
        }
    }

    /// A live conversation's status moves (nothing else has one).
    pub(super) fn set_status(&mut self, to: Status) {
        if let Phase::Live { status, .. } = &mut self.phase {
            *status = to;
        }
    }
}

impl Widget {
    pub(super) fn start(&mut self, customer: Customer, department: Option<i64>) -> Vec<Effect> {
        if !matches!(self.conversation.phase, Phase::PreChat { .. }) {
            return Vec::new();
        }
        let texts = self.site.lang.texts();
        let department_id = match department {
            Some(department) if !self.site.offers(department) => {
                self.chat().phase = Phase::PreChat { error: Some(texts.choose_department.into()) };
                return Vec::new();
            }
            Some(department) => department,
            None => self.site.department_id,
        };
        // The form checks as the visitor types; this is the same check, for anything that skips it.
        let answers = Answers {
            name: customer.name.unwrap_or_default(),
            email: customer.email.unwrap_or_default(),
            phone: customer.phone.unwrap_or_default(),
            cpf: customer.cpf.unwrap_or_default(),
        };
        match prechat::check(&answers, &self.site.fields, texts) {
            Ok(customer) => {
                let chat = self.chat();
                chat.phase = Phase::Starting;
                chat.contact = customer.email.is_some() || customer.phone.is_some();
                let site = &self.site;
                let history = match &site.handoff {
                    Handoff::Ready(history) => Some(history.clone()),
                    _ => None,
                };
                vec![Effect::StartInteraction {
                    department_id,
                    customer,
                    extra: site.extra.clone(),
                    page: site.page.clone(),
                    identity: site.identity.clone(),
                    tag_ids: site.tags.clone(),
                    previous: self.visitor.previous.clone(),
                    history,
                }]
            }
            Err(errors) => {
                self.chat().phase = Phase::PreChat { error: errors.into_iter().next().map(|(_, message)| message) };
                Vec::new()
            }
        }
    }

    pub(super) fn started(&mut self, result: Result<crate::core::Session, Failure>) -> Vec<Effect> {
        if self.conversation.phase != Phase::Starting {
            return Vec::new();
        }
        match result {
            Ok(session) => {
                // The bot's transcript went with this conversation: not with the next.
                if let Handoff::Ready(history) = &self.site.handoff {
                    let signature = history.signature.clone();
                    self.site_mut().handoff = Handoff::Gone { signature };
                }
                let chat = self.chat();
                let open = chat.link.open(&session);
                chat.phase = Phase::Live { session, status: Status::Waiting };
                vec![Effect::Save(self.saved()), open]
            }
            Err(failure) => {
                self.chat().phase = Phase::PreChat { error: Some(failure.message) };
                Vec::new()
            }
        }
    }

    /// With no agent available, the visitor leaves an email or a phone for the team's answer: it
    /// goes as their message (zChat keeps it with the others for the agents).
    pub(super) fn leave_contact(&mut self, text: &str, key: String, now: u64) -> Vec<Effect> {
        let texts = self.site.lang.texts();
        let Some(contact) = prechat::contact(text) else {
            self.chat().notice = Some(texts.bad_contact.into());
            return Vec::new();
        };
        if !self.conversation.can_send() {
            return Vec::new();
        }
        let chat = self.chat();
        chat.notice = None;
        chat.contact = true;
        let mut effects = self.send(texts.contact_message.with(&contact), key, now);
        effects.push(Effect::Save(self.saved()));
        effects
    }

    /// The visitor ends the conversation: the relay is asked; it ends when it answers.
    pub(super) fn finish(&mut self) -> Vec<Effect> {
        let Some(session) = self.conversation.live_session().cloned() else { return Vec::new() };
        self.chat().notice = None;
        vec![Effect::FinishInteraction { session }]
    }

    /// The relay answered the visitor's finish.
    pub(super) fn finished(&mut self, result: Result<(), Failure>, now: u64) -> Vec<Effect> {
        match result {
            Ok(()) => self.end(SystemLine::VisitorEnded, now),
            Err(failure) => {
                self.chat().notice = Some(failure.message);
                Vec::new()
            }
        }
    }

    /// The conversation ended (`line` says how): no more writing; rating comes next.
    pub(super) fn end(&mut self, line: SystemLine, now: u64) -> Vec<Effect> {
        let Some(session) = self.conversation.live_session().cloned() else { return Vec::new() };
        self.typing.forget();
        let chat = self.chat();
        chat.phase = Phase::Finished { session, rating: Rating::NotYet };
        chat.agent.typing = false;
        chat.link.stop();
        Rc::make_mut(&mut chat.transcript).push(Entry::system(EntryId::Event(format!("end-{now}")), line, now));
        vec![Effect::CloseStream, Effect::Save(self.saved())]
    }

    /// The visitor rates: a mood (sent at once: one tap is enough), a note with it or alone, or
    /// a note after the mood.
    pub(super) fn rate(&mut self, mood: Option<Mood>, note: String) -> Vec<Effect> {
        let note = Some(note.trim().to_string()).filter(|note| !note.is_empty());
        let Phase::Finished { session, rating } = &self.conversation.phase else { return Vec::new() };
        let rated = match rating {
            Rating::NotYet | Rating::Failed { rated: false, .. } => false,
            Rating::Rated | Rating::Failed { rated: true, .. } => true,
            Rating::Sending { .. } | Rating::Noted => return Vec::new(),
        };
        // After the mood, only a note; before it, a mood or a note.
        let mood = mood.filter(|_| !rated);
        if mood.is_none() && note.is_none() {
            return Vec::new();
        }
        let effect = Effect::Rate { session: session.clone(), mood, note: note.clone() };
        if let Phase::Finished { rating, .. } = &mut self.chat().phase {
            *rating = Rating::Sending { rated, noted: note.is_some() };
        }
        vec![effect]
    }

    pub(super) fn rated(&mut self, result: Result<(), Failure>) -> Vec<Effect> {
        let Phase::Finished { rating: Rating::Sending { rated, noted }, .. } = self.conversation.phase else { return Vec::new() };
        if let Phase::Finished { rating, .. } = &mut self.chat().phase {
            *rating = match result {
                Ok(()) if noted => Rating::Noted,
                Ok(()) => Rating::Rated,
                Err(failure) => Rating::Failed { reason: failure.message, rated },
            };
        }
        // A rated conversation is not asked for again after a reload.
        vec![Effect::Save(self.saved())]
    }

    /// After the end: a fresh conversation, which names this one for its agent. The site and the
    /// visitor are as they were.
    pub(super) fn new_conversation(&mut self) -> Vec<Effect> {
        let Phase::Finished { session, .. } = &self.conversation.phase else { return Vec::new() };
        self.visitor.previous = Some(session.clone());
        let files = self.conversation.tray.iter().map(|picked| Effect::DropFile { file: picked.file });
        let mut effects: Vec<Effect> = files.collect();
        self.conversation = Rc::default();
        effects.extend([Effect::CloseStream, Effect::Save(self.saved())]);
        effects
    }
}
