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
    let trigger: Trigger = serde_json::from_slice(&body).map_err(|error| {
        count("malformed");
        tracing::warn!(%error, "webhook refused: not a zChat trigger");
        ApiError::new(400, format!("Not a zChat trigger: {error}"))
    })?;
    let raw = String::from_utf8(body.to_vec()).expect("valid JSON is UTF-8");
    let hash = trigger.interaction_hash.clone();
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
