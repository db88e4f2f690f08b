//! Webhook delivery like a real sender: retries, and the injected webhook faults.

use std::time::Instant;

use reqwest::Method;
use serde_json::{json, Value};

use crate::support::{until, World};

async fn deliveries(world: &World, count: usize) -> Vec<Value> {
    until(&format!("{count} deliveries in the journal"), || async {
        let list: Value = world.http.get(world.url("/agent/webhooks")).send().await.ok()?.json().await.ok()?;
        let list = list.as_array()?.clone();
        (list.len() >= count).then_some(list)
    })
    .await
}

#[tokio::test]
async fn a_failing_webhook_url_is_retried_until_it_answers() {
    let world = World::start().await;
    world.receiver.fail_next(2);
    let hash = world.start_interaction(json!({"department_id": 1})).await;
    let triggers = world.receiver.wait_for(1).await;
    assert_eq!(triggers[0]["interaction_hash"], hash.as_str());
    let journal = deliveries(&world, 1).await;
    assert_eq!((journal[0]["attempts"].as_u64(), journal[0]["delivered"].as_bool()), (Some(3), Some(true)));
    assert_eq!(journal[0]["notes"], json!(["attempt 1: answered 500", "attempt 2: answered 500"]));
    world.stop();
}

#[tokio::test]
async fn duplicated_and_dropped_webhooks() {
    let world = World::start().await;
    world.set_faults(json!({"seed": 1, "webhooks": {"duplicate_rate": 1.0}})).await;
    let hash = world.start_interaction(json!({"department_id": 1})).await;
    let triggers = world.receiver.wait_for(2).await;
    assert_eq!(triggers[0], triggers[1], "the same trigger twice");
    assert_eq!(triggers[0]["interaction_hash"], hash.as_str());

    world.set_faults(json!({"seed": 1, "webhooks": {"drop_rate": 1.0}})).await;
    world.agent(Method::POST, &format!("/agent/interactions/{hash}/accept"), json!({})).await;
    let triggers = world.receiver.wait_for(3).await;
    assert_eq!(triggers[2]["state"], "accepted", "a dropped delivery arrives on its retry");
    let journal = deliveries(&world, 2).await;
    assert_eq!(journal[1]["attempts"], 2);
    assert_eq!(journal[1]["notes"], json!(["fault: attempt 1 dropped"]));
    world.stop();
}

#[tokio::test]
async fn reordered_and_delayed_webhooks() {
    let world = World::start().await;
    // Every trigger draws "reorder": the first is held back and goes after the second (which
    // it waits for as long as it takes).
    world.set_faults(json!({"seed": 3, "webhooks": {"reorder_rate": 1.0, "reorder_wait_ms": 60000}})).await;
    let hash = world.start_interaction(json!({"department_id": 1})).await;
    world.agent(Method::POST, &format!("/agent/interactions/{hash}/accept"), json!({})).await;
    let triggers = world.receiver.wait_for(2).await;
    let states: Vec<&str> = triggers.iter().map(|t| t["state"].as_str().unwrap()).collect();
    assert_eq!(states, ["accepted", "queued"]);

    world.set_faults(json!({"webhooks": {"delay_ms": 300}})).await;
    let started = Instant::now();
    world.agent(Method::PUT, &format!("/agent/interactions/{hash}/typing"), json!({})).await;
    world.receiver.wait_for(3).await;
    assert!(started.elapsed().as_millis() >= 300, "delivered no sooner than the delay");
    world.stop();
}
