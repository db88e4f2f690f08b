//! The relay's ClientApi V1 mirror, one function per call, over gloo-net. The frame page comes
//! from the relay, so the paths are same-origin. Every failure becomes a [`Failure`] here.

use gloo_net::http::{Request, RequestBuilder};
use serde::de::DeserializeOwned;
use serde::Serialize;
use zchat_types::{paths, ApiError, InteractionCreated, MessageCreated, SendMessage, StartInteraction};

use crate::core::{Failure, Session};

/// `POST /core/api/v1/interactions`: starts the interaction; the answer carries the session.
pub async fn start_interaction(body: &StartInteraction) -> Result<Session, Failure> {
    let created: InteractionCreated = call(Request::post(paths::INTERACTIONS), body).await?;
    let session = created.data.session.ok_or_else(|| Failure {
        message: "The chat service answered without a session.".into(),
        retryable: true,
    })?;
    Ok(Session { hash: created.data.interaction_hash, credential: session })
}

/// `POST …/{hash}/messages` with an `Idempotency-Key`, so that a retry is not sent twice.
pub async fn send_message(session: &Session, key: &str, body: SendMessage) -> Result<(), Failure> {
    let body = SendMessage { token: session.credential.clone(), ..body };
    let request = Request::post(&paths::for_interaction(paths::MESSAGES, &session.hash)).header("Idempotency-Key", key);
    call::<MessageCreated>(request, &body).await.map(|_| ())
}

/// Sends `body` as JSON; a 2xx answer parses as `T`; anything else becomes a [`Failure`] in words.
async fn call<T: DeserializeOwned>(request: RequestBuilder, body: &impl Serialize) -> Result<T, Failure> {
    let offline = || Failure { message: "Cannot reach the chat service. Check your connection.".into(), retryable: true };
    let response = request.json(body).map_err(|_| offline())?.send().await.map_err(|_| offline())?;
    let status = response.status();
    if (200..300).contains(&status) {
        return response.json::<T>().await.map_err(|_| Failure {
            message: "The chat service answered in an unexpected way.".into(),
            retryable: true,
        });
    }
    let message = response.json::<ApiError>().await.map(|error| error.message).ok();
    Err(match status {
        400..=499 => Failure {
            message: message.unwrap_or_else(|| format!("The chat service refused this ({status}).")),
            retryable: false,
        },
        _ => Failure { message: "The chat service is having trouble. Please try again.".into(), retryable: true },
    })
}
