//! The zChat account the sandbox plays: its API tokens, departments, tags and known customers.

use serde::{Deserialize, Serialize};

/// One account, fixed at start. [`Account::default`] is the demo account the run command uses.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Account {
    /// API tokens that the ClientApi accepts (zChat's "Generate Token").
    pub tokens: Vec<String>,
    pub departments: Vec<Department>,
    /// Ids that `tag_ids` may name.
    pub tag_ids: Vec<String>,
    /// Keys that `customer_key` may name.
    pub customer_keys: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Department {
    pub id: i64,
    pub name: String,
    /// Only active departments take new interactions.
    pub active: bool,
    /// With no agent online a new interaction is `unavailable` instead of `queued`.
    pub agents_online: bool,
}

/// The token of the default account; the relay uses it when it starts the sandbox in-process.
pub const DEFAULT_TOKEN: &str = "sandbox-token";

impl Default for Account {
    fn default() -> Self {
        let department = |id, name: &str, active, agents_online| Department {
            id,
            name: name.to_string(),
            active,
            agents_online,
        };
        Account {
            tokens: vec![DEFAULT_TOKEN.to_string()],
            departments: vec![
                department(1, "Atendimento", true, true),
                department(2, "Vendas", true, false),
                department(3, "Arquivo", false, false),
            ],
            tag_ids: vec!["1".into(), "999".into()],
            customer_keys: vec!["0010-abcd-efgh-ijkd-1c422e49fdff".into()],
        }
    }
}

impl Account {
    pub fn department(&self, id: i64) -> Option<&Department> {
        self.departments.iter().find(|d| d.id == id)
    }

    pub fn department_mut(&mut self, id: i64) -> Option<&mut Department> {
        self.departments.iter_mut().find(|d| d.id == id)
    }

    pub fn accepts_token(&self, token: &str) -> bool {
        self.tokens.iter().any(|known| known == token)
    }
}
