//! What the frame keeps in its local storage between page loads: one [`Saved`] per department.
//! Storage may be off (private modes, blocked third-party storage): the chat works without it.

use crate::core::Saved;
use crate::json;

/// Every key of the widget's starts with this.
const PREFIX: &str = "zchat:";

/// The storage key of a department's conversation.
fn key(department_id: i64) -> String {
    format!("{PREFIX}conversation:{department_id}")
}

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// What this browser kept for `department_id` (nothing when storage is off or the data is bad).
pub fn load(department_id: i64) -> Saved {
    local_storage().and_then(|storage| storage.get_item(&key(department_id)).ok()?).and_then(|text| json::parse(&text)).unwrap_or_default()
}

pub fn save(department_id: i64, saved: &Saved) {
    if let (Some(storage), Some(json)) = (local_storage(), json::stringify(saved)) {
        let _ = storage.set_item(&key(department_id), &json);
    }
}

/// Removes every key the widget keeps (any department's): "forget this device", a logout.
pub fn forget() {
    let Some(storage) = local_storage() else { return };
    let keys: Vec<String> = (0..storage.length().unwrap_or(0)).filter_map(|n| storage.key(n).ok().flatten()).collect();
    for key in keys.iter().filter(|key| key.starts_with(PREFIX)) {
        let _ = storage.remove_item(key);
    }
}
