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
        let department = |id, name: &str, active, agents_online| Department { id, name: name.to_string(), active, agents_online };
        Account {
            tokens: vec![DEFAULT_TOKEN.to_string()],
            departments: vec![department(1, "Atendimento", true, true), department(2, "Vendas", true, false), department(3, "Arquivo", false, false)],
            tag_ids: vec!["1".into(), "999".into()],
            customer_keys: vec!["0010-abcd-efgh-ijkd-1c422e49fdff".into()],
        }
    }
}

impl Account {
    /// Reads an account from a JSON file (the shape of [`Account`]; see the README) and checks it.
    pub fn from_file(path: &std::path::Path) -> Result<Account, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let account: Account = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        account.check().map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(account)
    }

    /// An account must have a token, and its departments distinct ids.
    pub fn check(&self) -> Result<(), String> {
        if self.tokens.iter().all(|token| token.is_empty()) {
            return Err("the account needs at least one non-empty token".into());
        }
        let mut ids: Vec<i64> = self.departments.iter().map(|d| d.id).collect();
        ids.sort_unstable();
        if let Some(pair) = ids.windows(2).find(|pair| pair[0] == pair[1]) {
            return Err(format!("the department id {} is used twice", pair[0]));
        }
        Ok(())
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_files_are_read_and_checked() {
        let dir = std::env::temp_dir().join(format!("zchat-account-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let good = dir.join("good.json");
        std::fs::write(&good, serde_json::to_string(&Account::default()).unwrap()).unwrap();
        assert_eq!(Account::from_file(&good).unwrap().departments.len(), 3);

        let twice = dir.join("twice.json");
        let mut account = Account::default();
        account.departments[1].id = 1;
        std::fs::write(&twice, serde_json::to_string(&account).unwrap()).unwrap();
        assert!(Account::from_file(&twice).unwrap_err().contains("department id 1 is used twice"));

        let broken = dir.join("broken.json");
        std::fs::write(&broken, "{\"tokens\": []}").unwrap();
        assert!(Account::from_file(&broken).unwrap_err().contains("missing field"));
        assert!(Account::from_file(&dir.join("absent.json")).unwrap_err().contains("cannot read"));
    }
}
