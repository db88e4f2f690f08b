//! The ClientApi V1 endpoints, as zChat answers them (`docs/spec/zchat-clientapi-v1.md`).
//! Bodies are read as JSON (400 malformed, 415 not JSON, 413 too large), checked rule by rule
//! (`validate`, 422 each), then applied to the interactions (422 for unknown or finished ones).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::{post, put};
use axum::{Json, Router};
use serde_json::Value;
use zchat_types::{paths, Ack, ApiError, ApiJson, CreatedData, InteractionCreated, MessageCreated, MessageCreatedData};

use crate::{now_millis, validate, Sandbox};

pub fn routes() -> Router<Arc<Sandbox>> {
    Router::new()
        .route(paths::INTERACTIONS, post(start))
        .route(paths::INTERACTION, put(update))
        .route(paths::MESSAGES, post(send_message))
        .route(paths::TYPING, put(typing))
        .route(paths::CLEARED, put(cleared))
        .route(paths::FINISH, put(finish))
}

/// `POST /core/api/v1/interactions` → `{"message": "Interaction created successfully", "data": {"interaction_hash": …}}`
async fn start(State(sandbox): State<Arc<Sandbox>>, ApiJson(body): ApiJson<Value>) -> Result<Json<InteractionCreated>, ApiError> {
    let hash = uuid::Uuid::new_v4().to_string();
    let mut history_url = None;
    sandbox.change(|world| {
        let request = validate::start_interaction(&world.account, &body)?;
        history_url = request.external_history.clone();
        world.interactions.start(&world.account, request, hash.clone(), now_millis())
    })?;
    if let Some(url) = history_url {
        sandbox.fetch_history(hash.clone(), url);
    }
    Ok(Json(InteractionCreated {
        message: "Interaction created successfully".into(),
        data: CreatedData { interaction_hash: hash, session: None, warnings: Vec::new() },
    }))
}

/// `PUT /core/api/v1/interactions/{hash}` → `{"message": "Interaction updated successfully", "status": 200}`
async fn update(State(sandbox): State<Arc<Sandbox>>, Path(hash): Path<String>, ApiJson(body): ApiJson<Value>) -> Result<Json<Ack>, ApiError> {
    sandbox.change(|world| {
        let request = validate::update_interaction(&world.account, &body)?;
        world.interactions.update(&world.account, &hash, request).map(|()| Vec::new())
    })?;
    Ok(ack("Interaction updated successfully"))
}

/// `POST /core/api/v1/interactions/{hash}/messages` → `{"data": {"interaction_hash": …}, "message": "Message created successfully", "status": 200}`
async fn send_message(
    State(sandbox): State<Arc<Sandbox>>,
    Path(hash): Path<String>,
    ApiJson(body): ApiJson<Value>,
) -> Result<Json<MessageCreated>, ApiError> {
    sandbox.change(|world| {
        let request = validate::send_message(&world.account, &body)?;
        world.interactions.customer_message(&hash, request, now_millis()).map(|()| Vec::new())
    })?;
    Ok(Json(MessageCreated { data: MessageCreatedData { interaction_hash: hash }, message: "Message created successfully".into(), status: 200 }))
}

/// `PUT /core/api/v1/interactions/{hash}/typing` → `{"message": "Typing notified", "status": 200}`
async fn typing(State(sandbox): State<Arc<Sandbox>>, Path(hash): Path<String>, ApiJson(body): ApiJson<Value>) -> Result<Json<Ack>, ApiError> {
    set_typing(&sandbox, &hash, &body, true)?;
    Ok(ack("Typing notified"))
}

/// `PUT /core/api/v1/interactions/{hash}/cleared` → `{"message": "Stopped typing notified", "status": 200}`
async fn cleared(State(sandbox): State<Arc<Sandbox>>, Path(hash): Path<String>, ApiJson(body): ApiJson<Value>) -> Result<Json<Ack>, ApiError> {
    set_typing(&sandbox, &hash, &body, false)?;
    Ok(ack("Stopped typing notified"))
}

fn set_typing(sandbox: &Sandbox, hash: &str, body: &Value, typing: bool) -> Result<(), ApiError> {
    sandbox.change(|world| {
        validate::token_only(&world.account, body)?;
        world.interactions.customer_typing(hash, typing).map(|()| Vec::new())
    })
}

/// `PUT /core/api/v1/interactions/{hash}/finish` → `{"message": "Interaction finished successfully", "status": 200}`
async fn finish(State(sandbox): State<Arc<Sandbox>>, Path(hash): Path<String>, ApiJson(body): ApiJson<Value>) -> Result<Json<Ack>, ApiError> {
    sandbox.change(|world| {
        validate::token_only(&world.account, &body)?;
        world.interactions.customer_finish(&hash)
    })?;
    Ok(ack("Interaction finished successfully"))
}

fn ack(message: &str) -> Json<Ack> {
    Json(Ack { message: message.into(), status: 200 })
}
