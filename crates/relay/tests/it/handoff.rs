//! A bot hands over to an agent (docs/design.md, "Bot handoff"): a site's backend signs the bot's
//! transcript, the widget gives it with the create, the relay checks it and serves it first in the
//! new interaction's external history, before the visitor's earlier conversation. What is not
//! signed, not the reference's messages or too big starts nothing. On both logs.

use serde_json::{json, Value};

use crate::support::{until, Product};

const SECRET: &str = "the-shop-backend-and-the-relay-share-it";

/// The signature a site's backend makes (README's Python line): HMAC-SHA256 of the text, hex.
fn signed(secret: &str, text: &str) -> String {
    let line = "import hmac, hashlib, sys; print(hmac.new(sys.argv[1].encode(), sys.argv[2].encode(), hashlib.sha256).hexdigest())";
    let output = std::process::Command::new("python3").args(["-c", line, secret, text]).output().expect("python3");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap().trim().to_string()
}

/// The bot's transcript as the site's backend writes it: JSON text.
const BOT: &str = r#"[{"time": "2026-12-07 10:00:00", "direction": "CLIENT", "content": "Quero trocar um produto"},
 {"time": "2026-12-07 10:00:02", "direction": "AGENT", "content": "Sou o bot: vou chamar um atendente"}]"#;

async fn creates_seen_by_zchat(product: &Product) -> usize {
    let requests: Vec<Value> = product.http.get(product.sandbox("/agent/requests")).send().await.unwrap().json().await.unwrap();
    requests.iter().filter(|r| r["method"] == "POST" && r["path"] == "/core/api/v1/interactions").count()
}

async fn create(product: &Product, history: Value, previous: Option<&str>) -> (u16, Value) {
    let mut request = product.http.post(product.relay("/core/api/v1/interactions"));
    if let Some(previous) = previous {
        request = request.header("X-Previous-Session", previous);
    }
    let answer = request.json(&json!({"department_id": 1, "customer": {"name": "Ana"}, "history": history})).send().await.unwrap();
    (answer.status().as_u16(), answer.json().await.unwrap())
}

/// The history zChat (the sandbox) fetched for `hash`, as (direction, content) lines.
async fn fetched(product: &Product, hash: &str) -> Vec<(String, String)> {
    let view = until("zChat to fetch the history", || async {
        let view: Value = product.http.get(product.sandbox(&format!("/agent/interactions/{hash}"))).send().await.ok()?.json().await.ok()?;
        (view["history"]["status"] != "loading").then_some(view)
    })
    .await;
    assert_eq!(view["history"]["status"], "loaded", "{view}");
    let line = |m: &Value| (m["direction"].as_str().unwrap().to_string(), m["content"].as_str().unwrap().to_string());
    view["history"]["messages"].as_array().unwrap().iter().map(line).collect()
}

on_both_logs! {
    async fn a_signed_transcript_comes_first_then_the_earlier_conversation_and_anything_else_starts_nothing(log: Log) {
        let product = Product::on(log, |config| config.identity_secret = Some(SECRET.into())).await;
        // An earlier conversation of the visitor's.
        let (earlier, session) = product.start_interaction(1).await;
        let message = json!({"token": session, "content": "Meu pedido atrasou"});
        product.http.post(product.relay(&format!("/core/api/v1/interactions/{earlier}/messages"))).json(&message).send().await.unwrap();

        let too_big = format!("[{}]", vec![r#"{"time": "2026-12-07 10:00:00", "direction": "AGENT", "content": "x"}"#; 1_200].join(","));
        let not_array = r#"{"time": "2026-12-07 10:00:00", "direction": "AGENT", "content": "x"}"#;
        let bot_direction = r#"[{"time": "2026-12-07 10:00:00", "direction": "BOT", "content": "x"}]"#;
        let bad_time = r#"[{"time": "2026-13-40 10:00:00", "direction": "AGENT", "content": "x"}]"#;
        let iso_time = r#"[{"time": "2026-12-07T10:00:00Z", "direction": "AGENT", "content": "x"}]"#;
        let no_content = r#"[{"time": "2026-12-07 10:00:00", "direction": "AGENT"}]"#;
        let refused = [
            ("unsigned", json!({"messages": BOT, "signature": ""}), 401),
            ("no signature", json!({"messages": BOT}), 422),
            ("another text's signature", json!({"messages": BOT, "signature": signed(SECRET, "[]")}), 401),
            ("another secret's signature", json!({"messages": BOT, "signature": signed("another secret", BOT)}), 401),
            ("the signature in capitals", json!({"messages": BOT, "signature": signed(SECRET, BOT).to_uppercase()}), 401),
            ("not JSON inside", json!({"messages": "[{not json", "signature": signed(SECRET, "[{not json")}), 422),
            ("not an array", json!({"messages": not_array, "signature": signed(SECRET, not_array)}), 422),
            ("a bot's own direction", json!({"messages": bot_direction, "signature": signed(SECRET, bot_direction)}), 422),
            ("a day that is not", json!({"messages": bad_time, "signature": signed(SECRET, bad_time)}), 422),
            ("another time format", json!({"messages": iso_time, "signature": signed(SECRET, iso_time)}), 422),
            ("no content", json!({"messages": no_content, "signature": signed(SECRET, no_content)}), 422),
            ("over 64 KiB", json!({"messages": too_big, "signature": signed(SECRET, &too_big)}), 413),
            ("the messages as an array, not text", json!({"messages": serde_json::from_str::<Value>(BOT).unwrap(), "signature": "x"}), 422),
        ];
        let creates = creates_seen_by_zchat(&product).await;
        for (what, history, status) in refused {
            let (answered, body) = create(&product, history, Some(&session)).await;
            assert_eq!(answered, status, "{log:?} {what}: {body}");
            assert_eq!(body["status"], status, "{what}: in the reference's shape");
        }
        assert_eq!(creates_seen_by_zchat(&product).await, creates, "{log:?}: nothing reached zChat");

        // The signed transcript: first, then the earlier conversation.
        let (status, body) = create(&product, json!({"messages": BOT, "signature": signed(SECRET, BOT)}), Some(&session)).await;
        assert_eq!(status, 200, "{body}");
        let hash = body["data"]["interaction_hash"].as_str().unwrap();
        let lines = fetched(&product, hash).await;
        let lines: Vec<(&str, &str)> = lines.iter().map(|(d, c)| (d.as_str(), c.as_str())).collect();
        assert_eq!(
            lines,
            [("CLIENT", "Quero trocar um produto"), ("AGENT", "Sou o bot: vou chamar um atendente"), ("CLIENT", "Meu pedido atrasou")],
            "{log:?}"
        );
        // Without an earlier conversation: the transcript alone.
        let (_, body) = create(&product, json!({"messages": BOT, "signature": signed(SECRET, BOT)}), None).await;
        assert_eq!(fetched(&product, body["data"]["interaction_hash"].as_str().unwrap()).await.len(), 2, "{log:?}");
        product.stop().await;
    }
}
