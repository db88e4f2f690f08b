//! The zChat ClientApi V1 as the relay calls it: one function for every call, which puts the
//! account token in the body and turns every way a call can fail into an [`ApiError`].
//!
//! Redirects are never followed: a client that follows one re-sends the body, and with it the
//! account token, to wherever the redirect points. A 3xx from zChat is a 502 and a log line.

use std::time::Duration;

use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::Serialize;
use zchat_types::ApiError;

/// Where zChat is and the account's token.
#[derive(Clone)]
pub struct Upstream {
    base: String,
    token: String,
    client: reqwest::Client,
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

    /// Sends `body` to `path` and parses a 2xx answer as `T`. zChat's own errors (422 and the
    /// like) come back with its message and status; transport failures become 502 / 504.
    pub async fn call<B: Serialize, T: DeserializeOwned>(&self, method: Method, path: &str, body: &B) -> Result<T, ApiError> {
        let url = format!("{}{path}", self.base);
        let answer = self.client.request(method, &url).json(body).send().await.map_err(|error| {
            tracing::warn!(%error, path, "zChat call failed");
            if error.is_timeout() {
                ApiError::new(504, "zChat did not answer in time; try again")
            } else {
                ApiError::new(502, "zChat cannot be reached; try again")
            }
        })?;
        let status = answer.status();
        let bytes = answer.bytes().await.map_err(|_| ApiError::new(502, "zChat's answer was cut off; try again"))?;
        if status.is_success() {
            return serde_json::from_slice(&bytes).map_err(|error| {
                tracing::error!(%error, path, "zChat answered an unexpected body");
                ApiError::new(502, "zChat answered in an unexpected format")
            });
        }
        if status.is_redirection() {
            tracing::error!(%status, path, "zChat answered a redirect; not followed (the body carries the account token): check ZCHAT_API_BASE");
            return Err(ApiError::new(502, format!("zChat answered a redirect ({}), which the relay does not follow", status.as_u16())));
        }
        match serde_json::from_slice::<ApiError>(&bytes) {
            // zChat refusing the account's token is the relay's problem, not the visitor's
            // credential: passed on as it is, the widget would take it for a forged session.
            Ok(error) if matches!(status.as_u16(), 401 | 403) => {
                tracing::error!(%status, path, "zChat refused the account token: check ZCHAT_TOKEN");
                Err(ApiError::new(502, format!("zChat refused the relay ({}): {}", status.as_u16(), error.message)))
            }
            // zChat's own refusal, in the reference's shape: pass it on as it is.
            Ok(error) if status.is_client_error() => Err(ApiError::new(status.as_u16(), error.message)),
            _ => {
                tracing::warn!(%status, path, "zChat failed");
                Err(ApiError::new(502, format!("zChat failed ({}); try again", status.as_u16())))
            }
        }
    }
}
