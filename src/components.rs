//! The widget's views. Each takes data and `on…` callbacks; none does IO or holds the conversation.

mod chat_window;
mod composer;
mod message;
mod prechat;
mod status;
mod transcript;

pub use chat_window::{ChatWindow, ChatWindowProps};
pub use composer::{Composer, ComposerProps};
pub use message::{safe_url, MessageBubble, MessageBubbleProps};
pub use prechat::{PreChatForm, PreChatFormProps};
pub use status::{status_text, StatusLine, StatusLineProps};
pub use transcript::{Transcript, TranscriptProps};
