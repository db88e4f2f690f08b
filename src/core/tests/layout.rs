//! The transcript's days and groups: the clock and the visitor's calendar are inputs.

use zchat_types::MessageType;

use crate::core::{initial, layout, Day, Delivery, Entry, EntryId, Row, Sender, SystemLine, GROUP_GAP_MS};

const MINUTE: u64 = 60_000;
const DAY: u64 = 24 * 60 * MINUTE;
/// 2026-12-07 00:00 UTC.
const MIDNIGHT_UTC: u64 = 1_796_601_600_000;

/// São Paulo's calendar (UTC−3, no daylight saving time).
fn sao_paulo(at: u64) -> i64 {
    (at as i64 - 3 * 60 * MINUTE as i64).div_euclid(DAY as i64)
}

fn said(sender: Sender, at: u64) -> Entry {
    Entry { id: EntryId::Event(at.to_string()), sender, content: "…".into(), kind: MessageType::Text, url: None, at, delivery: Delivery::Sent }
}

fn ana() -> Sender {
    Sender::Agent { name: "Ana".into() }
}

fn row(day: Option<Day>, opens: bool, closes: bool) -> Row {
    Row { day, opens, closes }
}

#[test]
fn a_conversation_that_came_back_the_next_day_says_yesterday_then_today() {
    // 23:58 and 23:59 in São Paulo on the 6th (02:58, 02:59 UTC on the 7th), then 00:01 on the 7th:
    // Ana's three messages, two minutes apart, are two groups, one each side of midnight.
    let late = MIDNIGHT_UTC + 3 * 60 * MINUTE - 2 * MINUTE;
    let entries = [said(ana(), late), said(ana(), late + MINUTE), said(ana(), late + 3 * MINUTE)];
    let now = late + 10 * MINUTE;
    assert_eq!(layout(&entries, now, sao_paulo), [row(Some(Day::Yesterday), true, false), row(None, false, true), row(Some(Day::Today), true, true)]);
    // In UTC the same three messages are one day's, one group.
    let utc = |at: u64| (at / DAY) as i64;
    assert_eq!(layout(&entries, now, utc), [row(Some(Day::Today), true, false), row(None, false, false), row(None, false, true)]);
}

#[test]
fn an_authors_messages_in_a_row_are_one_group_until_a_pause_another_author_or_a_line_of_the_widgets() {
    let t = MIDNIGHT_UTC + 15 * 60 * MINUTE;
    let entries = [
        said(Sender::Visitor, t),
        said(Sender::Visitor, t + MINUTE),
        said(Sender::Visitor, t + MINUTE + GROUP_GAP_MS + 1), // a pause: a new group
        Entry::system(EntryId::Event("j".into()), SystemLine::AgentJoined, t + 7 * MINUTE),
        said(ana(), t + 8 * MINUTE),
        said(Sender::Agent { name: "Bia".into() }, t + 8 * MINUTE), // another agent
        said(Sender::Agent { name: "Bia".into() }, t + 9 * MINUTE),
        said(Sender::Visitor, t + 9 * MINUTE),
    ];
    let rows = layout(&entries, t + 10 * MINUTE, sao_paulo);
    let shape: Vec<(bool, bool)> = rows.iter().map(|row| (row.opens, row.closes)).collect();
    assert_eq!(shape, [(true, false), (false, true), (true, true), (true, true), (true, true), (true, false), (false, true), (true, true)]);
    assert_eq!(rows[0].day, Some(Day::Today));
    assert!(rows[1..].iter().all(|row| row.day.is_none()), "one day: one separator");
}

#[test]
fn older_days_are_named_by_their_date_and_times_out_of_order_still_group() {
    let t = MIDNIGHT_UTC + 15 * 60 * MINUTE;
    // zChat's clock and the browser's may disagree by seconds: an answer "before" the question.
    let entries = [said(ana(), t - 3 * DAY), said(ana(), t - 3 * DAY - 20_000), said(Sender::Visitor, t)];
    assert_eq!(
        layout(&entries, t, sao_paulo),
        [row(Some(Day::On(t - 3 * DAY)), true, false), row(None, false, true), row(Some(Day::Today), true, true)]
    );
    assert_eq!(layout(&[], t, sao_paulo), []);
}

#[test]
fn an_agents_initial_is_their_names_first_letter() {
    assert_eq!(initial("ana souza"), Some('a'));
    assert_eq!(initial("  élida"), Some('é'));
    assert_eq!(initial("(Suporte) Rui"), Some('S'));
    assert_eq!(initial("\u{3000}李"), Some('李'), "an ideographic space is a space");
    assert_eq!(initial(" 🙂"), Some('🙂'));
    assert_eq!(initial("  "), None);
    assert_eq!(initial("..."), None);
}

#[test]
fn a_files_name_and_kind_come_from_its_address() {
    use crate::core::file_of;
    let named = |url: &str| file_of(url).map(|(name, kind)| (name, kind.unwrap_or_default()));
    assert_eq!(named("https://files.example/a/relat%C3%B3rio%20final.pdf?sig=1#p"), Some(("relatório final.pdf".into(), "PDF".into())));
    assert_eq!(named("https://x.example/u/abc.jpeg/%E5%86%99%E7%9C%9F%F0%9F%99%82.jpeg"), Some(("写真🙂.jpeg".into(), "JPEG".into())));
    assert_eq!(named("https://x.example/README"), Some(("README".into(), String::new())));
    assert_eq!(named("https://x.example/a.tar.gz"), Some(("a.tar.gz".into(), "GZ".into())));
    assert_eq!(named("https://x.example/odd.extension"), Some(("odd.extension".into(), String::new())), "not a kind: too long");
    assert_eq!(named("https://x.example/bad%zz.txt"), Some(("bad%zz.txt".into(), "TXT".into())), "a broken escape kept");
    assert_eq!(named("https://x.example/bad%F0.txt"), Some(("bad%F0.txt".into(), "TXT".into())), "not UTF-8 once decoded: as written");
    assert_eq!(named("https://x.example/folder/"), None);
    assert_eq!(named("https://"), None);
}

#[test]
fn an_event_keeps_the_time_the_relay_logged_it_through_a_replay() {
    use crate::core::{Input, StreamEvent};
    use serde_json::json;
    let mut widget = super::started();
    let logged = MIDNIGHT_UTC - 2 * 60 * MINUTE;
    let event = |seq: u64, body: serde_json::Value, at: u64| {
        let mut body = body;
        body["interaction_hash"] = json!(super::HASH);
        Input::StreamEvent { id: format!("7-{seq}-{at}"), event: StreamEvent::Trigger(serde_json::from_value(body).unwrap()) }
    };
    let joined = event(1, json!({"state": "accepted"}), logged);
    let said = event(2, json!({"message": {"hash": "m1", "content": "Olá", "type": "text"}, "agent": {"id": 1, "name": "Ana"}}), logged + MINUTE);
    // Heard a day later (a reload the next morning): each keeps its own time.
    let next_day = logged + DAY;
    widget.step(joined, next_day);
    widget.step(said, next_day);
    let times: Vec<u64> = widget.conversation.transcript.iter().map(|entry| entry.at).collect();
    assert_eq!(times, [logged, logged + MINUTE]);
    assert_eq!(layout(&widget.conversation.transcript, next_day, sao_paulo)[0].day, Some(Day::Yesterday));
    // An id without a time (an older relay): the time it is heard.
    widget.step(super::agent_message(3, "m2", "E agora?"), next_day);
    assert_eq!(widget.conversation.transcript.last().unwrap().at, next_day);
}

#[test]
fn clocks_that_disagree_around_midnight_never_take_the_days_back() {
    // The browser's clock a few seconds ahead of the relay's, around São Paulo's midnight: the
    // visitor's message is "today", the agent's answer, logged by the relay, "yesterday".
    let midnight = MIDNIGHT_UTC + 3 * 60 * MINUTE;
    let entries =
        [said(ana(), midnight - 60_000), said(Sender::Visitor, midnight + 2_000), said(ana(), midnight - 1_000), said(ana(), midnight + 30_000)];
    let days: Vec<Option<Day>> = layout(&entries, midnight + MINUTE, sao_paulo).iter().map(|row| row.day).collect();
    assert_eq!(days, [Some(Day::Yesterday), Some(Day::Today), None, None]);
    // A clock ahead of the visitor's by a day is still today.
    assert_eq!(layout(&[said(ana(), midnight + DAY)], midnight, sao_paulo)[0].day, Some(Day::Today));
}
