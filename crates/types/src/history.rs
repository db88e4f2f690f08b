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

/// `messages`, a JSON array of the reference's history messages, each checked: `time` a real date
/// and time as `YYYY-MM-DD HH:MM:SS`, `direction` `CLIENT` or `AGENT`, `content` a string. The
/// first thing wrong is named (`messages[2].direction must be CLIENT or AGENT`). One rule for the
/// sandbox (a document zChat fetches) and the relay (a bot's transcript a site hands over).
pub fn read_messages(messages: &serde_json::Value) -> Result<Vec<HistoryMessage>, String> {
    let messages = messages.as_array().ok_or("the history must be a messages array")?;
    messages
        .iter()
        .enumerate()
        .map(|(index, message)| {
            let field = |name: &str| message.get(name).and_then(serde_json::Value::as_str);
            let time = field("time")
                .filter(|time| is_history_time(time))
                .ok_or_else(|| format!("messages[{index}].time must be a date and time as YYYY-MM-DD HH:MM:SS"))?;
            let direction = match field("direction") {
                Some("CLIENT") => Direction::Client,
                Some("AGENT") => Direction::Agent,
                _ => return Err(format!("messages[{index}].direction must be CLIENT or AGENT")),
            };
            let content = field("content").ok_or_else(|| format!("messages[{index}].content must be a string"))?;
            Ok(HistoryMessage { time: time.to_string(), direction, content: content.to_string() })
        })
        .collect()
}

/// `YYYY-MM-DD HH:MM:SS` with a real month, day, hour, minute and second.
pub fn is_history_time(time: &str) -> bool {
    let bytes = time.as_bytes();
    if bytes.len() != 19 || bytes[4] != b'-' || bytes[7] != b'-' || bytes[10] != b' ' || bytes[13] != b':' || bytes[16] != b':' {
        return false;
    }
    let number = |from: usize, to: usize| -> Option<u32> {
        let part = time.get(from..to)?;
        part.bytes().all(|b| b.is_ascii_digit()).then(|| part.parse().ok())?
    };
    let (Some(year), Some(month), Some(day), Some(hour), Some(minute), Some(second)) =
        (number(0, 4), number(5, 7), number(8, 10), number(11, 13), number(14, 16), number(17, 19))
    else {
        return false;
    };
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day) && hour < 24 && minute < 60 && second < 60
}
