//! The conversation core: every rule of the visitor's conversation as
//! `(state, input, now) -> (state, effects)`, with no IO and no yew, web-sys or gloo inside.
//!
//! Inputs ([`Input`]) are the visitor's actions, the relay's answers, stream events and timers.
//! Effects ([`Effect`]) are what the shell (`crate::driver`) must do: HTTP calls, opening or
//! closing the event stream, timers. Everything the core needs from outside (the time, random
//! idempotency keys) comes in through the inputs, so it is tested natively and deterministically.

mod conversation;
pub mod prechat;
mod transcript;

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;

pub use conversation::{Announcement, Connection, Conversation, Effect, Failure, Input, Phase, Rating, Saved, Session, StreamEvent, MAX_EXTRA_BYTES};
pub use transcript::{safe_url, Delivery, Entry, EntryId, Sender};
