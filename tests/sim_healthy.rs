//! `sim:healthy` never breaches the plan it simulates: for every shipped profile and a bank's
//! ledger migration written from its runbook (an unknown metric, `reconciliation_mismatches`,
//! and a rule that pulls the kill switch on a single mismatch), every derived value keeps
//! every gate condition and alert threshold that reads it even at nearly twice its noise, and many
//! windows at every step of the plan, through the real engine, fire no alert and leave every
//! metric gate with data passing.

mod common;

use std::sync::Arc;

use cutover::engine::{self, EngineState, EventKind, Input, Status};
use cutover::metrics::MetricWindow;
use cutover::plan::limits::Limits;
use cutover::plan::{Better, Plan, Selector};
use cutover::sim::{Fleet, Scenario, values};
use cutover::time::Period;

const BANK: &str = "tests/fixtures/bank-ledger.toml";

fn plans() -> Vec<(String, Arc<Plan>)> {
    let mut names: Vec<String> = cutover::plan::builtin::PROFILES
        .iter()
        .map(|(n, _)| (*n).to_owned())
        .collect();
    names.push(BANK.into());
    names
        .into_iter()
        .map(|n| {
            let plan = Arc::new(common::profile(&n));
            (n, plan)
        })
        .collect()
}

/// A reading of a metric when legacy reports `l` and enhanced `e`; `None` when it has none.
fn read(selector: Selector, better: Better, l: f64, e: f64) -> Option<f64> {
    let relative = |worse: f64| (l.abs() > f64::EPSILON).then(|| worse / l);
    match selector {
        Selector::Enhanced => Some(e),
        Selector::Legacy => Some(l),
        Selector::Delta => Some(e - l),
        Selector::Ratio => relative(e),
        Selector::Degradation if better == Better::Lower => relative(e - l),
        Selector::Degradation | Selector::Drop => relative(l - e),
    }
}

#[test]
fn healthy_values_keep_every_limit_with_a_margin_of_nearly_two() {
    let mut checked = 0;
    for (name, plan) in plans() {
        for (id, def) in &plan.profile().metrics {
            let h = values::healthy(&plan, id);
            let limits = Limits::of(plan.profile(), id).unwrap();
            assert!(h.value.is_finite() && h.noise >= 0.0, "{name} {id}: {h:?}");
            assert!(
                h.value >= limits.domain.0 && h.value <= limits.domain.1,
                "{name} {id}: {h:?} outside its unit"
            );
            // Nearly twice the noise (twice is the limit itself), each variant at either extreme.
            let extremes = [
                h.value * (1.0 - 1.9 * h.noise),
                h.value * (1.0 + 1.9 * h.noise),
            ];
            for limit in &limits.limits {
                for l in extremes {
                    for e in extremes {
                        if let Some(v) = read(limit.selector, def.better, l, e) {
                            assert!(
                                limit.comparison.holds(v, limit.threshold),
                                "{name} {id} = {h:?}: {} reads {v} against {:?} {}",
                                limit.origin(),
                                limit.comparison,
                                limit.threshold
                            );
                            checked += 1;
                        }
                    }
                }
            }
        }
    }
    assert!(checked > 500, "only {checked} checks");
    let bank = common::profile(BANK);
    // Exactly zero: the rule kills on anything above it.
    let mismatches = values::healthy(&bank, "reconciliation_mismatches");
    assert_eq!(
        mismatches.value.to_bits(),
        0.0f64.to_bits(),
        "{mismatches:?}"
    );
}

/// Windows of `sim:healthy` at every step of `plan`, paused so that each step is held and
/// its alert modes apply; returns how many gate readings with data were checked.
fn walk_every_step(name: &str, plan: &Arc<Plan>) -> usize {
    let start = common::t0();
    let mut checked = 0;
    for step in 0..plan.steps().len() {
        let mut state = EngineState::new(plan, start);
        state.rollout.step = step;
        state.rollout.status = Status::Paused;
        let mut fleet = Fleet::new(plan.clone(), Scenario::Healthy, 11 + step as u64);
        fleet.requests = 120;
        let mut now = start;
        for _ in 0..16 {
            now = now.plus(Period::minutes(10));
            let doc =
                cutover::server::published::build_config(plan, &state, "", plan.assignment()).doc;
            let window = MetricWindow {
                at: now,
                observations: fleet.window(&doc, now),
            };
            let out = engine::handle(plan, &mut state, Input::Metrics(window));
            for e in &out.events {
                assert!(
                    !matches!(e.kind, EventKind::AlertFired { .. }),
                    "{name} at {}: {}",
                    plan.steps()[step].id,
                    common::line(e)
                );
            }
            assert!(out.transitions.is_empty(), "{name}: {:?}", out.transitions);
        }
        for (_, gate) in plan.all_gates() {
            let Some(cond) = &gate.when else { continue };
            let scope = gate
                .scope
                .as_deref()
                .map_or(cutover::plan::Target::All, |s| plan.resolve(s).unwrap());
            let value = engine::gates::read_operand(
                plan,
                &state.rollout,
                &state.live,
                now,
                &cond.operand,
                scope,
            );
            if let Some(v) = value {
                assert!(
                    cond.holds(v),
                    "{name} at {}: gate {} reads {v}, needs {cond}",
                    plan.steps()[step].id,
                    gate.id
                );
                checked += 1;
            }
        }
    }
    checked
}

#[test]
fn many_healthy_windows_at_every_step_fire_nothing_and_pass_every_metric_gate() {
    for (name, plan) in plans() {
        let checked = walk_every_step(&name, &plan);
        let gates = plan.all_gates().filter(|(_, g)| g.when.is_some()).count();
        assert!(
            checked >= gates,
            "{name}: only {checked} readings for {gates} metric gates"
        );
    }
}
