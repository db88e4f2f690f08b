//! What the site says: its embed settings (`data-*`, fixed for the frame's life) and what its page
//! gives through the JS API (`setCustomer`, `setExtra`, `identify`, `setTags`, the page context).
//! It holds for every conversation started on the page: starting anew replaces the conversation,
//! never the site (a verified customer's second conversation is verified too).

use serde_json::{Map, Value};
use zchat_types::{Customer, Identity, SignedHistory};

use super::attachments::DEFAULT_UPLOAD_LIMIT;
use super::prechat::{self, FieldRule};
use crate::texts::Lang;

/// Prefilled answers longer than this are cut.
const MAX_PREFILL_CHARS: usize = 200;

/// The site's alerts for the visitor who looks away (`data-sound`, `data-title-alert`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Alerts {
    pub sound: bool,
    pub title: bool,
}

impl Default for Alerts {
    fn default() -> Self {
        Alerts { sound: true, title: true }
    }
}

/// The site's business hours as given (`data-hours`, `data-timezone`; the relay reads them), and
/// when the team is back by them (ms since the epoch; `None` while it is there or until the relay
/// said).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hours {
    pub rule: String,
    pub timezone: String,
    pub back_at: Option<i64>,
}

/// A bot's transcript for the agent of the next conversation (`setHistory`): it goes with one
/// conversation only, however often the page says it again.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Handoff {
    #[default]
    None,
    /// For the next start.
    Ready(SignedHistory),
    /// A conversation took it (its signature names it).
    Gone { signature: String },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    /// The embed's department: the one conversations start in, unless the visitor chooses from
    /// `departments`; also the key of what this browser keeps (`Saved`).
    pub department_id: i64,
    /// Departments the visitor may choose from (id, name); empty: `department_id` only.
    pub departments: Vec<(i64, String)>,
    /// The pre-chat form's fields.
    pub fields: Vec<FieldRule>,
    /// The visitor's language: the form's errors are in it.
    pub lang: Lang,
    pub hours: Option<Hours>,
    /// The largest file the relay takes, in bytes.
    pub upload_limit: u64,
    pub alerts: Alerts,
    /// Answers the host page gave for the pre-chat form.
    pub prefill: Customer,
    /// What the host page gave as `extra`.
    pub extra: Option<Map<String, Value>>,
    /// A verified customer, tags, the page the visitor is on.
    pub identity: Option<Identity>,
    pub tags: Option<Vec<String>>,
    pub page: Option<Map<String, Value>>,
    pub handoff: Handoff,
}

impl Site {
    pub fn new(department_id: i64) -> Self {
        Site {
            department_id,
            departments: Vec::new(),
            fields: prechat::default_fields(),
            lang: Lang::default(),
            hours: None,
            upload_limit: DEFAULT_UPLOAD_LIMIT,
            alerts: Alerts::default(),
            prefill: Customer::default(),
            extra: None,
            identity: None,
            tags: None,
            page: None,
            handoff: Handoff::None,
        }
    }

    /// The page says `history` (or no more): ready for the next start, unless a conversation took
    /// that very one already.
    pub(super) fn hand_over(&mut self, history: Option<SignedHistory>) {
        self.handoff = match (history, std::mem::take(&mut self.handoff)) {
            (Some(history), Handoff::Gone { signature }) if history.signature == signature => Handoff::Gone { signature },
            (Some(history), _) => Handoff::Ready(history),
            (None, Handoff::Gone { signature }) => Handoff::Gone { signature },
            (None, _) => Handoff::None,
        };
    }

    /// The host page's answers for the form, trimmed and cut.
    pub(super) fn prefill(&mut self, customer: Customer) {
        let cut = |value: Option<String>| value.map(|v| v.trim().chars().take(MAX_PREFILL_CHARS).collect::<String>()).filter(|v| !v.is_empty());
        self.prefill = Customer { name: cut(customer.name), email: cut(customer.email), phone: cut(customer.phone), cpf: cut(customer.cpf) };
    }

    /// The visitor is forgotten (a logout, "Forget this device"): who they are goes (the verified
    /// customer, the form's answers); what the page says of itself stays (`extra`, tags, the page).
    pub(super) fn forget_visitor(&mut self) {
        self.identity = None;
        self.prefill = Customer::default();
    }

    /// Whether `department` may be chosen: the embed's own, or one of its list.
    pub fn offers(&self, department: i64) -> bool {
        department == self.department_id || self.departments.iter().any(|(id, _)| *id == department)
    }
}
