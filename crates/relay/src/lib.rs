//! The relay: the one server a site operator deploys (DESIGN.md, "The relay's public contract").
//!
//! - [`mirror`]: the ClientApi V1 mirror; the account token stays here.
//! - [`session`]: per-interaction session credentials (HMAC of the hash).
//! - [`upstream`]: the calls to zChat, with timeouts and typed errors.
//! - [`webhook`]: zChat's triggers in, into [`events`].
//! - [`events`]: the ordered, bounded event log of every interaction, with replay and fan-out.
//! - [`stream`]: the SSE stream of one interaction's log.
//! - [`history`]: the signed external-history endpoint of earlier conversations.
//! - [`assets`]: the embed loader, the widget's frame and files.
//! - [`demo`]: the demo host site (a friendly and a hostile page) on its own origin.
//! - [`metrics`]: `/metrics` and the request log (route templates only: no secret is logged).
//! - [`launch`]: starts the relay (and, without an upstream, the sandbox in-process) on listeners.
//!
//! Nothing here reads the environment or the clock's wall time for decisions, but for event-log
//! epochs and message times; configuration comes in through [`Config`].

pub mod assets;
pub mod demo;
pub mod events;
pub mod history;
pub mod idempotency;
pub mod launch;
pub mod metrics;
pub mod mirror;
pub mod session;
pub mod shared;
pub mod store;
pub mod stream;
pub mod upstream;
pub mod webhook;

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderMap, HeaderValue};
use tower_http::set_header::SetResponseHeaderLayer;
use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::watch;
use zchat_types::ApiError;

pub use events::{EventLog, Limits};
pub use store::Store;

/// The largest request body accepted (API calls and webhooks are a few hundred bytes).
const BODY_LIMIT: usize = 64 * 1024;
/// How long an `Idempotency-Key`'s first answer is kept.
const IDEMPOTENCY_TTL: Duration = Duration::from_secs(24 * 3600);

/// Everything the relay needs to run.
#[derive(Clone)]
pub struct Config {
    /// zChat's base URL, e.g. `https://zchat.zenvia.io`.
    pub upstream_base: String,
    /// The account's API token; it never leaves the relay but towards `upstream_base`.
    pub upstream_token: String,
    pub upstream_timeout: Duration,
    /// The secret path segment of the webhook URL.
    pub webhook_secret: String,
    /// The key of the session credentials.
    pub session_secret: Vec<u8>,
    /// The URL browsers reach the relay at, e.g. `https://chat.example.com`.
    pub public_url: String,
    /// Where the Trunk build of the widget is (`dist/`).
    pub widget_dir: PathBuf,
    /// Host-page origins allowed to frame the widget (`frame-ancestors`); empty: any.
    pub allowed_origins: Vec<String>,
    pub limits: Limits,
    /// New interactions one client address may start per minute.
    pub creates_per_minute: u32,
    /// Behind a reverse proxy: take the client's address from the last `X-Forwarded-For` entry.
    pub trust_forwarded_for: bool,
    /// Redis, where several relays share one event log; none: this process's memory.
    pub redis_url: Option<String>,
}

/// The relay's shared state, given to every handler.
pub struct Relay {
    upstream: upstream::Upstream,
    sessions: session::Sessions,
    log: Store,
    webhook_secret: String,
    /// The relay's own origin (`scheme://host[:port]`): the widget's frame is served from it.
    origin: String,
    /// The URL browsers and zChat reach the relay at, without a trailing slash.
    public_url: String,
    /// Becomes `true` when the relay stops, which ends every stream.
    shutdown: watch::Receiver<bool>,
    /// How long one stream lasts at most (see [`Limits::stream_max`]).
    stream_max: Option<Duration>,
    idempotency: idempotency::Idempotency,
    metrics: metrics::Metrics,
    create_rate: governor::DefaultKeyedRateLimiter<std::net::IpAddr>,
    trust_forwarded_for: bool,
}

impl Relay {
    /// A browser (which always sends `Origin` on these calls) may only call from the relay's own
    /// origin, where the widget's frame lives. Callers without `Origin` are not browsers.
    fn check_origin(&self, headers: &HeaderMap) -> Result<(), ApiError> {
        match mirror::origin(headers) {
            Some(origin) if origin != self.origin => {
                Err(ApiError::new(403, "The chat API is only available to the widget"))
            }
            _ => Ok(()),
        }
    }

    /// 429 when `client` started too many interactions lately.
    fn check_create_rate(&self, client: std::net::IpAddr) -> Result<(), ApiError> {
        // The limiter keeps a cell per address: drop the ones whose budget is full again.
        if self.create_rate.len() > 10_000 {
            self.create_rate.retain_recent();
        }
        self.create_rate.check_key(&client).map_err(|_| {
            ApiError::new(429, "Too many new conversations from this address; try again in a minute")
        })
    }
}

/// The relay's routes over a fresh state.
pub fn app(config: &Config, log: Store, shutdown: watch::Receiver<bool>) -> Router {
    // With the shared log, Idempotency-Keys are shared too: a retry may reach another relay.
    let idempotency = match &log {
        Store::Shared(shared) => idempotency::Idempotency::shared(IDEMPOTENCY_TTL, config.limits.max_idempotency_keys, Arc::clone(shared)),
        Store::Memory(_) => idempotency::Idempotency::new(IDEMPOTENCY_TTL, config.limits.max_idempotency_keys),
    };
    let relay = Arc::new(Relay {
        upstream: upstream::Upstream::new(&config.upstream_base, config.upstream_token.clone(), config.upstream_timeout),
        sessions: session::Sessions::new(config.session_secret.clone()),
        log,
        webhook_secret: config.webhook_secret.clone(),
        origin: origin_of(&config.public_url),
        public_url: config.public_url.trim_end_matches('/').to_string(),
        shutdown,
        stream_max: config.limits.stream_max,
        metrics: metrics::Metrics::default(),
        idempotency,
        create_rate: governor::RateLimiter::keyed(governor::Quota::per_minute(
            std::num::NonZeroU32::new(config.creates_per_minute.max(1)).expect("at least one"),
        )),
        trust_forwarded_for: config.trust_forwarded_for,
    });
    Router::new()
        .merge(mirror::routes())
        .merge(stream::routes())
        .merge(webhook::routes())
        .merge(history::routes())
        .merge(assets::routes(config.widget_dir.clone(), &config.allowed_origins))
        .route("/metrics", axum::routing::get(metrics::render))
        .route_layer(axum::middleware::from_fn_with_state(Arc::clone(&relay), metrics::observe))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        // On every answer: no referrer leaks the visitor's page; no type sniffing.
        .layer(SetResponseHeaderLayer::if_not_present(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .with_state(relay)
}

/// Serves the relay on `listener` until `shutdown` completes; open streams end at once then.
pub async fn serve(listener: TcpListener, config: Config, shutdown: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
    let (stop, stopping) = watch::channel(false);
    let log = match &config.redis_url {
        Some(url) => Store::Shared(shared::SharedLog::start(url, config.limits.clone(), stopping.clone()).map_err(std::io::Error::other)?),
        None => Store::Memory(EventLog::new(config.limits.clone())),
    };
    tokio::spawn(sweep(log.clone(), stopping.clone()));
    let router = app(&config, log, stopping.clone());
    tokio::spawn(async move {
        shutdown.await;
        let _ = stop.send(true);
    });
    let mut stopped = stopping;
    axum::serve(listener, router.into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(async move {
            let _ = stopped.wait_for(|stopping| *stopping).await;
        })
        .await
}

/// Expires held triggers and old logs every few seconds.
async fn sweep(log: Store, mut stopping: watch::Receiver<bool>) {
    let mut every = tokio::time::interval(Duration::from_secs(5));
    loop {
        tokio::select! {
            _ = every.tick() => log.sweep(std::time::Instant::now()),
            _ = stopping.wait_for(|stopping| *stopping) => return,
        }
    }
}

/// Checks a configured host-page origin: `scheme://host[:port]`, nothing more.
pub fn check_origin_setting(origin: &str) -> Result<String, String> {
    let trimmed = origin.trim().trim_end_matches('/');
    let valid = (trimmed.starts_with("https://") || trimmed.starts_with("http://"))
        && origin_of(trimmed) == trimmed
        && !trimmed.contains(char::is_whitespace)
        && trimmed.split("://").nth(1).is_some_and(|host| !host.is_empty());
    if valid {
        Ok(trimmed.to_string())
    } else {
        Err(format!("{origin:?} is not an origin like https://shop.example.com"))
    }
}

/// `scheme://host[:port]` of a URL (what browsers send as `Origin`).
pub fn origin_of(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("http", url));
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    format!("{scheme}://{host}")
}

pub(crate) fn unix_millis() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

pub(crate) fn random_u16() -> u16 {
    let mut bytes = [0u8; 2];
    getrandom::fill(&mut bytes).expect("the OS random source");
    u16::from_le_bytes(bytes)
}

/// A random secret of 32 bytes as 64 hex digits.
pub fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the OS random source");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
