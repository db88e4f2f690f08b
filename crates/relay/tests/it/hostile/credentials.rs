//! Credentials: session credentials (in bodies and in the stream's query) and history signatures,
//! forged, foreign, truncated, padded, re-encoded, the account token: refused, and told apart
//! only as the design says (401 not ours, 403 another interaction's). On both logs.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use serde_json::json;

use crate::hostile::still_healthy;
use crate::support::{session_for, Log, Product};

/// (credential, status) for the interaction `hash`, whose genuine credential is `session`.
fn cases(hash: &str, session: &str, other_session: &str) -> Vec<(String, u16)> {
    let mac = session.rsplit_once('.').unwrap().1;
    let std_mac = STANDARD.encode(URL_SAFE_NO_PAD.decode(mac).unwrap());
    let other_relay = zchat_relay::Sessions::new("another relay's secret, 32 bytes long").issue(hash);
    vec![
        (String::new(), 401),
        (".".into(), 401),
        ("x".into(), 401),
        (hash.into(), 401),
        (format!("{hash}."), 401),
        (format!("{hash}.AAAA"), 401),
        (format!("{session}x"), 401),
        (format!("{session}="), 401),
        (format!("{hash}.{std_mac}"), 401),
        (format!("{hash}.{}", &mac[..mac.len() - 1]), 401),
        (format!("{hash}.{}", mac.to_uppercase()), 401),
        (format!("{hash}.{mac}.{mac}"), 401),
        (format!(" {session}"), 401),
        (format!("{}.{mac}", hash.to_uppercase()), 401),
        (format!("{hash}\u{0}.{mac}"), 401),
        ("ç.ç".into(), 401),
        ("a".repeat(10_000), 401),
        (other_relay, 401),
        (zchat_sandbox::DEFAULT_TOKEN.into(), 401),
        (other_session.into(), 403),
        (session.into(), 200),
    ]
}

on_both_logs! {
    async fn forged_and_foreign_session_credentials_are_refused_on_calls_and_streams(log: Log) {
        let product = Product::on(log, |_| {}).await;
        let (hash, session) = product.start_interaction(1).await;
        let (_, other_session) = product.start_interaction(1).await;
        for (credential, status) in cases(&hash, &session, &other_session) {
            let typing = product
                .http
                .put(product.relay(&format!("/core/api/v1/interactions/{hash}/typing")))
                .json(&json!({"token": credential}))
                .send()
                .await
                .unwrap();
            assert_eq!(typing.status(), status, "{log:?} typing with {credential:.40?}");
            let stream = product
                .http
                .get(product.relay(&format!("/core/api/v1/interactions/{hash}/events")))
                .query(&[("token", &credential)])
                .send()
                .await
                .unwrap();
            assert_eq!(stream.status(), status, "{log:?} stream with {credential:.40?}");
            if status != 200 {
                let body: serde_json::Value = stream.json().await.unwrap();
                assert_eq!(body["status"], status);
            }
        }
        // A credential is for its own hash only, whatever the path says.
        let answer = product
            .http
            .put(product.relay(&format!("/core/api/v1/interactions/{}/typing", hash.to_uppercase())))
            .json(&json!({"token": session}))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 403, "{log:?}");
        assert_eq!(session_for(&hash), session);
        still_healthy(&product).await;
        product.stop().await;
    }
}

on_both_logs! {
    async fn history_signatures_that_are_not_genuine_look_like_nothing(log: Log) {
        let product = Product::on(log, |_| {}).await;
        let (hash, session) = product.start_interaction(1).await;
        let sessions = zchat_relay::Sessions::new(crate::support::SESSION_SECRET);
        let sig = sessions.history_signature(&hash);
        let mac = session.rsplit_once('.').unwrap().1;
        let cases = [
            (String::new(), 404),
            ("AAAA".into(), 404),
            (format!("{sig}A"), 404),
            (sig[..sig.len() - 2].to_string(), 404),
            (mac.to_string(), 404),
            (session.clone(), 404),
            ("%FF".into(), 404),
            ("a".repeat(5_000), 404),
            (sig.clone(), 200),
        ];
        for (candidate, status) in cases {
            let answer = product.http.get(product.relay(&format!("/history/{hash}"))).query(&[("sig", &candidate)]).send().await.unwrap();
            assert_eq!(answer.status(), status, "{log:?} sig {candidate:.40?}");
            let body: serde_json::Value = answer.json().await.unwrap();
            if status == 404 {
                assert_eq!(body, json!({"message": "No such history", "status": 404}));
            } else {
                assert!(body["messages"].is_array());
            }
        }
        product.stop().await;
    }
}

/// The alarm's count on `product`'s `/metrics`.
async fn alarms(product: &Product) -> u64 {
    let text = product.http.get(product.metrics()).send().await.unwrap().text().await.unwrap();
    let line = text.lines().find(|line| line.starts_with("relay_account_token_alarms_total ")).expect("the alarm's counter");
    line.rsplit(' ').next().unwrap().parse().unwrap()
}

#[tokio::test]
async fn the_account_token_in_a_browser_raises_the_alarm_on_every_route_that_takes_a_credential() {
    let product = Product::on(Log::Memory, |_| {}).await;
    let (hash, _) = product.start_interaction(1).await;
    let token = zchat_sandbox::DEFAULT_TOKEN;
    let api = |path: &str| product.relay(&format!("/core/api/v1/interactions/{hash}{path}"));
    let mut answers = Vec::new();
    for path in ["/typing", "/cleared", "/finish", ""] {
        answers.push(("a body's token", product.http.put(api(path)).json(&json!({"token": token})).send().await.unwrap().status()));
    }
    let message = json!({"token": token, "content": "hi", "type": "text"});
    answers.push(("a message's token", product.http.post(api("/messages")).json(&message).send().await.unwrap().status()));
    answers.push(("the stream's query", product.http.get(api("/events")).query(&[("token", token)]).send().await.unwrap().status()));
    let upload = product.http.post(api("/uploads")).query(&[("token", token)]).header("content-type", "text/plain").body("hi");
    answers.push(("an upload's query", upload.send().await.unwrap().status()));
    let create = product.http.post(product.relay("/core/api/v1/interactions")).header("x-previous-session", token);
    answers.push(("X-Previous-Session", create.json(&json!({"department_id": 1})).send().await.unwrap().status()));
    // Refused like any wrong credential (nothing tells a guesser it matched), and counted each time.
    let refused: Vec<_> = answers.iter().map(|(what, status)| (*what, status.as_u16())).collect();
    assert!(refused.iter().all(|(what, status)| *status == 401 || (*what == "X-Previous-Session" && *status == 400)), "{refused:?}");
    assert_eq!(alarms(&product).await, answers.len() as u64, "{refused:?}");
    product.stop().await;
}
