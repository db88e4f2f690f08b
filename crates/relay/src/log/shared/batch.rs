//! One relay's concurrent webhooks, appended in one call of the script. Each webhook waits for
//! its own outcome (so it is still answered 2xx only once its trigger is logged); the triggers
//! that arrive while a call is out go together in the next one. Each is appended as if alone (the
//! script takes them in order, every rule per trigger), and their events are published in one
//! message. Under load a call carries many triggers, so Redis's and the relay's cost per event
//! falls as the rate rises (a call and its reply, a publish and its read, are most of an event's
//! cost on this path: BENCHMARKS.md, issue 19); alone, a trigger waits for nothing. With replicas
//! asked for (`RELAY_REDIS_MIN_REPLICAS`), a call is answered, and its events published, only once
//! that many replicas have it (`WAIT`): a failover then loses no trigger zChat was told was taken.

use std::sync::Arc;

use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use tokio::sync::{mpsc, oneshot};
use zchat_types::EventId;

use super::script::{self, AppendScript, Item, Mode};
use crate::log::Intake;
use crate::redis_link::Unavailable;

/// Triggers in one call at most, and bytes of their data (the first goes whatever its size).
const MOST_PER_CALL: usize = 64;
const MOST_BYTES_PER_CALL: usize = 1024 * 1024;
/// Webhooks waiting for the next call at most; more wait to be queued (each is a request in
/// flight, already bounded by the relay's body limit and connections).
const QUEUE: usize = 1024;

type Answer = oneshot::Sender<Result<Intake, Unavailable>>;

/// Where the relay's webhooks queue for the next call.
pub(super) struct Batches {
    queue: mpsc::Sender<(Item, Answer)>,
    /// How many triggers each call carried (`relay_redis_triggers_per_call`).
    per_call: Histogram,
}

impl Batches {
    /// Starts calling `script` for whatever is queued; stops when the `Batches` is dropped.
    pub fn start(script: Arc<AppendScript>) -> Batches {
        let (queue, waiting) = mpsc::channel(QUEUE);
        let per_call = Histogram::new(exponential_buckets(1.0, 2.0, 7));
        tokio::spawn(calls(script, waiting, per_call.clone()));
        Batches { queue, per_call }
    }

    /// How many triggers each call carried.
    pub fn per_call(&self) -> Histogram {
        self.per_call.clone()
    }

    /// Appends, holds or recognises `item`'s trigger, in the next call.
    pub async fn trigger(&self, item: Item) -> Result<Intake, Unavailable> {
        let (answer, outcome) = oneshot::channel();
        self.queue.send((item, answer)).await.map_err(|_| Unavailable("the relay is stopping".into()))?;
        outcome.await.map_err(|_| Unavailable("the relay is stopping".into()))?
    }
}

/// One call at a time, each with everything queued meanwhile.
async fn calls(script: Arc<AppendScript>, mut waiting: mpsc::Receiver<(Item, Answer)>, per_call: Histogram) {
    let mut items = Vec::with_capacity(MOST_PER_CALL);
    let mut answers = Vec::with_capacity(MOST_PER_CALL);
    // Whether the last call waited for replicas in vain: then the next takes every trigger
    // waiting (a second each, 64 at a time, would keep a full queue waiting for many seconds).
    let mut replicas_lag = false;
    while let Some((item, answer)) = waiting.recv().await {
        let mut bytes = item.data.len();
        items.push(item);
        answers.push(answer);
        let most = if replicas_lag { QUEUE } else { MOST_PER_CALL };
        while items.len() < most && bytes < MOST_BYTES_PER_CALL {
            match waiting.try_recv() {
                Ok((item, answer)) => {
                    bytes += item.data.len();
                    items.push(item);
                    answers.push(answer);
                }
                Err(_) => break,
            }
        }
        per_call.observe(items.len() as f64);
        let replicas = script.redis().min_replicas();
        let call = match replicas {
            0 => script.run(Mode::Triggers, &items).await,
            _ => script.run_replicated(&items, replicas).await,
        };
        replicas_lag = replicas > 0 && call.is_err();
        let outcomes = match call {
            Ok(reply) => (0..items.len()).map(|index| outcome(reply.get(3 * index..3 * index + 3))).collect(),
            // Not on enough replicas (or Redis away) while replicas are asked for: each trigger is
            // refused, and zChat sends each again; retried alone here, each would wait for the
            // replicas again, one after the other.
            Err(error) if replicas > 0 => vec![Err(error); items.len()],
            // The whole call failed (a trigger Redis refuses fails alone inside it, append.lua):
            // each again, alone (Redis away fails them all again, at once).
            Err(_) if items.len() > 1 => {
                let mut outcomes = Vec::with_capacity(items.len());
                for item in &items {
                    outcomes.push(script.run(Mode::Triggers, std::slice::from_ref(item)).await.and_then(|reply| outcome(reply.get(0..3))));
                }
                outcomes
            }
            Err(error) => vec![Err(error)],
        };
        for (answer, outcome) in answers.drain(..).zip(outcomes) {
            let _ = answer.send(outcome);
        }
        items.clear();
    }
}

/// A trigger's three values in the script's answer.
pub(super) fn outcome(values: Option<&[String]>) -> Result<Intake, Unavailable> {
    match values {
        // Redis refused this one trigger (append.lua's `pcall`); the others of its call stand.
        Some([word, error, _]) if word == script::FAILED => Err(Unavailable(error.clone())),
        Some([word, epoch, seq]) => Ok(match Intake::named(word) {
            Some(Intake::Appended(_)) => Intake::Appended(appended(epoch, seq)?),
            Some(intake) => intake,
            None => Intake::Dropped,
        }),
        _ => Err(Unavailable(format!("unexpected reply {values:?}"))),
    }
}

/// The id of an event the script appended.
pub(super) fn appended(epoch: &str, seq: &str) -> Result<EventId, Unavailable> {
    match (epoch.parse(), seq.parse()) {
        (Ok(epoch), Ok(seq)) => Ok(EventId { epoch, seq }),
        _ => Err(Unavailable(format!("unexpected reply {epoch:?} {seq:?}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_trigger_has_its_own_outcome_in_the_reply() {
        let reply: Vec<String> = ["appended", "17", "3", "duplicate", "", "", "held", "", "", "dropped", "", ""].map(String::from).to_vec();
        let outcomes: Vec<Intake> = (0..4).map(|i| outcome(reply.get(3 * i..3 * i + 3)).unwrap()).collect();
        assert_eq!(outcomes, [Intake::Appended(EventId { epoch: 17, seq: 3 }), Intake::Duplicate, Intake::Held, Intake::Dropped]);
        assert!(outcome(reply.get(12..15)).is_err(), "a reply shorter than the call is an error, not a loss in silence");
        assert!(outcome(Some(&["appended".into(), "x".into(), "3".into()])).is_err());
        assert!(outcome(Some(&["failed".into(), "WRONGTYPE".into(), "".into()])).is_err(), "a trigger Redis refused");
    }
}
