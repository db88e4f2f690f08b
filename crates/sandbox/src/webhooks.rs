//! Delivers triggers to the webhook URL the way a real sender does: in order, one at a time, each
//! retried with exponential backoff on a non-2xx answer or a timeout (delivery is at least once).
//! Injected faults (`faults`) delay, duplicate, reorder or drop deliveries, or send them in a
//! variant shape (`variants`); every delivery is written to the journal as it was sent.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use zchat_types::Trigger;

use crate::faults::{Injector, WebhookFault};
use crate::journal::{Delivery, Journal};
use crate::now_millis;

/// Triggers waiting for delivery beyond this are dropped (and logged): a webhook URL that is down
/// for good must not grow the sandbox's memory without bound.
const QUEUE_CAPACITY: usize = 10_000;
const ATTEMPTS: u32 = 8;
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
const TIMEOUT: Duration = Duration::from_secs(5);
/// How long a reordered trigger waits for a next one to overtake it, unless the faults say.
const REORDER_WAIT: Duration = Duration::from_secs(1);

/// The sending side of the delivery queue; cheap to clone.
#[derive(Clone)]
pub struct Webhooks {
    queue: Option<mpsc::Sender<Trigger>>,
    progress: Arc<Progress>,
}

/// Triggers queued, and triggers settled (delivered or given up), both counted from the start.
#[derive(Default)]
struct Progress {
    queued: std::sync::atomic::AtomicU64,
    settled: tokio::sync::watch::Sender<u64>,
}

/// What the delivery task works with.
struct Sender {
    url: String,
    client: reqwest::Client,
    faults: Arc<Injector>,
    journal: Arc<Journal>,
    progress: Arc<Progress>,
}

impl Webhooks {
    /// Starts the delivery task for `url`; with `None`, triggers are only logged.
    pub fn spawn(url: Option<String>, faults: Arc<Injector>, journal: Arc<Journal>) -> Self {
        let progress = Arc::new(Progress::default());
        let Some(url) = url else {
            tracing::warn!("no webhook URL: triggers are logged, not delivered");
            return Webhooks { queue: None, progress };
        };
        let (queue, receiver) = mpsc::channel(QUEUE_CAPACITY);
        let client = reqwest::Client::builder().timeout(TIMEOUT).build().expect("an HTTP client");
        tokio::spawn(Sender { url, client, faults, journal, progress: Arc::clone(&progress) }.run(receiver));
        Webhooks { queue: Some(queue), progress }
    }

    /// Waits until every trigger queued so far is delivered or given up (`within` at most).
    pub async fn settled(&self, within: Duration) {
        let queued = self.progress.queued.load(std::sync::atomic::Ordering::SeqCst);
        let mut settled = self.progress.settled.subscribe();
        let _ = tokio::time::timeout(within, settled.wait_for(|settled| *settled >= queued)).await;
    }

    /// Queues `triggers` in order. Must be called while the state change that produced them is
    /// still exclusive, so that triggers leave in the order their changes happened.
    pub fn send(&self, triggers: Vec<Trigger>) {
        for trigger in triggers {
            tracing::debug!(hash = %trigger.interaction_hash, state = ?trigger.state(), "trigger");
            if let Some(queue) = &self.queue {
                if queue.try_send(trigger).is_ok() {
                    self.progress.queued.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                } else {
                    tracing::error!("webhook queue full: a trigger was dropped");
                }
            }
        }
    }
}

impl Sender {
    async fn run(self, mut receiver: mpsc::Receiver<Trigger>) {
        // A trigger held back by a reorder fault, to go after the next one.
        let mut held: Option<(Trigger, WebhookFault)> = None;
        loop {
            let next = if held.is_some() {
                let wait = match self.faults.get().webhooks.reorder_wait_ms {
                    0 => REORDER_WAIT,
                    ms => Duration::from_millis(ms),
                };
                match tokio::time::timeout(wait, receiver.recv()).await {
                    Ok(next) => next,
                    Err(_) => {
                        let (trigger, fault) = held.take().expect("checked above");
                        self.deliver(&trigger, fault, "reordered (no trigger came to overtake it)").await;
                        continue;
                    }
                }
            } else {
                receiver.recv().await
            };
            let Some(trigger) = next else { break };
            let fault = self.faults.webhook();
            if fault.reorder && held.is_none() {
                held = Some((trigger, fault));
                continue;
            }
            self.deliver(&trigger, fault, "").await;
            if let Some((trigger, fault)) = held.take() {
                self.deliver(&trigger, fault, "reordered (delivered after the next trigger)").await;
            }
        }
        if let Some((trigger, fault)) = held {
            self.deliver(&trigger, fault, "reordered").await;
        }
    }

    async fn deliver(&self, trigger: &Trigger, fault: WebhookFault, note: &str) {
        let mut notes: Vec<String> = Vec::new();
        if !note.is_empty() {
            notes.push(format!("fault: {note}"));
        }
        if !fault.delay.is_zero() {
            notes.push(format!("fault: delayed {} ms", fault.delay.as_millis()));
            tokio::time::sleep(fault.delay).await;
        }
        let mut bodies = match fault.variant {
            Some(n) => {
                notes.push(format!("fault: variant shape {n}"));
                crate::variants::variant(trigger, n)
            }
            None => vec![serde_json::to_value(trigger).expect("a trigger serializes")],
        };
        let body = bodies.pop().expect("a trigger's own body comes last");
        // A variant may send another trigger first (a state the reference does not list).
        for before in &bodies {
            self.attempt(&trigger.interaction_hash, before, false, &mut notes).await;
        }
        let (attempts, delivered) = self.attempt(&trigger.interaction_hash, &body, fault.drop_first_attempt, &mut notes).await;
        let mut entry = Delivery { at: now_millis(), trigger: body.clone(), attempts, delivered, notes };
        if delivered && fault.duplicate {
            entry.notes.push("fault: duplicated".into());
            let (more, _) = self.attempt(&trigger.interaction_hash, &body, false, &mut entry.notes).await;
            entry.attempts += more;
        }
        self.journal.delivery(entry);
        self.progress.settled.send_modify(|settled| *settled += 1);
    }

    /// Posts until a 2xx or [`ATTEMPTS`] tries; returns the tries and whether one succeeded.
    async fn attempt(&self, hash: &str, body: &serde_json::Value, drop_first: bool, notes: &mut Vec<String>) -> (u32, bool) {
        let mut backoff = FIRST_BACKOFF;
        for attempt in 1..=ATTEMPTS {
            if attempt == 1 && drop_first {
                notes.push("fault: attempt 1 dropped".into());
            } else {
                match self.client.post(&self.url).json(body).send().await {
                    Ok(answer) if answer.status().is_success() => return (attempt, true),
                    Ok(answer) => notes.push(format!("attempt {attempt}: answered {}", answer.status().as_u16())),
                    Err(error) if error.is_timeout() => notes.push(format!("attempt {attempt}: timed out")),
                    Err(_) => notes.push(format!("attempt {attempt}: could not connect")),
                }
            }
            if attempt < ATTEMPTS {
                tokio::time::sleep(backoff).await;
                backoff *= 2;
            }
        }
        tracing::error!(%hash, "webhook given up after {ATTEMPTS} attempts");
        (ATTEMPTS, false)
    }
}
