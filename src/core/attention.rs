//! What the visitor has seen: whether the window is seen now, the agent messages that came
//! while it was not (the unread count), and how far the host page was told of new messages, so
//! that a replay (a reload, a reset) tells nothing twice. And the visitor who looks away: a new
//! agent message (or an agent joining) while the window is not seen chimes, in one tab of the
//! visitor's; while the page is hidden, the host page's title alternates with the unread count
//! until it is visible again; a visitor who turned browser notifications on gets one for each
//! agent message while the page is hidden.

use zchat_types::EventId;

use super::io::{Announcement, Effect};
use super::widget::Widget;

/// What the host page's browser says of notifications (the open chat's helpers on the host page
/// tell the frame: a frame from another site cannot ask for them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Permission {
    /// Unsupported, denied, or not said yet: the option is not shown.
    #[default]
    Unavailable,
    /// Not asked yet: the browser asks when the visitor turns them on.
    Ask,
    Granted,
}

impl Permission {
    /// The browser's own word for it (`Notification.permission`); anything else is unavailable.
    pub fn from_browser(word: &str) -> Permission {
        match word {
            "default" => Permission::Ask,
            "granted" => Permission::Granted,
            _ => Permission::Unavailable,
        }
    }
}

/// What the visitor has seen of one conversation, and how far the host page was told of it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attention {
    /// Agent messages that arrived while the window was not seen.
    pub unread: u32,
    /// The last message event told to the host page.
    pub announced: Option<EventId>,
    /// The host page's title is alternating; `shown` when it says the count now.
    alerting: bool,
    shown: bool,
}

/// How long each of the host page's two titles stays while it alternates.
pub const TITLE_TICK_MS: u32 = 1500;

impl Widget {
    /// The visitor turns notifications on or off: the browser is asked first if it has not been.
    pub(super) fn turn_notifications(&mut self, on: bool) -> Vec<Effect> {
        self.visitor.notify = on;
        (on && self.visitor.permission == Permission::Ask).then_some(Effect::AskNotifications).into_iter().collect()
    }

    /// The window is open on the host page or not, the page visible or not: a seen window (open
    /// on a visible page) reads every message; a visible page ends the title's alert.
    pub(super) fn seen(&mut self, open: bool, visible: bool) -> Vec<Effect> {
        (self.visitor.seen, self.visitor.visible) = (open && visible, visible);
        let seen = self.visitor.seen;
        let attention = &self.conversation.attention;
        if !(visible && attention.alerting || seen && attention.unread > 0) {
            return Vec::new();
        }
        let attention = &mut self.chat().attention;
        let mut effects = Vec::new();
        if visible && attention.alerting {
            attention.alerting = false;
            attention.shown = false;
            effects.push(Effect::AlertTitle(None));
        }
        if seen && attention.unread > 0 {
            attention.unread = 0;
            effects.push(Effect::ReportUnread(0));
        }
        effects
    }

    /// Something new from the agents (a message with its `text`, an agent joining), seen for the
    /// first time (not a replay): unless the window is seen, a chime and, for a message while the
    /// page is hidden, a notification (the shell gives them in one tab only, and claims them in
    /// a tab that sees the window, so that no other does); while the page is hidden, the title's
    /// alert.
    pub(super) fn alert(&mut self, agent: Option<String>, text: Option<&str>) -> Vec<Effect> {
        let (visitor, alerts) = (&self.visitor, self.site.alerts);
        let unseen = !visitor.seen;
        let play = unseen && alerts.sound && !visitor.muted;
        let notice = text.filter(|_| !visitor.visible && visitor.notifying()).map(str::to_string);
        let mut effects = vec![Effect::Chime { unseen, play, agent, notice }];
        if !visitor.visible && alerts.title && !self.conversation.attention.alerting {
            self.chat().attention.alerting = true;
            effects.extend(self.title_tick());
        }
        effects
    }

    /// The alternating title's next step: the count, then the page's own title, and again.
    pub(super) fn title_tick(&mut self) -> Vec<Effect> {
        if !self.conversation.attention.alerting {
            return Vec::new();
        }
        let attention = &mut self.chat().attention;
        attention.shown = !attention.shown;
        vec![Effect::AlertTitle(attention.shown.then_some(attention.unread.max(1))), Effect::ScheduleTitleTick { after_ms: TITLE_TICK_MS }]
    }

    /// A new agent message (announced for the first time) arrived: unread if the window is not seen.
    pub(super) fn agent_message(&mut self) -> Option<Effect> {
        if self.visitor.seen {
            return None;
        }
        let attention = &mut self.chat().attention;
        attention.unread += 1;
        Some(Effect::ReportUnread(attention.unread))
    }
}

impl Attention {
    /// Whether event `id` is new to the visitor (not a replay); it is then counted as told.
    pub fn fresh(&mut self, id: EventId) -> bool {
        let fresh = self.announced.is_none_or(|last| id.is_after(&last));
        if fresh {
            self.announced = Some(id);
        }
        fresh
    }

    /// A message with event id `id`: the announcement, unless the host page was told already.
    pub fn announce(&mut self, id: EventId, announcement: Announcement) -> Option<Announcement> {
        if self.announced.is_some_and(|last| !id.is_after(&last)) {
            return None;
        }
        self.announced = Some(id);
        Some(announcement)
    }
}
