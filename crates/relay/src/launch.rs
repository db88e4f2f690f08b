//! Starts the relay on its listener and, when no upstream zChat is configured, the sandbox on a
//! second listener in the same process, wired together: the relay's upstream is the sandbox and
//! the sandbox's webhook URL is the relay's. The binary and the tests both start the product here.
//! The sandbox is the default feature `sandbox`; a build without it needs a real zChat.

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::{random_secret, serve, Config, Wiring};

/// A secret and the fewest bytes it may have: the one rule of each, which the start and
/// `--check` both apply.
pub struct Secret {
    pub name: &'static str,
    pub least: usize,
}

/// It is the only thing between the internet and the log.
pub const WEBHOOK_SECRET: Secret = Secret { name: "ZCHAT_WEBHOOK_SECRET", least: 16 };
/// It signs every visitor's credential.
pub const SESSION_SECRET: Secret = Secret { name: "RELAY_SESSION_SECRET", least: 32 };
/// It vouches for customers and for bots' transcripts: as long as a session secret.
pub const IDENTITY_SECRET: Secret = Secret { name: "RELAY_IDENTITY_SECRET", least: 32 };

impl Secret {
    /// Whether `value` is long enough; if not, why, in words an operator can act on.
    pub fn check(&self, value: &str) -> Result<(), String> {
        let Secret { name, least } = self;
        match value.len() {
            length if length < *least => {
                Err(format!("{name} must be at least {least} bytes (it has {length}); make one with `openssl rand -hex 32`"))
            }
            _ => Ok(()),
        }
    }
}

/// The started product.
pub struct Running {
    /// e.g. `http://127.0.0.1:8080`, without a trailing slash (the public URL when one is set).
    pub relay_url: String,
    /// Where the relay listens (the port the system chose for `:0`).
    pub relay_address: std::net::SocketAddr,
    /// The sandbox's base URL (its agent console is at `/`), when it runs in-process.
    pub sandbox_url: Option<String>,
    /// The demo host site, `http://localhost:PORT` (another site than the relay's 127.0.0.1).
    pub demo_url: Option<String>,
    /// `http://ADDRESS/metrics`, when served.
    pub metrics_url: Option<String>,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<std::io::Result<()>>>,
}

impl Running {
    /// Stops every server and waits for them to finish.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
    }

    /// Waits until a server ends by itself (an error) or `stop` is called elsewhere.
    pub async fn wait(&mut self) -> std::io::Result<()> {
        if let Some(task) = self.tasks.first_mut() {
            return task.await.unwrap_or_else(|e| Err(std::io::Error::other(e)));
        }
        Ok(())
    }

    /// A future that completes when the servers are asked to stop.
    pub fn stopper(&self) -> watch::Sender<bool> {
        self.stop.clone()
    }
}

/// Starts what `config` asks for, deciding what it leaves open (see [`Config`]).
pub async fn launch(config: Config) -> std::io::Result<Running> {
    let relay_listener = TcpListener::bind(&config.listen).await?;
    let relay_address = relay_listener.local_addr()?;
    let public_url = config.public_url.clone().unwrap_or_else(|| format!("http://{relay_address}")).trim_end_matches('/').to_string();
    check_secrets(config.webhook_secret.as_deref(), config.session_secret.as_deref()).map_err(std::io::Error::other)?;
    check_identity(config.identity_secret.as_deref(), config.identity_required).map_err(std::io::Error::other)?;
    let mut config = config;
    // With the sandbox, customers are verified out of the box: the demo page's backend signs them.
    if config.upstream.is_none() && config.identity_secret.is_none() {
        config.identity_secret = Some(random_secret());
    }
    let webhook_secret = config.webhook_secret.clone().unwrap_or_else(|| {
        let secret = random_secret();
        if config.upstream.is_some() {
            tell_generated_webhook_url(&format!("{public_url}/webhooks/zchat/{secret}"));
        }
        secret
    });
    let session_secret = config.session_secret.clone().unwrap_or_else(|| {
        tracing::warn!("RELAY_SESSION_SECRET is unset; generated one: visitors' sessions end when this process does");
        random_secret()
    });

    let (stop, stopping) = watch::channel(false);
    let stopped = move || {
        let mut stopping = stopping.clone();
        async move {
            let _ = stopping.wait_for(|stop| *stop).await;
        }
    };
    let mut tasks = Vec::new();
    let (upstream_base, upstream_token, sandbox_url) = match config.upstream.clone() {
        Some((base, token)) => (base, token, None),
        #[cfg(not(feature = "sandbox"))]
        None => return Err(std::io::Error::other("ZCHAT_API_BASE and ZCHAT_TOKEN are required: this relay was built without the sandbox")),
        #[cfg(feature = "sandbox")]
        None if config.sandbox_account.tokens.is_empty() => {
            return Err(std::io::Error::other("the sandbox account has no token"));
        }
        #[cfg(feature = "sandbox")]
        None => {
            let sandbox_listener = TcpListener::bind(&config.sandbox_listen).await?;
            let sandbox_url = format!("http://{}", sandbox_listener.local_addr()?);
            let token = config.sandbox_account.tokens[0].clone();
            let config = zchat_sandbox::Config {
                account: config.sandbox_account.clone(),
                webhook_url: Some(format!("http://{relay_address}/webhooks/zchat/{webhook_secret}")),
            };
            tasks.push(tokio::spawn(zchat_sandbox::serve(sandbox_listener, config, stopped())));
            (sandbox_url.clone(), token, Some(sandbox_url))
        }
    };
    let wiring =
        Wiring { upstream_base, upstream_token, public_url: public_url.clone(), webhook_secret, session_secret: session_secret.into_bytes() };
    let demo_url = match &config.demo_listen {
        Some(listen) => {
            let listener = TcpListener::bind(listen).await?;
            let port = listener.local_addr()?.port();
            tasks.push(tokio::spawn(crate::demo::serve(listener, public_url.clone(), config.identity_secret.clone(), stopped())));
            Some(format!("http://localhost:{port}"))
        }
        None => None,
    };
    let (metrics_listener, metrics_url) = match &config.metrics_listen {
        Some(listen) => {
            let listener = TcpListener::bind(listen).await?;
            let url = format!("http://{}/metrics", listener.local_addr()?);
            (Some(listener), Some(url))
        }
        None => (None, None),
    };
    tasks.insert(0, tokio::spawn(serve(relay_listener, metrics_listener, config, wiring, stopped())));
    Ok(Running { relay_url: public_url, relay_address, sandbox_url, demo_url, metrics_url, stop, tasks })
}

/// Refuses secrets too short to keep anyone out (an empty one would let anyone mint sessions); an
/// unset webhook or session secret is generated at start instead.
pub fn check_secrets(webhook: Option<&str>, session: Option<&str>) -> Result<(), String> {
    let unset_is_generated = |error: String| format!("{error}, or leave it unset to generate one");
    webhook.map_or(Ok(()), |secret| WEBHOOK_SECRET.check(secret)).map_err(unset_is_generated)?;
    session.map_or(Ok(()), |secret| SESSION_SECRET.check(secret)).map_err(unset_is_generated)
}

/// The identity secret's rule, and required identities need one.
pub fn check_identity(secret: Option<&str>, required: bool) -> Result<(), String> {
    match secret {
        Some(secret) => IDENTITY_SECRET.check(secret),
        None if required => Err("RELAY_IDENTITY_REQUIRED needs RELAY_IDENTITY_SECRET".into()),
        None => Ok(()),
    }
}

/// A generated webhook secret is never written to a log (logs are shipped and kept): the webhook
/// URL goes to the terminal when there is one, and otherwise the operator is told to set it.
fn tell_generated_webhook_url(url: &str) {
    use std::io::IsTerminal;
    if std::io::stderr().is_terminal() {
        eprintln!("ZCHAT_WEBHOOK_SECRET is unset; generated one for this run. Webhook URL for zChat's admin: {url}");
    } else {
        tracing::warn!("ZCHAT_WEBHOOK_SECRET is unset; generated one that this log does not show: set ZCHAT_WEBHOOK_SECRET to know the webhook URL");
    }
}
