//! Telling zChat that the visitor is typing: one `typing` when writing starts, one `cleared`
//! when the input empties, a message goes, or [`TYPING_IDLE_MS`] pass without a keystroke.

use super::conversation::Session;
use super::io::Effect;

/// After this long without a keystroke the visitor counts as no longer typing.
pub const TYPING_IDLE_MS: u64 = 4_000;

/// Whether zChat was told the visitor is typing, and until when that holds without a keystroke.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Typing {
    until: Option<u64>,
}

impl Typing {
    /// A keystroke at `now`; `session` when the visitor can write. The idle timer is set once and
    /// re-armed on its tick.
    pub fn writing(&mut self, empty: bool, session: Option<&Session>, now: u64) -> Vec<Effect> {
        if empty {
            return self.stop(session);
        }
        let Some(session) = session else { return Vec::new() };
        let started = self.until.is_none();
        self.until = Some(now + TYPING_IDLE_MS);
        if started {
            vec![Effect::NotifyTyping { session: session.clone(), typing: true }, Effect::ScheduleTypingTick { after_ms: TYPING_IDLE_MS as u32 }]
        } else {
            Vec::new()
        }
    }

    pub fn tick(&mut self, session: Option<&Session>, now: u64) -> Vec<Effect> {
        match self.until {
            Some(until) if now >= until => self.stop(session),
            Some(until) => vec![Effect::ScheduleTypingTick { after_ms: (until - now) as u32 }],
            None => Vec::new(),
        }
    }

    /// One `cleared`, if zChat was told the visitor is typing.
    pub fn stop(&mut self, session: Option<&Session>) -> Vec<Effect> {
        match (self.until.take(), session) {
            (Some(_), Some(session)) => vec![Effect::NotifyTyping { session: session.clone(), typing: false }],
            _ => Vec::new(),
        }
    }

    /// Forgets without telling (the conversation ended).
    pub fn forget(&mut self) {
        self.until = None;
    }
}
