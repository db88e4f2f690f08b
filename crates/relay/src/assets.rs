//! What the relay serves to browsers besides the API: the embed loader (`/widget.js`) and the
//! widget's frame page and its files (`/widget/…`). All come from the Trunk build (`dist/`): the
//! loader there is `www/widget.js` minified by the build's hook, with its brotli and gzip copies.
//!
//! Caching: the loader 5 minutes (a release reaches every site soon); the frame page `no-cache`
//! (it names the current hashed files); the hashed files a year, `immutable`, precompressed
//! (`.br`, `.gz` beside them) for browsers that accept it. The frame page carries a strict
//! Content-Security-Policy whose `frame-ancestors` are the configured host origins.
//!
//! Paths are refused unless canonical (letters, digits, `.`, `_`, `-` in segments that do not
//! start with a dot; no empty segment, no percent-encoding): another spelling of the frame page's
//! path (`//`, `./`, `%69ndex.html`) must never reach the file server and come back without its
//! headers. The frame's CSP goes on every answer under `/widget` all the same.
//!
//! Every `/widget/` answer also says `Origin-Agent-Cluster: ?1`: with the relay on the site's own
//! domain, Chromium then keeps the frame out of the host page's process, so its start does not
//! run on the host page's main thread (BENCHMARKS.md, "The host page's cost").

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use sha2::{Digest, Sha256};
use tower::ServiceExt;
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::error::RelayError;
use crate::Relay;

/// The loader's name in the build, and its address on the relay.
const LOADER: &str = "/widget.js";

/// The frame page as built, with the headers it is served with.
struct FramePage {
    html: Option<String>,
    csp: String,
}

pub fn routes(widget_dir: PathBuf, allowed_origins: &[String], upload_max: u64) -> Router<Arc<Relay>> {
    let page = Arc::new(frame_page(&widget_dir, allowed_origins, upload_max));
    let files = ServeDir::new(&widget_dir).precompressed_br().precompressed_gzip().append_index_html_on_directories(false);
    let frame = {
        let page = Arc::clone(&page);
        move || serve_frame(Arc::clone(&page))
    };
    let loader = {
        let files = files.clone();
        move |request: Request| serve_loader(files.clone(), request)
    };
    let csp = HeaderValue::from_str(&page.csp).expect("the CSP is a header value");
    let file = move |request: Request| serve_file(Arc::clone(&page), files.clone(), request);
    let widget = Router::new()
        .route("/widget/", get(frame))
        .route("/widget/{*file}", get(file))
        .layer(SetResponseHeaderLayer::overriding(header::CONTENT_SECURITY_POLICY, csp))
        .layer(SetResponseHeaderLayer::overriding(header::HeaderName::from_static("origin-agent-cluster"), HeaderValue::from_static("?1")));
    Router::new()
        .route(LOADER, get(loader))
        .route("/healthz", get(|| async { "ok" }))
        .merge(widget)
        // The frame page is made at start-up, not built with copies: compressed on the way out
        // (files already compressed pass as they are).
        .layer(CompressionLayer::new().quality(CompressionLevel::Best))
}

/// `/widget.js`: the minified loader, cached 5 minutes (a release reaches every site soon).
async fn serve_loader(files: ServeDir, request: Request) -> Response {
    let Ok(response) = files.oneshot(request).await;
    if response.status() == StatusCode::NOT_FOUND {
        return RelayError::busy("The widget is not built: run `scripts/build-widget.sh`").into_response();
    }
    let mut response = response.map(axum::body::Body::new);
    if response.status().is_success() {
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=300"));
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/javascript; charset=utf-8"));
    }
    response
}

/// `/widget/{file}`: the frame page by its name, or a hashed file of the build.
async fn serve_file(page: Arc<FramePage>, files: ServeDir, request: Request) -> Response {
    let name = request.uri().path().strip_prefix("/widget").unwrap_or_default().to_string();
    if !canonical(&name) {
        return RelayError::not_found("Not found").into_response();
    }
    if name == "/index.html" {
        return serve_frame(page).await;
    }
    // The loader is not a hashed file: only at its own address, with its own caching.
    if name == LOADER {
        return StatusCode::NOT_FOUND.into_response();
    }
    let (mut parts, body) = request.into_parts();
    parts.uri = name.parse().unwrap_or_default();
    let Ok(mut response) = files.oneshot(Request::from_parts(parts, body)).await;
    if response.status().is_success() {
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable"));
    }
    response.map(axum::body::Body::new)
}

/// The longest segment of a file's path (the build's hashed names are far shorter).
const MAX_SEGMENT: usize = 128;

/// Whether `path` (`/a/b.js`, as received: not percent-decoded) is the one spelling of a file.
fn canonical(path: &str) -> bool {
    let Some(rest) = path.strip_prefix('/') else { return false };
    rest.split('/').all(|segment| {
        (1..=MAX_SEGMENT).contains(&segment.len())
            && !segment.starts_with('.')
            && segment.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    })
}

async fn serve_frame(page: Arc<FramePage>) -> Response {
    let Some(html) = &page.html else {
        return RelayError::busy("The widget is not built: run `scripts/build-widget.sh`").into_response();
    };
    let mut response = Html(html.clone()).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

fn frame_page(widget_dir: &Path, allowed_origins: &[String], upload_max: u64) -> FramePage {
    // The widget checks a visitor's file against the relay's limit before uploading it.
    let meta = format!("<meta name=\"zchat-upload-max\" content=\"{upload_max}\"></head>");
    let html = std::fs::read_to_string(widget_dir.join("index.html")).ok().map(|html| html.replacen("</head>", &meta, 1));
    let scripts = html.as_deref().map(inline_script_hashes).unwrap_or_default();
    let ancestors = if allowed_origins.is_empty() { "*".to_string() } else { allowed_origins.join(" ") };
    // Agent media may come from any http(s) host; the visitor's own files show as `blob:`
    // thumbnails before they are sent; everything else is the relay's own.
    let csp = format!(
        "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'{scripts}; style-src 'self'; \
         connect-src 'self'; img-src 'self' https: http: data: blob:; media-src https: http:; \
         base-uri 'none'; form-action 'none'; frame-ancestors {ancestors}"
    );
    FramePage { html, csp }
}

/// ` 'sha256-…'` for every inline `<script>` of the page (Trunk's module loader).
fn inline_script_hashes(html: &str) -> String {
    let mut hashes = String::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let after = &rest[start..];
        let Some(open_end) = after.find('>') else { break };
        let tag = &after[..open_end];
        let body = &after[open_end + 1..];
        let Some(close) = body.find("</script>") else { break };
        if !tag.contains("src=") {
            let digest = Sha256::digest(&body.as_bytes()[..close]);
            hashes.push_str(&format!(" 'sha256-{}'", STANDARD.encode(digest)));
        }
        rest = &body[close..];
    }
    hashes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_one_spelling_of_a_file_is_canonical() {
        for good in ["/index.html", "/zchat-widget-1a2b.js", "/snippets/x/inline0.js", "/a_b-c.wasm"] {
            assert!(canonical(good), "{good}");
        }
        let long = format!("/{}.js", "a".repeat(MAX_SEGMENT));
        for bad in [
            "",
            "/",
            "//",
            "/./",
            "/.",
            "/..",
            "//index.html",
            "/./index.html",
            "/%69ndex.html",
            "/index.html/",
            "/a//b",
            "/../Cargo.toml",
            "/.hidden",
            "/a\\b",
            "/index.html;x",
            "/a b",
            &long,
        ] {
            assert!(!canonical(bad), "{bad:?}");
        }
    }

    #[test]
    fn inline_scripts_are_hashed_and_external_ones_are_not() {
        let html = r#"<script src="/a.js"></script><script type="module">init()</script>"#;
        let expected = format!(" 'sha256-{}'", STANDARD.encode(Sha256::digest(b"init()")));
        assert_eq!(inline_script_hashes(html), expected);
    }
}
