//! The widget's whole state, in three parts that say what belongs to what: the [`Site`]'s
//! settings, the [`Visitor`]'s own, and the [`Conversation`] under way; and its one transition
//! function, [`Widget::step`], which only dispatches to the module of each concern.
//!
//! The parts are shared with the views behind `Rc`: a step copies only the part it changes (and a
//! conversation's transcript is shared the same way). The visitor's typing notice to zChat, which
//! every keystroke moves and no view draws, lives beside them, so a keystroke copies nothing.

use std::rc::Rc;

use serde_json::{Map, Value};

use super::conversation::{Conversation, Phase, Status};
use super::io::{Effect, Input};
use super::site::{Handoff, Site};
use super::typing::Typing;
use super::visitor::Visitor;

/// The conversation as the host page's `state` event tells it.
#[derive(Debug, Clone, PartialEq)]
pub struct HostState {
    pub name: &'static str,
    pub position: Option<u32>,
    pub active: bool,
    pub extra: Option<Rc<Map<String, Value>>>,
}

#[derive(Debug, Clone)]
pub struct Widget {
    pub site: Rc<Site>,
    pub visitor: Visitor,
    pub conversation: Rc<Conversation>,
    /// Whether zChat was told the visitor is typing (forgotten when the conversation ends).
    pub(super) typing: Typing,
}

/// The views compare what they were given by the parts' addresses (a changed part is a new one),
/// not by walking the transcript.
impl PartialEq for Widget {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.site, &other.site) && Rc::ptr_eq(&self.conversation, &other.conversation) && self.visitor == other.visitor
    }
}

impl Widget {
    pub fn new(site: Site) -> Self {
        Widget { site: Rc::new(site), visitor: Visitor::default(), conversation: Rc::default(), typing: Typing::default() }
    }

    /// The conversation, to change it (copied first if a view holds it).
    pub(super) fn chat(&mut self) -> &mut Conversation {
        Rc::make_mut(&mut self.conversation)
    }

    /// The site's settings, to change them (copied first if a view holds them).
    pub(super) fn site_mut(&mut self) -> &mut Site {
        Rc::make_mut(&mut self.site)
    }

    /// Applies `input` at time `now` (ms since the Unix epoch) and returns what to do.
    pub fn step(&mut self, input: Input, now: u64) -> Vec<Effect> {
        match input {
            Input::Prefill(customer) => {
                self.site_mut().prefill(customer);
                Vec::new()
            }
            Input::SetExtra(extra) => {
                self.site_mut().extra = Some(extra).filter(|extra| !extra.is_empty());
                Vec::new()
            }
            Input::Site { identity, tags, page, history } => self.site_changed(identity, tags, page, history),
            Input::Forget => self.forget(),
            Input::Start { customer, department } => self.start(customer, department),
            Input::Started(result) => self.started(result),
            Input::Restore(saved) => self.restore(saved),
            Input::Send { text, key } => self.send(text, key, now),
            Input::Sent { key, result } => self.sent(key, result),
            Input::Retry { key } => self.retry(key),
            Input::Attach(files) => {
                let limit = self.site.upload_limit;
                self.chat().attach(files, limit)
            }
            Input::Detach { file } => self.chat().detach(file),
            Input::SendFiles { caption, keys } => self.send_files(caption, keys, now),
            Input::UploadProgress { key, sent } => self.chat().upload_progress(&key, sent),
            Input::Uploaded { key, result } => self.uploaded(key, result),
            Input::CancelUpload { key } => self.cancel_upload(key),
            Input::Resend { key } => self.resend(key),
            Input::LeaveContact { text, key } => self.leave_contact(&text, key, now),
            // Kept with a conversation under way, so that the site's next page shows it as it was.
            Input::WindowOpen(open) if open != self.visitor.open => {
                self.visitor.open = open;
                self.conversation.live_session().is_some().then(|| Effect::Save(self.saved())).into_iter().collect()
            }
            Input::WindowOpen(_) => Vec::new(),
            Input::TeamBack(at) => self.team_back(at),
            Input::StreamOpened => {
                if self.conversation.live_session().is_some() {
                    self.chat().link.opened();
                }
                Vec::new()
            }
            Input::StreamEvent { id, event } => self.apply_event(&id, event, now),
            Input::StreamClosed if self.conversation.live_session().is_some() => vec![self.chat().link.closed()],
            Input::StreamClosed => {
                self.chat().link.stop();
                Vec::new()
            }
            Input::StreamRetrying => {
                self.chat().link.retrying();
                Vec::new()
            }
            Input::Reconnect | Input::Wake => {
                let Some(session) = self.conversation.live_session().cloned() else { return Vec::new() };
                self.chat().link.reconnect(&session)
            }
            Input::Finish => self.finish(),
            Input::Finished(result) => self.finished(result, now),
            Input::Rate { mood, note } => self.rate(mood, note),
            Input::Rated(result) => self.rated(result),
            Input::NewConversation => self.new_conversation(),
            Input::Writing { empty } => self.typing.writing(empty, self.conversation.live_session(), now),
            Input::TypingTick => self.typing.tick(self.conversation.live_session(), now),
            Input::Seen { open, visible } => self.seen(open, visible),
            Input::TitleTick => self.title_tick(),
            Input::Mute(muted) => {
                self.visitor.muted = muted;
                vec![Effect::Save(self.saved())]
            }
            Input::Notifications(permission) => {
                self.visitor.permission = permission;
                Vec::new()
            }
            Input::Notify(on) => {
                let mut effects = self.turn_notifications(on);
                effects.push(Effect::Save(self.saved()));
                effects
            }
        }
    }

    /// What the host page's `state` listeners see: the phase's name, the queue position, whether a
    /// conversation is under way (the loader then creates the frame at once next time), and the
    /// `extra` zChat's triggers carry (sites feed their analytics from it).
    pub fn host_state(&self) -> HostState {
        let (name, position) = match &self.conversation.phase {
            Phase::PreChat { .. } => ("prechat", None),
            Phase::Starting => ("starting", None),
            Phase::Live { status: Status::Waiting, .. } => ("waiting", None),
            Phase::Live { status: Status::Queued { position }, .. } => ("queued", *position),
            Phase::Live { status: Status::Unavailable, .. } => ("unavailable", None),
            Phase::Live { status: Status::Chatting, .. } => ("chatting", None),
            Phase::Finished { .. } => ("finished", None),
        };
        HostState { name, position, active: self.conversation.live_session().is_some(), extra: self.conversation.extra.clone() }
    }

    /// The relay said when the team is back by the site's business hours (`None`: it is there).
    fn team_back(&mut self, at: Option<i64>) -> Vec<Effect> {
        if let Some(hours) = &mut self.site_mut().hours {
            hours.back_at = at;
        }
        at.map(Effect::ReportAway).into_iter().collect()
    }

    /// What the site says of the visitor and the page: it holds for every start, and a
    /// conversation under way takes a new verified customer or new tags at once (the relay checks
    /// them as at the start).
    fn site_changed(
        &mut self,
        identity: Option<zchat_types::Identity>,
        tags: Option<Vec<String>>,
        page: Option<serde_json::Map<String, serde_json::Value>>,
        history: Option<zchat_types::SignedHistory>,
    ) -> Vec<Effect> {
        let site = &self.site;
        let (new_identity, new_tags) = (identity.is_some() && site.identity != identity, tags.is_some() && site.tags != tags);
        let handoff_changes = match (&history, &site.handoff) {
            (None, Handoff::None | Handoff::Gone { .. }) => false,
            (Some(given), Handoff::Ready(kept)) => given != kept,
            (Some(given), Handoff::Gone { signature }) => given.signature != *signature,
            _ => true,
        };
        if site.identity != identity || site.tags != tags || site.page != page || handoff_changes {
            let site = self.site_mut();
            (site.identity, site.tags, site.page) = (identity, tags, page);
            site.hand_over(history);
        }
        match self.conversation.live_session() {
            Some(session) if new_identity || new_tags => vec![Effect::UpdateConversation {
                session: session.clone(),
                identity: self.site.identity.clone().filter(|_| new_identity),
                tag_ids: self.site.tags.clone().filter(|_| new_tags),
            }],
            _ => Vec::new(),
        }
    }
}
