//! The ClientApi V1 paths (and the relay's stream path beside them), as route templates in which
//! `{hash}` is the interaction hash: what the sandbox serves, the relay mirrors and calls upstream,
//! and the widget calls.

/// `POST`: start interaction.
pub const INTERACTIONS: &str = "/core/api/v1/interactions";
/// The relay's own: when the team is back by the site's business hours ([`crate::HoursAsked`]).
pub const HOURS: &str = "/hours";
/// `PUT`: update interaction.
pub const INTERACTION: &str = "/core/api/v1/interactions/{hash}";
/// `POST`: send message.
pub const MESSAGES: &str = "/core/api/v1/interactions/{hash}/messages";
/// `PUT`: notify when the client is typing.
pub const TYPING: &str = "/core/api/v1/interactions/{hash}/typing";
/// `PUT`: notify when the client stops typing.
pub const CLEARED: &str = "/core/api/v1/interactions/{hash}/cleared";
/// `PUT`: finish interaction.
pub const FINISH: &str = "/core/api/v1/interactions/{hash}/finish";
/// `GET`: the relay's event stream of one interaction (not zChat's).
pub const EVENTS: &str = "/core/api/v1/interactions/{hash}/events";
/// `POST`: a visitor's file, to the relay (not zChat's): answers its `type` and `url` for a message.
pub const UPLOADS: &str = "/core/api/v1/interactions/{hash}/uploads";
/// The header naming an uploaded file (percent-encoded UTF-8).
pub const FILE_NAME_HEADER: &str = "x-file-name";

/// `template` with `{hash}` filled in. The caller must have checked `hash` (letters, digits and
/// dashes), since it becomes part of a path.
pub fn for_interaction(template: &str, hash: &str) -> String {
    // Split at the braces (by character: the widget's wasm then carries no substring search).
    match template.split_once('{').and_then(|(before, rest)| Some((before, rest.split_once('}')?.1))) {
        Some((before, after)) => [before, hash, after].concat(),
        None => template.to_string(),
    }
}
