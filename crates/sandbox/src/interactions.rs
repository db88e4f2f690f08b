//! The sandbox's zChat: interactions, their transcript and each department's queue, with the
//! reference's rules that need the account or the interaction (request shapes and tokens are
//! checked before, in `validate`). Pure data: every change returns the triggers zChat would POST
//! for it, and the caller delivers them. No IO, no clock (times are passed in).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use zchat_types::{
    Agent, AgentMessage, ApiError, Customer, HistoryMessage, MediaType, MessageType, Mood, SendMessage, StartInteraction, Trigger, TriggerEvent,
    UpdateInteraction,
};

use crate::account::Account;

/// The most interactions the sandbox keeps; the oldest finished ones go first past it.
const MAX_INTERACTIONS: usize = 10_000;
/// The most messages one interaction keeps (a runaway script must not exhaust memory).
const MAX_MESSAGES: usize = 10_000;

/// Where an interaction is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InteractionState {
    /// Waiting in its department's queue for an agent.
    Queued,
    /// No agent was online when it started; it stays open for a later message or a finish.
    Unavailable,
    /// An agent accepted it.
    Accepted,
    Finished,
}

/// Who wrote a transcript entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Party {
    Customer,
    Agent,
}

/// One message of an interaction, as the agent sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TranscriptEntry {
    pub from: Party,
    pub content: String,
    #[serde(rename = "type")]
    pub kind: MessageType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Milliseconds since the Unix epoch.
    pub at: u64,
    /// zChat's message hash, for agent messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hash: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<Agent>,
}

/// What the sandbox made of an interaction's `external_history` URL, as the agent sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum History {
    /// Being fetched.
    Loading,
    /// Fetched and valid against the reference.
    Loaded { messages: Vec<HistoryMessage> },
    /// Could not be fetched, or is not the reference's document: why, in words.
    Invalid { error: String },
}

/// An interaction with everything zChat knows of it: the agent API's view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Interaction {
    pub hash: String,
    pub department_id: i64,
    pub media_type: MediaType,
    pub customer: Customer,
    pub extra: Map<String, Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_history: Option<String>,
    /// The fetched `external_history` document, or why it could not be used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history: Option<History>,
    pub state: InteractionState,
    /// 1-based place in the department's queue while `queued`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<u32>,
    pub created_at: u64,
    pub transcript: Vec<TranscriptEntry>,
    pub customer_typing: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<Agent>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mood: Option<Mood>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tag_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_key: Option<String>,
}

/// A request the agent API refuses, with its HTTP status (409 for a wrong state, 404 unknown).
pub type AgentResult<T> = Result<T, ApiError>;

/// All interactions of the account, in creation order.
#[derive(Debug, Default)]
pub struct Interactions {
    by_hash: HashMap<String, Interaction>,
    order: Vec<String>,
}

fn unprocessable(message: impl Into<String>) -> ApiError {
    ApiError::new(422, message)
}

impl Interactions {
    pub fn get(&self, hash: &str) -> Option<&Interaction> {
        self.by_hash.get(hash)
    }

    /// Newest first, as an agent's list shows them.
    pub fn newest_first(&self) -> impl Iterator<Item = &Interaction> {
        self.order.iter().rev().filter_map(|hash| self.by_hash.get(hash))
    }

    /// Start interaction. `hash` is the new interaction's id (a UUID chosen by the caller).
    pub fn start(&mut self, account: &Account, request: StartInteraction, hash: String, now: u64) -> Result<Vec<Trigger>, ApiError> {
        let department = account
            .department(request.department_id)
            .ok_or_else(|| unprocessable(format!("The department_id {} does not exist", request.department_id)))?;
        if !department.active {
            return Err(unprocessable(format!("The department {} is not active", department.id)));
        }
        let queue_moved = self.make_room();
        let state = if department.agents_online { InteractionState::Queued } else { InteractionState::Unavailable };
        self.by_hash.insert(
            hash.clone(),
            Interaction {
                hash: hash.clone(),
                department_id: department.id,
                media_type: request.media_type,
                customer: request.customer.unwrap_or_default(),
                extra: request.extra.unwrap_or_default(),
                history: request.external_history.as_ref().map(|_| History::Loading),
                external_history: request.external_history,
                state,
                position: None,
                created_at: now,
                transcript: Vec::new(),
                customer_typing: false,
                agent: None,
                mood: None,
                note: None,
                tag_ids: Vec::new(),
                customer_key: None,
            },
        );
        self.order.push(hash.clone());
        match state {
            InteractionState::Queued if !queue_moved => Ok(vec![self.join_queue(department.id, &hash)]),
            InteractionState::Queued => Ok(self.renumber_queue(department.id, Some(&hash))),
            _ => Ok(vec![self.trigger(&hash, TriggerEvent::Unavailable)]),
        }
    }

    /// The new interaction `hash` takes the last place of its department's queue; nobody else
    /// moves. One pass over the values, no lookups by key: 10,000 visitors arriving at once cost
    /// milliseconds, where renumbering the whole queue for each of them took half a minute.
    fn join_queue(&mut self, department: i64, hash: &str) -> Trigger {
        let position = self.by_hash.values().filter(|i| i.department_id == department && i.state == InteractionState::Queued).count();
        let position = u32::try_from(position).unwrap_or(u32::MAX);
        self.by_hash.get_mut(hash).expect("just inserted").position = Some(position);
        self.trigger(hash, TriggerEvent::Queued { position: Some(position) })
    }

    /// Send message, from the visitor.
    pub fn customer_message(&mut self, hash: &str, request: SendMessage, now: u64) -> Result<(), ApiError> {
        let interaction = self.open_interaction(hash)?;
        if interaction.transcript.len() >= MAX_MESSAGES {
            return Err(unprocessable("The interaction has too many messages"));
        }
        interaction.customer_typing = false;
        interaction.transcript.push(TranscriptEntry {
            from: Party::Customer,
            content: request.content,
            kind: request.kind,
            url: request.url,
            at: now,
            hash: None,
            agent: None,
        });
        Ok(())
    }

    /// Notify typing (`typing = true`) or stopped typing (`false`), from the visitor.
    pub fn customer_typing(&mut self, hash: &str, typing: bool) -> Result<(), ApiError> {
        self.open_interaction(hash)?.customer_typing = typing;
        Ok(())
    }

    /// Update interaction. Allowed on a finished interaction: that is when visitors rate.
    pub fn update(&mut self, account: &Account, hash: &str, request: UpdateInteraction) -> Result<(), ApiError> {
        if let Some(tag) = request.tag_ids.iter().flatten().find(|tag| !account.tag_ids.contains(tag)) {
            return Err(unprocessable(format!("The tag_id {tag} does not exist")));
        }
        if let Some(key) = request.customer_key.as_ref().filter(|key| !account.customer_keys.contains(key)) {
            return Err(unprocessable(format!("The customer_key {key} does not exist")));
        }
        let interaction = self.known_interaction(hash)?;
        if request.mood.is_some() {
            interaction.mood = request.mood;
        }
        if request.note.is_some() {
            interaction.note = request.note;
        }
        if let Some(tags) = request.tag_ids {
            interaction.tag_ids = tags;
        }
        if request.customer_key.is_some() {
            interaction.customer_key = request.customer_key;
        }
        Ok(())
    }

    /// Finish interaction, from the visitor. zChat's `finished` trigger reports an *agent's*
    /// finish, so this sends none for the interaction itself; the queue behind it moves up.
    pub fn customer_finish(&mut self, hash: &str) -> Result<Vec<Trigger>, ApiError> {
        let interaction = self.open_interaction(hash)?;
        let was_queued = interaction.state == InteractionState::Queued;
        interaction.state = InteractionState::Finished;
        interaction.position = None;
        interaction.customer_typing = false;
        let department = interaction.department_id;
        Ok(if was_queued { self.renumber_queue(department, None) } else { Vec::new() })
    }

    /// The agent takes a queued (or unavailable) interaction; the rest of the queue moves up.
    pub fn accept(&mut self, hash: &str, agent: Agent) -> AgentResult<Vec<Trigger>> {
        let interaction = self.agent_interaction(hash)?;
        if interaction.state == InteractionState::Accepted {
            return Err(ApiError::new(409, "The interaction was already accepted"));
        }
        interaction.state = InteractionState::Accepted;
        interaction.position = None;
        interaction.agent = Some(agent);
        let department = interaction.department_id;
        let mut triggers = vec![self.trigger(hash, TriggerEvent::Accepted)];
        triggers.extend(self.renumber_queue(department, None));
        Ok(triggers)
    }

    /// The agent sends a message to an interaction they accepted.
    pub fn agent_message(
        &mut self,
        hash: &str,
        content: String,
        kind: MessageType,
        url: Option<String>,
        message_hash: String,
        now: u64,
    ) -> AgentResult<Vec<Trigger>> {
        crate::validate::check_content(&content, kind, url.as_deref()).map_err(|e| ApiError::new(400, e.message))?;
        let interaction = self.accepted_interaction(hash)?;
        if interaction.transcript.len() >= MAX_MESSAGES {
            return Err(ApiError::new(409, "The interaction has too many messages"));
        }
        let agent = interaction.agent.clone().expect("an accepted interaction has its agent");
        let message = AgentMessage { hash: message_hash, content, kind, url };
        interaction.transcript.push(TranscriptEntry {
            from: Party::Agent,
            content: message.content.clone(),
            kind,
            url: message.url.clone(),
            at: now,
            hash: Some(message.hash.clone()),
            agent: Some(agent.clone()),
        });
        Ok(vec![self.trigger(hash, TriggerEvent::AgentMessage { message, agent })])
    }

    /// The agent starts (`true`) or stops typing.
    pub fn agent_typing(&mut self, hash: &str, typing: bool) -> AgentResult<Vec<Trigger>> {
        self.accepted_interaction(hash)?;
        let event = if typing { TriggerEvent::Typing } else { TriggerEvent::Cleared };
        Ok(vec![self.trigger(hash, event)])
    }

    /// The agent finishes the interaction.
    pub fn agent_finish(&mut self, hash: &str) -> AgentResult<Vec<Trigger>> {
        let interaction = self.agent_interaction(hash)?;
        let was_queued = interaction.state == InteractionState::Queued;
        interaction.state = InteractionState::Finished;
        interaction.position = None;
        let department = interaction.department_id;
        let mut triggers = vec![self.trigger(hash, TriggerEvent::Finished)];
        if was_queued {
            triggers.extend(self.renumber_queue(department, None));
        }
        Ok(triggers)
    }

    /// Records what became of the interaction's external history (if it is still kept).
    pub fn set_history(&mut self, hash: &str, history: History) {
        if let Some(interaction) = self.by_hash.get_mut(hash) {
            interaction.history = Some(history);
        }
    }

    fn known_interaction(&mut self, hash: &str) -> Result<&mut Interaction, ApiError> {
        self.by_hash.get_mut(hash).ok_or_else(|| unprocessable(format!("The interaction {hash} does not exist")))
    }

    fn open_interaction(&mut self, hash: &str) -> Result<&mut Interaction, ApiError> {
        let interaction = self.known_interaction(hash)?;
        if interaction.state == InteractionState::Finished {
            return Err(unprocessable("The interaction is already finished"));
        }
        Ok(interaction)
    }

    fn agent_interaction(&mut self, hash: &str) -> AgentResult<&mut Interaction> {
        let interaction = self.by_hash.get_mut(hash).ok_or_else(|| ApiError::new(404, format!("The interaction {hash} does not exist")))?;
        if interaction.state == InteractionState::Finished {
            return Err(ApiError::new(409, "The interaction is already finished"));
        }
        Ok(interaction)
    }

    fn accepted_interaction(&mut self, hash: &str) -> AgentResult<&mut Interaction> {
        let interaction = self.agent_interaction(hash)?;
        if interaction.state != InteractionState::Accepted {
            return Err(ApiError::new(409, "Accept the interaction first"));
        }
        Ok(interaction)
    }

    /// Gives every queued interaction of `department` its position (creation order) and returns a
    /// `queued` trigger for each whose position changed, and for `new` (just queued).
    fn renumber_queue(&mut self, department: i64, new: Option<&str>) -> Vec<Trigger> {
        let queued: Vec<String> = self
            .order
            .iter()
            .filter(|hash| {
                let i = &self.by_hash[*hash];
                i.department_id == department && i.state == InteractionState::Queued
            })
            .cloned()
            .collect();
        let mut triggers = Vec::new();
        for (index, hash) in queued.iter().enumerate() {
            let position = index as u32 + 1;
            let interaction = self.by_hash.get_mut(hash).expect("queued hashes are known");
            if interaction.position != Some(position) || new == Some(hash.as_str()) {
                interaction.position = Some(position);
                triggers.push(self.trigger(hash, TriggerEvent::Queued { position: Some(position) }));
            }
        }
        triggers
    }

    fn trigger(&self, hash: &str, event: TriggerEvent) -> Trigger {
        Trigger { interaction_hash: hash.to_string(), event, extra: self.by_hash[hash].extra.clone() }
    }

    /// Keeps the store under [`MAX_INTERACTIONS`] by forgetting the oldest finished interactions
    /// (or, if none is finished, the oldest of all). Whether a queued one went (the queue moved).
    fn make_room(&mut self) -> bool {
        let mut queue_moved = false;
        while self.order.len() >= MAX_INTERACTIONS {
            let index = self.order.iter().position(|hash| self.by_hash[hash].state == InteractionState::Finished).unwrap_or(0);
            let hash = self.order.remove(index);
            let forgotten = self.by_hash.remove(&hash);
            queue_moved |= forgotten.is_some_and(|i| i.state == InteractionState::Queued);
        }
        queue_moved
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::DEFAULT_TOKEN;

    fn start(store: &mut Interactions, account: &Account, hash: &str, department_id: i64) -> Result<Vec<Trigger>, ApiError> {
        let request: StartInteraction = serde_json::from_value(serde_json::json!({
            "token": DEFAULT_TOKEN, "department_id": department_id, "extra": {"clientId": "c1"}
        }))
        .unwrap();
        store.start(account, request, hash.to_string(), 1)
    }

    fn agent() -> Agent {
        Agent { id: 111, name: "Atendente".into() }
    }

    #[test]
    fn the_queue_numbers_new_interactions_and_moves_up_on_accept() {
        let account = Account::default();
        let mut store = Interactions::default();
        let first = start(&mut store, &account, "a", 1).unwrap();
        assert_eq!(first[0].event, TriggerEvent::Queued { position: Some(1) });
        assert_eq!(first[0].extra["clientId"], "c1");
        let second = start(&mut store, &account, "b", 1).unwrap();
        assert_eq!(second.len(), 1);
        assert_eq!((second[0].interaction_hash.as_str(), &second[0].event), ("b", &TriggerEvent::Queued { position: Some(2) }));

        let accepted = store.accept("a", agent()).unwrap();
        let events: Vec<_> = accepted.iter().map(|t| (t.interaction_hash.as_str(), t.event.clone())).collect();
        assert_eq!(events, [("a", TriggerEvent::Accepted), ("b", TriggerEvent::Queued { position: Some(1) })]);
    }

    #[test]
    fn a_full_store_forgets_the_oldest_and_the_queue_moves_up() {
        let account = Account::default();
        let mut store = Interactions::default();
        let started = std::time::Instant::now();
        for n in 0..MAX_INTERACTIONS {
            let triggers = start(&mut store, &account, &format!("q{n}"), 1).unwrap();
            assert_eq!(triggers.len(), 1, "a new arrival moves nobody else");
            assert_eq!(triggers[0].event, TriggerEvent::Queued { position: Some(n as u32 + 1) });
        }
        // Was half a minute (the whole queue renumbered for each arrival); now about a second
        // in a debug build on a slow machine.
        assert!(started.elapsed() < std::time::Duration::from_secs(10), "{:?} for {MAX_INTERACTIONS} arrivals", started.elapsed());
        store.accept("q1", agent()).unwrap();
        // Full: the oldest (q0, queued) goes, and everyone behind it moves up.
        let triggers = start(&mut store, &account, "last", 1).unwrap();
        let moved: Vec<_> = triggers.iter().map(|t| (t.interaction_hash.as_str(), t.event.clone())).take(2).collect();
        assert_eq!(moved, [("q2", TriggerEvent::Queued { position: Some(1) }), ("q3", TriggerEvent::Queued { position: Some(2) })]);
        assert_eq!(triggers.last().map(|t| t.event.clone()), Some(TriggerEvent::Queued { position: Some(MAX_INTERACTIONS as u32 - 1) }));
        assert!(store.get("q0").is_none());
    }

    #[test]
    fn no_agent_online_is_unavailable() {
        let mut store = Interactions::default();
        let triggers = start(&mut store, &Account::default(), "a", 2).unwrap();
        assert_eq!(triggers[0].event, TriggerEvent::Unavailable);
    }

    #[test]
    fn unknown_and_inactive_departments_are_refused() {
        let account = Account::default();
        let mut store = Interactions::default();
        assert_eq!(start(&mut store, &account, "a", 9).unwrap_err().message, "The department_id 9 does not exist");
        assert_eq!(start(&mut store, &account, "a", 3).unwrap_err().message, "The department 3 is not active");
    }

    #[test]
    fn messages_follow_the_reference_rules() {
        let account = Account::default();
        let mut store = Interactions::default();
        start(&mut store, &account, "a", 1).unwrap();
        let send = |content: &str| SendMessage { token: DEFAULT_TOKEN.into(), content: content.into(), kind: MessageType::Text, url: None };
        let unknown = store.customer_message("zzz", send("hi"), 2).unwrap_err();
        assert_eq!((unknown.status, unknown.message.as_str()), (422, "The interaction zzz does not exist"));
        store.customer_message("a", send("hi"), 2).unwrap();
        assert_eq!(store.get("a").unwrap().transcript[0].content, "hi");

        store.accept("a", agent()).unwrap();
        store.agent_finish("a").unwrap();
        assert_eq!(store.customer_message("a", send("late"), 3).unwrap_err().message, "The interaction is already finished");
        // Rating after the finish is allowed.
        let rate = UpdateInteraction {
            token: DEFAULT_TOKEN.into(),
            mood: Some(Mood::Positive),
            tag_ids: None,
            customer_key: None,
            note: Some("thanks".into()),
            identity: None,
        };
        store.update(&account, "a", rate).unwrap();
        assert_eq!(store.get("a").unwrap().mood, Some(Mood::Positive));
    }

    #[test]
    fn agent_messages_need_an_accepted_interaction() {
        let account = Account::default();
        let mut store = Interactions::default();
        start(&mut store, &account, "a", 1).unwrap();
        let early = store.agent_message("a", "hello".into(), MessageType::Text, None, "m1".into(), 2);
        assert_eq!(early.unwrap_err().status, 409);
        store.accept("a", agent()).unwrap();
        let triggers = store.agent_message("a", "hello".into(), MessageType::Text, None, "m1".into(), 2).unwrap();
        let TriggerEvent::AgentMessage { message, agent } = &triggers[0].event else { panic!() };
        assert_eq!((message.content.as_str(), agent.id), ("hello", 111));
    }

    #[test]
    fn unknown_tags_and_customer_keys_are_refused() {
        let account = Account::default();
        let mut store = Interactions::default();
        start(&mut store, &account, "a", 1).unwrap();
        let update = |tags: Option<Vec<&str>>, key: Option<&str>| UpdateInteraction {
            token: DEFAULT_TOKEN.into(),
            mood: None,
            tag_ids: tags.map(|t| t.into_iter().map(str::to_string).collect()),
            customer_key: key.map(str::to_string),
            note: None,
            identity: None,
        };
        assert_eq!(store.update(&account, "a", update(Some(vec!["1", "7"]), None)).unwrap_err().message, "The tag_id 7 does not exist");
        assert_eq!(store.update(&account, "a", update(None, Some("nobody"))).unwrap_err().message, "The customer_key nobody does not exist");
        store.update(&account, "a", update(Some(vec!["1", "999"]), Some("0010-abcd-efgh-ijkd-1c422e49fdff"))).unwrap();
        assert_eq!(store.get("a").unwrap().tag_ids, ["1", "999"]);
    }
}
