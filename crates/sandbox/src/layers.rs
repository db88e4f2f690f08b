//! What wraps every ClientApi call: injected faults (`faults`), then the journal, which records
//! the request and the answer the caller actually got.

use std::sync::Arc;
use std::time::Duration;

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use zchat_types::ApiError;

use crate::faults::ApiFault;
use crate::journal::{body_value, Request as Recorded};
use crate::{now_millis, Sandbox, BODY_LIMIT};

/// Records the call in the journal (bodies are small: requests are limited to [`BODY_LIMIT`]).
pub async fn record(State(sandbox): State<Arc<Sandbox>>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, BODY_LIMIT).await else {
        return ApiError::new(413, format!("The body is larger than {} KiB", BODY_LIMIT / 1024)).into_response();
    };
    let (method, path) = (parts.method.to_string(), parts.uri.path().to_string());
    let request_body = body_value(&bytes);
    let response = next.run(Request::from_parts(parts, Body::from(bytes))).await;
    let (parts, body) = response.into_parts();
    let answer = to_bytes(body, usize::MAX).await.unwrap_or_default();
    sandbox.journal.request(Recorded {
        at: now_millis(),
        method,
        path,
        body: request_body,
        status: parts.status.as_u16(),
        answer: body_value(&answer),
    });
    Response::from_parts(parts, Body::from(answer))
}

/// Applies the next API fault: 503, a 504 after a long wait, or a slow answer; then the answer's
/// shape, if it is to be varied.
pub async fn inject(State(sandbox): State<Arc<Sandbox>>, request: Request, next: Next) -> Response {
    let Some(shape) = sandbox.faults.answer_shape() else { return faulty(&sandbox, request, next).await };
    if !shape.carried_out() {
        return shape.refusal();
    }
    let create = request.method() == axum::http::Method::POST && request.uri().path() == zchat_types::paths::INTERACTIONS;
    let response = faulty(&sandbox, request, next).await;
    if !response.status().is_success() {
        return response;
    }
    let body = to_bytes(response.into_body(), usize::MAX).await.unwrap_or_default();
    shape.reshape(create, &body)
}

/// The call with the next fault of the API's.
async fn faulty(sandbox: &Sandbox, request: Request, next: Next) -> Response {
    if sandbox.faults.get().api.answer_after_triggers {
        let response = next.run(request).await;
        // Longer than a delivery's every retry (about 25 s): the answer comes after its triggers.
        sandbox.webhooks.settled(Duration::from_secs(60)).await;
        return response;
    }
    match sandbox.faults.api() {
        ApiFault::None => next.run(request).await,
        ApiFault::Error => ApiError::new(503, "Service unavailable (fault injected by the sandbox)").into_response(),
        ApiFault::Timeout(wait) => {
            tokio::time::sleep(wait).await;
            ApiError::new(504, "Timed out (fault injected by the sandbox)").into_response()
        }
        ApiFault::Slow(wait) => {
            // zChat did the work (its triggers may leave); only the answer is late.
            let response = next.run(request).await;
            tokio::time::sleep(wait).await;
            response
        }
    }
}
