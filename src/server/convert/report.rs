//! Gates, alerts and the judge's rollups, from the engine's reports to the wire's.

use std::collections::BTreeMap;

use crate::engine::compare::Rollups;
use crate::engine::live::AlertSource;
use crate::engine::{FiringAlert, GateKind, GateReport, GateStatus};
use crate::judge::{Judgement, MetricComparison, MetricVerdict, Verdict};
use crate::plan::Tier;
use crate::server::auth::Auth;
use crate::wire;

/// The wire's gate report.
#[must_use]
pub fn gate(g: &GateReport, auth: &Auth) -> wire::Gate {
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
        GateKind::Legacy { held } => wire::GateKind::Legacy { held: held.clone() },
        GateKind::Signoff { signoff, given_by } => wire::GateKind::Signoff {
            signoff: signoff.clone(),
            may_give: auth.holders(signoff),
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
pub fn gates(gates: &[GateReport], auth: &Auth) -> Vec<wire::Gate> {
    gates.iter().map(|g| gate(g, auth)).collect()
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
    let map = |m: &BTreeMap<String, Judgement>| {
        m.iter().map(|(k, j)| (k.clone(), judgement(j))).collect()
    };
    wire::Rollups {
        overall: judgement(&r.overall),
        departments: map(&r.departments),
        cohorts: map(&r.cohorts),
    }
}
