//! The relay's ClientApi V1 mirror, one function per call, over gloo-net. The frame page comes
//! from the relay, so the paths are same-origin. The wire bodies are made here, with the
//! session credential as their `token` (the account token never reaches the browser: the relay
//! adds it); every failure becomes a [`Failure`].

use gloo_net::http::{Request, RequestBuilder};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};
use zchat_types::{
    paths, Ack, ApiError, Customer, InteractionCreated, MediaType, MessageCreated, MessageType, Mood, SendMessage, StartInteraction, TokenOnly,
    UpdateInteraction,
};

use crate::core::{Failure, Session};
use crate::json;
use crate::texts::Texts;

/// `POST /core/api/v1/interactions`: starts the interaction; the answer carries the session.
/// `previous` names the visitor's earlier conversation, which the relay shows the agent.
pub async fn start_interaction(
    texts: &Texts,
    department_id: i64,
    customer: Customer,
    extra: Option<Map<String, Value>>,
    previous: Option<&Session>,
) -> Result<Session, Failure> {
    let body = StartInteraction {
        token: String::new(),
        media_type: MediaType::Text,
        department_id,
        customer: Some(customer),
        extra,
        external_history: None,
    };
    let mut request = Request::post(paths::INTERACTIONS);
    if let Some(previous) = previous {
        request = request.header("X-Previous-Session", &previous.credential);
    }
    let created: InteractionCreated = call(texts, request, &body).await?;
    let session = created.data.session.ok_or_else(|| Failure { message: texts.unexpected.into(), retryable: true })?;
    Ok(Session { hash: created.data.interaction_hash, credential: session })
}

/// `POST …/{hash}/messages` with an `Idempotency-Key`, so that a retry is not sent twice.
pub async fn send_message(texts: &Texts, session: &Session, key: &str, content: String) -> Result<(), Failure> {
    let body = SendMessage { token: session.credential.clone(), content, kind: MessageType::Text, url: None };
    let request = Request::post(&paths::for_interaction(paths::MESSAGES, &session.hash)).header("Idempotency-Key", key);
    call::<MessageCreated>(texts, request, &body).await.map(|_| ())
}

/// `PUT …/{hash}/typing` when the visitor starts writing, `PUT …/{hash}/cleared` when they stop.
pub async fn typing(texts: &Texts, session: &Session, typing: bool) -> Result<(), Failure> {
    let body = TokenOnly { token: session.credential.clone() };
    let path = if typing { paths::TYPING } else { paths::CLEARED };
    call::<Ack>(texts, Request::put(&paths::for_interaction(path, &session.hash)), &body).await.map(|_| ())
}

/// `PUT …/{hash}/finish`: the visitor ends the conversation.
pub async fn finish(texts: &Texts, session: &Session) -> Result<(), Failure> {
    let body = TokenOnly { token: session.credential.clone() };
    call::<Ack>(texts, Request::put(&paths::for_interaction(paths::FINISH, &session.hash)), &body).await.map(|_| ())
}

/// `PUT …/{hash}`: the visitor's rating (mood and note).
pub async fn rate(texts: &Texts, session: &Session, mood: Mood, note: Option<String>) -> Result<(), Failure> {
    let body = UpdateInteraction { token: session.credential.clone(), mood: Some(mood), tag_ids: None, customer_key: None, note };
    call::<Ack>(texts, Request::put(&paths::for_interaction(paths::INTERACTION, &session.hash)), &body).await.map(|_| ())
}

/// Sends `body` as JSON; a 2xx answer parses as `T`; anything else becomes a [`Failure`] in words.
async fn call<T: DeserializeOwned>(texts: &Texts, request: RequestBuilder, body: &impl Serialize) -> Result<T, Failure> {
    let offline = || Failure { message: texts.offline.into(), retryable: true };
    let body = json::stringify(body).ok_or_else(offline)?;
    let request = request.header("Content-Type", "application/json").body(body).map_err(|_| offline())?;
    let response = request.send().await.map_err(|_| offline())?;
    let status = response.status();
    let answer = response.text().await.ok();
    if (200..300).contains(&status) {
        return answer.as_deref().and_then(json::parse).ok_or_else(|| Failure { message: texts.unexpected.into(), retryable: true });
    }
    let message = answer.as_deref().and_then(json::parse::<ApiError>).map(|error| error.message);
    Err(match status {
        400..=499 => Failure { message: message.unwrap_or_else(|| (texts.refused)(status)), retryable: false },
        _ => Failure { message: texts.server_trouble.into(), retryable: true },
    })
}
