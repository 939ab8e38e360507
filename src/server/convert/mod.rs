//! The one place where the domain meets the wire: a `wire::Action` becomes the engine's
//! action here and nowhere else, and every engine view (state, gates, alerts, judge, events,
//! journal records) becomes its `wire` type here. Clients never see an engine type, so an
//! engine rename cannot silently change protocol v1; the golden files catch the rest.

mod event;
mod report;

pub use event::{event, record, refusal, transition};
pub use report::{alert, alerts, gate, gates, rollups, tier};

use crate::assign::Algorithm;
use crate::engine::view::{CohortView, Standing, StateView};
use crate::engine::{self, Role, Status};
use crate::metrics::Variant;
use crate::plan::{FlagValue, Mode, Risk, Weight};
use crate::wire;

/// The engine's action for a wire action; `reason` is the note when a note has no text.
pub fn action(action: &wire::Action, reason: &str) -> Result<engine::Action, String> {
    use wire::Action as W;
    Ok(match action {
        W::Advance => engine::Action::Advance,
        W::Pause => engine::Action::Pause,
        W::Resume { target } => engine::Action::Resume {
            target: target.clone(),
        },
        W::Rollback { target } => engine::Action::Rollback {
            target: target.clone(),
        },
        W::Kill { target } => engine::Action::Kill {
            switch: target.clone(),
        },
        W::Approve { target } => engine::Action::Approve {
            gate: target.clone(),
        },
        W::SetWeight { target, value } => engine::Action::SetWeight {
            cohort: target.clone(),
            weight: weight_from_percent(*value)?,
        },
        W::Ack { target } => engine::Action::Ack {
            alert: target.clone(),
        },
        W::Note { text } => {
            let text = if text.trim().is_empty() { reason } else { text };
            if text.trim().is_empty() {
                return Err("`note` needs some text (or a reason)".into());
            }
            engine::Action::Note {
                text: text.to_owned(),
            }
        }
    })
}

fn weight_from_percent(pct: f64) -> Result<Weight, String> {
    if !(0.0..=100.0).contains(&pct) {
        return Err(format!("weight {pct} % is outside 0–100 %"));
    }
    // Two decimals of a percent is one basis point; finer is rounded.
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "range checked above"
    )]
    let bp = (pct * 100.0).round() as u32;
    Weight::from_bp(bp).ok_or_else(|| format!("weight {pct} % is outside 0–100 %"))
}

/// The wire's role.
#[must_use]
pub fn role(role: Role) -> wire::Role {
    match role {
        Role::Viewer => wire::Role::Viewer,
        Role::Operator => wire::Role::Operator,
        Role::Admin => wire::Role::Admin,
        Role::System => wire::Role::System,
    }
}

/// The wire's actor.
#[must_use]
pub fn actor(actor: &engine::Actor) -> wire::Actor {
    wire::Actor {
        name: actor.name.clone(),
        role: role(actor.role),
    }
}

/// The wire's status.
#[must_use]
pub fn status(status: Status) -> wire::Status {
    match status {
        Status::Running => wire::Status::Running,
        Status::Paused => wire::Status::Paused,
        Status::RollingBack => wire::Status::RollingBack,
        Status::Killed => wire::Status::Killed,
        Status::Completed => wire::Status::Completed,
    }
}

/// The wire's name of an assignment algorithm.
#[must_use]
pub fn algorithm(a: Algorithm) -> wire::Algorithm {
    match a {
        Algorithm::CutoverV1 => wire::Algorithm::CutoverV1,
        Algorithm::FractionalV2 => wire::Algorithm::FractionalV2,
        Algorithm::FractionalV3 => wire::Algorithm::FractionalV3,
    }
}

/// The JsonLogic bucketing value of the `fractional` algorithms for `salt`.
#[must_use]
pub fn bucketing(salt: &str) -> serde_json::Value {
    serde_json::json!({"cat": [salt, "/", {"var": "cohort"}, "/", {"var": "targetingKey"}]})
}

/// The wire's mode.
#[must_use]
pub fn mode(mode: Mode) -> wire::Mode {
    match mode {
        Mode::Legacy => wire::Mode::Legacy,
        Mode::Shadow => wire::Mode::Shadow,
        Mode::Parallel => wire::Mode::Parallel,
        Mode::Canary => wire::Mode::Canary,
        Mode::Enhanced => wire::Mode::Enhanced,
        Mode::Retired => wire::Mode::Retired,
    }
}

fn standing(standing: Standing) -> wire::Standing {
    match standing {
        Standing::Planned => wire::Standing::Planned,
        Standing::Overridden => wire::Standing::Overridden,
        Standing::Excluded => wire::Standing::Excluded,
        Standing::RolledBack => wire::Standing::RolledBack,
        Standing::Switched => wire::Standing::Switched,
        Standing::Killed => wire::Standing::Killed,
    }
}

fn risk(risk: Risk) -> wire::Risk {
    match risk {
        Risk::Low => wire::Risk::Low,
        Risk::Medium => wire::Risk::Medium,
        Risk::High => wire::Risk::High,
        Risk::Critical => wire::Risk::Critical,
    }
}

/// The wire's flag value.
#[must_use]
pub fn flag(value: &FlagValue) -> wire::FlagValue {
    match value {
        FlagValue::Bool(b) => wire::FlagValue::Bool(*b),
        FlagValue::Int(i) => wire::FlagValue::Int(*i),
        FlagValue::Float(x) => wire::FlagValue::Float(*x),
        FlagValue::Text(s) => wire::FlagValue::Text(s.clone()),
    }
}

/// The wire's flags.
pub fn flags<'a>(
    flags: impl IntoIterator<Item = (&'a String, &'a FlagValue)>,
) -> std::collections::BTreeMap<String, wire::FlagValue> {
    flags
        .into_iter()
        .map(|(k, v)| (k.clone(), flag(v)))
        .collect()
}

/// The wire's variant.
#[must_use]
pub fn variant(variant: Variant) -> wire::Variant {
    match variant {
        Variant::Legacy => wire::Variant::Legacy,
        Variant::Enhanced => wire::Variant::Enhanced,
    }
}

fn cohort(c: &CohortView) -> wire::CohortView {
    wire::CohortView {
        id: c.id.clone(),
        department: c.department.clone(),
        mode: mode(c.mode),
        weight_bp: c.weight_bp,
        target_mode: mode(c.target_mode),
        target_weight_bp: c.target_weight_bp,
        standing: standing(c.standing),
        risk: risk(c.risk),
        rollback_objective: c.rollback_objective.to_string(),
        units: c.units,
    }
}

/// The wire's state object; the lineage (the journal's, not the engine's) is left empty for
/// the server's core to fill in.
#[must_use]
pub fn state(s: &StateView) -> wire::StateView {
    wire::StateView {
        rollout: s.rollout.clone(),
        revision: s.revision,
        lineage: String::new(),
        status: status(s.status),
        phase: s.phase.clone(),
        step: s.step.clone(),
        phase_number: s.phase_number,
        phase_count: s.phase_count,
        step_number: s.step_number,
        step_count: s.step_count,
        auto_advance: s.auto_advance,
        next_step: s.next_step.clone(),
        cohorts: s.cohorts.iter().map(cohort).collect(),
        flags: flags(&s.flags),
        kill_switches: s.kill_switches.clone(),
        approvals: s.approvals.clone(),
        edges: Vec::new(),
        nats: None,
    }
}
