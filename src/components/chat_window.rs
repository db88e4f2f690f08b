//! The whole window for one conversation: header, status, then the form or the chat.

use yew::prelude::*;
use zchat_types::Customer;

use super::{Composer, PreChatForm, StatusLine, Transcript};
use crate::core::{Conversation, Phase};

#[derive(Properties, PartialEq)]
pub struct ChatWindowProps {
    pub conversation: Conversation,
    pub title: AttrValue,
    pub onstart: Callback<Customer>,
    pub onsend: Callback<String>,
    pub onretry: Callback<String>,
}

#[function_component(ChatWindow)]
pub fn chat_window(props: &ChatWindowProps) -> Html {
    let conversation = &props.conversation;
    let agent_name = conversation.agent_name.clone().map(AttrValue::from);
    let body = match &conversation.phase {
        Phase::PreChat { error } => html! {
            <PreChatForm error={error.clone().map(AttrValue::from)} onstart={props.onstart.clone()} />
        },
        Phase::Starting => html! { <PreChatForm busy=true onstart={props.onstart.clone()} /> },
        _ => html! {
            <>
                <Transcript entries={conversation.transcript.clone()} agent_typing={conversation.agent_typing}
                    agent_name={agent_name.clone()} onretry={props.onretry.clone()} />
                <Composer disabled={!conversation.can_send()} onsend={props.onsend.clone()} />
            </>
        },
    };
    html! {
        <section class="zc-window" aria-label={props.title.clone()}>
            <header class="zc-header"><h1>{ props.title.clone() }</h1></header>
            <StatusLine phase={conversation.phase.clone()} connection={conversation.connection} {agent_name} />
            { body }
        </section>
    }
}
