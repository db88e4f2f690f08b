//! `external_history`: the sandbox GETs the URL as zChat does to show its agent an earlier
//! conversation, and checks the document against the reference: an object with a `messages`
//! array, each with `time` as `YYYY-MM-DD HH:MM:SS`, `direction` CLIENT or AGENT, and `content`.

use std::time::Duration;

use serde_json::Value;
use zchat_types::{read_messages, HistoryMessage};

use crate::interactions::History;

/// The largest document read; past it the history is refused.
pub const MAX_BYTES: usize = 1024 * 1024;
pub const TIMEOUT: Duration = Duration::from_secs(5);

/// Fetches and checks the document at `url`.
pub async fn fetch(client: &reqwest::Client, url: &str) -> History {
    match download(client, url).await.and_then(|bytes| check_document(&bytes)) {
        Ok(messages) => History::Loaded { messages },
        Err(error) => History::Invalid { error },
    }
}

async fn download(client: &reqwest::Client, url: &str) -> Result<Vec<u8>, String> {
    let mut response = client.get(url).timeout(TIMEOUT).send().await.map_err(|error| {
        if error.is_timeout() {
            format!("The external history did not answer within {} s", TIMEOUT.as_secs())
        } else {
            "The external history could not be reached".to_string()
        }
    })?;
    if !response.status().is_success() {
        return Err(format!("The external history answered {}", response.status().as_u16()));
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|_| "The external history was cut off".to_string())? {
        bytes.extend_from_slice(&chunk);
        if bytes.len() > MAX_BYTES {
            return Err(format!("The external history is larger than {} KiB", MAX_BYTES / 1024));
        }
    }
    Ok(bytes)
}

/// Checks a document against the reference, naming the first thing wrong.
pub fn check_document(bytes: &[u8]) -> Result<Vec<HistoryMessage>, String> {
    let document: Value = serde_json::from_slice(bytes).map_err(|_| "The external history is not JSON".to_string())?;
    let messages =
        document.get("messages").filter(|messages| messages.is_array()).ok_or("The external history must be an object with a messages array")?;
    read_messages(messages)
}

#[cfg(test)]
mod tests {
    use super::*;
    use zchat_types::{is_history_time, Direction};

    #[test]
    fn the_reference_example_is_valid() {
        let document = br#"{"messages":[
            {"time":"2019-03-14 00:00:01","direction":"CLIENT","content":"client message here"},
            {"time":"2019-03-14 00:00:10","direction":"AGENT","content":"agent answer here"}]}"#;
        let messages = check_document(document).unwrap();
        assert_eq!(messages.len(), 2);
        assert_eq!(messages[1].direction, Direction::Agent);
    }

    #[test]
    fn each_broken_rule_is_named() {
        for (document, error) in [
            ("nope", "The external history is not JSON"),
            ("[]", "The external history must be an object with a messages array"),
            (r#"{"messages": {}}"#, "The external history must be an object with a messages array"),
            (
                r#"{"messages": [{"time": "2019-03-14T00:00:01", "direction": "CLIENT", "content": "x"}]}"#,
                "messages[0].time must be a date and time as YYYY-MM-DD HH:MM:SS",
            ),
            (
                r#"{"messages": [{"time": "2019-03-14 00:00:01", "direction": "BOT", "content": "x"}]}"#,
                "messages[0].direction must be CLIENT or AGENT",
            ),
            (r#"{"messages": [{"time": "2019-03-14 00:00:01", "direction": "AGENT"}]}"#, "messages[0].content must be a string"),
        ] {
            assert_eq!(check_document(document.as_bytes()).unwrap_err(), error, "{document}");
        }
    }

    #[test]
    fn times() {
        for good in ["2019-03-14 00:00:01", "2024-02-29 23:59:59", "2000-12-31 12:00:00"] {
            assert!(is_history_time(good), "{good}");
        }
        for bad in [
            "2019-3-14 00:00:01",
            "2019-13-01 00:00:00",
            "2023-02-29 00:00:00",
            "2019-03-14 24:00:00",
            "2019-03-14 00:60:00",
            "2019-03-14",
            "2019-03-14 00:00:0x",
            "+019-03-14 00:00:01",
        ] {
            assert!(!is_history_time(bad), "{bad}");
        }
    }
}
