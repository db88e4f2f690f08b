//! The visitor's messages on their way: sent with an idempotency key (so zChat gets each once,
//! whatever the retries, tabs or reloads); a network or server failure resends after a growing
//! wait, up to [`AUTO_RESENDS`] times (counted in the message's [`Delivery`]), then the visitor
//! is asked; a refusal is shown at once.

use std::rc::Rc;

use zchat_types::MessageType;

use super::conversation::{Conversation, Session};
use super::io::{Effect, Failure};
use super::transcript::{Delivery, Entry, EntryId, Sender};
use super::widget::Widget;

/// Automatic resends of a message that failed on the network or the server, before the visitor
/// is asked; their waits double from [`FIRST_RESEND_MS`].
pub(super) const AUTO_RESENDS: u32 = 4;
pub(super) const FIRST_RESEND_MS: u32 = 1_000;

impl Widget {
    pub(super) fn send(&mut self, text: String, key: String, now: u64) -> Vec<Effect> {
        let content = text.trim().to_string();
        let Some(session) = self.conversation.live_session().cloned() else { return Vec::new() };
        if content.is_empty() || self.conversation.local(&key).is_some() {
            return Vec::new();
        }
        Rc::make_mut(&mut self.chat().transcript).push(Entry {
            id: EntryId::Local(key.clone()),
            sender: Sender::Visitor,
            content: content.clone(),
            kind: MessageType::Text,
            url: None,
            at: now,
            delivery: Delivery::Sending { resends: 0 },
        });
        let mut effects = self.typing.stop(Some(&session));
        effects.push(Effect::SendMessage { session, key, text: content, media: None });
        effects
    }

    /// The relay answered a send: sent; or, on a network or server failure, a resend after a
    /// growing wait (the same key, so never twice), until the visitor is asked.
    /// (A file's message that is done, either way, lets the next file of its batch go.)
    pub(super) fn sent(&mut self, key: String, result: Result<(), Failure>) -> Vec<Effect> {
        let Some(&Delivery::Sending { resends }) = self.conversation.local(&key).map(|entry| &entry.delivery) else { return self.next_upload(&key) };
        let Some(entry) = self.chat().local_mut(&key) else { return Vec::new() };
        match result {
            Ok(()) => entry.delivery = Delivery::Sent,
            Err(failure) if failure.retryable && resends < AUTO_RESENDS => {
                entry.delivery = Delivery::Sending { resends: resends + 1 };
                return vec![Effect::ScheduleResend { key, after_ms: FIRST_RESEND_MS << resends }];
            }
            Err(failure) => entry.delivery = Delivery::Failed { reason: failure.message },
        }
        self.next_upload(&key)
    }

    /// The resend timer fired: only if the message (or its file) is still on its way (the
    /// visitor may have retried, or its echo came).
    pub(super) fn resend(&mut self, key: String) -> Vec<Effect> {
        let (Some(session), Some(entry)) = (self.conversation.live_session().cloned(), self.conversation.local(&key)) else { return Vec::new() };
        match entry.delivery {
            Delivery::Sending { .. } => vec![message(session, key, entry)],
            Delivery::Uploading { file, .. } => vec![Effect::Upload { session, key, file }],
            _ => Vec::new(),
        }
    }

    /// The visitor sends a failed message again, with the same key: if the first attempt did
    /// reach zChat, the relay answers it again instead of sending the message twice.
    pub(super) fn retry(&mut self, key: String) -> Vec<Effect> {
        let Some(session) = self.conversation.live_session().cloned() else { return Vec::new() };
        let again = match self.conversation.local(&key).map(|entry| &entry.delivery) {
            Some(Delivery::Failed { .. }) => Delivery::Sending { resends: 0 },
            Some(&Delivery::UploadFailed { file, total, .. }) => Delivery::Uploading { file, sent: 0, total, resends: 0 },
            _ => return Vec::new(),
        };
        let Some(entry) = self.chat().local_mut(&key) else { return Vec::new() };
        entry.delivery = again;
        match entry.delivery {
            Delivery::Uploading { file, .. } => vec![Effect::Upload { session, key, file }],
            _ => vec![message(session, key, entry)],
        }
    }
}

impl Conversation {
    /// The message (or file) this tab sent with `key`.
    pub(super) fn local(&self, key: &str) -> Option<&Entry> {
        self.transcript.iter().find(|entry| matches!(&entry.id, EntryId::Local(k) if k == key))
    }

    /// The same, to change it (the views' copy of the transcript stays as it was).
    pub(super) fn local_mut(&mut self, key: &str) -> Option<&mut Entry> {
        let position = self.transcript.iter().position(|entry| matches!(&entry.id, EntryId::Local(k) if k == key))?;
        Rc::make_mut(&mut self.transcript).get_mut(position)
    }
}

/// The send of `entry` (a text, or a file's message once it is uploaded).
fn message(session: Session, key: String, entry: &Entry) -> Effect {
    let media = entry.url.clone().map(|url| (entry.kind, url));
    Effect::SendMessage { session, key, text: entry.content.clone(), media }
}
