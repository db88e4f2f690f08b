//! `POST /webhooks/zchat/{secret}`: the "Webhook URL" entered in zChat's admin. Each trigger is
//! put in its interaction's event log before the 2xx answer, so an answered webhook is never lost.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::routing::post;
use axum::{Json, Router};
use subtle::ConstantTimeEq;
use zchat_types::{Ack, ApiError, Trigger};

use crate::events::Intake;
use crate::metrics::{Kind, Outcome};
use crate::mirror::check_hash;
use crate::Relay;

pub fn routes() -> Router<Arc<Relay>> {
    Router::new().route("/webhooks/zchat/{secret}", post(receive))
}

async fn receive(State(relay): State<Arc<Relay>>, Path(secret): Path<String>, body: Bytes) -> Result<Json<Ack>, ApiError> {
    let count = |outcome| relay.metrics.webhooks.get_or_create(&Outcome { outcome }).inc();
    if !bool::from(secret.as_bytes().ct_eq(relay.webhook_secret.as_bytes())) {
        count("wrong_secret");
        return Err(ApiError::new(404, "Not found"));
    }
    // Bytes that are not UTF-8 inside a string (which JSON parsers may skip over unchecked) are
    // zChat's: kept, as the replacement character, rather than losing the agent's message.
    let raw = match String::from_utf8(body.to_vec()) {
        Ok(raw) => raw,
        Err(error) => {
            count("invalid_utf8");
            String::from_utf8_lossy(error.as_bytes()).into_owned()
        }
    };
    let trigger: Trigger = serde_json::from_str(&raw).map_err(|error| {
        count("malformed");
        tracing::warn!(%error, "webhook refused: not a zChat trigger");
        ApiError::new(400, format!("Not a zChat trigger: {error}"))
    })?;
    let hash = trigger.interaction_hash.clone();
    if check_hash(&hash).is_err() {
        // Not a hash this relay ever gives a session for: no visitor of ours can be waiting for
        // it (another channel of the account), and it must not shape a key or a log line.
        count("foreign");
        return Ok(Json(Ack { message: "Trigger ignored: not an interaction of this relay".into(), status: 200 }));
    }
    let outcome = relay.log.append_trigger(raw, trigger).await.map_err(|error| {
        count("unavailable");
        tracing::warn!(%error, "webhook not logged; zChat will retry it");
        ApiError::new(503, "The event log is unavailable; retry later")
    })?;
    tracing::debug!(%hash, ?outcome, "webhook");
    let (message, outcome) = match outcome {
        Intake::Appended(_) => ("Trigger received", "appended"),
        Intake::Duplicate => ("Trigger already received", "duplicate"),
        Intake::Held => ("Trigger held for an interaction not yet known", "held"),
        Intake::Dropped => ("Trigger ignored: too many for unknown interactions", "dropped"),
    };
    count(outcome);
    if outcome == "appended" {
        relay.metrics.events_in.get_or_create(&Kind { kind: "trigger" }).inc();
    }
    Ok(Json(Ack { message: message.into(), status: 200 }))
}
