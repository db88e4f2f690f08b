//! The relay: the one server a site operator deploys (docs/design.md, "The relay's public contract").
//!
//! - [`mirror`]: the ClientApi V1 mirror; the account token stays here.
//! - [`caller`]: who may call the relay (the widget's frame, an interaction's visitor), as the
//!   extractors every route that needs them takes.
//! - [`error`]: the relay's one error, in the reference's shape, logged once.
//! - [`session`]: per-interaction session credentials (HMAC of the hash) and the signed history URL.
//! - [`hash`]: an interaction hash, checked once where it comes in.
//! - [`upstream`]: the calls to zChat, with timeouts and typed errors.
//! - [`webhook`]: zChat's triggers in, into the [`log`].
//! - [`log`]: the ordered, bounded event log of every interaction, with replay and fan-out, in
//!   memory or on Redis under one set of rules.
//! - [`redis_link`]: the one link to Redis (the shared log and `Idempotency-Key`s), and Redis
//!   being away as one 503.
//! - [`idempotency`]: `Idempotency-Key` on create and send.
//! - [`identity`]: verified customers (a signature by the site's backend).
//! - [`stream`]: the SSE stream of one interaction's log.
//! - [`uploads`]: visitors' files: upload, kinds, metadata, addresses, quota and storage.
//! - [`history`]: the signed external-history endpoint of earlier conversations.
//! - [`handoff`]: bots' transcripts handed to the agents, kept until zChat fetches them.
//! - [`assets`]: the embed loader, the widget's frame and files.
//! - [`demo`]: the demo host site (a friendly and a hostile page) on its own origin.
//! - [`metrics`]: `/metrics` (on a listener of its own) and the request log (route templates
//!   only: no secret is logged).
//! - [`admission`]: rate limits and open-connection and stream caps per address and interaction.
//! - [`listener`]: the accept loop (request-head time limit, connections per address).
//! - [`refusal`]: every refusal in the reference's `{"message", "status"}` shape.
//! - [`config`]: the one configuration struct and every default.
//! - [`check`]: `zchat-relay --check`, the configuration and environment checked without serving.
//! - [`launch`]: starts the relay (and, without an upstream, the sandbox in-process) on listeners.
//!
//! Nothing here reads the environment or the clock's wall time for decisions, but for event-log
//! epochs and message times; configuration comes in through [`Config`].

mod admission;
pub mod allocator;
mod assets;
mod caller;
pub mod check;
pub mod config;
mod demo;
mod error;
mod handoff;
mod hash;
mod history;
mod hours;
mod idempotency;
mod identity;
pub mod launch;
mod listener;
pub mod log;
mod metrics;
mod mirror;
mod redis_link;
mod refusal;
mod session;
mod stream;
pub mod uploads;
mod upstream;
mod webhook;

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use admission::{Budget, ClientAddress, Slot, Slots};
use axum::extract::{ConnectInfo, DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use axum::Router;
pub use config::{check_origin_setting, origin_of, Admission, Config, Limits, S3Settings, UploadSettings, Wiring};
use error::RelayError;
pub use log::Store;
pub use redis_link::{Backing, RedisLink, Unavailable};
pub use session::Sessions;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower_http::set_header::SetResponseHeaderLayer;

/// The largest request body accepted (API calls and webhooks are a few hundred bytes).
pub const BODY_LIMIT: usize = 64 * 1024;
/// How long an `Idempotency-Key`'s first answer is kept.
const IDEMPOTENCY_TTL: Duration = Duration::from_secs(24 * 3600);

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
    /// How often a quiet stream says it is alive (see [`Limits::heartbeat`]).
    heartbeat: Duration,
    idempotency: idempotency::Idempotency,
    /// Bots' transcripts handed to the agents, until zChat fetches them.
    handoffs: handoff::Handoffs,
    identities: identity::Identities,
    metrics: metrics::Metrics,
    creates: Budget<IpAddr>,
    requests: Budget<IpAddr>,
    interaction_requests: Budget<String>,
    streams_by_address: Slots<IpAddr>,
    streams_by_interaction: Slots<String>,
    trust_forwarded_for: bool,
    /// Webhook shapes already logged.
    shapes: webhook::Shapes,
    uploads: uploads::Uploads,
    /// How long an idle conversation's state is kept (its upload quota too).
    idle_ttl: Duration,
}

impl Relay {
    /// The relay, keeping what relays share (its event log, the `Idempotency-Key`s' answers, the
    /// upload quotas) on `backing`, every one of them the same way.
    pub fn new(config: &Config, wiring: &Wiring, backing: &Backing, shutdown: watch::Receiver<bool>) -> std::io::Result<Arc<Relay>> {
        let admission = &config.admission;
        let kept = idempotency::Kept { ttl: IDEMPOTENCY_TTL, keys: config.limits.max_idempotency_keys, bytes: config.limits.max_idempotency_bytes };
        let uploads = uploads::Uploads::open(&config.uploads, backing, config.limits.max_interactions).map_err(std::io::Error::other)?;
        let idempotency = idempotency::Idempotency::new(kept, backing);
        let log = Store::new(backing, config.limits.clone(), shutdown.clone());
        let metrics = metrics::Metrics::new(&log);
        Ok(Arc::new(Relay {
            upstream: upstream::Upstream::new(&wiring.upstream_base, wiring.upstream_token.clone(), config.upstream_timeout),
            sessions: session::Sessions::new(wiring.session_secret.clone()),
            log,
            webhook_secret: wiring.webhook_secret.clone(),
            origin: origin_of(&wiring.public_url),
            public_url: wiring.public_url.trim_end_matches('/').to_string(),
            shutdown,
            stream_max: config.limits.stream_max,
            heartbeat: config.limits.heartbeat,
            metrics,
            idempotency,
            handoffs: handoff::Handoffs::new(backing),
            identities: identity::Identities::new(config.identity_secret.clone().map(String::into_bytes), config.identity_required),
            creates: Budget::per_minute(admission.creates_per_minute, "new conversations from this address"),
            requests: Budget::per_minute(admission.requests_per_minute, "requests from this address"),
            interaction_requests: Budget::per_minute(admission.interaction_requests_per_minute, "requests for this conversation"),
            streams_by_address: Slots::new(admission.streams_per_address),
            streams_by_interaction: Slots::new(admission.streams_per_interaction),
            trust_forwarded_for: config.trust_forwarded_for,
            shapes: webhook::Shapes::default(),
            uploads,
            idle_ttl: config.limits.idle_ttl,
        }))
    }

    /// The event log (tests look into the memory one).
    pub fn log(&self) -> &Store {
        &self.log
    }

    /// Places for one more stream of `client` on `hash`, or 429.
    fn stream_slots(&self, ClientAddress(client): ClientAddress, hash: &str) -> Result<(Slot<IpAddr>, Slot<String>), RelayError> {
        let too_many = |what: &str| RelayError::too_many(format!("Too many open event streams {what}; close some"), Duration::from_secs(5));
        let by_address = self.streams_by_address.take(client).ok_or_else(|| too_many("from this address"))?;
        let by_interaction = self.streams_by_interaction.take(hash.to_string()).ok_or_else(|| too_many("for this conversation"))?;
        Ok((by_address, by_interaction))
    }
}

/// Every browser call (API and streams) spends from its client address's budget first, before
/// its body is read.
async fn admit(State(relay): State<Arc<Relay>>, ConnectInfo(peer): ConnectInfo<SocketAddr>, request: Request, next: Next) -> Response {
    use axum::response::IntoResponse;
    let ClientAddress(client) = ClientAddress::of(request.headers(), peer, relay.trust_forwarded_for);
    match relay.requests.take(&client) {
        Ok(()) => next.run(request).await,
        Err(refusal) => refusal.into_response(),
    }
}

/// The relay's public routes over `relay`.
pub fn app(relay: Arc<Relay>, config: &Config) -> Router {
    let browser_api = Router::new()
        .merge(mirror::routes())
        .merge(stream::routes())
        .merge(uploads::routes())
        .merge(hours::routes())
        .route_layer(axum::middleware::from_fn_with_state(Arc::clone(&relay), admit));
    Router::new()
        .merge(browser_api)
        .merge(webhook::routes())
        .merge(history::routes())
        .merge(uploads::file_routes())
        .merge(assets::routes(config.widget_dir.clone(), &config.allowed_origins, config.uploads.max_bytes))
        .fallback(refusal::not_found)
        .method_not_allowed_fallback(refusal::method_not_allowed)
        .route_layer(metrics::ObserveLayer(Arc::clone(&relay)))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(refusal::after_panic))
        // Every refusal in the reference's shape, whoever made it (axum's extractors, files).
        .layer(refusal::InReferenceShape)
        // On every answer: no referrer leaks the visitor's page; no type sniffing.
        .layer(SetResponseHeaderLayer::if_not_present(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .with_state(relay)
}

/// `/metrics`, for a listener of its own (never the public one).
pub fn metrics_app(relay: Arc<Relay>) -> Router {
    Router::new().route("/metrics", axum::routing::get(metrics::render)).fallback(refusal::not_found).with_state(relay)
}

/// Serves the relay on `listener` (and `/metrics` on `metrics`, if given) until `shutdown`
/// completes; open streams end at once then.
pub async fn serve(
    listener: TcpListener,
    metrics: Option<TcpListener>,
    config: Config,
    wiring: Wiring,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (stop, stopping) = watch::channel(false);
    let backing = match config.redis() {
        Some((primary, min_replicas)) => Backing::Redis(RedisLink::start(primary, min_replicas, stopping.clone()).map_err(std::io::Error::other)?),
        None => Backing::Memory,
    };
    let relay = Relay::new(&config, &wiring, &backing, stopping.clone())?;
    tokio::spawn(sweep(relay.log.clone(), stopping.clone()));
    tokio::spawn(uploads::sweep(Arc::clone(&relay), stopping.clone()));
    let limits = listener::ConnectionLimits {
        header_timeout: config.admission.header_timeout,
        per_address: (!config.trust_forwarded_for).then_some(config.admission.connections_per_address),
    };
    if let Some(metrics) = metrics {
        let (router, refused) = (metrics_app(Arc::clone(&relay)), relay.metrics.connections_refused.clone());
        let limits = listener::ConnectionLimits { per_address: None, ..limits.clone() };
        tokio::spawn(listener::serve(metrics, router, limits, refused, stopping.clone()));
    }
    let refused = relay.metrics.connections_refused.clone();
    let router = app(relay, &config);
    tokio::spawn(async move {
        shutdown.await;
        let _ = stop.send(true);
    });
    listener::serve(listener, router, limits, refused, stopping).await
}

/// Expires held triggers and old logs every few seconds.
async fn sweep(log: Store, mut stopping: watch::Receiver<bool>) {
    let mut every = tokio::time::interval(Duration::from_secs(5));
    loop {
        tokio::select! {
            _ = every.tick() => {}
            _ = stopping.wait_for(|stopping| *stopping) => return,
        }
        log.sweep(std::time::Instant::now()).await;
    }
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
    hex(&bytes)
}

/// Bytes as lowercase hex digits (secrets, digests, signatures: one spelling everywhere).
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
