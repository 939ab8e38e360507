//! Semantic checks of a plan, after it parsed: ids unique and well-formed, every target,
//! metric, phase, alert rule and kill switch it names exists, weights make sense for their
//! mode, thresholds are ordered the way `better` says, sign-off gates are well-formed, and the
//! `[sim]` table overrides only declared metrics, with healthy values the plan accepts.
//! Each problem names the field path; the loader turns that into `file:line:col`.

use std::collections::BTreeSet;

use super::Plan;
use super::condition::{Operand, Selector};
use super::model::{Better, Gate, Mode, Profile};
use super::path::FieldPath;

mod rules;
mod sim;
mod warnings;

pub use warnings::warnings;

/// One thing wrong with a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where.
    pub path: FieldPath,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub hint: Option<String>,
}

impl Problem {
    fn new(path: FieldPath, message: impl Into<String>) -> Problem {
        Problem {
            path,
            message: message.into(),
            hint: None,
        }
    }

    fn hint(mut self, hint: impl Into<String>) -> Problem {
        self.hint = Some(hint.into());
        self
    }
}

/// Whether a selector reads a higher number as worse, given the metric's direction.
#[must_use]
pub fn higher_is_worse(operand: &Operand, better: Option<Better>) -> bool {
    match operand {
        Operand::Metric {
            selector: Selector::Degradation | Selector::Drop,
            ..
        }
        | Operand::Alerts(_) => true,
        Operand::Metric { .. } => better != Some(Better::Higher),
        Operand::JudgeScore => false,
    }
}

struct Checker<'a> {
    plan: &'a Plan,
    profile: &'a Profile,
    problems: Vec<Problem>,
}

/// Every semantic problem of a plan, in document order.
#[must_use]
pub fn check(plan: &Plan) -> Vec<Problem> {
    let mut c = Checker {
        plan,
        profile: plan.profile(),
        problems: Vec::new(),
    };
    c.rollout();
    c.metrics();
    c.departments();
    c.phases();
    c.alerts();
    c.kill_switches();
    c.flag_types();
    c.sim();
    c.problems
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'))
}

impl Checker<'_> {
    fn push(&mut self, p: Problem) {
        self.problems.push(p);
    }

    fn id(&mut self, path: FieldPath, id: &str, seen: &mut BTreeSet<String>, what: &str) {
        if !valid_id(id) {
            self.push(
                Problem::new(path.clone(), format!("{what} id `{id}` is not a valid id"))
                    .hint("use letters, digits, `_` and `-`"),
            );
        }
        if !seen.insert(id.to_owned()) {
            self.push(
                Problem::new(path, format!("duplicate {what} id `{id}`"))
                    .hint(format!("each {what} needs its own id")),
            );
        }
    }

    fn rollout(&mut self) {
        let r = &self.profile.rollout;
        if !valid_id(&r.id) {
            self.push(
                Problem::new(
                    FieldPath::root().key("rollout").key("id"),
                    format!("`{}` is not a valid id", r.id),
                )
                .hint("use letters, digits, `_` and `-`"),
            );
        }
        if let Some(salt) = r.salt.as_deref().filter(|s| !s.is_ascii()) {
            self.push(
                Problem::new(
                    FieldPath::root().key("rollout").key("salt"),
                    format!("salt `{salt}` is not ASCII"),
                )
                .hint("OpenFeature SDKs in JavaScript hash UTF-16, the others UTF-8: only an ASCII salt buckets units alike everywhere"),
            );
        }
        let j = &self.profile.judge;
        let path = FieldPath::root().key("judge");
        if !(0.0..=100.0).contains(&j.marginal)
            || !(0.0..=100.0).contains(&j.pass)
            || j.marginal > j.pass
        {
            self.push(Problem::new(
                path.key("pass"),
                "judge scores need 0 <= marginal <= pass <= 100",
            ));
        }
        if !(j.alpha > 0.0 && j.alpha < 1.0) {
            self.push(
                Problem::new(
                    path.key("alpha"),
                    format!("alpha {} is outside (0, 1)", j.alpha),
                )
                .hint("0.05 is usual"),
            );
        }
        if j.min_intervals < 2 || j.min_intervals > j.intervals {
            self.push(Problem::new(
                path.key("min_intervals"),
                "min_intervals must be at least 2 and at most intervals",
            ));
        }
    }

    fn metrics(&mut self) {
        for (id, m) in &self.profile.metrics {
            let path = FieldPath::root().key("metrics").key(id);
            if !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') || id.is_empty() {
                self.push(Problem::new(
                    path.clone(),
                    format!("metric id `{id}` may only use letters, digits and `_`"),
                ));
            }
            if let Some(q) = &m.prometheus {
                for name in crate::plan::promql::names(q) {
                    if !matches!(name, "cohort" | "department" | "variant") {
                        self.push(
                            Problem::new(
                                path.key("prometheus"),
                                format!("unknown placeholder `{{{{{name}}}}}`"),
                            )
                            .hint("use {{cohort}}, {{department}} or {{variant}}"),
                        );
                    }
                }
            }
        }
    }

    fn departments(&mut self) {
        let mut seen = BTreeSet::new();
        for (d, dept) in self.profile.departments.iter().enumerate() {
            let path = FieldPath::root().key("departments").index(d);
            self.id(path.key("id"), &dept.id, &mut seen, "department");
            if dept.cohorts.is_empty() {
                self.push(Problem::new(
                    path.key("cohorts"),
                    format!("department `{}` has no cohorts", dept.id),
                ));
            }
            let mut cohorts = BTreeSet::new();
            for (i, c) in dept.cohorts.iter().enumerate() {
                let cpath = path.key("cohorts").index(i);
                self.id(cpath.key("id"), &c.id, &mut cohorts, "cohort");
                if let Some(phase) = &c.excluded_until
                    && !self.profile.phases.iter().any(|p| &p.id == phase)
                {
                    self.push(
                        Problem::new(cpath.key("excluded_until"), format!("no phase `{phase}`"))
                            .hint(self.phase_names()),
                    );
                }
            }
        }
    }

    fn phase_names(&self) -> String {
        let names: Vec<_> = self.profile.phases.iter().map(|p| p.id.as_str()).collect();
        format!("phases: {}", names.join(", "))
    }

    fn phases(&mut self) {
        if self.profile.phases.is_empty() {
            self.push(Problem::new(
                FieldPath::root().key("phases"),
                "the plan has no phases",
            ));
        }
        let mut phase_ids = BTreeSet::new();
        let mut gate_ids = BTreeSet::new();
        for (p, phase) in self.profile.phases.iter().enumerate() {
            let path = FieldPath::root().key("phases").index(p);
            self.id(path.key("id"), &phase.id, &mut phase_ids, "phase");
            if phase.steps.is_empty() {
                self.push(Problem::new(
                    path.key("steps"),
                    format!("phase `{}` has no steps", phase.id),
                ));
            }
            let mut step_ids = BTreeSet::new();
            for (s, step) in phase.steps.iter().enumerate() {
                let spath = path.key("steps").index(s);
                self.id(spath.key("id"), &step.id, &mut step_ids, "step");
                for (i, setting) in step.set.iter().enumerate() {
                    let set_path = spath.key("set").index(i);
                    if let Err(e) = self.plan.resolve(&setting.target) {
                        self.push(
                            Problem::new(set_path.key("target"), e)
                                .hint("write `*`, a department id, or `department/cohort`"),
                        );
                    }
                    match (setting.mode, setting.weight) {
                        (Mode::Canary, None) => self.push(
                            Problem::new(set_path.key("weight"), "a canary needs a weight")
                                .hint("add weight = \"10%\""),
                        ),
                        (Mode::Canary, Some(_)) | (_, None) => {}
                        (mode, Some(_)) => self.push(
                            Problem::new(
                                set_path.key("weight"),
                                format!("a weight only applies to canary, not {}", mode.name()),
                            )
                            .hint(format!(
                                "{} implies {}",
                                mode.name(),
                                mode.implied_weight()
                            )),
                        ),
                    }
                }
                for rule in step.alert_modes.keys() {
                    if self.plan.alert_index(rule).is_none() {
                        self.push(Problem::new(
                            spath.key("alert_modes").key(rule),
                            format!("no alert rule `{rule}`"),
                        ));
                    }
                }
                for (g, gate) in step.gates.iter().enumerate() {
                    self.gate(&spath.key("gates").index(g), gate, &mut gate_ids);
                }
            }
            for (g, gate) in phase.gates.iter().enumerate() {
                self.gate(&path.key("gates").index(g), gate, &mut gate_ids);
            }
        }
    }

    fn gate(&mut self, path: &FieldPath, gate: &Gate, seen: &mut BTreeSet<String>) {
        self.id(path.key("id"), &gate.id, seen, "gate");
        match (&gate.when, &gate.signoff) {
            (None, None) => self.push(
                Problem::new(path.clone(), format!("gate `{}` checks nothing", gate.id))
                    .hint("give it `when = \"…\"` or `signoff = \"role\"`"),
            ),
            (Some(_), Some(_)) => self.push(
                Problem::new(
                    path.key("signoff"),
                    format!("gate `{}` has both `when` and `signoff`", gate.id),
                )
                .hint("split it into two gates"),
            ),
            (Some(when), None) => self.operand(path.key("when"), &when.operand),
            (None, Some(_)) => {}
        }
        if gate.consecutive == 0 {
            self.push(Problem::new(
                path.key("consecutive"),
                "consecutive must be at least 1",
            ));
        }
        if let Some(scope) = &gate.scope
            && let Err(e) = self.plan.resolve(scope)
        {
            self.push(Problem::new(path.key("scope"), e));
        }
    }

    fn operand(&mut self, path: FieldPath, operand: &Operand) {
        let Operand::Metric { metric, selector } = operand else {
            return;
        };
        match self.profile.metrics.get(metric) {
            None => {
                let known: Vec<_> = self.profile.metrics.keys().map(String::as_str).collect();
                self.push(
                    Problem::new(path, format!("`{metric}` is not a declared metric")).hint(
                        format!(
                            "declare [metrics.{metric}] or use one of: {}",
                            known.join(", ")
                        ),
                    ),
                );
            }
            Some(m) if !m.compare && *selector != Selector::Enhanced => {
                self.push(Problem::new(path, format!("`{metric}` has one value (compare = false), so `{operand}` means nothing")).hint(format!("write just `{metric}`")));
            }
            Some(_) => {}
        }
    }
}
