//! How far a fault bends a metric. The plan's alert thresholds on the metric (or, with none,
//! its gate conditions) become values of the enhanced variant — a relative one such as
//! `response_time.degradation > 20%` read against a healthy legacy — and a fault walks up
//! these *stairs*: halfway to the first threshold, then just past each in turn, a few windows
//! each so that every tier fires and can be read, and finally past the most severe one by half
//! the way from healthy. So a fault tells the same story on any profile. No IO.

use super::values::Healthy;
use crate::plan::limits::{LimitSource, Limits};
use crate::plan::{Better, Comparison, Plan, Selector};

/// The values a fault takes on one metric, mildest first.
#[derive(Debug, Clone, PartialEq)]
pub struct Stairs {
    /// Halfway to the first threshold, just past each threshold but the last, then past the
    /// last: at least two values.
    pub steps: Vec<f64>,
    /// Windows on each step before the next: long enough for every rule's `for` to fire it.
    pub hold: u64,
}

impl Stairs {
    /// The stairs of `metric` for a fault starting from `healthy`.
    ///
    /// # Panics
    /// If the plan does not declare `metric`.
    #[must_use]
    pub fn of(plan: &Plan, metric: &str, healthy: Healthy) -> Stairs {
        let limits = Limits::of(plan.profile(), metric).expect("a declared metric");
        let h = healthy.value;
        let worse = |v: f64| match limits.better {
            Better::Lower => v > h,
            Better::Higher => v < h,
        };
        let alerting = limits
            .limits
            .iter()
            .any(|l| matches!(l.source, LimitSource::Alert { .. }));
        let mut levels: Vec<f64> = limits
            .limits
            .iter()
            .filter(|l| alerting == matches!(l.source, LimitSource::Alert { .. }))
            .filter(|l| !matches!(l.comparison, Comparison::Equal | Comparison::NotEqual))
            .filter_map(|l| as_enhanced(l.selector, l.threshold, h, limits.better))
            .filter(|v| v.is_finite() && worse(*v))
            .collect();
        levels.sort_by(|a, b| (a - h).abs().total_cmp(&(b - h).abs()));
        levels.dedup_by(|a, b| (*a - *b).abs() <= 1e-12 * b.abs().max(1.0));
        let (low, high) = limits.domain;
        let last = match (levels.last(), limits.better) {
            (Some(severest), _) => h + 1.5 * (severest - h),
            (None, Better::Lower) if h > 0.0 => 10.0 * h,
            (None, Better::Lower) => 1.0,
            (None, Better::Higher) => 0.85 * h,
        }
        .clamp(low, high);
        let mut steps = vec![h + 0.5 * (levels.first().copied().unwrap_or(last) - h)];
        steps.extend(levels.windows(2).map(|w| w[0] + 0.3 * (w[1] - w[0])));
        steps.push(last);
        let hold = limits
            .limits
            .iter()
            .filter_map(|l| match l.source {
                LimitSource::Alert {
                    for_evaluations, ..
                } => Some(u64::from(for_evaluations)),
                LimitSource::Gate { .. } => None,
            })
            .max()
            .unwrap_or(1)
            + 2;
        Stairs { steps, hold }
    }

    /// The value `k` windows into a climb.
    #[must_use]
    pub fn climb(&self, k: u64) -> f64 {
        let i = usize::try_from(k / self.hold).unwrap_or(usize::MAX);
        self.steps[i.min(self.steps.len() - 1)]
    }

    /// Just past the mildest threshold: where a flapping metric goes in a bad burst.
    #[must_use]
    pub fn first(&self) -> f64 {
        self.steps[1]
    }

    /// Past the most severe threshold: where a spike goes at once.
    #[must_use]
    pub fn last(&self) -> f64 {
        self.steps[self.steps.len() - 1]
    }
}

/// The enhanced value at which a reading equals `threshold`, legacy being `healthy`.
fn as_enhanced(selector: Selector, threshold: f64, healthy: f64, better: Better) -> Option<f64> {
    let t = threshold;
    match selector {
        Selector::Enhanced => Some(t),
        Selector::Legacy => None,
        Selector::Delta => Some(healthy + t),
        Selector::Ratio => Some(healthy * t),
        Selector::Degradation if better == Better::Lower => Some(healthy * (1.0 + t)),
        Selector::Degradation | Selector::Drop => Some(healthy * (1.0 - t)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::values::healthy;

    fn stairs(profile: &str, metric: &str) -> Stairs {
        let plan = crate::plan::builtin::load(profile).unwrap();
        Stairs::of(&plan, metric, healthy(&plan, metric))
    }

    #[test]
    fn stairs_pass_each_alert_threshold_in_turn() {
        // VividWalls response time: healthy 0.35 s; info 2 s, warning 3 s, critical 5 s.
        let s = stairs("vividwalls", "response_time");
        let expected = [1.175, 2.3, 3.6, 0.35 + 1.5 * 4.65];
        assert_eq!(s.steps.len(), expected.len(), "{s:?}");
        for (got, want) in s.steps.iter().zip(expected) {
            assert!((got - want).abs() < 1e-9, "{s:?}");
        }
        assert_eq!(s.hold, 4, "for = 2, plus two windows to read it");
        assert!((s.climb(0) - 1.175).abs() < 1e-9 && (s.climb(99) - s.last()).abs() < 1e-12);
        // Aixtiv's degradation tiers (10 %, 20 %) come before its 200 ms KPI.
        let a = stairs("aixtiv", "response_time");
        assert!(a.steps[1] > 0.08 * 1.1 && a.steps[1] < 0.08 * 1.2, "{a:?}");
        assert!(a.steps[2] > 0.08 * 1.2 && a.steps[2] < 0.2, "{a:?}");
        // Revenue goes down: 1 % and 2 % drops, then 3 %.
        let r = stairs("vividwalls", "revenue");
        assert!((r.last() / 42.0 - 0.97).abs() < 1e-9, "{r:?}");
    }

    #[test]
    fn without_thresholds_a_fault_is_tenfold_or_fifteen_percent() {
        let plan = crate::plan::builtin::load("react-playbook").unwrap();
        let cost = Stairs::of(
            &plan,
            "cost_per_conversation",
            healthy(&plan, "cost_per_conversation"),
        );
        assert!((cost.last() - 1.2).abs() < 1e-9, "{cost:?}");
        let eval = Stairs::of(&plan, "eval_score", healthy(&plan, "eval_score"));
        assert!((eval.last() - 0.97 * 0.85).abs() < 1e-9, "{eval:?}");
    }
}
