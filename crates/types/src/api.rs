//! Request bodies and answers of the ClientApi V1 endpoints.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::null_as_default;

/// `POST /core/api/v1/interactions`: start an interaction.
///
/// ```json
/// {"token": "…", "media_type": "TEXT", "department_id": 1,
///  "customer": {"name": "…", "email": "…", "phone": "11991417777", "cpf": "12345678900"},
///  "extra": {"clientId": "any"}, "external_history": "https://…"}
/// ```
/// `token` is required by zChat. It parses as empty when missing so that the sandbox can answer
/// the reference's 422 for it, and so that the relay's mirror (whose callers must *not* send it)
/// can tell "absent" from "present".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StartInteraction {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub token: String,
    /// "null will be saved as TEXT".
    #[serde(default, deserialize_with = "null_as_default")]
    pub media_type: MediaType,
    pub department_id: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<Customer>,
    /// Any parameters; zChat returns them in every trigger of this interaction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra: Option<Map<String, Value>>,
    /// A URL zChat GETs to show the agent an earlier conversation ([`crate::ExternalHistory`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_history: Option<String>,
}

/// The visitor's data on [`StartInteraction`]; every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Customer {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpf: Option<String>,
}

/// `media_type` of an interaction: TEXT, SMS or WHATSAPP; null is saved as TEXT.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum MediaType {
    #[default]
    Text,
    Sms,
    Whatsapp,
}

/// The success answer of start interaction:
/// `{"message": "Interaction created successfully", "data": {"interaction_hash": "…"}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InteractionCreated {
    pub message: String,
    pub data: CreatedData,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedData {
    pub interaction_hash: String,
    /// Not zChat's: the relay adds the per-interaction session credential here (docs/design.md §2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
    /// Not zChat's: what the relay tells the site's developer about this start (a customer key or
    /// a tag zChat refused; the conversation went on without it). The widget writes them in the
    /// console, never to the visitor.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// The relay's create, as the widget sends it: the reference's body without `token` (and
/// without `external_history`, the relay's to set), and [`StartExtras`] besides it (docs/design.md,
/// "The relay's public contract"). Its own fields, not a flattened [`StartInteraction`]: serde's
/// flattening costs the widget's wasm several kilobytes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StartRequest {
    pub media_type: MediaType,
    pub department_id: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer: Option<Customer>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extra: Option<Map<String, Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<Map<String, Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity: Option<Identity>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag_ids: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<SignedHistory>,
}

/// What the relay's create takes besides the reference's body: a verified customer and tags,
/// which the relay gives the new interaction with an update. (The relay reads the body as a
/// [`StartInteraction`] and as this, so that errors name their field.)
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartExtras {
    /// The page the visitor starts on (`url`, `title`, `referrer`): the relay gives it to the
    /// agent in `extra.page_context`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<PageContext>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<Identity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag_ids: Option<Vec<String>>,
    /// A bot's transcript for the agent who takes over (the handoff): the relay serves it first in
    /// the new interaction's `external_history`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history: Option<SignedHistory>,
}

/// A bot's transcript handed to the agents, signed by the site's backend: `messages` is the JSON
/// text of an array of the reference's history messages (`{"time": "YYYY-MM-DD HH:MM:SS",
/// "direction": "CLIENT" | "AGENT", "content": "…"}`; a bot speaks as `AGENT`), and `signature` the
/// lowercase hex HMAC-SHA256 of exactly those bytes (UTF-8) under `RELAY_IDENTITY_SECRET` (a
/// visitor must not be able to forge what an agent reads as the bot's words).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedHistory {
    pub messages: String,
    pub signature: String,
}

/// The most bytes of a bot's transcript ([`SignedHistory::messages`]).
pub const MAX_HANDOFF_BYTES: usize = 64 * 1024;

/// The most tags one conversation may get, and the longest tag id (the widget and the relay both
/// hold a site to them).
pub const MAX_TAGS: usize = 20;
pub const MAX_TAG_BYTES: usize = 64;

/// The page's address, title and referrer are cut to this many characters (the page's own
/// address may be megabytes long).
pub const MAX_PAGE_CHARS: usize = 500;

/// Whether `tags` are within [`MAX_TAGS`] ids of 1 to [`MAX_TAG_BYTES`] bytes.
pub fn tags_fit(tags: &[String]) -> bool {
    tags.len() <= MAX_TAGS && tags.iter().all(|tag| !tag.is_empty() && tag.len() <= MAX_TAG_BYTES)
}

/// The page a conversation starts on, as the loader saw it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageContext {
    #[serde(default)]
    pub url: String,
    #[serde(default)]
    pub title: String,
    /// The referrer's origin only.
    #[serde(default)]
    pub referrer: String,
}

/// A customer the site's backend vouches for: `signature` is the lowercase hex HMAC-SHA256 of
/// `customer_key` under the relay's `RELAY_IDENTITY_SECRET`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Identity {
    pub customer_key: String,
    pub signature: String,
}

/// `PUT /core/api/v1/interactions/{hash}`: update (and rate) an interaction.
///
/// ```json
/// {"token": "…", "mood": "POSITIVE", "tag_ids": ["1", "999"],
///  "customer_key": "0010-abcd-…", "note": "any note here"}
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateInteraction {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub token: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mood: Option<Mood>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag_ids: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Not zChat's: a verified customer for a conversation under way (the widget's `identify`),
    /// which the relay checks and turns into `customer_key` (a browser's update may not carry one
    /// itself). Never sent to zChat.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<Identity>,
}

/// The visitor's rating: "POSITIVE" or "NEGATIVE".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Mood {
    Positive,
    Negative,
}

/// `POST /core/api/v1/interactions/{hash}/messages`: the visitor sends a message.
///
/// ```json
/// {"token": "…", "content": "your message", "type": "image", "url": "https://…/logo.png"}
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendMessage {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub token: String,
    pub content: String,
    /// "null will be saved as text".
    #[serde(rename = "type", default, deserialize_with = "null_as_default")]
    pub kind: MessageType,
    /// The file's URL, for every type but text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// The type of a message's content: text, image, video, audio or file; null is saved as text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MessageType {
    #[default]
    Text,
    Image,
    Video,
    Audio,
    File,
}

impl MessageType {
    pub const ALL: [MessageType; 5] = [MessageType::Text, MessageType::Image, MessageType::Video, MessageType::Audio, MessageType::File];

    /// Its name on the wire.
    pub fn name(self) -> &'static str {
        match self {
            MessageType::Text => "text",
            MessageType::Image => "image",
            MessageType::Video => "video",
            MessageType::Audio => "audio",
            MessageType::File => "file",
        }
    }

    /// Whether the reference expects a `url` with this type (every type but text).
    pub fn is_media(self) -> bool {
        self != MessageType::Text
    }
}

/// The success answer of send message:
/// `{"data": {"interaction_hash": "…"}, "message": "Message created successfully", "status": 200}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageCreated {
    pub data: MessageCreatedData,
    pub message: String,
    pub status: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageCreatedData {
    pub interaction_hash: String,
}

/// The widget asks the relay when the team is back (`POST /hours`): the site's business hours
/// (`mon-fri 09:00-18:00; sat 09:00-13:00`) in its time zone (`America/Sao_Paulo`), as given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HoursAsked {
    pub hours: String,
    #[serde(default)]
    pub timezone: String,
}

/// The relay's answer on business hours (`POST /hours`): when the team is back, in ms since the
/// Unix epoch; `null` while it is there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamHours {
    pub back_at: Option<i64>,
}

/// The relay's answer to an upload: `{"data": {"url", "type", "size", "name"}, "message", "status"}`.
/// The widget then sends a message with that `type` and `url`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Uploaded {
    pub data: UploadedFile,
    pub message: String,
    pub status: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadedFile {
    /// The file's public address (on the relay's public URL).
    pub url: String,
    /// The message type its content is: image, video, audio or file.
    #[serde(rename = "type")]
    pub kind: MessageType,
    /// Bytes stored (after metadata was removed).
    pub size: u64,
    /// The file's name as the visitor gave it (cut and cleaned).
    pub name: String,
}

/// The body of typing, cleared (stopped typing) and finish: `{"token": "…"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenOnly {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub token: String,
}

/// A success answer with a status: `{"message": "Interaction updated successfully", "status": 200}`.
///
/// The reference shows it for update; it shows no answer for typing, cleared and finish, so the
/// sandbox answers those in this same shape (our choice, recorded in ARCHITECTURE.md).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ack {
    pub message: String,
    pub status: u16,
}

/// Every error, from zChat and from the relay: `{"message": "Error description here", "status": 422}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    pub message: String,
    pub status: u16,
    /// Seconds before a refused client may try again (a 429's `Retry-After` header; not in the body).
    #[serde(skip)]
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: u16, message: impl Into<String>) -> Self {
        ApiError { message: message.into(), status, retry_after: None }
    }

    /// 429 Too Many Requests, with the seconds to wait (at least one) as `Retry-After`.
    pub fn too_many(message: impl Into<String>, wait: std::time::Duration) -> Self {
        let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        ApiError { retry_after: Some(seconds.max(1)), ..ApiError::new(429, message) }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.status)
    }
}

impl std::error::Error for ApiError {}
