//! What a visitor may send, decided from a file's content (its first bytes), never from its name
//! or the browser's type: those may only agree with the content or say nothing.
//!
//! The accepted kinds are a short allow-list (README: what visitors can send). Left out on
//! purpose: SVG and HTML (script in an image's clothes), archives (anything inside), and the
//! legacy binary Office formats (`.doc`, `.xls`, `.ppt`: the classic macro carriers; their
//! current XML formats are in).

use zchat_types::MessageType;

/// One accepted kind: how it is stored (`ext`, the stored object's extension, unique per kind),
/// served (`mime`) and sent to zChat (`message`).
#[derive(Debug, PartialEq, Eq)]
pub struct Kind {
    pub ext: &'static str,
    pub mime: &'static str,
    pub message: MessageType,
    /// What people call it, for refusals and the README.
    pub label: &'static str,
    /// File-name extensions that agree with it.
    names: &'static [&'static str],
    /// Browser types that agree with it.
    declared: &'static [&'static str],
}

use MessageType::{Audio, File, Image, Video};

macro_rules! kind {
    ($ext:literal, $mime:literal, $message:expr, $label:literal, [$($name:literal),*], [$($declared:literal),*]) => {
        Kind { ext: $ext, mime: $mime, message: $message, label: $label, names: &[$($name),*], declared: &[$($declared),*] }
    };
}

pub static KINDS: &[Kind] = &[
    kind!("jpg", "image/jpeg", Image, "JPEG image", ["jpg", "jpeg", "jpe", "jfif"], ["image/jpeg", "image/jpg", "image/pjpeg"]),
    kind!("png", "image/png", Image, "PNG image", ["png"], ["image/png"]),
    kind!("gif", "image/gif", Image, "GIF image", ["gif"], ["image/gif"]),
    kind!("webp", "image/webp", Image, "WebP image", ["webp"], ["image/webp"]),
    kind!("mp4", "video/mp4", Video, "MP4 video", ["mp4", "m4v"], ["video/mp4", "video/x-m4v", "application/mp4"]),
    kind!("webm", "video/webm", Video, "WebM video", ["webm"], ["video/webm"]),
    kind!("mp3", "audio/mpeg", Audio, "MP3 audio", ["mp3", "mpga"], ["audio/mpeg", "audio/mp3"]),
    kind!("ogg", "audio/ogg", Audio, "Ogg audio", ["ogg", "oga", "opus"], ["audio/ogg", "audio/opus", "application/ogg"]),
    kind!("wav", "audio/wav", Audio, "WAV audio", ["wav"], ["audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave"]),
    kind!("m4a", "audio/mp4", Audio, "M4A audio", ["m4a"], ["audio/mp4", "audio/x-m4a", "audio/m4a"]),
    kind!("weba", "audio/webm", Audio, "WebM audio", ["weba", "webm"], ["audio/webm"]),
    kind!("pdf", "application/pdf", File, "PDF document", ["pdf"], ["application/pdf"]),
    kind!(
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        File,
        "Word document",
        ["docx"],
        ["application/vnd.openxmlformats-officedocument.wordprocessingml.document"]
    ),
    kind!(
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        File,
        "Excel workbook",
        ["xlsx"],
        ["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"]
    ),
    kind!(
        "pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        File,
        "PowerPoint presentation",
        ["pptx"],
        ["application/vnd.openxmlformats-officedocument.presentationml.presentation"]
    ),
    kind!("odt", "application/vnd.oasis.opendocument.text", File, "OpenDocument text", ["odt"], ["application/vnd.oasis.opendocument.text"]),
    kind!(
        "ods",
        "application/vnd.oasis.opendocument.spreadsheet",
        File,
        "OpenDocument spreadsheet",
        ["ods"],
        ["application/vnd.oasis.opendocument.spreadsheet"]
    ),
    kind!(
        "odp",
        "application/vnd.oasis.opendocument.presentation",
        File,
        "OpenDocument presentation",
        ["odp"],
        ["application/vnd.oasis.opendocument.presentation"]
    ),
    kind!("rtf", "application/rtf", File, "RTF document", ["rtf"], ["application/rtf", "text/rtf"]),
    kind!("txt", "text/plain; charset=utf-8", File, "text file", ["txt", "text", "log", "md"], ["text/plain", "text/markdown", "text/x-log"]),
    // Windows browsers call a .csv `application/vnd.ms-excel`.
    kind!("csv", "text/csv; charset=utf-8", File, "CSV file", ["csv"], ["text/csv", "application/vnd.ms-excel", "text/plain"]),
];

/// The sentence every wrong-kind refusal ends with.
pub const ACCEPTED: &str = "Accepted: images (JPEG, PNG, GIF, WebP), videos (MP4, WebM), audio (MP3, Ogg, WAV, WebM, M4A) and documents \
     (PDF, Word, Excel, PowerPoint, OpenDocument, RTF, text, CSV)";

/// The kind stored under `ext`.
pub fn by_ext(ext: &str) -> Option<&'static Kind> {
    KINDS.iter().find(|kind| kind.ext == ext)
}

/// The kinds a detected content type may be, the usual one first: a container that holds sound
/// or pictures alike is told apart by what the visitor's name or browser says.
fn candidates(detected: &str) -> &'static [&'static str] {
    match detected {
        "image/jpeg" => &["jpg"],
        "image/png" => &["png"],
        "image/gif" => &["gif"],
        "image/webp" => &["webp"],
        "video/mp4" | "video/x-m4v" => &["mp4", "m4a"],
        "audio/m4a" => &["m4a"],
        "video/webm" => &["webm", "weba"],
        "audio/mpeg" => &["mp3"],
        "audio/ogg" | "audio/opus" => &["ogg"],
        "audio/x-wav" => &["wav"],
        "application/pdf" => &["pdf"],
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => &["docx"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => &["xlsx"],
        "application/vnd.openxmlformats-officedocument.presentationml.presentation" => &["pptx"],
        "application/vnd.oasis.opendocument.text" => &["odt"],
        "application/vnd.oasis.opendocument.spreadsheet" => &["ods"],
        "application/vnd.oasis.opendocument.presentation" => &["odp"],
        "application/rtf" => &["rtf"],
        TEXT => &["txt", "csv"],
        _ => &[],
    }
}

const TEXT: &str = "text/plain";

/// Decides the kind of a file from `head`, its first bytes (`whole` when that is all of it), and
/// checks that its name's extension and the browser's `declared` type, when they say anything,
/// agree. The refusal says why, for a 415.
pub fn classify(head: &[u8], whole: bool, name: &str, declared: &str) -> Result<&'static Kind, String> {
    let detected = match infer::get(head) {
        Some(found) => found.mime_type(),
        None if is_text(head, whole) => TEXT,
        None => return Err(format!("This file's kind could not be recognised from its content. {ACCEPTED}")),
    };
    let candidates = candidates(detected);
    if candidates.is_empty() {
        return Err(format!("Files of this kind ({detected}) cannot be sent. {ACCEPTED}"));
    }
    let extension = extension(name);
    let declared = declared.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    let declared = (!declared.is_empty() && declared != "application/octet-stream").then_some(declared);
    let agrees = |kind: &Kind| {
        extension.as_ref().is_none_or(|ext| kind.names.contains(&ext.as_str()))
            && declared.as_ref().is_none_or(|declared| kind.declared.contains(&declared.as_str()))
    };
    let kinds = candidates.iter().filter_map(|ext| by_ext(ext));
    if let Some(kind) = kinds.clone().find(|kind| agrees(kind)) {
        return Ok(kind);
    }
    let content = kinds.clone().next().map_or(detected, |kind| kind.label);
    Err(match (extension, declared) {
        (Some(ext), _) if !kinds.clone().any(|kind| kind.names.contains(&ext.as_str())) => {
            format!("The file's name ends in .{ext} but its content is a {content}: rename it or send the right file")
        }
        (_, Some(declared)) => format!("The file says it is {declared} but its content is a {content}"),
        _ => format!("The file's name and type do not match its content (a {content})"),
    })
}

/// The lowercase extension of a file name, if it has one (`.bashrc` has none).
fn extension(name: &str) -> Option<String> {
    let (stem, ext) = name.rsplit_once('.')?;
    (!stem.is_empty() && !ext.is_empty()).then(|| ext.to_ascii_lowercase())
}

/// Whether `head` is plain UTF-8 text, and not markup a browser would run (HTML, SVG, XML).
fn is_text(head: &[u8], whole: bool) -> bool {
    let text = match std::str::from_utf8(head) {
        Ok(text) => text,
        // The head may end in the middle of a character.
        Err(error) if !whole && error.error_len().is_none() && head.len() - error.valid_up_to() < 4 => {
            std::str::from_utf8(&head[..error.valid_up_to()]).unwrap_or_default()
        }
        Err(_) => return false,
    };
    let control = |c: char| c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\u{c}');
    let start = text.trim_start_matches('\u{feff}').trim_start();
    !text.is_empty() && !text.chars().any(control) && !start.starts_with('<')
}

#[cfg(test)]
mod tests {
    use super::*;

    const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F', 0];
    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    const PDF: &[u8] = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n";
    const ELF: &[u8] = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0";

    #[test]
    fn the_content_decides_and_honest_names_and_types_agree() {
        assert_eq!(classify(JPEG, true, "photo.JPEG", "image/jpeg").unwrap().ext, "jpg");
        assert_eq!(classify(JPEG, true, "", "").unwrap().ext, "jpg");
        assert_eq!(classify(JPEG, true, "photo", "application/octet-stream").unwrap().ext, "jpg");
        assert_eq!(classify(PNG, true, "screenshot.png", "image/png").unwrap().message, MessageType::Image);
        assert_eq!(classify(PDF, true, "receipt.pdf", "application/pdf").unwrap().message, MessageType::File);
        assert_eq!(classify(b"name,total\nana,3\n", true, "list.csv", "application/vnd.ms-excel").unwrap().ext, "csv");
        assert_eq!(classify("olá, tudo bem?\n".as_bytes(), true, "note.txt", "text/plain").unwrap().ext, "txt");
    }

    #[test]
    fn names_and_types_that_lie_are_refused() {
        let table: &[(&[u8], &str, &str, &str)] = &[
            (PNG, "receipt.pdf", "", "ends in .pdf but its content is a PNG image"),
            (PNG, "a.png", "application/pdf", "says it is application/pdf but its content is a PNG image"),
            (JPEG, "photo.png", "image/png", "ends in .png"),
            (PDF, "report.exe", "", "ends in .exe"),
            (b"just text\n", "page.html", "text/html", "ends in .html"),
            (b"just text\n", "notes.txt", "text/html", "says it is text/html"),
        ];
        for (head, name, declared, expected) in table {
            let refusal = classify(head, true, name, declared).unwrap_err();
            assert!(refusal.contains(expected), "{name} {declared}: {refusal}");
        }
    }

    #[test]
    fn unaccepted_and_unknown_contents_are_refused_with_the_list() {
        let svg = b"<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>";
        let html = b"\xef\xbb\xbf  <!doctype html><script>alert(1)</script>";
        let zip = b"PK\x03\x04\x14\0\0\0\0\0";
        let table: [&[u8]; 7] = [ELF, svg, html, zip, b"\0\0\0\0binary", b"MZ\x90\0\x03\0\0\0", b"\x1b[31mred"];
        for head in table {
            let refusal = classify(head, true, "file", "").unwrap_err();
            assert!(refusal.contains(ACCEPTED), "{head:?}: {refusal}");
        }
    }

    #[test]
    fn one_container_is_told_apart_by_the_name_or_type() {
        let mut webm = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04\x42\xf3\x81\x08\x42\x82\x84webm\x42\x87".to_vec();
        webm.resize(300, 0);
        let webm = webm.as_slice();
        assert_eq!(classify(webm, false, "clip.webm", "video/webm").unwrap().ext, "webm");
        assert_eq!(classify(webm, false, "voice.webm", "audio/webm").unwrap().ext, "weba");
        assert_eq!(classify(webm, false, "", "").unwrap().ext, "webm");
    }

    #[test]
    fn a_text_head_cut_inside_a_character_is_still_text() {
        let text = "ação ".repeat(10);
        // Ends after the first of the two bytes of the last "ç".
        let cut = &text.as_bytes()[..65];
        assert!(std::str::from_utf8(cut).is_err());
        assert_eq!(classify(cut, false, "a.txt", "").unwrap().ext, "txt");
        assert!(classify(cut, true, "a.txt", "").is_err());
    }

    #[test]
    fn stored_extensions_are_unique() {
        for kind in KINDS {
            assert_eq!(KINDS.iter().filter(|other| other.ext == kind.ext).count(), 1, "{}", kind.ext);
            assert!(!kind.ext.contains(['/', '.']));
        }
    }
}
