//! How the transcript reads: the first entry of a day says which day (today, yesterday, a date);
//! an author's messages in a row, each within [`GROUP_GAP_MS`] of the one before and on the same
//! day, are one group, their author (name and initial) said on the first and the time on the
//! last. Pure: the clock is an input (`now`), and so is the visitor's calendar (`day_of`: the day
//! number of a moment in their time zone), which the shell reads from the browser.

use super::transcript::{Entry, Sender};

/// The longest pause inside a group.
pub const GROUP_GAP_MS: u64 = 5 * 60 * 1000;

/// The day a separator names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Day {
    Today,
    Yesterday,
    /// Another day: this moment's date, written by the shell in the visitor's language.
    On(u64),
}

/// Where an entry stands in the transcript.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row {
    /// The day, on the first entry of each day.
    pub day: Option<Day>,
    /// The first of its group: its author is said.
    pub opens: bool,
    /// The last of its group: its time is said.
    pub closes: bool,
}

/// The rows of `entries`, one each, in order.
pub fn layout(entries: &[Entry], now: u64, day_of: impl Fn(u64) -> i64) -> Vec<Row> {
    let today = day_of(now);
    // Each entry's day, never before an earlier entry's: the browser's clock (a message on its
    // way) and the relay's may disagree by seconds around midnight, and the transcript's days
    // must not go "yesterday, today, yesterday".
    let days: Vec<i64> = entries
        .iter()
        .scan(i64::MIN, |latest, entry| {
            *latest = (*latest).max(day_of(entry.at));
            Some(*latest)
        })
        .collect();
    // Whether entry `i` continues the group of entry `i - 1`.
    let continues = |i: usize| {
        i > 0
            && days[i] == days[i - 1]
            && same_author(&entries[i - 1].sender, &entries[i].sender)
            && entries[i].at.abs_diff(entries[i - 1].at) <= GROUP_GAP_MS
    };
    (0..entries.len())
        .map(|i| {
            // (A day after today, a clock ahead of the visitor's, is today.)
            let day = (i == 0 || days[i] != days[i - 1]).then(|| match today - days[i] {
                ..=0 => Day::Today,
                1 => Day::Yesterday,
                _ => Day::On(entries[i].at),
            });
            Row { day, opens: !continues(i), closes: i + 1 == entries.len() || !continues(i + 1) }
        })
        .collect()
}

/// The visitor, or the same agent by name; the widget's own lines stand alone.
fn same_author(a: &Sender, b: &Sender) -> bool {
    match (a, b) {
        (Sender::Visitor, Sender::Visitor) => true,
        (Sender::Agent { name: a }, Sender::Agent { name: b }) => a == b,
        _ => false,
    }
}

/// The agent's initial for their avatar: the name's first character that is not a space or ASCII
/// punctuation (the view writes it in capitals, with the browser's rules: Rust's case and
/// alphabet tables would cost the wasm some 10 KB).
pub fn initial(name: &str) -> Option<char> {
    name.chars().find(|c| !c.is_whitespace() && !c.is_ascii_punctuation())
}
