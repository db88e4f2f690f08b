//! The relay's configuration: one struct, [`Config`], with its two groups of bounds ([`Limits`] on
//! what is kept, [`Admission`] on what one client may do). Every default is defined here, once;
//! the binary reads each setting from a flag or the environment (README: the settings) and takes
//! its default from here.

use std::path::PathBuf;
use std::time::Duration;

/// Everything an operator sets. Unset (`None`) settings are decided at launch: the public URL is
/// `http://LISTEN`, no upstream means the in-process sandbox, secrets are generated.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where the relay listens, e.g. `127.0.0.1:8080`.
    pub listen: String,
    /// The URL browsers and zChat reach the relay at, e.g. `https://chat.example.com`.
    pub public_url: Option<String>,
    /// zChat's base URL (`https://zchat.zenvia.io`) and the account's API token, which never leaves
    /// the relay but towards that URL.
    pub upstream: Option<(String, String)>,
    pub upstream_timeout: Duration,
    /// Where the in-process sandbox listens (ignored with an upstream).
    #[cfg(feature = "sandbox")]
    pub sandbox_listen: String,
    /// The in-process sandbox's account (ignored with an upstream).
    #[cfg(feature = "sandbox")]
    pub sandbox_account: zchat_sandbox::Account,
    /// The secret path segment of the webhook URL.
    pub webhook_secret: Option<String>,
    /// The key of the session credentials.
    pub session_secret: Option<String>,
    /// The key the site's backend signs its customers' keys with (`identity`); none: no
    /// conversation can name a customer.
    pub identity_secret: Option<String>,
    /// Every conversation must come with a valid identity.
    pub identity_required: bool,
    /// Where the widget's release build is (`dist/`).
    pub widget_dir: PathBuf,
    /// Where the demo host site listens; none: no demo site.
    pub demo_listen: Option<String>,
    /// Where `/metrics` is served (never on the public listener); none: nowhere.
    pub metrics_listen: Option<String>,
    /// Host-page origins allowed to frame the widget (`frame-ancestors`); empty: any.
    pub allowed_origins: Vec<String>,
    /// Behind a reverse proxy: take the client's address from the last `X-Forwarded-For` entry.
    pub trust_forwarded_for: bool,
    /// Redis, where several relays share one event log; none: this process's memory (or Sentinel's
    /// primary, below).
    pub redis_url: Option<String>,
    /// Redis Sentinel: the sentinels (`host:port` each) and the name of the primary they watch;
    /// the relay follows that primary through a failover. `redis_url`, if given too, then says
    /// how the primary is reached but for its address (its password, user and database).
    pub redis_sentinels: Option<(Vec<String>, String)>,
    /// How many replicas must have a trigger before zChat is told it is taken (`WAIT`); none: 1
    /// with Sentinel (a primary that dies a moment after answering must not take it with it), 0
    /// with one Redis.
    pub redis_min_replicas: Option<usize>,
    pub limits: Limits,
    /// What one client, interaction or connection may do.
    pub admission: Admission,
    /// Visitors' files: where they are kept, how large, for how long.
    pub uploads: UploadSettings,
}

/// Where the demo host site listens when it is on (by default, with the sandbox).
pub const DEMO_LISTEN: &str = "127.0.0.1:8082";
/// Where the widget's release build is by default (relative to the working directory).
pub const WIDGET_DIR: &str = "dist";
/// Where `/metrics` is served by default.
pub const METRICS_LISTEN: &str = "127.0.0.1:9090";

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: "127.0.0.1:8080".into(),
            public_url: None,
            upstream: None,
            upstream_timeout: Duration::from_secs(10),
            #[cfg(feature = "sandbox")]
            sandbox_listen: "127.0.0.1:8081".into(),
            #[cfg(feature = "sandbox")]
            sandbox_account: zchat_sandbox::Account::default(),
            webhook_secret: None,
            session_secret: None,
            identity_secret: None,
            identity_required: false,
            widget_dir: WIDGET_DIR.into(),
            demo_listen: None,
            metrics_listen: Some(METRICS_LISTEN.into()),
            allowed_origins: Vec::new(),
            trust_forwarded_for: false,
            redis_url: None,
            redis_sentinels: None,
            redis_min_replicas: None,
            limits: Limits::default(),
            admission: Admission::default(),
            uploads: UploadSettings::default(),
        }
    }
}

impl Config {
    /// Where the relay keeps what relays share, if in Redis: Sentinel's primary, else
    /// `redis_url`'s; and how many replicas a trigger must be on.
    pub fn redis(&self) -> Option<(crate::redis_link::Primary, usize)> {
        use crate::redis_link::Primary;
        match (&self.redis_sentinels, &self.redis_url) {
            (Some((sentinels, name)), _) => {
                let template = self.redis_url.clone();
                Some((Primary::Sentinel { sentinels: sentinels.clone(), name: name.clone(), template }, self.redis_min_replicas.unwrap_or(1)))
            }
            (None, Some(url)) => Some((Primary::Url(url.clone()), self.redis_min_replicas.unwrap_or(0))),
            (None, None) => None,
        }
    }

    /// Everything on free loopback ports with the sandbox: what tests start.
    pub fn for_tests(widget_dir: PathBuf) -> Self {
        Config {
            listen: "127.0.0.1:0".into(),
            #[cfg(feature = "sandbox")]
            sandbox_listen: "127.0.0.1:0".into(),
            widget_dir,
            demo_listen: Some("127.0.0.1:0".into()),
            metrics_listen: Some("127.0.0.1:0".into()),
            // One test client plays many visitors from one address.
            admission: Admission { creates_per_minute: 1_000, requests_per_minute: 100_000, connections_per_address: 10_000, ..Admission::default() },
            // Each test relay its own folder (several relays share one only when told to).
            uploads: UploadSettings {
                dir: std::env::temp_dir().join(format!("zchat-uploads-{}", crate::random_secret())),
                ..UploadSettings::default()
            },
            ..Config::default()
        }
    }
}

/// How much the log may hold, and for how long.
#[derive(Debug, Clone)]
pub struct Limits {
    pub max_interactions: usize,
    pub max_events: usize,
    /// Bytes of events one interaction's log keeps (its oldest go first).
    pub max_interaction_bytes: usize,
    /// Bytes of events all logs keep together (whole logs go, in eviction order).
    pub max_bytes: usize,
    /// Triggers held, over all interactions not yet opened.
    pub max_held: usize,
    /// Bytes of triggers held, over all interactions not yet opened.
    pub max_held_bytes: usize,
    /// How long a trigger for an interaction not yet opened waits for its create answer.
    pub hold: Duration,
    pub finished_ttl: Duration,
    pub idle_ttl: Duration,
    /// `Idempotency-Key`s remembered (their first answers), by count and by bytes.
    pub max_idempotency_keys: usize,
    pub max_idempotency_bytes: usize,
    /// How long one SSE stream lasts before the relay ends it (the browser reconnects with
    /// `Last-Event-ID` and misses nothing), so that load balancers can spread long-lived streams.
    pub stream_max: Option<Duration>,
    /// How often a quiet stream says it is alive (a comment), below every proxy's idle timeout.
    pub heartbeat: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_interactions: 10_000,
            max_events: 2_000,
            max_interaction_bytes: 1024 * 1024,
            max_bytes: 256 * 1024 * 1024,
            max_held: 1_000,
            max_held_bytes: 8 * 1024 * 1024,
            hold: Duration::from_secs(30),
            finished_ttl: Duration::from_secs(3600),
            idle_ttl: Duration::from_secs(24 * 3600),
            max_idempotency_keys: 100_000,
            max_idempotency_bytes: 32 * 1024 * 1024,
            stream_max: None,
            heartbeat: Duration::from_secs(15),
        }
    }
}

/// Visitors' files (README: the settings).
#[derive(Debug, Clone)]
pub struct UploadSettings {
    /// The folder files are kept in (when `url` is unset).
    pub dir: PathBuf,
    /// S3-compatible object storage instead, as `s3://bucket/prefix` (shared by several relays).
    pub url: Option<String>,
    /// Where that storage is and the keys to it.
    pub s3: S3Settings,
    /// The largest file, in bytes.
    pub max_bytes: u64,
    /// Bytes one conversation may upload in all.
    pub quota_bytes: u64,
    /// How long a file is kept (and served) after its upload.
    pub retention: Duration,
    /// Where a file waits while it arrives, before its kind is known and it is stored.
    pub spool_dir: PathBuf,
}

/// S3-compatible storage's endpoint and keys: the usual `AWS_*` settings (README).
#[derive(Debug, Clone, Default)]
pub struct S3Settings {
    /// e.g. `https://s3.eu-west-1.amazonaws.com` or a self-hosted store; none: AWS's for the region.
    pub endpoint: Option<String>,
    pub region: Option<String>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    /// Allow a plain-HTTP endpoint (a store on the same host or network).
    pub allow_http: bool,
    /// `bucket.endpoint/key` addresses instead of `endpoint/bucket/key`.
    pub virtual_hosted: bool,
}

/// Where uploads are kept by default (relative to the working directory).
pub const UPLOAD_DIR: &str = "uploads";

impl Default for UploadSettings {
    fn default() -> Self {
        UploadSettings {
            dir: UPLOAD_DIR.into(),
            url: None,
            s3: S3Settings::default(),
            max_bytes: 10 * 1024 * 1024,
            quota_bytes: 50 * 1024 * 1024,
            retention: Duration::from_secs(30 * 86_400),
            spool_dir: std::env::temp_dir(),
        }
    }
}

/// What one client address, interaction or connection may do (README: the settings).
#[derive(Debug, Clone)]
pub struct Admission {
    /// New interactions one client address may start per minute.
    pub creates_per_minute: u32,
    /// API calls and stream opens one client address may make per minute.
    pub requests_per_minute: u32,
    /// API calls and stream opens on one interaction per minute.
    pub interaction_requests_per_minute: u32,
    /// Open connections per client address (not enforced behind a trusted proxy: every peer is it).
    pub connections_per_address: usize,
    /// Open event streams per client address.
    pub streams_per_address: usize,
    /// Open event streams per interaction (a visitor's tabs).
    pub streams_per_interaction: usize,
    /// How long a client has to send a request's head.
    pub header_timeout: Duration,
}

impl Default for Admission {
    fn default() -> Self {
        Admission {
            creates_per_minute: 10,
            requests_per_minute: 1_200,
            interaction_requests_per_minute: 300,
            connections_per_address: 256,
            streams_per_address: 64,
            streams_per_interaction: 16,
            header_timeout: Duration::from_secs(10),
        }
    }
}

/// What launch decided where the [`Config`] left it open: the zChat the relay talks to (the
/// configured one or the in-process sandbox), the URL it is reached at, and the secrets in force.
#[derive(Debug, Clone)]
pub struct Wiring {
    pub upstream_base: String,
    pub upstream_token: String,
    /// Without a trailing slash.
    pub public_url: String,
    pub webhook_secret: String,
    pub session_secret: Vec<u8>,
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
