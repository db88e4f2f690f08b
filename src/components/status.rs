//! One line under the header that says where the conversation is.

use yew::prelude::*;

use super::use_texts;
use crate::core::{Connection, Phase};
use crate::texts::Texts;

#[derive(Properties, PartialEq)]
pub struct StatusLineProps {
    pub phase: Phase,
    pub connection: Connection,
    #[prop_or_default]
    pub agent_name: Option<AttrValue>,
}

/// The words for a phase (and the connection, which matters more when it is down).
pub fn status_text(texts: &Texts, phase: &Phase, connection: Connection, agent_name: Option<&str>) -> Option<String> {
    if matches!(connection, Connection::Reconnecting { .. }) && *phase != Phase::Finished {
        return Some(texts.status_reconnecting.into());
    }
    Some(match phase {
        Phase::PreChat { .. } => return None,
        Phase::Starting => texts.status_starting.into(),
        Phase::Waiting => texts.status_waiting.into(),
        Phase::Queued { position: Some(1) } => texts.status_next.into(),
        Phase::Queued { position: Some(position) } => texts.status_in_line.with(&position.to_string()),
        Phase::Queued { position: None } => texts.status_queued.into(),
        Phase::Unavailable => texts.status_unavailable.into(),
        Phase::Chatting => match agent_name {
            Some(name) => texts.status_chatting_with.with(name),
            None => texts.status_agent_joined.into(),
        },
        Phase::Finished => texts.status_ended.into(),
    })
}

#[function_component(StatusLine)]
pub fn status_line(props: &StatusLineProps) -> Html {
    let texts = use_texts();
    match status_text(texts, &props.phase, props.connection, props.agent_name.as_deref()) {
        Some(text) => html! { <p class="zc-status" role="status" aria-live="polite">{ text }</p> },
        None => html! {},
    }
}
