//! One transcript entry: text as text (never HTML), agent media only from http(s) URLs.

use yew::prelude::*;
use zchat_types::MessageType;

use super::icons::{self, icon};
use super::use_texts;
use crate::core::{file_of, initial, safe_url, Delivery, Entry, EntryId, Input, Sender};
use crate::texts::Texts;

#[derive(Properties, PartialEq)]
pub struct MessageBubbleProps {
    pub entry: Entry,
    /// The first of its author's group: the author is said (an agent's name and initial).
    #[prop_or(true)]
    pub opens: bool,
    /// The last of its group: the time is said.
    #[prop_or(true)]
    pub closes: bool,
    /// Sends a failed message again; cancels a file on its way, or removes one that failed.
    pub dispatch: Callback<Input>,
}

/// A piece of message text: plain, or an http(s) address to make a link of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment<'a> {
    Text(&'a str),
    Link(&'a str),
}

/// Splits `text` into plain runs and http(s) addresses. Punctuation that ends a sentence stays out
/// of the address (`see https://x.com/a.` links `https://x.com/a`); nothing else becomes a link.
pub fn segments(text: &str) -> Vec<Segment<'_>> {
    let mut out = Vec::new();
    let mut plain_from = 0;
    let mut index = 0;
    while index < text.len() {
        let rest = &text[index..];
        let at_word_start = index == 0 || text[..index].ends_with(char::is_whitespace) || text[..index].ends_with(['(', '<', '"', '\'']);
        let scheme = ["https://", "http://"].into_iter().find(|s| rest.get(..s.len()).is_some_and(|p| p.eq_ignore_ascii_case(s)));
        if let (true, Some(scheme)) = (at_word_start, scheme) {
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            let url = rest[..end].trim_end_matches(['.', ',', ';', ':', '!', '?', ')', ']', '}', '\'', '"', '>']);
            if url.len() > scheme.len() {
                if plain_from < index {
                    out.push(Segment::Text(&text[plain_from..index]));
                }
                out.push(Segment::Link(url));
                index += url.len();
                plain_from = index;
                continue;
            }
        }
        index += rest.chars().next().map_or(1, char::len_utf8);
    }
    if plain_from < text.len() {
        out.push(Segment::Text(&text[plain_from..]));
    }
    out
}

fn linked(text: &str) -> Html {
    html! {
        { for segments(text).into_iter().map(|segment| match segment {
            Segment::Text(text) => html! { { text.to_string() } },
            Segment::Link(url) => html! {
                <a href={url.to_string()} target="_blank" rel="noopener noreferrer nofollow">{ url.to_string() }</a>
            },
        }) }
    }
}

fn media(texts: &Texts, kind: MessageType, url: Option<&str>, content: &str) -> Html {
    let Some(url) = url.and_then(safe_url) else { return html! {} };
    let address = AttrValue::from(url.to_string());
    match kind {
        // A text with an address (the reference's own example; and a type this widget does not
        // know, read as text): the address as a link, unless the text shows it already.
        MessageType::Text if content.contains(url) => html! {},
        MessageType::Text => html! {
            <a class="zc-link-out" href={address.clone()} target="_blank" rel="noopener noreferrer nofollow">{ address }</a>
        },
        MessageType::Image => picture(texts, address, content),
        MessageType::Video => html! { <video class="zc-media" src={address} controls=true preload="metadata" /> },
        MessageType::Audio => html! { <audio src={address} controls=true preload="metadata" /> },
        MessageType::File => {
            // A card: the file's kind, its name, and what it is (the kind's letters).
            let (name, letters) = file_of(url).unwrap_or_default();
            let name = if name.is_empty() { texts.download.to_string() } else { name };
            html! {
                <a class="zc-card" href={address} target="_blank" rel="noopener noreferrer" download="">
                    { icon(icons::FILE, false) }
                    <span class="zc-card-name">{ name }</span>
                    if let Some(letters) = letters {
                        <span class="zc-card-kind">{ letters }</span>
                    }
                </a>
            }
        }
    }
}

/// An agent's picture: a thumbnail that shows it full size in the window's viewer
/// (`crate::page::view_picture`, the one dialog `viewer` draws).
fn picture(texts: &Texts, url: AttrValue, alt: &str) -> Html {
    let (address, words) = (url.clone(), alt.to_string());
    // Named by what it shows when the agent said (its `alt`), else by what it does.
    let name = if alt.trim().is_empty() { texts.open_image.to_string() } else { alt.to_string() };
    html! {
        <button type="button" class="zc-picture" aria-label={name} title={texts.open_image} onclick={Callback::from(move |_| crate::page::view_picture(&address, &words))}>
            <img class="zc-media" src={url} alt={alt.to_string()} loading="lazy" />
        </button>
    }
}

/// The window's picture viewer: a modal dialog, its picture set when a thumbnail opens it; its
/// close button a form's (`method="dialog"`: the browser closes it, no script).
pub fn viewer(texts: &Texts) -> Html {
    html! {
        <dialog id="zc-viewer" class="zc-viewer" aria-label={texts.picture} closedby="any">
            <form method="dialog"><button class="zc-close" aria-label={texts.close_picture}>{ icon(icons::CLOSE, false) }</button></form>
            <img />
        </dialog>
    }
}

#[function_component(MessageBubble)]
pub fn message_bubble(props: &MessageBubbleProps) -> Html {
    let texts = use_texts();
    let entry = &props.entry;
    // (A class of its own for a group's later messages: `classes!` costs the wasm 2 KB.)
    let (class, author) = match (&entry.sender, props.opens) {
        (Sender::Visitor, true) => ("zc-message zc-visitor", None),
        (Sender::Visitor, false) => ("zc-message zc-visitor zc-cont", None),
        (Sender::Agent { .. }, false) => ("zc-message zc-agent zc-cont", None),
        // zChat may name no agent: then the bubble says who in general.
        (Sender::Agent { name }, true) if name.trim().is_empty() => ("zc-message zc-agent", Some(texts.agent.to_string())),
        (Sender::Agent { name }, true) => ("zc-message zc-agent", Some(name.clone())),
        (Sender::System(line), _) => return html! { <li class="zc-system">{ line.text(texts) }</li> },
    };
    let said = props.closes || entry.delivery != Delivery::Sent;
    let delivery = match (&entry.delivery, &entry.id) {
        (Delivery::Sending { .. }, _) => html! { <span class="zc-delivery">{ texts.sending }</span> },
        (Delivery::Sent, _) => html! {},
        (Delivery::Failed { reason }, EntryId::Local(key)) => {
            let key = key.clone();
            html! {
                <span class="zc-delivery zc-failed">
                    { texts.not_sent.with(reason) }
                    <button type="button" class="zc-link" onclick={props.dispatch.reform(move |_| Input::Retry { key: key.clone() })}>{ texts.retry }</button>
                </span>
            }
        }
        (Delivery::Uploading { sent, total, .. }, EntryId::Local(key)) => {
            let percent = (sent * 100).checked_div(*total).unwrap_or(0) as u32;
            let key = key.clone();
            html! {
                <span class="zc-delivery zc-uploading">
                    <progress max="100" value={percent.to_string()} aria-hidden="true" />
                    // Said in steps of ten, not at every event.
                    { texts.uploading.with(&(percent / 10 * 10).to_string()) }
                    <button type="button" class="zc-link" onclick={props.dispatch.reform(move |_| Input::CancelUpload { key: key.clone() })}>{ texts.cancel }</button>
                </span>
            }
        }
        (Delivery::UploadFailed { reason, .. }, EntryId::Local(key)) => {
            let (retry_key, key) = (key.clone(), key.clone());
            html! {
                <span class="zc-delivery zc-failed">
                    { texts.not_sent.with(reason) }
                    <button type="button" class="zc-link" onclick={props.dispatch.reform(move |_| Input::Retry { key: retry_key.clone() })}>{ texts.retry }</button>
                    { " " }
                    <button type="button" class="zc-link" onclick={props.dispatch.reform(move |_| Input::CancelUpload { key: key.clone() })}>{ texts.remove.with(&entry.content) }</button>
                </span>
            }
        }
        (Delivery::Failed { reason } | Delivery::UploadFailed { reason, .. }, _) => {
            html! { <span class="zc-delivery zc-failed">{ reason.clone() }</span> }
        }
        (Delivery::Uploading { .. }, _) => html! {},
    };
    html! {
        <li {class} data-delivery={entry.delivery.name()}>
            if let Some(author) = author {
                <span class="zc-avatar" aria-hidden="true">{ initial(&author).map(String::from).unwrap_or_default() }</span>
                <span class="zc-author">{ author }</span>
            }
            if entry.is_unshowable() {
                // Nothing to show: a neutral line, so the visitor knows the agent sent something.
                <p class="zc-text">{ texts.line_unshowable }</p>
            } else {
                <p class="zc-text">{ linked(&entry.content) }</p>
                { media(texts, entry.kind, entry.url.as_deref(), &entry.content) }
            }
            if said {
                <span class="zc-meta"><time>{ crate::clock::time_of(entry.at) }</time>{ " " }{ delivery }</span>
            }
        </li>
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::{segments, Segment::*};

    #[test]
    fn only_http_addresses_become_links() {
        assert_eq!(segments("veja https://loja.com/p?id=1. Obrigado"), [Text("veja "), Link("https://loja.com/p?id=1"), Text(". Obrigado")]);
        assert_eq!(segments("(http://a.com/x)"), [Text("("), Link("http://a.com/x"), Text(")")]);
        assert_eq!(segments("HTTPS://A.COM"), [Link("HTTPS://A.COM")]);
        assert_eq!(segments("javascript:alert(1) https:// x"), [Text("javascript:alert(1) https:// x")]);
        assert_eq!(segments("nohttps://a.com"), [Text("nohttps://a.com")], "only at a word's start");
        assert_eq!(segments("ação é https://ç.com/ã ok"), [Text("ação é "), Link("https://ç.com/ã"), Text(" ok")]);
        assert_eq!(segments(""), []);
    }
}
