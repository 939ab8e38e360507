//! The one place where the domain meets the wire: a `wire::Action` becomes the engine's
//! action here and nowhere else, and every engine view (state, gates, alerts, judge, events,
//! journal records) becomes its `wire` type here. Clients never see an engine type, so an
//! engine rename cannot silently change protocol v1; the golden files catch the rest.

use crate::engine::compare::Rollups;
use crate::engine::view::{CohortView, Standing, StateView};
use crate::engine::{
    self, Command, Event, EventKind, FiringAlert, GateKind, GateReport, GateStatus, Refusal, Role,
    Status, Transition, live::AlertSource,
};
use crate::journal::Record;
use crate::judge::{Judgement, MetricComparison, MetricVerdict, Verdict};
use crate::metrics::Variant;
use crate::plan::{FlagValue, Mode, Risk, Tier, Weight};
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

/// The wire's state object.
#[must_use]
pub fn state(s: &StateView) -> wire::StateView {
    wire::StateView {
        rollout: s.rollout.clone(),
        revision: s.revision,
        status: status(s.status),
        phase: s.phase.clone(),
        step: s.step.clone(),
        phase_number: s.phase_number,
        phase_count: s.phase_count,
        step_number: s.step_number,
        step_count: s.step_count,
        cohorts: s.cohorts.iter().map(cohort).collect(),
        flags: flags(&s.flags),
        kill_switches: s.kill_switches.clone(),
        approvals: s.approvals.clone(),
    }
}

/// The wire's gate report.
#[must_use]
pub fn gate(g: &GateReport) -> wire::Gate {
    let status = match g.status {
        GateStatus::Pass => wire::GateStatus::Pass,
        GateStatus::Fail => wire::GateStatus::Fail,
        GateStatus::Inconclusive => wire::GateStatus::Inconclusive,
    };
    let kind = match &g.kind {
        GateKind::Bake { elapsed, required } => wire::GateKind::Bake {
            elapsed_ms: elapsed.0,
            required_ms: required.0,
        },
        GateKind::Metric { condition, value } => wire::GateKind::Metric {
            condition: condition.clone(),
            value: *value,
        },
        GateKind::Alert { condition, value } => wire::GateKind::Alert {
            condition: condition.clone(),
            value: *value,
        },
        GateKind::Signoff { signoff, given_by } => wire::GateKind::Signoff {
            signoff: signoff.clone(),
            may_give: vec!["any admin".into()],
            given_by: given_by.clone(),
        },
    };
    wire::Gate {
        id: g.id.clone(),
        status,
        detail: g.detail.clone(),
        kind,
    }
}

/// The wire's gate reports.
#[must_use]
pub fn gates(gates: &[GateReport]) -> Vec<wire::Gate> {
    gates.iter().map(gate).collect()
}

/// The wire's tier.
#[must_use]
pub fn tier(tier: Tier) -> wire::Tier {
    match tier {
        Tier::Info => wire::Tier::Info,
        Tier::Warning => wire::Tier::Warning,
        Tier::Critical => wire::Tier::Critical,
    }
}

/// The wire's firing alert.
#[must_use]
pub fn alert(a: &FiringAlert) -> wire::Alert {
    wire::Alert {
        key: a.key.clone(),
        name: a.name.clone(),
        source: match a.source {
            AlertSource::Plan => wire::AlertSource::Plan,
            AlertSource::Alertmanager => wire::AlertSource::Alertmanager,
        },
        scope: a.scope.clone(),
        tier: tier(a.tier),
        since: a.since.0,
        value: a.value,
        threshold: a.threshold,
        action: a.action.clone(),
        acked: a.acked,
    }
}

/// The wire's firing alerts.
#[must_use]
pub fn alerts(alerts: &[FiringAlert]) -> Vec<wire::Alert> {
    alerts.iter().map(alert).collect()
}

fn comparison(m: &MetricComparison) -> wire::MetricComparison {
    wire::MetricComparison {
        metric: m.metric.clone(),
        legacy: m.legacy,
        enhanced: m.enhanced,
        delta: m.delta,
        relative: m.relative,
        p_value: m.p_value,
        verdict: match m.verdict {
            MetricVerdict::Pass => wire::MetricVerdict::Pass,
            MetricVerdict::Fail => wire::MetricVerdict::Fail,
            MetricVerdict::NoData => wire::MetricVerdict::NoData,
        },
        legacy_history: m.legacy_history.clone(),
        enhanced_history: m.enhanced_history.clone(),
    }
}

fn judgement(j: &Judgement) -> wire::Judgement {
    wire::Judgement {
        metrics: j.metrics.iter().map(comparison).collect(),
        score: j.score,
        verdict: match j.verdict {
            Verdict::Pass => wire::Verdict::Pass,
            Verdict::Marginal => wire::Verdict::Marginal,
            Verdict::Fail => wire::Verdict::Fail,
            Verdict::NoData => wire::Verdict::NoData,
        },
    }
}

/// The wire's judge rollups.
#[must_use]
pub fn rollups(r: &Rollups) -> wire::Rollups {
    let map = |m: &std::collections::BTreeMap<String, Judgement>| {
        m.iter().map(|(k, j)| (k.clone(), judgement(j))).collect()
    };
    wire::Rollups {
        overall: judgement(&r.overall),
        departments: map(&r.departments),
        cohorts: map(&r.cohorts),
    }
}

fn command(c: &Command) -> wire::Command {
    match c {
        Command::Advance { to } => wire::Command::Advance { to: to.clone() },
        Command::Complete => wire::Command::Complete,
        Command::Pause => wire::Command::Pause,
        Command::Resume { release } => wire::Command::Resume {
            release: release.clone(),
        },
        Command::Rollback { target } => wire::Command::Rollback {
            target: target.clone(),
        },
        Command::Kill { switch } => wire::Command::Kill {
            switch: switch.clone(),
        },
        Command::Approve { gate } => wire::Command::Approve { gate: gate.clone() },
        Command::SetWeight { cohort, weight } => wire::Command::SetWeight {
            cohort: cohort.clone(),
            weight: weight.to_string(),
        },
        Command::Ack { alert } => wire::Command::Ack {
            alert: alert.clone(),
        },
        Command::Note { text } => wire::Command::Note { text: text.clone() },
        Command::Settle => wire::Command::Settle,
    }
}

/// The wire's transition.
#[must_use]
pub fn transition(t: &Transition) -> wire::Transition {
    wire::Transition {
        revision: t.revision,
        at: t.at.0,
        actor: t.actor.clone(),
        command: command(&t.command),
        reason: t.reason.clone(),
        idempotency_key: t.idempotency_key.clone(),
        before: t.before.clone(),
        after: t.after.clone(),
    }
}

/// The wire's refusal.
#[must_use]
pub fn refusal(r: &Refusal) -> wire::Refusal {
    match r {
        Refusal::Forbidden { role: r, needs } => wire::Refusal::Forbidden {
            role: role(*r),
            needs: role(*needs),
        },
        Refusal::StaleRevision { expected, current } => wire::Refusal::StaleRevision {
            expected: *expected,
            current: *current,
        },
        Refusal::GatesFailing { gates: g } => wire::Refusal::GatesFailing { gates: gates(g) },
        Refusal::NotAllowed { message } => wire::Refusal::NotAllowed {
            message: message.clone(),
        },
    }
}

/// The wire's event.
#[must_use]
pub fn event(e: &Event) -> wire::Event {
    let kind = match &e.kind {
        EventKind::Transition(t) => wire::EventKind::Transition(transition(t)),
        EventKind::Refused {
            actor,
            action,
            refusal: r,
        } => wire::EventKind::Refused {
            actor: actor.clone(),
            action: action.clone(),
            refusal: refusal(r),
            message: r.to_string(),
        },
        EventKind::AlertFired { alert: a, previous } => wire::EventKind::AlertFired {
            alert: alert(a),
            previous: previous.map(tier),
        },
        EventKind::AlertResolved { key, reason } => wire::EventKind::AlertResolved {
            key: key.clone(),
            reason: reason.clone(),
        },
    };
    wire::Event { at: e.at.0, kind }
}

/// The wire's journal record.
#[must_use]
pub fn record(r: &Record) -> wire::Record {
    wire::Record {
        seq: r.seq,
        transition: transition(&r.transition),
    }
}
