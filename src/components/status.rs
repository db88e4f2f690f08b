//! One line under the header that says where the conversation is.

use yew::prelude::*;

use crate::core::{Connection, Phase};

#[derive(Properties, PartialEq)]
pub struct StatusLineProps {
    pub phase: Phase,
    pub connection: Connection,
    #[prop_or_default]
    pub agent_name: Option<AttrValue>,
}

/// The words for a phase (and the connection, which matters more when it is down).
pub fn status_text(phase: &Phase, connection: Connection, agent_name: Option<&str>) -> Option<String> {
    if matches!(connection, Connection::Reconnecting { .. }) && *phase != Phase::Finished {
        return Some("Reconnecting…".into());
    }
    Some(match phase {
        Phase::PreChat { .. } => return None,
        Phase::Starting => "Starting the conversation…".into(),
        Phase::Waiting => "Connecting you to an agent…".into(),
        Phase::Queued { position: 1 } => "You are next in line.".into(),
        Phase::Queued { position } => format!("You are number {position} in line."),
        Phase::Unavailable => "No agent is available right now. Leave a message or try again later.".into(),
        Phase::Chatting => match agent_name {
            Some(name) => format!("You are chatting with {name}."),
            None => "An agent joined the conversation.".into(),
        },
        Phase::Finished => "This conversation has ended.".into(),
    })
}

#[function_component(StatusLine)]
pub fn status_line(props: &StatusLineProps) -> Html {
    match status_text(&props.phase, props.connection, props.agent_name.as_deref()) {
        Some(text) => html! { <p class="zc-status" role="status" aria-live="polite">{ text }</p> },
        None => html! {},
    }
}
