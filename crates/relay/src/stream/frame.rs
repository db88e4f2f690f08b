//! The stream's Server-Sent Events frames, each written once at its exact size.
//!
//! The same bytes axum's `Event` wrote (`event:`, `id:`, `data:` lines, a blank line), without its
//! growing buffer: a frame is one allocation, what a stream does per event at 10,000 streams.

use bytes::Bytes;
use zchat_types::{EventId, StreamEventKind};

/// What a quiet stream sends to keep proxies from closing it.
pub const HEARTBEAT: Bytes = Bytes::from_static(b": heartbeat\n\n");

/// The first frame: the browser's reconnect delay (`retry:`), and a comment.
pub fn opening(retry_ms: u64) -> Bytes {
    Bytes::from(format!("retry: {retry_ms}\n: connected\n\n"))
}

/// An event: its name, its id (with when it was logged, `at`, for a logged event:
/// `zchat_types::written_id`), and `data` on as many `data:` lines as it has lines (a line break
/// is `\r\n`, `\r` or `\n`, as SSE reads them; JSON may hold them between its tokens).
pub fn event(kind: StreamEventKind, id: EventId, at: Option<u64>, data: &str) -> Bytes {
    const EVENT: &[u8] = b"event: ";
    const ID: &[u8] = b"\nid: ";
    const DATA: &[u8] = b"\ndata: ";
    let id = match at {
        Some(at) => zchat_types::written_id(id, at),
        None => id.to_string(),
    };
    let bytes = data.as_bytes();
    // Each line break's bytes give way to a new `data:` line.
    let (breaks, broken) = line_breaks(bytes).fold((0, 0), |(count, width), (_, w)| (count + 1, width + w));
    let size = EVENT.len() + kind.name().len() + ID.len() + id.len() + DATA.len() * (1 + breaks) + bytes.len() - broken + 2;
    let mut frame = Vec::with_capacity(size);
    frame.extend_from_slice(EVENT);
    frame.extend_from_slice(kind.name().as_bytes());
    frame.extend_from_slice(ID);
    frame.extend_from_slice(id.as_bytes());
    frame.extend_from_slice(DATA);
    let mut start = 0;
    for (at, width) in line_breaks(bytes) {
        frame.extend_from_slice(&bytes[start..at]);
        frame.extend_from_slice(DATA);
        start = at + width;
    }
    frame.extend_from_slice(&bytes[start..]);
    frame.extend_from_slice(b"\n\n");
    debug_assert_eq!(frame.len(), frame.capacity(), "a frame is written at its exact size");
    Bytes::from(frame)
}

/// Where `bytes` breaks lines, and how wide each break is (`\r\n` is one break of two bytes).
fn line_breaks(bytes: &[u8]) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut at = 0;
    std::iter::from_fn(move || {
        let found = bytes[at..].iter().position(|&b| b == b'\n' || b == b'\r')? + at;
        let width = if bytes[found] == b'\r' && bytes.get(found + 1) == Some(&b'\n') { 2 } else { 1 };
        at = found + width;
        Some((found, width))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What an SSE reader (the HTML standard's algorithm) makes of `frame`: (event, id, data).
    fn read(frame: &[u8]) -> (String, String, String) {
        let text = std::str::from_utf8(frame).unwrap();
        let (mut event, mut id, mut data) = (String::new(), String::new(), Vec::new());
        for line in text.split("\r\n").flat_map(|l| l.split(['\r', '\n'])) {
            let (field, value) = line.split_once(": ").unwrap_or((line, ""));
            match field {
                "event" => event = value.to_string(),
                "id" => id = value.to_string(),
                "data" => data.push(value.to_string()),
                _ => {}
            }
        }
        (event, id, data.join("\n"))
    }

    #[test]
    fn an_event_is_its_name_id_and_data_and_is_written_at_its_size() {
        let id = EventId { epoch: 17, seq: 3 };
        let frame = event(StreamEventKind::Trigger, id, Some(1_796_601_600_123), r#"{"a":1}"#);
        assert_eq!(&frame[..], b"event: trigger\nid: 17-3-1796601600123\ndata: {\"a\":1}\n\n");
        let frame = event(StreamEventKind::Reset, EventId { epoch: 17, seq: 0 }, None, r#"{}"#);
        assert_eq!(&frame[..], b"event: reset\nid: 17-0\ndata: {}\n\n");
    }

    #[test]
    fn every_kind_of_line_break_starts_a_data_line_and_nothing_else_does() {
        let id = EventId { epoch: 1, seq: 1 };
        let cases = [
            ("", ""),
            ("{}", "{}"),
            ("{\n\"a\": 1\n}", "{\n\"a\": 1\n}"),
            ("{\r\n\"a\": 1\r\n}", "{\n\"a\": 1\n}"),
            ("{\r\"a\": 1\r}", "{\n\"a\": 1\n}"),
            ("\n\r\n\r", "\n\n\n"),
            ("trailing\r", "trailing\n"),
            ("\u{2028}é", "\u{2028}é"),
        ];
        for (data, seen) in cases {
            let frame = event(StreamEventKind::CustomerMessage, id, None, data);
            assert_eq!(read(&frame), ("customer_message".into(), "1-1".into(), seen.into()), "{data:?}");
            assert!(frame.ends_with(b"\n\n") && !frame[..frame.len() - 2].contains(&b'\r'), "{data:?}");
        }
    }

    #[test]
    fn the_opening_and_the_heartbeat_are_what_browsers_expect() {
        assert_eq!(&opening(1500)[..], b"retry: 1500\n: connected\n\n");
        assert_eq!(&HEARTBEAT[..], b": heartbeat\n\n");
    }
}
