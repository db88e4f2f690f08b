//! The event log in this process's memory (the rules are in [`crate::log`]).
//!
//! Memory is bounded by count and by bytes: at most `max_interactions` logs, each of at most
//! `max_events` events and `max_interaction_bytes`, all of them at most `max_bytes`, and the held
//! triggers. When room is needed, finished logs go first (the one that finished first), then logs
//! nobody is watching (the one idle longest), and only then the oldest watched one; finding the
//! victim looks at a few logs at most, never at all of them, and every eviction is counted.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio::sync::broadcast;
use zchat_types::{CustomerMessage, EventId, StreamEventKind};

use super::{Arrival, Dedupe, Evicted, Intake, LogStats, LoggedEvent, Store, Subscription, EVENT_OVERHEAD, LIVE_CAPACITY};
use crate::config::Limits;

/// All logs of this relay.
pub struct MemoryLog {
    state: Mutex<State>,
    limits: Limits,
    customers: Mutex<Customers>,
}

/// Verified customers' last interactions, by customer id: at most `max_interactions` of them,
/// each for `idle_ttl`, the oldest going first.
#[derive(Default)]
struct Customers {
    last: HashMap<String, (String, Instant)>,
    order: VecDeque<(String, Instant)>,
}

/// A log's place in an eviction order: when, and a tie-breaker.
type Order = (Instant, u64);

#[derive(Default)]
struct State {
    logs: HashMap<String, InteractionLog>,
    /// Open logs by their last event, oldest first.
    by_touch: BTreeMap<Order, String>,
    /// Finished logs by when they finished, oldest first.
    by_finish: BTreeMap<Order, String>,
    next_order: u64,
    bytes: usize,
    held: HashMap<String, Held>,
    held_count: usize,
    held_bytes: usize,
    evicted: Evicted,
    last_epoch: u64,
}

struct InteractionLog {
    epoch: u64,
    events: VecDeque<Arc<LoggedEvent>>,
    bytes: usize,
    next_seq: u64,
    /// Hashes of the agent messages in the log, to drop redelivered webhooks.
    agent_messages: HashSet<String>,
    /// The same, with their seqs, oldest first: they go as their events go.
    agent_message_order: VecDeque<(u64, String)>,
    /// The last trigger since the last agent message (canonical), to drop a repeated one.
    last_state: Option<String>,
    live: broadcast::Sender<Arc<LoggedEvent>>,
    finished_at: Option<Instant>,
    /// Its key in `by_touch`, or in `by_finish` once finished.
    order: Order,
}

struct Held {
    since: Instant,
    bytes: usize,
    triggers: Vec<(String, Arrival)>,
}

/// The most logs looked at to find one nobody watches before taking the oldest watched one.
const EVICTION_LOOKS: usize = 32;

impl MemoryLog {
    pub fn new(limits: Limits) -> Arc<Self> {
        Arc::new(MemoryLog { state: Mutex::new(State::default()), limits, customers: Mutex::default() })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().expect("the event log lock is never poisoned")
    }

    /// Opens the log of `hash` if it has none (after a create answer, or for a hash whose session
    /// credential proves this relay created it), and appends any triggers held for it.
    pub fn open(&self, hash: &str, now: Instant) {
        let mut state = self.lock();
        self.open_locked(&mut state, hash, now);
    }

    fn open_locked(&self, state: &mut State, hash: &str, now: Instant) {
        if state.logs.contains_key(hash) {
            return;
        }
        if state.logs.len() >= self.limits.max_interactions {
            state.evict_one(hash);
        }
        state.last_epoch = crate::unix_millis().max(state.last_epoch + 1);
        let order = state.order(now);
        let (live, _) = broadcast::channel(LIVE_CAPACITY);
        let log = InteractionLog {
            epoch: state.last_epoch,
            events: VecDeque::new(),
            bytes: 0,
            next_seq: 1,
            agent_messages: HashSet::new(),
            agent_message_order: VecDeque::new(),
            last_state: None,
            live,
            finished_at: None,
            order,
        };
        state.by_touch.insert(order, hash.to_string());
        state.logs.insert(hash.to_string(), log);
        if let Some(held) = state.held.remove(hash) {
            state.held_count -= held.triggers.len();
            state.held_bytes -= held.bytes;
            for (raw, arrival) in held.triggers {
                self.change(state, hash, now, |log, limits| log.append_trigger(raw, arrival.dedupe, arrival.finished, now, limits));
            }
        }
    }

    /// Changes the open log of `hash`, then keeps the books: bytes, its place in the eviction
    /// order, and the total within its budget.
    fn change<R>(&self, state: &mut State, hash: &str, now: Instant, change: impl FnOnce(&mut InteractionLog, &Limits) -> R) -> R {
        let order = state.order(now);
        let log = state.logs.get_mut(hash).expect("changes are made to open logs");
        let before = log.bytes;
        let result = change(log, &self.limits);
        let after = log.bytes;
        let (old, finished) = (log.order, log.finished_at.is_some());
        if !finished {
            log.order = order;
            // Its key moves to its new place (no new copy of the hash per event).
            let key = state.by_touch.remove(&old).unwrap_or_else(|| hash.to_string());
            state.by_touch.insert(order, key);
        } else if let Some(key) = state.by_touch.remove(&old) {
            // It just finished: from now on it is in the finished order.
            log.order = order;
            state.by_finish.insert(order, key);
        }
        state.bytes = state.bytes + after - before;
        while state.bytes > self.limits.max_bytes && state.evict_one(hash) {}
        result
    }

    /// Appends a webhook's trigger (`raw` is its body as received), holds it if the interaction is
    /// not open here yet, or recognises a redelivery.
    pub fn append_trigger(&self, raw: String, arrival: Arrival, now: Instant) -> Intake {
        let mut state = self.lock();
        if state.logs.contains_key(&arrival.hash) {
            let Arrival { hash, dedupe, finished } = arrival;
            return self.change(&mut state, &hash, now, |log, limits| log.append_trigger(raw, dedupe, finished, now, limits));
        }
        let hash = arrival.hash.clone();
        let cost = raw.len() + EVENT_OVERHEAD;
        if state.held_count >= self.limits.max_held || state.held_bytes + cost > self.limits.max_held_bytes {
            return Intake::Dropped;
        }
        state.held_count += 1;
        state.held_bytes += cost;
        let held = state.held.entry(hash).or_insert_with(|| Held { since: now, bytes: 0, triggers: Vec::new() });
        held.bytes += cost;
        held.triggers.push((raw, arrival));
        Intake::Held
    }

    /// Appends a message the visitor sent (after zChat accepted it), opening the log if needed.
    pub fn append_customer_message(&self, hash: &str, message: &CustomerMessage, now: Instant) -> EventId {
        let data = serde_json::to_string(message).expect("a customer message serializes");
        let mut state = self.lock();
        self.open_locked(&mut state, hash, now);
        self.change(&mut state, hash, now, |log, limits| log.append(StreamEventKind::CustomerMessage, data, limits))
    }

    /// Subscribes to `hash` from after `after` (or from the start), opening the log if needed.
    pub fn subscribe(self: &Arc<Self>, hash: &str, after: Option<EventId>, now: Instant) -> Subscription {
        let mut state = self.lock();
        self.open_locked(&mut state, hash, now);
        let log = state.logs.get(hash).expect("opened above");
        // Subscribing under the lock: every event appended after these reaches `live`.
        let live = log.live.subscribe();
        Subscription::start(Store::Memory(Arc::clone(self)), hash, after, log.epoch, log.events.iter().cloned(), log.next_seq, live)
    }

    /// Every event of `hash`'s log of `epoch`, if it is still that one.
    pub(super) fn events_of(&self, hash: &str, epoch: u64) -> Option<Vec<Arc<LoggedEvent>>> {
        let state = self.lock();
        let log = state.logs.get(hash).filter(|log| log.epoch == epoch)?;
        Some(log.events.iter().cloned().collect())
    }

    /// Every event of `hash`'s log, if this relay has it.
    pub fn events(&self, hash: &str) -> Option<Vec<Arc<LoggedEvent>>> {
        self.lock().logs.get(hash).map(|log| log.events.iter().cloned().collect())
    }

    /// Drops held triggers older than the hold window and expired logs: the work is the number
    /// of things that expired, never all logs. Call it periodically.
    pub fn sweep(&self, now: Instant) {
        let limits = &self.limits;
        let mut state = self.lock();
        let (mut count, mut bytes) = (0, 0);
        state.held.retain(|_, held| {
            let keep = now.duration_since(held.since) < limits.hold;
            if !keep {
                count += held.triggers.len();
                bytes += held.bytes;
            }
            keep
        });
        state.held_count -= count;
        state.held_bytes -= bytes;
        while let Some((&(finished, _), _)) = state.by_finish.first_key_value() {
            if now.duration_since(finished) < limits.finished_ttl {
                break;
            }
            let (_, hash) = state.by_finish.pop_first().expect("checked above");
            state.remove(&hash);
        }
        while let Some((&(touched, _), _)) = state.by_touch.first_key_value() {
            if now.duration_since(touched) < limits.idle_ttl {
                break;
            }
            let (_, hash) = state.by_touch.pop_first().expect("checked above");
            state.remove(&hash);
        }
    }

    pub(super) fn remember_customer(&self, id: String, hash: &str, now: Instant) {
        let mut customers = self.customers.lock().expect("never poisoned");
        customers.order.push_back((id.clone(), now));
        customers.last.insert(id, (hash.to_string(), now));
        // Entries whose customer wrote again later are stale: skipped as they come.
        while customers.order.len() > self.limits.max_interactions.max(1)
            || customers.order.front().is_some_and(|(_, at)| now.duration_since(*at) >= self.limits.idle_ttl)
        {
            let (id, at) = customers.order.pop_front().expect("checked above");
            if customers.last.get(&id).is_some_and(|(_, last)| *last == at) {
                customers.last.remove(&id);
            }
        }
    }

    pub(super) fn last_of_customer(&self, id: &str, now: Instant) -> Option<String> {
        let customers = self.customers.lock().expect("never poisoned");
        customers.last.get(id).filter(|(_, at)| now.duration_since(*at) < self.limits.idle_ttl).map(|(hash, _)| hash.clone())
    }

    /// What the log holds now, and what it let go.
    pub fn stats(&self) -> LogStats {
        let state = self.lock();
        LogStats { interactions: state.logs.len(), held_triggers: state.held_count, bytes: state.bytes, evicted: state.evicted }
    }
}

impl State {
    /// A fresh place in an eviction order.
    fn order(&mut self, now: Instant) -> Order {
        self.next_order += 1;
        (now, self.next_order)
    }

    /// Removes a log and its books (its place in an order may already be taken out).
    fn remove(&mut self, hash: &str) {
        if let Some(log) = self.logs.remove(hash) {
            self.by_touch.remove(&log.order);
            self.by_finish.remove(&log.order);
            self.bytes -= log.bytes;
        }
    }

    /// Makes room for one log, never `keep`'s: the finished one that finished first, else the
    /// open one idle longest that nobody watches (among the few idle longest), else the one idle
    /// longest. `false` when there is nothing else to remove.
    fn evict_one(&mut self, keep: &str) -> bool {
        let finished = self.by_finish.values().find(|hash| *hash != keep).cloned();
        let (victim, evicted) = match finished {
            Some(hash) => (hash, &mut self.evicted.finished),
            None => {
                let candidates: Vec<&String> = self.by_touch.values().filter(|hash| *hash != keep).take(EVICTION_LOOKS).collect();
                let unwatched = candidates.iter().find(|hash| self.logs.get(**hash).is_some_and(|log| log.live.receiver_count() == 0));
                match (unwatched, candidates.first()) {
                    (Some(hash), _) => ((*hash).clone(), &mut self.evicted.idle),
                    (None, Some(hash)) => ((*hash).clone(), &mut self.evicted.active),
                    (None, None) => return false,
                }
            }
        };
        *evicted += 1;
        self.remove(&victim);
        true
    }
}

impl InteractionLog {
    fn append_trigger(&mut self, raw: String, dedupe: Dedupe, finished: bool, now: Instant, limits: &Limits) -> Intake {
        match dedupe {
            Dedupe::Message(hash) => {
                if !self.agent_messages.insert(hash.clone()) {
                    return Intake::Duplicate;
                }
                self.agent_message_order.push_back((self.next_seq, hash));
                self.last_state = None;
            }
            Dedupe::Repeat(body) => {
                if self.last_state.as_ref() == Some(&body) {
                    return Intake::Duplicate;
                }
                self.last_state = Some(body);
            }
        }
        if finished {
            self.finished_at = Some(now);
        }
        Intake::Appended(self.append(StreamEventKind::Trigger, raw, limits))
    }

    /// Appends an event; the oldest ones go while the log is over its count or its bytes.
    fn append(&mut self, kind: StreamEventKind, data: String, limits: &Limits) -> EventId {
        let id = EventId { epoch: self.epoch, seq: self.next_seq };
        self.next_seq += 1;
        let event = Arc::new(LoggedEvent { id, kind, data, at: crate::unix_millis() });
        self.bytes += event.cost();
        self.events.push_back(Arc::clone(&event));
        while (self.events.len() > limits.max_events || self.bytes > limits.max_interaction_bytes) && self.events.len() > 1 {
            if let Some(oldest) = self.events.pop_front() {
                self.bytes -= oldest.cost();
            }
        }
        // The redelivery filter forgets what the log forgets.
        let first_seq = self.events.front().map_or(self.next_seq, |event| event.id.seq);
        while self.agent_message_order.front().is_some_and(|(seq, _)| *seq < first_seq) {
            let (_, hash) = self.agent_message_order.pop_front().expect("checked above");
            self.agent_messages.remove(&hash);
        }
        // No receiver is fine: nobody is watching this interaction right now.
        let _ = self.live.send(event);
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::time::Duration;
    use zchat_types::Trigger;

    fn trigger(hash: &str, body: serde_json::Value) -> (String, Arrival) {
        let mut body = body;
        body["interaction_hash"] = json!(hash);
        body["extra"] = json!({});
        let (trigger, _) = Trigger::read(&body).unwrap();
        (body.to_string(), Arrival::of(&trigger, &body))
    }

    fn state(hash: &str, state: &str) -> (String, Arrival) {
        let mut body = json!({"state": state});
        if state == "queued" {
            body["position"] = json!(1);
        }
        trigger(hash, body)
    }

    fn agent_message(hash: &str, message_hash: &str) -> (String, Arrival) {
        trigger(hash, json!({"message": {"hash": message_hash, "content": "hi", "type": "text"}, "agent": {"id": 1, "name": "A"}}))
    }

    fn append(log: &MemoryLog, (raw, arrival): (String, Arrival)) -> Intake {
        log.append_trigger(raw, arrival, Instant::now())
    }

    fn drain(subscription: &mut Subscription) -> Vec<Arc<LoggedEvent>> {
        subscription.drain()
    }

    #[test]
    fn triggers_before_the_create_answer_are_held_then_delivered_in_order() {
        let log = MemoryLog::new(Limits::default());
        assert_eq!(append(&log, state("h", "queued")), Intake::Held);
        assert_eq!(append(&log, state("h", "accepted")), Intake::Held);
        log.open("h", Instant::now());
        let mut subscription = log.subscribe("h", None, Instant::now());
        let events = drain(&mut subscription);
        let seqs: Vec<u64> = events.iter().map(|e| e.id.seq).collect();
        assert_eq!(seqs, [1, 2]);
        assert!(events[0].data.contains("queued") && events[1].data.contains("accepted"));
        assert_eq!((log.stats().interactions, log.stats().held_triggers), (1, 0));
    }

    #[test]
    fn held_triggers_of_unknown_interactions_expire_and_are_capped() {
        let limits = Limits { max_held: 2, ..Limits::default() };
        let log = MemoryLog::new(limits.clone());
        assert_eq!(append(&log, state("x", "queued")), Intake::Held);
        assert_eq!(append(&log, state("y", "queued")), Intake::Held);
        assert_eq!(append(&log, state("z", "queued")), Intake::Dropped);
        log.sweep(Instant::now() + limits.hold + Duration::from_secs(1));
        assert_eq!((log.stats().interactions, log.stats().held_triggers), (0, 0));
    }

    #[test]
    fn redelivered_webhooks_are_not_logged_twice() {
        let log = MemoryLog::new(Limits::default());
        log.open("h", Instant::now());
        assert!(matches!(append(&log, state("h", "queued")), Intake::Appended(_)));
        assert_eq!(append(&log, state("h", "queued")), Intake::Duplicate);
        assert!(matches!(append(&log, agent_message("h", "m1")), Intake::Appended(_)));
        assert_eq!(append(&log, agent_message("h", "m1")), Intake::Duplicate);
        // The agent types again after a message: that is new, not a repeat.
        assert!(matches!(append(&log, state("h", "typing")), Intake::Appended(_)));
        assert!(matches!(append(&log, agent_message("h", "m2")), Intake::Appended(_)));
        assert!(matches!(append(&log, state("h", "typing")), Intake::Appended(_)));
    }

    #[test]
    fn resuming_gives_exactly_the_missed_events_or_a_reset() {
        let log = MemoryLog::new(Limits { max_events: 3, ..Limits::default() });
        log.open("h", Instant::now());
        for n in 0..5 {
            append(&log, agent_message("h", &format!("m{n}")));
        }
        let mut all = log.subscribe("h", None, Instant::now());
        let epoch = all.epoch;
        let seqs = |events: Vec<Arc<LoggedEvent>>| events.iter().map(|e| e.id.seq).collect::<Vec<_>>();
        assert_eq!(seqs(drain(&mut all)), [3, 4, 5], "only the last three are kept");

        let mut resumed = log.subscribe("h", Some(EventId { epoch, seq: 3 }), Instant::now());
        assert_eq!(resumed.reset, None);
        assert_eq!(seqs(drain(&mut resumed)), [4, 5]);

        for (after, why) in
            [(EventId { epoch, seq: 1 }, "expired"), (EventId { epoch: epoch - 1, seq: 4 }, "restarted"), (EventId { epoch, seq: 9 }, "ahead")]
        {
            let mut subscription = log.subscribe("h", Some(after), Instant::now());
            assert!(subscription.reset.as_deref().unwrap().contains(why), "{after}");
            assert_eq!(seqs(drain(&mut subscription)), [3, 4, 5]);
        }
    }

    #[tokio::test]
    async fn subscribers_get_backlog_then_live_events_without_gap_or_repeat() {
        let log = MemoryLog::new(Limits::default());
        log.open("h", Instant::now());
        append(&log, state("h", "queued"));
        let mut subscription = log.subscribe("h", None, Instant::now());
        append(&log, state("h", "accepted"));
        for n in 0..(LIVE_CAPACITY + 10) {
            // More than the live channel holds: the subscriber lags and reads from the log.
            append(&log, agent_message("h", &format!("m{n}")));
        }
        let mut seen = Vec::new();
        while seen.len() < LIVE_CAPACITY + 12 {
            seen.push(subscription.next().await.unwrap().id.seq);
        }
        let expected: Vec<u64> = (1..=(LIVE_CAPACITY as u64 + 12)).collect();
        assert_eq!(seen, expected);
    }

    #[test]
    fn finished_logs_expire_and_the_cap_evicts_finished_first() {
        let limits = Limits { max_interactions: 2, ..Limits::default() };
        let log = MemoryLog::new(limits.clone());
        let start = Instant::now();
        log.open("a", start);
        log.open("b", start);
        append(&log, state("a", "finished"));
        log.open("c", start);
        let state_lock = log.lock();
        assert!(!state_lock.logs.contains_key("a") && state_lock.logs.contains_key("b"));
        drop(state_lock);
        append(&log, state("c", "finished"));
        log.sweep(Instant::now() + limits.finished_ttl + Duration::from_secs(1));
        assert_eq!(log.stats().interactions, 1, "c expired, b (open, recent) stays");
        assert_eq!(log.stats().evicted, Evicted { finished: 1, idle: 0, active: 0 });
    }

    #[test]
    fn at_capacity_a_log_nobody_watches_goes_before_a_watched_one() {
        let log = MemoryLog::new(Limits { max_interactions: 3, ..Limits::default() });
        let start = Instant::now();
        let watched = log.subscribe("watched", None, start);
        log.open("idle", start + Duration::from_secs(1));
        log.open("recent", start + Duration::from_secs(2));
        log.open("new", start + Duration::from_secs(3));
        let state = log.lock();
        assert!(state.logs.contains_key("watched"), "the oldest, but a visitor is watching it");
        assert!(!state.logs.contains_key("idle") && state.logs.contains_key("recent") && state.logs.contains_key("new"));
        drop(state);
        assert_eq!(log.stats().evicted, Evicted { finished: 0, idle: 1, active: 0 });
        drop(watched);
    }

    #[test]
    fn bytes_are_bounded_per_interaction_and_in_total() {
        let limits = Limits { max_interaction_bytes: 10_000, max_bytes: 25_000, ..Limits::default() };
        let log = MemoryLog::new(limits);
        let big = |hash: &str, n: usize| {
            trigger(
                hash,
                json!({"message": {"hash": format!("m{n}"), "content": "x".repeat(3_000), "type": "text"}, "agent": {"id": 1, "name": "A"}}),
            )
        };
        log.open("a", Instant::now());
        for n in 0..10 {
            append(&log, big("a", n));
        }
        let kept = log.events("a").unwrap();
        assert_eq!(kept.len(), 3, "the newest that fit in 10,000 bytes");
        assert_eq!(kept.last().unwrap().id.seq, 10);
        assert!(log.stats().bytes <= 10_000);
        // A kept message's redelivery is still recognised.
        assert!(matches!(append(&log, big("a", 9)), Intake::Duplicate));
        for (n, hash) in ["b", "c", "d"].into_iter().enumerate() {
            log.open(hash, Instant::now());
            for m in 0..3 {
                append(&log, big(hash, n * 10 + m));
            }
        }
        let stats = log.stats();
        assert!(stats.bytes <= 25_000, "{stats:?}");
        assert!(log.events("a").is_none(), "the log idle longest went");
        assert!(stats.evicted.idle >= 1, "{stats:?}");
    }

    #[test]
    fn held_triggers_are_bounded_by_bytes() {
        let log = MemoryLog::new(Limits { max_held_bytes: 10_000, ..Limits::default() });
        let big = |n: usize| trigger(&format!("unknown-{n}"), json!({"state": "typing", "pad": "x".repeat(3_000)}));
        let intakes: Vec<Intake> = (0..5).map(|n| append(&log, big(n))).collect();
        assert_eq!(intakes, [Intake::Held, Intake::Held, Intake::Held, Intake::Dropped, Intake::Dropped]);
    }
}
