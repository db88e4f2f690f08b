//! The demo host site, on its own listener and origin (`http://localhost:PORT` while the relay is
//! `http://127.0.0.1:PORT`: another site, as a customer's shop is): the friendly page `/`, and
//! `/hostile`, built to break embedded widgets (aggressive global CSS, the highest z-index, and a
//! strict Content-Security-Policy without `'unsafe-inline'` or `'wasm-unsafe-eval'`). Both embed
//! the widget with the README's snippet; only with the in-process sandbox, never in production.

use std::future::Future;

use axum::extract::Query;
use axum::http::{header, HeaderValue};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tokio::net::TcpListener;

const FRIENDLY: &str = include_str!("../../../www/demo/index.html");
const HOSTILE: &str = include_str!("../../../www/demo/hostile.html");
const HOSTILE_CSS: &str = include_str!("../../../www/demo/hostile.css");
const SCRIPT: &str = include_str!("../../../www/demo/demo.js");
const PRODUCT: &str = include_str!("../../../www/demo/product.svg");

/// The demo site's router; `relay` is the relay's public URL the pages load the widget from;
/// with `identity_secret`, `/sign?customer_key=K` plays the shop's backend that signs its signed-in
/// customer (README, "Verified customers").
pub fn routes(relay: &str, identity_secret: Option<String>) -> Router {
    let friendly = FRIENDLY.replace("{{RELAY}}", relay);
    let hostile = HOSTILE.replace("{{RELAY}}", relay);
    // Only what the page needs from the relay: its loader script and its frame. No inline script or
    // style, no wasm on the page itself (the widget's wasm runs in the relay's frame).
    let policy = format!(
        "default-src 'none'; script-src 'self' {relay}; style-src 'self'; frame-src {relay}; img-src 'self'; \
         connect-src 'self'; base-uri 'none'; form-action 'none'"
    );
    Router::new()
        // `/?preload=idle|intent|files`: that `data-preload` (the budget test's cases).
        .route(
            "/",
            get(move |query: Query<Preload>| {
                let page = match (query.preload.as_deref(), query.widget.as_deref()) {
                    // `/?widget=none`: the page without the widget, the budget test's baseline.
                    (_, Some("none")) => {
                        friendly.replace("/widget.js\" data-department=\"1\" data-title", "/no-widget.js\" data-department=\"1\" data-title")
                    }
                    (Some(preload @ ("files" | "idle" | "intent")), _) => {
                        friendly.replace("data-department=\"1\" data-title", &format!("data-department=\"1\" data-preload=\"{preload}\" data-title"))
                    }
                    // `/?consent=required`: a page whose consent banner has not answered yet.
                    _ if query.consent.as_deref() == Some("required") => {
                        friendly.replace("data-department=\"1\" data-title", "data-department=\"1\" data-consent=\"required\" data-title")
                    }
                    _ => friendly.clone(),
                };
                let page = match query.lang.as_deref().filter(|lang| lang.len() <= 10 && lang.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
                {
                    Some(lang) => page.replace("data-department=\"1\" data-title", &format!("data-department=\"1\" data-lang=\"{lang}\" data-title")),
                    None => page,
                };
                // `/?hours=mon-fri 09:00-18:00&timezone=America/Sao_Paulo`: business hours;
                // `/?theme=dark&color=%23ffdd00`: a theme and a colour;
                // `/?department=2`: the demo account's department with nobody online.
                let setting = |name: &str, value: Option<&str>| {
                    let safe = value.filter(|v| v.len() <= 200 && v.bytes().all(|b| b.is_ascii_alphanumeric() || b" :;,-_/+#".contains(&b)));
                    safe.map(|value| format!(" data-{name}=\"{value}\""))
                };
                let extra: String = [
                    setting("hours", query.hours.as_deref()),
                    setting("timezone", query.timezone.as_deref()),
                    setting("theme", query.theme.as_deref()),
                    setting("color", query.color.as_deref()),
                ]
                .into_iter()
                .flatten()
                .collect();
                let department = setting("department", query.department.as_deref()).unwrap_or(" data-department=\"1\"".into());
                let page = page.replace(" data-department=\"1\" data-", &[&department, &extra, " data-"].concat());
                // `/?viewport=none`: an older shop's page, with no viewport meta tag; `cover`: a
                // page drawn under a phone's notch and home bar (`viewport-fit=cover`).
                let page = match query.viewport.as_deref() {
                    Some("none") => page.replace(VIEWPORT_META, ""),
                    Some("cover") => page.replace(VIEWPORT_META, &VIEWPORT_META.replace("initial-scale=1", "initial-scale=1, viewport-fit=cover")),
                    _ => page,
                };
                async move { Html(page) }
            }),
        )
        .route(
            "/hostile",
            get(move || {
                let (hostile, policy) = (hostile.clone(), policy.clone());
                async move {
                    let mut response = Html(hostile).into_response();
                    if let Ok(policy) = HeaderValue::from_str(&policy) {
                        response.headers_mut().insert(header::CONTENT_SECURITY_POLICY, policy);
                    }
                    response
                }
            }),
        )
        .route("/hostile.css", get(|| async { file("text/css; charset=utf-8", HOSTILE_CSS) }))
        .route("/demo.js", get(|| async { file("text/javascript; charset=utf-8", SCRIPT) }))
        // A product's picture, which an agent may send (the journeys' and the screenshots' image).
        .route("/product.svg", get(|| async { file("image/svg+xml", PRODUCT) }))
        .route(
            "/sign-history",
            // A bot's transcript, signed as the shop's backend would (README, "Bot handoff").
            axum::routing::post({
                let identity_secret = identity_secret.clone();
                move |messages: String| async move {
                    match identity_secret.as_deref() {
                        Some(secret) => {
                            let signature = crate::identity::sign(secret.as_bytes(), &messages);
                            axum::Json(serde_json::json!({"messages": messages, "signature": signature})).into_response()
                        }
                        None => crate::error::RelayError::not_found("This relay verifies no histories").into_response(),
                    }
                }
            }),
        )
        .route(
            "/sign",
            get(move |query: Query<Customer>| {
                let signature = identity_secret.as_deref().map(|secret| crate::identity::sign(secret.as_bytes(), &query.customer_key));
                async move {
                    match signature {
                        Some(signature) => {
                            axum::Json(serde_json::json!({"customer_key": query.customer_key, "signature": signature})).into_response()
                        }
                        None => crate::error::RelayError::not_found("This relay verifies no identities").into_response(),
                    }
                }
            }),
        )
}

/// The friendly page's viewport meta tag, which `/?viewport=none` leaves out.
const VIEWPORT_META: &str = r#"<meta name="viewport" content="width=device-width, initial-scale=1">"#;

#[derive(serde::Deserialize)]
struct Customer {
    customer_key: String,
}

#[derive(serde::Deserialize)]
struct Preload {
    preload: Option<String>,
    widget: Option<String>,
    consent: Option<String>,
    /// `/?lang=pt-BR`: the widget in another language than the browser's.
    lang: Option<String>,
    hours: Option<String>,
    timezone: Option<String>,
    theme: Option<String>,
    color: Option<String>,
    department: Option<String>,
    viewport: Option<String>,
}

fn file(kind: &'static str, body: &'static str) -> Response {
    ([(header::CONTENT_TYPE, kind), (header::CACHE_CONTROL, "no-cache")], body).into_response()
}

/// Serves the demo site on `listener` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    relay: String,
    identity_secret: Option<String>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, routes(&relay, identity_secret)).with_graceful_shutdown(shutdown).await
}
