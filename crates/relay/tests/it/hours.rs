//! `POST /hours`: when the team is back by the site's business hours, for the widget; every
//! wrong setting a 422 that names it; only from the widget's origin.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

use crate::hostile::still_healthy;
use crate::support::Product;

const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

async fn ask(product: &Product, body: Value) -> (u16, Option<String>, Value) {
    let answer = product.http.post(product.relay("/hours")).json(&body).send().await.unwrap();
    let status = answer.status().as_u16();
    let cache = answer.headers().get("cache-control").map(|value| value.to_str().unwrap().to_string());
    (status, cache, answer.json().await.unwrap())
}

#[tokio::test]
async fn the_team_is_there_or_back_at_its_next_hours() {
    let product = Product::start().await;
    let (status, cache, answer) = ask(&product, json!({"hours": "mon-sun 00:00-24:00", "timezone": "America/Sao_Paulo"})).await;
    assert_eq!((status, cache.as_deref(), &answer), (200, Some("no-store"), &json!({"back_at": null})), "always open");
    // Open only the day after tomorrow (UTC): back then, at 09:00 UTC.
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as i64;
    let today = now.div_euclid(86_400_000);
    let later = DAYS[(today + 2 + 3).rem_euclid(7) as usize];
    let (status, _, answer) = ask(&product, json!({"hours": format!("{later} 09:00-10:00"), "timezone": "UTC"})).await;
    assert_eq!(status, 200);
    assert_eq!(answer["back_at"].as_i64(), Some((today + 2) * 86_400_000 + 9 * 3_600_000), "{answer}");
    product.stop().await;
}

#[tokio::test]
async fn every_wrong_setting_is_a_422_that_names_it() {
    let product = Product::start().await;
    let cases = [
        (json!({"hours": "weekdays", "timezone": "UTC"}), 422, "data-hours"),
        (json!({"hours": "mon 09:00-09:00", "timezone": "UTC"}), 422, "data-hours"),
        (json!({"hours": "mon 09:00-18:00".repeat(50), "timezone": "UTC"}), 422, "data-hours"),
        (json!({"hours": "mon 09:00-18:00"}), 422, "data-timezone"),
        (json!({"hours": "mon 09:00-18:00", "timezone": "Mars/Olympus_Mons"}), 422, "data-timezone"),
        (json!({"hours": "mon 09:00-18:00", "timezone": "../../../../etc/passwd"}), 422, "data-timezone"),
        (json!({"hours": "mon 09:00-18:00", "timezone": "x".repeat(5_000)}), 422, "data-timezone"),
        (json!({"timezone": "UTC"}), 422, "hours"),
        (json!({"hours": 9, "timezone": "UTC"}), 422, "hours"),
        (json!({"hours": ["mon 09:00-18:00"], "timezone": "UTC"}), 422, "hours"),
        (json!({"hours": "mon 09:00-18:00", "timezone": null}), 422, "timezone"),
    ];
    for (body, status, named) in cases {
        let (got, _, answer) = ask(&product, body.clone()).await;
        let message = answer["message"].as_str().unwrap_or_default();
        assert_eq!((got, answer["status"].as_u64()), (status, Some(u64::from(status))), "{body}: {answer}");
        assert!(message.contains(named) && message.len() < 300, "{body}: {message}");
    }
    // Another site's page may not ask (only the widget's frame, on the relay's own origin).
    let foreign = product
        .http
        .post(product.relay("/hours"))
        .header("Origin", "https://evil.example")
        .json(&json!({"hours": "mon 09:00-18:00", "timezone": "UTC"}))
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), 403);
    still_healthy(&product).await;
    product.stop().await;
}
