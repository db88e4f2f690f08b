//! The relay binary: reads the configuration (docs/design.md's environment variables, each overridable
//! by a flag), starts the relay (with the in-process sandbox when `ZCHAT_API_BASE` is unset) and
//! stops on Ctrl-C or SIGTERM.

use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use zchat_relay::config::{Config, DEMO_LISTEN, METRICS_LISTEN, UPLOAD_DIR, WIDGET_DIR};
use zchat_relay::launch::launch;
use zchat_relay::{Admission, Limits, S3Settings, UploadSettings};

#[derive(Parser)]
#[command(about = "zChat widget relay: webhooks in, SSE out, ClientApi V1 mirror, widget hosting")]
struct Args {
    /// Check the configuration and the environment (secrets, public URL, origins, widget build,
    /// Redis, zChat), print each finding, and exit: non-zero on any error. Serves nothing.
    #[arg(long)]
    check: bool,
    /// Ask the relay on this machine whether it serves (`/healthz`), and exit 0 if it does: the
    /// container image's health check, which has no other program to ask. Where: the address in
    /// RELAY_READY_FILE if there is one, else RELAY_LISTEN's port.
    #[arg(long)]
    health: bool,
    /// A file the relay writes its ready line's JSON to once it serves (where it listens, even
    /// when RELAY_LISTEN's port is 0), for `--health` (the image sets it).
    #[arg(long, env = "RELAY_READY_FILE")]
    ready_file: Option<PathBuf>,
    /// zChat's base URL, e.g. https://zchat.zenvia.io. Unset: the built-in sandbox.
    #[arg(long, env = "ZCHAT_API_BASE")]
    api_base: Option<String>,
    /// The account's API token (required with --api-base).
    #[arg(long, env = "ZCHAT_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// The secret path segment of the webhook URL. Unset: generated and logged.
    #[arg(long, env = "ZCHAT_WEBHOOK_SECRET", hide_env_values = true)]
    webhook_secret: Option<String>,
    /// Key of the per-interaction session credentials. Unset: generated (sessions end with the process).
    #[arg(long, env = "RELAY_SESSION_SECRET", hide_env_values = true)]
    session_secret: Option<String>,
    /// The key the site's backend signs customer keys with (hex HMAC-SHA256): verified customers.
    /// Unset: conversations cannot name a customer.
    #[arg(long, env = "RELAY_IDENTITY_SECRET", hide_env_values = true)]
    identity_secret: Option<String>,
    /// Refuse conversations without a valid identity (401).
    #[arg(long, env = "RELAY_IDENTITY_REQUIRED", default_value_t = false)]
    identity_required: bool,
    /// Address to listen on.
    #[arg(long, env = "RELAY_LISTEN", default_value_t = Config::default().listen)]
    listen: String,
    /// The URL browsers and zChat reach the relay at. Unset: http://LISTEN.
    #[arg(long, env = "RELAY_PUBLIC_URL")]
    public_url: Option<String>,
    /// The widget's Trunk build.
    #[arg(long, env = "RELAY_WIDGET_DIR", default_value = WIDGET_DIR)]
    widget_dir: PathBuf,
    /// Where the in-process sandbox listens (without --api-base).
    #[cfg(feature = "sandbox")]
    #[arg(long, env = "RELAY_SANDBOX_LISTEN", default_value_t = Config::default().sandbox_listen)]
    sandbox_listen: String,
    /// The in-process sandbox's account as a JSON file (without --api-base). Unset: the demo account.
    #[cfg(feature = "sandbox")]
    #[arg(long, env = "RELAY_SANDBOX_ACCOUNT")]
    sandbox_account: Option<PathBuf>,
    /// Seconds before a zChat call counts as failed (504).
    #[arg(long, env = "RELAY_UPSTREAM_TIMEOUT", default_value_t = Config::default().upstream_timeout.as_secs())]
    upstream_timeout: u64,
    /// Serve the demo host site (default: on with the sandbox, off with a real zChat).
    #[arg(long, env = "RELAY_DEMO_PAGE")]
    demo_page: Option<bool>,
    /// Where the demo host site listens; open it as http://localhost:PORT (another site than the relay).
    #[arg(long, env = "RELAY_DEMO_LISTEN", default_value = DEMO_LISTEN)]
    demo_listen: String,
    /// Redis, for an event log shared by several relays behind one load balancer
    /// (`redis://127.0.0.1:6379`). Unset: this process's memory.
    #[arg(long, env = "REDIS_URL")]
    redis_url: Option<String>,
    /// Redis Sentinel instead: the sentinels, `host:port,host:port,…` (or `redis://:PASSWORD@host:port`
    /// each, for sentinels that want a password); the relay asks them which Redis is the primary,
    /// and follows a failover without a restart. REDIS_URL, if set too, then gives how the primary
    /// is reached but for its address (its password, user, database).
    #[arg(long, env = "REDIS_SENTINELS", value_delimiter = ',')]
    redis_sentinels: Vec<String>,
    /// The name the sentinels watch the primary under (`sentinel monitor NAME …`).
    #[arg(long, env = "REDIS_SENTINEL_PRIMARY", default_value = "zchat")]
    redis_sentinel_primary: String,
    /// Replicas that must have a trigger before zChat is told it is taken (`WAIT`): 1 by default
    /// with Sentinel, 0 with REDIS_URL. Not enough in time: the webhook answers 503 and zChat
    /// sends it again.
    #[arg(long, env = "RELAY_REDIS_MIN_REPLICAS")]
    redis_min_replicas: Option<usize>,
    /// New conversations one client address (IPv6: its /64) may start per minute (429 past it).
    #[arg(long, env = "RELAY_CREATES_PER_MINUTE", default_value_t = Admission::default().creates_per_minute)]
    creates_per_minute: u32,
    /// API calls and stream opens one client address may make per minute (429 past it).
    #[arg(long, env = "RELAY_REQUESTS_PER_MINUTE", default_value_t = Admission::default().requests_per_minute)]
    requests_per_minute: u32,
    /// API calls and stream opens on one conversation per minute (429 past it).
    #[arg(long, env = "RELAY_INTERACTION_REQUESTS_PER_MINUTE", default_value_t = Admission::default().interaction_requests_per_minute)]
    interaction_requests_per_minute: u32,
    /// Open connections one client address may hold (not enforced with RELAY_TRUST_FORWARDED_FOR).
    #[arg(long, env = "RELAY_CONNECTIONS_PER_ADDRESS", default_value_t = Admission::default().connections_per_address)]
    connections_per_address: usize,
    /// Open event streams one client address may hold (429 past it).
    #[arg(long, env = "RELAY_STREAMS_PER_ADDRESS", default_value_t = Admission::default().streams_per_address)]
    streams_per_address: usize,
    /// Open event streams one conversation may hold (its tabs; 429 past it).
    #[arg(long, env = "RELAY_STREAMS_PER_INTERACTION", default_value_t = Admission::default().streams_per_interaction)]
    streams_per_interaction: usize,
    /// Seconds a client has to send a request's head before its connection is closed.
    #[arg(long, env = "RELAY_HEADER_TIMEOUT_SECONDS", default_value_t = Admission::default().header_timeout.as_secs())]
    header_timeout_seconds: u64,
    /// Where /metrics is served (never on the public listener); `off`: nowhere.
    #[arg(long, env = "RELAY_METRICS_LISTEN", default_value = METRICS_LISTEN)]
    metrics_listen: String,
    /// Behind a reverse proxy: the client address is the last X-Forwarded-For entry.
    #[arg(long, env = "RELAY_TRUST_FORWARDED_FOR", default_value_t = false)]
    trust_forwarded_for: bool,
    /// Host-page origins allowed to embed the widget, comma-separated (https://shop.example.com).
    #[arg(long, env = "RELAY_ALLOWED_ORIGINS", value_delimiter = ',')]
    allowed_origins: Vec<String>,
    /// Minutes an interaction's events are kept after it finished.
    #[arg(long, env = "RELAY_FINISHED_TTL_MINUTES", default_value_t = Limits::default().finished_ttl.as_secs() / 60)]
    finished_ttl_minutes: u64,
    /// The most interactions kept in memory.
    #[arg(long, env = "RELAY_MAX_INTERACTIONS", default_value_t = Limits::default().max_interactions)]
    max_interactions: usize,
    /// Bytes of events kept per interaction in memory (its oldest go first).
    #[arg(long, env = "RELAY_MAX_INTERACTION_BYTES", default_value_t = Limits::default().max_interaction_bytes)]
    max_interaction_bytes: usize,
    /// Bytes of events kept in memory in all (finished, then idle interactions go first).
    #[arg(long, env = "RELAY_MAX_LOG_BYTES", default_value_t = Limits::default().max_bytes)]
    max_log_bytes: usize,
    /// Bytes of triggers held for interactions not yet known.
    #[arg(long, env = "RELAY_MAX_HELD_BYTES", default_value_t = Limits::default().max_held_bytes)]
    max_held_bytes: usize,
    /// Bytes of Idempotency-Key answers kept (the oldest go first).
    #[arg(long, env = "RELAY_IDEMPOTENCY_MAX_BYTES", default_value_t = Limits::default().max_idempotency_bytes)]
    idempotency_max_bytes: usize,
    /// Log lines as `text` or `json` (one object a line; the level filter is RUST_LOG).
    #[arg(long, env = "RELAY_LOG_FORMAT", default_value = "text", value_parser = ["text", "json"])]
    log_format: String,
    /// The most events kept per interaction.
    #[arg(long, env = "RELAY_MAX_EVENTS", default_value_t = Limits::default().max_events)]
    max_events: usize,
    /// Seconds an SSE stream lasts before the relay ends it (the browser resumes it at once, with
    /// nothing lost), so that load balancers can spread streams. Unset: no limit.
    #[arg(long, env = "RELAY_STREAM_MAX_SECONDS")]
    stream_max_seconds: Option<u64>,
    /// Seconds between the heartbeat comments of a quiet SSE stream; below the reverse proxy's
    /// idle timeout (nginx's proxy_read_timeout), or quiet conversations are cut.
    #[arg(long, env = "RELAY_HEARTBEAT_SECONDS", default_value_t = Limits::default().heartbeat.as_secs())]
    heartbeat_seconds: u64,
    /// The folder visitors' files are kept in (one relay; see RELAY_UPLOAD_URL for several).
    #[arg(long, env = "RELAY_UPLOAD_DIR", default_value = UPLOAD_DIR)]
    upload_dir: PathBuf,
    /// S3-compatible storage for visitors' files instead, shared by several relays:
    /// s3://bucket/prefix (its endpoint and keys: the AWS_* settings below).
    #[arg(long, env = "RELAY_UPLOAD_URL")]
    upload_url: Option<String>,
    /// The S3 endpoint (a self-hosted store's URL); unset: AWS's, for the region.
    #[arg(long, env = "AWS_ENDPOINT")]
    aws_endpoint: Option<String>,
    #[arg(long, env = "AWS_REGION")]
    aws_region: Option<String>,
    #[arg(long, env = "AWS_ACCESS_KEY_ID", hide_env_values = true)]
    aws_access_key_id: Option<String>,
    #[arg(long, env = "AWS_SECRET_ACCESS_KEY", hide_env_values = true)]
    aws_secret_access_key: Option<String>,
    /// Allow a plain-HTTP S3 endpoint (a store on the same host or private network).
    #[arg(long, env = "AWS_ALLOW_HTTP", default_value_t = false)]
    aws_allow_http: bool,
    /// Virtual-hosted addresses (bucket.endpoint) instead of path-style (endpoint/bucket).
    #[arg(long, env = "AWS_VIRTUAL_HOSTED_STYLE_REQUEST", default_value_t = false)]
    aws_virtual_hosted_style_request: bool,
    /// The largest file a visitor may send, in bytes.
    #[arg(long, env = "RELAY_UPLOAD_MAX_BYTES", default_value_t = UploadSettings::default().max_bytes)]
    upload_max_bytes: u64,
    /// Bytes of files one conversation may send in all.
    #[arg(long, env = "RELAY_UPLOAD_QUOTA_BYTES", default_value_t = UploadSettings::default().quota_bytes)]
    upload_quota_bytes: u64,
    /// Days a visitor's file is kept and served (then deleted; its address answers 404).
    #[arg(long, env = "RELAY_UPLOAD_RETENTION_DAYS", default_value_t = UploadSettings::default().retention.as_secs() / 86_400)]
    upload_retention_days: u64,
}

fn main() -> Result<(), String> {
    // Before the runtime's threads exist (it may start the relay again, with glibc tuned).
    zchat_relay::allocator::tune();
    tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| format!("no runtime: {e}"))?.block_on(run())
}

async fn run() -> Result<(), String> {
    let args = Args::parse();
    if args.health {
        return health(&args.listen, args.ready_file.as_deref()).await;
    }
    let ready_file = args.ready_file.clone();
    let args_check = args.check;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    if args.log_format == "json" {
        tracing_subscriber::fmt().json().with_env_filter(filter).init();
    } else {
        tracing_subscriber::fmt().with_env_filter(filter).init();
    }
    let upstream = match (args.api_base, args.token) {
        (Some(base), Some(token)) => Some((base, token)),
        (Some(_), None) => return Err("ZCHAT_TOKEN (--token) is required with ZCHAT_API_BASE".into()),
        (None, _) => None,
    };
    if !args.widget_dir.join("index.html").exists() {
        tracing::warn!("no widget build in {}: run `scripts/build-widget.sh` first", args.widget_dir.display());
    }
    let demo_page = args.demo_page.unwrap_or(upstream.is_none());
    let allowed_origins = args
        .allowed_origins
        .iter()
        .filter(|origin| !origin.trim().is_empty())
        .map(|origin| zchat_relay::check_origin_setting(origin))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("RELAY_ALLOWED_ORIGINS: {e}"))?;
    if allowed_origins.is_empty() {
        tracing::warn!("RELAY_ALLOWED_ORIGINS is unset: any site may embed the widget");
    }
    #[cfg(feature = "sandbox")]
    let sandbox_account = match &args.sandbox_account {
        Some(path) => zchat_sandbox::Account::from_file(path)?,
        None => zchat_sandbox::Account::default(),
    };
    let config = Config {
        listen: args.listen,
        public_url: args.public_url,
        upstream,
        upstream_timeout: Duration::from_secs(args.upstream_timeout),
        #[cfg(feature = "sandbox")]
        sandbox_listen: args.sandbox_listen,
        #[cfg(feature = "sandbox")]
        sandbox_account,
        webhook_secret: args.webhook_secret,
        session_secret: args.session_secret,
        identity_secret: args.identity_secret,
        identity_required: args.identity_required,
        widget_dir: args.widget_dir,
        demo_listen: demo_page.then_some(args.demo_listen),
        metrics_listen: (args.metrics_listen != "off").then_some(args.metrics_listen),
        limits: Limits {
            finished_ttl: Duration::from_secs(args.finished_ttl_minutes * 60),
            max_interactions: args.max_interactions,
            max_events: args.max_events,
            max_interaction_bytes: args.max_interaction_bytes,
            max_bytes: args.max_log_bytes,
            max_held_bytes: args.max_held_bytes,
            max_idempotency_bytes: args.idempotency_max_bytes,
            stream_max: args.stream_max_seconds.map(Duration::from_secs),
            heartbeat: Duration::from_secs(args.heartbeat_seconds.max(1)),
            ..Limits::default()
        },
        admission: Admission {
            creates_per_minute: args.creates_per_minute,
            requests_per_minute: args.requests_per_minute,
            interaction_requests_per_minute: args.interaction_requests_per_minute,
            connections_per_address: args.connections_per_address,
            streams_per_address: args.streams_per_address,
            streams_per_interaction: args.streams_per_interaction,
            header_timeout: Duration::from_secs(args.header_timeout_seconds),
        },
        trust_forwarded_for: args.trust_forwarded_for,
        allowed_origins,
        redis_url: args.redis_url,
        redis_sentinels: {
            let sentinels: Vec<String> = args.redis_sentinels.iter().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
            (!sentinels.is_empty()).then_some((sentinels, args.redis_sentinel_primary))
        },
        redis_min_replicas: args.redis_min_replicas,
        uploads: UploadSettings {
            dir: args.upload_dir,
            url: args.upload_url,
            s3: S3Settings {
                endpoint: args.aws_endpoint,
                region: args.aws_region,
                access_key_id: args.aws_access_key_id,
                secret_access_key: args.aws_secret_access_key,
                allow_http: args.aws_allow_http,
                virtual_hosted: args.aws_virtual_hosted_style_request,
            },
            max_bytes: args.upload_max_bytes,
            quota_bytes: args.upload_quota_bytes,
            retention: Duration::from_secs(args.upload_retention_days * 86_400),
            ..UploadSettings::default()
        },
    };
    if args_check {
        let findings = zchat_relay::check::run(&config).await;
        for finding in &findings {
            println!("{finding}");
        }
        let errors = findings.iter().filter(|f| f.level == zchat_relay::check::Level::Error).count();
        return match errors {
            0 => Ok(()),
            n => Err(format!("{n} error(s): the relay would not work as configured")),
        };
    }
    let mut running = launch(config).await.map_err(|e| format!("cannot start: {e}"))?;
    println!();
    println!("  Relay listening on:            http://{}", running.relay_address);
    if let Some(demo) = &running.demo_url {
        println!("  Demo host page (the visitor):  {demo}/");
        println!("  Hostile host page:             {demo}/hostile");
    }
    if let Some(metrics) = &running.metrics_url {
        println!("  Metrics:                       {metrics}");
    }
    if let Some(sandbox) = &running.sandbox_url {
        println!("  Agent console (the agent):     {sandbox}/");
        println!("  Agent API:                     {sandbox}/agent/interactions");
    }
    println!("  Embed snippet:                 <script src=\"{}/widget.js\" data-department=\"1\" async></script>", running.relay_url);
    println!();
    // For scripts and tests that start the relay on port 0: one line, machine-readable.
    let ready = serde_json::json!({
        "listening": format!("http://{}", running.relay_address), "public": running.relay_url,
        "metrics": running.metrics_url, "sandbox": running.sandbox_url, "demo": running.demo_url,
    });
    println!("ready {ready}");
    if let Some(path) = &ready_file {
        std::fs::write(path, ready.to_string()).map_err(|e| format!("RELAY_READY_FILE {}: {e}", path.display()))?;
    }
    let stop = running.stopper();
    tokio::spawn(async move {
        shutdown_signal().await;
        tracing::info!("stopping");
        let _ = stop.send(true);
    });
    running.wait().await.map_err(|e| e.to_string())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = terminate => {}
    }
}

/// `--health`: the relay (at the address its ready file says, else on `listen`'s port, asked on
/// this machine) answers `/healthz` with `ok` within 3 s.
async fn health(listen: &str, ready_file: Option<&std::path::Path>) -> Result<(), String> {
    let ready = ready_file.and_then(|path| std::fs::read_to_string(path).ok());
    let listening = ready.and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok()?["listening"].as_str().map(str::to_string));
    let base = match listening {
        Some(url) => url,
        None => {
            let port = listen.rsplit_once(':').map(|(_, port)| port).ok_or_else(|| format!("RELAY_LISTEN {listen:?} has no port"))?;
            format!("http://127.0.0.1:{port}")
        }
    };
    let client = reqwest::Client::builder().timeout(Duration::from_secs(3)).build().map_err(|e| e.to_string())?;
    let answer = client.get(format!("{base}/healthz")).send().await.map_err(|e| format!("no answer: {e}"))?;
    match (answer.status().is_success(), answer.text().await.unwrap_or_default().trim()) {
        (true, "ok") => Ok(()),
        (_, body) => Err(format!("not healthy: {body}")),
    }
}
