//! What goes into the core ([`Input`]) and what comes out ([`Effect`]), in the conversation's own
//! terms: the shell (`crate::driver`) turns effects into HTTP calls, streams and timers, and
//! the wire format is `crate::api`'s business.

use serde_json::{Map, Value};
use zchat_types::{Customer, CustomerMessage, EventId, Identity, Mood, SignedHistory, Trigger};

use super::attachments::{Picked, Uploaded};
use super::attention::Permission;
use super::conversation::Session;
use super::saved::Saved;

/// The largest `extra` the host page may give, as JSON.
pub const MAX_EXTRA_BYTES: usize = 4096;

/// A stream event's data, decoded by the shell (`crate::stream`) according to its `event:` name.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamEvent {
    Trigger(Box<Trigger>),
    CustomerMessage(CustomerMessage),
    /// The log will be replayed from its start.
    Reset,
    /// Data that is not what its name says: skipped, but its id counts as seen.
    Unreadable,
}

/// A call that did not work, in words for the visitor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub message: String,
    /// A network or server failure (try again later) rather than a refusal (422).
    pub retryable: bool,
}

/// Everything that can happen to the conversation.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// The host page (its `setCustomer`) prefills the pre-chat form.
    Prefill(Customer),
    /// The host page (its `setExtra` or `data-extra`) gives the `extra` of the next start; the
    /// shell has checked that it fits in [`MAX_EXTRA_BYTES`] (`crate::host`).
    SetExtra(Map<String, Value>),
    /// What the site says of its conversations: a verified customer, tags, the page the visitor is
    /// on (`url`, `title`, `referrer`; the shell took them from the host page), a bot's transcript
    /// for the next conversation's agent. A conversation under way takes a new identity or new
    /// tags at once.
    Site { identity: Option<Identity>, tags: Option<Vec<String>>, page: Option<Map<String, Value>>, history: Option<SignedHistory> },
    /// The site's user logged out, or the visitor asked to forget this device: every session and
    /// the identity are forgotten (a conversation under way stays as it is in zChat).
    Forget,
    /// The visitor submitted the pre-chat form; `department` when they chose one from a list.
    Start { customer: Customer, department: Option<i64> },
    /// The relay answered start interaction.
    Started(Result<Session, Failure>),
    /// The visitor sends `text`; `key` is a fresh random idempotency key from the shell.
    Send { text: String, key: String },
    /// The relay answered the send with idempotency key `key`.
    Sent { key: String, result: Result<(), Failure> },
    /// The visitor asks to send a failed message again.
    Retry { key: String },
    /// The visitor picked files (the attach button, a paste, a drop).
    Attach(Vec<Picked>),
    /// The visitor took a file out of the tray.
    Detach { file: u32 },
    /// The visitor sends the tray's files, `caption` the first one's text; `keys` are fresh
    /// idempotency keys from the shell, one per file.
    SendFiles { caption: String, keys: Vec<String> },
    /// `sent` bytes of the upload with key `key` reached the relay.
    UploadProgress { key: String, sent: u64 },
    /// The relay answered the upload with key `key`.
    Uploaded { key: String, result: Result<Uploaded, Failure> },
    /// The visitor cancels a file on its way, or removes one that failed.
    CancelUpload { key: String },
    /// The visitor leaves an email or a phone (`text`, as typed) for the team's answer, with no
    /// agent available; `key` is the idempotency key of the message that carries it.
    LeaveContact { text: String, key: String },
    /// The host page shows the window (`true`) or not.
    WindowOpen(bool),
    /// The relay said when the team is back by the site's business hours (`None`: it is there).
    TeamBack(Option<i64>),
    /// The timer of an automatic resend fired.
    Resend { key: String },
    /// The event stream is connected.
    StreamOpened,
    /// An event from the stream: its `id:` as the browser gave it and its `data:` as the shell
    /// decoded it.
    StreamEvent { id: String, event: StreamEvent },
    /// The browser gave up on the event stream.
    StreamClosed,
    /// The stream broke and the browser is reconnecting it by itself (with `Last-Event-ID`).
    StreamRetrying,
    /// The reconnect timer fired.
    Reconnect,
    /// The page (re)loaded with this saved state.
    Restore(Saved),
    /// The visitor confirmed ending the conversation.
    Finish,
    /// The relay answered the finish.
    Finished(Result<(), Failure>),
    /// The visitor rates the finished conversation: a mood (one tap), a note, or both; a note may
    /// follow the mood.
    Rate { mood: Option<Mood>, note: String },
    /// The relay answered the rating.
    Rated(Result<(), Failure>),
    /// The visitor wants a new conversation after the end.
    NewConversation,
    /// The visitor changed the text being written; `empty` when nothing is left in the input.
    Writing { empty: bool },
    /// The typing timer fired.
    TypingTick,
    /// The browser is back online, or the page visible again: a waiting reconnect happens now.
    Wake,
    /// The window is open on the host page or not; the page is visible or not (hidden: another
    /// tab in front, the browser minimised). Seen when both.
    Seen { open: bool, visible: bool },
    /// The alternating title's timer fired.
    TitleTick,
    /// The visitor mutes the chime (`true`) or lets it sound again.
    Mute(bool),
    /// What the host page's browser says of notifications (on load, and its answer when asked).
    Notifications(Permission),
    /// The visitor turns browser notifications on (`true`) or off.
    Notify(bool),
}

/// What the shell must do after a step.
// A start's effect is the largest by far (every setting the page gave), and effects live only
// from a step to the shell's carrying them out: boxing it would add an allocation and code to
// every start for no memory anyone keeps.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Start an interaction in `department_id` for `customer`; `previous` is the visitor's
    /// earlier conversation, which its agent may read.
    StartInteraction {
        department_id: i64,
        customer: Customer,
        extra: Option<Map<String, Value>>,
        /// The page the visitor starts on, for the agent (the relay puts it in `extra`).
        page: Option<Map<String, Value>>,
        identity: Option<Identity>,
        tag_ids: Option<Vec<String>>,
        previous: Option<Session>,
        /// A bot's transcript for the agent (the relay checks its signature).
        history: Option<SignedHistory>,
    },
    /// Give the conversation under way what the site now says: a verified customer, its tags.
    UpdateConversation {
        session: Session,
        identity: Option<Identity>,
        tag_ids: Option<Vec<String>>,
    },
    /// Something new from the agents. Where the window is not seen (`unseen`), one tab of the
    /// visitor's plays the chime if `play` and shows the `notice` (a message's text, as a browser
    /// notification with the `agent`'s name) if any; where it is seen, the tab claims them so
    /// that no other tab gives them.
    Chime {
        unseen: bool,
        play: bool,
        agent: Option<String>,
        notice: Option<String>,
    },
    /// Ask the host page's browser for the permission to notify (the visitor turned them on).
    AskNotifications,
    /// The host page's title: the unread count (`Some`), or the page's own again.
    AlertTitle(Option<u32>),
    /// Feed [`Input::TitleTick`] back after `after_ms`.
    ScheduleTitleTick {
        after_ms: u32,
    },
    /// Ask the host page to show the window (a conversation under way was left open).
    ShowWindow,
    /// Ask the relay when the team is back by the site's `hours` in its `timezone`.
    AskHours {
        hours: String,
        timezone: String,
    },
    /// Outside business hours: tell the host page's launcher when the team is back.
    ReportAway(i64),
    /// Forget everything this device keeps of the widget (the frame's storage).
    ForgetDevice,
    /// End the conversation.
    FinishInteraction {
        session: Session,
    },
    /// Send the visitor's rating of the finished conversation (a mood, a note, or both).
    Rate {
        session: Session,
        mood: Option<Mood>,
        note: Option<String>,
    },
    /// Write the browser's saved state.
    Save(Saved),
    /// Tell zChat the visitor is typing (`true`) or stopped.
    NotifyTyping {
        session: Session,
        typing: bool,
    },
    /// Feed [`Input::TypingTick`] back after `after_ms`.
    ScheduleTypingTick {
        after_ms: u32,
    },
    /// Feed [`Input::Resend`] for `key` back after about `after_ms` (the shell adds jitter).
    ScheduleResend {
        key: String,
        after_ms: u32,
    },
    /// Tell the host page how many agent messages the visitor has not seen.
    ReportUnread(u32),
    /// Tell the host page a message was added to the conversation (seen for the first time).
    Announce(Announcement),
    /// Send the visitor's `text`, once whatever the retries: `key` is its idempotency key;
    /// `media` the kind and address of an uploaded file it carries.
    SendMessage {
        session: Session,
        key: String,
        text: String,
        media: Option<(zchat_types::MessageType, String)>,
    },
    /// Upload the visitor's file `file` (the shell's handle), once whatever the retries.
    Upload {
        session: Session,
        key: String,
        file: u32,
    },
    /// Stop the upload with key `key`.
    AbortUpload {
        key: String,
    },
    /// The shell may let go of the file (uploaded, removed, refused).
    DropFile {
        file: u32,
    },
    /// Open (or replace) the event stream, resuming after `after`.
    OpenStream {
        session: Session,
        after: Option<EventId>,
    },
    CloseStream,
    /// Feed [`Input::Reconnect`] back after about `after_ms` (the shell adds jitter).
    ScheduleReconnect {
        after_ms: u32,
    },
}

/// A new message, for the host page's `message` listeners.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Announcement {
    /// `"agent"` or `"visitor"`.
    pub from: &'static str,
    /// Empty for an agent message the widget cannot show (the shell says so in words).
    pub text: String,
    /// The agent's name and zChat's id of them, for an agent message.
    pub agent: Option<String>,
    pub agent_id: Option<i64>,
}
