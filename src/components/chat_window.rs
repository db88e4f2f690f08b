//! The whole window for one conversation: header, status, then the form or the chat.

use std::rc::Rc;

use yew::prelude::*;
use zchat_types::{Customer, Mood};

use super::icons::{self, icon};
use super::{contact_ask, end_chat, rating_panel, status_line, tools, use_texts, Composer, PreChatForm, Transcript};
use crate::core::{Conversation, Input, Phase};

#[derive(Properties, PartialEq)]
pub struct ChatWindowProps {
    /// Shared with the driver: rendering copies nothing of it.
    pub conversation: Rc<Conversation>,
    pub title: AttrValue,
    /// The visitor starts, with the department they chose (when there is a list).
    pub onstart: Callback<(Customer, Option<i64>)>,
    pub onsend: Callback<String>,
    pub onretry: Callback<String>,
    #[prop_or_default]
    pub onfinish: Callback<()>,
    #[prop_or_default]
    pub onrate: Callback<(Mood, String)>,
    #[prop_or_default]
    pub onnew: Callback<()>,
    #[prop_or_default]
    pub onwriting: Callback<bool>,
    /// The visitor asks to forget this device (confirmed).
    #[prop_or_default]
    pub onforget: Callback<()>,
    /// The visitor's files: picked (button, paste, drop), taken out of the tray, sent (with the
    /// caption), cancelled on their way.
    #[prop_or_default]
    pub onfiles: Callback<web_sys::FileList>,
    #[prop_or_default]
    pub ondetach: Callback<u32>,
    #[prop_or_default]
    pub onsendfiles: Callback<String>,
    #[prop_or_default]
    pub oncancel: Callback<String>,
    /// The footer's switches: the chime's mute, notifications.
    #[prop_or_default]
    pub onswitch: Callback<Input>,
    /// The visitor leaves an email or a phone when no agent is available.
    #[prop_or_default]
    pub oncontact: Callback<String>,
    /// Closes the window on the host page (none when the frame runs on its own).
    #[prop_or_default]
    pub onclose: Option<Callback<()>>,
}

#[function_component(ChatWindow)]
pub fn chat_window(props: &ChatWindowProps) -> Html {
    let texts = use_texts();
    let conversation = &props.conversation;
    let agent_name = conversation.agent_name.clone().map(AttrValue::from);
    let body = match &conversation.phase {
        Phase::PreChat { error } => html! {
            <PreChatForm fields={conversation.fields.clone()} departments={conversation.departments.clone()}
                selected={conversation.department_id} error={error.clone().map(AttrValue::from)} prefill={conversation.prefill.clone()} verified={conversation.identity.is_some()} onstart={props.onstart.clone()} />
        },
        Phase::Starting => html! {
            <PreChatForm fields={conversation.fields.clone()} departments={conversation.departments.clone()}
                selected={conversation.department_id} busy=true prefill={conversation.prefill.clone()} verified={conversation.identity.is_some()} onstart={props.onstart.clone()} />
        },
        Phase::Finished => html! {
            <>
                <Transcript entries={conversation.transcript.clone()} onretry={props.onretry.clone()} />
                { rating_panel(texts, &conversation.rating, &props.onrate, &props.onnew) }
            </>
        },
        _ => html! {
            <>
                if conversation.phase == Phase::Unavailable && !conversation.contact {
                    { contact_ask(texts, &props.oncontact) }
                }
                <Transcript entries={conversation.transcript.clone()} agent_typing={conversation.agent_typing}
                    agent_name={agent_name.clone()} onretry={props.onretry.clone()} oncancel={props.oncancel.clone()} />
                <Composer disabled={!conversation.can_send()} onsend={props.onsend.clone()} onwriting={props.onwriting.clone()}
                    tray={conversation.tray.clone()} refusals={conversation.refusals.clone()} upload_limit={conversation.upload_limit}
                    onfiles={props.onfiles.clone()} ondetach={props.ondetach.clone()} onsendfiles={props.onsendfiles.clone()} />
            </>
        },
    };
    let can_end = conversation.session.is_some() && conversation.phase != Phase::Finished;
    {
        // Focus follows the screen: the composer once the chat starts, the rating once it ends,
        // the form's first field when a new one begins.
        let screen = match conversation.phase {
            Phase::PreChat { .. } | Phase::Starting => 0,
            Phase::Finished => 2,
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
                    { end_chat(texts, &props.onfinish) }
                }
                if let Some(onclose) = &props.onclose {
                    <button type="button" class="zc-close" aria-label={texts.close} title={texts.close} onclick={onclose.reform(|_| ())}>{ icon(icons::CLOSE, false) }</button>
                }
            </header>
            { status_line(texts, conversation) }
            if let Some(notice) = &conversation.notice {
                <p class="zc-form-error zc-notice" role="alert">{ notice.clone() }</p>
            }
            { body }
            { tools(texts, conversation, &props.title, &props.onforget, &props.onswitch) }
        </section>
    }
}
