//! The relay's ClientApi V1 mirror (and its `/hours`), one function per call, through gloo-net's
//! `http::Request` (the browser's fetch): the project's chosen client. Only the uploads use
//! `XMLHttpRequest` (`src/upload.rs`), for the progress events fetch has none of. The frame page
//! comes from the relay, so the paths are same-origin. The wire bodies are made here, with the
//! session credential as their `token` (the account token never reaches the browser: the relay
//! adds it); every answer is read in one place, [`verdict`], and every failure becomes a
//! [`Failure`].

use gloo_net::http::{Request, RequestBuilder};
use serde_json::{Map, Value};
use wasm_bindgen::{JsCast, JsValue};
use zchat_types::{
    paths, ApiError, Customer, HoursAsked, Identity, MediaType, MessageType, SendMessage, SignedHistory, StartRequest, TokenOnly, UpdateInteraction,
};

use crate::core::{Failure, Session};
use crate::json::{self, field};
use crate::texts::Texts;

/// What a start sends, besides the visitor's earlier conversation.
pub struct Start {
    pub department_id: i64,
    pub customer: Customer,
    pub extra: Option<Map<String, Value>>,
    pub page: Option<Map<String, Value>>,
    pub identity: Option<Identity>,
    pub tag_ids: Option<Vec<String>>,
    pub history: Option<SignedHistory>,
}

/// `POST /core/api/v1/interactions`: starts the interaction; the answer carries the session.
/// `previous` names the visitor's earlier conversation, which the relay shows the agent. What
/// the relay tells the site's developer about the start (`warnings`) goes to the console.
pub async fn start_interaction(texts: &Texts, start: Start, previous: Option<&Session>) -> Result<Session, Failure> {
    let Start { department_id, customer, extra, page, identity, tag_ids, history } = start;
    let body = StartRequest { media_type: MediaType::Text, department_id, customer: Some(customer), extra, page, identity, tag_ids, history };
    let previous = previous.map(|previous| ("X-Previous-Session", previous.credential.as_str()));
    // The answer (`zchat_types::InteractionCreated`) read off the parsed JSON: smaller in the
    // wasm than a deserializer of its own.
    let data = field(&call(texts, Request::post(paths::INTERACTIONS), previous, json::stringify(&body)).await?, "data");
    if let Ok(warnings) = field(&data, "warnings").dyn_into::<js_sys::Array>() {
        warnings.iter().filter_map(|warning| warning.as_string()).for_each(|warning| crate::host::complain(&warning));
    }
    let (hash, session) = (field(&data, "interaction_hash").as_string(), field(&data, "session").as_string());
    let unexpected = || Failure { message: texts.unexpected.into(), retryable: true };
    Ok(Session { hash: hash.ok_or_else(unexpected)?, credential: session.ok_or_else(unexpected)? })
}

/// `POST …/{hash}/messages` with an `Idempotency-Key`, so that a retry is not sent twice;
/// `media` is the kind and address of an uploaded file.
pub async fn send_message(texts: &Texts, session: &Session, key: &str, content: String, media: Option<(MessageType, String)>) -> Result<(), Failure> {
    let (kind, url) = media.map_or((MessageType::Text, None), |(kind, url)| (kind, Some(url)));
    let body = SendMessage { token: session.credential.clone(), content, kind, url };
    let path = paths::for_interaction(paths::MESSAGES, &session.hash);
    call(texts, Request::post(&path), Some(("Idempotency-Key", key)), json::stringify(&body)).await.map(|_| ())
}

/// `PUT …/{hash}/typing` when the visitor starts writing, `PUT …/{hash}/cleared` when they stop.
pub async fn typing(texts: &Texts, session: &Session, typing: bool) -> Result<(), Failure> {
    let body = TokenOnly { token: session.credential.clone() };
    let path = if typing { paths::TYPING } else { paths::CLEARED };
    call(texts, Request::put(&paths::for_interaction(path, &session.hash)), None, json::stringify(&body)).await.map(|_| ())
}

/// `PUT …/{hash}/finish`: the visitor ends the conversation.
pub async fn finish(texts: &Texts, session: &Session) -> Result<(), Failure> {
    let body = TokenOnly { token: session.credential.clone() };
    call(texts, Request::put(&paths::for_interaction(paths::FINISH, &session.hash)), None, json::stringify(&body)).await.map(|_| ())
}

/// `PUT …/{hash}`: the visitor's rating (a mood, a note, or both), or what the site now says of
/// the conversation (a verified customer: the relay checks it and gives zChat its key; tags).
pub async fn update(texts: &Texts, session: &Session, change: UpdateInteraction) -> Result<(), Failure> {
    let body = UpdateInteraction { token: session.credential.clone(), ..change };
    call(texts, Request::put(&paths::for_interaction(paths::INTERACTION, &session.hash)), None, json::stringify(&body)).await.map(|_| ())
}

/// `POST /hours`: when the team is back by the site's business hours (`None`: it is there); a
/// refusal's message names the setting that is wrong, for the site's developer.
pub async fn team_hours(texts: &Texts, hours: String, timezone: String) -> Result<Option<i64>, Failure> {
    let answer = call(texts, Request::post(paths::HOURS), None, json::stringify(&HoursAsked { hours, timezone })).await?;
    Ok(field(&answer, "back_at").as_f64().map(|at| at as i64))
}

/// Sends `request` with `body` (JSON; `None`: it could not be made) and `header` (if any); a 2xx
/// answer is its parsed JSON (the callers read what they need off it: a deserializer per answer
/// cost the first open more, and the sent message's, typing's, finish's and rating's are not read
/// at all); anything else becomes a [`Failure`] in words. Not generic: one copy of it in the wasm.
async fn call(texts: &Texts, request: RequestBuilder, header: Option<(&str, &str)>, body: Option<String>) -> Result<JsValue, Failure> {
    let offline = || Failure { message: texts.offline.into(), retryable: true };
    let request = match header {
        Some((name, value)) => request.header(name, value),
        None => request,
    };
    let request = request.header("Content-Type", "application/json").body(body.ok_or_else(offline)?).map_err(|_| offline())?;
    let response = request.send().await.map_err(|_| offline())?;
    let body = response.text().await.map_err(|_| offline())?;
    let body = verdict(texts, response.status(), body)?;
    // A success whose body is not JSON (empty, a 204) is still a success: an empty object.
    Ok(json::parse_js(&body).unwrap_or_else(|| js_sys::Object::new().into()))
}

/// What an ended request says (its status, `0` when it never reached the relay, and its body): the
/// body when it is a 2xx, else why not in words. A refusal (4xx) is not retried, but for a timeout
/// (408) and too many requests (429); a network or server failure is. The one reader of answers,
/// for the calls here and the uploads.
pub fn verdict(texts: &Texts, status: u16, body: String) -> Result<String, Failure> {
    if (200..300).contains(&status) {
        return Ok(body);
    }
    let message = json::parse::<ApiError>(&body).map(|error| error.message);
    Err(match status {
        400..=499 if status != 408 && status != 429 => {
            Failure { message: message.unwrap_or_else(|| texts.refused.with(&status.to_string())), retryable: false }
        }
        0 => Failure { message: texts.offline.into(), retryable: true },
        _ => Failure { message: texts.server_trouble.into(), retryable: true },
    })
}
