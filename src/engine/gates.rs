//! Gate evaluation. A gate is *pass*, *fail* or *inconclusive*: no data (no fresh window, no
//! value in scope) is inconclusive and never passes. Leaving a step also needs its bake time,
//! reported as the pseudo-gate `bake`. Gates with `consecutive = N` pass only after N passing
//! evaluations in a row; the streaks advance with each metric window.

use super::live::Live;
use super::report::{GateKind, GateReport, GateStatus};
use super::state::Rollout;
use super::view::{Standing, effective, exposed};
use crate::judge::judge;
use crate::plan::{Condition, Gate, Mode, Operand, Plan, Target};
use crate::time::Timestamp;

/// Reads an operand over the exposed cohorts `scope` accepts; `None` is no data.
#[must_use]
pub fn read_operand(
    plan: &Plan,
    rollout: &Rollout,
    live: &Live,
    now: Timestamp,
    operand: &Operand,
    scope: Target,
) -> Option<f64> {
    let in_scope = |c: usize| plan.contains(scope, c) && exposed(plan, rollout, c);
    match operand {
        Operand::Metric { metric, selector } => live
            .latest(plan, now)?
            .read(plan, metric, *selector, &in_scope),
        #[expect(clippy::cast_precision_loss, reason = "alert counts are small")]
        Operand::Alerts(tier) => Some(live.firing_at_least(*tier) as f64),
        Operand::JudgeScore => {
            live.latest(plan, now)?;
            judge(plan, &live.windows, &in_scope).score
        }
    }
}

fn gate_scope(plan: &Plan, gate: &Gate) -> Target {
    gate.scope
        .as_deref()
        .and_then(|s| plan.resolve(s).ok())
        .unwrap_or(Target::All)
}

/// The condition of a gate right now, ignoring streaks; sign-off gates read approvals.
fn condition_now(
    plan: &Plan,
    rollout: &Rollout,
    live: &Live,
    now: Timestamp,
    gate: &Gate,
) -> (GateStatus, String, GateKind) {
    if let Some(role) = &gate.signoff {
        let given_by = rollout.approvals.get(&gate.id).map(|a| a.by.clone());
        let (status, detail) = match &given_by {
            Some(by) => (GateStatus::Pass, format!("signed off by {by} for {role}")),
            None => (GateStatus::Fail, format!("awaiting sign-off by {role}")),
        };
        let kind = GateKind::Signoff {
            signoff: role.clone(),
            given_by,
        };
        return (status, detail, kind);
    }
    let Some(cond) = &gate.when else {
        let kind = GateKind::Metric {
            condition: String::new(),
            value: None,
        };
        return (GateStatus::Fail, "checks nothing".into(), kind);
    };
    let value = read_operand(
        plan,
        rollout,
        live,
        now,
        &cond.operand,
        gate_scope(plan, gate),
    );
    let (status, detail) = match value {
        None => (
            GateStatus::Inconclusive,
            format!("no data for {}", cond.operand),
        ),
        Some(v) if cond.holds(v) => (
            GateStatus::Pass,
            format!("{} = {} (needs {cond})", cond.operand, round(v)),
        ),
        Some(v) => (
            GateStatus::Fail,
            format!("{} = {} (needs {cond})", cond.operand, round(v)),
        ),
    };
    (status, detail, condition_kind(cond, value))
}

fn condition_kind(cond: &Condition, value: Option<f64>) -> GateKind {
    let condition = cond.to_string();
    match cond.operand {
        Operand::Alerts(_) => GateKind::Alert { condition, value },
        _ => GateKind::Metric { condition, value },
    }
}

fn round(v: f64) -> f64 {
    (v * 10_000.0).round() / 10_000.0
}

/// Every exit gate of the current step, bake time first.
#[must_use]
pub fn exit_gates(plan: &Plan, rollout: &Rollout, live: &Live, now: Timestamp) -> Vec<GateReport> {
    let (_, step) = plan.step(rollout.step);
    let baked = now.since(rollout.step_started);
    let mut reports = vec![GateReport {
        id: "bake".into(),
        status: if baked >= step.bake {
            GateStatus::Pass
        } else {
            GateStatus::Fail
        },
        detail: format!("{} of {} baked", baked.human(), step.bake.human()),
        kind: GateKind::Bake {
            elapsed: baked,
            required: step.bake,
        },
    }];
    for gate in plan.exit_gates(rollout.step) {
        let (mut status, mut detail, kind) = condition_now(plan, rollout, live, now, gate);
        let streak = live.gate_streaks.get(&gate.id).copied().unwrap_or(0);
        if status == GateStatus::Pass && gate.when.is_some() && streak < gate.consecutive {
            status = GateStatus::Inconclusive;
            detail = format!(
                "{detail}; held {streak} of {} evaluations in a row",
                gate.consecutive
            );
        }
        reports.push(GateReport {
            id: gate.id.clone(),
            status,
            detail,
            kind,
        });
    }
    reports.extend(legacy_gate(plan, rollout));
    reports
}

/// Before a step that retires legacy for some cohorts: those cohorts must not be held on
/// legacy now (rolled back, or sent there by a kill switch), or the step would leave them with
/// no system at all. `None` when the next step retires nothing new.
fn legacy_gate(plan: &Plan, rollout: &Rollout) -> Option<GateReport> {
    let next = rollout.step + 1;
    if next >= plan.steps().len() {
        return None;
    }
    let retired = |step: usize, i: usize| plan.table(step).targets[i].mode == Mode::Retired;
    let retiring: Vec<usize> = (0..plan.cohorts().len())
        .filter(|&i| retired(next, i) && !retired(rollout.step, i))
        .collect();
    if retiring.is_empty() {
        return None;
    }
    let held: Vec<String> = retiring
        .into_iter()
        .filter(|&i| {
            matches!(
                effective(plan, rollout, i).1,
                Standing::RolledBack | Standing::Switched
            )
        })
        .map(|i| plan.cohorts()[i].id.clone())
        .collect();
    let next_id = &plan.steps()[next].id;
    let (status, detail) = if held.is_empty() {
        (
            GateStatus::Pass,
            format!("no cohort is held on legacy, which {next_id} retires"),
        )
    } else {
        (
            GateStatus::Fail,
            format!(
                "{} still on legacy, which {next_id} retires: resume first",
                held.join(", ")
            ),
        )
    };
    Some(GateReport {
        id: "legacy-in-use".into(),
        status,
        detail,
        kind: GateKind::Legacy { held },
    })
}

/// Advances the consecutive-pass streaks of the current exit gates after a new window.
pub fn update_streaks(plan: &Plan, rollout: &Rollout, live: &mut Live, now: Timestamp) {
    let updates: Vec<(String, bool)> = plan
        .exit_gates(rollout.step)
        .filter(|g| g.when.is_some())
        .map(|g| {
            (
                g.id.clone(),
                condition_now(plan, rollout, live, now, g).0 == GateStatus::Pass,
            )
        })
        .collect();
    for (id, held) in updates {
        let streak = live.gate_streaks.entry(id).or_insert(0);
        *streak = if held { *streak + 1 } else { 0 };
    }
}
