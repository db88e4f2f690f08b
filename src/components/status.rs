//! Under the header, where the conversation is: a line, or a card while the visitor waits.

use yew::prelude::*;

use crate::core::{Connection, Conversation, Phase, Site, Status};
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
    let status = match phase {
        Phase::PreChat { .. } => return Some(texts.away.with(away?)),
        Phase::Starting => return Some(texts.status_starting.into()),
        Phase::Finished { .. } => return Some(texts.status_ended.into()),
        Phase::Live { status, .. } => *status,
    };
    if matches!(connection, Connection::Reconnecting { .. }) {
        return Some(texts.status_reconnecting.into());
    }
    Some(match status {
        Status::Waiting => texts.status_waiting.into(),
        Status::Queued { position: Some(1) } => texts.status_next.into(),
        Status::Queued { position: Some(position) } => texts.status_in_line.with(&position.to_string()),
        Status::Queued { position: None } => texts.status_queued.into(),
        Status::Unavailable if contact => texts.status_unavailable_contact.into(),
        Status::Unavailable => texts.status_unavailable.into(),
        Status::Chatting => match agent_name {
            Some(name) => texts.status_chatting_with.with(name),
            None => texts.status_agent_joined.into(),
        },
    })
}

/// The line, or nothing before the conversation starts (unless the team is away by the site's
/// business hours: then when it is back, in the visitor's time and language). A function, not a
/// component: it holds nothing.
pub fn status_line(texts: &Texts, site: &Site, conversation: &Conversation) -> Html {
    let agent_name = conversation.agent.name.as_deref();
    let back_at = site.hours.as_ref().and_then(|hours| hours.back_at).filter(|at| *at > crate::clock::now() as i64);
    let away = back_at.map(|at| crate::clock::day_and_time(at, site.lang.tag()));
    let away = away.as_deref();
    let Some(text) = status_text(texts, &conversation.phase, conversation.link.state, agent_name, conversation.contact, away) else {
        return html! {};
    };
    // Waiting is what the visitor came to the window for: a card, not a grey line, saying where
    // they are and what happens next (from what the widget knows: no request of its own). The
    // live region is the same element either way: a screen reader hears every change.
    let waiting = match &conversation.phase {
        Phase::Live { status: Status::Waiting | Status::Queued { .. }, .. } => Some(true),
        Phase::Live { status: Status::Unavailable, .. } => Some(false),
        _ => None,
    };
    let waiting = waiting.filter(|_| !matches!(conversation.link.state, Connection::Reconnecting { .. }));
    html! {
        <div class={if waiting.is_some() { "zc-waiting" } else { "zc-line" }}>
            <p class="zc-status" role="status" aria-live="polite">{ text }</p>
            if waiting == Some(true) {
                <p class="zc-next">{ texts.wait_next }</p>
            }
        </div>
    }
}
