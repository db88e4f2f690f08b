//! The event stream as the core sees it: whether it is up, the reconnect backoff, and the last
//! event applied (a parsed id, compared in one place: [`Link::is_new`]).

use zchat_types::EventId;

use super::conversation::Session;
use super::io::Effect;

/// The longest reconnect backoff.
const MAX_BACKOFF_MS: u32 = 30_000;

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

/// The conversation's link to its event stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub state: Connection,
    /// The last stream event applied.
    pub last_event: Option<EventId>,
    /// Failures since the stream was last live: the reconnect backoff grows with them.
    failures: u32,
}

impl Default for Link {
    fn default() -> Self {
        Link { state: Connection::Idle, last_event: None, failures: 0 }
    }
}

impl Link {
    /// Whether the event `id` was not applied yet (a replay after a reconnect was).
    pub fn is_new(&self, id: &EventId) -> bool {
        self.last_event.is_none_or(|last| id.is_after(&last))
    }

    /// Opens the stream, resuming after the last event applied.
    pub fn open(&mut self, session: &Session) -> Effect {
        self.state = Connection::Connecting;
        Effect::OpenStream { session: session.clone(), after: self.last_event }
    }

    pub fn opened(&mut self) {
        self.state = Connection::Live;
        self.failures = 0;
    }

    /// The browser gave up on the stream: a new one after a backoff that doubles, up to 30 s.
    pub fn closed(&mut self) -> Effect {
        let attempt = self.failures;
        self.failures = self.failures.saturating_add(1);
        self.state = Connection::Reconnecting { attempt };
        Effect::ScheduleReconnect { after_ms: 1000u32.saturating_mul(1 << attempt.min(5)).min(MAX_BACKOFF_MS) }
    }

    /// The browser is reconnecting by itself.
    pub fn retrying(&mut self) {
        if self.state == Connection::Live {
            self.state = Connection::Reconnecting { attempt: 0 };
        }
    }

    /// The reconnect timer fired, or the browser came back: reopen if a reconnect is waiting.
    pub fn reconnect(&mut self, session: &Session) -> Vec<Effect> {
        match self.state {
            Connection::Reconnecting { .. } => vec![self.open(session)],
            _ => Vec::new(),
        }
    }

    pub fn stop(&mut self) {
        self.state = Connection::Idle;
    }
}
