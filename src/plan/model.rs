//! The rollout plan as written in a profile file: departments and their cohorts, phases and
//! steps, gates, alert rules, flags and kill switches, and the metrics that are compared.
//! These types are what a profile deserializes into; [`super::Plan`] adds the indexes the
//! engine needs. Every table refuses unknown fields so that a typo is an error, not a no-op.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::condition::Condition;
pub use super::rules::{
    AlertMode, AlertRule, FlagValue, KillSwitch, Scope, TierAction, Tiers, flag_matches,
};
pub use super::sim::{DemoStory, Scenario, SimMetric, SimSettings};
use super::weight::Weight;
use crate::assign::Algorithm;
use crate::time::Period;

/// A whole profile file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Who and what is being rolled out.
    pub rollout: RolloutInfo,
    /// How the legacy-versus-enhanced judge scores.
    #[serde(default)]
    pub judge: JudgeSettings,
    /// The metrics compared between legacy and enhanced, by id.
    #[serde(default)]
    pub metrics: BTreeMap<String, MetricDef>,
    /// Departments and their cohorts, in rollout order.
    pub departments: Vec<Department>,
    /// Phases in order; each has steps.
    pub phases: Vec<Phase>,
    /// Alert rules with three tiers.
    #[serde(default)]
    pub alerts: Vec<AlertRule>,
    /// Flags and their values before the first step.
    #[serde(default)]
    pub flags: BTreeMap<String, FlagValue>,
    /// Named kill switches.
    #[serde(default)]
    pub kill_switches: Vec<KillSwitch>,
    /// How the built-in simulator plays this plan.
    #[serde(default, skip_serializing_if = "SimSettings::is_empty")]
    pub sim: SimSettings,
}

/// The rollout's identity.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RolloutInfo {
    /// Short stable id; journals refuse to replay a different rollout.
    pub id: String,
    /// Human name for headers.
    pub name: String,
    /// What is moving from where to where.
    #[serde(default)]
    pub description: String,
    /// Salt of the assignment hash; changing it reshuffles every unit.
    #[serde(default)]
    pub salt: Option<String>,
    /// How units are bucketed (`fractional-v3`, `fractional-v2`, `cutover-v1`); the journal
    /// keeps the algorithm a rollout started with, whatever this says later.
    #[serde(
        default,
        with = "algorithm_name",
        skip_serializing_if = "Option::is_none"
    )]
    pub assignment: Option<Algorithm>,
    /// How old the latest metric window may be before gates treat it as no data.
    #[serde(default = "default_max_data_age")]
    pub max_data_age: Period,
}

/// An assignment algorithm by its name.
mod algorithm_name {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::assign::Algorithm;

    #[expect(
        clippy::ref_option,
        clippy::trivially_copy_pass_by_ref,
        reason = "serde's `with` signature"
    )]
    pub fn serialize<S: Serializer>(a: &Option<Algorithm>, s: S) -> Result<S::Ok, S::Error> {
        match a {
            Some(a) => s.serialize_str(a.name()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Algorithm>, D::Error> {
        let name = String::deserialize(d)?;
        name.parse().map(Some).map_err(serde::de::Error::custom)
    }
}

fn default_max_data_age() -> Period {
    Period::minutes(5)
}

/// Thresholds of the judge's verdict.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct JudgeSettings {
    /// How many recent intervals the Mann-Whitney test compares.
    pub intervals: usize,
    /// Fewer intervals than this per variant is *no data*.
    pub min_intervals: usize,
    /// Significance level of the one-sided test.
    pub alpha: f64,
    /// A relative worsening smaller than this never fails a metric.
    pub tolerance: f64,
    /// Score at or above which the verdict is pass.
    pub pass: f64,
    /// Score at or above which the verdict is marginal (below: fail).
    pub marginal: f64,
}

impl Default for JudgeSettings {
    fn default() -> Self {
        JudgeSettings {
            intervals: 12,
            min_intervals: 4,
            alpha: 0.05,
            tolerance: 0.05,
            pass: 90.0,
            marginal: 70.0,
        }
    }
}

/// Which direction of a metric is good.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Better {
    /// Smaller is better (errors, latency, cost).
    Lower,
    /// Larger is better (revenue, match rate, satisfaction).
    Higher,
}

/// A metric the plan reads.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricDef {
    /// Unit for display: `ratio`, `seconds`, `usd/hour`, …
    pub unit: String,
    /// Which direction is good.
    pub better: Better,
    /// One line for humans.
    #[serde(default)]
    pub description: String,
    /// `false` for metrics with one value rather than one per variant (e.g. shadow output match).
    #[serde(default = "yes")]
    pub compare: bool,
    /// A critical metric failing fails the comparison and scores it 0, whatever the other
    /// metrics say (as Kayenta's critical metrics do): one regressed latency is not "marginal".
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub critical: bool,
    /// `PromQL` template with `{{cohort}}`, `{{department}}` and `{{variant}}`.
    #[serde(default)]
    pub prometheus: Option<String>,
}

fn yes() -> bool {
    true
}

/// A department: a group of cohorts migrated together.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Department {
    /// Id used in targets (`sales`).
    pub id: String,
    /// Human name.
    #[serde(default)]
    pub name: String,
    /// Its cohorts; each is addressed as `department/cohort`.
    pub cohorts: Vec<Cohort>,
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

impl Risk {
    /// The risk's name as written in plans.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Risk::Low => "low",
            Risk::Medium => "medium",
            Risk::High => "high",
            Risk::Critical => "critical",
        }
    }
}

/// The unit of migration.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cohort {
    /// Id within its department.
    pub id: String,
    /// Human name.
    #[serde(default)]
    pub name: String,
    /// Risk level.
    #[serde(default = "default_risk")]
    pub risk: Risk,
    /// How fast it must be back on legacy after a rollback (`immediate` = 0).
    #[serde(default = "default_rollback_objective")]
    pub rollback_objective: Period,
    /// A phase id: until that phase starts, the cohort stays on legacy whatever steps say.
    #[serde(default)]
    pub excluded_until: Option<String>,
    /// How many units (users, agents, tenants) it holds, for display.
    #[serde(default)]
    pub units: Option<u64>,
    /// Why it is there.
    #[serde(default)]
    pub description: String,
}

fn default_risk() -> Risk {
    Risk::Medium
}

fn default_rollback_objective() -> Period {
    Period::minutes(5)
}

/// A phase of the rollout.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Phase {
    /// Stable id (`shadow`, `pilot`).
    pub id: String,
    /// Human name.
    #[serde(default)]
    pub name: String,
    /// What the phase is for.
    #[serde(default)]
    pub description: String,
    /// Steps in order.
    pub steps: Vec<Step>,
    /// Gates to leave the phase (checked when advancing from its last step).
    #[serde(default)]
    pub gates: Vec<Gate>,
    /// Four eyes: one person gives at most one sign-off name in this phase (`false` relaxes it).
    #[serde(default = "yes")]
    pub distinct_signoffs: bool,
}

/// A step: sets modes and weights, flags and alert modes, then bakes until its gates pass.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Id, unique within its phase.
    pub id: String,
    /// Human name.
    #[serde(default)]
    pub name: String,
    /// Modes and weights this step sets; later steps inherit what earlier ones set.
    #[serde(default)]
    pub set: Vec<Setting>,
    /// Flags this step sets for everyone.
    #[serde(default)]
    pub flags: BTreeMap<String, FlagValue>,
    /// Alert rules whose mode this step changes (`observe` ↔ `enforce`).
    #[serde(default)]
    pub alert_modes: BTreeMap<String, AlertMode>,
    /// Minimum time in the step before it may be left.
    #[serde(default)]
    pub bake: Period,
    /// Advance by itself once bake time is over and every gate passes.
    #[serde(default)]
    pub auto_advance: bool,
    /// Gates to leave the step.
    #[serde(default)]
    pub gates: Vec<Gate>,
}

/// Mode and weight for a target: `*`, a department, or `department/cohort`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Setting {
    /// `*`, `department`, or `department/cohort`.
    pub target: String,
    /// The mode to put the target in.
    pub mode: Mode,
    /// Share on enhanced; required for `canary`, implied by the other modes.
    #[serde(default)]
    pub weight: Option<Weight>,
    /// Flags for these cohorts only.
    #[serde(default)]
    pub flags: BTreeMap<String, FlagValue>,
}

/// How a cohort is served.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Only legacy runs.
    Legacy,
    /// Enhanced sees mirrored traffic; legacy answers; outputs compared.
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
    /// The mode's name as written in plans.
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

    /// The weight a mode implies when none is given.
    #[must_use]
    pub fn implied_weight(self) -> Weight {
        match self {
            Mode::Legacy | Mode::Shadow | Mode::Parallel | Mode::Canary => Weight::ZERO,
            Mode::Enhanced | Mode::Retired => Weight::FULL,
        }
    }

    /// Whether the enhanced variant sees this cohort's traffic at all.
    #[must_use]
    pub fn exposes_enhanced(self) -> bool {
        self != Mode::Legacy
    }
}

/// A condition to leave a step or phase.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Gate {
    /// Id, unique in the plan; `approve <id>` names sign-off gates.
    pub id: String,
    /// What it checks, for humans.
    #[serde(default)]
    pub description: String,
    /// A metric or alert condition.
    #[serde(default)]
    pub when: Option<Condition>,
    /// A sign-off by this role (`cfo`, `security`, `sre`).
    #[serde(default)]
    pub signoff: Option<String>,
    /// The condition must hold this many consecutive evaluations.
    #[serde(default = "one")]
    pub consecutive: u32,
    /// Restrict the condition to a department or cohort (default: every exposed cohort).
    #[serde(default)]
    pub scope: Option<String>,
}

pub(super) fn one() -> u32 {
    1
}
