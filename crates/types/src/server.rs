//! Server-side glue shared by the relay and the sandbox (feature `axum`): every error leaves as
//! the reference's `{"message": …, "status": N}`, including the ones axum produces while reading a
//! JSON body.

use axum::body::Bytes;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::de::DeserializeOwned;

use crate::ApiError;

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let retry_after = self.retry_after;
        let mut response = (status, Json(self)).into_response();
        if let Some(seconds) = retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// A JSON object body whose rejections are [`ApiError`]s that say what was wrong:
/// 415 without `Content-Type: application/json`, 400 for malformed JSON, 422 for JSON that is not
/// an object or has the wrong shape (naming the field), 413 for a body over the router's limit.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let body = ApiBody::from_request(request, state).await?;
        body.parse().map(ApiJson)
    }
}

/// A body checked as [`ApiJson`] checks it (JSON, UTF-8, an object), to be read as more than one
/// type ([`ApiBody::parse`]), each with the same errors naming the field.
pub struct ApiBody(Bytes);

impl ApiBody {
    /// The body as a `T`: 422 naming the field when it has the wrong shape.
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        Json::<T>::from_bytes(&self.0).map(|Json(value)| value).map_err(json_rejection)
    }
}

impl<S> FromRequest<S> for ApiBody
where
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !json_content_type(request.headers()) {
            return Err(ApiError::new(415, "The body must be JSON, sent with Content-Type: application/json"));
        }
        let bytes = Bytes::from_request(request, state).await.map_err(|rejection| {
            let status = rejection.status().as_u16();
            if status == 413 {
                ApiError::new(413, "The body is too large")
            } else {
                ApiError::new(status, "The body could not be read")
            }
        })?;
        // JSON is UTF-8, also inside strings the reader would skip without looking.
        if std::str::from_utf8(&bytes).is_err() {
            return Err(ApiError::new(400, "The body is not UTF-8"));
        }
        // Whether it is JSON at all comes before its shape (`{}}` is not JSON, whatever it lacks),
        // read whole: escapes that are not characters (a lone surrogate) in fields the typed
        // reader would skip, and nesting deeper than any body of ours (128), are refused too.
        if serde_json::from_slice::<serde_json::Value>(&bytes).is_err() {
            return Err(ApiError::new(400, "The body is not valid JSON, or is nested too deeply"));
        }
        // Serde reads a struct from an array too (`["token"]`): only an object is a body here.
        if bytes.iter().find(|byte| !byte.is_ascii_whitespace()) != Some(&b'{') {
            return Err(ApiError::new(422, "The body must be a JSON object"));
        }
        Ok(ApiBody(bytes))
    }
}

/// `application/json`, or any `application/…+json`, with or without parameters.
fn json_content_type(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(header::CONTENT_TYPE).and_then(|value| value.to_str().ok()) else { return false };
    let essence = value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    match essence.split_once('/') {
        Some(("application", subtype)) => subtype == "json" || subtype.ends_with("+json"),
        _ => false,
    }
}

fn json_rejection(rejection: JsonRejection) -> ApiError {
    match rejection {
        JsonRejection::JsonDataError(error) => {
            // axum's text is "Failed to deserialize the JSON body into the target type: PATH: WHY".
            let text = error.body_text();
            let why = text.split_once("target type: ").map_or(text.as_str(), |(_, why)| why);
            ApiError::new(422, format!("Invalid body: {why}"))
        }
        JsonRejection::JsonSyntaxError(_) => ApiError::new(400, "The body is not valid JSON"),
        other => ApiError::new(other.status().as_u16(), other.body_text()),
    }
}
