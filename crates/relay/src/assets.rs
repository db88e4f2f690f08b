//! What the relay serves to browsers besides the API: the embed loader (`/widget.js`), the
//! widget's frame page and its files (`/widget/…`, the Trunk build), and, in demo mode, a host page
//! at `/` that embeds the widget the way a customer's site would.

use std::path::PathBuf;
use std::sync::Arc;

use axum::http::{header, HeaderValue};
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use axum::Router;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::Relay;

const LOADER: &str = include_str!("../../../www/widget.js");
const DEMO_PAGE: &str = include_str!("../../../www/demo.html");

pub fn routes(widget_dir: PathBuf, demo_page: bool) -> Router<Arc<Relay>> {
    let frame = ServeDir::new(widget_dir).append_index_html_on_directories(true);
    let mut router = Router::new()
        .route("/widget.js", get(loader))
        .route("/healthz", get(|| async { "ok" }))
        .nest_service(
            "/widget",
            tower::ServiceBuilder::new()
                .layer(SetResponseHeaderLayer::if_not_present(
                    header::X_CONTENT_TYPE_OPTIONS,
                    HeaderValue::from_static("nosniff"),
                ))
                .service(frame),
        );
    if demo_page {
        router = router.route("/", get(|| async { Html(DEMO_PAGE) }));
    }
    router
}

async fn loader() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            // Short: a new release reaches every site within minutes.
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        LOADER,
    )
}
