//! What the browser keeps between page loads, and the page's start from it: the conversation under
//! way (replayed from the relay's log, the transcript's one source), the last one that finished
//! (which a new conversation names, `X-Previous-Session`, so that its agent can read it), and the
//! visitor's few choices. Forgetting the device takes all of it back.

use serde::{Deserialize, Serialize};
use zchat_types::EventId;

use super::conversation::{Conversation, Phase, Rating, Session, Status};
use super::io::Effect;
use super::widget::Widget;

/// What the browser keeps (the frame's local storage): never the transcript, which the relay's log
/// replays.
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
    /// `previous` ended and was not rated yet: the next page asks for its rating again, until the
    /// visitor rates or starts anew.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unrated: bool,
}

impl Widget {
    pub(super) fn saved(&self) -> Saved {
        let chat = &self.conversation;
        let current = chat.live_session().cloned();
        let previous = match &chat.phase {
            Phase::Finished { session, .. } => Some(session.clone()),
            _ => self.visitor.previous.clone(),
        };
        let under_way = current.is_some();
        let unrated = matches!(chat.phase, Phase::Finished { rating: Rating::NotYet | Rating::Failed { rated: false, .. }, .. });
        let Widget { visitor, .. } = self;
        Saved {
            current,
            previous,
            announced: chat.attention.announced.map(|id| id.to_string()),
            contact: chat.contact && under_way,
            open: visitor.open && under_way,
            muted: visitor.muted,
            notify: visitor.notify,
            unrated,
        }
    }

    /// Picks up what the browser kept: the conversation under way is replayed from the relay's
    /// log; a finished one is remembered for the next.
    pub(super) fn restore(&mut self, saved: Saved) -> Vec<Effect> {
        if !matches!(self.conversation.phase, Phase::PreChat { .. }) {
            return Vec::new();
        }
        // The page's first input: the relay is asked when the team is back, if the site has hours.
        let hours = self.site.hours.as_ref().map(|hours| Effect::AskHours { hours: hours.rule.clone(), timezone: hours.timezone.clone() });
        let mut effects: Vec<Effect> = hours.into_iter().collect();
        let visitor = &mut self.visitor;
        (visitor.previous, visitor.muted, visitor.notify) = (saved.previous, saved.muted, saved.notify);
        // A conversation that ended unrated asks for its rating again.
        let unrated = visitor.previous.clone().filter(|_| saved.unrated && saved.current.is_none());
        let chat = self.chat();
        chat.attention.announced = saved.announced.and_then(|id| id.parse::<EventId>().ok());
        if let Some(session) = unrated {
            chat.phase = Phase::Finished { session, rating: Rating::NotYet };
        }
        let Some(session) = saved.current else { return effects };
        chat.contact = saved.contact;
        effects.push(chat.link.open(&session));
        chat.phase = Phase::Live { session, status: Status::Waiting };
        if saved.open {
            self.visitor.open = true;
            effects.insert(effects.len() - 1, Effect::ShowWindow);
        }
        effects
    }

    /// Forgets this device's conversations and the visitor's identity: the next visitor on this
    /// browser starts clean (a conversation under way is left as it is in zChat). What the page
    /// says of itself (its `extra`, tags and address) stays.
    pub(super) fn forget(&mut self) -> Vec<Effect> {
        let mut effects: Vec<Effect> = self.conversation.tray.iter().map(|picked| Effect::DropFile { file: picked.file }).collect();
        self.site_mut().forget_visitor();
        self.visitor.forget();
        self.typing.forget();
        self.conversation = std::rc::Rc::new(Conversation::default());
        effects.extend([Effect::CloseStream, Effect::ForgetDevice]);
        effects
    }
}
