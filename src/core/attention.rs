//! What the visitor has seen: whether the window is seen now, the agent messages that came
//! while it was not (the unread count), and how far the host page was told of new messages, so
//! that a replay (a reload, a reset) tells nothing twice.

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
}

impl Default for Attention {
    fn default() -> Self {
        Attention { seen: true, unread: 0, announced: None }
    }
}

impl Attention {
    /// The window is seen now, or not: seeing it reads every message.
    pub fn seen(&mut self, seen: bool) -> Vec<Effect> {
        self.seen = seen;
        if seen && self.unread > 0 {
            self.unread = 0;
            return vec![Effect::ReportUnread(0)];
        }
        Vec::new()
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
