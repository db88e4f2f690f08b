//! The window's menu: download the conversation (a text file made here, in the visitor's
//! language, with times and who wrote), the chime, notifications, and forget this device.

use std::rc::Rc;

use wasm_bindgen::JsCast;
use yew::prelude::*;

use super::icons::{self, icon};
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

/// An item of the menu: its class, its words, whether it is on (a switch), what it does.
struct Item {
    class: &'static str,
    words: &'static str,
    checked: Option<bool>,
    onclick: Callback<MouseEvent>,
}

/// The "⋯" menu in the header: download the conversation, the chime (where the site allows it),
/// notifications (where the browser may give them), forget this device (asked first, in the
/// window's question, [`forget_ask`]). A function, not a component: the browser's popover does the
/// rest (`popover`, `popovertarget`): it opens on a click, Enter or Space, puts the keyboard on its
/// first item (`autofocus`), and closes on Escape, a click outside or an item's click
/// (`popovertargetaction`), giving the button the focus back. What is ours: its place under the
/// header, ↑ ↓ Home End among the items, and Escape going no further (the window stays open).
pub fn menu(texts: &'static Texts, widget: &Widget, title: &AttrValue, dispatch: &Callback<Input>) -> Html {
    let Widget { site, visitor, conversation, .. } = widget;
    let entries = &conversation.transcript;
    let download = {
        let (entries, title) = (Rc::clone(entries), title.clone());
        Callback::from(move |_| crate::page::download(texts.conversation_file, &conversation_text(&entries, texts, &title, crate::clock::time_of)))
    };
    let (muted, notifying) = (visitor.muted, visitor.notifying());
    let item = |class, words, checked, onclick| Item { class, words, checked, onclick };
    let items = [
        (!entries.is_empty()).then_some(item("zc-save", texts.save_conversation, None, download)),
        site.alerts.sound.then(|| item("zc-sound", texts.sound, Some(!muted), dispatch.reform(move |_| Input::Mute(!muted)))),
        (visitor.permission != Permission::Unavailable)
            .then(|| item("zc-notify", texts.notifications, Some(notifying), dispatch.reform(move |_| Input::Notify(!notifying)))),
        Some(item("zc-forget", texts.forget_device, None, Callback::from(|_| crate::page::show_dialog("zc-forget-ask")))),
    ];
    let onkeydown = Callback::from(|event: KeyboardEvent| match event.key().as_str() {
        "Escape" => event.stop_propagation(),
        key => move_focus(&event, key),
    });
    html! {
        <>
            <button type="button" class="zc-more" aria-label={texts.more} title={texts.more} aria-haspopup="menu" popovertarget="zc-menu"
                onclick={Callback::from(|event: MouseEvent| crate::page::place_under(&event, "zc-menu"))}>
                { icon(icons::MORE, false) }
            </button>
            <ul id="zc-menu" class="zc-menu" role="menu" aria-label={texts.more} popover="auto" {onkeydown}>
                { for items.into_iter().flatten().enumerate().map(|(n, Item { class, words, checked, onclick })| html! {
                    <li key={class} role="none">
                        <button type="button" role={if checked.is_some() { "menuitemcheckbox" } else { "menuitem" }} {class} autofocus={n == 0}
                            aria-checked={checked.map(|checked| if checked { "true" } else { "false" })} popovertarget="zc-menu" popovertargetaction="hide" {onclick}>
                            { words }
                        </button>
                    </li>
                }) }
            </ul>
        </>
    }
}

/// "Forget this device?", asked in the window: a modal dialog (the browser keeps the keyboard in
/// it, Escape is "no"), whose answers are a form's (`method="dialog"`); forgotten on "yes" only.
pub fn forget_ask(texts: &Texts, dispatch: &Callback<Input>) -> Html {
    let dispatch = dispatch.clone();
    let onclose = Callback::from(move |event: Event| {
        let answer = event.target().and_then(|t| t.dyn_into::<web_sys::HtmlDialogElement>().ok()).map(|dialog| dialog.return_value());
        if answer.as_deref() == Some("yes") {
            dispatch.emit(Input::Forget);
        }
    });
    html! {
        <dialog id="zc-forget-ask" class="zc-ask" role="alertdialog" aria-labelledby="zc-forget-question" {onclose}>
            <form method="dialog">
                <p id="zc-forget-question">{ texts.forget_question }</p>
                <button value="yes" class="zc-forget-yes">{ texts.forget_yes }</button>
                <button value="no" class="zc-forget-no" autofocus=true>{ texts.end_no }</button>
            </form>
        </dialog>
    }
}

/// ↑ ↓ Home End among the menu's items (the focus wraps around).
fn move_focus(event: &KeyboardEvent, key: &str) {
    // (The menu around the key's target: under Yew's delegated listeners `current_target` is the
    // app's root.)
    let target = event.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok());
    let Some(menu) = target.and_then(|t| t.closest("[role=menu]").ok().flatten()) else { return };
    let Ok(items) = menu.query_selector_all("[role^=menuitem]") else { return };
    let count = items.length();
    let focused = web_sys::window().and_then(|w| w.document()).and_then(|d| d.active_element());
    let at = (0..count).find(|&n| items.get(n).zip(focused.clone()).is_some_and(|(item, focused)| item.is_same_node(Some(&focused))));
    let next = match (key, at) {
        _ if count == 0 => return,
        ("ArrowDown", Some(at)) => (at + 1) % count,
        ("ArrowUp", Some(at)) => (at + count - 1) % count,
        ("ArrowDown" | "Home", _) => 0,
        ("ArrowUp" | "End", _) => count - 1,
        _ => return,
    };
    event.prevent_default();
    if let Some(item) = items.get(next).and_then(|item| item.dyn_into::<web_sys::HtmlElement>().ok()) {
        let _ = item.focus();
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
