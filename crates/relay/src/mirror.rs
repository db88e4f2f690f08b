//! The ClientApi V1 mirror: the widget calls the reference's paths and bodies on the relay; the
//! relay checks the caller, swaps in the account token and forwards to zChat (docs/design.md §1–2).
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

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{post, put, MethodRouter};
use axum::{Json, Router};
use reqwest::Method;
use serde_json::{json, Map, Value};
use zchat_types::{
    paths, tags_fit, ApiBody, CustomerMessage, HistoryMessage, SendMessage, StartExtras, StartInteraction, TokenOnly, UpdateInteraction,
    MAX_PAGE_CHARS, MAX_TAGS, MAX_TAG_BYTES,
};

use crate::admission::ClientAddress;
use crate::caller::{previous_session, Authorized, Browser, VisitorCall};
use crate::error::RelayError;
use crate::handoff::Handoff;
use crate::hash::InteractionHash;
use crate::idempotency::{self, fingerprint};
use crate::metrics::Kind;
use crate::upstream::{Answer, UpstreamError, UpstreamFailure};
use crate::{unix_millis, Relay};

pub fn routes() -> Router<Arc<Relay>> {
    Router::new()
        // A bot's transcript (up to 64 KiB of JSON text, escaped in the body) may come with it.
        .route(paths::INTERACTIONS, post(start).layer(DefaultBodyLimit::max(CREATE_BODY_LIMIT)))
        .route(paths::INTERACTION, put(update))
        .route(paths::MESSAGES, post(send_message))
        .route(paths::TYPING, passed_on(paths::TYPING))
        .route(paths::CLEARED, passed_on(paths::CLEARED))
        .route(paths::FINISH, passed_on(paths::FINISH))
}

/// The largest create body: a bot's transcript of [`zchat_types::MAX_HANDOFF_BYTES`] as JSON text
/// inside the body's JSON, escaped, with the rest of the body.
const CREATE_BODY_LIMIT: usize = 4 * zchat_types::MAX_HANDOFF_BYTES;

/// A customer named without a signature, which only a verified identity may do.
#[derive(serde::Deserialize)]
struct Unsigned {
    #[serde(default)]
    customer_key: Option<serde_json::Value>,
}

async fn start(
    State(relay): State<Arc<Relay>>,
    _: Browser,
    client: ClientAddress,
    headers: HeaderMap,
    body: ApiBody,
) -> Result<Response, RelayError> {
    let mut request: StartInteraction = body.parse()?;
    let StartExtras { page, identity, tag_ids, history } = body.parse()?;
    if body.parse::<Unsigned>()?.customer_key.is_some() {
        return Err(RelayError::bad_request("Do not send customer_key: send a signed identity"));
    }
    if !request.token.is_empty() {
        return Err(RelayError::bad_request("Do not send a token: the relay adds the account's"));
    }
    if request.external_history.is_some() {
        return Err(RelayError::bad_request("Do not send external_history: send X-Previous-Session and the relay sets it"));
    }
    // Before anything reaches zChat: a claimed identity or a bot's transcript that is not valid
    // starts nothing.
    let customer_key = relay.identities.verify(identity.as_ref())?;
    let handoff = history.as_ref().map(|history| relay.identities.verify_history(history)).transpose()?;
    check_tags(tag_ids.as_deref())?;
    // The page the visitor starts on, for the agent: in `extra`, which zChat shows and returns.
    if let Some(page) = page {
        let cut = |text: &str| text.chars().take(MAX_PAGE_CHARS).collect::<String>();
        let context = json!({"url": cut(&page.url), "title": cut(&page.title), "referrer": cut(&page.referrer)});
        request.extra.get_or_insert_with(Map::new).insert("page_context".into(), context);
    }
    let previous = headers.get("x-previous-session").map(|previous| previous_session(&relay, previous.to_str().unwrap_or_default())).transpose()?;
    let key = idempotency::key(&headers)?;
    let ClientAddress(client) = client;
    let print = fingerprint(&(&request, &customer_key, &tag_ids, history.as_ref().map(|history| &history.messages), previous.as_deref()));
    let earlier = Earlier { previous, handoff };
    let run = {
        let relay = Arc::clone(&relay);
        async move {
            // Counted only when really started: a retry with the same key is free.
            if let Err(error) = relay.creates.take(&client) {
                return error.into_response();
            }
            create(&relay, request, customer_key, tag_ids, earlier).await.into_response()
        }
    };
    // Scoped by client address: a key someone else used can never return their session.
    Ok(relay.idempotency.once(&format!("create:{client}"), key, print, run).await)
}

/// The tags a browser gives: at most [`MAX_TAGS`] ids of 1 to [`MAX_TAG_BYTES`] bytes.
fn check_tags(tags: Option<&[String]>) -> Result<(), RelayError> {
    match tags {
        Some(tags) if !tags_fit(tags) => {
            Err(RelayError::bad_request(format!("The tag_ids must be at most {MAX_TAGS} ids of 1 to {MAX_TAG_BYTES} bytes")))
        }
        _ => Ok(()),
    }
}

/// What the agent of a new conversation reads before it: a bot's transcript handed over, and the
/// visitor's earlier conversation (named by this browser: `X-Previous-Session`).
struct Earlier {
    previous: Option<InteractionHash>,
    handoff: Option<Vec<HistoryMessage>>,
}

async fn create(
    relay: &Relay,
    mut request: StartInteraction,
    customer_key: Option<String>,
    tag_ids: Option<Vec<String>>,
    Earlier { previous, handoff }: Earlier,
) -> Result<Json<Value>, RelayError> {
    // A verified customer's earlier conversation, from any browser, for the agent to read
    // (unless this browser named one of its own).
    let mut previous = previous.map(|hash| hash.to_string());
    if let (Some(key), None) = (&customer_key, &previous) {
        match relay.log.last_of_customer(key).await {
            Ok(found) => previous = found,
            Err(error) => tracing::warn!(%error, "a customer's earlier conversation is not known now"),
        }
    }
    // The history the agent reads: the bot's transcript first (with the earlier conversation
    // after it), or the earlier conversation alone.
    let history = match (handoff, previous) {
        (Some(messages), previous) => Some(relay.handoffs.keep(Handoff { messages, previous }, relay.idle_ttl).await?),
        (None, previous) => previous,
    };
    request.external_history = history.map(|key| relay.sessions.history_url(&relay.public_url, &key));
    request.token = relay.upstream.token().to_string();
    let answer = timed(relay, "start", Method::POST, paths::INTERACTIONS, &request).await?;
    let (hash, mut created) = created(relay, &answer)?;
    // Without the shared log, the conversation's stream opens it later (and its held triggers).
    if let Err(error) = relay.log.open(&hash).await {
        tracing::warn!(%error, "a new interaction's log is not open yet");
    }
    let warnings = identify(relay, &hash, customer_key, tag_ids).await;
    // zChat's answer as it came, with what the widget reads where it reads it (`data`).
    let data = created.entry("data").or_insert_with(|| Value::Object(Map::new()));
    if !data.is_object() {
        *data = Value::Object(Map::new());
    }
    if let Value::Object(data) = data {
        data.insert("interaction_hash".into(), Value::String(hash.to_string()));
        data.insert("session".into(), Value::String(relay.sessions.issue(&hash)));
        if !warnings.is_empty() {
            data.insert("warnings".into(), json!(warnings));
        }
    }
    Ok(Json(Value::Object(created)))
}

/// The interaction hash of zChat's create answer, where zChat may put it (`data.interaction_hash`,
/// `data.hash`, a top-level `interaction_hash`), and the answer as an object; with none, a 502
/// that names the problem (counted as an oddity, like a webhook's).
fn created(relay: &Relay, answer: &Answer) -> Result<(InteractionHash, Map<String, Value>), RelayError> {
    let json = answer.json();
    let object = match json {
        Some(Value::Object(object)) => object,
        _ => Map::new(),
    };
    let text = |value: Option<&Value>| match value {
        Some(Value::String(text)) => Some(text.clone()),
        Some(Value::Number(number)) => Some(number.to_string()),
        _ => None,
    };
    let data = object.get("data");
    let found = [
        ("hash_in_data", text(data.and_then(|data| data.get("interaction_hash")))),
        ("hash_as_data_hash", text(data.and_then(|data| data.get("hash")))),
        ("hash_at_top_level", text(object.get("interaction_hash"))),
    ];
    let Some((place, Some(hash))) = found.into_iter().find(|(_, hash)| hash.is_some()) else {
        relay.metrics.upstream_oddities.get_or_create(&Kind { kind: "create_without_hash" }).inc();
        return Err(UpstreamError { operation: "start", failure: UpstreamFailure::Unreadable("its create answer has no interaction hash") }.into());
    };
    if place != "hash_in_data" {
        relay.metrics.upstream_oddities.get_or_create(&Kind { kind: place }).inc();
    }
    let hash = InteractionHash::parse(&hash)
        .ok_or(UpstreamError { operation: "start", failure: UpstreamFailure::Unreadable("its interaction hash is not one the relay can use") })?;
    Ok((hash, object))
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
            Err(error) if error.status() == 422 => {
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
        remember_customer(relay, key, hash).await;
    }
    refused
        .into_iter()
        .map(|(what, error)| format!("zChat did not take the {what} ({}); the conversation goes on without", error.message()))
        .collect()
}

/// A verified customer's conversation, so that their next one (from any browser) names it.
async fn remember_customer(relay: &Relay, key: &str, hash: &InteractionHash) {
    if let Err(error) = relay.log.remember_customer(key, hash).await {
        tracing::warn!(%error, "a verified customer's conversation is not remembered");
    }
}

/// An update of `hash` with the customer and the tags, with the account token.
async fn give(relay: &Relay, hash: &InteractionHash, customer_key: Option<String>, tag_ids: Option<Vec<String>>) -> Result<(), UpstreamError> {
    let body = UpdateInteraction { token: String::new(), mood: None, tag_ids, customer_key, note: None, identity: None };
    call(relay, Method::PUT, hash, paths::INTERACTION, body).await.map(|_| ())
}

/// `PUT …/{hash}`: the visitor's rating, and what the site says of a conversation under way (its
/// tags, a verified customer: `identify` after the start), through the same checks as at the start.
async fn update(State(relay): State<Arc<Relay>>, call: VisitorCall<UpdateInteraction>) -> Result<Json<Value>, RelayError> {
    let VisitorCall { hash, mut body } = call;
    // Only a verified identity names the customer.
    if body.customer_key.is_some() {
        return Err(RelayError::bad_request("Do not send customer_key: send a signed identity"));
    }
    check_tags(body.tag_ids.as_deref())?;
    if let Some(identity) = body.identity.take() {
        body.customer_key = relay.identities.verify(Some(&identity))?;
    }
    let customer_key = body.customer_key.clone();
    let answer = ack(call_visitor(&relay, Method::PUT, &hash, paths::INTERACTION, body).await?, false);
    if let Some(key) = customer_key {
        remember_customer(&relay, &key, &hash).await;
    }
    Ok(answer)
}

async fn send_message(State(relay): State<Arc<Relay>>, headers: HeaderMap, call: VisitorCall<SendMessage>) -> Result<Response, RelayError> {
    let VisitorCall { hash, body: request } = call;
    // Checked before a key is kept: keys cost only the interaction's own visitor.
    let client_key = idempotency::key(&headers)?;
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
async fn send(relay: &Relay, hash: &InteractionHash, request: SendMessage, client_key: Option<String>) -> Result<Json<Value>, RelayError> {
    let message = CustomerMessage { content: request.content.clone(), kind: request.kind, url: request.url.clone(), sent_at: 0, client_key };
    let answer = call_visitor(relay, Method::POST, hash, paths::MESSAGES, request).await?;
    // zChat took it: it is now part of the transcript every tab of the visitor sees.
    let message = CustomerMessage { sent_at: unix_millis(), ..message };
    // zChat has it: a log that cannot take it now only costs other tabs its echo.
    if let Err(error) = relay.log.append_customer_message(hash, &message).await {
        tracing::warn!(%error, "a visitor's message is not in the log");
    }
    relay.metrics.events_in.get_or_create(&Kind { kind: "customer_message" }).inc();
    Ok(ack(answer, true))
}

/// `typing`, `cleared` and `finish`: the visitor's token-only call at `path`, passed on.
fn passed_on(path: &'static str) -> MethodRouter<Arc<Relay>> {
    put(move |State(relay): State<Arc<Relay>>, call: VisitorCall<TokenOnly>| async move {
        let VisitorCall { hash, body } = call;
        call_visitor(&relay, Method::PUT, &hash, path, body).await.map(|answer| ack(answer, false))
    })
}

/// What the browser gets for zChat's success, whatever zChat's body was: the relay's own
/// `{"message", "status": 200}`, with zChat's words when it had some, and its `data` where the
/// widget may read it (`with_data`: a sent message's).
fn ack(answer: Answer, with_data: bool) -> Json<Value> {
    let json = answer.json();
    let message = json.as_ref().and_then(|json| json.get("message")?.as_str()).unwrap_or("OK").to_string();
    let mut ack = json!({"message": message, "status": 200});
    if let Some(data) = json.as_ref().and_then(|json| json.get("data")).filter(|data| with_data && data.is_object()) {
        ack["data"] = data.clone();
    }
    Json(ack)
}

/// Sends an authorized visitor's `body` to zChat with the account token: zChat's refusals go back
/// to the browser as they are (its 4xx, its words).
async fn call_visitor<B: Authorized>(relay: &Relay, method: Method, hash: &InteractionHash, path: &str, body: B) -> Result<Answer, RelayError> {
    Ok(call(relay, method, hash, path, body).await?)
}

/// Sends `body` to zChat's `path` of `hash` with the account token.
async fn call<B: Authorized>(relay: &Relay, method: Method, hash: &InteractionHash, path: &str, mut body: B) -> Result<Answer, UpstreamError> {
    *body.token_mut() = relay.upstream.token().to_string();
    timed(relay, operation_of(path), method, &paths::for_interaction(path, hash), &body).await
}

/// One call to zChat, its time in the metrics.
async fn timed<B: serde::Serialize>(relay: &Relay, operation: &'static str, method: Method, path: &str, body: &B) -> Result<Answer, UpstreamError> {
    let started = Instant::now();
    let answer = relay.upstream.call(operation, method, path, body).await;
    relay.metrics.upstream(operation, started.elapsed());
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
