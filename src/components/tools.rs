//! The window's footer: download the conversation (a text file made here, in the visitor's
//! language, with times and who wrote), and forget this device (confirmed).

use std::rc::Rc;

use yew::prelude::*;

use super::{time_of, Confirmed};
use crate::core::{Entry, Input, Permission, Sender, Widget};
use crate::texts::Texts;

/// The conversation as plain text: the title, then one line per entry, `[time] who: what`.
pub fn conversation_text(entries: &[Entry], texts: &Texts, title: &str, time: impl Fn(u64) -> String) -> String {
    let mut text = format!("{title}\n\n");
    for entry in entries {
        let (who, what) = match &entry.sender {
            Sender::System(line) => (None, line.text(texts).to_string()),
            Sender::Visitor => (Some(texts.you), entry.content.clone()),
            Sender::Agent { name } => {
                let who = if name.trim().is_empty() { texts.agent } else { name.as_str() };
                let what = if entry.is_unshowable() { texts.line_unshowable.to_string() } else { entry.content.clone() };
                (Some(who), what)
            }
        };
        let address = entry.url.as_deref().and_then(crate::core::safe_url).map(|url| [" ", url].concat()).unwrap_or_default();
        match who {
            Some(who) => text.push_str(&format!("[{}] {who}: {what}{address}\n", time(entry.at))),
            None => text.push_str(&format!("[{}] — {what}\n", time(entry.at))),
        }
    }
    text
}

/// The footer (a function, not a component: it has no state of its own, and each component
/// type costs the wasm its own machinery). Its switches go to the core (`onswitch`): the chime's
/// shows where the site allows it, the notifications' where the browser may give them.
pub fn tools(texts: &'static Texts, widget: &Widget, title: &AttrValue, dispatch: &Callback<Input>) -> Html {
    let Widget { site, visitor, conversation, .. } = widget;
    let entries = &conversation.transcript;
    let download = {
        let (entries, title) = (Rc::clone(entries), title.clone());
        Callback::from(move |_| crate::page::download(texts.conversation_file, &conversation_text(&entries, texts, &title, time_of)))
    };
    let (muted, notifying) = (visitor.muted, visitor.notifying());
    html! {
        <footer class="zc-tools">
            if !entries.is_empty() {
                <button type="button" class="zc-link zc-save" onclick={download}>{ texts.save_conversation }</button>
            }
            if site.alerts.sound {
                <button type="button" class="zc-link zc-sound" aria-pressed={(!muted).to_string()} onclick={dispatch.reform(move |_| Input::Mute(!muted))}>{ texts.sound }</button>
            }
            if visitor.permission != Permission::Unavailable {
                <button type="button" class="zc-link zc-notify" aria-pressed={notifying.to_string()} onclick={dispatch.reform(move |_| Input::Notify(!notifying))}>{ texts.notifications }</button>
            }
            <Confirmed label={texts.forget_device} question={texts.forget_question} yes={texts.forget_yes} no={texts.end_no} class="zc-link zc-forget"
                onconfirm={dispatch.reform(|()| Input::Forget)} />
        </footer>
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use zchat_types::MessageType;

    use super::*;
    use crate::core::{Delivery, EntryId, SystemLine};
    use crate::texts::Lang;

    fn entry(sender: Sender, content: &str, url: Option<&str>, at: u64) -> Entry {
        Entry {
            id: EntryId::Event(at.to_string()),
            sender,
            content: content.into(),
            kind: MessageType::Text,
            url: url.map(Into::into),
            at,
            delivery: Delivery::Sent,
        }
    }

    #[test]
    fn the_downloaded_conversation_says_who_wrote_what_and_when_in_the_visitors_language() {
        let entries = [
            entry(Sender::Visitor, "Olá, preciso de ajuda", None, 1),
            Entry::system(EntryId::Event("2".into()), SystemLine::AgentJoined, 2),
            entry(Sender::Agent { name: "Bia".into() }, "Veja aqui", Some("https://loja.example/ajuda"), 3),
            entry(Sender::Agent { name: "".into() }, "", Some("javascript:alert(1)"), 4),
        ];
        let text = conversation_text(&entries, Lang::PtBr.texts(), "Loja", |at| format!("10:0{at}"));
        assert_eq!(
            text,
            "Loja\n\n[10:01] Você: Olá, preciso de ajuda\n[10:02] — Um atendente entrou na conversa.\n\
             [10:03] Bia: Veja aqui https://loja.example/ajuda\n[10:04] Atendente: O atendente enviou algo que este chat não consegue mostrar.\n"
        );
    }
}
