//! A faithful local stand-in for zChat, so the whole product runs and is tested on one machine.
//!
//! - [`clientapi`]: the ClientApi V1 endpoints, to the letter of the reference.
//! - [`interactions`]: the rules: interactions, transcripts, each department's queue. Pure data;
//!   every change returns the triggers it causes.
//! - [`webhooks`]: posts those triggers to the configured webhook URL, in order, with retries.
//! - [`agent_api`]: the agent's powers over HTTP (accept, message, type, finish, go offline).
//! - [`console`]: a web page over the agent API for a person playing the agent.
//! - [`account`]: the account: tokens, departments, tags, customer keys.
//!
//! [`serve`] runs it on a listener the caller bound (port 0 in tests); the `zchat-sandbox` binary
//! and the relay (which starts it in-process by default) both call it.

pub mod account;
pub mod agent_api;
pub mod clientapi;
mod console;
pub mod interactions;
pub mod webhooks;

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::extract::DefaultBodyLimit;
use axum::Router;
use tokio::net::TcpListener;
use zchat_types::{ApiError, Trigger};

pub use account::{Account, Department, DEFAULT_TOKEN};
pub use interactions::{Interaction, InteractionState, Party, TranscriptEntry};

/// The largest request body accepted; the reference's bodies are a few hundred bytes.
const BODY_LIMIT: usize = 64 * 1024;

/// How the sandbox starts.
#[derive(Debug, Clone, Default)]
pub struct Config {
    pub account: Account,
    /// Where triggers are POSTed (the relay's `/webhooks/zchat/{secret}`); `None` logs them only.
    pub webhook_url: Option<String>,
}

/// The running sandbox: the account and its interactions behind one lock, and the webhook queue.
pub struct Sandbox {
    world: Mutex<World>,
    webhooks: webhooks::Webhooks,
}

/// Everything the sandbox knows.
pub struct World {
    pub account: Account,
    pub interactions: interactions::Interactions,
}

impl Sandbox {
    /// Must run inside a tokio runtime (it starts the webhook delivery task).
    pub fn new(config: Config) -> Arc<Self> {
        Arc::new(Sandbox {
            world: Mutex::new(World { account: config.account, interactions: Default::default() }),
            webhooks: webhooks::Webhooks::spawn(config.webhook_url),
        })
    }

    /// Applies one change and queues the triggers it causes, under the lock, so that triggers
    /// leave in the order their changes happened.
    pub fn change(&self, change: impl FnOnce(&mut World) -> Result<Vec<Trigger>, ApiError>) -> Result<(), ApiError> {
        let mut world = self.world.lock().expect("the sandbox lock is never poisoned");
        let triggers = change(&mut world)?;
        self.webhooks.send(triggers);
        Ok(())
    }

    pub fn read<T>(&self, read: impl FnOnce(&World) -> T) -> T {
        read(&self.world.lock().expect("the sandbox lock is never poisoned"))
    }
}

/// The sandbox's routes: the ClientApi V1, the agent API and the console at `/`.
pub fn app(sandbox: Arc<Sandbox>) -> Router {
    Router::new()
        .merge(clientapi::routes())
        .merge(agent_api::routes())
        .merge(console::routes())
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(sandbox)
}

/// Serves the sandbox on `listener` until `shutdown` completes.
pub async fn serve(listener: TcpListener, config: Config, shutdown: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
    let router = app(Sandbox::new(config));
    axum::serve(listener, router).with_graceful_shutdown(shutdown).await
}

pub(crate) fn now_millis() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}
