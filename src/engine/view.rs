//! Derived views of a rollout: each cohort's effective mode and weight (plan target, then
//! manual weight, exclusion, rollback hold, kill switches and the global kill, in rising
//! precedence), effective flags, the JSON state object scripts rely on, and the compact
//! summary whose differences the journal records as *before* and *after*.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::state::{Rollout, Status};
use crate::plan::{CohortTarget, FlagValue, Mode, Plan, Risk, Weight, flag_matches};
use crate::time::Period;

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

const LEGACY: CohortTarget = CohortTarget {
    mode: Mode::Legacy,
    weight: Weight::ZERO,
};

/// A cohort's effective mode and weight, and why.
#[must_use]
pub fn effective(plan: &Plan, rollout: &Rollout, i: usize) -> (CohortTarget, Standing) {
    if rollout.status == Status::Killed {
        return (LEGACY, Standing::Killed);
    }
    if switched_off(plan, rollout, i) {
        return (LEGACY, Standing::Switched);
    }
    if rollout.held[i] {
        return (LEGACY, Standing::RolledBack);
    }
    if plan.cohorts()[i]
        .excluded_until
        .is_some_and(|p| plan.steps()[rollout.step].phase < p)
    {
        return (LEGACY, Standing::Excluded);
    }
    if let Some(weight) = rollout.overrides[i] {
        return (
            CohortTarget {
                mode: Mode::Canary,
                weight,
            },
            Standing::Overridden,
        );
    }
    (plan.table(rollout.step).targets[i], Standing::Planned)
}

fn switched_off(plan: &Plan, rollout: &Rollout, i: usize) -> bool {
    rollout
        .engaged
        .iter()
        .filter_map(|id| plan.kill_switch(id))
        .flat_map(|k| &k.rollback)
        .any(|t| plan.resolve(t).is_ok_and(|t| plan.contains(t, i)))
}

/// Whether the enhanced variant sees any of cohort `i`'s traffic now.
#[must_use]
pub fn exposed(plan: &Plan, rollout: &Rollout, i: usize) -> bool {
    effective(plan, rollout, i).0.mode.exposes_enhanced()
}

/// Effective flags for everyone (kill switches applied).
#[must_use]
pub fn flags(plan: &Plan, rollout: &Rollout) -> BTreeMap<String, FlagValue> {
    let mut flags = plan.table(rollout.step).flags.clone();
    switch_flags_off(plan, rollout, &mut flags);
    flags
}

/// Effective flags for one cohort: everyone's, its own on top, kill switches applied.
#[must_use]
pub fn cohort_flags(plan: &Plan, rollout: &Rollout, i: usize) -> BTreeMap<String, FlagValue> {
    let table = plan.table(rollout.step);
    let mut flags = table.flags.clone();
    flags.extend(table.cohort_flags[i].clone());
    switch_flags_off(plan, rollout, &mut flags);
    flags
}

fn switch_flags_off(plan: &Plan, rollout: &Rollout, flags: &mut BTreeMap<String, FlagValue>) {
    let killed = rollout.status == Status::Killed;
    let engaged: Vec<_> = plan
        .profile()
        .kill_switches
        .iter()
        .filter(|k| killed || rollout.engaged.contains(&k.id))
        .collect();
    for (name, value) in flags.iter_mut() {
        if engaged
            .iter()
            .any(|k| k.flags_off.iter().any(|p| flag_matches(p, name)))
        {
            *value = value.off();
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
    /// Rollback-time objective.
    pub rollback_objective: Period,
    /// Units in the cohort, if the plan says.
    pub units: Option<u64>,
}

/// The state object of `GET /v1/state` and `cutover status --json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StateView {
    /// The rollout's id.
    pub rollout: String,
    /// Journaled transitions so far.
    pub revision: u64,
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
    pub auto_advance: bool,
    /// The next step (`phase/step`), if there is one.
    pub next_step: Option<String>,
    /// Every cohort.
    pub cohorts: Vec<CohortView>,
    /// Effective flags for everyone.
    pub flags: BTreeMap<String, FlagValue>,
    /// Engaged named kill switches.
    pub kill_switches: Vec<String>,
    /// Sign-offs given, by gate id, with who gave them.
    pub approvals: BTreeMap<String, String>,
}

/// Builds the state object.
#[must_use]
pub fn state_view(plan: &Plan, rollout: &Rollout) -> StateView {
    let entry = &plan.steps()[rollout.step];
    let (phase, step) = plan.step(rollout.step);
    let table = plan.table(rollout.step);
    let cohorts = plan
        .cohorts()
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let (now, standing) = effective(plan, rollout, i);
            let def = plan.cohort_def(i);
            CohortView {
                id: c.id.clone(),
                department: plan.department_of(i).id.clone(),
                mode: now.mode,
                weight_bp: now.weight.bp(),
                target_mode: table.targets[i].mode,
                target_weight_bp: table.targets[i].weight.bp(),
                standing,
                risk: def.risk,
                rollback_objective: def.rollback_objective,
                units: def.units,
            }
        })
        .collect();
    let killed = rollout.status == Status::Killed;
    StateView {
        rollout: plan.profile().rollout.id.clone(),
        revision: rollout.revision,
        status: rollout.status,
        phase: phase.id.clone(),
        step: step.id.clone(),
        phase_number: entry.phase + 1,
        phase_count: plan.profile().phases.len(),
        step_number: rollout.step + 1,
        step_count: plan.steps().len(),
        auto_advance: step.auto_advance,
        next_step: (rollout.step + 1 < plan.steps().len()).then(|| {
            let (p, s) = plan.step(rollout.step + 1);
            format!("{}/{}", p.id, s.id)
        }),
        cohorts,
        flags: flags(plan, rollout),
        kill_switches: plan
            .profile()
            .kill_switches
            .iter()
            .filter(|k| killed || rollout.engaged.contains(&k.id))
            .map(|k| k.id.clone())
            .collect(),
        approvals: rollout
            .approvals
            .iter()
            .map(|(g, a)| (g.clone(), a.by.clone()))
            .collect(),
    }
}

/// A compact summary of what operators care about, for before/after records.
#[must_use]
pub fn summary(plan: &Plan, rollout: &Rollout) -> Value {
    let view = state_view(plan, rollout);
    let cohorts: Map<String, Value> = view
        .cohorts
        .iter()
        .map(|c| {
            let weight = Weight::from_bp(u32::from(c.weight_bp)).unwrap_or_default();
            let text = if c.mode == Mode::Canary {
                format!("canary {weight}")
            } else {
                c.mode.name().to_owned()
            };
            (c.id.clone(), Value::String(text))
        })
        .collect();
    let flags: Map<String, Value> = view
        .flags
        .iter()
        .map(|(k, v)| (k.clone(), serde_json::to_value(v).unwrap_or(Value::Null)))
        .collect();
    serde_json::json!({
        "status": view.status,
        "step": format!("{}/{}", view.phase, view.step),
        "cohorts": cohorts,
        "flags": flags,
        "kill_switches": view.kill_switches,
        "approvals": view.approvals,
    })
}

/// The parts of two summaries that differ: `(before, after)`, nested maps compared per key.
#[must_use]
pub fn diff(before: &Value, after: &Value) -> (Value, Value) {
    let (Value::Object(b), Value::Object(a)) = (before, after) else {
        return (before.clone(), after.clone());
    };
    let (mut out_b, mut out_a) = (Map::new(), Map::new());
    for key in b.keys().chain(a.keys().filter(|k| !b.contains_key(*k))) {
        let (vb, va) = (
            b.get(key).unwrap_or(&Value::Null),
            a.get(key).unwrap_or(&Value::Null),
        );
        if vb == va {
            continue;
        }
        let (db, da) = if vb.is_object() && va.is_object() {
            diff(vb, va)
        } else {
            (vb.clone(), va.clone())
        };
        out_b.insert(key.clone(), db);
        out_a.insert(key.clone(), da);
    }
    (Value::Object(out_b), Value::Object(out_a))
}
