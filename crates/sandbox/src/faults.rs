//! Fault injection for reliability tests, switched at run time through the agent API
//! (`PUT /agent/faults`) and reproducible: the same settings (with their `seed`) and the same
//! sequence of calls give the same faults. Setting faults restarts the random sequence.
//!
//! ```json
//! {"seed": 42,
//!  "api": {"error_rate": 0.1, "timeout_rate": 0.05, "timeout_ms": 15000, "slow_rate": 0.2, "slow_ms": 800,
//!          "answer_after_triggers": false, "answer_variant_rate": 0.5, "answer_shape": "no_content"},
//!  "webhooks": {"delay_ms": 200, "duplicate_rate": 0.1, "reorder_rate": 0.1, "reorder_wait_ms": 1000,
//!               "drop_rate": 0.1, "variant_rate": 0.5}}
//! ```
//! API: an error answers 503; a timeout answers 504 only after `timeout_ms` (longer than a
//! client's patience); a slow call is carried out at once but answered `slow_ms` later (so its
//! triggers can arrive before its answer); with `answer_after_triggers`, every answer waits for
//! the triggers queued before it to be delivered; an answer of a varied call comes in a shape the
//! reference does not show (`answers`): one of those that keep its meaning at
//! `answer_variant_rate`, or the one `answer_shape` names on every call. Webhooks: every delivery
//! waits `delay_ms`; a duplicated one is delivered twice; a reordered one goes after the next
//! trigger (or after `reorder_wait_ms` if none comes); a dropped one loses its first attempt and is retried;
//! a varied one goes in a shape the reference does not show (`variants`), as a live zChat may.

use std::sync::Mutex;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use zchat_types::ApiError;

use crate::answers::AnswerShape;

/// The longest delay any fault may add.
const MAX_MS: u64 = 120_000;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    pub seed: u64,
    pub api: ApiFaults,
    pub webhooks: WebhookFaults,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ApiFaults {
    pub error_rate: f64,
    pub timeout_rate: f64,
    pub timeout_ms: u64,
    pub slow_rate: f64,
    pub slow_ms: u64,
    /// Every answer waits until each trigger queued before it was delivered (or given up): a
    /// call's triggers then reach the webhook before its answer, however slow the machine. The
    /// deterministic form of `slow_ms`, for tests of "the trigger came first".
    pub answer_after_triggers: bool,
    /// A call's answer in a shape that keeps its meaning (`AnswerShape::KEEPING`), at this rate.
    pub answer_variant_rate: f64,
    /// Every answer in this shape (the refusals: the call is not carried out).
    pub answer_shape: Option<AnswerShape>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebhookFaults {
    pub delay_ms: u64,
    pub duplicate_rate: f64,
    pub reorder_rate: f64,
    pub drop_rate: f64,
    pub variant_rate: f64,
    /// How long a reordered trigger waits for a next one to overtake it (0: a second). A test
    /// that needs the overtaking sets it long, so that a slow machine cannot undo the reorder.
    pub reorder_wait_ms: u64,
}

/// What happens to one API call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiFault {
    None,
    Error,
    Timeout(Duration),
    Slow(Duration),
}

/// What happens to one webhook delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WebhookFault {
    pub delay: Duration,
    pub duplicate: bool,
    pub reorder: bool,
    pub drop_first_attempt: bool,
    /// Sent in this variant shape (`variants::variant`).
    pub variant: Option<u32>,
}

pub struct Injector {
    state: Mutex<(Faults, StdRng)>,
}

impl Default for Injector {
    fn default() -> Self {
        Injector { state: Mutex::new((Faults::default(), StdRng::seed_from_u64(0))) }
    }
}

impl Faults {
    fn check(&self) -> Result<(), ApiError> {
        let api = &self.api;
        let hooks = &self.webhooks;
        let rates = [
            ("api.error_rate", api.error_rate),
            ("api.timeout_rate", api.timeout_rate),
            ("api.slow_rate", api.slow_rate),
            ("webhooks.duplicate_rate", hooks.duplicate_rate),
            ("webhooks.reorder_rate", hooks.reorder_rate),
            ("webhooks.drop_rate", hooks.drop_rate),
            ("webhooks.variant_rate", hooks.variant_rate),
            ("api.answer_variant_rate", api.answer_variant_rate),
        ];
        if let Some((name, _)) = rates.iter().find(|(_, rate)| !(0.0..=1.0).contains(rate)) {
            return Err(ApiError::new(400, format!("{name} must be between 0 and 1")));
        }
        if api.error_rate + api.timeout_rate + api.slow_rate > 1.0 {
            return Err(ApiError::new(400, "api.error_rate + api.timeout_rate + api.slow_rate must be at most 1"));
        }
        let delays = [
            ("api.timeout_ms", api.timeout_ms),
            ("api.slow_ms", api.slow_ms),
            ("webhooks.delay_ms", hooks.delay_ms),
            ("webhooks.reorder_wait_ms", hooks.reorder_wait_ms),
        ];
        if let Some((name, _)) = delays.iter().find(|(_, ms)| *ms > MAX_MS) {
            return Err(ApiError::new(400, format!("{name} must be at most {MAX_MS}")));
        }
        Ok(())
    }
}

impl Injector {
    fn lock(&self) -> std::sync::MutexGuard<'_, (Faults, StdRng)> {
        self.state.lock().expect("the faults lock is never poisoned")
    }

    /// Replaces the faults and restarts the random sequence from their seed.
    pub fn set(&self, faults: Faults) -> Result<(), ApiError> {
        faults.check()?;
        let rng = StdRng::seed_from_u64(faults.seed);
        *self.lock() = (faults, rng);
        Ok(())
    }

    pub fn get(&self) -> Faults {
        self.lock().0.clone()
    }

    /// Draws the fault of the next API call.
    pub fn api(&self) -> ApiFault {
        let mut state = self.lock();
        let (faults, rng) = &mut *state;
        let api = &faults.api;
        if api.error_rate + api.timeout_rate + api.slow_rate == 0.0 {
            return ApiFault::None;
        }
        let draw: f64 = rng.random();
        if draw < api.error_rate {
            ApiFault::Error
        } else if draw < api.error_rate + api.timeout_rate {
            ApiFault::Timeout(Duration::from_millis(api.timeout_ms))
        } else if draw < api.error_rate + api.timeout_rate + api.slow_rate {
            ApiFault::Slow(Duration::from_millis(api.slow_ms))
        } else {
            ApiFault::None
        }
    }

    /// The shape of the next API answer (`None`: the reference's).
    pub fn answer_shape(&self) -> Option<AnswerShape> {
        let mut state = self.lock();
        let (faults, rng) = &mut *state;
        let api = &faults.api;
        if api.answer_shape.is_some() {
            return api.answer_shape;
        }
        let varied = api.answer_variant_rate > 0.0 && rng.random::<f64>() < api.answer_variant_rate;
        varied.then(|| AnswerShape::KEEPING[rng.random_range(0..AnswerShape::KEEPING.len())])
    }

    /// Draws the faults of the next webhook delivery.
    pub fn webhook(&self) -> WebhookFault {
        let mut state = self.lock();
        let (faults, rng) = &mut *state;
        let hooks = faults.webhooks.clone();
        let mut chance = |rate: f64| rate > 0.0 && rng.random::<f64>() < rate;
        let (duplicate, reorder, drop_first_attempt) = (chance(hooks.duplicate_rate), chance(hooks.reorder_rate), chance(hooks.drop_rate));
        let variant = chance(hooks.variant_rate).then(|| rng.random_range(0..crate::variants::VARIANTS));
        WebhookFault { delay: Duration::from_millis(hooks.delay_ms), duplicate, reorder, drop_first_attempt, variant }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_faults() {
        let injector = Injector::default();
        let faults = Faults { seed: 7, api: ApiFaults { error_rate: 0.5, ..Default::default() }, ..Default::default() };
        injector.set(faults.clone()).unwrap();
        let first: Vec<ApiFault> = (0..50).map(|_| injector.api()).collect();
        injector.set(faults).unwrap();
        let second: Vec<ApiFault> = (0..50).map(|_| injector.api()).collect();
        assert_eq!(first, second);
        let errors = first.iter().filter(|f| **f == ApiFault::Error).count();
        assert!((10..=40).contains(&errors), "about half: {errors}");
    }

    #[test]
    fn out_of_range_settings_are_refused() {
        let injector = Injector::default();
        let bad = |faults: Faults| injector.set(faults).unwrap_err().message;
        assert_eq!(
            bad(Faults { api: ApiFaults { error_rate: 1.5, ..Default::default() }, ..Default::default() }),
            "api.error_rate must be between 0 and 1"
        );
        assert!(bad(Faults { api: ApiFaults { error_rate: 0.6, slow_rate: 0.6, ..Default::default() }, ..Default::default() }).contains("at most 1"));
        assert_eq!(
            bad(Faults { webhooks: WebhookFaults { delay_ms: 999_999, ..Default::default() }, ..Default::default() }),
            "webhooks.delay_ms must be at most 120000"
        );
    }

    #[test]
    fn no_faults_by_default() {
        let injector = Injector::default();
        assert_eq!(injector.api(), ApiFault::None);
        assert_eq!(injector.webhook(), WebhookFault::default());
    }
}
