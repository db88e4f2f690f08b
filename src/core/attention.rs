//! What the visitor has seen: whether the window is seen now, the agent messages that came
//! while it was not (the unread count), and how far the host page was told of new messages, so
//! that a replay (a reload, a reset) tells nothing twice. And the visitor who looks away: a new
//! agent message (or an agent joining) while the window is not seen chimes, in one tab of the
//! visitor's; while the page is hidden, the host page's title alternates with the unread count
//! until it is visible again.

use zchat_types::EventId;

use super::io::{Announcement, Effect};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attention {
    /// Whether the visitor can see the window now.
    pub seen: bool,
    /// Agent messages that arrived while the window was not seen.
    pub unread: u32,
    /// The last message event told to the host page.
    pub announced: Option<EventId>,
    /// Whether the page is visible (the tab in front).
    pub visible: bool,
    /// What the site allows (`data-sound`, `data-title-alert`) and the visitor chose (mute).
    pub sound: bool,
    pub title_alert: bool,
    pub muted: bool,
    /// The host page's title is alternating; `shown` when it says the count now.
    alerting: bool,
    shown: bool,
}

/// How long each of the host page's two titles stays while it alternates.
pub const TITLE_TICK_MS: u32 = 1500;

impl Default for Attention {
    fn default() -> Self {
        Attention {
            seen: true,
            unread: 0,
            announced: None,
            visible: true,
            sound: true,
            title_alert: true,
            muted: false,
            alerting: false,
            shown: false,
        }
    }
}

impl Attention {
    /// The window is open on the host page or not, the page visible or not: a seen window (open
    /// on a visible page) reads every message; a visible page ends the title's alert.
    pub fn seen(&mut self, open: bool, visible: bool) -> Vec<Effect> {
        self.seen = open && visible;
        self.visible = visible;
        let mut effects = Vec::new();
        if visible && self.alerting {
            self.alerting = false;
            self.shown = false;
            effects.push(Effect::AlertTitle(None));
        }
        if self.seen && self.unread > 0 {
            self.unread = 0;
            effects.push(Effect::ReportUnread(0));
        }
        effects
    }

    /// Something new from the agents (a message, an agent joining), seen for the first time (not
    /// a replay): unless the window is seen, a chime (the shell plays it in one tab only, and
    /// claims the chime in a tab that sees the window, so that no other plays it) and, while the
    /// page is hidden, the title's alert.
    pub fn alert(&mut self, agent: Option<String>) -> Vec<Effect> {
        let play = !self.seen && self.sound && !self.muted;
        let mut effects = vec![Effect::Chime { play, agent }];
        if !self.visible && self.title_alert && !self.alerting {
            self.alerting = true;
            effects.extend(self.title_tick());
        }
        effects
    }

    /// The alternating title's next step: the count, then the page's own title, and again.
    pub fn title_tick(&mut self) -> Vec<Effect> {
        if !self.alerting {
            return Vec::new();
        }
        self.shown = !self.shown;
        vec![Effect::AlertTitle(self.shown.then_some(self.unread.max(1))), Effect::ScheduleTitleTick { after_ms: TITLE_TICK_MS }]
    }

    /// Whether event `id` is new to the visitor (not a replay); it is then counted as told.
    pub fn fresh(&mut self, id: EventId) -> bool {
        let fresh = self.announced.is_none_or(|last| id.is_after(&last));
        if fresh {
            self.announced = Some(id);
        }
        fresh
    }

    /// A message with event id `id`: the announcement, unless the host page was told already.
    pub fn announce(&mut self, id: EventId, from: &'static str, text: &str, agent: Option<String>) -> Option<Announcement> {
        if self.announced.is_some_and(|last| !id.is_after(&last)) {
            return None;
        }
        self.announced = Some(id);
        Some(Announcement { from, text: text.to_string(), agent })
    }

    /// A new agent message (announced for the first time) arrived: unread if the window is not seen.
    pub fn agent_message(&mut self) -> Option<Effect> {
        if self.seen {
            return None;
        }
        self.unread += 1;
        Some(Effect::ReportUnread(self.unread))
    }
}
