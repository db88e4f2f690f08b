//! zChat's answers in shapes the reference does not show (fault `api.answer_shape`, or at random
//! `api.answer_variant_rate`): the real zChat is a live product, its answer to typing, cleared and
//! finish is not in the reference at all, and a relay must read them liberally (docs/design.md, "zChat's
//! answers, read liberally"). The shapes that keep the answer's meaning are drawn at random; the
//! refusals only when asked for by name, since the call is then not carried out.

use axum::body::Body;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnswerShape {
    /// 200 with an empty body.
    Empty,
    /// 204 No Content.
    NoContent,
    /// 200 with plain text.
    Text,
    /// 200 with JSON of another shape (`{"ok": true, "result": {...}}`).
    OtherJson,
    /// A create's hash as `data.hash` (other calls: as they are).
    HashAsDataHash,
    /// A create's hash at the top level, no `data` (other calls: as they are).
    HashAtTopLevel,
    /// A create's answer without any hash (other calls: as they are).
    NoHash,
    /// 200 whose JSON says a refusal (`{"message", "status": 422}`): not carried out.
    RefusalInSuccess,
    /// 409 in plain text: not carried out.
    RefusalNotJson,
}

impl AnswerShape {
    /// The shapes a call is carried out under (drawn at random).
    pub const KEEPING: [AnswerShape; 6] = [
        AnswerShape::Empty,
        AnswerShape::NoContent,
        AnswerShape::Text,
        AnswerShape::OtherJson,
        AnswerShape::HashAsDataHash,
        AnswerShape::HashAtTopLevel,
    ];

    /// Whether the call is carried out at all in this shape.
    pub fn carried_out(self) -> bool {
        !matches!(self, AnswerShape::RefusalInSuccess | AnswerShape::RefusalNotJson)
    }

    /// The answer for a call that was not carried out.
    pub fn refusal(self) -> Response {
        match self {
            AnswerShape::RefusalNotJson => (StatusCode::CONFLICT, "Conflict: try again later").into_response(),
            _ => axum::Json(json!({"message": "The interaction is busy (an answer shape of the sandbox)", "status": 422})).into_response(),
        }
    }

    /// zChat's answer `body` (a success of `create` or of another call) in this shape.
    pub fn reshape(self, create: bool, body: &[u8]) -> Response {
        let json = serde_json::from_slice::<Value>(body).unwrap_or(Value::Null);
        match self {
            AnswerShape::Empty => (StatusCode::OK, Body::empty()).into_response(),
            AnswerShape::NoContent => StatusCode::NO_CONTENT.into_response(),
            AnswerShape::Text => {
                let mut response = (StatusCode::OK, "OK").into_response();
                response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
                response
            }
            AnswerShape::OtherJson => axum::Json(json!({"ok": true, "result": json})).into_response(),
            AnswerShape::HashAsDataHash | AnswerShape::HashAtTopLevel | AnswerShape::NoHash if create => {
                let hash = json.pointer("/data/interaction_hash").cloned().unwrap_or(Value::Null);
                let mut answer = Map::new();
                answer.insert("message".into(), json.get("message").cloned().unwrap_or(json!("Interaction created")));
                match self {
                    AnswerShape::HashAsDataHash => {
                        answer.insert("data".into(), json!({"hash": hash}));
                    }
                    AnswerShape::HashAtTopLevel => {
                        answer.insert("interaction_hash".into(), hash);
                    }
                    _ => {
                        answer.insert("data".into(), json!({}));
                    }
                }
                axum::Json(Value::Object(answer)).into_response()
            }
            _ => (StatusCode::OK, [(header::CONTENT_TYPE, "application/json")], body.to_vec()).into_response(),
        }
    }
}
