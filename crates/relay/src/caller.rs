//! Who may call the relay, checked in one place as axum extractors, so that no route can forget a
//! check (docs/design.md §1–2):
//!
//! - [`Browser`]: a call from the widget's frame, on the relay's own origin (a browser always sends
//!   `Origin` on these calls; a caller without one is not a browser). The browser API is for the
//!   frame, which `frame-ancestors` lets only the configured host pages embed: 403 otherwise.
//! - [`Visitor`]: the visitor of one interaction, with its session credential in the query
//!   (`?token=`: the event stream, which EventSource cannot give headers, and uploads).
//! - [`VisitorCall`]: the same, with the credential in the JSON body's `token`, as the reference's
//!   bodies carry the account token; the body comes back with its `token` emptied, for the relay to
//!   put the account's there.
//!
//! A visitor's credential is checked once, by [`admit_visitor`]: never the account token (which
//! means someone has it in a browser: the alarm), a valid credential of that interaction, within the
//! interaction's rate. The per-address budget and the client address are admission's
//! (`admission::ClientAddress`).

use std::sync::Arc;

use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::header;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use serde::Serialize;
use subtle::ConstantTimeEq;
use zchat_types::{ApiJson, SendMessage, TokenOnly, UpdateInteraction};

use crate::error::RelayError;
use crate::hash::{InteractionHash, PathHash};
use crate::Relay;

/// A call from the widget's frame (or from no browser).
pub struct Browser;

impl FromRequestParts<Arc<Relay>> for Browser {
    type Rejection = RelayError;

    async fn from_request_parts(parts: &mut Parts, relay: &Arc<Relay>) -> Result<Self, RelayError> {
        match parts.headers.get(header::ORIGIN) {
            // An `Origin` that cannot be read is not the relay's.
            Some(origin) if origin.as_bytes() != relay.origin.as_bytes() => {
                Err(RelayError::refused(403, "The chat API is only available to the widget"))
            }
            _ => Ok(Browser),
        }
    }
}

/// The visitor of the path's interaction, by the credential in the query's `token`.
pub struct Visitor {
    pub hash: InteractionHash,
}

#[derive(serde::Deserialize)]
struct Credential {
    #[serde(default)]
    token: String,
}

impl FromRequestParts<Arc<Relay>> for Visitor {
    type Rejection = RelayError;

    async fn from_request_parts(parts: &mut Parts, relay: &Arc<Relay>) -> Result<Self, RelayError> {
        Browser::from_request_parts(parts, relay).await?;
        let PathHash(hash) = PathHash::from_request_parts(parts, relay).await?;
        let Query(Credential { token }) =
            Query::<Credential>::from_request_parts(parts, relay).await.map_err(|_| RelayError::bad_request("The query is not valid"))?;
        admit_visitor(relay, &hash, &token)?;
        Ok(Visitor { hash })
    }
}

/// The visitor of the path's interaction, by the credential in the body's `token`, and the body.
pub struct VisitorCall<B> {
    pub hash: InteractionHash,
    pub body: B,
}

impl<B: Authorized + DeserializeOwned> FromRequest<Arc<Relay>> for VisitorCall<B> {
    type Rejection = RelayError;

    async fn from_request(request: Request, relay: &Arc<Relay>) -> Result<Self, RelayError> {
        let (mut parts, body) = request.into_parts();
        Browser::from_request_parts(&mut parts, relay).await?;
        let PathHash(hash) = PathHash::from_request_parts(&mut parts, relay).await?;
        let ApiJson(mut body) = ApiJson::<B>::from_request(Request::from_parts(parts, body), relay).await?;
        let credential = std::mem::take(body.token_mut());
        admit_visitor(relay, &hash, &credential)?;
        Ok(VisitorCall { hash, body })
    }
}

/// Whether `credential` lets its bearer act on `hash`, within the interaction's rate.
pub fn admit_visitor(relay: &Relay, hash: &InteractionHash, credential: &str) -> Result<(), RelayError> {
    raise_alarm(relay, credential)?;
    relay.sessions.check(hash, credential)?;
    relay.interaction_requests.take(&hash.to_string())
}

/// The interaction an earlier conversation's credential names (`X-Previous-Session`), once checked.
pub fn previous_session(relay: &Relay, credential: &str) -> Result<InteractionHash, RelayError> {
    let not_valid = || RelayError::bad_request("The X-Previous-Session is not a valid session credential");
    raise_alarm(relay, credential).map_err(|_| not_valid())?;
    let hash = relay.sessions.checked_hash(credential).map_err(|_| not_valid())?;
    InteractionHash::parse(&hash).ok_or_else(not_valid)
}

/// The account token where a visitor's credential goes: someone has it in a browser. Refused like
/// any other wrong credential (a different answer would tell a guesser the guess was right), and
/// logged and counted for the operator (`relay_account_token_alarms_total`), in constant time.
fn raise_alarm(relay: &Relay, credential: &str) -> Result<(), RelayError> {
    if bool::from(credential.as_bytes().ct_eq(relay.upstream.token().as_bytes())) {
        tracing::error!("a browser sent the account token as a session credential: rotate ZCHAT_TOKEN");
        relay.metrics.account_token_alarms.inc();
        return Err(RelayError::refused(401, "The session credential is not valid"));
    }
    Ok(())
}

/// A request body whose `token` carries the session credential on the way in and the account
/// token on the way out.
pub trait Authorized: Serialize {
    fn token_mut(&mut self) -> &mut String;
}

impl Authorized for UpdateInteraction {
    fn token_mut(&mut self) -> &mut String {
        &mut self.token
    }
}

impl Authorized for SendMessage {
    fn token_mut(&mut self) -> &mut String {
        &mut self.token
    }
}

impl Authorized for TokenOnly {
    fn token_mut(&mut self) -> &mut String {
        &mut self.token
    }
}
