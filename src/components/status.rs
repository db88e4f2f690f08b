//! One line under the header that says where the conversation is.

use yew::prelude::*;

use crate::core::{Connection, Conversation, Phase};
use crate::texts::Texts;

/// The words for a phase (and the connection, which matters more when it is down).
pub fn status_text(
    texts: &Texts,
    phase: &Phase,
    connection: Connection,
    agent_name: Option<&str>,
    contact: bool,
    away: Option<&str>,
) -> Option<String> {
    if matches!(connection, Connection::Reconnecting { .. }) && *phase != Phase::Finished {
        return Some(texts.status_reconnecting.into());
    }
    Some(match phase {
        Phase::PreChat { .. } => texts.away.with(away?),
        Phase::Starting => texts.status_starting.into(),
        Phase::Waiting => texts.status_waiting.into(),
        Phase::Queued { position: Some(1) } => texts.status_next.into(),
        Phase::Queued { position: Some(position) } => texts.status_in_line.with(&position.to_string()),
        Phase::Queued { position: None } => texts.status_queued.into(),
        Phase::Unavailable if contact => texts.status_unavailable_contact.into(),
        Phase::Unavailable => texts.status_unavailable.into(),
        Phase::Chatting => match agent_name {
            Some(name) => texts.status_chatting_with.with(name),
            None => texts.status_agent_joined.into(),
        },
        Phase::Finished => texts.status_ended.into(),
    })
}

/// The line, or nothing before the conversation starts (unless the team is away by the site's
/// business hours: then when it is back, in the visitor's time and language). A function, not a
/// component: it holds nothing.
pub fn status_line(texts: &Texts, conversation: &Conversation) -> Html {
    let agent_name = conversation.agent_name.as_deref();
    let back_at = conversation.back_at.filter(|at| *at > crate::clock::now() as i64);
    let away = back_at.map(|at| crate::clock::day_and_time(at, conversation.lang.tag()));
    let away = away.as_deref();
    match status_text(texts, &conversation.phase, conversation.link.state, agent_name, conversation.contact, away) {
        Some(text) => html! { <p class="zc-status" role="status" aria-live="polite">{ text }</p> },
        None => html! {},
    }
}
