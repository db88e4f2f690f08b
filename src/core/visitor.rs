//! The visitor's own: their choices (the chime muted, notifications on), what their browser
//! allows, whether they see the window, and the conversation they last finished. It outlives every
//! conversation; only forgetting the device takes it back to the start.

use super::attention::Permission;
use super::conversation::Session;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visitor {
    /// The visitor muted the chime.
    pub muted: bool,
    /// The visitor turned browser notifications on.
    pub notify: bool,
    /// What the host page's browser says of notifications.
    pub permission: Permission,
    /// Whether the host page shows the window.
    pub open: bool,
    /// Whether the visitor can see the window now (open on a visible page).
    pub seen: bool,
    /// Whether the page is visible (the tab in front).
    pub visible: bool,
    /// The visitor's last finished conversation, which the next one names for its agent.
    pub previous: Option<Session>,
}

impl Default for Visitor {
    fn default() -> Self {
        Visitor { muted: false, notify: false, permission: Permission::Unavailable, open: false, seen: true, visible: true, previous: None }
    }
}

impl Visitor {
    /// Whether an agent message while the page is hidden becomes a notification: the visitor
    /// turned them on and the browser allows them (the switch shows it pressed).
    pub fn notifying(&self) -> bool {
        self.notify && self.permission == Permission::Granted
    }

    /// This device forgets the visitor: their choices and their conversations go; what the browser
    /// says and where the window is stay (they are the browser's, not the visitor's).
    pub(super) fn forget(&mut self) {
        let Visitor { permission, open, seen, visible, .. } = *self;
        *self = Visitor { permission, open, seen, visible, ..Visitor::default() };
    }
}
