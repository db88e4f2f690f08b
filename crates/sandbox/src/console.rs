//! The agent console: one static page over the agent API, for a person playing the agent.

use std::sync::Arc;

use axum::response::Html;
use axum::routing::get;
use axum::Router;

use crate::Sandbox;

const PAGE: &str = include_str!("console.html");

pub fn routes() -> Router<Arc<Sandbox>> {
    Router::new().route("/", get(|| async { Html(PAGE) }))
}
