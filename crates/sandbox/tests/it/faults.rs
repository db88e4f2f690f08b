//! API faults: 5xx, slow, timing out; reproducible with a seed; refused when out of range.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::support::World;

async fn create_status(world: &World) -> u16 {
    let body = json!({"token": zchat_sandbox::DEFAULT_TOKEN, "department_id": 1});
    world.http.post(world.url("/core/api/v1/interactions")).json(&body).send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn api_errors_are_503s_in_the_reference_shape() {
    let world = World::start().await;
    world.set_faults(json!({"api": {"error_rate": 1.0}})).await;
    let answer = world
        .http
        .post(world.url("/core/api/v1/interactions"))
        .json(&json!({"token": zchat_sandbox::DEFAULT_TOKEN, "department_id": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 503);
    let body: Value = answer.json().await.unwrap();
    assert_eq!(body["status"], 503);
    assert!(body["message"].as_str().unwrap().contains("fault injected"));
    world.set_faults(json!({})).await;
    assert_eq!(create_status(&world).await, 200, "faults off again");
    world.stop();
}

#[tokio::test]
async fn slow_and_timing_out_answers() {
    let world = World::start().await;
    world.set_faults(json!({"api": {"slow_rate": 1.0, "slow_ms": 300}})).await;
    let started = Instant::now();
    assert_eq!(create_status(&world).await, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));

    world.set_faults(json!({"api": {"timeout_rate": 1.0, "timeout_ms": 60000}})).await;
    let impatient = reqwest::Client::builder().timeout(Duration::from_millis(500)).build().unwrap();
    let result =
        impatient.post(world.url("/core/api/v1/interactions")).json(&json!({"token": zchat_sandbox::DEFAULT_TOKEN, "department_id": 1})).send().await;
    assert!(result.unwrap_err().is_timeout(), "the client gives up first");
    world.stop();
}

#[tokio::test]
async fn the_same_seed_gives_the_same_faults() {
    let world = World::start().await;
    let mut runs = Vec::new();
    for _ in 0..2 {
        world.set_faults(json!({"seed": 42, "api": {"error_rate": 0.5}})).await;
        let mut statuses = Vec::new();
        for _ in 0..16 {
            statuses.push(create_status(&world).await);
        }
        runs.push(statuses);
    }
    assert_eq!(runs[0], runs[1]);
    assert!(runs[0].contains(&503) && runs[0].contains(&200), "{:?}", runs[0]);
    world.stop();
}

#[tokio::test]
async fn bad_fault_settings_are_refused_with_a_reason() {
    let world = World::start().await;
    let put = |body: Value| world.http.put(world.url("/agent/faults")).json(&body).send();
    let answer = put(json!({"api": {"error_rate": 2}})).await.unwrap();
    assert_eq!(answer.status(), 400);
    assert_eq!(answer.json::<Value>().await.unwrap()["message"], "api.error_rate must be between 0 and 1");
    let unknown = put(json!({"api": {"eror_rate": 0.5}})).await.unwrap();
    assert_eq!(unknown.status(), 422);
    assert!(unknown.json::<Value>().await.unwrap()["message"].as_str().unwrap().contains("eror_rate"));
    world.stop();
}
