//! Each trigger of the reference, with exactly its fields, `extra` echoed as given at creation.

use reqwest::Method;
use serde_json::json;

use crate::support::World;

#[tokio::test]
async fn every_trigger_has_exactly_the_reference_fields() {
    let world = World::start().await;
    let extra = json!({"clientId": "any", "botId": "any"});
    let hash = world.start_interaction(json!({"department_id": 1, "extra": extra})).await;
    let agent = |action: &str| format!("/agent/interactions/{hash}/{action}");
    world.agent(Method::POST, &agent("accept"), json!({})).await;
    world.agent(Method::PUT, &agent("typing"), json!({})).await;
    world.agent(Method::PUT, &agent("cleared"), json!({})).await;
    let view =
        world.agent(Method::POST, &agent("messages"), json!({"content": "Message", "type": "image", "url": "https://example.com/a.png"})).await;
    let message_hash = view["transcript"][0]["hash"].as_str().unwrap().to_string();
    world.agent(Method::POST, &agent("finish"), json!({})).await;
    let unavailable = world.start_interaction(json!({"department_id": 2})).await;

    world.receiver.wait_for(7).await;
    assert_eq!(
        world.receiver.of(&hash),
        [
            json!({"interaction_hash": hash, "state": "queued", "position": 1, "extra": extra}),
            json!({"interaction_hash": hash, "state": "accepted", "extra": extra}),
            json!({"interaction_hash": hash, "state": "typing", "extra": extra}),
            json!({"interaction_hash": hash, "state": "cleared", "extra": extra}),
            json!({
                "interaction_hash": hash,
                "message": {"hash": message_hash, "content": "Message", "type": "image", "url": "https://example.com/a.png"},
                "agent": {"id": 111, "name": "Atendente"},
                "extra": extra
            }),
            json!({"interaction_hash": hash, "state": "finished", "extra": extra}),
        ]
    );
    assert_eq!(
        world.receiver.of(&unavailable),
        [json!({"interaction_hash": unavailable, "state": "unavailable", "extra": {}})],
        "no agent online in department 2; no extra given is an empty one"
    );
    world.stop();
}

#[tokio::test]
async fn the_queue_moves_up_when_an_agent_accepts_or_a_visitor_leaves() {
    let world = World::start().await;
    let first = world.start_interaction(json!({"department_id": 1})).await;
    let second = world.start_interaction(json!({"department_id": 1})).await;
    let third = world.start_interaction(json!({"department_id": 1})).await;
    world.receiver.wait_for(3).await;
    world.agent(Method::POST, &format!("/agent/interactions/{first}/accept"), json!({"agent": {"id": 5, "name": "Bia"}})).await;
    world.receiver.wait_for(6).await; // accepted + second → 1 + third → 2
    assert_eq!(world.receiver.of(&second).last().unwrap()["position"], 1);
    assert_eq!(world.receiver.of(&third).last().unwrap()["position"], 2);

    // The visitor in front gives up: the one behind moves up.
    let finish = world
        .http
        .put(world.url(&format!("/core/api/v1/interactions/{second}/finish")))
        .json(&json!({"token": zchat_sandbox::DEFAULT_TOKEN}))
        .send()
        .await
        .unwrap();
    assert_eq!(finish.status(), 200);
    world.receiver.wait_for(7).await;
    assert_eq!(world.receiver.of(&third).last().unwrap()["position"], 1);
    assert_eq!(world.receiver.of(&second).len(), 2, "a visitor's finish sends no trigger of its own");

    // Agents go offline: a new interaction is unavailable.
    world.agent(Method::PUT, "/agent/departments/1", json!({"agents_online": false})).await;
    let late = world.start_interaction(json!({"department_id": 1})).await;
    world.receiver.wait_for(8).await;
    assert_eq!(world.receiver.of(&late)[0]["state"], "unavailable");
    world.stop();
}
