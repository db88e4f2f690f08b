//! A stored file's public address: `{RELAY_PUBLIC_URL}/uploads/{token}.{ext}/{name}`, where
//! `token` is 16 random bytes and a 16-byte signature (base64url, 43 characters) binding the
//! random part, the kind and the name to the interaction it was uploaded for. Nobody can guess an
//! address (128 random bits), and a relay can tell, with its session secret alone (so any relay
//! of several), whether a message's `url` is one it issued for that conversation.
//! The stored object is `{token}.{ext}.{name}`: the extension in the address decides how it is
//! served, and an address with another name finds nothing. `name` is the visitor's own name for
//! the file ([`display_name`]: any letters, accents, CJK and emoji kept), percent-encoded as UTF-8
//! in one spelling, so that the agent saves the file under it (RFC 6266's `filename*`, with an
//! ASCII [`safe_name`] for the clients that read only `filename`).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use subtle::ConstantTimeEq;

use super::kind::{self, Kind};
use crate::session::Sessions;

/// Where stored files are served, under the relay's public URL.
pub const PREFIX: &str = "/uploads/";
const NONCE: usize = 16;
const TAG: usize = 16;
/// Base64url characters of the token.
const TOKEN_CHARS: usize = 43;

/// A file's address, once issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    /// The stored object's key: `{token}.{ext}.{name}`.
    pub object: String,
    pub url: String,
}

/// Everything but what RFC 3986 leaves unreserved is percent-encoded in an address's name.
const RESERVED: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// The longest name kept, in characters (a file system's limit is about 255 bytes).
const MAX_NAME_CHARS: usize = 100;

/// `name` in an address's one spelling: its UTF-8 bytes percent-encoded but the unreserved ones.
pub fn encoded(name: &str) -> String {
    utf8_percent_encode(name, RESERVED).to_string()
}

/// Issues a new address for a file of `kind` called `name` (already made a [`display_name`])
/// uploaded for `hash`.
pub fn issue(sessions: &Sessions, public_url: &str, hash: &str, kind: &Kind, name: &str) -> Address {
    let mut nonce = [0u8; NONCE];
    getrandom::fill(&mut nonce).expect("the OS random source");
    let tag = sessions.upload_signature(hash, &signed(&URL_SAFE_NO_PAD.encode(nonce), kind.ext, name));
    let file = format!("{}.{}", URL_SAFE_NO_PAD.encode([nonce, tag].concat()), kind.ext);
    let name = encoded(name);
    Address { url: format!("{public_url}{PREFIX}{file}/{name}"), object: format!("{file}.{name}") }
}

fn signed(nonce: &str, ext: &str, name: &str) -> String {
    format!("{nonce}.{ext}/{name}")
}

/// The part of a served path after [`PREFIX`] as the stored object's key, the kind it is stored
/// as and the download name (decoded): `None` unless it has the shape [`issue`] makes, in its one
/// spelling.
pub fn parse(rest: &str) -> Option<(String, &'static Kind, String)> {
    let (file, spelled) = rest.split_once('/')?;
    let (token, ext) = file.split_once('.')?;
    let kind = kind::by_ext(ext)?;
    let token_ok = token.len() == TOKEN_CHARS && token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    let name = percent_decode_str(spelled).decode_utf8().ok()?;
    let canonical = encoded(&name) == spelled && display_name(&name, kind) == name;
    (token_ok && canonical).then(|| (format!("{file}.{spelled}"), kind, name.into_owned()))
}

/// Whether `url` is an address issued for `hash` (the signature is checked in constant time).
pub fn issued_for(sessions: &Sessions, public_url: &str, hash: &str, url: &str) -> Option<&'static Kind> {
    let rest = url.strip_prefix(public_url)?.strip_prefix(PREFIX)?;
    let (object, kind, name) = parse(rest)?;
    let token = object.split_once('.')?.0;
    let bytes = URL_SAFE_NO_PAD.decode(token).ok()?;
    let (nonce, tag) = bytes.split_at_checked(NONCE)?;
    let expected = sessions.upload_signature(hash, &signed(&URL_SAFE_NO_PAD.encode(nonce), kind.ext, &name));
    (tag.len() == TAG && bool::from(tag.ct_eq(&expected))).then_some(kind)
}

/// The visitor's name for a file, as the agent will save it: its last path part, without control
/// characters or those a file system refuses (`/ \ : * ? " < > |`, each `_`), trimmed, at most
/// [`MAX_NAME_CHARS`], with the kind's own extension (`file` when nothing is left). Letters of any
/// script and emoji stay.
pub fn display_name(name: &str, kind: &Kind) -> String {
    let name = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let stem = match name.rsplit_once('.') {
        Some((stem, _)) if !stem.trim().is_empty() => stem,
        _ => name,
    };
    let stem: String = stem
        .chars()
        .filter(|c| !c.is_control())
        .map(|c| if matches!(c, ':' | '*' | '?' | '"' | '<' | '>' | '|') { '_' } else { c })
        .take(MAX_NAME_CHARS - kind.ext.len() - 1)
        .collect();
    let stem = stem.trim().trim_start_matches('.');
    let stem = if stem.is_empty() { "file" } else { stem };
    format!("{stem}.{}", kind.ext)
}

/// A file name safe in a URL and a download: Latin letters without their accents, digits, `-`
/// and `_` (anything else becomes `_`), at most 60 of them, then the kind's own extension (the
/// `filename` beside `filename*` for clients that read only that).
pub fn safe_name(name: &str, kind: &Kind) -> String {
    // A path's last part only (a name never has one, but a hostile caller may send it).
    let name = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let stem = match name.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem,
        _ => name,
    };
    let mut safe = String::new();
    for c in stem.chars().map(unaccented) {
        let c = if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' };
        if !(c == '_' && (safe.is_empty() || safe.ends_with('_'))) {
            safe.push(c);
        }
        if safe.len() >= 60 {
            break;
        }
    }
    let safe = safe.trim_end_matches('_');
    let stem = if safe.is_empty() { "file" } else { safe };
    format!("{stem}.{}", kind.ext)
}

/// The letter without its accent, for the accented letters of Portuguese, Spanish and their
/// neighbours; anything else as it is.
fn unaccented(c: char) -> char {
    const FROM: &str = "àáâãäåçèéêëìíîïñòóôõöùúûüýÿÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖÙÚÛÜÝ";
    const TO: &str = "aaaaaaceeeeiiiinooooouuuuyyAAAAAACEEEEIIIINOOOOOUUUUY";
    FROM.chars().position(|from| from == c).and_then(|at| TO.chars().nth(at)).unwrap_or(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PUBLIC: &str = "https://chat.example.com";

    fn jpeg() -> &'static Kind {
        kind::by_ext("jpg").unwrap()
    }

    #[test]
    fn an_address_is_good_for_its_own_interaction_only() {
        let sessions = Sessions::new(b"secret".to_vec());
        let name = safe_name("Recibo de março.jpeg", jpeg());
        assert_eq!(name, "Recibo_de_marco.jpg");
        let address = issue(&sessions, PUBLIC, "h1", jpeg(), &name);
        assert!(address.url.starts_with("https://chat.example.com/uploads/") && address.url.ends_with(".jpg/Recibo_de_marco.jpg"));
        assert_eq!(issued_for(&sessions, PUBLIC, "h1", &address.url), Some(jpeg()));
        assert_eq!(issued_for(&sessions, PUBLIC, "h2", &address.url), None);
        assert_eq!(issued_for(&Sessions::new(b"other".to_vec()), PUBLIC, "h1", &address.url), None);
        let other = issue(&sessions, PUBLIC, "h1", jpeg(), &name);
        assert_ne!(other.object, address.object, "random");
    }

    #[test]
    fn an_address_changed_anywhere_is_not_issued() {
        let sessions = Sessions::new(b"secret".to_vec());
        let url = issue(&sessions, PUBLIC, "h1", jpeg(), "a.jpg").url;
        let token_at = url.find(PREFIX).unwrap() + PREFIX.len();
        let mut flipped = url.clone().into_bytes();
        flipped[token_at + 3] = if flipped[token_at + 3] == b'A' { b'B' } else { b'A' };
        let table = [
            String::from_utf8(flipped).unwrap(),
            url.replace(".jpg/", ".png/").replace("a.jpg", "a.png"),
            url.replace("/a.jpg", "/b.jpg"),
            url.replace("https://chat.example.com", "https://evil.example.com"),
            url.replace("https://", "http://"),
            format!("{url}/more"),
            format!("{url}?x=1"),
            "https://evil.example.com/receipt.jpg".to_string(),
            "javascript:alert(1)".to_string(),
            String::new(),
            format!("{PUBLIC}/uploads/"),
            format!("{PUBLIC}/uploads/../../etc/passwd"),
        ];
        for bad in table {
            assert_eq!(issued_for(&sessions, PUBLIC, "h1", &bad), None, "{bad}");
        }
    }

    #[test]
    fn the_visitors_own_name_is_kept_in_one_spelling_and_bound_by_the_signature() {
        let sessions = Sessions::new(b"secret".to_vec());
        let pdf = kind::by_ext("pdf").unwrap();
        let table = [
            ("relatório-ação.pdf", "relatório-ação.pdf", "relatorio-acao.pdf"),
            ("報告書.pdf", "報告書.pdf", "file.pdf"),
            ("🎉 festa final.PDF", "🎉 festa final.pdf", "festa_final.pdf"),
            ("../../etc/passwd", "passwd.pdf", "passwd.pdf"),
            ("a:b*c?d\"e<f>g|h.pdf", "a_b_c_d_e_f_g_h.pdf", "a_b_c_d_e_f_g_h.pdf"),
            ("tab\there\u{0}.pdf", "tabhere.pdf", "tabhere.pdf"),
            ("  .hidden.pdf", "hidden.pdf", "hidden.pdf"),
            ("", "file.pdf", "file.pdf"),
        ];
        for (given, shown, ascii) in table {
            assert_eq!(display_name(given, pdf), shown, "{given:?}");
            assert_eq!(safe_name(shown, pdf), ascii, "{given:?}");
            let address = issue(&sessions, PUBLIC, "h1", pdf, shown);
            assert!(address.url.is_ascii(), "{}", address.url);
            let rest = address.url.strip_prefix(&format!("{PUBLIC}{PREFIX}")).unwrap();
            assert_eq!(parse(rest).map(|(_, _, name)| name).as_deref(), Some(shown), "{given:?}");
            assert_eq!(issued_for(&sessions, PUBLIC, "h1", &address.url), Some(pdf), "{given:?}");
        }
        assert_eq!(display_name(&"名".repeat(300), pdf).chars().count(), MAX_NAME_CHARS);
        // One spelling only: the same name spelled otherwise finds nothing.
        let address = issue(&sessions, PUBLIC, "h1", pdf, "relatório.pdf");
        for other in [address.url.replace("%C3%B3", "%c3%b3"), address.url.replace("%C3%B3", "ó"), address.url.replace("relat", "rel%61t")] {
            assert_eq!(issued_for(&sessions, PUBLIC, "h1", &other), None, "{other}");
        }
    }

    #[test]
    fn names_are_made_safe() {
        let table = [
            ("../../etc/passwd", "passwd.jpg"),
            ("C:\\Users\\ana\\foto.jpg", "foto.jpg"),
            ("<script>alert(1)</script>.jpg", "script.jpg"),
            ("<img onerror=alert(1)>.jpg", "img_onerror_alert_1.jpg"),
            ("", "file.jpg"),
            (".jpg", "jpg.jpg"),
            ("...", "file.jpg"),
            ("名前.jpg", "file.jpg"),
            ("a\u{0}b\r\nc.jpg", "a_b_c.jpg"),
            ("photo.php.jpg", "photo_php.jpg"),
        ];
        for (name, safe) in table {
            assert_eq!(safe_name(name, jpeg()), safe, "{name:?}");
        }
        assert_eq!(safe_name(&"x".repeat(500), jpeg()).len(), 64);
    }

    #[test]
    fn only_issued_shapes_parse() {
        let sessions = Sessions::new(b"secret".to_vec());
        let url = issue(&sessions, PUBLIC, "h1", jpeg(), "a.jpg").url;
        let rest = url.split(PREFIX).nth(1).unwrap();
        assert!(parse(rest).is_some());
        for bad in [
            "",
            "x.jpg/a.jpg",
            &rest.replace(".jpg/", ".svg/").replace("a.jpg", "a.svg"),
            &rest.replace("a.jpg", "a.html"),
            &rest.replace("/a.jpg", ""),
        ] {
            assert!(parse(bad).is_none(), "{bad}");
        }
    }
}
