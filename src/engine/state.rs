//! The rollout's durable state: what the journal folds into. It holds only what operators
//! and rules decided — the step, the status, holds from rollbacks, manual weights, engaged
//! kill switches, sign-offs, acknowledgements and recent idempotency keys. Cohort modes and
//! flags are derived from it and the plan (see `view`), so they cannot drift.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use serde::{Deserialize, Serialize};

use crate::plan::{Plan, Weight};
use crate::time::Timestamp;

/// How many idempotency keys are remembered; older repeats are treated as new actions.
pub const REMEMBERED_KEYS: usize = 4096;

/// The rollout's overall state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Steps advance when their gates pass.
    Running,
    /// Nothing advances by itself.
    Paused,
    /// Everything is being sent back to legacy; becomes paused at the next evaluation.
    RollingBack,
    /// The global kill switch is pulled: every cohort on legacy, every switch engaged.
    Killed,
    /// The last step was left.
    Completed,
}

impl Status {
    /// Upper-case label for headers.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Status::Running => "RUNNING",
            Status::Paused => "PAUSED",
            Status::RollingBack => "ROLLING BACK",
            Status::Killed => "KILLED",
            Status::Completed => "COMPLETED",
        }
    }
}

/// A sign-off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    /// Who signed.
    pub by: String,
    /// When.
    pub at: Timestamp,
}

/// Everything durable about a rollout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rollout {
    /// Increments with every journaled transition.
    pub revision: u64,
    /// Overall status.
    pub status: Status,
    /// Flattened step index.
    pub step: usize,
    /// When the current step was entered (bake time counts from here).
    pub step_started: Timestamp,
    /// Per cohort: rolled back and held on legacy until resumed.
    pub held: Vec<bool>,
    /// Per cohort: a manual canary weight, until a step sets the cohort again.
    pub overrides: Vec<Option<Weight>>,
    /// Engaged named kill switches.
    pub engaged: BTreeSet<String>,
    /// Sign-offs by gate id.
    pub approvals: BTreeMap<String, Approval>,
    /// Acknowledged alerts and when; a later firing of the same alert is new.
    pub acks: BTreeMap<String, Timestamp>,
    /// Recent idempotency keys, oldest first.
    pub recent_keys: VecDeque<RememberedKey>,
}

impl Rollout {
    /// A rollout at the plan's first step, started at `at`.
    #[must_use]
    pub fn new(plan: &Plan, at: Timestamp) -> Rollout {
        let cohorts = plan.cohorts().len();
        Rollout {
            revision: 0,
            status: Status::Running,
            step: 0,
            step_started: at,
            held: vec![false; cohorts],
            overrides: vec![None; cohorts],
            engaged: BTreeSet::new(),
            approvals: BTreeMap::new(),
            acks: BTreeMap::new(),
            recent_keys: VecDeque::new(),
        }
    }

    /// An earlier action with this idempotency key.
    #[must_use]
    pub fn remembered(&self, key: &str) -> Option<&RememberedKey> {
        self.recent_keys.iter().find(|k| k.key == key)
    }

    /// The revision an earlier action with this idempotency key produced.
    #[must_use]
    pub fn revision_for_key(&self, key: &str) -> Option<u64> {
        self.remembered(key).map(|k| k.revision)
    }

    pub(crate) fn remember_key(&mut self, key: &str, revision: u64, fingerprint: Option<&str>) {
        if self.recent_keys.len() == REMEMBERED_KEYS {
            self.recent_keys.pop_front();
        }
        self.recent_keys.push_back(RememberedKey {
            key: key.to_owned(),
            revision,
            fingerprint: fingerprint.map(str::to_owned),
        });
    }
}

/// An idempotency key the rollout remembers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RememberedKey {
    /// The key.
    pub key: String,
    /// The revision its action produced.
    pub revision: u64,
    /// Its request's fingerprint (`ActionRequest::fingerprint`); unknown for records
    /// journaled before fingerprints were, which then match any request.
    pub fingerprint: Option<String>,
}
