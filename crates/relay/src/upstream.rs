//! The zChat ClientApi V1 as the relay calls it: one function for every call, which sends the
//! body (the caller put the account token in it) and reads zChat's answer liberally: any 2xx is a
//! success whatever its body (empty, a 204, not JSON, JSON of another shape), unless its JSON
//! carries a `status` of 400 or more, which is that refusal; every other way a call can end is an
//! [`UpstreamError`] (docs/design.md, "zChat's answers, read liberally").
//!
//! Redirects are never followed: a client that follows one re-sends the body, and with it the
//! account token, to wherever the redirect points. A 3xx from zChat is a 502 and a log line.

use std::time::Duration;

use axum::body::Bytes;
use reqwest::Method;
use serde::Serialize;
use serde_json::Value;

/// Where zChat is and the account's token.
#[derive(Clone)]
pub struct Upstream {
    base: String,
    token: String,
    client: reqwest::Client,
}

/// A 2xx answer of zChat's, as it came.
#[derive(Debug)]
pub struct Answer {
    pub body: Bytes,
}

impl Answer {
    /// The answer's JSON, if it is JSON (an empty body, a 204, plain text: none).
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// A call to zChat that did not succeed: which operation, and how.
#[derive(Debug)]
pub struct UpstreamError {
    pub operation: &'static str,
    pub failure: UpstreamFailure,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpstreamFailure {
    /// No answer within the relay's timeout: 504.
    Timeout,
    /// No connection, or it broke before an answer: 502.
    Unreachable(String),
    /// The answer's body was cut off: 502.
    CutOff,
    /// A 3xx, not followed (the body carries the account token): 502.
    Redirect(u16),
    /// zChat refused the account's token (401, 403): the relay's problem, not the visitor's
    /// credential, so 502 (passed on, the widget would take it for a forged session).
    TokenRefused { status: u16, message: String },
    /// zChat's own refusal (a 4xx, or a 2xx whose JSON says one): passed on with its status.
    Refused { status: u16, message: String },
    /// zChat failed (a 5xx or any other status): 502.
    Failed(u16),
    /// A success the relay had to read and could not (a create without an interaction hash): 502.
    Unreadable(&'static str),
}

impl UpstreamFailure {
    /// Fixed words for the metrics.
    pub fn cause(&self) -> &'static str {
        match self {
            UpstreamFailure::Timeout => "zchat_timeout",
            UpstreamFailure::Unreachable(_) | UpstreamFailure::CutOff => "zchat_unreachable",
            UpstreamFailure::Redirect(_) => "zchat_redirect",
            UpstreamFailure::TokenRefused { .. } => "zchat_token_refused",
            UpstreamFailure::Refused { .. } => "zchat_refused",
            UpstreamFailure::Failed(_) => "zchat_failed",
            UpstreamFailure::Unreadable(_) => "zchat_unreadable",
        }
    }
}

impl UpstreamError {
    pub fn status(&self) -> u16 {
        match &self.failure {
            UpstreamFailure::Timeout => 504,
            UpstreamFailure::Refused { status, .. } => *status,
            _ => 502,
        }
    }

    pub fn message(&self) -> String {
        match &self.failure {
            UpstreamFailure::Timeout => "zChat did not answer in time; try again".into(),
            UpstreamFailure::Unreachable(_) => "zChat cannot be reached; try again".into(),
            UpstreamFailure::CutOff => "zChat's answer was cut off; try again".into(),
            UpstreamFailure::Redirect(status) => format!("zChat answered a redirect ({status}), which the relay does not follow"),
            UpstreamFailure::TokenRefused { status, message } => format!("zChat refused the relay ({status}): {message}"),
            UpstreamFailure::Refused { message, .. } => message.clone(),
            UpstreamFailure::Failed(status) => format!("zChat failed ({status}); try again"),
            UpstreamFailure::Unreadable(what) => format!("zChat answered in an unexpected format: {what}"),
        }
    }

    /// The one log line of a failed call (a refusal of zChat's is the caller's: not logged).
    pub fn log(&self) {
        let operation = self.operation;
        match &self.failure {
            UpstreamFailure::Refused { .. } => {}
            UpstreamFailure::Timeout => tracing::warn!(operation, "zChat did not answer in time"),
            UpstreamFailure::Unreachable(error) => tracing::warn!(operation, %error, "zChat cannot be reached"),
            UpstreamFailure::CutOff => tracing::warn!(operation, "zChat's answer was cut off"),
            UpstreamFailure::Failed(status) => tracing::warn!(operation, status, "zChat failed"),
            UpstreamFailure::Redirect(status) => {
                tracing::error!(
                    operation,
                    status,
                    "zChat answered a redirect; not followed (the body carries the account token): check ZCHAT_API_BASE"
                )
            }
            UpstreamFailure::TokenRefused { status, .. } => tracing::error!(operation, status, "zChat refused the account token: check ZCHAT_TOKEN"),
            UpstreamFailure::Unreadable(what) => tracing::error!(operation, what, "zChat answered what the relay cannot use"),
        }
    }
}

impl Upstream {
    /// `base` is e.g. `https://zchat.zenvia.io`; ClientApi paths are appended to it.
    pub fn new(base: &str, token: String, timeout: Duration) -> Self {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(5)))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("an HTTP client");
        Upstream { base: base.trim_end_matches('/').to_string(), token, client }
    }

    pub fn token(&self) -> &str {
        &self.token
    }

    /// Sends `body` to `path` (`operation` names the call in logs and metrics): a success is its
    /// answer as it came; anything else an [`UpstreamError`].
    pub async fn call<B: Serialize>(&self, operation: &'static str, method: Method, path: &str, body: &B) -> Result<Answer, UpstreamError> {
        let failed = |failure| UpstreamError { operation, failure };
        let url = format!("{}{path}", self.base);
        let answer =
            self.client.request(method, &url).json(body).send().await.map_err(|error| {
                failed(if error.is_timeout() { UpstreamFailure::Timeout } else { UpstreamFailure::Unreachable(error.to_string()) })
            })?;
        let status = answer.status().as_u16();
        let body = answer.bytes().await.map_err(|_| failed(UpstreamFailure::CutOff))?;
        let json = serde_json::from_slice::<Value>(&body).ok();
        // A success that says it is a refusal is that refusal.
        let said = json.as_ref().and_then(status_in).filter(|said| *said >= 400);
        match (status, said) {
            (200..=299, None) => Ok(Answer { body }),
            (200..=299, Some(said)) => Err(failed(refusal(said, json.as_ref()))),
            (300..=399, _) => Err(failed(UpstreamFailure::Redirect(status))),
            _ => Err(failed(refusal(status, json.as_ref()))),
        }
    }
}

/// The `status` a JSON answer carries, as a number or as digits.
fn status_in(json: &Value) -> Option<u16> {
    match json.get("status")? {
        Value::Number(number) => number.as_u64().and_then(|n| u16::try_from(n).ok()),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

/// A refusal or failure with `status`, in zChat's words when its answer has a `message`.
fn refusal(status: u16, json: Option<&Value>) -> UpstreamFailure {
    let said = json.and_then(|json| json.get("message")?.as_str()).map(str::to_string);
    match status {
        401 | 403 => UpstreamFailure::TokenRefused { status, message: said.unwrap_or_else(|| "no reason given".into()) },
        400..=499 => UpstreamFailure::Refused { status, message: said.unwrap_or_else(|| format!("zChat refused the request ({status})")) },
        _ => UpstreamFailure::Failed(status),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_status_in_the_body_is_read_as_a_number_or_digits() {
        for (body, said) in [
            (json!({"status": 422}), Some(422)),
            (json!({"status": "404"}), Some(404)),
            (json!({"status": 200}), Some(200)),
            (json!({"status": -1}), None),
            (json!({"status": 70000}), None),
            (json!({"status": true}), None),
            (json!({"message": "ok"}), None),
            (json!([422]), None),
        ] {
            assert_eq!(status_in(&body), said, "{body}");
        }
    }

    #[test]
    fn a_refusal_keeps_zchats_words_when_it_has_them() {
        let said = json!({"message": "The department 3 is not active", "status": 422});
        assert_eq!(refusal(422, Some(&said)), UpstreamFailure::Refused { status: 422, message: "The department 3 is not active".into() });
        assert_eq!(refusal(409, None), UpstreamFailure::Refused { status: 409, message: "zChat refused the request (409)".into() });
        assert!(matches!(refusal(401, None), UpstreamFailure::TokenRefused { status: 401, .. }));
        assert_eq!(refusal(500, Some(&said)), UpstreamFailure::Failed(500));
        assert_eq!(refusal(600, None), UpstreamFailure::Failed(600));
    }
}
