//! The state object (`GET /v1/state`, the stream's `state` fields, `cutover status --json`):
//! where the rollout stands, every cohort's effective mode and weight and why, flags, engaged
//! kill switches and sign-offs; and who a connection belongs to.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// The rollout's overall state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Steps advance when their gates pass.
    Running,
    /// Nothing advances by itself.
    Paused,
    /// Everything is being sent back to legacy.
    RollingBack,
    /// The global kill switch is pulled.
    Killed,
    /// The last step was left.
    Completed,
}

impl Status {
    /// Upper-case label for headers and the CLI.
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

/// How a cohort is served.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Only legacy runs.
    Legacy,
    /// Enhanced sees mirrored traffic; legacy answers.
    Shadow,
    /// Both run live; legacy answers; results reconciled.
    Parallel,
    /// A weight of units is served by enhanced.
    Canary,
    /// Enhanced answers; legacy on standby.
    Enhanced,
    /// Enhanced answers; legacy is gone.
    Retired,
}

impl Mode {
    /// The mode's name as plans write it.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Mode::Legacy => "legacy",
            Mode::Shadow => "shadow",
            Mode::Parallel => "parallel",
            Mode::Canary => "canary",
            Mode::Enhanced => "enhanced",
            Mode::Retired => "retired",
        }
    }

    /// Whether the enhanced variant sees any of the cohort's traffic (shadow and parallel
    /// mirror it; canary and beyond serve it).
    #[must_use]
    pub fn exposes_enhanced(self) -> bool {
        self != Mode::Legacy
    }
}

/// Why a cohort is where it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// Following the plan.
    Planned,
    /// On a manual weight.
    Overridden,
    /// Excluded until a later phase.
    Excluded,
    /// Rolled back and held on legacy.
    RolledBack,
    /// Sent to legacy by an engaged kill switch.
    Switched,
    /// The global kill switch is pulled.
    Killed,
}

/// How risky a cohort's migration is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Risk {
    /// Little to lose.
    Low,
    /// Some exposure.
    Medium,
    /// High-value traffic.
    High,
    /// Never risk it casually.
    Critical,
}

/// A flag's value: most are booleans, some numbers or strings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FlagValue {
    /// On or off.
    Bool(bool),
    /// A count or limit.
    Int(i64),
    /// A fraction or rate.
    Float(f64),
    /// Anything else.
    Text(String),
}

impl fmt::Display for FlagValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FlagValue::Bool(b) => write!(f, "{b}"),
            FlagValue::Int(i) => write!(f, "{i}"),
            FlagValue::Float(x) => write!(f, "{x}"),
            FlagValue::Text(s) => write!(f, "{s:?}"),
        }
    }
}

/// One cohort in the state object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CohortView {
    /// `department/cohort`.
    pub id: String,
    /// Department id.
    pub department: String,
    /// Effective mode.
    pub mode: Mode,
    /// Effective weight on enhanced, 0–10,000.
    pub weight_bp: u16,
    /// What the plan prescribes at this step.
    pub target_mode: Mode,
    /// The plan's weight at this step, 0–10,000.
    pub target_weight_bp: u16,
    /// Why it is where it is.
    pub standing: Standing,
    /// Risk level from the plan.
    pub risk: Risk,
    /// Rollback-time objective as the plan writes it (`15m`).
    pub rollback_objective: String,
    /// Units in the cohort, if the plan says.
    pub units: Option<u64>,
}

/// The state object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StateView {
    /// The rollout's id.
    pub rollout: String,
    /// Journaled transitions so far.
    pub revision: u64,
    /// The journal's lineage: new at every recovery or restore, when the revision may go
    /// back. A lower revision is believed only under a new lineage.
    #[serde(default)]
    pub lineage: String,
    /// Overall status.
    pub status: Status,
    /// Current phase id.
    pub phase: String,
    /// Current step id (within the phase).
    pub step: String,
    /// 1-based phase number.
    pub phase_number: usize,
    /// Number of phases.
    pub phase_count: usize,
    /// 1-based step number across the plan.
    pub step_number: usize,
    /// Number of steps in the plan.
    pub step_count: usize,
    /// Whether this step advances by itself once every gate passes.
    #[serde(default)]
    pub auto_advance: bool,
    /// The next step (`phase/step`), if there is one.
    #[serde(default)]
    pub next_step: Option<String>,
    /// Every cohort, in plan order.
    pub cohorts: Vec<CohortView>,
    /// Effective flags for everyone.
    pub flags: BTreeMap<String, FlagValue>,
    /// Engaged named kill switches.
    pub kill_switches: Vec<String>,
    /// Sign-offs given, by gate id, with who gave them.
    pub approvals: BTreeMap<String, String>,
    /// The edge relays (`cutover edge`) the control plane hears from over NATS; empty
    /// without them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub edges: Vec<super::Edge>,
    /// The control plane's link to NATS (`serve --nats`); absent without NATS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nats: Option<super::NatsLink>,
}

impl StateView {
    /// Department ids in plan order, each once.
    #[must_use]
    pub fn departments(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for c in &self.cohorts {
            if !out.contains(&c.department.as_str()) {
                out.push(&c.department);
            }
        }
        out
    }

    /// The share of units on enhanced in basis points (over `department`, or everything),
    /// weighting cohorts by their units where the plan gives them.
    #[must_use]
    pub fn enhanced_share(&self, department: Option<&str>) -> Option<u64> {
        self.share(department, |c| c.weight_bp)
    }

    /// The share the plan prescribes at this step, weighted the same way.
    #[must_use]
    pub fn target_share(&self, department: Option<&str>) -> Option<u64> {
        self.share(department, |c| c.target_weight_bp)
    }

    fn share(&self, department: Option<&str>, weight: impl Fn(&CohortView) -> u16) -> Option<u64> {
        let cohorts: Vec<_> = self
            .cohorts
            .iter()
            .filter(|c| department.is_none_or(|d| c.department == d))
            .collect();
        let total: u64 = cohorts.iter().map(|c| c.units.unwrap_or(1)).sum();
        (total > 0).then(|| {
            cohorts
                .iter()
                .map(|c| u64::from(weight(c)) * c.units.unwrap_or(1))
                .sum::<u64>()
                / total
        })
    }
}

/// What a token allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Reads only.
    Viewer,
    /// Advances, pauses, resumes, rolls back, kills, acknowledges, notes.
    Operator,
    /// Also approves sign-offs and sets weights.
    Admin,
    /// The engine itself and enforced alert rules.
    System,
}

/// Who a connection or an action belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// The token's name.
    pub name: String,
    /// What it may do.
    pub role: Role,
}
