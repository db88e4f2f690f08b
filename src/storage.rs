//! Where this browser keeps what the widget must find again on the site's next page: one
//! [`Saved`] per department, under `zchat:conversation:{department}`.
//!
//! The frame's own local storage where the browser gives it one (most do, partitioned by the
//! host's site); else the host page's, which is the site's own (first party: no browser refuses a
//! site its own storage), through the open chat's helpers on that page (`www/widget-open.js`) by
//! postMessage to the host's origin only: they hand over what they hold when the frame is ready
//! (`kept:` and a JSON object of keys and texts) and write what the frame sends (`keep`, `forget`).
//! Chromium refuses the frame storage when the visitor blocks the relay's site ("not allowed to
//! save data"), Firefox when it rejects third-party cookies, Safari when it blocks all cookies:
//! README, "Privacy". Decided once, when the frame starts ([`Keeper::new`]).

use std::cell::Cell;

use crate::core::Saved;
use crate::{host, json};

/// Every key of the widget's starts with this.
const PREFIX: &str = "zchat:";

/// The most the host page may hand over (a few `Saved` are a few hundred bytes each).
const MAX_KEPT_BYTES: usize = 16 * 1024;

/// The storage key of a department's conversation.
pub fn key(department_id: i64) -> String {
    format!("{PREFIX}conversation:{department_id}")
}

pub enum Keeper {
    /// The frame's own local storage.
    Frame(web_sys::Storage),
    /// The host page's, through its helpers; `waiting` until they have handed over what they hold
    /// (nothing is written before: it would replace what they are about to hand over).
    Host { origin: String, waiting: Cell<bool> },
    /// Neither (the frame page opened on its own, with no storage): nothing is kept.
    Nowhere,
}

impl Keeper {
    pub fn new(host: Option<&str>) -> Keeper {
        match (own_storage(), host) {
            (Some(storage), _) => Keeper::Frame(storage),
            (None, Some(origin)) => Keeper::Host { origin: origin.to_string(), waiting: Cell::new(true) },
            (None, None) => Keeper::Nowhere,
        }
    }

    /// What this browser kept for `department_id`, if it can say at once: from the frame's own
    /// storage, or nothing (`Nowhere`). `None` while the host page's helpers have yet to hand it
    /// over ([`Keeper::handed_over`]).
    pub fn load(&self, department_id: i64) -> Option<Saved> {
        match self {
            Keeper::Frame(storage) => {
                Some(storage.get_item(&key(department_id)).ok().flatten().and_then(|text| json::parse(&text)).unwrap_or_default())
            }
            Keeper::Host { .. } => None,
            Keeper::Nowhere => Some(Saved::default()),
        }
    }

    /// The host page's helpers handed over what they hold (`kept`: their `kept:` message, `None`
    /// when they did not answer in time): `department_id`'s, the first time only.
    pub fn handed_over(&self, department_id: i64, kept: Option<&str>) -> Option<Saved> {
        let Keeper::Host { waiting, .. } = self else { return None };
        if !waiting.replace(false) {
            return None;
        }
        let saved = kept
            .filter(|kept| kept.len() <= MAX_KEPT_BYTES)
            .and_then(json::parse_js)
            .and_then(|all| json::field(&all, &key(department_id)).as_string());
        Some(saved.and_then(|text| json::parse(&text)).unwrap_or_default())
    }

    pub fn save(&self, department_id: i64, saved: &Saved) {
        let Some(text) = json::stringify(saved) else { return };
        match self {
            Keeper::Frame(storage) => {
                let _ = storage.set_item(&key(department_id), &text);
            }
            Keeper::Host { origin, waiting } if !waiting.get() => host::keep(origin, &key(department_id), &text),
            _ => {}
        }
    }

    /// Removes every key the widget keeps (any department's): "forget this device", a logout.
    pub fn forget(&self) {
        match self {
            Keeper::Frame(storage) => {
                let keys: Vec<String> = (0..storage.length().unwrap_or(0)).filter_map(|n| storage.key(n).ok().flatten()).collect();
                for key in keys.iter().filter(|key| key.starts_with(PREFIX)) {
                    let _ = storage.remove_item(key);
                }
            }
            Keeper::Host { origin, .. } => host::forget(origin),
            Keeper::Nowhere => {}
        }
    }
}

/// The frame's local storage, if the browser gives it one that keeps what is written: reading it
/// throws where storage is refused, and some browsers' private modes refuse the first write.
fn own_storage() -> Option<web_sys::Storage> {
    let storage = web_sys::window()?.local_storage().ok()??;
    let probe = [PREFIX, "probe"].concat();
    storage.set_item(&probe, "1").ok()?;
    let kept = storage.get_item(&probe).ok()?;
    let _ = storage.remove_item(&probe);
    (kept.as_deref() == Some("1")).then_some(storage)
}
