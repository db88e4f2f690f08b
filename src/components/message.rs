//! One transcript entry: text as text (never HTML), agent media only from http(s) URLs.

use yew::prelude::*;
use zchat_types::MessageType;

use crate::core::{Delivery, Entry, EntryId, Sender};

#[derive(Properties, PartialEq)]
pub struct MessageBubbleProps {
    pub entry: Entry,
    /// Asks to send a failed message again (its idempotency key).
    pub onretry: Callback<String>,
}

/// `url` if it is an http(s) URL, the only kind rendered as a link or media.
pub fn safe_url(url: &str) -> Option<&str> {
    let lower = url.trim_start().get(..8).unwrap_or(url).to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://")).then_some(url.trim())
}

fn time_of(at: u64) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(at as f64));
    let (hours, minutes) = (date.get_hours(), date.get_minutes());
    format!("{hours:02}:{minutes:02}")
}

fn media(kind: MessageType, url: Option<&str>, content: &str) -> Html {
    let Some(url) = url.and_then(safe_url) else { return html! {} };
    let url = AttrValue::from(url.to_string());
    match kind {
        MessageType::Text => html! {},
        MessageType::Image => html! {
            <a href={url.clone()} target="_blank" rel="noopener noreferrer">
                <img class="zc-media" src={url} alt={content.to_string()} loading="lazy" />
            </a>
        },
        MessageType::Video => html! { <video class="zc-media" src={url} controls=true preload="metadata" /> },
        MessageType::Audio => html! { <audio src={url} controls=true preload="metadata" /> },
        MessageType::File => html! {
            <a class="zc-file" href={url} target="_blank" rel="noopener noreferrer" download="">{ "Download file" }</a>
        },
    }
}

#[function_component(MessageBubble)]
pub fn message_bubble(props: &MessageBubbleProps) -> Html {
    let entry = &props.entry;
    let (class, author) = match &entry.sender {
        Sender::Visitor => ("zc-message zc-visitor", None),
        Sender::Agent { name } => ("zc-message zc-agent", Some(name.clone())),
        Sender::System => return html! { <li class="zc-system">{ entry.content.clone() }</li> },
    };
    let delivery = match (&entry.delivery, &entry.id) {
        (Delivery::Sending, _) => html! { <span class="zc-delivery">{ "Sending…" }</span> },
        (Delivery::Sent, _) => html! {},
        (Delivery::Failed { reason }, EntryId::Local(key)) => {
            let onretry = props.onretry.clone();
            let key = key.clone();
            html! {
                <span class="zc-delivery zc-failed">
                    { format!("Not sent: {reason} ") }
                    <button type="button" class="zc-link" onclick={Callback::from(move |_| onretry.emit(key.clone()))}>{ "Retry" }</button>
                </span>
            }
        }
        (Delivery::Failed { reason }, _) => html! { <span class="zc-delivery zc-failed">{ reason.clone() }</span> },
    };
    html! {
        <li class={class} data-delivery={format!("{:?}", entry.delivery).split_whitespace().next().unwrap_or_default().to_lowercase()}>
            if let Some(author) = author {
                <span class="zc-author">{ author }</span>
            }
            <p class="zc-text">{ entry.content.clone() }</p>
            { media(entry.kind, entry.url.as_deref(), &entry.content) }
            <span class="zc-meta"><time>{ time_of(entry.at) }</time>{ " " }{ delivery }</span>
        </li>
    }
}
