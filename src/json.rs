//! JSON at the frame's edges, through the browser's own `JSON.parse` / `JSON.stringify` and
//! serde-wasm-bindgen. The wire types stay the serde types of `zchat-types`; only the parser and
//! the printer are the browser's, which keeps serde_json's (and its number tables) out of the
//! wasm: about 7 KB brotli of a first open (BENCHMARKS.md).

use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::JsValue;

/// Objects stay objects (not JS `Map`s) and `None` is `null`, as in JSON.
const AS_JSON: serde_wasm_bindgen::Serializer = serde_wasm_bindgen::Serializer::json_compatible();

/// `text` as a `T`; `None` when it is not JSON or not a `T`.
pub fn parse<T: DeserializeOwned>(text: &str) -> Option<T> {
    from_js(parse_js(text)?)
}

/// `text` as a JS value (`JSON.parse`); `None` when it is not JSON.
pub fn parse_js(text: &str) -> Option<JsValue> {
    js_sys::JSON::parse(text).ok()
}

/// A JS value (from `JSON.parse`, say) as a `T`; `None` when it is not a `T`.
pub fn from_js<T: DeserializeOwned>(value: JsValue) -> Option<T> {
    serde_wasm_bindgen::from_value(value).ok()
}

/// `value` as JSON text.
pub fn stringify<T: Serialize + ?Sized>(value: &T) -> Option<String> {
    stringify_js(&value.serialize(&AS_JSON).ok()?)
}

/// A JS value as JSON text (`JSON.stringify`); `None` when it has none (`undefined`, a cycle).
pub fn stringify_js(value: &JsValue) -> Option<String> {
    js_sys::JSON::stringify(value).ok()?.as_string()
}

/// `object[name]` of parsed JSON, undefined when it is not there: where the widget reads a few
/// fields of an answer or a message rather than deserializing all of it.
pub fn field(object: &JsValue, name: &str) -> JsValue {
    js_sys::Reflect::get(object, &name.into()).unwrap_or(JsValue::UNDEFINED)
}
