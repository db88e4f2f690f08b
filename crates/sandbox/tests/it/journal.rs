//! Everything the sandbox received can be read back.

use serde_json::{json, Value};

use crate::support::World;

#[tokio::test]
async fn requests_and_their_answers_are_recorded() {
    let world = World::start().await;
    let hash = world.start_interaction(json!({"department_id": 1, "customer": {"name": "Maria"}})).await;
    let refused = world
        .http
        .post(world.url(&format!("/core/api/v1/interactions/{hash}/messages")))
        .json(&json!({"token": zchat_sandbox::DEFAULT_TOKEN, "content": ""}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 422);
    let requests: Vec<Value> = world.http.get(world.url("/agent/requests")).send().await.unwrap().json().await.unwrap();
    assert_eq!(requests.len(), 2);
    assert_eq!((requests[0]["method"].as_str(), requests[0]["path"].as_str()), (Some("POST"), Some("/core/api/v1/interactions")));
    assert_eq!(requests[0]["body"]["customer"]["name"], "Maria");
    assert_eq!(requests[0]["answer"]["data"]["interaction_hash"], hash.as_str());
    assert_eq!(requests[1]["status"], 422);
    assert_eq!(requests[1]["answer"], json!({"message": "The content is required", "status": 422}));

    let cleared = world.http.delete(world.url("/agent/journal")).send().await.unwrap();
    assert_eq!(cleared.status(), 204);
    let requests: Vec<Value> = world.http.get(world.url("/agent/requests")).send().await.unwrap().json().await.unwrap();
    assert!(requests.is_empty());
    world.stop();
}
