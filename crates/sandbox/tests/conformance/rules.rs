//! One test per rule of the reference.

use reqwest::Method;
use serde_json::{json, Value};

use crate::{refused, targets, Target};

const START: &str = "/core/api/v1/interactions";
/// A well-formed hash no account has.
const NO_SUCH_HASH: &str = "00000000-0000-4000-8000-000000000000";

fn path(hash: &str, suffix: &str) -> String {
    format!("/core/api/v1/interactions/{hash}{suffix}")
}

async fn start_with(target: &Target, mut body: Value) -> (u16, Value) {
    if body.get("department_id").is_some_and(|d| d == "ACTIVE") {
        body["department_id"] = json!(target.department);
    }
    target.call(Method::POST, START, body).await
}

// ---- start interaction -------------------------------------------------------------------------

#[tokio::test]
async fn start_answers_the_reference_success() {
    for target in targets().await {
        let (status, body) = start_with(
            &target,
            json!({"token": target.token, "department_id": "ACTIVE", "media_type": "TEXT",
            "customer": {"name": "Name Surname", "email": "name@example.com", "phone": "11991417777", "cpf": "12345678900"},
            "extra": {"clientId": "any", "botId": "any"}}),
        )
        .await;
        assert_eq!(status, 200, "{}: {body}", target.name);
        assert_eq!(body["message"], "Interaction created successfully", "{}", target.name);
        assert!(body["data"]["interaction_hash"].as_str().is_some_and(|h| !h.is_empty()), "{}", target.name);
    }
}

#[tokio::test]
async fn start_without_token() {
    for target in targets().await {
        refused(&target, start_with(&target, json!({"department_id": "ACTIVE"})).await, "The token is required");
    }
}

#[tokio::test]
async fn start_with_an_unknown_token() {
    for target in targets().await {
        refused(&target, start_with(&target, json!({"token": "not-a-token", "department_id": "ACTIVE"})).await, "The token is invalid");
    }
}

#[tokio::test]
async fn start_without_department() {
    for target in targets().await {
        refused(&target, start_with(&target, json!({"token": target.token})).await, "The department_id is required");
    }
}

#[tokio::test]
async fn start_with_a_non_integer_department() {
    for target in targets().await {
        refused(&target, start_with(&target, json!({"token": target.token, "department_id": "one"})).await, "The department_id must be an integer");
    }
}

#[tokio::test]
async fn start_with_an_unknown_department() {
    for target in targets().await {
        let answer = start_with(&target, json!({"token": target.token, "department_id": 987654321})).await;
        refused(&target, answer, "The department_id 987654321 does not exist");
    }
}

#[tokio::test]
async fn start_with_an_inactive_department() {
    for target in targets().await {
        let Some(inactive) = target.inactive_department else {
            eprintln!("{}: no inactive department given (ZCHAT_INACTIVE_DEPARTMENT): rule skipped", target.name);
            continue;
        };
        let answer = start_with(&target, json!({"token": target.token, "department_id": inactive})).await;
        refused(&target, answer, &format!("The department {inactive} is not active"));
    }
}

#[tokio::test]
async fn start_with_a_media_type_outside_the_list() {
    for target in targets().await {
        let answer = start_with(&target, json!({"token": target.token, "department_id": "ACTIVE", "media_type": "FAX"})).await;
        refused(&target, answer, "The media_type must be one of TEXT, SMS, WHATSAPP");
    }
}

#[tokio::test]
async fn start_with_a_null_media_type_is_saved_as_text() {
    for target in targets().await {
        let (status, body) = start_with(&target, json!({"token": target.token, "department_id": "ACTIVE", "media_type": null})).await;
        assert_eq!(status, 200, "{}: {body}", target.name);
        if target.is_sandbox() {
            let hash = body["data"]["interaction_hash"].as_str().unwrap();
            let view: Value = target.http.get(format!("{}/agent/interactions/{hash}", target.base)).send().await.unwrap().json().await.unwrap();
            assert_eq!(view["media_type"], "TEXT");
        }
    }
}

// ---- send message ------------------------------------------------------------------------------

#[tokio::test]
async fn send_answers_the_reference_success_and_null_type_is_text() {
    for target in targets().await {
        let hash = target.start().await;
        let (status, body) =
            target.call(Method::POST, &path(&hash, "/messages"), json!({"token": target.token, "content": "your message", "type": null})).await;
        assert_eq!(status, 200, "{}: {body}", target.name);
        assert_eq!(body, json!({"data": {"interaction_hash": hash}, "message": "Message created successfully", "status": 200}), "{}", target.name);
        if target.is_sandbox() {
            let view: Value = target.http.get(format!("{}/agent/interactions/{hash}", target.base)).send().await.unwrap().json().await.unwrap();
            assert_eq!(view["transcript"][0]["type"], "text");
        }
    }
}

#[tokio::test]
async fn send_with_an_unknown_token() {
    for target in targets().await {
        let hash = target.start().await;
        let answer = target.call(Method::POST, &path(&hash, "/messages"), json!({"token": "not-a-token", "content": "x"})).await;
        refused(&target, answer, "The token is invalid");
    }
}

#[tokio::test]
async fn send_to_an_unknown_interaction() {
    for target in targets().await {
        let answer = target.call(Method::POST, &path(NO_SUCH_HASH, "/messages"), json!({"token": target.token, "content": "x"})).await;
        refused(&target, answer, &format!("The interaction {NO_SUCH_HASH} does not exist"));
    }
}

#[tokio::test]
async fn send_an_empty_content() {
    for target in targets().await {
        let hash = target.start().await;
        let answer = target.call(Method::POST, &path(&hash, "/messages"), json!({"token": target.token, "content": ""})).await;
        refused(&target, answer, "The content is required");
    }
}

#[tokio::test]
async fn send_a_type_outside_the_list() {
    for target in targets().await {
        let hash = target.start().await;
        let answer = target.call(Method::POST, &path(&hash, "/messages"), json!({"token": target.token, "content": "x", "type": "sticker"})).await;
        refused(&target, answer, "The type must be one of text, image, video, audio, file");
    }
}

#[tokio::test]
async fn send_media_without_url() {
    for target in targets().await {
        let hash = target.start().await;
        let answer = target.call(Method::POST, &path(&hash, "/messages"), json!({"token": target.token, "content": "x", "type": "image"})).await;
        refused(&target, answer, "A url is required for a message of type image");
    }
}

#[tokio::test]
async fn send_to_a_finished_interaction() {
    for target in targets().await {
        let hash = target.finished().await;
        let answer = target.call(Method::POST, &path(&hash, "/messages"), json!({"token": target.token, "content": "x"})).await;
        refused(&target, answer, "The interaction is already finished");
    }
}

// ---- typing, cleared, finish -------------------------------------------------------------------

#[tokio::test]
async fn typing_and_cleared_on_an_open_interaction() {
    for target in targets().await {
        let hash = target.start().await;
        for suffix in ["/typing", "/cleared"] {
            let (status, body) = target.call(Method::PUT, &path(&hash, suffix), json!({"token": target.token})).await;
            assert_eq!(status, 200, "{}: {suffix}: {body}", target.name);
        }
    }
}

#[tokio::test]
async fn typing_without_token() {
    for target in targets().await {
        let hash = target.start().await;
        refused(&target, target.call(Method::PUT, &path(&hash, "/typing"), json!({})).await, "The token is required");
    }
}

#[tokio::test]
async fn typing_on_a_finished_interaction() {
    for target in targets().await {
        let hash = target.finished().await;
        let answer = target.call(Method::PUT, &path(&hash, "/typing"), json!({"token": target.token})).await;
        refused(&target, answer, "The interaction is already finished");
    }
}

#[tokio::test]
async fn finish_a_finished_interaction() {
    for target in targets().await {
        let hash = target.finished().await;
        let answer = target.call(Method::PUT, &path(&hash, "/finish"), json!({"token": target.token})).await;
        refused(&target, answer, "The interaction is already finished");
    }
}

#[tokio::test]
async fn finish_an_unknown_interaction() {
    for target in targets().await {
        let answer = target.call(Method::PUT, &path(NO_SUCH_HASH, "/finish"), json!({"token": target.token})).await;
        refused(&target, answer, &format!("The interaction {NO_SUCH_HASH} does not exist"));
    }
}

// ---- update interaction ------------------------------------------------------------------------

#[tokio::test]
async fn rating_a_finished_interaction_is_allowed() {
    for target in targets().await {
        let hash = target.finished().await;
        let (status, body) =
            target.call(Method::PUT, &path(&hash, ""), json!({"token": target.token, "mood": "POSITIVE", "note": "any note here"})).await;
        assert_eq!(status, 200, "{}: {body}", target.name);
        assert_eq!(body, json!({"message": "Interaction updated successfully", "status": 200}), "{}", target.name);
    }
}

#[tokio::test]
async fn update_with_a_mood_outside_the_list() {
    for target in targets().await {
        let hash = target.start().await;
        let answer = target.call(Method::PUT, &path(&hash, ""), json!({"token": target.token, "mood": "NEUTRAL"})).await;
        refused(&target, answer, "The mood must be one of POSITIVE, NEGATIVE");
    }
}

#[tokio::test]
async fn update_with_unknown_tags() {
    for target in targets().await {
        let hash = target.start().await;
        let answer = target.call(Method::PUT, &path(&hash, ""), json!({"token": target.token, "tag_ids": ["no-such-tag-987654321"]})).await;
        refused(&target, answer, "The tag_id no-such-tag-987654321 does not exist");
    }
}

#[tokio::test]
async fn update_with_an_unknown_customer_key() {
    for target in targets().await {
        let hash = target.start().await;
        let answer = target.call(Method::PUT, &path(&hash, ""), json!({"token": target.token, "customer_key": "no-such-customer"})).await;
        refused(&target, answer, "The customer_key no-such-customer does not exist");
    }
}

#[tokio::test]
async fn update_an_unknown_interaction() {
    for target in targets().await {
        let answer = target.call(Method::PUT, &path(NO_SUCH_HASH, ""), json!({"token": target.token, "mood": "POSITIVE"})).await;
        refused(&target, answer, &format!("The interaction {NO_SUCH_HASH} does not exist"));
    }
}

// ---- bodies that are not what the reference describes ------------------------------------------

#[tokio::test]
async fn malformed_json_wrong_content_type_and_oversized_bodies_are_client_errors() {
    for target in targets().await {
        let malformed = target.raw(Method::POST, START, "application/json", "{\"token\": ".into()).await;
        let not_json =
            target.raw(Method::POST, START, "text/plain", json!({"token": target.token, "department_id": target.department}).to_string()).await;
        let huge = json!({"token": target.token, "department_id": target.department, "extra": {"x": "a".repeat(200_000)}}).to_string();
        let oversized = target.raw(Method::POST, START, "application/json", huge).await;
        for (what, (status, body), sandbox_status) in [("malformed", malformed, 400), ("not JSON", not_json, 415), ("oversized", oversized, 413)] {
            assert!((400..500).contains(&status), "{}: {what}: {status} {body}", target.name);
            if target.is_sandbox() {
                assert_eq!(status, sandbox_status, "{what}");
                assert_eq!(body["status"], sandbox_status, "{what}: the reference's error shape");
            }
        }
    }
}
