//! The visitor's files. Picked (the attach button, a paste, a drop) into a tray, each checked
//! before any upload (its kind, its size, how many at once); sent each as its own message: first
//! uploaded to the relay (with progress, and cancel), then sent as the reference's media message
//! with the `type` and `url` the upload answered. Files go one at a time (the next when the last
//! one's message is done, or it failed and waits for the visitor), so they reach zChat in the
//! order the visitor gave them, and a phone's upload is not split between them. One idempotency key per file covers both
//! steps, so a file reaches zChat once whatever the retries (an upload retried with the key gets
//! the first one's answer). Failures resend by themselves like text messages (`outbox`), then
//! the visitor is asked.
//!
//! The relay decides a file's kind from its content; the tray's check only spares the visitor an
//! upload that would be refused (by the name's extension, or the browser's type).

use std::rc::Rc;

use zchat_types::MessageType;

use super::conversation::Conversation;
use super::io::{Effect, Failure};
use super::transcript::{Delivery, Entry, EntryId, Sender};
use super::widget::Widget;

/// Files in the tray at once.
pub const MAX_FILES: usize = 10;

/// The upload limit when the relay does not say (its default, `RELAY_UPLOAD_MAX_BYTES`).
pub const DEFAULT_UPLOAD_LIMIT: u64 = 10 * 1024 * 1024;

/// A file the visitor picked, as the shell read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picked {
    /// The shell's handle on the file itself.
    pub file: u32,
    pub name: String,
    pub size: u64,
    /// The browser's type (may be empty).
    pub mime: String,
    /// A `blob:` address to show an image's thumbnail.
    pub preview: Option<String>,
}

/// Why a picked file was not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    TooLarge,
    NotAccepted,
    Empty,
    TooMany,
}

/// A picked file that was not taken, and why (the views say it in the visitor's language).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub name: String,
    pub why: Why,
}

/// The visitor's files on their way: the one uploading (its key, from its upload until its message
/// is done), and the files of its batch waiting their turn.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Uploads {
    current: Option<String>,
    waiting: Vec<String>,
}

/// What the relay answered for an upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uploaded {
    pub kind: MessageType,
    pub url: String,
}

/// The extensions the relay takes, mirroring its list (README, what visitors can send).
const ACCEPTED: &str = " jpg jpeg jfif png gif webp mp4 m4v webm mp3 ogg oga opus wav m4a weba pdf docx xlsx pptx odt ods odp rtf txt csv md log ";

/// Whether the relay will likely take a file, by its name's extension or, for a pasted
/// screenshot (which may have no name), the browser's type.
pub fn accepted(name: &str, mime: &str) -> bool {
    let ext = name.rsplit_once('.').map(|(_, ext)| ext.to_ascii_lowercase()).unwrap_or_default();
    let listed = !ext.is_empty() && ACCEPTED.split(' ').any(|known| known == ext);
    listed || matches!(mime, "image/png" | "image/jpeg" | "image/gif" | "image/webp")
}

impl Conversation {
    /// Files picked: each checked (`limit`: the largest file the relay takes), the good ones into
    /// the tray; the shell lets go of the others.
    pub(super) fn attach(&mut self, files: Vec<Picked>, limit: u64) -> Vec<Effect> {
        self.refusals.clear();
        let mut effects = Vec::new();
        for file in files {
            let why = if self.tray.len() >= MAX_FILES {
                Some(Why::TooMany)
            } else if file.size == 0 {
                Some(Why::Empty)
            } else if !accepted(&file.name, &file.mime) {
                Some(Why::NotAccepted)
            } else if file.size > limit {
                Some(Why::TooLarge)
            } else {
                None
            };
            match why {
                None => self.tray.push(file),
                Some(why) => {
                    // One line for all the files over the count.
                    if why != Why::TooMany || !self.refusals.iter().any(|r| r.why == Why::TooMany) {
                        self.refusals.push(Refusal { name: file.name.clone(), why });
                    }
                    effects.push(Effect::DropFile { file: file.file });
                }
            }
        }
        effects
    }

    /// A file taken out of the tray.
    pub(super) fn detach(&mut self, file: u32) -> Vec<Effect> {
        let before = self.tray.len();
        self.tray.retain(|picked| picked.file != file);
        if self.tray.len() == before {
            return Vec::new();
        }
        self.refusals.clear();
        vec![Effect::DropFile { file }]
    }

    /// How much of an upload has reached the relay.
    pub(super) fn upload_progress(&mut self, key: &str, sent: u64) -> Vec<Effect> {
        if let Some(Entry { delivery: Delivery::Uploading { sent: done, total, .. }, .. }) = self.local_mut(key) {
            *done = sent.min(*total);
        }
        Vec::new()
    }
}

impl Widget {
    /// The tray sent: each file its own message, `caption` the first one's text (the others say
    /// their names); `keys` are fresh idempotency keys from the shell, one per file.
    pub(super) fn send_files(&mut self, caption: String, keys: Vec<String>, now: u64) -> Vec<Effect> {
        let Some(session) = self.conversation.live_session().cloned() else { return Vec::new() };
        let caption = caption.trim().to_string();
        let mut effects = self.typing.stop(Some(&session));
        let chat = self.chat();
        let tray = std::mem::take(&mut chat.tray);
        chat.refusals.clear();
        for (n, (file, key)) in tray.into_iter().zip(keys).enumerate() {
            chat.uploads.waiting.push(key.clone());
            let content = if n == 0 && !caption.is_empty() { caption.clone() } else { file.name.clone() };
            Rc::make_mut(&mut chat.transcript).push(Entry {
                id: EntryId::Local(key.clone()),
                sender: Sender::Visitor,
                content,
                // The relay says what it is once it has it.
                kind: MessageType::File,
                url: None,
                at: now,
                delivery: Delivery::Uploading { file: file.file, sent: 0, total: file.size, resends: 0 },
            });
        }
        if self.conversation.uploads.current.is_none() {
            effects.extend(self.start_next_upload());
        }
        effects
    }

    /// The file with key `key` is done (its message sent or failed, or itself failed or
    /// cancelled): the next file waiting goes.
    #[inline(never)]
    pub(super) fn next_upload(&mut self, key: &str) -> Vec<Effect> {
        if self.conversation.uploads.current.as_deref() != Some(key) {
            return Vec::new();
        }
        self.chat().uploads.current = None;
        self.start_next_upload()
    }

    /// Starts the first waiting file that is still waiting (not cancelled meanwhile).
    #[inline(never)]
    fn start_next_upload(&mut self) -> Vec<Effect> {
        let Some(session) = self.conversation.live_session().cloned() else { return Vec::new() };
        let chat = self.chat();
        while !chat.uploads.waiting.is_empty() {
            let key = chat.uploads.waiting.remove(0);
            if let Some(&Delivery::Uploading { file, .. }) = chat.local(&key).map(|entry| &entry.delivery) {
                chat.uploads.current = Some(key.clone());
                return vec![Effect::Upload { session, key, file }];
            }
        }
        Vec::new()
    }

    /// The relay answered an upload: the message goes out with the file's address; or, on a
    /// network or server failure, the upload is tried again after a growing wait.
    pub(super) fn uploaded(&mut self, key: String, result: Result<Uploaded, Failure>) -> Vec<Effect> {
        let Some(&Delivery::Uploading { file, total, resends, .. }) = self.conversation.local(&key).map(|entry| &entry.delivery) else {
            return Vec::new();
        };
        let session = self.conversation.live_session().cloned();
        let Some(entry) = self.chat().local_mut(&key) else { return Vec::new() };
        match result {
            Ok(Uploaded { kind, url }) => {
                entry.kind = kind;
                entry.url = Some(url.clone());
                entry.delivery = Delivery::Sending { resends: 0 };
                let text = entry.content.clone();
                let mut effects = vec![Effect::DropFile { file }];
                if let Some(session) = session {
                    effects.push(Effect::SendMessage { session, key, text, media: Some((kind, url)) });
                }
                effects
            }
            Err(failure) if failure.retryable && resends < super::outbox::AUTO_RESENDS => {
                entry.delivery = Delivery::Uploading { file, sent: 0, total, resends: resends + 1 };
                vec![Effect::ScheduleResend { key, after_ms: super::outbox::FIRST_RESEND_MS << resends }]
            }
            Err(failure) => {
                entry.delivery = Delivery::UploadFailed { reason: failure.message, file, total };
                self.next_upload(&key)
            }
        }
    }

    /// The visitor cancels a file on its way, or removes one whose upload failed.
    pub(super) fn cancel_upload(&mut self, key: String) -> Vec<Effect> {
        let file = match self.conversation.local(&key).map(|entry| &entry.delivery) {
            Some(&Delivery::Uploading { file, .. } | &Delivery::UploadFailed { file, .. }) => file,
            _ => return Vec::new(),
        };
        Rc::make_mut(&mut self.chat().transcript).retain(|entry| !matches!(&entry.id, EntryId::Local(k) if *k == key));
        let mut effects = vec![Effect::AbortUpload { key: key.clone() }, Effect::DropFile { file }];
        effects.extend(self.next_upload(&key));
        effects
    }
}
