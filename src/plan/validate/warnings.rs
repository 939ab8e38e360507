//! Questionable plans: valid, but probably not what their author meant. `plan check` prints
//! these as warnings (exit 0; `--strict` makes them errors): a cohort set twice in one step at
//! the same breadth (the later setting wins; a department then one of its cohorts is a
//! deliberate override and not warned of), a sign-off with an empty name (no token can list it), a cohort
//! retired without ever having run enhanced, and `excluded_until` naming the first phase
//! (which excludes nothing).

use super::Problem;
use crate::plan::path::FieldPath;
use crate::plan::{Mode, Plan, Target};

/// Every warning of a plan, in document order.
#[must_use]
pub fn warnings(plan: &Plan) -> Vec<Problem> {
    let mut out = Vec::new();
    set_twice(plan, &mut out);
    empty_signoffs(plan, &mut out);
    retired_unrun(plan, &mut out);
    excluded_until_first(plan, &mut out);
    out
}

fn step_path(p: usize, s: usize) -> FieldPath {
    FieldPath::root()
        .key("phases")
        .index(p)
        .key("steps")
        .index(s)
}

fn set_twice(plan: &Plan, out: &mut Vec<Problem>) {
    for (p, phase) in plan.profile().phases.iter().enumerate() {
        for (s, step) in phase.steps.iter().enumerate() {
            let mut first_by: Vec<Option<usize>> = vec![None; plan.cohorts().len()];
            let mut breadth_of: Vec<u8> = Vec::new();
            for (j, setting) in step.set.iter().enumerate() {
                let Ok(target) = plan.resolve(&setting.target) else {
                    breadth_of.push(u8::MAX);
                    continue;
                };
                let breadth = breadth(target);
                breadth_of.push(breadth);
                let again: Vec<(usize, usize)> = (0..plan.cohorts().len())
                    .filter(|&i| plan.contains(target, i))
                    .filter_map(|i| {
                        let earlier = first_by[i].map(|e| (i, e));
                        first_by[i] = Some(j);
                        // A narrower setting after a broader one overrides it on purpose.
                        earlier.filter(|&(_, e)| breadth_of[e] <= breadth)
                    })
                    .collect();
                if let Some(&(i, earlier)) = again.first() {
                    out.push(
                        Problem::new(
                            step_path(p, s).key("set").index(j),
                            format!(
                                "{} is set by set[{earlier}] and set[{j}] of this step{}; the later one wins",
                                plan.cohorts()[i].id,
                                if again.len() > 1 {
                                    format!(" (and {} more cohort(s))", again.len() - 1)
                                } else {
                                    String::new()
                                }
                            ),
                        )
                        .hint("set each cohort once per step"),
                    );
                }
            }
        }
    }
}

/// 0 for one cohort, 1 for a department, 2 for everything.
fn breadth(target: Target) -> u8 {
    match target {
        Target::Cohort(_) => 0,
        Target::Department(_) => 1,
        Target::All => 2,
    }
}

fn empty_signoffs(plan: &Plan, out: &mut Vec<Problem>) {
    for (p, phase) in plan.profile().phases.iter().enumerate() {
        let phase_path = FieldPath::root().key("phases").index(p);
        let step_gates = phase.steps.iter().enumerate().flat_map(|(s, step)| {
            step.gates
                .iter()
                .enumerate()
                .map(move |(g, gate)| (step_path(p, s).key("gates").index(g), gate))
        });
        let phase_gates = phase
            .gates
            .iter()
            .enumerate()
            .map(|(g, gate)| (phase_path.key("gates").index(g), gate));
        for (path, gate) in step_gates.chain(phase_gates) {
            if gate.signoff.as_deref().is_some_and(|s| s.trim().is_empty()) {
                out.push(
                    Problem::new(
                        path.key("signoff"),
                        format!("gate `{}` has an empty sign-off name: no token can list it, so nobody can give it", gate.id),
                    )
                    .hint("name the sign-off, e.g. signoff = \"cfo\""),
                );
            }
        }
    }
}

fn retired_unrun(plan: &Plan, out: &mut Vec<Problem>) {
    for (i, cohort) in plan.cohorts().iter().enumerate() {
        let ran = |step: usize| {
            let t = plan.table(step).targets[i];
            t.mode == Mode::Enhanced || (t.mode == Mode::Canary && t.weight.bp() > 0)
        };
        let Some(retired) =
            (0..plan.steps().len()).find(|&s| plan.table(s).targets[i].mode == Mode::Retired)
        else {
            continue;
        };
        if !(0..retired).any(ran) {
            let entry = &plan.steps()[retired];
            let (p, s) = (entry.phase, entry.index);
            out.push(
                Problem::new(
                    step_path(p, s).key("set"),
                    format!(
                        "{} is retired at {} without ever having run enhanced: its traffic would go nowhere new",
                        cohort.id, entry.id
                    ),
                )
                .hint("move it to enhanced (or a canary) in an earlier step"),
            );
        }
    }
}

fn excluded_until_first(plan: &Plan, out: &mut Vec<Problem>) {
    let Some(first) = plan.profile().phases.first() else {
        return;
    };
    for (d, department) in plan.profile().departments.iter().enumerate() {
        for (c, cohort) in department.cohorts.iter().enumerate() {
            if cohort.excluded_until.as_deref() == Some(first.id.as_str()) {
                out.push(
                    Problem::new(
                        FieldPath::root()
                            .key("departments")
                            .index(d)
                            .key("cohorts")
                            .index(c)
                            .key("excluded_until"),
                        format!(
                            "`{}` is the first phase: excluding {}/{} until it excludes nothing",
                            first.id, department.id, cohort.id
                        ),
                    )
                    .hint("name a later phase, or leave it out"),
                );
            }
        }
    }
}
