//! The ClientApi V1 endpoints, as zChat answers them (`shared/spec/zchat-clientapi-v1.md`).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::{post, put};
use axum::{Json, Router};
use zchat_types::{
    paths, Ack, ApiError, ApiJson, CreatedData, InteractionCreated, MessageCreated, MessageCreatedData,
    SendMessage, StartInteraction, TokenOnly, UpdateInteraction,
};

use crate::{now_millis, Sandbox};

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
async fn start(
    State(sandbox): State<Arc<Sandbox>>,
    ApiJson(request): ApiJson<StartInteraction>,
) -> Result<Json<InteractionCreated>, ApiError> {
    let hash = uuid::Uuid::new_v4().to_string();
    sandbox.change(|world| world.interactions.start(&world.account, request, hash.clone(), now_millis()))?;
    Ok(Json(InteractionCreated {
        message: "Interaction created successfully".into(),
        data: CreatedData { interaction_hash: hash, session: None },
    }))
}

/// `PUT /core/api/v1/interactions/{hash}` → `{"message": "Interaction updated successfully", "status": 200}`
async fn update(
    State(sandbox): State<Arc<Sandbox>>,
    Path(hash): Path<String>,
    ApiJson(request): ApiJson<UpdateInteraction>,
) -> Result<Json<Ack>, ApiError> {
    sandbox.change(|world| world.interactions.update(&world.account, &hash, request).map(|()| Vec::new()))?;
    Ok(ack("Interaction updated successfully"))
}

/// `POST /core/api/v1/interactions/{hash}/messages` → `{"data": {"interaction_hash": …}, "message": "Message created successfully", "status": 200}`
async fn send_message(
    State(sandbox): State<Arc<Sandbox>>,
    Path(hash): Path<String>,
    ApiJson(request): ApiJson<SendMessage>,
) -> Result<Json<MessageCreated>, ApiError> {
    sandbox.change(|world| {
        world.interactions.customer_message(&world.account, &hash, request, now_millis()).map(|()| Vec::new())
    })?;
    Ok(Json(MessageCreated {
        data: MessageCreatedData { interaction_hash: hash },
        message: "Message created successfully".into(),
        status: 200,
    }))
}

/// `PUT /core/api/v1/interactions/{hash}/typing` → `{"message": "Typing notified", "status": 200}`
async fn typing(
    State(sandbox): State<Arc<Sandbox>>,
    Path(hash): Path<String>,
    ApiJson(request): ApiJson<TokenOnly>,
) -> Result<Json<Ack>, ApiError> {
    sandbox.change(|world| {
        world.interactions.customer_typing(&world.account, &hash, &request.token, true).map(|()| Vec::new())
    })?;
    Ok(ack("Typing notified"))
}

/// `PUT /core/api/v1/interactions/{hash}/cleared` → `{"message": "Stopped typing notified", "status": 200}`
async fn cleared(
    State(sandbox): State<Arc<Sandbox>>,
    Path(hash): Path<String>,
    ApiJson(request): ApiJson<TokenOnly>,
) -> Result<Json<Ack>, ApiError> {
    sandbox.change(|world| {
        world.interactions.customer_typing(&world.account, &hash, &request.token, false).map(|()| Vec::new())
    })?;
    Ok(ack("Stopped typing notified"))
}

/// `PUT /core/api/v1/interactions/{hash}/finish` → `{"message": "Interaction finished successfully", "status": 200}`
async fn finish(
    State(sandbox): State<Arc<Sandbox>>,
    Path(hash): Path<String>,
    ApiJson(request): ApiJson<TokenOnly>,
) -> Result<Json<Ack>, ApiError> {
    sandbox.change(|world| world.interactions.customer_finish(&world.account, &hash, &request.token))?;
    Ok(ack("Interaction finished successfully"))
}

fn ack(message: &str) -> Json<Ack> {
    Json(Ack { message: message.into(), status: 200 })
}
