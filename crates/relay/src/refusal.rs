//! Every refusal the relay answers is the reference's `{"message": "…", "status": N}` JSON, also the
//! ones it does not make itself: axum's extractors (a path that is not UTF-8, a query parameter
//! given twice, a body over the limit), an unknown route, a method a route does not take, a file
//! that is not there. Handlers answer `RelayError`s; this layer reshapes whatever else is not JSON
//! (the one other place the wire type `ApiError` is made: it rewrites answers others wrote).

use std::convert::Infallible;
use std::future::{ready, Ready};
use std::task::{Context, Poll};

use axum::extract::Request;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::future::{BoxFuture, Either, FutureExt, Then};
use tower::{Layer, Service};
use zchat_types::ApiError;

use crate::error::RelayError;

/// The longest text of another layer's refusal that is passed on as the message.
const MAX_MESSAGE: usize = 300;

/// Unknown routes.
pub async fn not_found() -> RelayError {
    RelayError::not_found("Not found")
}

/// A method the route does not take.
pub async fn method_not_allowed() -> RelayError {
    RelayError::refused(405, "Method not allowed")
}

/// A handler that panicked (a bug, or a library's assertion): a 500 the widget can read and
/// retry, and the reason in the log, instead of a connection cut with no answer.
pub fn after_panic(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let reason = panic.downcast_ref::<&str>().copied().or_else(|| panic.downcast_ref::<String>().map(String::as_str)).unwrap_or("(not text)");
    tracing::error!(reason, "a request's handler panicked");
    RelayError::Panicked.into_response()
}

/// Rewrites every 4xx and 5xx answer that is not JSON into the reference's shape, keeping its
/// status and every header but those that describe the old body (so `Allow`, `Retry-After` and
/// a CSP stay). A layer of its own rather than `axum::middleware::from_fn`, which boxes a clone of
/// everything beneath it on every request: on the webhook's path that was measurable
/// (BENCHMARKS.md, issue 19); an answer that needs no rewriting costs a status check.
#[derive(Clone, Copy, Default)]
pub struct InReferenceShape;

impl<S> Layer<S> for InReferenceShape {
    type Service = Reshape<S>;

    fn layer(&self, inner: S) -> Reshape<S> {
        Reshape { inner }
    }
}

/// [`InReferenceShape`] over a service.
#[derive(Clone)]
pub struct Reshape<S> {
    inner: S,
}

impl<S: Service<Request, Response = Response, Error = Infallible>> Service<Request> for Reshape<S> {
    type Response = Response;
    type Error = Infallible;
    type Future = Then<S::Future, Reshaped, Reshaping>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        self.inner.call(request).then(reshaping as Reshaping)
    }
}

type Answer = Result<Response, Infallible>;
/// An answer as it was (no box), or on its way into the reference's shape.
type Reshaped = Either<Ready<Answer>, BoxFuture<'static, Answer>>;
type Reshaping = fn(Answer) -> Reshaped;

fn reshaping(answer: Answer) -> Reshaped {
    let Ok(response) = answer;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) || is_json(response.headers()) {
        return Either::Left(ready(Ok(response)));
    }
    Either::Right(in_reference_shape(response).map(Ok).boxed())
}

/// `response` (a refusal not in JSON) in the reference's shape.
async fn in_reference_shape(response: Response) -> Response {
    let status = response.status();
    let (parts, body) = response.into_parts();
    let plain = parts.headers.get(header::CONTENT_ENCODING).is_none()
        && parts.headers.get(header::CONTENT_TYPE).and_then(|t| t.to_str().ok()).is_some_and(|t| t.starts_with("text/plain"));
    let text = if plain { axum::body::to_bytes(body, MAX_MESSAGE).await.ok() } else { None };
    let message = text
        .and_then(|bytes| String::from_utf8(bytes.to_vec()).ok())
        .map(|text| text.trim().to_string())
        .filter(|text| !text.is_empty())
        .unwrap_or_else(|| default_message(status).to_string());
    let mut reshaped = ApiError::new(status.as_u16(), message).into_response();
    let mut headers = parts.headers;
    for body_header in
        [header::CONTENT_TYPE, header::CONTENT_LENGTH, header::CONTENT_ENCODING, header::TRANSFER_ENCODING, header::ETAG, header::LAST_MODIFIED]
    {
        headers.remove(body_header);
    }
    for (name, value) in reshaped.headers() {
        headers.insert(name, value.clone());
    }
    *reshaped.headers_mut() = headers;
    reshaped
}

fn is_json(headers: &HeaderMap) -> bool {
    headers.get(header::CONTENT_TYPE).and_then(|t| t.to_str().ok()).is_some_and(|t| t.starts_with("application/json"))
}

fn default_message(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "The request is malformed",
        StatusCode::NOT_FOUND => "Not found",
        StatusCode::METHOD_NOT_ALLOWED => "Method not allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "The body is too large",
        StatusCode::URI_TOO_LONG => "The address is too long",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "The body's type is not accepted",
        StatusCode::TOO_MANY_REQUESTS => "Too many requests; try again later",
        StatusCode::SERVICE_UNAVAILABLE => "The relay is unavailable for a moment; try again",
        status if status.is_client_error() => "The request was refused",
        _ => "The relay failed; try again",
    }
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use tower::ServiceExt;

    use super::*;

    #[tokio::test]
    async fn a_handler_that_panics_is_a_500_in_the_reference_shape() {
        let app = axum::Router::new()
            .route("/text", axum::routing::get(|| async { panic!("a library's assertion") as &'static str }))
            .route("/formatted", axum::routing::get(|| async { panic!("{} shut down", "already") as &'static str }))
            .layer(tower_http::catch_panic::CatchPanicLayer::custom(after_panic));
        for path in ["/text", "/formatted"] {
            let answer = app.clone().oneshot(Request::get(path).body(Body::empty()).unwrap()).await.unwrap();
            assert_eq!(answer.status(), StatusCode::INTERNAL_SERVER_ERROR, "{path}");
            let body = axum::body::to_bytes(answer.into_body(), 1024).await.unwrap();
            let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(body, serde_json::json!({"message": "The relay failed on this request; try again", "status": 500}), "{path}");
        }
    }
}
