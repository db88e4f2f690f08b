//! The external-history document: the JSON behind an interaction's `external_history` URL,
//! which zChat GETs to show its agent an earlier conversation.

use serde::{Deserialize, Serialize};

/// The format of [`HistoryMessage::time`] in the reference's example: `2019-03-14 00:00:01`.
pub const HISTORY_TIME_FORMAT: &str = "YYYY-MM-DD HH:MM:SS";

/// `{"messages": [{"time": "2019-03-14 00:00:01", "direction": "CLIENT", "content": "…"}]}`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExternalHistory {
    pub messages: Vec<HistoryMessage>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryMessage {
    /// When the message was recorded, as `YYYY-MM-DD HH:MM:SS`.
    pub time: String,
    pub direction: Direction,
    pub content: String,
}

/// Who sent a history message: "CLIENT" (the visitor) or "AGENT".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Direction {
    Client,
    Agent,
}
