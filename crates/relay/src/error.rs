//! The relay's one error, [`RelayError`]: every way a route refuses or fails. Its one
//! [`IntoResponse`] writes the reference's `{"message", "status"}` (the wire type `ApiError` is
//! made here and nowhere else in the relay's routes), logs once what an operator must see (never a
//! refusal: the request log has those), and marks the answer with its [`Cause`], which the request
//! layer counts (`relay_failures_total{route, cause}`).

use std::borrow::Cow;
use std::time::Duration;

use axum::response::{IntoResponse, Response};
use zchat_types::ApiError;

use crate::redis_link::Unavailable;
use crate::upstream::{UpstreamError, UpstreamFailure};

/// Every way a request is refused or fails.
#[derive(Debug)]
pub enum RelayError {
    /// The request is refused: a client error (4xx) in words the caller can act on.
    Refused { status: u16, message: Cow<'static, str> },
    /// Too many requests: 429, with how long to wait (`Retry-After`).
    TooMany { message: Cow<'static, str>, wait: Duration },
    /// Redis is away, or refused a command: 503 (zChat and the widget retry).
    Redis(Unavailable),
    /// The store of visitors' files (a folder, S3) failed: 503.
    Files(String),
    /// zChat failed, refused, or answered what the relay cannot use.
    Upstream(UpstreamError),
    /// The relay cannot take this now, and says why (a full memory bound, a first request with the
    /// same `Idempotency-Key` that failed or is still under way, the widget not built): 503.
    Busy(Cow<'static, str>),
    /// A handler panicked (a bug, or a library's assertion; logged with its reason where it is
    /// caught): 500, which the widget reads and retries.
    Panicked,
}

/// What an error answer was, for the metrics: fixed words, never values from outside.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cause(pub &'static str);

impl RelayError {
    pub fn refused(status: u16, message: impl Into<Cow<'static, str>>) -> Self {
        RelayError::Refused { status, message: message.into() }
    }

    /// 400: the request is malformed in a way its sender can fix.
    pub fn bad_request(message: impl Into<Cow<'static, str>>) -> Self {
        Self::refused(400, message)
    }

    pub fn not_found(message: impl Into<Cow<'static, str>>) -> Self {
        Self::refused(404, message)
    }

    pub fn too_many(message: impl Into<Cow<'static, str>>, wait: Duration) -> Self {
        RelayError::TooMany { message: message.into(), wait }
    }

    pub fn busy(message: impl Into<Cow<'static, str>>) -> Self {
        RelayError::Busy(message.into())
    }

    /// The visitors' file store failed on `error`.
    pub fn files(error: impl std::fmt::Display) -> Self {
        RelayError::Files(error.to_string())
    }

    /// The status the caller gets.
    pub fn status(&self) -> u16 {
        match self {
            RelayError::Refused { status, .. } => *status,
            RelayError::TooMany { .. } => 429,
            RelayError::Redis(_) | RelayError::Files(_) | RelayError::Busy(_) => 503,
            RelayError::Panicked => 500,
            RelayError::Upstream(error) => error.status(),
        }
    }

    /// Why, in fixed words (the metrics' label).
    pub fn cause(&self) -> Cause {
        Cause(match self {
            RelayError::Refused { .. } => "refused",
            RelayError::TooMany { .. } => "too_many",
            RelayError::Redis(_) => "redis",
            RelayError::Files(_) => "files",
            RelayError::Upstream(error) => error.failure.cause(),
            RelayError::Busy(_) => "busy",
            RelayError::Panicked => "panicked",
        })
    }

    /// The answer's words (what the caller reads; never a secret or an internal detail).
    pub fn message(&self) -> Cow<'static, str> {
        match self {
            RelayError::Refused { message, .. } | RelayError::TooMany { message, .. } | RelayError::Busy(message) => message.clone(),
            RelayError::Redis(_) => "The relay's storage is unavailable for a moment; retry later".into(),
            RelayError::Files(_) => "The file could not be stored just now; try again".into(),
            RelayError::Upstream(error) => error.message().into(),
            RelayError::Panicked => "The relay failed on this request; try again".into(),
        }
    }

    /// The one log line an operator needs, if any (a refusal is the caller's, in the request log).
    fn log(&self) {
        match self {
            RelayError::Refused { .. } | RelayError::TooMany { .. } | RelayError::Busy(_) | RelayError::Panicked => {}
            RelayError::Redis(error) => tracing::warn!(%error, "answered 503: Redis is away"),
            RelayError::Files(error) => tracing::warn!(%error, "answered 503: the file store failed"),
            RelayError::Upstream(error) => error.log(),
        }
    }
}

impl IntoResponse for RelayError {
    fn into_response(self) -> Response {
        self.log();
        let cause = self.cause();
        let mut error = ApiError::new(self.status(), self.message());
        if let RelayError::TooMany { wait, .. } = self {
            error = ApiError::too_many(error.message, wait);
        }
        let mut response = error.into_response();
        response.extensions_mut().insert(cause);
        response
    }
}

/// The refusals of the wire crate's extractors (`ApiJson`, `ApiBody`) and their kin.
impl From<ApiError> for RelayError {
    fn from(error: ApiError) -> Self {
        match error.retry_after {
            Some(seconds) => RelayError::too_many(error.message, Duration::from_secs(seconds)),
            None => RelayError::refused(error.status, error.message),
        }
    }
}

impl From<Unavailable> for RelayError {
    fn from(error: Unavailable) -> Self {
        RelayError::Redis(error)
    }
}

impl From<redis::RedisError> for RelayError {
    fn from(error: redis::RedisError) -> Self {
        RelayError::Redis(error.into())
    }
}

impl From<UpstreamError> for RelayError {
    fn from(error: UpstreamError) -> Self {
        RelayError::Upstream(error)
    }
}

/// zChat's own refusal of a browser's call (its 4xx, or a 2xx that says one) is the caller's to
/// read, with zChat's words.
impl RelayError {
    pub fn refused_by_zchat(&self) -> Option<(u16, &str)> {
        match self {
            RelayError::Upstream(UpstreamError { failure: UpstreamFailure::Refused { status, message }, .. }) => Some((*status, message)),
            _ => None,
        }
    }
}
