//! A faithful local stand-in for zChat, so the whole product runs and is tested on one machine.
//!
//! - [`clientapi`]: the ClientApi V1 endpoints, to the letter of the reference.
//! - [`validate`]: the reference's rules on request bodies, one 422 message each.
//! - [`interactions`]: the rules that need the account or the interaction: interactions,
//!   transcripts, each department's queue. Pure data; every change returns the triggers it causes.
//! - [`webhooks`]: posts those triggers to the configured webhook URL, in order, with retries.
//! - [`history`]: fetches and checks an interaction's `external_history` for the agent.
//! - [`agent_api`]: the agent's powers over HTTP (accept, message, type, finish, go offline), the
//!   journal and the faults.
//! - [`console`]: a web page over the agent API for a person playing the agent.
//! - [`journal`]: every request received and every webhook sent, for assertions.
//! - [`faults`], [`layers`]: seeded fault injection into the API and the webhooks.
//! - [`account`]: the account: tokens, departments, tags, customer keys.
//!
//! [`serve`] runs it on a listener the caller bound (port 0 in tests); the `zchat-sandbox` binary
//! and the relay (which starts it in-process by default) both call it.

pub mod account;
pub mod agent_api;
pub mod answers;
pub mod clientapi;
mod console;
pub mod faults;
pub mod history;
pub mod interactions;
pub mod journal;
mod layers;
pub mod validate;
pub mod variants;
pub mod webhooks;

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::extract::DefaultBodyLimit;
use axum::middleware::from_fn_with_state;
use axum::Router;
use tokio::net::TcpListener;
use zchat_types::{ApiError, Trigger};

pub use account::{Account, Department, DEFAULT_TOKEN};
pub use faults::Faults;
pub use interactions::{History, Interaction, InteractionState, Party, TranscriptEntry};

/// The largest request body accepted; the reference's bodies are a few hundred bytes.
pub(crate) const BODY_LIMIT: usize = 64 * 1024;

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
    journal: Arc<journal::Journal>,
    faults: Arc<faults::Injector>,
    /// For fetching external histories.
    client: reqwest::Client,
}

/// Everything the sandbox knows.
pub struct World {
    pub account: Account,
    pub interactions: interactions::Interactions,
}

impl Sandbox {
    /// Must run inside a tokio runtime (it starts the webhook delivery task).
    pub fn new(config: Config) -> Arc<Self> {
        let journal = Arc::new(journal::Journal::default());
        let faults = Arc::new(faults::Injector::default());
        Arc::new(Sandbox {
            world: Mutex::new(World { account: config.account, interactions: Default::default() }),
            webhooks: webhooks::Webhooks::spawn(config.webhook_url, Arc::clone(&faults), Arc::clone(&journal)),
            journal,
            faults,
            client: reqwest::Client::new(),
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

    /// Fetches an interaction's external history in the background, as zChat does for its agent.
    pub fn fetch_history(self: &Arc<Self>, hash: String, url: String) {
        let sandbox = Arc::clone(self);
        tokio::spawn(async move {
            let history = history::fetch(&sandbox.client, &url).await;
            sandbox.world.lock().expect("the sandbox lock is never poisoned").interactions.set_history(&hash, history);
        });
    }
}

/// The sandbox's routes: the ClientApi V1, the agent API and the console at `/`.
pub fn app(sandbox: Arc<Sandbox>) -> Router {
    let clientapi = clientapi::routes()
        .layer(from_fn_with_state(Arc::clone(&sandbox), layers::inject))
        .layer(from_fn_with_state(Arc::clone(&sandbox), layers::record));
    Router::new().merge(clientapi).merge(agent_api::routes()).merge(console::routes()).layer(DefaultBodyLimit::max(BODY_LIMIT)).with_state(sandbox)
}

/// Serves the sandbox on `listener` until `shutdown` completes.
pub async fn serve(listener: TcpListener, config: Config, shutdown: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
    let router = app(Sandbox::new(config));
    axum::serve(listener, router).with_graceful_shutdown(shutdown).await
}

pub(crate) fn now_millis() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}
