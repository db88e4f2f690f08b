//! Time, from the browser: the clock the core is given, the waits of the timers it asks for, and
//! a moment as the visitor reads it (their time zone and language).

use std::time::Duration;

use wasm_bindgen::{JsCast, JsValue};

/// Milliseconds since the Unix epoch, from the browser's clock.
pub fn now() -> u64 {
    js_sys::Date::now() as u64
}

pub async fn sleep(ms: u32) {
    yew::platform::time::sleep(Duration::from_millis(u64::from(ms))).await;
}

/// Sleeps `ms` × 0.5 to 1.5, so that widgets dropped together do not come back together.
pub async fn sleep_jittered(ms: u32) {
    let jittered = f64::from(ms) * (0.5 + js_sys::Math::random());
    yew::platform::time::sleep(Duration::from_millis(jittered as u64)).await;
}

/// `at` as the visitor reads a moment of the coming week: the weekday and the time, in their own
/// time zone and language (`segunda-feira 09:00`, `Monday 9:00 AM`).
pub fn day_and_time(at: i64, lang: &str) -> String {
    locale_string(at, lang, &[("weekday", "long"), ("hour", "numeric"), ("minute", "2-digit")]).unwrap_or_default()
}

/// `new Date(at).toLocaleString(locale, options)`.
fn locale_string(at: i64, locale: &str, options: &[(&str, &str)]) -> Option<String> {
    let object = js_sys::Object::new();
    for (name, value) in options {
        js_sys::Reflect::set(&object, &(*name).into(), &(*value).into()).ok()?;
    }
    let date = js_sys::Date::new(&JsValue::from_f64(at as f64));
    let method: js_sys::Function = js_sys::Reflect::get(&date, &"toLocaleString".into()).ok()?.dyn_into().ok()?;
    method.call2(&date, &locale.into(), &object).ok()?.as_string()
}
