//! Delivers triggers to the webhook URL the way a real sender does: in order, one at a time, each
//! retried with exponential backoff on a non-2xx answer or a timeout (delivery is at least once).

use std::time::Duration;

use tokio::sync::mpsc;
use zchat_types::Trigger;

/// Triggers waiting for delivery beyond this are dropped (and logged): a webhook URL that is down
/// for good must not grow the sandbox's memory without bound.
const QUEUE_CAPACITY: usize = 10_000;
const ATTEMPTS: u32 = 8;
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
const TIMEOUT: Duration = Duration::from_secs(5);

/// The sending side of the delivery queue; cheap to clone.
#[derive(Clone)]
pub struct Webhooks {
    queue: Option<mpsc::Sender<Trigger>>,
}

impl Webhooks {
    /// Starts the delivery task for `url`; with `None`, triggers are only logged.
    pub fn spawn(url: Option<String>) -> Self {
        let Some(url) = url else {
            tracing::warn!("no webhook URL: triggers are logged, not delivered");
            return Webhooks { queue: None };
        };
        let (sender, receiver) = mpsc::channel(QUEUE_CAPACITY);
        tokio::spawn(deliver_all(url, receiver));
        Webhooks { queue: Some(sender) }
    }

    /// Queues `triggers` in order. Must be called while the state change that produced them is
    /// still exclusive, so that triggers leave in the order their changes happened.
    pub fn send(&self, triggers: Vec<Trigger>) {
        for trigger in triggers {
            tracing::debug!(hash = %trigger.interaction_hash, state = ?trigger.state(), "trigger");
            if let Some(queue) = &self.queue {
                if queue.try_send(trigger).is_err() {
                    tracing::error!("webhook queue full: a trigger was dropped");
                }
            }
        }
    }
}

async fn deliver_all(url: String, mut receiver: mpsc::Receiver<Trigger>) {
    let client = reqwest::Client::builder().timeout(TIMEOUT).build().expect("an HTTP client");
    while let Some(trigger) = receiver.recv().await {
        deliver(&client, &url, &trigger).await;
    }
}

async fn deliver(client: &reqwest::Client, url: &str, trigger: &Trigger) {
    let mut backoff = FIRST_BACKOFF;
    for attempt in 1..=ATTEMPTS {
        match client.post(url).json(trigger).send().await {
            Ok(answer) if answer.status().is_success() => return,
            Ok(answer) => tracing::warn!(attempt, status = %answer.status(), "webhook refused"),
            Err(error) => tracing::warn!(attempt, %error, "webhook failed"),
        }
        if attempt < ATTEMPTS {
            tokio::time::sleep(backoff).await;
            backoff *= 2;
        }
    }
    tracing::error!(hash = %trigger.interaction_hash, "webhook given up after {ATTEMPTS} attempts");
}
