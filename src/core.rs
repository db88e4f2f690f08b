//! The conversation core: every rule of the visitor's conversation as
//! `(state, input, now) -> (state, effects)`, with no IO and no yew, web-sys or gloo inside.
//!
//! Inputs ([`Input`]) are the visitor's actions, the relay's answers, stream events and timers.
//! Effects ([`Effect`]) are what the shell (`crate::driver`) must do, in the conversation's own
//! terms: start, send, rate, open or close the event stream, set timers. Everything the core
//! needs from outside (the time, random idempotency keys) comes in through the inputs, so it is
//! tested natively and deterministically.
//!
//! - [`io`]: the inputs and the effects.
//! - `widget`: the whole state in its three parts, and `step`, which only dispatches.
//! - `site`: the site's settings and what its page says (they hold for every conversation).
//! - `visitor`: the visitor's choices, what their browser allows, their last conversation.
//! - `conversation`: one conversation, its phases (each with its own data), start to end.
//! - `saved`: what the browser keeps between pages, the page's start from it, forgetting it.
//! - `outbox`: the visitor's messages on their way (send, resend, retry).
//! - [`attachments`]: the visitor's files: the tray, its checks, uploads.
//! - `events`: the relay's stream applied (triggers, the visitor's own messages, resets).
//! - `connection`: the stream's state, backoff and last event applied.
//! - `typing`: telling zChat the visitor is typing.
//! - `attention`: what the visitor has seen, what the host page was told, and the visitor who
//!   looks away (the chime, the title, notifications).
//! - [`prechat`]: the pre-chat form's rules. `transcript`: what the visitor sees; `layout`: how it
//!   reads (days, groups).

pub mod attachments;
mod attention;
mod connection;
mod conversation;
mod events;
pub mod io;
mod layout;
mod outbox;
pub mod prechat;
mod saved;
mod site;
mod transcript;
mod typing;
mod visitor;
mod widget;

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;

pub use attention::Permission;
pub use connection::Connection;
pub use conversation::{Agent, Conversation, Phase, Rating, Session, Status};
pub use io::{Announcement, Effect, Failure, Input, StreamEvent, MAX_EXTRA_BYTES};
pub use layout::{initial, layout, Day, Row, GROUP_GAP_MS};
pub use saved::Saved;
pub use site::{Alerts, Hours, Site};
pub use transcript::{file_of, safe_url, Delivery, Entry, EntryId, Sender, SystemLine};
pub use typing::TYPING_IDLE_MS;
pub use visitor::Visitor;
pub use widget::{HostState, Widget};
