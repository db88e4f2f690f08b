//! The wire format of the zChat ClientApi V1 (`docs/spec/zchat-clientapi-v1.md`), of the
//! triggers zChat POSTs to the webhook URL, and of the events the relay streams to the widget.
//!
//! This crate is the only place that knows these JSON shapes: the widget, the relay and the sandbox
//! all serialize and parse through it. It has no IO and builds for wasm32 and native.
//!
//! Conventions, all from the reference:
//! - Where the reference lists the values of a field, the field is a closed enum
//!   ([`MediaType`], [`MessageType`], [`Mood`], [`Direction`], [`TriggerState`]).
//! - Where it says "null will be saved as X", a missing or `null` value parses as X.
//! - Unknown fields are tolerated everywhere (zChat may add fields; we must not break on them).
//! - Optional fields that are absent stay absent when serialized again, so a parsed document
//!   round-trips to the same JSON.

mod api;
mod history;
pub mod paths;
#[cfg(feature = "axum")]
mod server;
mod stream;
mod trigger;

pub use api::{
    tags_fit, Ack, ApiError, CreatedData, Customer, HoursAsked, Identity, InteractionCreated, MediaType, MessageCreated, MessageCreatedData,
    MessageType, Mood, PageContext, SendMessage, SignedHistory, StartExtras, StartInteraction, StartRequest, TeamHours, TokenOnly, UpdateInteraction,
    Uploaded, UploadedFile, MAX_HANDOFF_BYTES, MAX_PAGE_CHARS, MAX_TAGS, MAX_TAG_BYTES,
};
pub use history::{is_history_time, read_messages, Direction, ExternalHistory, HistoryMessage, HISTORY_TIME_FORMAT};
#[cfg(feature = "axum")]
pub use server::{ApiBody, ApiJson};
pub use stream::{logged_at, written_id, CustomerMessage, EventId, NotAnEventId, Reset, StreamEventKind};
pub use trigger::{Agent, AgentMessage, NotATrigger, Oddity, Trigger, TriggerEvent, TriggerState};

/// Deserializes `null` (or, with `#[serde(default)]`, a missing field) as the type's default.
/// The reference says of several fields "null will be saved as X"; X is the type's `Default`.
pub(crate) fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + serde::Deserialize<'de>,
{
    use serde::Deserialize;
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}
