//! The ordered event log of every interaction: the source of truth of the transcript
//! (DESIGN.md §3). Triggers from webhooks and the visitor's own sent messages are appended with
//! ids that increase by one; subscribers get the events after the id they last saw, then every
//! new one, with no gap and no repeat.
//!
//! Memory is bounded by count and by bytes: at most `max_interactions` logs, each of at most
//! `max_events` events and `max_interaction_bytes`, all of them at most `max_bytes`; triggers for
//! interactions not (yet) opened here are held for `hold`, at most `max_held` of them and
//! `max_held_bytes`. Logs go `finished_ttl` after `finished`, or `idle_ttl` after their last event.
//! When room is needed, finished logs go first (the one that finished first), then logs nobody
//! is watching (the one idle longest), and only then the oldest watched one; finding the victim
//! looks at a few logs at most, never at all of them, and every eviction is counted.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tokio::sync::broadcast;
use zchat_types::{CustomerMessage, EventId, StreamEventKind, Trigger, TriggerEvent};

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
        }
    }
}

/// What a log holds now, and what it had to let go (for metrics and tests).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LogStats {
    /// Interaction logs kept here (with Redis: this relay's interactions with open streams).
    pub interactions: usize,
    pub held_triggers: usize,
    /// Bytes of events kept (with Redis: Redis's to count).
    pub bytes: usize,
    pub evicted: Evicted,
}

/// Logs removed to make room, by why they were chosen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Evicted {
    pub finished: u64,
    /// Open, but nobody watching.
    pub idle: u64,
    /// Watched: every other candidate looked at was too.
    pub active: u64,
}

/// One event of a log, as streamed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedEvent {
    pub id: EventId,
    pub kind: StreamEventKind,
    /// The SSE `data:`: for a trigger, the webhook body as zChat sent it.
    pub data: String,
    /// When the relay logged it, in milliseconds since the Unix epoch.
    pub at: u64,
}

impl LoggedEvent {
    /// What keeping it costs, roughly: its data and its bookkeeping.
    fn cost(&self) -> usize {
        self.data.len() + EVENT_OVERHEAD
    }
}

/// What the log needs to know of a trigger, whatever its shape: whose it is, how to recognise its
/// redelivery, and whether it ends the conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arrival {
    pub hash: String,
    pub dedupe: Dedupe,
    pub finished: bool,
}

/// How a redelivered trigger is recognised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dedupe {
    /// By its message hash, for as long as the message is in the log (any shape that has one).
    Message(String),
    /// As a repeat of the last trigger since the last message (the body's canonical text).
    Repeat(String),
}

impl Arrival {
    /// `body` is the webhook as parsed; its text with sorted keys is its canonical form.
    pub fn of(trigger: &Trigger, body: &serde_json::Value) -> Arrival {
        let dedupe = match &trigger.event {
            TriggerEvent::AgentMessage { message, .. } if !message.hash.is_empty() => Dedupe::Message(message.hash.clone()),
            _ => Dedupe::Repeat(body.to_string()),
        };
        Arrival { hash: trigger.interaction_hash.clone(), dedupe, finished: trigger.event == TriggerEvent::Finished }
    }
}

/// What became of a trigger given to [`EventLog::append_trigger`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Intake {
    Appended(EventId),
    /// A redelivery of a trigger already in the log.
    Duplicate,
    /// Held until the interaction is opened here, or dropped after the hold window.
    Held,
    /// Not kept: too many triggers are held already.
    Dropped,
}

/// Where a new subscriber starts.
pub struct Subscription {
    /// `Some(reason)` when the given id could not be resumed: the backlog is then the whole log.
    pub reset: Option<String>,
    pub epoch: u64,
    backlog: VecDeque<Arc<LoggedEvent>>,
    live: broadcast::Receiver<Arc<LoggedEvent>>,
    last_seq: u64,
    log: Arc<EventLog>,
    hash: String,
}

impl Subscription {
    /// The next event, or `None` when the log is gone (expired or evicted) or cannot be followed
    /// any more (the subscriber fell behind past the log's start; reconnecting gets a reset).
    pub async fn next(&mut self) -> Option<Arc<LoggedEvent>> {
        loop {
            if let Some(event) = self.backlog.pop_front() {
                self.last_seq = event.id.seq;
                return Some(event);
            }
            match self.live.recv().await {
                Ok(event) if event.id.seq <= self.last_seq => continue,
                Ok(event) => {
                    self.last_seq = event.id.seq;
                    return Some(event);
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    // Too slow for the live channel: read what was missed from the log itself.
                    self.backlog = self.log.events_after(&self.hash, self.epoch, self.last_seq)?.into();
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }
}

/// All logs of this relay.
pub struct EventLog {
    state: Mutex<State>,
    limits: Limits,
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

/// Live events buffered per subscriber before it counts as lagging (and reads from the log).
const LIVE_CAPACITY: usize = 64;
/// What an event costs besides its data (its id, its `Arc`, the queue's slot).
const EVENT_OVERHEAD: usize = 128;
/// The most logs looked at to find one nobody watches before taking the oldest watched one.
const EVICTION_LOOKS: usize = 32;

impl EventLog {
    pub fn new(limits: Limits) -> Arc<Self> {
        Arc::new(EventLog { state: Mutex::new(State::default()), limits })
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
        state.last_epoch = unix_millis().max(state.last_epoch + 1);
        let order = state.order(now);
        let (live, _) = broadcast::channel(LIVE_CAPACITY);
        let log = InteractionLog {
            epoch: state.last_epoch,
            events: VecDeque::new(),
            bytes: 0,
            next_seq: 1,
            agent_messages: HashSet::new(),
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
                self.change(state, hash, now, |log, limits| log.append_trigger(raw, arrival, now, limits));
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
            state.by_touch.remove(&old);
            state.by_touch.insert(order, hash.to_string());
        } else if state.by_touch.remove(&old).is_some() {
            // It just finished: from now on it is in the finished order.
            log.order = order;
            state.by_finish.insert(order, hash.to_string());
        }
        state.bytes = state.bytes + after - before;
        while state.bytes > self.limits.max_bytes && state.evict_one(hash) {}
        result
    }

    /// Appends a webhook's trigger (`raw` is its body as received), holds it if the interaction is
    /// not open here yet, or recognises a redelivery.
    pub fn append_trigger(&self, raw: String, arrival: Arrival, now: Instant) -> Intake {
        let mut state = self.lock();
        let hash = arrival.hash.clone();
        if state.logs.contains_key(&hash) {
            return self.change(&mut state, &hash, now, |log, limits| log.append_trigger(raw, arrival, now, limits));
        }
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
        let first_seq = log.events.front().map_or(log.next_seq, |event| event.id.seq);
        let (reset, after_seq) = resume_point(after, log.epoch, first_seq, log.next_seq);
        Subscription {
            reset,
            epoch: log.epoch,
            backlog: log.events.iter().filter(|event| event.id.seq > after_seq).cloned().collect(),
            // Subscribing under the lock: every event appended after the backlog reaches `live`.
            live: log.live.subscribe(),
            last_seq: after_seq,
            log: Arc::clone(self),
            hash: hash.to_string(),
        }
    }

    /// The events after `seq`, or `None` if the log is gone, restarted, or no longer holds them.
    fn events_after(&self, hash: &str, epoch: u64, seq: u64) -> Option<Vec<Arc<LoggedEvent>>> {
        let state = self.lock();
        let log = state.logs.get(hash).filter(|log| log.epoch == epoch)?;
        let first_seq = log.events.front().map_or(log.next_seq, |event| event.id.seq);
        (seq + 1 >= first_seq).then(|| log.events.iter().filter(|event| event.id.seq > seq).cloned().collect())
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
    fn append_trigger(&mut self, raw: String, arrival: Arrival, now: Instant, limits: &Limits) -> Intake {
        match arrival.dedupe {
            Dedupe::Message(hash) => {
                if !self.agent_messages.insert(hash) {
                    return Intake::Duplicate;
                }
                self.last_state = None;
            }
            Dedupe::Repeat(body) => {
                if self.last_state.as_ref() == Some(&body) {
                    return Intake::Duplicate;
                }
                self.last_state = Some(body);
            }
        }
        if arrival.finished {
            self.finished_at = Some(now);
        }
        Intake::Appended(self.append(StreamEventKind::Trigger, raw, limits))
    }

    /// Appends an event; the oldest ones go while the log is over its count or its bytes.
    fn append(&mut self, kind: StreamEventKind, data: String, limits: &Limits) -> EventId {
        let id = EventId { epoch: self.epoch, seq: self.next_seq };
        self.next_seq += 1;
        let event = Arc::new(LoggedEvent { id, kind, data, at: unix_millis() });
        self.bytes += event.cost();
        self.events.push_back(Arc::clone(&event));
        while (self.events.len() > limits.max_events || self.bytes > limits.max_interaction_bytes) && self.events.len() > 1 {
            if let Some(oldest) = self.events.pop_front() {
                self.bytes -= oldest.cost();
                forget_agent_message(&mut self.agent_messages, &oldest);
            }
        }
        // No receiver is fine: nobody is watching this interaction right now.
        let _ = self.live.send(event);
        id
    }
}

/// Where a stream asking for the events after `after` starts in a log of `epoch` that holds
/// `first_seq..next_seq`: after that id, or (with the reason) from the start.
pub(crate) fn resume_point(after: Option<EventId>, epoch: u64, first_seq: u64, next_seq: u64) -> (Option<String>, u64) {
    let reset = match after {
        None => None,
        Some(id) if id.epoch != epoch => Some("this conversation's event log was restarted".to_string()),
        Some(id) if id.seq >= next_seq => Some("the event id is ahead of the log".to_string()),
        Some(id) if id.seq + 1 < first_seq => Some("the events after that id have expired".to_string()),
        Some(_) => None,
    };
    let after_seq = match (after, &reset) {
        (Some(id), None) => id.seq,
        _ => 0,
    };
    (reset, after_seq)
}

/// Keeps the duplicate filter as long as the log: a trimmed message's hash goes with it.
fn forget_agent_message(hashes: &mut HashSet<String>, event: &LoggedEvent) {
    if event.kind == StreamEventKind::Trigger {
        let body = serde_json::from_str(&event.data).unwrap_or_default();
        if let Ok((Trigger { event: TriggerEvent::AgentMessage { message, .. }, .. }, _)) = Trigger::read(&body) {
            hashes.remove(&message.hash);
        }
    }
}

fn unix_millis() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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

    fn append(log: &EventLog, (raw, arrival): (String, Arrival)) -> Intake {
        log.append_trigger(raw, arrival, Instant::now())
    }

    fn drain(subscription: &mut Subscription) -> Vec<Arc<LoggedEvent>> {
        let mut events = Vec::new();
        while let Some(event) = subscription.backlog.pop_front() {
            subscription.last_seq = event.id.seq;
            events.push(event);
        }
        events
    }

    #[test]
    fn triggers_before_the_create_answer_are_held_then_delivered_in_order() {
        let log = EventLog::new(Limits::default());
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
        let log = EventLog::new(limits.clone());
        assert_eq!(append(&log, state("x", "queued")), Intake::Held);
        assert_eq!(append(&log, state("y", "queued")), Intake::Held);
        assert_eq!(append(&log, state("z", "queued")), Intake::Dropped);
        log.sweep(Instant::now() + limits.hold + Duration::from_secs(1));
        assert_eq!((log.stats().interactions, log.stats().held_triggers), (0, 0));
    }

    #[test]
    fn redelivered_webhooks_are_not_logged_twice() {
        let log = EventLog::new(Limits::default());
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
        let log = EventLog::new(Limits { max_events: 3, ..Limits::default() });
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
        let log = EventLog::new(Limits::default());
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
        let log = EventLog::new(limits.clone());
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
        let log = EventLog::new(Limits { max_interactions: 3, ..Limits::default() });
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
        let log = EventLog::new(limits);
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
        let log = EventLog::new(Limits { max_held_bytes: 10_000, ..Limits::default() });
        let big = |n: usize| trigger(&format!("unknown-{n}"), json!({"state": "typing", "pad": "x".repeat(3_000)}));
        let intakes: Vec<Intake> = (0..5).map(|n| append(&log, big(n))).collect();
        assert_eq!(intakes, [Intake::Held, Intake::Held, Intake::Held, Intake::Dropped, Intake::Dropped]);
    }
}
