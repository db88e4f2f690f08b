//! The ClientApi V1 mirror: the widget calls the reference's paths and bodies on the relay; the
//! relay checks the caller, swaps in the account token and forwards to zChat (DESIGN.md §1–2).
//!
//! - `POST /core/api/v1/interactions`: the reference's body *without* `token`; answers the
//!   reference's answer plus `data.session`, the credential for every later call.
//! - `PUT …/{hash}`, `POST …/{hash}/messages`, `PUT …/{hash}/typing`, `…/cleared`, `…/finish`: the
//!   reference's bodies, with `token` set to that interaction's session credential.
//! - A browser calling from another origin than the relay's own is refused (403): the API is for
//!   the widget's frame, which `frame-ancestors` lets only the configured host pages embed.
//! - Create takes `X-Previous-Session`, the credential of the visitor's earlier interaction: the
//!   relay then sets `external_history` to its signed history URL (see `history`). A body's own
//!   `external_history` is refused: it is the relay's to set.
//! - Create takes a verified customer (`identity`, checked by `identity`) and `tag_ids`, which the
//!   relay gives the new interaction with an update; a browser's update may not name a customer.
//! - Create and send take an `Idempotency-Key` (see `idempotency`), kept only once the request
//!   is checked. Create is rate-limited per client address, every call on an interaction per
//!   interaction (after its credential is checked), every browser call per address (429 with
//!   `Retry-After`).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{ConnectInfo, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{post, put};
use axum::{Json, Router};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::Serialize;
use subtle::ConstantTimeEq;
use zchat_types::{
    paths, Ack, ApiBody, ApiError, ApiJson, CustomerMessage, InteractionCreated, MessageCreated, SendMessage, StartExtras, StartInteraction,
    TokenOnly, UpdateInteraction,
};

use crate::hash::{InteractionHash, PathHash};
use crate::idempotency::{self, fingerprint};
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

/// A customer named without a signature, which only a verified identity may do.
#[derive(serde::Deserialize)]
struct Unsigned {
    #[serde(default)]
    customer_key: Option<serde_json::Value>,
}

/// The page's address, title and referrer are cut to this.
const MAX_PAGE_CHARS: usize = 500;

/// The most tags one conversation may get, and the longest tag id.
const MAX_TAGS: usize = 20;
const MAX_TAG_LEN: usize = 64;

async fn start(
    State(relay): State<Arc<Relay>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: ApiBody,
) -> Result<Response, ApiError> {
    relay.check_origin(&headers)?;
    let mut request: StartInteraction = body.parse()?;
    let StartExtras { page, identity, tag_ids } = body.parse()?;
    if body.parse::<Unsigned>()?.customer_key.is_some() {
        return Err(ApiError::new(400, "Do not send customer_key: send a signed identity"));
    }
    if !request.token.is_empty() {
        return Err(ApiError::new(400, "Do not send a token: the relay adds the account's"));
    }
    if request.external_history.is_some() {
        return Err(ApiError::new(400, "Do not send external_history: send X-Previous-Session and the relay sets it"));
    }
    // Before anything reaches zChat: a claimed identity that is not valid starts nothing.
    let customer_key = relay.identities.verify(identity.as_ref())?;
    if tag_ids.as_ref().is_some_and(|tags| tags.len() > MAX_TAGS || tags.iter().any(|tag| tag.is_empty() || tag.len() > MAX_TAG_LEN)) {
        return Err(ApiError::new(400, format!("The tag_ids must be at most {MAX_TAGS} ids of 1 to {MAX_TAG_LEN} bytes")));
    }
    // The page the visitor starts on, for the agent: in `extra`, which zChat shows and returns.
    if let Some(page) = page {
        let cut = |text: &str| text.chars().take(MAX_PAGE_CHARS).collect::<String>();
        let context = serde_json::json!({"url": cut(&page.url), "title": cut(&page.title), "referrer": cut(&page.referrer)});
        request.extra.get_or_insert_with(serde_json::Map::new).insert("page_context".into(), context);
    }
    if let Some(previous) = headers.get("x-previous-session") {
        let previous = previous.to_str().unwrap_or_default();
        let hash =
            relay.sessions.checked_hash(previous).map_err(|_| ApiError::new(400, "The X-Previous-Session is not a valid session credential"))?;
        request.external_history = Some(relay.sessions.history_url(&relay.public_url, &hash));
    }
    let key = idempotency::key(&headers)?;
    let client = relay.client(&headers, peer);
    let print = fingerprint(&(&request, &customer_key, &tag_ids));
    let run = {
        let relay = Arc::clone(&relay);
        async move {
            // Counted only when really started: a retry with the same key is free.
            if let Err(error) = relay.check_create_rate(client) {
                return error.into_response();
            }
            create(&relay, request, customer_key, tag_ids).await.into_response()
        }
    };
    // Scoped by client address: a key someone else used can never return their session.
    Ok(relay.idempotency.once(&format!("create:{client}"), key, print, run).await)
}

async fn create(
    relay: &Relay,
    mut request: StartInteraction,
    customer_key: Option<String>,
    tag_ids: Option<Vec<String>>,
) -> Result<Json<InteractionCreated>, ApiError> {
    // A verified customer's earlier conversation, from any browser, for the agent to read
    // (unless this browser named one of its own).
    if let (Some(key), None) = (&customer_key, &request.external_history) {
        match relay.log.last_of_customer(key).await {
            Ok(Some(hash)) => request.external_history = Some(relay.sessions.history_url(&relay.public_url, &hash)),
            Ok(None) => {}
            Err(error) => tracing::warn!(%error, "a customer's earlier conversation is not known now"),
        }
    }
    request.token = relay.upstream.token().to_string();
    let started = Instant::now();
    let created = relay.upstream.call(Method::POST, paths::INTERACTIONS, &request).await;
    relay.metrics.upstream("start", started.elapsed());
    let mut created: InteractionCreated = created?;
    let hash =
        InteractionHash::parse(&created.data.interaction_hash).ok_or_else(|| ApiError::new(502, "zChat answered an invalid interaction hash"))?;
    // Without the shared log, the conversation's stream opens it later (and its held triggers).
    if let Err(error) = relay.log.open(&hash).await {
        tracing::warn!(%error, "a new interaction's log is not open yet");
    }
    created.data.warnings = identify(relay, &hash, customer_key, tag_ids).await;
    created.data.session = Some(relay.sessions.issue(&hash));
    Ok(Json(created))
}

/// Gives the new interaction its verified customer and its tags (an update right after the
/// create). What zChat refuses (a key or a tag it does not know: its 422) is a warning for the
/// site's developer, and the conversation goes on without it.
async fn identify(relay: &Relay, hash: &InteractionHash, customer_key: Option<String>, tag_ids: Option<Vec<String>>) -> Vec<String> {
    let mut refused = Vec::new();
    let mut key_taken = false;
    match (&customer_key, &tag_ids) {
        (None, None) => return Vec::new(),
        (Some(_), Some(_)) => match give(relay, hash, customer_key.clone(), tag_ids.clone()).await {
            Ok(()) => key_taken = true,
            // Which one zChat refused: each on its own.
            Err(error) if error.status == 422 => {
                match give(relay, hash, customer_key.clone(), None).await {
                    Ok(()) => key_taken = true,
                    Err(error) => refused.push(("customer_key", error)),
                }
                if let Err(error) = give(relay, hash, None, tag_ids.clone()).await {
                    refused.push(("tag_ids", error));
                }
            }
            Err(error) => refused.push(("customer_key and tag_ids", error)),
        },
        (Some(_), None) => match give(relay, hash, customer_key.clone(), None).await {
            Ok(()) => key_taken = true,
            Err(error) => refused.push(("customer_key", error)),
        },
        (None, Some(_)) => {
            if let Err(error) = give(relay, hash, None, tag_ids.clone()).await {
                refused.push(("tag_ids", error));
            }
        }
    }
    if let (true, Some(key)) = (key_taken, &customer_key) {
        if let Err(error) = relay.log.remember_customer(key, hash).await {
            tracing::warn!(%error, "a verified customer's conversation is not remembered");
        }
    }
    refused.into_iter().map(|(what, error)| format!("zChat did not take the {what} ({}); the conversation goes on without", error.message)).collect()
}

/// An update of `hash` with the customer and the tags, with the account token.
async fn give(relay: &Relay, hash: &InteractionHash, customer_key: Option<String>, tag_ids: Option<Vec<String>>) -> Result<(), ApiError> {
    let body = UpdateInteraction { token: String::new(), mood: None, tag_ids, customer_key, note: None };
    call::<_, Ack>(relay, Method::PUT, hash, paths::INTERACTION, body).await.map(|_| ())
}

async fn update(
    State(relay): State<Arc<Relay>>,
    PathHash(hash): PathHash,
    headers: HeaderMap,
    ApiJson(request): ApiJson<UpdateInteraction>,
) -> Result<Json<Ack>, ApiError> {
    // Only a verified identity, on create, names the customer.
    if request.customer_key.is_some() {
        return Err(ApiError::new(400, "Do not send customer_key: send a signed identity when the conversation starts"));
    }
    forward(&relay, &headers, Method::PUT, &hash, paths::INTERACTION, request).await.map(Json)
}

async fn send_message(
    State(relay): State<Arc<Relay>>,
    PathHash(hash): PathHash,
    headers: HeaderMap,
    ApiJson(mut request): ApiJson<SendMessage>,
) -> Result<Response, ApiError> {
    // Checked before a key is kept: keys cost only the interaction's own visitor.
    let client_key = idempotency::key(&headers)?;
    authorize(&relay, &headers, &hash, std::mem::take(&mut request.token))?;
    // A media message only with a file this conversation uploaded.
    relay.uploads.check_message(&relay, &hash, &request)?;
    // Scoped by interaction: keys of different conversations never meet.
    let scope = format!("send:{hash}");
    let print = fingerprint(&request);
    let run = {
        let relay = Arc::clone(&relay);
        let key = client_key.clone();
        async move { send(&relay, &hash, request, key).await.into_response() }
    };
    Ok(relay.idempotency.once(&scope, client_key, print, run).await)
}

/// Sends an authorized visitor's message to zChat, then logs it for every tab.
async fn send(relay: &Relay, hash: &InteractionHash, request: SendMessage, client_key: Option<String>) -> Result<Json<MessageCreated>, ApiError> {
    let message = CustomerMessage { content: request.content.clone(), kind: request.kind, url: request.url.clone(), sent_at: 0, client_key };
    let answer = call(relay, Method::POST, hash, paths::MESSAGES, request).await?;
    // zChat took it: it is now part of the transcript every tab of the visitor sees.
    let message = CustomerMessage { sent_at: unix_millis(), ..message };
    // zChat has it: a log that cannot take it now only costs other tabs its echo.
    if let Err(error) = relay.log.append_customer_message(hash, &message).await {
        tracing::warn!(%error, "a visitor's message is not in the log");
    }
    relay.metrics.events_in.get_or_create(&crate::metrics::Kind { kind: "customer_message" }).inc();
    Ok(Json(answer))
}

async fn typing(
    State(relay): State<Arc<Relay>>,
    PathHash(hash): PathHash,
    headers: HeaderMap,
    ApiJson(request): ApiJson<TokenOnly>,
) -> Result<Json<Ack>, ApiError> {
    forward(&relay, &headers, Method::PUT, &hash, paths::TYPING, request).await.map(Json)
}

async fn cleared(
    State(relay): State<Arc<Relay>>,
    PathHash(hash): PathHash,
    headers: HeaderMap,
    ApiJson(request): ApiJson<TokenOnly>,
) -> Result<Json<Ack>, ApiError> {
    forward(&relay, &headers, Method::PUT, &hash, paths::CLEARED, request).await.map(Json)
}

async fn finish(
    State(relay): State<Arc<Relay>>,
    PathHash(hash): PathHash,
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

/// Checks origin, hash, session credential and the interaction's rate, then sends `body` to zChat
/// with the account token.
async fn forward<B: Authorized, T: DeserializeOwned>(
    relay: &Relay,
    headers: &HeaderMap,
    method: Method,
    hash: &InteractionHash,
    path: &str,
    mut body: B,
) -> Result<T, ApiError> {
    authorize(relay, headers, hash, std::mem::take(body.token_mut()))?;
    call(relay, method, hash, path, body).await
}

/// Whether this caller may act on `hash`: a browser on the relay's origin, that interaction's
/// session credential, within the interaction's rate.
pub(crate) fn authorize(relay: &Relay, headers: &HeaderMap, hash: &InteractionHash, credential: String) -> Result<(), ApiError> {
    relay.check_origin(headers)?;
    if bool::from(credential.as_bytes().ct_eq(relay.upstream.token().as_bytes())) {
        // Someone has the account token in a browser. Refused like any other wrong credential:
        // a different answer would tell a guesser that the guess was right.
        tracing::error!("a browser sent the account token as a session credential: rotate ZCHAT_TOKEN");
        return Err(ApiError::new(401, "The session credential is not valid"));
    }
    relay.sessions.check(hash, &credential)?;
    relay.check_interaction_rate(hash)
}

/// Sends an authorized `body` to zChat with the account token.
async fn call<B: Authorized, T: DeserializeOwned>(
    relay: &Relay,
    method: Method,
    hash: &InteractionHash,
    path: &str,
    mut body: B,
) -> Result<T, ApiError> {
    *body.token_mut() = relay.upstream.token().to_string();
    let started = Instant::now();
    let answer = relay.upstream.call(method, &paths::for_interaction(path, hash), &body).await;
    relay.metrics.upstream(operation_of(path), started.elapsed());
    answer
}

/// The metrics label of a ClientApi path template.
fn operation_of(path: &str) -> &'static str {
    match path {
        paths::MESSAGES => "send_message",
        paths::TYPING => "typing",
        paths::CLEARED => "cleared",
        paths::FINISH => "finish",
        paths::INTERACTION => "update",
        _ => "other",
    }
}

/// The client's address: the peer's, or behind a trusted proxy the last `X-Forwarded-For` entry
/// (the one that proxy added; earlier ones are the client's own claims).
pub fn client_address(headers: &HeaderMap, peer: SocketAddr, trust_forwarded_for: bool) -> IpAddr {
    let forwarded = trust_forwarded_for.then(|| headers.get("x-forwarded-for")?.to_str().ok()?.rsplit(',').next()?.trim().parse().ok()).flatten();
    forwarded.unwrap_or(peer.ip())
}
