//! The controls' icons, drawn as inline SVG in the text's colour (`currentColor`), as the launcher
//! is: an emoji character is an empty box on a system without a colour-emoji font. Strokes of a
//! 24-unit grid (after Feather's shapes); each icon is one path, decorative (`aria-hidden`): the
//! control around it carries the words.

use yew::prelude::*;

/// A paperclip: attach files.
pub const ATTACH: &str = "M21 11l-9 9a6 6 0 0 1-8.5-8.5l9-9a4 4 0 0 1 5.7 5.7l-9 9a2 2 0 0 1-2.9-2.9l8.5-8.4";
/// A thumb up (turned half a turn, a thumb down): the rating.
pub const THUMB: &str = "M14 9V5a3 3 0 0 0-3-3l-4 9v11h11.3a2 2 0 0 0 2-1.7l1.4-9a2 2 0 0 0-2-2.3zM7 22H4a2 2 0 0 1-2-2v-7a2 2 0 0 1 2-2h3";
/// Three dots: more (the window's menu).
pub const MORE: &str = "M5 12h.01M12 12h.01M19 12h.01";
/// A cross: close, remove.
pub const CLOSE: &str = "M18 6L6 18M6 6l12 12";
/// A page with a folded corner: a file.
pub const FILE: &str = "M13 2H6a2 2 0 0 0-2 2v16a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V9zM13 2v7h7";
/// A frame with a sun and a hill: an image.
pub const IMAGE: &str =
    "M5 3h14a2 2 0 0 1 2 2v14a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zM8.5 10a1.5 1.5 0 1 0 0-3 1.5 1.5 0 0 0 0 3zM21 15l-5-5L5 21";
/// A play sign in a frame: a video.
pub const VIDEO: &str = "M5 3h14a2 2 0 0 1 2 2v14a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zM10 8l6 4-6 4z";
/// A note: a recording.
pub const AUDIO: &str = "M9 18V5l12-2v13M9 18a3 3 0 1 1-6 0 3 3 0 0 1 6 0zM21 16a3 3 0 1 1-6 0 3 3 0 0 1 6 0z";

/// `path` as an icon of the text's size; `turned`: half a turn (a thumb down from a thumb up).
pub fn icon(path: &'static str, turned: bool) -> Html {
    html! {
        <svg class="zc-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
            <path d={path} transform={turned.then_some("rotate(180 12 12)")} />
        </svg>
    }
}
