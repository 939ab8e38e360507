//! The rollout plan: a validated [`Profile`] plus the indexes the engine reads every
//! evaluation — cohorts by id, steps flattened in order, and for each step the cumulative
//! modes, weights, flags and alert modes that the plan prescribes once that step is reached.
//! Loading (`load`) reports problems with file, line and column; `validate` holds the rules.

pub mod builtin;
pub mod condition;
pub mod limits;
pub mod load;
pub mod model;
pub mod outline;
pub mod path;
pub mod promql;
pub mod rules;
pub mod sim;
pub mod validate;
pub mod weight;

use std::collections::{BTreeMap, HashMap};

pub use condition::{Comparison, Condition, Operand, Selector, Tier};
pub use load::{Located, PlanError, load_file, load_str, warnings};
pub use model::*;
pub use weight::Weight;

/// A cohort in the plan, addressed as `department/cohort`.
#[derive(Debug, Clone)]
pub struct CohortEntry {
    /// `department/cohort`.
    pub id: String,
    /// Index of its department in the profile.
    pub department: usize,
    /// Index within its department.
    pub index: usize,
    /// Phase index before which the cohort stays on legacy.
    pub excluded_until: Option<usize>,
}

/// A step in the flattened order of the plan.
#[derive(Debug, Clone)]
pub struct StepEntry {
    /// Index of its phase.
    pub phase: usize,
    /// Index within its phase.
    pub index: usize,
    /// `phase/step`.
    pub id: String,
}

/// What the plan prescribes for one cohort at a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CohortTarget {
    /// The mode.
    pub mode: Mode,
    /// The weight on enhanced.
    pub weight: Weight,
}

/// Everything the plan prescribes once a step is reached (earlier steps included).
#[derive(Debug, Clone)]
pub struct StepTable {
    /// Per cohort, in [`Plan::cohorts`] order.
    pub targets: Vec<CohortTarget>,
    /// Flags for everyone.
    pub flags: BTreeMap<String, FlagValue>,
    /// Per cohort, flags set for that cohort only.
    pub cohort_flags: Vec<BTreeMap<String, FlagValue>>,
    /// Per alert rule, in profile order.
    pub alert_modes: Vec<AlertMode>,
    /// Cohorts this very step sets (their manual weight overrides end here).
    pub touched: Vec<bool>,
}

/// A set of cohorts named by a target string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// `*` or `all`.
    All,
    /// A department by index.
    Department(usize),
    /// A cohort by index.
    Cohort(usize),
}

/// A loaded, validated rollout plan.
#[derive(Debug, Clone)]
pub struct Plan {
    profile: Profile,
    cohorts: Vec<CohortEntry>,
    cohort_lookup: HashMap<String, usize>,
    metric_lookup: HashMap<String, usize>,
    steps: Vec<StepEntry>,
    tables: Vec<StepTable>,
}

impl Plan {
    /// Validates a profile and builds its indexes.
    pub fn from_profile(profile: Profile) -> Result<Plan, Vec<validate::Problem>> {
        let cohorts = index_cohorts(&profile);
        let steps = index_steps(&profile);
        let cohort_lookup = cohorts
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id.clone(), i))
            .collect();
        let metric_lookup = profile
            .metrics
            .keys()
            .enumerate()
            .map(|(i, m)| (m.clone(), i))
            .collect();
        let mut plan = Plan {
            profile,
            cohorts,
            cohort_lookup,
            metric_lookup,
            steps,
            tables: Vec::new(),
        };
        let problems = validate::check(&plan);
        if !problems.is_empty() {
            return Err(problems);
        }
        plan.tables = plan.build_tables();
        Ok(plan)
    }

    /// The same plan with `max_data_age` at least `age`. A control plane whose clock runs
    /// faster than the wall (the demo) calls this so that windows do not age out between two
    /// evaluations.
    #[must_use]
    pub fn with_min_data_age(mut self, age: crate::time::Period) -> Plan {
        if self.profile.rollout.max_data_age < age {
            self.profile.rollout.max_data_age = age;
        }
        self
    }

    /// The profile as written.
    #[must_use]
    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// Every cohort, departments in order.
    #[must_use]
    pub fn cohorts(&self) -> &[CohortEntry] {
        &self.cohorts
    }

    /// The profile's definition of a cohort.
    #[must_use]
    pub fn cohort_def(&self, i: usize) -> &Cohort {
        let e = &self.cohorts[i];
        &self.profile.departments[e.department].cohorts[e.index]
    }

    /// The department a cohort belongs to.
    #[must_use]
    pub fn department_of(&self, i: usize) -> &Department {
        &self.profile.departments[self.cohorts[i].department]
    }

    /// Every step, phases in order.
    #[must_use]
    pub fn steps(&self) -> &[StepEntry] {
        &self.steps
    }

    /// The phase and step definitions of a flattened step index.
    #[must_use]
    pub fn step(&self, i: usize) -> (&Phase, &Step) {
        let e = &self.steps[i];
        let phase = &self.profile.phases[e.phase];
        (phase, &phase.steps[e.index])
    }

    /// What the plan prescribes once step `i` is reached.
    #[must_use]
    pub fn table(&self, i: usize) -> &StepTable {
        &self.tables[i]
    }

    /// Whether step `i` is the last of its phase.
    #[must_use]
    pub fn is_last_in_phase(&self, i: usize) -> bool {
        self.steps
            .get(i + 1)
            .is_none_or(|next| next.phase != self.steps[i].phase)
    }

    /// The gates to leave step `i`: the step's own, and its phase's when it is the last step.
    pub fn exit_gates(&self, i: usize) -> impl Iterator<Item = &Gate> {
        let (phase, step) = self.step(i);
        let phase_gates = if self.is_last_in_phase(i) {
            &phase.gates[..]
        } else {
            &[]
        };
        step.gates.iter().chain(phase_gates)
    }

    /// Every gate of the plan with the step it guards.
    pub fn all_gates(&self) -> impl Iterator<Item = (usize, &Gate)> {
        (0..self.steps.len()).flat_map(move |i| self.exit_gates(i).map(move |g| (i, g)))
    }

    /// The salt of the assignment hash.
    #[must_use]
    pub fn salt(&self) -> &str {
        self.profile
            .rollout
            .salt
            .as_deref()
            .unwrap_or(&self.profile.rollout.id)
    }

    /// The assignment algorithm a new rollout of this plan starts with.
    #[must_use]
    pub fn assignment(&self) -> crate::assign::Algorithm {
        self.profile.rollout.assignment.unwrap_or_default()
    }

    /// Index of a cohort by `department/cohort`.
    #[must_use]
    pub fn cohort_index(&self, id: &str) -> Option<usize> {
        self.cohort_lookup.get(id).copied()
    }

    /// Index of a metric in `[metrics]` order (the order of `profile().metrics`).
    #[must_use]
    pub fn metric_index(&self, id: &str) -> Option<usize> {
        self.metric_lookup.get(id).copied()
    }

    /// Index of a department by id.
    #[must_use]
    pub fn department_index(&self, id: &str) -> Option<usize> {
        self.profile.departments.iter().position(|d| d.id == id)
    }

    /// Index of an alert rule by id.
    #[must_use]
    pub fn alert_index(&self, id: &str) -> Option<usize> {
        self.profile.alerts.iter().position(|a| a.id == id)
    }

    /// A kill switch by id.
    #[must_use]
    pub fn kill_switch(&self, id: &str) -> Option<&KillSwitch> {
        self.profile.kill_switches.iter().find(|k| k.id == id)
    }

    /// Resolves `*`/`all`, a department id or `department/cohort`.
    pub fn resolve(&self, target: &str) -> Result<Target, String> {
        let target = target.trim();
        if target == "*" || target == "all" {
            return Ok(Target::All);
        }
        if let Some(i) = self.cohort_index(target) {
            return Ok(Target::Cohort(i));
        }
        if let Some(i) = self.department_index(target) {
            return Ok(Target::Department(i));
        }
        let known: Vec<_> = self
            .profile
            .departments
            .iter()
            .map(|d| d.id.as_str())
            .collect();
        Err(format!(
            "no cohort or department `{target}` (departments: {})",
            known.join(", ")
        ))
    }

    /// Whether cohort `i` is part of `target`.
    #[must_use]
    pub fn contains(&self, target: Target, i: usize) -> bool {
        match target {
            Target::All => true,
            Target::Department(d) => self.cohorts[i].department == d,
            Target::Cohort(c) => c == i,
        }
    }

    /// The target's name as an operator would type it.
    #[must_use]
    pub fn target_name(&self, target: Target) -> String {
        match target {
            Target::All => "all".into(),
            Target::Department(d) => self.profile.departments[d].id.clone(),
            Target::Cohort(c) => self.cohorts[c].id.clone(),
        }
    }

    fn build_tables(&self) -> Vec<StepTable> {
        let cohorts = self.cohorts.len();
        let mut current = StepTable {
            targets: vec![
                CohortTarget {
                    mode: Mode::Legacy,
                    weight: Weight::ZERO
                };
                cohorts
            ],
            flags: self.profile.flags.clone(),
            cohort_flags: vec![BTreeMap::new(); cohorts],
            alert_modes: self.profile.alerts.iter().map(|a| a.mode).collect(),
            touched: vec![false; cohorts],
        };
        let mut tables = Vec::with_capacity(self.steps.len());
        for i in 0..self.steps.len() {
            let (_, step) = self.step(i);
            current.touched = vec![false; cohorts];
            for setting in &step.set {
                let target = self.resolve(&setting.target).expect("validated");
                let weight = setting
                    .weight
                    .unwrap_or_else(|| setting.mode.implied_weight());
                for c in (0..cohorts).filter(|c| self.contains(target, *c)) {
                    current.targets[c] = CohortTarget {
                        mode: setting.mode,
                        weight,
                    };
                    current.touched[c] = true;
                    current.cohort_flags[c].extend(setting.flags.clone());
                }
            }
            current.flags.extend(step.flags.clone());
            for (rule, mode) in &step.alert_modes {
                let r = self.alert_index(rule).expect("validated");
                current.alert_modes[r] = *mode;
            }
            tables.push(current.clone());
        }
        tables
    }
}

fn index_cohorts(profile: &Profile) -> Vec<CohortEntry> {
    let phase = |id: &str| profile.phases.iter().position(|p| p.id == id);
    profile
        .departments
        .iter()
        .enumerate()
        .flat_map(|(d, dept)| {
            dept.cohorts
                .iter()
                .enumerate()
                .map(move |(i, c)| CohortEntry {
                    id: format!("{}/{}", dept.id, c.id),
                    department: d,
                    index: i,
                    excluded_until: c.excluded_until.as_deref().and_then(phase),
                })
        })
        .collect()
}

fn index_steps(profile: &Profile) -> Vec<StepEntry> {
    profile
        .phases
        .iter()
        .enumerate()
        .flat_map(|(p, phase)| {
            phase.steps.iter().enumerate().map(move |(i, s)| StepEntry {
                phase: p,
                index: i,
                id: format!("{}/{}", phase.id, s.id),
            })
        })
        .collect()
}
