//! The visitor's files: the tray's checks, uploads with progress, the message that follows,
//! retries with the same key, cancel, and what a reload or another tab sees.

use zchat_types::MessageType;

use super::*;
use crate::core::attachments::{Picked, Refusal, Uploaded, Why, DEFAULT_UPLOAD_LIMIT, MAX_FILES};

fn picked(file: u32, name: &str, size: u64) -> Picked {
    let mime = if name.ends_with(".png") { "image/png" } else { "" };
    Picked { file, name: name.into(), size, mime: mime.into(), preview: None }
}

fn offline() -> Failure {
    Failure { message: "Cannot reach the chat service.".into(), retryable: true }
}

/// A started widget with `files` in its tray, then sent with keys `k0`, `k1`, ….
fn sending(files: Vec<Picked>, caption: &str) -> (Widget, Vec<Effect>) {
    let mut widget = started();
    widget.step(Input::Attach(files), T0);
    let keys = (0..widget.conversation.tray.len()).map(|n| format!("k{n}")).collect();
    let effects = widget.step(Input::SendFiles { caption: caption.into(), keys }, T0 + 1);
    (widget, effects)
}

#[test]
fn the_tray_takes_what_the_relay_would_and_says_why_not_for_the_rest() {
    let mut widget = started();
    let effects = widget.step(
        Input::Attach(vec![
            picked(1, "recibo.PDF", 10),
            picked(2, "image.png", 10),
            Picked { mime: "image/png".into(), ..picked(3, "", 10) },
            picked(4, "virus.exe", 10),
            picked(5, "logo.svg", 10),
            picked(6, "vazio.txt", 0),
            picked(7, "video.mp4", DEFAULT_UPLOAD_LIMIT + 1),
            picked(8, "limite.mp4", DEFAULT_UPLOAD_LIMIT),
        ]),
        T0,
    );
    assert_eq!(widget.conversation.tray.iter().map(|p| p.file).collect::<Vec<_>>(), [1, 2, 3, 8]);
    let why = |name: &str, why| Refusal { name: name.into(), why };
    assert_eq!(
        widget.conversation.refusals,
        [why("virus.exe", Why::NotAccepted), why("logo.svg", Why::NotAccepted), why("vazio.txt", Why::Empty), why("video.mp4", Why::TooLarge)]
    );
    // The shell lets go of the refused files at once.
    assert_eq!(effects, [4, 5, 6, 7].map(|file| Effect::DropFile { file }));
}

#[test]
fn the_relays_own_limit_is_the_one_checked() {
    let mut widget = new_widget(1).with_upload_limit(1_000);
    widget.step(Input::Attach(vec![picked(1, "a.pdf", 1_001), picked(2, "b.pdf", 1_000)]), T0);
    assert_eq!(widget.conversation.refusals, [Refusal { name: "a.pdf".into(), why: Why::TooLarge }]);
    assert_eq!(widget.conversation.tray.len(), 1);
}

#[test]
fn too_many_at_once_is_said_once() {
    let mut widget = started();
    let files = (0..MAX_FILES as u32 + 3).map(|n| picked(n, &format!("f{n}.pdf"), 1)).collect();
    let effects = widget.step(Input::Attach(files), T0);
    assert_eq!(widget.conversation.tray.len(), MAX_FILES);
    assert_eq!(widget.conversation.refusals.len(), 1);
    assert_eq!(widget.conversation.refusals[0].why, Why::TooMany);
    assert_eq!(effects.len(), 3, "all three extra files let go");
}

#[test]
fn a_file_taken_out_of_the_tray_is_let_go() {
    let mut widget = started();
    widget.step(Input::Attach(vec![picked(1, "a.pdf", 1), picked(2, "b.pdf", 1)]), T0);
    assert_eq!(widget.step(Input::Detach { file: 1 }, T0), [Effect::DropFile { file: 1 }]);
    assert_eq!(widget.conversation.tray.len(), 1);
    assert_eq!(widget.step(Input::Detach { file: 1 }, T0), [], "only once");
}

#[test]
fn each_file_is_its_own_message_the_first_with_the_caption() {
    let (widget, effects) = sending(vec![picked(1, "a.png", 100), picked(2, "b.pdf", 200)], " olha isso ");
    assert!(widget.conversation.tray.is_empty());
    let uploads: Vec<&Effect> = effects.iter().filter(|e| matches!(e, Effect::Upload { .. })).collect();
    assert_eq!(uploads, [&Effect::Upload { session: session(), key: "k0".into(), file: 1 }], "one file at a time");
    assert_eq!(contents(&widget), ["olha isso", "b.pdf"]);
    assert_eq!(widget.conversation.transcript[0].delivery, Delivery::Uploading { file: 1, sent: 0, total: 100, resends: 0 });
    assert_eq!(widget.conversation.transcript[1].delivery.name(), "uploading");
}

#[test]
fn files_go_one_after_the_other_so_they_reach_zchat_in_the_visitors_order() {
    let (mut widget, _) = sending(vec![picked(1, "a.png", 100), picked(2, "b.pdf", 200), picked(3, "c.pdf", 300)], "");
    let done = |kind| Ok(Uploaded { kind, url: "https://chat.example.com/uploads/x/y".into() });
    // The first uploads; its message goes; only once it is sent does the second start.
    let effects = widget.step(Input::Uploaded { key: "k0".into(), result: done(MessageType::Image) }, T0);
    assert!(!effects.iter().any(|e| matches!(e, Effect::Upload { .. })), "{effects:?}");
    let effects = widget.step(Input::Sent { key: "k0".into(), result: Ok(()) }, T0);
    assert_eq!(effects, [Effect::Upload { session: session(), key: "k1".into(), file: 2 }]);
    // A cancelled file on its way lets the next one go.
    let effects = widget.step(Input::CancelUpload { key: "k1".into() }, T0);
    assert_eq!(effects[2..], [Effect::Upload { session: session(), key: "k2".into(), file: 3 }]);
    // A file that failed for good waits for the visitor; nothing else is waiting.
    let refused = Failure { message: "no".into(), retryable: false };
    assert_eq!(widget.step(Input::Uploaded { key: "k2".into(), result: Err(refused) }, T0), []);
    // Its retry goes at once.
    assert_eq!(widget.step(Input::Retry { key: "k2".into() }, T0), [Effect::Upload { session: session(), key: "k2".into(), file: 3 }]);
}

#[test]
fn an_uploaded_file_goes_out_as_the_references_media_message() {
    let (mut widget, _) = sending(vec![picked(1, "a.png", 100)], "");
    widget.step(Input::UploadProgress { key: "k0".into(), sent: 40 }, T0);
    assert_eq!(widget.conversation.transcript[0].delivery, Delivery::Uploading { file: 1, sent: 40, total: 100, resends: 0 });
    widget.step(Input::UploadProgress { key: "k0".into(), sent: 1_000 }, T0);
    assert!(matches!(widget.conversation.transcript[0].delivery, Delivery::Uploading { sent: 100, .. }), "never past the end");
    let url = "https://chat.example.com/uploads/x.png/a.png".to_string();
    let effects = widget.step(Input::Uploaded { key: "k0".into(), result: Ok(Uploaded { kind: MessageType::Image, url: url.clone() }) }, T0);
    assert_eq!(
        effects,
        [
            Effect::DropFile { file: 1 },
            Effect::SendMessage { session: session(), key: "k0".into(), text: "a.png".into(), media: Some((MessageType::Image, url.clone())) }
        ]
    );
    assert_eq!((widget.conversation.transcript[0].kind, widget.conversation.transcript[0].url.as_deref()), (MessageType::Image, Some(url.as_str())));
    widget.step(Input::Sent { key: "k0".into(), result: Ok(()) }, T0);
    assert_eq!(widget.conversation.transcript[0].delivery, Delivery::Sent);
}

#[test]
fn a_dropped_upload_is_tried_again_with_the_same_key_then_the_visitor_is_asked() {
    let (mut widget, _) = sending(vec![picked(1, "a.pdf", 100)], "");
    for resends in 0..4 {
        widget.step(Input::UploadProgress { key: "k0".into(), sent: 50 }, T0);
        let effects = widget.step(Input::Uploaded { key: "k0".into(), result: Err(offline()) }, T0);
        assert_eq!(effects, [Effect::ScheduleResend { key: "k0".into(), after_ms: 1_000 << resends }]);
        assert!(matches!(widget.conversation.transcript[0].delivery, Delivery::Uploading { sent: 0, .. }), "starts again from nothing");
        let effects = widget.step(Input::Resend { key: "k0".into() }, T0);
        assert_eq!(effects, [Effect::Upload { session: session(), key: "k0".into(), file: 1 }], "the same key: stored once");
    }
    widget.step(Input::Uploaded { key: "k0".into(), result: Err(offline()) }, T0);
    assert_eq!(widget.conversation.transcript[0].delivery, Delivery::UploadFailed { reason: offline().message, file: 1, total: 100 });
    let effects = widget.step(Input::Retry { key: "k0".into() }, T0);
    assert_eq!(effects, [Effect::Upload { session: session(), key: "k0".into(), file: 1 }]);
    assert_eq!(widget.conversation.transcript[0].delivery, Delivery::Uploading { file: 1, sent: 0, total: 100, resends: 0 });
}

#[test]
fn a_refused_upload_is_not_tried_again_and_can_be_removed() {
    let (mut widget, _) = sending(vec![picked(1, "a.pdf", 100)], "");
    let refused = Failure { message: "The file's name ends in .pdf but its content is a PNG image".into(), retryable: false };
    assert_eq!(widget.step(Input::Uploaded { key: "k0".into(), result: Err(refused) }, T0), []);
    assert_eq!(widget.conversation.transcript[0].delivery.name(), "failed");
    let effects = widget.step(Input::CancelUpload { key: "k0".into() }, T0);
    assert_eq!(effects, [Effect::AbortUpload { key: "k0".into() }, Effect::DropFile { file: 1 }]);
    assert!(widget.conversation.transcript.is_empty());
}

#[test]
fn a_file_cancelled_on_its_way_is_gone_and_its_late_answer_changes_nothing() {
    let (mut widget, _) = sending(vec![picked(1, "a.pdf", 100)], "");
    widget.step(Input::CancelUpload { key: "k0".into() }, T0);
    assert!(widget.conversation.transcript.is_empty());
    let late = Input::Uploaded { key: "k0".into(), result: Ok(Uploaded { kind: MessageType::File, url: "https://x/y".into() }) };
    assert_eq!(widget.step(late, T0), []);
    assert_eq!(widget.step(Input::Resend { key: "k0".into() }, T0), []);
}

#[test]
fn a_message_whose_send_failed_after_its_upload_is_sent_again_with_its_file() {
    let (mut widget, _) = sending(vec![picked(1, "a.pdf", 100)], "recibo");
    let url = "https://chat.example.com/uploads/x.pdf/a.pdf".to_string();
    widget.step(Input::Uploaded { key: "k0".into(), result: Ok(Uploaded { kind: MessageType::File, url: url.clone() }) }, T0);
    let refused = Failure { message: "no".into(), retryable: false };
    widget.step(Input::Sent { key: "k0".into(), result: Err(refused) }, T0);
    let effects = widget.step(Input::Retry { key: "k0".into() }, T0);
    assert_eq!(effects, [Effect::SendMessage { session: session(), key: "k0".into(), text: "recibo".into(), media: Some((MessageType::File, url)) }]);
}

#[test]
fn another_tab_and_a_reload_see_the_file_from_the_log() {
    let mut widget = started();
    let data = serde_json::json!({"content": "recibo", "type": "image", "url": "https://chat.example.com/uploads/x.jpg/r.jpg", "sent_at": T0, "client_key": "other-tab"});
    widget.step(Input::StreamEvent { id: "7-1".into(), event: StreamEvent::CustomerMessage(serde_json::from_value(data).unwrap()) }, T0);
    let entry = &widget.conversation.transcript[0];
    assert_eq!(
        (entry.kind, entry.url.as_deref(), &entry.delivery),
        (MessageType::Image, Some("https://chat.example.com/uploads/x.jpg/r.jpg"), &Delivery::Sent)
    );
}

#[test]
fn nothing_is_attached_or_sent_before_the_conversation_starts_or_after_it_ends() {
    let mut widget = new_widget(1);
    widget.step(Input::Attach(vec![picked(1, "a.pdf", 1)]), T0);
    assert_eq!(widget.step(Input::SendFiles { caption: String::new(), keys: vec!["k0".into()] }, T0), []);
    assert!(widget.conversation.transcript.is_empty());
    // The tray is kept for when the conversation starts.
    assert_eq!(widget.conversation.tray.len(), 1);
}

#[test]
fn forgetting_the_device_lets_go_of_the_tray() {
    let mut widget = started();
    widget.step(Input::Attach(vec![picked(1, "a.pdf", 1)]), T0);
    let effects = widget.step(Input::Forget, T0);
    assert_eq!(effects[0], Effect::DropFile { file: 1 });
    assert!(widget.conversation.tray.is_empty());
}
