//! The messages, oldest first, and the agent's typing indicator.

use std::rc::Rc;

use yew::prelude::*;

use super::{use_texts, MessageBubble};
use crate::core::{Entry, Input};

#[derive(Properties, PartialEq)]
pub struct TranscriptProps {
    /// Shared with the conversation: equal (and not rendered again) while it is the same list.
    pub entries: Rc<Vec<Entry>>,
    #[prop_or_default]
    pub agent_typing: bool,
    #[prop_or_default]
    pub agent_name: Option<AttrValue>,
    /// A failed message sent again, a file on its way cancelled.
    pub dispatch: Callback<Input>,
}

#[function_component(Transcript)]
pub fn transcript(props: &TranscriptProps) -> Html {
    let texts = use_texts();
    let list = use_node_ref();
    {
        // Keep the newest message in view.
        let list = list.clone();
        let count = props.entries.len();
        let typing = props.agent_typing;
        use_effect_with((count, typing), move |_| {
            if let Some(list) = list.cast::<web_sys::Element>() {
                list.set_scroll_top(list.scroll_height());
            }
        });
    }
    let typing = props.agent_name.as_deref().map_or(texts.agent_typing.to_string(), |name| texts.named_typing.with(name));
    html! {
        // The log is the list's container: a list item's parent must stay a list for screen readers.
        // It scrolls, so the keyboard can reach it (tabindex) to scroll it when nothing in it takes focus.
        <div class="zc-transcript" ref={list} role="log" aria-live="polite" aria-label={texts.messages} tabindex="0">
            <ol class="zc-messages">
                { for props.entries.iter().map(|entry| html! {
                    <MessageBubble key={entry.id.key()} entry={entry.clone()} dispatch={props.dispatch.clone()} />
                }) }
            </ol>
            if props.agent_typing {
                <p class="zc-typing" aria-live="polite">{ typing }</p>
            }
        </div>
    }
}
