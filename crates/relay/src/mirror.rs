//! The ClientApi V1 mirror: the widget calls the reference's paths and bodies on the relay; the
//! relay checks the caller, swaps in the account token and forwards to zChat (DESIGN.md §1–2).
//!
//! - `POST /core/api/v1/interactions`: the reference's body *without* `token`; answers the
//!   reference's answer plus `data.session`, the credential for every later call.
//! - `PUT …/{hash}`, `POST …/{hash}/messages`, `PUT …/{hash}/typing`, `…/cleared`, `…/finish`: the
//!   reference's bodies, with `token` set to that interaction's session credential.
//! - A browser calling from another origin than the relay's own is refused (403).

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap};
use axum::routing::{post, put};
use axum::{Json, Router};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::Serialize;
use zchat_types::{
    paths, Ack, ApiError, ApiJson, CustomerMessage, InteractionCreated, MessageCreated, SendMessage,
    StartInteraction, TokenOnly, UpdateInteraction,
};

use crate::{unix_millis, Relay};

pub fn routes() -> Router<Arc<Relay>> {
    Router::new()
        .route(paths::INTERACTIONS, post(start))
        .route(paths::INTERACTION, put(update))
        .route(paths::MESSAGES, post(send_message))
        .route(paths::TYPING, put(typing))
        .route(paths::CLEARED, put(cleared))
        .route(paths::FINISH, put(finish))
}

/// The longest `Idempotency-Key` kept; the widget sends UUIDs.
const MAX_KEY_LEN: usize = 100;

async fn start(
    State(relay): State<Arc<Relay>>,
    headers: HeaderMap,
    ApiJson(mut request): ApiJson<StartInteraction>,
) -> Result<Json<InteractionCreated>, ApiError> {
    relay.check_origin(&headers)?;
    if !request.token.is_empty() {
        return Err(ApiError::new(400, "Do not send a token: the relay adds the account's"));
    }
    request.token = relay.upstream.token().to_string();
    let mut created: InteractionCreated =
        relay.upstream.call(Method::POST, paths::INTERACTIONS, &request).await?;
    let hash = &created.data.interaction_hash;
    check_hash(hash).map_err(|_| ApiError::new(502, "zChat answered an invalid interaction hash"))?;
    relay.log.open(hash, Instant::now());
    created.data.session = Some(relay.sessions.issue(hash));
    Ok(Json(created))
}

async fn update(
    State(relay): State<Arc<Relay>>,
    Path(hash): Path<String>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<UpdateInteraction>,
) -> Result<Json<Ack>, ApiError> {
    forward(&relay, &headers, Method::PUT, &hash, paths::INTERACTION, request).await.map(Json)
}

async fn send_message(
    State(relay): State<Arc<Relay>>,
    Path(hash): Path<String>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<SendMessage>,
) -> Result<Json<MessageCreated>, ApiError> {
    let client_key = headers
        .get("idempotency-key")
        .and_then(|key| key.to_str().ok())
        .filter(|key| !key.is_empty() && key.len() <= MAX_KEY_LEN)
        .map(str::to_string);
    let message = CustomerMessage {
        content: request.content.clone(),
        kind: request.kind,
        url: request.url.clone(),
        sent_at: 0,
        client_key,
    };
    let answer = forward(&relay, &headers, Method::POST, &hash, paths::MESSAGES, request).await?;
    // zChat took it: it is now part of the transcript every tab of the visitor sees.
    let message = CustomerMessage { sent_at: unix_millis(), ..message };
    relay.log.append_customer_message(&hash, &message, Instant::now());
    Ok(Json(answer))
}

async fn typing(
    State(relay): State<Arc<Relay>>,
    Path(hash): Path<String>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<TokenOnly>,
) -> Result<Json<Ack>, ApiError> {
    forward(&relay, &headers, Method::PUT, &hash, paths::TYPING, request).await.map(Json)
}

async fn cleared(
    State(relay): State<Arc<Relay>>,
    Path(hash): Path<String>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<TokenOnly>,
) -> Result<Json<Ack>, ApiError> {
    forward(&relay, &headers, Method::PUT, &hash, paths::CLEARED, request).await.map(Json)
}

async fn finish(
    State(relay): State<Arc<Relay>>,
    Path(hash): Path<String>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<TokenOnly>,
) -> Result<Json<Ack>, ApiError> {
    forward(&relay, &headers, Method::PUT, &hash, paths::FINISH, request).await.map(Json)
}

/// A request body whose `token` carries the session credential on the way in and the account
/// token on the way out.
pub trait Authorized: Serialize {
    fn token_mut(&mut self) -> &mut String;
}

impl Authorized for UpdateInteraction {
    fn token_mut(&mut self) -> &mut String {
        &mut self.token
    }
}

impl Authorized for SendMessage {
    fn token_mut(&mut self) -> &mut String {
        &mut self.token
    }
}

impl Authorized for TokenOnly {
    fn token_mut(&mut self) -> &mut String {
        &mut self.token
    }
}

/// Checks origin, hash and session credential, then sends `body` to zChat with the account token.
async fn forward<B: Authorized, T: DeserializeOwned>(
    relay: &Relay,
    headers: &HeaderMap,
    method: Method,
    hash: &str,
    path: &str,
    mut body: B,
) -> Result<T, ApiError> {
    relay.check_origin(headers)?;
    check_hash(hash)?;
    let credential = std::mem::take(body.token_mut());
    if credential == relay.upstream.token() {
        // Someone has the account token in a browser: refuse rather than pass it on.
        return Err(ApiError::new(400, "Send this interaction's session credential, not the account token"));
    }
    relay.sessions.check(hash, &credential)?;
    *body.token_mut() = relay.upstream.token().to_string();
    relay.upstream.call(method, &paths::for_interaction(path, hash), &body).await
}

/// An interaction hash is a UUID-like token of letters, digits and dashes. Anything else could
/// change the upstream path, so it is refused before any use.
pub fn check_hash(hash: &str) -> Result<(), ApiError> {
    let valid = (1..=64).contains(&hash.len()) && hash.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if valid {
        Ok(())
    } else {
        Err(ApiError::new(404, "No such interaction"))
    }
}

/// The `Origin` header, when a browser sent one.
pub fn origin(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::ORIGIN).and_then(|value| value.to_str().ok())
}
