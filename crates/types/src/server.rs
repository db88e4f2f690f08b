//! Server-side glue shared by the relay and the sandbox (feature `axum`): every error leaves as
//! the reference's `{"message": …, "status": N}`, including the ones axum produces while reading a
//! JSON body.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::de::DeserializeOwned;

use crate::ApiError;

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, Json(self)).into_response()
    }
}

/// A JSON body whose rejections are [`ApiError`]s that say what was wrong:
/// 415 without `Content-Type: application/json`, 400 for malformed JSON, 422 for JSON of the wrong
/// shape (naming the field), 413 for a body over the router's limit.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

fn json_rejection(rejection: JsonRejection) -> ApiError {
    let status = rejection.status().as_u16();
    match rejection {
        JsonRejection::JsonDataError(error) => {
            // axum's text is "Failed to deserialize the JSON body into the target type: PATH: WHY".
            let text = error.body_text();
            let why = text.split_once("target type: ").map_or(text.as_str(), |(_, why)| why);
            ApiError::new(422, format!("Invalid body: {why}"))
        }
        JsonRejection::JsonSyntaxError(_) => ApiError::new(400, "The body is not valid JSON"),
        JsonRejection::MissingJsonContentType(_) => {
            ApiError::new(415, "The body must be JSON, sent with Content-Type: application/json")
        }
        other if status == 413 => ApiError::new(413, format!("The body is too large: {}", other.body_text())),
        other => ApiError::new(status, other.body_text()),
    }
}
