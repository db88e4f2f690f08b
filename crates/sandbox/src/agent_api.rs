//! The agent API: what a person does in the console, for tests and scripts. JSON in and out;
//! errors in the reference's shape (404 unknown interaction, 409 wrong state, 400 bad input).
//!
//! | route | body | does |
//! |---|---|---|
//! | `GET /agent/interactions` | | every interaction, newest first ([`Interaction`]) |
//! | `GET /agent/interactions/{hash}` | | one, with its transcript |
//! | `POST /agent/interactions/{hash}/accept` | `{"agent": {"id", "name"}}` (optional) | `accepted`; the queue moves up |
//! | `POST /agent/interactions/{hash}/messages` | `{"content", "type"?, "url"?}` | agent message trigger |
//! | `PUT /agent/interactions/{hash}/typing` / `…/cleared` | | `typing` / `cleared` |
//! | `POST /agent/interactions/{hash}/finish` | | `finished` |
//! | `GET /agent/departments` | | the departments |
//! | `PUT /agent/departments/{id}` | `{"agents_online": bool}` | agents online or offline |
//! | `GET /agent/requests` | | every ClientApi request received, with its answer (newest last) |
//! | `GET /agent/webhooks` | | every trigger delivery, with its attempts (newest last) |
//! | `DELETE /agent/journal` | | forgets both lists |
//! | `GET /agent/faults`, `PUT /agent/faults` | [`crate::Faults`] | the injected faults |

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use zchat_types::{Agent, ApiError, ApiJson, MessageType};

use crate::account::Department;
use crate::faults::Faults;
use crate::interactions::Interaction;
use crate::journal::{Delivery, Request};
use crate::{now_millis, Sandbox};

/// The agent who acts when a request names none (the reference's example agent).
fn default_agent() -> Agent {
    Agent { id: 111, name: "Atendente".into() }
}

pub fn routes() -> Router<Arc<Sandbox>> {
    Router::new()
        .route("/agent/interactions", get(list))
        .route("/agent/interactions/{hash}", get(show))
        .route("/agent/interactions/{hash}/accept", post(accept))
        .route("/agent/interactions/{hash}/messages", post(message))
        .route("/agent/interactions/{hash}/typing", put(typing))
        .route("/agent/interactions/{hash}/cleared", put(cleared))
        .route("/agent/interactions/{hash}/finish", post(finish))
        .route("/agent/departments", get(departments))
        .route("/agent/departments/{id}", put(set_department))
        .route("/agent/requests", get(requests))
        .route("/agent/webhooks", get(webhooks))
        .route("/agent/journal", axum::routing::delete(clear_journal))
        .route("/agent/faults", get(faults).put(set_faults))
}

async fn list(State(sandbox): State<Arc<Sandbox>>) -> Json<Vec<Interaction>> {
    Json(sandbox.read(|world| world.interactions.newest_first().cloned().collect()))
}

async fn show(State(sandbox): State<Arc<Sandbox>>, Path(hash): Path<String>) -> Result<Json<Interaction>, ApiError> {
    sandbox
        .read(|world| world.interactions.get(&hash).cloned())
        .map(Json)
        .ok_or_else(|| ApiError::new(404, format!("The interaction {hash} does not exist")))
}

#[derive(Deserialize, Default)]
struct AcceptBody {
    agent: Option<Agent>,
}

async fn accept(State(sandbox): State<Arc<Sandbox>>, Path(hash): Path<String>, body: axum::body::Bytes) -> Result<Json<Interaction>, ApiError> {
    // The body is optional: an empty one means the default agent.
    let body: AcceptBody = if body.is_empty() {
        AcceptBody::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| ApiError::new(400, format!("Invalid body: {e}")))?
    };
    let agent = body.agent.unwrap_or_else(default_agent);
    sandbox.change(|world| world.interactions.accept(&hash, agent))?;
    show(State(sandbox), Path(hash)).await
}

#[derive(Deserialize)]
struct MessageBody {
    content: String,
    #[serde(rename = "type", default)]
    kind: Option<MessageType>,
    url: Option<String>,
}

async fn message(
    State(sandbox): State<Arc<Sandbox>>,
    Path(hash): Path<String>,
    ApiJson(body): ApiJson<MessageBody>,
) -> Result<Json<Interaction>, ApiError> {
    let message_hash = uuid::Uuid::new_v4().to_string();
    sandbox
        .change(|world| world.interactions.agent_message(&hash, body.content, body.kind.unwrap_or_default(), body.url, message_hash, now_millis()))?;
    show(State(sandbox), Path(hash)).await
}

async fn typing(State(sandbox): State<Arc<Sandbox>>, Path(hash): Path<String>) -> Result<Json<Interaction>, ApiError> {
    sandbox.change(|world| world.interactions.agent_typing(&hash, true))?;
    show(State(sandbox), Path(hash)).await
}

async fn cleared(State(sandbox): State<Arc<Sandbox>>, Path(hash): Path<String>) -> Result<Json<Interaction>, ApiError> {
    sandbox.change(|world| world.interactions.agent_typing(&hash, false))?;
    show(State(sandbox), Path(hash)).await
}

async fn finish(State(sandbox): State<Arc<Sandbox>>, Path(hash): Path<String>) -> Result<Json<Interaction>, ApiError> {
    sandbox.change(|world| world.interactions.agent_finish(&hash))?;
    show(State(sandbox), Path(hash)).await
}

async fn departments(State(sandbox): State<Arc<Sandbox>>) -> Json<Vec<Department>> {
    Json(sandbox.read(|world| world.account.departments.clone()))
}

#[derive(Deserialize)]
struct DepartmentBody {
    agents_online: bool,
}

async fn set_department(
    State(sandbox): State<Arc<Sandbox>>,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<DepartmentBody>,
) -> Result<Json<Department>, ApiError> {
    sandbox.change(|world| {
        let department = world.account.department_mut(id).ok_or_else(|| ApiError::new(404, format!("The department {id} does not exist")))?;
        department.agents_online = body.agents_online;
        Ok(Vec::new())
    })?;
    Ok(Json(sandbox.read(|world| world.account.department(id).cloned().expect("it exists"))))
}

async fn requests(State(sandbox): State<Arc<Sandbox>>) -> Json<Vec<Request>> {
    Json(sandbox.journal.requests())
}

async fn webhooks(State(sandbox): State<Arc<Sandbox>>) -> Json<Vec<Delivery>> {
    Json(sandbox.journal.deliveries())
}

async fn clear_journal(State(sandbox): State<Arc<Sandbox>>) -> axum::http::StatusCode {
    sandbox.journal.clear();
    axum::http::StatusCode::NO_CONTENT
}

async fn faults(State(sandbox): State<Arc<Sandbox>>) -> Json<Faults> {
    Json(sandbox.faults.get())
}

async fn set_faults(State(sandbox): State<Arc<Sandbox>>, ApiJson(faults): ApiJson<Faults>) -> Result<Json<Faults>, ApiError> {
    sandbox.faults.set(faults)?;
    Ok(Json(sandbox.faults.get()))
}
