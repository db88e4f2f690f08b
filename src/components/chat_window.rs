//! The whole window for one conversation: header (title, end, the menu, close), status, then the
//! form or the chat.

use std::rc::Rc;

use yew::prelude::*;

use super::icons::{self, icon};
use super::{contact_ask, end_chat, forget_ask, menu, rating_panel, status_line, use_texts, viewer, Composer, PreChatForm, Transcript};
use crate::core::{Input, Phase, Status, Widget};

#[derive(Properties, PartialEq)]
pub struct ChatWindowProps {
    /// Shared with the driver: rendering copies nothing of it, and it compares by its parts.
    pub widget: Rc<Widget>,
    pub title: AttrValue,
    /// Everything the visitor does, to the core.
    pub dispatch: Callback<Input>,
    /// The visitor's files, picked (button, paste, drop): the shell keeps them, the core hears of them.
    #[prop_or_default]
    pub onfiles: Callback<web_sys::FileList>,
    /// Closes the window on the host page (none when the frame runs on its own).
    #[prop_or_default]
    pub onclose: Option<Callback<()>>,
}

#[function_component(ChatWindow)]
pub fn chat_window(props: &ChatWindowProps) -> Html {
    let texts = use_texts();
    let Widget { site, conversation, .. } = &*props.widget;
    let dispatch = &props.dispatch;
    let body = match &conversation.phase {
        Phase::PreChat { error } => html! {
            <PreChatForm site={site.clone()} error={error.clone().map(AttrValue::from)} dispatch={dispatch.clone()} />
        },
        Phase::Starting => html! { <PreChatForm site={site.clone()} busy=true dispatch={dispatch.clone()} /> },
        Phase::Finished { rating, .. } => html! {
            <>
                <Transcript entries={conversation.transcript.clone()} dispatch={dispatch.clone()} />
                { rating_panel(texts, rating, dispatch) }
            </>
        },
        Phase::Live { status, .. } => html! {
            <>
                if *status == Status::Unavailable && !conversation.contact {
                    { contact_ask(texts, dispatch) }
                }
                <Transcript entries={conversation.transcript.clone()} agent_typing={conversation.agent.typing}
                    agent_name={conversation.agent.name.clone().map(AttrValue::from)} dispatch={dispatch.clone()} />
                <Composer tray={conversation.tray.clone()} refusals={conversation.refusals.clone()} upload_limit={site.upload_limit}
                    dispatch={dispatch.clone()} onfiles={props.onfiles.clone()} />
            </>
        },
    };
    let can_end = conversation.can_send();
    {
        // Focus follows the screen: the composer once the chat starts, the rating once it ends,
        // the form's first field when a new one begins.
        let screen = match conversation.phase {
            Phase::PreChat { .. } | Phase::Starting => 0,
            Phase::Finished { .. } => 2,
            _ => 1,
        };
        use_effect_with(screen, move |screen| {
            let target = match screen {
                0 => ".zc-prechat input",
                1 => "#zc-input",
                _ => ".zc-good, .zc-new",
            };
            crate::page::focus(target);
        });
    }
    // Files dragged over the window while the visitor can write: the window becomes a drop zone
    // (its `data-dropping` shows `data-drop`, drawn by the CSS: no state, no render).
    let can_attach = conversation.can_send();
    let section = use_node_ref();
    let dropping = {
        let section = section.clone();
        move |on: bool| {
            if let Some(window) = section.cast::<web_sys::Element>() {
                let _ = if on { window.set_attribute("data-dropping", "") } else { window.remove_attribute("data-dropping") };
            }
        }
    };
    let ondragover = {
        let dropping = dropping.clone();
        Callback::from(move |event: DragEvent| {
            if can_attach {
                event.prevent_default();
                dropping(true);
            }
        })
    };
    let ondragleave = {
        let dropping = dropping.clone();
        Callback::from(move |_: DragEvent| dropping(false))
    };
    let ondrop = {
        let onfiles = props.onfiles.clone();
        Callback::from(move |event: DragEvent| {
            event.prevent_default();
            dropping(false);
            if let Some(files) = event.data_transfer().and_then(|data| data.files()).filter(|_| can_attach) {
                onfiles.emit(files);
            }
        })
    };
    html! {
        <section class="zc-window" ref={section} aria-label={props.title.clone()} data-drop={texts.drop_files} {ondragover} {ondragleave} {ondrop}>
            <header class="zc-header">
                <h1>{ props.title.clone() }</h1>
                if can_end {
                    { end_chat(texts, dispatch) }
                }
                { menu(texts, &props.widget, &props.title, dispatch) }
                if let Some(onclose) = &props.onclose {
                    <button type="button" class="zc-close" aria-label={texts.close} title={texts.close} onclick={onclose.reform(|_| ())}>{ icon(icons::CLOSE, false) }</button>
                }
            </header>
            { status_line(texts, site, conversation) }
            if let Some(notice) = &conversation.notice {
                <p class="zc-form-error zc-notice" role="alert">{ notice.clone() }</p>
            }
            { body }
            { viewer(texts) }
            { forget_ask(texts, dispatch) }
        </section>
    }
}
