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
    locale_string(at, "toLocaleString", &lang.into(), &[("weekday", "long"), ("hour", "numeric"), ("minute", "2-digit")]).unwrap_or_default()
}

/// A message's time as the visitor's browser writes times (`14:05`, `2:05 PM`): in the browser's
/// language, else the widget's, else the browser's default. A browser's language is input like
/// any other: `C`, `en_US`, an empty or a 100-letter tag is refused by `Intl` (a `RangeError`),
/// which is caught here, never thrown into a render.
pub fn time_of(at: u64) -> String {
    time_in(at, web_sys::window().and_then(|w| w.navigator().language()))
}

/// [`time_of`] for a browser whose language is `browser`.
pub fn time_in(at: u64, browser: Option<String>) -> String {
    let widget =
        web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()).map(|root| root.get_attribute("lang").unwrap_or_default());
    let options = [("hour", "2-digit"), ("minute", "2-digit")];
    [browser, widget]
        .into_iter()
        .flatten()
        .map(JsValue::from)
        .chain([JsValue::UNDEFINED])
        .find_map(|locale| locale_string(at as i64, "toLocaleTimeString", &locale, &options))
        .unwrap_or_default()
}

/// The date of a day the transcript names (`segunda-feira, 7 de dezembro`), in the widget's
/// language.
pub fn date_of(at: u64, lang: &str) -> String {
    locale_string(at as i64, "toLocaleDateString", &lang.into(), &[("weekday", "long"), ("day", "numeric"), ("month", "long")]).unwrap_or_default()
}

/// The day number of `at` in the visitor's time zone (days since the epoch, counted from their
/// midnights): the transcript's calendar (`crate::core::layout`).
pub fn local_day(at: u64) -> i64 {
    let offset_ms = js_sys::Date::new(&JsValue::from_f64(at as f64)).get_timezone_offset() * 60_000.0;
    ((at as f64 - offset_ms) / 86_400_000.0).floor() as i64
}

/// `new Date(at)[method](locale, options)`, or nothing where the browser refuses the locale.
fn locale_string(at: i64, method: &str, locale: &JsValue, options: &[(&str, &str)]) -> Option<String> {
    let object = js_sys::Object::new();
    for (name, value) in options {
        js_sys::Reflect::set(&object, &(*name).into(), &(*value).into()).ok()?;
    }
    let date = js_sys::Date::new(&JsValue::from_f64(at as f64));
    let method: js_sys::Function = js_sys::Reflect::get(&date, &method.into()).ok()?.dyn_into().ok()?;
    method.call2(&date, locale, &object).ok()?.as_string()
}
