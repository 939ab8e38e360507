//! What a healthy fleet reports for each metric of a plan, and how much it varies. A value
//! starts from what is plausible for the metric's unit and direction (an error ratio of 0.5 %,
//! a p95 of 350 ms, nothing of a lower-is-better count), then moves inside the plan's limits
//! on the good side — every gate and alert threshold that reads the metric, as `plan::limits`
//! collects them — and its noise shrinks until none of them can be reached, with a margin of
//! two. A profile's `[sim.metrics.ID]` may set both; noise is still capped so that healthy
//! never breaches. No IO.

use crate::plan::limits::Limits;
use crate::plan::{Better, Comparison, MetricDef, Plan};

/// What a healthy fleet reports for one metric.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Healthy {
    /// The value both variants report.
    pub value: f64,
    /// The largest relative deviation of one window from it.
    pub noise: f64,
}

/// Relative noise when nothing in the plan asks for less: visible in sparklines, and small
/// enough that the judge never calls two healthy fleets different.
const NOISE: f64 = 0.02;

/// A healthy value and noise for every metric of the plan, in the plan's metric order.
#[must_use]
pub fn healthy_values(plan: &Plan) -> Vec<Healthy> {
    plan.profile()
        .metrics
        .keys()
        .map(|id| healthy(plan, id))
        .collect()
}

/// A healthy value and noise for one declared metric.
///
/// # Panics
/// If the plan does not declare `metric`.
#[must_use]
pub fn healthy(plan: &Plan, metric: &str) -> Healthy {
    let profile = plan.profile();
    let def = &profile.metrics[metric];
    let limits = Limits::of(profile, metric).expect("a declared metric");
    let chosen = profile.sim.metrics.get(metric);
    let value = chosen
        .and_then(|o| o.healthy)
        .unwrap_or_else(|| comfortable(&limits, plausible(def)));
    // The judge fails a metric whose enhanced value is worse by more than its tolerance:
    // two healthy fleets must stay well inside it.
    let judge = if def.compare {
        profile.judge.tolerance.max(0.0) / 5.0
    } else {
        f64::INFINITY
    };
    let noise = chosen
        .and_then(|o| o.noise)
        .unwrap_or(NOISE)
        .min(judge)
        .min(limits.noise_cap(value))
        .max(0.0);
    Healthy { value, noise }
}

/// A value typical of the metric's unit and direction, before the plan's limits.
#[must_use]
pub fn plausible(def: &MetricDef) -> f64 {
    let lower = def.better == Better::Lower;
    let unit = def.unit.as_str();
    let scale = unit
        .strip_prefix("score/")
        .and_then(|n| n.parse::<f64>().ok());
    match (unit, scale) {
        (_, Some(top)) if lower => 0.14 * top,
        (_, Some(top)) => 0.86 * top,
        ("ratio", _) if lower => 0.005,
        ("ratio", _) => 0.97,
        ("percent" | "%", _) if lower => 0.5,
        ("percent" | "%", _) => 97.0,
        ("seconds" | "s", _) if lower => 0.35,
        ("ms" | "milliseconds", _) if lower => 350.0,
        ("days", _) if lower => 5.0,
        // A healthy fleet reports none of the bad things it counts (errors, mismatches).
        (u, _) if lower && u.starts_with("count") => 0.0,
        (u, _) if u.starts_with("count") => 40.0,
        (u, _) if u.starts_with("usd") && lower => 0.12,
        (u, _) if u.starts_with("usd") => 42.0,
        _ if lower => 1.0,
        _ => 100.0,
    }
}

/// `preferred` moved inside the part of the allowed range that is comfortably on the good
/// side: the best 40 % of it, or 1.5 times a floor that has no ceiling above it.
fn comfortable(limits: &Limits, preferred: f64) -> f64 {
    let (mut low, mut high) = limits.domain;
    let (mut low_strict, mut high_strict) = (false, false);
    for l in limits.limits.iter().filter(|l| l.absolute()) {
        let t = l.threshold;
        match l.comparison {
            Comparison::Less if t <= high => (high, high_strict) = (t, true),
            Comparison::LessOrEqual if t < high => (high, high_strict) = (t, false),
            Comparison::Greater if t >= low => (low, low_strict) = (t, true),
            Comparison::GreaterOrEqual if t > low => (low, low_strict) = (t, false),
            Comparison::Equal => return t,
            _ => {}
        }
    }
    if high <= low {
        // Pinned by inclusive limits (`>= 100%`, `== 0`), or contradictory: the nearest edge.
        return low;
    }
    let (from, to) = if high.is_finite() {
        let span = high - low;
        let edge = |strict: bool| if strict { 0.1 * span } else { 0.0 };
        match limits.better {
            Better::Lower => (low + edge(low_strict), low + 0.4 * span),
            Better::Higher => (high - 0.4 * span, high - edge(high_strict)),
        }
    } else if low > 0.0 {
        (1.5 * low, f64::INFINITY)
    } else {
        (low + if low_strict { 1.0 } else { 0.0 }, f64::INFINITY)
    };
    preferred.clamp(from, to)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(profile: &str, metric: &str) -> Healthy {
        healthy(&crate::plan::builtin::load(profile).unwrap(), metric)
    }

    #[test]
    fn values_sit_on_the_good_side_of_the_plans_limits() {
        // The gate `< 1%` (and the info tier at 1 %) leave the best 40 %: at most 0.4 %.
        assert!((value("vividwalls", "error_rate").value - 0.004).abs() < 1e-12);
        // Aixtiv's KPI of 200 ms pulls a p95 of 350 ms down to 80 ms.
        assert!((value("aixtiv", "response_time").value - 0.08).abs() < 1e-12);
        // `availability >= 99.9 %` as a warning: 99.96 %, noise within half its 0.06 % slack.
        let availability = value("aixtiv", "availability");
        assert!((availability.value - 0.9996).abs() < 1e-9);
        assert!(availability.noise < 0.000_301);
        // Pinned by `>= 100%` and `== 0`: exact, and no noise at all.
        assert_eq!(
            value("aixtiv", "tests_passing"),
            Healthy {
                value: 1.0,
                noise: 0.0
            }
        );
        assert!(value("aixtiv", "critical_vulnerabilities").value.abs() < f64::EPSILON);
        // A floor with no ceiling: half again above it.
        assert!((value("aigentflow", "tournament_matches_per_week").value - 150.0).abs() < 1e-9);
        // `revenue.drop < 1%` leaves a fifth of its slack to noise.
        assert!(value("vividwalls", "revenue").noise <= 0.002 + 1e-12);
        assert!((value("vividwalls", "satisfaction").value - 4.3).abs() < 1e-9);
    }
}
