//! `POST /webhooks/zchat/{secret}`: the "Webhook URL" entered in zChat's admin. Each trigger is
//! put in its interaction's event log before the 2xx answer, so an answered webhook is never lost.
//!
//! Liberal: the secret says it is zChat, so whatever JSON object names an interaction is kept and
//! streamed exactly as received, in whatever shape (read by [`Trigger::read`]). Only a body that
//! is not JSON, not an object, over the size limit or without an interaction hash is a 400. What
//! departs from the reference is counted by kind (`relay_webhook_oddities_total`) and logged the
//! first time each kind comes in a new shape: the shape (field names and JSON types), never values.

use std::collections::HashSet;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::Value;
use subtle::ConstantTimeEq;
use zchat_types::{Ack, Oddity, Trigger};

use crate::error::RelayError;
use crate::hash::InteractionHash;
use crate::log::{Arrival, Intake};
use crate::metrics::{Kind, Outcome};
use crate::Relay;

/// Shapes logged already (kind and shape), at most this many; past it they are only counted.
const SHAPES_LOGGED: usize = 1_024;
/// How deep a logged shape goes, and how long it may be.
const SHAPE_DEPTH: usize = 3;
const SHAPE_LEN: usize = 600;

pub fn routes() -> Router<Arc<Relay>> {
    Router::new().route("/webhooks/zchat/{secret}", post(receive))
}

/// The (kind, shape) pairs already logged.
#[derive(Default)]
pub struct Shapes(Mutex<HashSet<u64>>);

impl Shapes {
    /// Whether this pair is new (and so is to be logged).
    fn first(&self, kind: &str, shape: &str) -> bool {
        let mut hasher = DefaultHasher::new();
        (kind, shape).hash(&mut hasher);
        let mut seen = self.0.lock().expect("never poisoned");
        seen.len() < SHAPES_LOGGED && seen.insert(hasher.finish())
    }
}

async fn receive(State(relay): State<Arc<Relay>>, Path(secret): Path<String>, body: Bytes) -> Result<Json<Ack>, RelayError> {
    let count = |outcome| relay.metrics.webhooks.get_or_create(&Outcome { outcome }).inc();
    if !bool::from(secret.as_bytes().ct_eq(relay.webhook_secret.as_bytes())) {
        count("wrong_secret");
        return Err(RelayError::not_found("Not found"));
    }
    // Bytes that are not UTF-8 inside a string (which JSON parsers may skip over unchecked) are
    // zChat's: kept, as the replacement character, rather than losing the agent's message.
    let (raw, not_utf8) = match String::from_utf8(body.to_vec()) {
        Ok(raw) => (raw, false),
        Err(error) => (String::from_utf8_lossy(error.as_bytes()).into_owned(), true),
    };
    let refuse = |why: String| {
        count("malformed");
        tracing::warn!(why, "webhook refused");
        RelayError::bad_request(format!("Not a zChat trigger: {why}"))
    };
    let parsed: Value = serde_json::from_str(&raw).map_err(|error| refuse(format!("not JSON that can be read ({error})")))?;
    let (trigger, mut oddities) = Trigger::read(&parsed).map_err(|error| refuse(error.to_string()))?;
    let hash = trigger.interaction_hash.clone();
    if InteractionHash::parse(&hash).is_none() {
        // Not a hash this relay ever gives a session for: no visitor of ours can be waiting for
        // it (another channel of the account), and it must not shape a key or a log line.
        count("foreign");
        return Ok(Json(Ack { message: "Trigger ignored: not an interaction of this relay".into(), status: 200 }));
    }
    let mut kinds: Vec<&'static str> = oddities.drain(..).map(Oddity::name).collect();
    if not_utf8 {
        kinds.push("invalid_utf8");
    }
    note_oddities(&relay, &kinds, &parsed);
    // Not logged (answered 503, which zChat retries, and said once by the error).
    let outcome = relay.log.append_trigger(raw, Arrival::of(&trigger, &parsed)).await.inspect_err(|_| {
        count("unavailable");
    })?;
    tracing::debug!(%hash, ?outcome, "webhook");
    let message = match outcome {
        Intake::Appended(_) => "Trigger received",
        Intake::Duplicate => "Trigger already received",
        Intake::Held => "Trigger held for an interaction not yet known",
        Intake::Dropped => "Trigger ignored: too many for unknown interactions",
    };
    count(outcome.word());
    if let Intake::Appended(_) = outcome {
        relay.metrics.events_in.get_or_create(&Kind { kind: "trigger" }).inc();
    }
    Ok(Json(Ack { message: message.into(), status: 200 }))
}

/// Counts each way the body departs from the reference; logs a kind the first time it comes in a
/// shape.
fn note_oddities(relay: &Relay, kinds: &[&'static str], body: &Value) {
    if kinds.is_empty() {
        return;
    }
    let body_shape = shape(body, 0);
    for kind in kinds {
        relay.metrics.webhook_oddities.get_or_create(&Kind { kind }).inc();
        if relay.shapes.first(kind, &body_shape) {
            tracing::warn!(kind, shape = %body_shape, "a webhook in a shape the reference does not show: kept and streamed");
        }
    }
}

/// A body's shape: its field names and the JSON types of their values, never the values.
pub fn shape(value: &Value, depth: usize) -> String {
    let mut text = match value {
        Value::Null => "null".to_string(),
        Value::Bool(_) => "bool".to_string(),
        Value::Number(_) => "number".to_string(),
        Value::String(_) => "string".to_string(),
        Value::Array(items) if depth >= SHAPE_DEPTH || items.is_empty() => "[]".to_string(),
        Value::Array(items) => format!("[{}]", shape(&items[0], depth + 1)),
        Value::Object(_) if depth >= SHAPE_DEPTH => "{…}".to_string(),
        Value::Object(fields) => {
            // Names are the body's too: only the ones that look like names are shown.
            let fields: Vec<String> = fields
                .iter()
                .map(|(name, value)| {
                    let name = if name.len() <= 40 && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') { name.as_str() } else { "?" };
                    format!("{name}:{}", shape(value, depth + 1))
                })
                .collect();
            format!("{{{}}}", fields.join(","))
        }
    };
    if text.len() > SHAPE_LEN {
        let mut end = SHAPE_LEN;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push('…');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_shape_has_names_and_types_but_no_values() {
        let body = json!({"interaction_hash": "secret-hash", "state": "transferred", "to": {"team": 4, "queue": [1]}, "bad key!": "x"});
        assert_eq!(shape(&body, 0), "{?:string,interaction_hash:string,state:string,to:{queue:[number],team:number}}");
        let deep = json!({"a": {"b": {"c": {"d": 1}}}});
        assert_eq!(shape(&deep, 0), "{a:{b:{c:{…}}}}");
    }
}
