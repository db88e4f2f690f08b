//! The widget's views. Each takes data and `on…` callbacks; none does IO or holds the conversation.

mod chat_window;
mod composer;
mod contact;
mod end_chat;
pub mod icons;
mod menu;
mod message;
mod prechat;
mod rating;
mod status;
mod transcript;

pub use crate::core::safe_url;
pub use chat_window::{ChatWindow, ChatWindowProps};
pub use composer::{Composer, ComposerProps};
pub use contact::contact_ask;
pub use end_chat::{end_chat, Confirmed, ConfirmedProps};
pub use menu::{conversation_text, forget_ask, menu};
pub use message::{segments, viewer, MessageBubble, MessageBubbleProps, Segment};
pub use prechat::{PreChatForm, PreChatFormProps};
pub use rating::rating_panel;
pub use status::{status_line, status_text};
pub use transcript::{Transcript, TranscriptProps};

use yew::prelude::*;

use crate::texts::{Lang, Texts};

/// The texts of the language the app provides (a `ContextProvider<Lang>`); English without one.
#[hook]
pub fn use_texts() -> &'static Texts {
    use_context::<Lang>().unwrap_or_default().texts()
}
