//! external_history: fetched and checked for the agent, or why not.

use serde_json::{json, Value};

use crate::support::{until, World};

async fn history_of(world: &World, url: String) -> Value {
    let hash = world.start_interaction(json!({"department_id": 1, "external_history": url})).await;
    until("the history to be fetched", || async {
        let view: Value = world.http.get(world.url(&format!("/agent/interactions/{hash}"))).send().await.ok()?.json().await.ok()?;
        (view["history"]["status"] != "loading").then(|| view["history"].clone())
    })
    .await
}

#[tokio::test]
async fn a_valid_history_is_shown_to_the_agent() {
    let world = World::start().await;
    let history = history_of(&world, format!("{}/history/valid", world.history)).await;
    assert_eq!(history["status"], "loaded");
    assert_eq!(history["messages"][1], json!({"time": "2019-03-14 00:00:10", "direction": "AGENT", "content": "agent answer here"}));
    world.stop();
}

#[tokio::test]
async fn an_invalid_or_missing_history_says_why() {
    let world = World::start().await;
    let bad = history_of(&world, format!("{}/history/bad-time", world.history)).await;
    assert_eq!(bad, json!({"status": "invalid", "error": "messages[0].time must be a date and time as YYYY-MM-DD HH:MM:SS"}));
    let missing = history_of(&world, format!("{}/history/missing", world.history)).await;
    assert_eq!(missing, json!({"status": "invalid", "error": "The external history answered 404"}));
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let unreachable = history_of(&world, format!("http://{closed}/h")).await;
    assert_eq!(unreachable["error"], "The external history could not be reached");
    world.stop();
}
