//! The messages, oldest first, each day's first under its day, an author's in a row grouped
//! (`crate::core::layout`); and the agent's typing indicator.

use std::rc::Rc;

use yew::prelude::*;

use super::{use_texts, MessageBubble};
use crate::core::{layout, Day, Entry, Input};
use crate::texts::{Lang, Texts};

/// A separator's words: today, yesterday, or the date in the widget's language.
fn day_text(texts: &Texts, lang: Lang, day: Day) -> String {
    match day {
        Day::Today => texts.today.to_string(),
        Day::Yesterday => texts.yesterday.to_string(),
        Day::On(at) => crate::clock::date_of(at, lang.tag()),
    }
}

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
    // The visitor's calendar: their days, from the browser's time zone.
    let rows = layout(&props.entries, crate::clock::now(), crate::clock::local_day);
    let lang = use_context::<Lang>().unwrap_or_default();
    let typing = props.agent_name.as_deref().map_or(texts.agent_typing.to_string(), |name| texts.named_typing.with(name));
    html! {
        // The log is the list's container: a list item's parent must stay a list for screen readers.
        // It scrolls, so the keyboard can reach it (tabindex) to scroll it when nothing in it takes focus.
        <div class="zc-transcript" ref={list} role="log" aria-live="polite" aria-label={texts.messages} tabindex="0">
            <ol class="zc-messages">
                // Every item keyed (a day's separator by the entry it comes before).
                { for props.entries.iter().zip(rows).flat_map(|(entry, row)| {
                    let key = entry.id.key();
                    let day = row.day.map(|day| html! { <li key={["d:", &key].concat()} class="zc-day"><span>{ day_text(texts, lang, day) }</span></li> });
                    let bubble = html! {
                        <MessageBubble {key} entry={entry.clone()} opens={row.opens} closes={row.closes} dispatch={props.dispatch.clone()} />
                    };
                    day.into_iter().chain([bubble])
                }) }
            </ol>
            if props.agent_typing {
                <p class="zc-typing" aria-live="polite">{ typing }</p>
            }
        </div>
    }
}
