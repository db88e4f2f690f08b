//! Where the visitor writes: Enter sends, Shift+Enter makes a new line. Files come in by the
//! attach button (a real file input, keyboard reachable), a paste (a screenshot from the
//! clipboard) or a drop on the window (`ChatWindow`); they wait in the tray above the input, with
//! a thumbnail or their kind, their size and a remove button, and go when the visitor sends: the
//! text is then the first file's caption. Files that cannot go are said in words at once.

use wasm_bindgen::JsCast;
use web_sys::{ClipboardEvent, FileList, HtmlInputElement, HtmlTextAreaElement};
use yew::prelude::*;

use super::icons::{self, icon};
use super::use_texts;
use crate::core::attachments::{Picked, Refusal, Why, MAX_FILES};
use crate::core::Input;
use crate::keys::new_key;
use crate::texts::Texts;

#[derive(Properties, PartialEq)]
pub struct ComposerProps {
    /// Files waiting to be sent, and the last ones refused (with the largest size the relay takes).
    #[prop_or_default]
    pub tray: Vec<Picked>,
    #[prop_or_default]
    pub refusals: Vec<Refusal>,
    #[prop_or_default]
    pub upload_limit: u64,
    /// What the visitor does here: sends (a message, or the tray with a caption), writes (on every
    /// change of the text: whether the input is now empty), takes a file out of the tray.
    pub dispatch: Callback<Input>,
    /// The visitor picked or pasted files.
    #[prop_or_default]
    pub onfiles: Callback<FileList>,
}

/// The longest message the composer takes.
const MAX_CHARS: u32 = 4000;

/// What the file picker offers (the relay decides from the content all the same).
const ACCEPT: &str = "image/jpeg,image/png,image/gif,image/webp,video/mp4,video/webm,audio/*,.pdf,.docx,.xlsx,.pptx,.odt,.ods,.odp,.rtf,.txt,.csv";

#[function_component(Composer)]
pub fn composer(props: &ComposerProps) -> Html {
    let texts = use_texts();
    let input = use_node_ref();
    let send = {
        let input = input.clone();
        let (dispatch, files) = (props.dispatch.clone(), props.tray.len());
        move || {
            if let Some(area) = input.cast::<HtmlTextAreaElement>() {
                let text = area.value();
                if files > 0 {
                    // One idempotency key per file, fresh from the shell.
                    dispatch.emit(Input::SendFiles { caption: text, keys: (0..files).map(|_| new_key()).collect() });
                } else if !text.trim().is_empty() {
                    dispatch.emit(Input::Send { text, key: new_key() });
                } else {
                    return;
                }
                area.set_value("");
            }
        }
    };
    let onsubmit = {
        let send = send.clone();
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            send();
        })
    };
    let oninput = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |event: InputEvent| {
            let empty = event.target_dyn_into::<HtmlTextAreaElement>().is_none_or(|area| area.value().trim().is_empty());
            dispatch.emit(Input::Writing { empty });
        })
    };
    let onkeydown = Callback::from(move |event: KeyboardEvent| {
        if event.key() == "Enter" && !event.shift_key() && !event.is_composing() {
            event.prevent_default();
            send();
        }
    });
    // A pasted file (a screenshot) joins the tray; pasted text is pasted as usual.
    let onpaste = {
        let onfiles = props.onfiles.clone();
        Callback::from(move |event: Event| {
            let files = event.dyn_ref::<ClipboardEvent>().and_then(ClipboardEvent::clipboard_data).and_then(|data| data.files());
            if let Some(files) = files.filter(|files| files.length() > 0) {
                event.prevent_default();
                onfiles.emit(files);
            }
        })
    };
    let onchange = {
        let onfiles = props.onfiles.clone();
        Callback::from(move |event: Event| {
            if let Some(picker) = event.target_dyn_into::<HtmlInputElement>() {
                if let Some(files) = picker.files() {
                    onfiles.emit(files);
                }
                // The same file may be picked again after it was removed.
                picker.set_value("");
            }
        })
    };
    let placeholder = if props.tray.is_empty() { texts.write } else { texts.caption };
    html! {
        <>
            if !props.refusals.is_empty() {
                <p class="zc-refusals" role="alert">
                    { props.refusals.iter().map(|refusal| refused(texts, refusal, props.upload_limit)).collect::<Vec<_>>().join(" ") }
                </p>
            }
            if !props.tray.is_empty() {
                <ul class="zc-tray" aria-label={texts.attach}>
                    { for props.tray.iter().map(|picked| tray_item(texts, picked, &props.dispatch)) }
                </ul>
            }
            <form class="zc-composer" {onsubmit}>
                <label class="zc-attach" title={texts.attach}>
                    <input type="file" class="zc-visually-hidden" multiple=true accept={ACCEPT} {onchange} />
                    { icon(icons::ATTACH, false) }
                    <span class="zc-visually-hidden">{ texts.attach }</span>
                </label>
                <label for="zc-input" class="zc-visually-hidden">{ texts.your_message }</label>
                <textarea id="zc-input" ref={input} rows="1" {placeholder}
                    maxlength={MAX_CHARS.to_string()} {onkeydown} {oninput} {onpaste} />
                <button type="submit" class="zc-primary">{ texts.send }</button>
            </form>
        </>
    }
}

fn tray_item(texts: &Texts, picked: &Picked, dispatch: &Callback<Input>) -> Html {
    let file = picked.file;
    let dispatch = dispatch.clone();
    html! {
        <li class="zc-tray-item">
            if let Some(preview) = &picked.preview {
                <img class="zc-thumb" src={preview.clone()} alt="" />
            } else {
                <span class="zc-thumb" aria-hidden="true">{ kind_icon(&picked.mime) }</span>
            }
            <span class="zc-file-name">{ picked.name.clone() }</span>
            <span class="zc-file-size">{ size_text(picked.size) }</span>
            <button type="button" class="zc-link" aria-label={texts.remove.with(&picked.name)} onclick={Callback::from(move |_| dispatch.emit(Input::Detach { file }))}>{ icon(icons::CLOSE, false) }</button>
        </li>
    }
}

/// The kind of a file without a thumbnail, at a glance.
fn kind_icon(mime: &str) -> Html {
    icon(
        match mime.split('/').next() {
            Some("video") => icons::VIDEO,
            Some("audio") => icons::AUDIO,
            Some("image") => icons::IMAGE,
            _ => icons::FILE,
        },
        false,
    )
}

/// A refusal in the visitor's words.
fn refused(texts: &Texts, refusal: &Refusal, limit: u64) -> String {
    match refusal.why {
        Why::TooLarge => texts.too_large.fill(&[&refusal.name, &size_text(limit)]),
        Why::NotAccepted => texts.not_accepted.with(&refusal.name),
        Why::Empty => texts.empty_file.with(&refusal.name),
        Why::TooMany => texts.too_many.with(&MAX_FILES.to_string()),
    }
}

/// A size as people say it: `12 KB`, `2.4 MB` (whole numbers only: no float formatting in the wasm).
pub fn size_text(bytes: u64) -> String {
    const MB: u64 = 1024 * 1024;
    if bytes < MB {
        return [bytes.div_ceil(1024).to_string(), " KB".into()].concat();
    }
    let tenths = (bytes * 10 + MB / 2) / MB;
    let decimal = if tenths % 10 == 0 { String::new() } else { [".", &(tenths % 10).to_string()].concat() };
    [(tenths / 10).to_string(), decimal, " MB".into()].concat()
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::size_text;

    #[test]
    fn sizes_read_as_people_say_them() {
        assert_eq!(size_text(1), "1 KB");
        assert_eq!(size_text(350 * 1024), "350 KB");
        assert_eq!(size_text(10 * 1024 * 1024), "10 MB");
        assert_eq!(size_text(2_516_582), "2.4 MB");
    }
}
