//! The judge applied to the rollout as it stands: legacy versus enhanced over the cohorts
//! the enhanced variant sees now, overall, per department and per cohort — what the
//! comparison pane and the stream's snapshot show.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::EngineState;
use super::view::exposed;
use crate::judge::{Judgement, judge};
use crate::plan::{Plan, Target};

/// Judgements at every level of the rollout.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rollups {
    /// Every exposed cohort together.
    pub overall: Judgement,
    /// Per department with an exposed cohort, by department id.
    pub departments: BTreeMap<String, Judgement>,
    /// Per exposed cohort, by `department/cohort`.
    pub cohorts: BTreeMap<String, Judgement>,
}

/// The judge over the exposed cohorts of `target`.
#[must_use]
pub fn judge_scope(plan: &Plan, state: &EngineState, target: Target) -> Judgement {
    judge(plan, &state.live.windows, &|c| {
        plan.contains(target, c) && exposed(plan, &state.rollout, c)
    })
}

/// The judge overall, per department and per cohort.
#[must_use]
pub fn rollups(plan: &Plan, state: &EngineState) -> Rollups {
    let exposed: Vec<usize> = (0..plan.cohorts().len())
        .filter(|c| exposed(plan, &state.rollout, *c))
        .collect();
    let mut departments = BTreeMap::new();
    let mut cohorts = BTreeMap::new();
    for &c in &exposed {
        let d = plan.cohorts()[c].department;
        departments
            .entry(plan.profile().departments[d].id.clone())
            .or_insert_with(|| judge_scope(plan, state, Target::Department(d)));
        cohorts.insert(
            plan.cohorts()[c].id.clone(),
            judge_scope(plan, state, Target::Cohort(c)),
        );
    }
    Rollups {
        overall: judge_scope(plan, state, Target::All),
        departments,
        cohorts,
    }
}
