//! The reference's rules on request bodies, checked on the raw JSON so that each broken rule gets
//! its own 422 `{"message": …, "status": 422}` (a serde error would name the Rust type instead).
//! The token comes first: a caller without a valid token learns nothing else. Rules that need
//! the account's data or the interaction (departments, tags, finished) are in `interactions`.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use zchat_types::{ApiError, MessageType, SendMessage, StartInteraction, TokenOnly, UpdateInteraction};

use crate::account::Account;

fn unprocessable(message: impl Into<String>) -> ApiError {
    ApiError::new(422, message)
}

/// Start interaction: token, department_id (an integer), media_type (TEXT, SMS, WHATSAPP or null),
/// customer (an object of strings), extra (an object), external_history (an http(s) URL).
pub fn start_interaction(account: &Account, body: &Value) -> Result<StartInteraction, ApiError> {
    let fields = object(body)?;
    token(account, fields)?;
    match fields.get("department_id") {
        None | Some(Value::Null) => return Err(unprocessable("The department_id is required")),
        Some(id) if id.as_i64().is_none() => return Err(unprocessable("The department_id must be an integer")),
        Some(_) => {}
    }
    one_of(fields, "media_type", &["TEXT", "SMS", "WHATSAPP"])?;
    match fields.get("customer") {
        None | Some(Value::Null) => {}
        Some(Value::Object(customer)) => {
            for field in ["name", "email", "phone", "cpf"] {
                if !matches!(customer.get(field), None | Some(Value::Null) | Some(Value::String(_))) {
                    return Err(unprocessable(format!("The customer.{field} must be a string")));
                }
            }
        }
        Some(_) => return Err(unprocessable("The customer must be an object")),
    }
    if !matches!(fields.get("extra"), None | Some(Value::Null) | Some(Value::Object(_))) {
        return Err(unprocessable("The extra must be an object"));
    }
    if let Some(url) = optional_string(fields, "external_history")? {
        if !is_http_url(url) {
            return Err(unprocessable("The external_history must be an http or https URL"));
        }
    }
    typed(body)
}

/// Update interaction: token, mood (POSITIVE or NEGATIVE), tag_ids (an array of strings),
/// customer_key and note (strings).
pub fn update_interaction(account: &Account, body: &Value) -> Result<UpdateInteraction, ApiError> {
    let fields = object(body)?;
    token(account, fields)?;
    one_of(fields, "mood", &["POSITIVE", "NEGATIVE"])?;
    match fields.get("tag_ids") {
        None | Some(Value::Null) => {}
        Some(Value::Array(tags)) if tags.iter().all(Value::is_string) => {}
        Some(_) => return Err(unprocessable("The tag_ids must be an array of strings")),
    }
    optional_string(fields, "customer_key")?;
    optional_string(fields, "note")?;
    typed(body)
}

/// Send message: token, content (a non-blank string), type (text, image, video, audio, file or
/// null), url (an http(s) URL, required for every type but text).
pub fn send_message(account: &Account, body: &Value) -> Result<SendMessage, ApiError> {
    let fields = object(body)?;
    token(account, fields)?;
    let content = match fields.get("content") {
        None | Some(Value::Null) => return Err(unprocessable("The content is required")),
        Some(Value::String(content)) => content,
        Some(_) => return Err(unprocessable("The content must be a string")),
    };
    one_of(fields, "type", &["text", "image", "video", "audio", "file"])?;
    optional_string(fields, "url")?;
    let message: SendMessage = typed(body)?;
    check_content(content, message.kind, message.url.as_deref())?;
    Ok(message)
}

/// Typing, cleared, finish: only the token.
pub fn token_only(account: &Account, body: &Value) -> Result<TokenOnly, ApiError> {
    token(account, object(body)?)?;
    typed(body)
}

/// A message's content and media: not blank; an http(s) `url` for every type but text. Shared by
/// the visitor's messages and the agent's.
pub fn check_content(content: &str, kind: MessageType, url: Option<&str>) -> Result<(), ApiError> {
    if content.trim().is_empty() {
        return Err(unprocessable("The content is required"));
    }
    if let Some(url) = url {
        if !is_http_url(url) {
            return Err(unprocessable("The url must be an http or https URL"));
        }
    } else if kind.is_media() {
        let name = serde_json::to_value(kind).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
        return Err(unprocessable(format!("A url is required for a message of type {name}")));
    }
    Ok(())
}

pub fn is_http_url(url: &str) -> bool {
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"));
    rest.is_some_and(|rest| !rest.is_empty() && !rest.starts_with('/') && !rest.contains(char::is_whitespace))
}

fn object(body: &Value) -> Result<&Map<String, Value>, ApiError> {
    body.as_object().ok_or_else(|| unprocessable("The body must be a JSON object"))
}

fn token(account: &Account, fields: &Map<String, Value>) -> Result<(), ApiError> {
    match fields.get("token") {
        None | Some(Value::Null) => Err(unprocessable("The token is required")),
        Some(Value::String(token)) if token.is_empty() => Err(unprocessable("The token is required")),
        Some(Value::String(token)) if account.accepts_token(token) => Ok(()),
        Some(Value::String(_)) => Err(unprocessable("The token is invalid")),
        Some(_) => Err(unprocessable("The token must be a string")),
    }
}

fn optional_string<'a>(fields: &'a Map<String, Value>, field: &str) -> Result<Option<&'a str>, ApiError> {
    match fields.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(value)) => Ok(Some(value)),
        Some(_) => Err(unprocessable(format!("The {field} must be a string"))),
    }
}

fn one_of(fields: &Map<String, Value>, field: &str, allowed: &[&str]) -> Result<(), ApiError> {
    match optional_string(fields, field) {
        Ok(None) => Ok(()),
        Ok(Some(value)) if allowed.contains(&value) => Ok(()),
        _ => Err(unprocessable(format!("The {field} must be one of {}", allowed.join(", ")))),
    }
}

/// The checked body as its type. After the checks above this cannot fail; if it does, say so.
fn typed<T: DeserializeOwned>(body: &Value) -> Result<T, ApiError> {
    serde_json::from_value(body.clone()).map_err(|error| unprocessable(format!("Invalid body: {error}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn message_of<T: std::fmt::Debug>(result: Result<T, ApiError>) -> String {
        let error = result.unwrap_err();
        assert_eq!(error.status, 422);
        error.message
    }

    #[test]
    fn start_interaction_rules() {
        let account = Account::default();
        let start = |body: Value| message_of(start_interaction(&account, &body));
        let token = crate::DEFAULT_TOKEN;
        for (body, message) in [
            (json!([1]), "The body must be a JSON object"),
            (json!({"department_id": 1}), "The token is required"),
            (json!({"token": "", "department_id": 1}), "The token is required"),
            (json!({"token": 5, "department_id": 1}), "The token must be a string"),
            (json!({"token": "nope", "department_id": 1}), "The token is invalid"),
            (json!({"token": token}), "The department_id is required"),
            (json!({"token": token, "department_id": "1"}), "The department_id must be an integer"),
            (json!({"token": token, "department_id": 1.5}), "The department_id must be an integer"),
            (json!({"token": token, "department_id": 1, "media_type": "FAX"}), "The media_type must be one of TEXT, SMS, WHATSAPP"),
            (json!({"token": token, "department_id": 1, "media_type": "text"}), "The media_type must be one of TEXT, SMS, WHATSAPP"),
            (json!({"token": token, "department_id": 1, "customer": "Maria"}), "The customer must be an object"),
            (json!({"token": token, "department_id": 1, "customer": {"phone": 11991417777u64}}), "The customer.phone must be a string"),
            (json!({"token": token, "department_id": 1, "extra": [1]}), "The extra must be an object"),
            (json!({"token": token, "department_id": 1, "external_history": "ftp://x"}), "The external_history must be an http or https URL"),
        ] {
            assert_eq!(start(body.clone()), message, "{body}");
        }
        let ok = start_interaction(&account, &json!({"token": token, "department_id": 1, "media_type": null})).unwrap();
        assert_eq!(ok.media_type, zchat_types::MediaType::Text, "null is saved as TEXT");
    }

    #[test]
    fn send_message_rules() {
        let account = Account::default();
        let send = |body: Value| message_of(send_message(&account, &body));
        let token = crate::DEFAULT_TOKEN;
        for (body, message) in [
            (json!({"content": "hi"}), "The token is required"),
            (json!({"token": token}), "The content is required"),
            (json!({"token": token, "content": "  "}), "The content is required"),
            (json!({"token": token, "content": 5}), "The content must be a string"),
            (json!({"token": token, "content": "x", "type": "sticker"}), "The type must be one of text, image, video, audio, file"),
            (json!({"token": token, "content": "x", "type": "image"}), "A url is required for a message of type image"),
            (json!({"token": token, "content": "x", "type": "file", "url": "javascript:alert(1)"}), "The url must be an http or https URL"),
            (json!({"token": token, "content": "x", "url": 3}), "The url must be a string"),
        ] {
            assert_eq!(send(body.clone()), message, "{body}");
        }
        let ok = send_message(&account, &json!({"token": token, "content": "x", "type": null})).unwrap();
        assert_eq!(ok.kind, MessageType::Text, "null is saved as text");
    }

    #[test]
    fn update_interaction_rules() {
        let account = Account::default();
        let update = |body: Value| message_of(update_interaction(&account, &body));
        let token = crate::DEFAULT_TOKEN;
        for (body, message) in [
            (json!({"mood": "POSITIVE"}), "The token is required"),
            (json!({"token": token, "mood": "HAPPY"}), "The mood must be one of POSITIVE, NEGATIVE"),
            (json!({"token": token, "tag_ids": "1"}), "The tag_ids must be an array of strings"),
            (json!({"token": token, "tag_ids": [1]}), "The tag_ids must be an array of strings"),
            (json!({"token": token, "customer_key": 7}), "The customer_key must be a string"),
            (json!({"token": token, "note": {}}), "The note must be a string"),
        ] {
            assert_eq!(update(body.clone()), message, "{body}");
        }
    }

    #[test]
    fn token_only_rules() {
        let account = Account::default();
        assert_eq!(message_of(token_only(&account, &json!({}))), "The token is required");
        assert!(token_only(&account, &json!({"token": crate::DEFAULT_TOKEN})).is_ok());
    }
}
