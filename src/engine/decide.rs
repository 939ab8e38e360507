//! Deciding on an action: whether the plan and the state allow it now, and which command it
//! becomes. Roles, idempotency and revisions are checked before this (in `act`); here are the
//! rules of the rollout itself — gates and bake time for `advance`, what can be released by
//! `resume`, what a rollback, a weight, a sign-off or an acknowledgement may name.

use super::EngineState;
use super::action::{Action, ActionRequest, Actor, Refusal};
use super::alerts::firing;
use super::command::Command;
use super::gates::exit_gates;
use super::report::GateReport;
use super::state::{Rollout, Status};
use super::view::{Standing, effective};
use crate::plan::{Plan, Target, Weight};

/// The command an action becomes, or why it is refused.
pub(super) fn decide(
    plan: &Plan,
    state: &EngineState,
    request: &ActionRequest,
) -> Result<Command, Refusal> {
    let rollout = &state.rollout;
    let status = rollout.status;
    match &request.action {
        Action::Advance => decide_advance(plan, state, request),
        Action::Pause => match status {
            Status::Running => Ok(Command::Pause),
            Status::Paused | Status::RollingBack => {
                Err(Refusal::not_allowed("the rollout is already paused"))
            }
            Status::Killed => Err(Refusal::not_allowed(
                "the kill switch is pulled: nothing is running",
            )),
            Status::Completed => Err(Refusal::not_allowed(
                "the rollout is complete: nothing to pause",
            )),
        },
        Action::Resume { target } => decide_resume(plan, state, target.as_deref()),
        Action::Rollback { target } => decide_rollback(plan, state, target),
        Action::Kill { switch: None } => Ok(Command::Kill { switch: None }),
        Action::Kill { switch: Some(id) } => {
            if id == "all" {
                return Ok(Command::Kill { switch: None });
            }
            if plan.kill_switch(id).is_none() {
                let names: Vec<_> = plan
                    .profile()
                    .kill_switches
                    .iter()
                    .map(|k| k.id.as_str())
                    .collect();
                return Err(Refusal::not_allowed(format!(
                    "no kill switch `{id}` (switches: {}; plain `kill` pulls the global one)",
                    names.join(", ")
                )));
            }
            Ok(Command::Kill {
                switch: Some(id.clone()),
            })
        }
        Action::Approve { gate } => decide_approve(plan, state, &request.actor, gate),
        Action::SetWeight { cohort, weight } => decide_set_weight(plan, state, cohort, *weight),
        Action::Ack { alert } => {
            let alerts = firing(plan, rollout, &state.live);
            match alerts.iter().find(|a| &a.key == alert) {
                None => Err(Refusal::not_allowed(format!("no firing alert `{alert}`"))),
                Some(a) if a.acked => Err(Refusal::not_allowed(format!(
                    "`{alert}` is already acknowledged"
                ))),
                Some(_) => Ok(Command::Ack {
                    alert: alert.clone(),
                }),
            }
        }
        Action::Note { text } if text.trim().is_empty() => {
            Err(Refusal::not_allowed("a note needs some text"))
        }
        Action::Note { text } => Ok(Command::Note { text: text.clone() }),
    }
}

fn decide_advance(
    plan: &Plan,
    state: &EngineState,
    request: &ActionRequest,
) -> Result<Command, Refusal> {
    let rollout = &state.rollout;
    let status = rollout.status;
    match status {
        Status::Running => {}
        Status::Paused | Status::RollingBack => {
            return Err(Refusal::not_allowed(
                "the rollout is paused: resume it first",
            ));
        }
        Status::Killed => {
            return Err(Refusal::not_allowed(
                "the kill switch is pulled: `resume all` first",
            ));
        }
        Status::Completed => {
            return Err(Refusal::not_allowed(
                "the rollout is complete: there is no next step",
            ));
        }
    }
    let gates = exit_gates(plan, rollout, &state.live, request.at);
    if !gates.iter().all(GateReport::passed) {
        return Err(Refusal::GatesFailing { gates });
    }
    Ok(match plan.steps().get(rollout.step + 1) {
        Some(next) => Command::Advance {
            to: next.id.clone(),
        },
        None => Command::Complete,
    })
}

fn decide_rollback(plan: &Plan, state: &EngineState, target: &str) -> Result<Command, Refusal> {
    let rollout = &state.rollout;
    let status = rollout.status;
    let t = plan.resolve(target).map_err(Refusal::not_allowed)?;
    if status == Status::Killed {
        return Err(Refusal::not_allowed(
            "the kill switch is pulled: every cohort is already on legacy",
        ));
    }
    let members: Vec<usize> = (0..plan.cohorts().len())
        .filter(|c| plan.contains(t, *c))
        .collect();
    let all_held = members.iter().all(|c| rollout.held[*c]);
    if all_held && (t != Target::All || matches!(status, Status::Paused | Status::RollingBack)) {
        return Err(Refusal::not_allowed(format!(
            "{target} is already rolled back"
        )));
    }
    Ok(Command::Rollback {
        target: plan.target_name(t),
    })
}

/// A sign-off: the gate must be one, not yet given, listed on the actor's token, and — four
/// eyes — the actor must not have given another sign-off name in the same phase (unless the
/// phase says `distinct_signoffs = false`). Several gates of one sign-off name may be given
/// by one person: they are one role's word.
fn decide_approve(
    plan: &Plan,
    state: &EngineState,
    actor: &Actor,
    gate: &str,
) -> Result<Command, Refusal> {
    let rollout = &state.rollout;
    let Some((step, g)) = plan.all_gates().find(|(_, g)| g.id == gate) else {
        return Err(Refusal::not_allowed(format!(
            "no gate `{gate}` in the plan"
        )));
    };
    let Some(signoff) = g.signoff.as_deref() else {
        return Err(Refusal::not_allowed(format!(
            "gate `{gate}` is a metric gate, not a sign-off"
        )));
    };
    if let Some(a) = rollout.approvals.get(gate) {
        return Err(Refusal::not_allowed(format!(
            "`{gate}` is already signed off by {}",
            a.by
        )));
    }
    if !actor.may_sign(signoff) {
        return Err(Refusal::NotYourSignoff {
            signoff: signoff.to_owned(),
            gate: gate.to_owned(),
        });
    }
    let phase = plan.steps()[step].phase;
    let phase_def = &plan.profile().phases[phase];
    if actor.four_eyes() && phase_def.distinct_signoffs {
        let other = plan.all_gates().find(|(s, other)| {
            plan.steps()[*s].phase == phase
                && other.signoff.as_deref().is_some_and(|o| o != signoff)
                && rollout
                    .approvals
                    .get(&other.id)
                    .is_some_and(|a| a.by == actor.name)
        });
        if let Some((_, other)) = other {
            return Err(Refusal::not_allowed(format!(
                "four eyes: {} already gave the `{}` sign-off ({}) in phase {}; `{signoff}` must come from someone else",
                actor.name,
                other.signoff.as_deref().unwrap_or_default(),
                other.id,
                phase_def.id
            )));
        }
    }
    Ok(Command::Approve {
        gate: gate.to_owned(),
    })
}

fn decide_set_weight(
    plan: &Plan,
    state: &EngineState,
    cohort: &str,
    weight: Weight,
) -> Result<Command, Refusal> {
    let rollout = &state.rollout;
    let c = plan.cohort_index(cohort).ok_or_else(|| {
        Refusal::not_allowed(format!("no cohort `{cohort}` (write department/cohort)"))
    })?;
    match effective(plan, rollout, c).1 {
        Standing::Planned | Standing::Overridden => Ok(Command::SetWeight {
            cohort: cohort.to_owned(),
            weight,
        }),
        Standing::Excluded => Err(Refusal::not_allowed(format!(
            "{cohort} is excluded until phase {}",
            plan.cohort_def(c)
                .excluded_until
                .clone()
                .unwrap_or_default()
        ))),
        Standing::RolledBack => Err(Refusal::not_allowed(format!(
            "{cohort} is rolled back: `resume {cohort}` first"
        ))),
        Standing::Switched | Standing::Killed => Err(Refusal::not_allowed(format!(
            "{cohort} is held on legacy by a kill switch"
        ))),
    }
}

fn decide_resume(
    plan: &Plan,
    state: &EngineState,
    target: Option<&str>,
) -> Result<Command, Refusal> {
    let rollout = &state.rollout;
    let status = rollout.status;
    let Some(target) = target else {
        return match status {
            Status::Paused | Status::RollingBack => Ok(Command::Resume { release: None }),
            Status::Running => Err(Refusal::not_allowed("the rollout is already running")),
            Status::Killed => Err(Refusal::not_allowed(
                "the kill switch is pulled: `resume all` releases it",
            )),
            Status::Completed => Err(Refusal::not_allowed("the rollout is complete")),
        };
    };
    if target == "all" || target == "*" {
        return Ok(Command::Resume {
            release: Some("all".into()),
        });
    }
    if status == Status::Killed {
        return Err(Refusal::not_allowed(
            "the kill switch is pulled: `resume all` releases it",
        ));
    }
    if plan.kill_switch(target).is_some() {
        if !rollout.engaged.contains(target) {
            return Err(Refusal::not_allowed(format!(
                "kill switch `{target}` is not engaged"
            )));
        }
        return Ok(Command::Resume {
            release: Some(target.to_owned()),
        });
    }
    let t = plan.resolve(target).map_err(Refusal::not_allowed)?;
    if !(0..plan.cohorts().len()).any(|c| plan.contains(t, c) && rollout.held[c]) {
        return Err(Refusal::not_allowed(format!(
            "nothing in {target} is rolled back"
        )));
    }
    Ok(Command::Resume {
        release: Some(plan.target_name(t)),
    })
}

/// Why an action would change nothing because what it asks is already so: a kill of a killed
/// rollout, a named kill switch already engaged. Answered as such, with no new revision.
pub(super) fn already_so(plan: &Plan, rollout: &Rollout, action: &Action) -> Option<String> {
    match action {
        Action::Kill { switch: None } if rollout.status == Status::Killed => {
            Some("the kill switch is already pulled: every cohort is on legacy".into())
        }
        Action::Kill { switch: Some(id) } if id == "all" && rollout.status == Status::Killed => {
            Some("the kill switch is already pulled: every cohort is on legacy".into())
        }
        Action::Kill { switch: Some(id) }
            if rollout.engaged.contains(id) && plan.kill_switch(id).is_some() =>
        {
            Some(format!("kill switch `{id}` is already engaged"))
        }
        _ => None,
    }
}
