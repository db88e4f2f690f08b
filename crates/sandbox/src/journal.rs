//! What the sandbox received (every ClientApi request with its answer) and sent (every webhook
//! delivery with its attempts), for tests and scripts to assert on. Each list keeps the newest
//! [`CAPACITY`] entries.

use std::collections::VecDeque;
use std::sync::Mutex;

use serde::Serialize;
use serde_json::Value;

pub const CAPACITY: usize = 1000;

/// One ClientApi request.
#[derive(Debug, Clone, Serialize)]
pub struct Request {
    /// Milliseconds since the Unix epoch.
    pub at: u64,
    pub method: String,
    pub path: String,
    /// The body as JSON, or as a string when it was not JSON.
    pub body: Value,
    pub status: u16,
    pub answer: Value,
}

/// One trigger's delivery.
#[derive(Debug, Clone, Serialize)]
pub struct Delivery {
    pub at: u64,
    pub trigger: Value,
    pub attempts: u32,
    pub delivered: bool,
    /// What went wrong on the failed attempts, and the faults injected into this delivery.
    pub notes: Vec<String>,
}

#[derive(Default)]
pub struct Journal {
    requests: Mutex<VecDeque<Request>>,
    deliveries: Mutex<VecDeque<Delivery>>,
}

fn push<T>(list: &Mutex<VecDeque<T>>, entry: T) {
    let mut list = list.lock().expect("the journal lock is never poisoned");
    if list.len() == CAPACITY {
        list.pop_front();
    }
    list.push_back(entry);
}

impl Journal {
    pub fn request(&self, entry: Request) {
        push(&self.requests, entry);
    }

    pub fn delivery(&self, entry: Delivery) {
        push(&self.deliveries, entry);
    }

    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().expect("the journal lock is never poisoned").iter().cloned().collect()
    }

    pub fn deliveries(&self) -> Vec<Delivery> {
        self.deliveries.lock().expect("the journal lock is never poisoned").iter().cloned().collect()
    }

    pub fn clear(&self) {
        self.requests.lock().expect("the journal lock is never poisoned").clear();
        self.deliveries.lock().expect("the journal lock is never poisoned").clear();
    }
}

/// A body as JSON when it is JSON, else as text.
pub fn body_value(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(bytes).into_owned()))
}
