//! Time, from the browser: the clock the core is given, and the waits of the timers it asks for.

use std::time::Duration;

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
