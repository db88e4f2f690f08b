//! The relay's stream applied to the conversation: triggers move the status and bring the
//! agent's messages, the visitor's own messages come back from any tab, and a reset forgets what
//! came from the log before it is replayed. An event applied once is never applied again.

use std::rc::Rc;

use zchat_types::{CustomerMessage, EventId, Trigger, TriggerEvent};

use super::conversation::{Agent, Conversation, Phase, Status};
use super::io::{Announcement, Effect, StreamEvent};
use super::transcript::{Delivery, Entry, EntryId, Sender, SystemLine};
use super::widget::Widget;

impl Widget {
    pub(super) fn apply_event(&mut self, id: &str, event: StreamEvent, now: u64) -> Vec<Effect> {
        let Some(hash) = self.conversation.session().map(|session| session.hash.clone()) else { return Vec::new() };
        // An id the relay never writes is applied, but not remembered as a place in the log.
        let parsed = id.parse::<EventId>().ok();
        // An event happened when the relay logged it (its id says when: a trigger carries no time),
        // not when this page hears of it: a replay after a reload keeps each message's time.
        let now = zchat_types::logged_at(id).unwrap_or(now);
        if event != StreamEvent::Reset && parsed.is_some_and(|id| !self.conversation.link.is_new(&id)) {
            return Vec::new();
        }
        if parsed.is_some() {
            self.chat().link.last_event = parsed;
        }
        match event {
            StreamEvent::Reset => {
                self.chat().reset();
                Vec::new()
            }
            StreamEvent::CustomerMessage(message) => {
                let said = Announcement { from: "visitor", text: message.content.clone(), agent: None, agent_id: None };
                let effects = self.announce(parsed, said);
                self.chat().customer_message(message, id);
                effects
            }
            StreamEvent::Trigger(trigger) if trigger.interaction_hash == hash => {
                let Trigger { event, extra, .. } = *trigger;
                if !extra.is_empty() && self.conversation.extra.as_deref() != Some(&extra) {
                    self.chat().extra = Some(Rc::new(extra));
                }
                self.trigger(event, id, parsed, now)
            }
            StreamEvent::Trigger(_) | StreamEvent::Unreadable => Vec::new(),
        }
    }

    fn trigger(&mut self, event: TriggerEvent, id: &str, parsed: Option<EventId>, now: u64) -> Vec<Effect> {
        let Some(status) = self.conversation.status() else { return Vec::new() };
        let waiting = status != Status::Chatting;
        match event {
            // A late `queued` (out of order, after the agent joined) changes nothing.
            TriggerEvent::Queued { position } if waiting => self.chat().set_status(Status::Queued { position }),
            TriggerEvent::Queued { .. } => {}
            TriggerEvent::Unavailable if waiting => self.chat().set_status(Status::Unavailable),
            TriggerEvent::Unavailable => {}
            TriggerEvent::Accepted if waiting => {
                let chat = self.chat();
                chat.set_status(Status::Chatting);
                Rc::make_mut(&mut chat.transcript).push(Entry::system(EntryId::Event(id.to_string()), SystemLine::AgentJoined, now));
                // An agent joined the visitor who looked away (not again in a replay).
                if parsed.is_some_and(|id| chat.attention.fresh(id)) {
                    let mut effects = self.alert(None, None);
                    effects.push(Effect::Save(self.saved()));
                    return effects;
                }
            }
            TriggerEvent::Accepted => {}
            TriggerEvent::Typing => self.chat().agent.typing = true,
            TriggerEvent::Cleared => self.chat().agent.typing = false,
            // What the reference does not list changes nothing the visitor sees (it counts as
            // seen: a reload does not apply it again).
            TriggerEvent::Other { .. } | TriggerEvent::Unreadable => {}
            TriggerEvent::AgentMessage { message, agent } => {
                // Without zChat's hash, the event id tells a replay from a new message.
                let entry_id = if message.hash.is_empty() { EntryId::Event(id.to_string()) } else { EntryId::AgentMessage(message.hash.clone()) };
                if self.conversation.transcript.iter().any(|entry| entry.id == entry_id) {
                    return Vec::new();
                }
                let name = Some(agent.name.clone()).filter(|name| !name.trim().is_empty());
                let chat = self.chat();
                chat.agent = Agent { name: name.clone().or(chat.agent.name.take()), typing: false };
                if waiting {
                    chat.set_status(Status::Chatting);
                }
                let entry = Entry {
                    id: entry_id,
                    sender: Sender::Agent { name: agent.name.clone() },
                    content: message.content,
                    kind: message.kind,
                    url: message.url,
                    at: now,
                    delivery: Delivery::Sent,
                };
                // Nothing to show: announced without text (the shell says so in words).
                let text = if entry.is_unshowable() { "" } else { entry.content.as_str() };
                let agent_id = Some(agent.id).filter(|id| *id != 0);
                let said = Announcement { from: "agent", text: text.to_string(), agent: name.clone(), agent_id };
                let mut effects = self.announce(parsed, said);
                // Only a message seen for the first time counts, not a replay after a reload.
                if !effects.is_empty() {
                    effects.extend(self.agent_message());
                    effects.extend(self.alert(name, Some(text)));
                }
                Rc::make_mut(&mut self.chat().transcript).push(entry);
                return effects;
            }
            TriggerEvent::Finished => return self.end(SystemLine::AgentEnded, now),
        }
        Vec::new()
    }

    /// Tells the host page about a message, unless it was told already (the log replays after a
    /// reload or a reset); then the browser keeps how far it got.
    fn announce(&mut self, id: Option<EventId>, said: Announcement) -> Vec<Effect> {
        match id.and_then(|id| self.chat().attention.announce(id, said)) {
            Some(announcement) => vec![Effect::Announce(announcement), Effect::Save(self.saved())],
            None => Vec::new(),
        }
    }
}

impl Conversation {
    /// The log will be replayed from its start: forget what came from it, keep what this tab is
    /// still sending (it is not in the log yet).
    fn reset(&mut self) {
        Rc::make_mut(&mut self.transcript).retain(|entry| matches!(entry.id, EntryId::Local(_)) && entry.delivery != Delivery::Sent);
        self.agent = Agent::default();
        // Even a finished conversation: the replay brings its `finished` back, in its place.
        if let Phase::Finished { session, .. } = &self.phase {
            self.phase = Phase::Live { session: session.clone(), status: Status::Waiting };
        }
        self.set_status(Status::Waiting);
    }

    fn customer_message(&mut self, message: CustomerMessage, id: &str) {
        if let Some(entry) = message.client_key.as_deref().and_then(|key| self.local_mut(key)) {
            entry.delivery = Delivery::Sent;
            entry.at = message.sent_at;
            return;
        }
        // Sent from another tab, or before a reload.
        Rc::make_mut(&mut self.transcript).push(Entry {
            id: message.client_key.map_or_else(|| EntryId::Event(id.to_string()), EntryId::Local),
            sender: Sender::Visitor,
            content: message.content,
            kind: message.kind,
            url: message.url,
            at: message.sent_at,
            delivery: Delivery::Sent,
        });
    }
}
