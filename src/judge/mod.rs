//! The legacy-versus-enhanced judge. Per compared metric over a scope it reports the latest
//! legacy and enhanced values, their delta and relative delta, and a verdict from a one-sided
//! Mann-Whitney U test over the recent intervals: *fail* when enhanced is significantly worse
//! by more than the tolerance, *pass* otherwise, *no data* with too few intervals. The
//! metric verdicts combine Kayenta-style into a 0–100 score (the share of metrics passing)
//! and a pass / marginal / fail verdict by the profile's thresholds; a failing metric the
//! profile marks `critical` fails the whole comparison and scores it 0, so that gates on the
//! score hold as well. Marginal and no
//! data mean a human decides.

pub mod mwu;

use serde::{Deserialize, Serialize};

use crate::metrics::Readings;
use crate::plan::{Better, Plan};

/// A metric's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MetricVerdict {
    /// Enhanced is not significantly worse.
    Pass,
    /// Enhanced is significantly and materially worse.
    Fail,
    /// Too few intervals to say.
    NoData,
}

/// The overall verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Score at or above the pass threshold.
    Pass,
    /// Between marginal and pass: a human decides.
    Marginal,
    /// Below marginal.
    Fail,
    /// No metric had enough data: a human decides.
    NoData,
}

/// Legacy against enhanced for one metric over one scope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricComparison {
    /// Metric id.
    pub metric: String,
    /// Latest legacy value.
    pub legacy: Option<f64>,
    /// Latest enhanced value.
    pub enhanced: Option<f64>,
    /// Enhanced minus legacy.
    pub delta: Option<f64>,
    /// Delta relative to legacy.
    pub relative: Option<f64>,
    /// One-sided p-value that enhanced is worse.
    pub p_value: Option<f64>,
    /// The verdict.
    pub verdict: MetricVerdict,
    /// Legacy values of the recent intervals, oldest first (for sparklines).
    pub legacy_history: Vec<f64>,
    /// Enhanced values of the recent intervals, oldest first.
    pub enhanced_history: Vec<f64>,
}

/// The judge's answer for one scope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Judgement {
    /// Per compared metric.
    pub metrics: Vec<MetricComparison>,
    /// 0–100, `None` when no metric had data.
    pub score: Option<f64>,
    /// The verdict.
    pub verdict: Verdict,
}

/// Judges the recent windows (oldest first) over the cohorts `in_scope` accepts.
#[must_use]
pub fn judge(plan: &Plan, windows: &[Readings], in_scope: &dyn Fn(usize) -> bool) -> Judgement {
    let settings = &plan.profile().judge;
    let recent = &windows[windows.len().saturating_sub(settings.intervals)..];
    let mut metrics = Vec::new();
    for (id, def) in plan.profile().metrics.iter().filter(|(_, d)| d.compare) {
        let pairs: Vec<_> = recent
            .iter()
            .map(|r| r.pair(plan, id, in_scope).unwrap_or((None, None)))
            .collect();
        let legacy_history: Vec<f64> = pairs.iter().filter_map(|p| p.0).collect();
        let enhanced_history: Vec<f64> = pairs.iter().filter_map(|p| p.1).collect();
        let (legacy, enhanced) = pairs.last().copied().unwrap_or((None, None));
        let delta = legacy.zip(enhanced).map(|(l, e)| e - l);
        let relative = legacy
            .zip(delta)
            .filter(|(l, _)| l.abs() > f64::EPSILON)
            .map(|(l, d)| d / l.abs());
        let enough = legacy_history.len() >= settings.min_intervals
            && enhanced_history.len() >= settings.min_intervals;
        let (p_value, verdict) = if enough {
            let p = match def.better {
                Better::Lower => mwu::p_greater(&enhanced_history, &legacy_history),
                Better::Higher => mwu::p_greater(&legacy_history, &enhanced_history),
            };
            let worsening =
                relative.map_or(0.0, |r| if def.better == Better::Lower { r } else { -r });
            let fail = p.is_some_and(|p| p < settings.alpha) && worsening > settings.tolerance;
            (
                p,
                if fail {
                    MetricVerdict::Fail
                } else {
                    MetricVerdict::Pass
                },
            )
        } else {
            (None, MetricVerdict::NoData)
        };
        metrics.push(MetricComparison {
            metric: id.clone(),
            legacy,
            enhanced,
            delta,
            relative,
            p_value,
            verdict,
            legacy_history,
            enhanced_history,
        });
    }
    let judged = metrics
        .iter()
        .filter(|m| m.verdict != MetricVerdict::NoData)
        .count();
    let passed = metrics
        .iter()
        .filter(|m| m.verdict == MetricVerdict::Pass)
        .count();
    let critical_failed = metrics.iter().any(|m| {
        m.verdict == MetricVerdict::Fail
            && plan
                .profile()
                .metrics
                .get(&m.metric)
                .is_some_and(|d| d.critical)
    });
    // A failing critical metric scores the comparison 0, so gates on `judge.score` hold too.
    #[expect(clippy::cast_precision_loss, reason = "a handful of metrics")]
    let score = (judged > 0).then(|| {
        if critical_failed {
            0.0
        } else {
            100.0 * passed as f64 / judged as f64
        }
    });
    let verdict = match score {
        None => Verdict::NoData,
        Some(s) if s >= settings.pass => Verdict::Pass,
        Some(s) if s >= settings.marginal => Verdict::Marginal,
        Some(_) => Verdict::Fail,
    };
    Judgement {
        metrics,
        score,
        verdict,
    }
}
