//! The transcript: what the visitor sees, in order, with each of their own messages' delivery.

use zchat_types::MessageType;

use crate::texts::Texts;

/// Who wrote an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sender {
    Visitor,
    Agent {
        name: String,
    },
    /// A line from the widget itself, in the visitor's language when shown.
    System(SystemLine),
}

/// What the widget itself writes in the transcript.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SystemLine {
    AgentJoined,
    AgentEnded,
    VisitorEnded,
}

impl SystemLine {
    pub fn text(self, texts: &Texts) -> &'static str {
        match self {
            SystemLine::AgentJoined => texts.line_agent_joined,
            SystemLine::AgentEnded => texts.line_agent_ended,
            SystemLine::VisitorEnded => texts.line_visitor_ended,
        }
    }
}

/// Where one of the visitor's messages is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// On its way; `resends` automatic resends were made so far.
    Sending {
        resends: u32,
    },
    Sent,
    Failed {
        reason: String,
    },
    /// A file on its way to the relay (`sent` of `total` bytes so far), before its message;
    /// `file` is the shell's handle on it.
    Uploading {
        file: u32,
        sent: u64,
        total: u64,
        resends: u32,
    },
    /// A file that did not reach the relay; the visitor may try again or remove it.
    UploadFailed {
        reason: String,
        file: u32,
        total: u64,
    },
}

impl Delivery {
    /// The name pages and tests see (`data-delivery`).
    pub fn name(&self) -> &'static str {
        match self {
            Delivery::Sending { .. } => "sending",
            Delivery::Uploading { .. } => "uploading",
            Delivery::Sent => "sent",
            Delivery::Failed { .. } | Delivery::UploadFailed { .. } => "failed",
        }
    }
}

/// What identifies an entry, so that an event seen twice (a replay, another tab) adds nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryId {
    /// A message this tab sent: its idempotency key.
    Local(String),
    /// An agent message: zChat's message hash.
    AgentMessage(String),
    /// Anything else from the stream: the event id.
    Event(String),
}

impl EntryId {
    /// A key unique among the transcript's entries (for the list's keyed rendering).
    pub fn key(&self) -> String {
        match self {
            EntryId::Local(id) => ["l:", id].concat(),
            EntryId::AgentMessage(hash) => ["a:", hash].concat(),
            EntryId::Event(id) => ["e:", id].concat(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub id: EntryId,
    pub sender: Sender,
    pub content: String,
    pub kind: MessageType,
    pub url: Option<String>,
    /// Milliseconds since the Unix epoch.
    pub at: u64,
    /// For the visitor's own messages; `Sent` for everything else.
    pub delivery: Delivery,
}

/// An address the widget may open or show: http(s) only (never `javascript:`, `data:` and the
/// like), trimmed. Agent media and links come from outside.
pub fn safe_url(url: &str) -> Option<&str> {
    let lower = url.trim_start().get(..8).unwrap_or(url).to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://")).then_some(url.trim())
}

/// A file's name and kind as its address says them: the last part of its path, percent-decoded
/// (`relat%C3%B3rio.pdf` is `relatório.pdf`), and its extension in capitals (`PDF`, at most five
/// letters); `None` for an address with no name in it.
pub fn file_of(url: &str) -> Option<(String, Option<String>)> {
    let path = url.split(['?', '#']).next().unwrap_or_default();
    let last = &path[path.bytes().rposition(|b| b == b'/').map_or(0, |slash| slash + 1)..];
    if last.is_empty() {
        return None;
    }
    let mut bytes = Vec::with_capacity(last.len());
    let mut rest = last.as_bytes();
    while let Some((&byte, tail)) = rest.split_first() {
        let hex = |at: usize| tail.get(at).and_then(|b| (*b as char).to_digit(16));
        match (byte, hex(0), hex(1)) {
            (b'%', Some(high), Some(low)) => {
                bytes.push((high * 16 + low) as u8);
                rest = &tail[2..];
            }
            _ => {
                bytes.push(byte);
                rest = tail;
            }
        }
    }
    // Bytes that are not UTF-8 once decoded: the name as written (a lossy decoding costs the wasm
    // 0.5 KB).
    let name = String::from_utf8(bytes).unwrap_or_else(|_| last.to_string());
    let dot = name.bytes().rposition(|b| b == b'.');
    let kind = dot.map(|dot| &name[dot + 1..]).filter(|ext| (1..=5).contains(&ext.len()) && ext.bytes().all(|b| b.is_ascii_alphanumeric()));
    let kind = kind.map(str::to_ascii_uppercase);
    Some((name, kind))
}

impl Entry {
    pub fn system(id: EntryId, line: SystemLine, at: u64) -> Self {
        Entry { id, sender: Sender::System(line), content: String::new(), kind: MessageType::Text, url: None, at, delivery: Delivery::Sent }
    }

    /// An agent's message with nothing the widget can show (no text, no address it may open):
    /// the views show a neutral line instead, so the visitor knows the agent sent something.
    pub fn is_unshowable(&self) -> bool {
        matches!(self.sender, Sender::Agent { .. }) && self.content.trim().is_empty() && self.url.as_deref().and_then(safe_url).is_none()
    }
}
