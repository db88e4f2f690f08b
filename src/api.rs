//! The relay's ClientApi V1 mirror, one function per call, over gloo-net. The frame page comes
//! from the relay, so the paths are same-origin. The wire bodies are made here, with the
//! session credential as their `token` (the account token never reaches the browser: the relay
//! adds it); every failure becomes a [`Failure`].

use gloo_net::http::{Request, RequestBuilder};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};
use zchat_types::{
    paths, Ack, ApiError, Customer, Identity, InteractionCreated, MediaType, MessageCreated, MessageType, Mood, SendMessage, StartRequest, TokenOnly,
    UpdateInteraction,
};

use crate::core::{Failure, Session};
use crate::json;
use crate::texts::Texts;

/// What a start sends, besides the visitor's earlier conversation.
pub struct Start {
    pub department_id: i64,
    pub customer: Customer,
    pub extra: Option<Map<String, Value>>,
    pub page: Option<Map<String, Value>>,
    pub identity: Option<Identity>,
    pub tag_ids: Option<Vec<String>>,
}

/// `POST /core/api/v1/interactions`: starts the interaction; the answer carries the session.
/// `previous` names the visitor's earlier conversation, which the relay shows the agent. What
/// the relay tells the site's developer about the start (`warnings`) goes to the console.
pub async fn start_interaction(texts: &Texts, start: Start, previous: Option<&Session>) -> Result<Session, Failure> {
    let Start { department_id, customer, extra, page, identity, tag_ids } = start;
    let body = StartRequest { media_type: MediaType::Text, department_id, customer: Some(customer), extra, page, identity, tag_ids };
    let mut request = Request::post(paths::INTERACTIONS);
    if let Some(previous) = previous {
        request = request.header("X-Previous-Session", &previous.credential);
    }
    let created: InteractionCreated = call(texts, request, &body).await?;
    for warning in &created.data.warnings {
        crate::host::complain(warning);
    }
    let session = created.data.session.ok_or_else(|| Failure { message: texts.unexpected.into(), retryable: true })?;
    Ok(Session { hash: created.data.interaction_hash, credential: session })
}

/// `POST …/{hash}/messages` with an `Idempotency-Key`, so that a retry is not sent twice;
/// `media` is the kind and address of an uploaded file.
pub async fn send_message(texts: &Texts, session: &Session, key: &str, content: String, media: Option<(MessageType, String)>) -> Result<(), Failure> {
    let (kind, url) = media.map_or((MessageType::Text, None), |(kind, url)| (kind, Some(url)));
    let body = SendMessage { token: session.credential.clone(), content, kind, url };
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
        400..=499 => Failure { message: message.unwrap_or_else(|| texts.refused.with(&status.to_string())), retryable: false },
        _ => Failure { message: texts.server_trouble.into(), retryable: true },
    })
}
