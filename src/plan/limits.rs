//! What a plan demands of one metric: every gate condition and every alert-rule threshold that
//! reads it, each as a [`Limit`] that must hold (an alert tier becomes "stay on the good side
//! of its threshold"). The simulator derives healthy values and faults from them, and the
//! `[sim]` checks refuse an override that would breach one. Also the range a metric's unit
//! allows (a ratio is within 0 and 1, `score/5` within 0 and 5, everything else is not negative).

use super::condition::{Comparison, Operand, Selector, Tier};
use super::model::{Better, MetricDef, Profile};
use super::validate::higher_is_worse;

/// Where a limit comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum LimitSource {
    /// A gate's condition.
    Gate {
        /// The gate's id.
        id: String,
    },
    /// One tier of an alert rule.
    Alert {
        /// The rule's id.
        rule: String,
        /// The tier.
        tier: Tier,
        /// The rule's `for`: consecutive breaching evaluations before it fires.
        for_evaluations: u32,
    },
}

/// One thing the plan demands of a metric: `reading <comparison> threshold` must hold.
#[derive(Debug, Clone, PartialEq)]
pub struct Limit {
    /// Which reading of the metric.
    pub selector: Selector,
    /// How it must compare.
    pub comparison: Comparison,
    /// With what.
    pub threshold: f64,
    /// Where the plan says so.
    pub source: LimitSource,
}

impl Limit {
    /// Whether the limit reads one variant's value (rather than enhanced against legacy).
    #[must_use]
    pub fn absolute(&self) -> bool {
        matches!(self.selector, Selector::Enhanced | Selector::Legacy)
    }

    /// Where it comes from, for people: `alert rule errors (critical)`, `gate staff-errors`.
    #[must_use]
    pub fn origin(&self) -> String {
        match &self.source {
            LimitSource::Gate { id } => format!("gate `{id}`"),
            LimitSource::Alert { rule, tier, .. } => {
                format!("alert rule `{rule}` ({})", tier.name())
            }
        }
    }

    /// How much relative noise `value` (reported by both variants) may carry while this limit
    /// holds with a margin of two; infinite when the limit cannot be reached by noise.
    #[must_use]
    pub fn noise_cap(&self, value: f64) -> f64 {
        let t = self.threshold;
        // How far `at` is inside the good side of the threshold.
        let slack = |at: f64| {
            match self.comparison {
                Comparison::Less | Comparison::LessOrEqual => t - at,
                Comparison::Greater | Comparison::GreaterOrEqual => at - t,
                Comparison::Equal => 0.0,
                Comparison::NotEqual => (at - t).abs(),
            }
            .max(0.0)
        };
        match self.selector {
            // Noise scales a value, so zero stays zero; relative readings of zero are no data.
            _ if value == 0.0 => f64::INFINITY,
            Selector::Enhanced | Selector::Legacy => slack(value) / value.abs() / 2.0,
            // Two values off by ±s differ by up to 2s: half of the slack, halved again.
            Selector::Delta => slack(0.0) / value.abs() / 4.0,
            // Relative readings move by up to 2s/(1-s), under 2.5s for any noise worth having.
            Selector::Ratio => slack(1.0) / 5.0,
            Selector::Degradation | Selector::Drop => slack(0.0) / 5.0,
        }
    }
}

/// Everything the plan demands of one metric.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    /// Which direction is good.
    pub better: Better,
    /// Whether it has one value per variant.
    pub compare: bool,
    /// The range its unit allows.
    pub domain: (f64, f64),
    /// Every gate condition and alert tier that reads it, in plan order.
    pub limits: Vec<Limit>,
}

impl Limits {
    /// The limits on `metric`; `None` if the profile does not declare it.
    #[must_use]
    pub fn of(profile: &Profile, metric: &str) -> Option<Limits> {
        let def = profile.metrics.get(metric)?;
        let reads = |o: &Operand| o.metric() == Some(metric);
        let selector = |o: &Operand| match o {
            Operand::Metric { selector, .. } => *selector,
            _ => Selector::Enhanced,
        };
        let mut limits = Vec::new();
        let gates = profile
            .phases
            .iter()
            .flat_map(|p| p.steps.iter().flat_map(|s| &s.gates).chain(&p.gates));
        for gate in gates {
            if let Some(c) = gate.when.as_ref().filter(|c| reads(&c.operand)) {
                limits.push(Limit {
                    selector: selector(&c.operand),
                    comparison: c.comparison,
                    threshold: c.threshold,
                    source: LimitSource::Gate {
                        id: gate.id.clone(),
                    },
                });
            }
        }
        for rule in profile.alerts.iter().filter(|r| reads(&r.when)) {
            let comparison = if higher_is_worse(&rule.when, Some(def.better)) {
                Comparison::LessOrEqual
            } else {
                Comparison::GreaterOrEqual
            };
            for tier in Tier::ALL {
                if let Some(threshold) = rule.thresholds.get(tier) {
                    limits.push(Limit {
                        selector: selector(&rule.when),
                        comparison,
                        threshold: *threshold,
                        source: LimitSource::Alert {
                            rule: rule.id.clone(),
                            tier,
                            for_evaluations: rule.for_evaluations,
                        },
                    });
                }
            }
        }
        Some(Limits {
            better: def.better,
            compare: def.compare,
            domain: domain(def),
            limits,
        })
    }

    /// The first limit on one variant's value that `value` breaches.
    #[must_use]
    pub fn breached_by(&self, value: f64) -> Option<&Limit> {
        self.limits
            .iter()
            .filter(|l| l.absolute())
            .find(|l| !l.comparison.holds(value, l.threshold))
    }

    /// The most relative noise `value` may carry with every limit holding with margin.
    #[must_use]
    pub fn noise_cap(&self, value: f64) -> f64 {
        self.limits
            .iter()
            .map(|l| l.noise_cap(value))
            .fold(f64::INFINITY, f64::min)
    }
}

/// The range a metric's unit allows: `ratio` 0 to 1, `score/N` 0 to N, durations (`seconds`,
/// `ms`, `minutes`, `hours`, `days`) and counts (`count`, `count/…`) not negative; any other
/// unit (`usd/session`) any finite number. Pushed samples outside it are refused.
#[must_use]
pub fn unit_range(def: &MetricDef) -> (f64, f64) {
    let unit = def.unit.as_str();
    if unit == "ratio" {
        return (0.0, 1.0);
    }
    if let Some(top) = unit
        .strip_prefix("score/")
        .and_then(|n| n.parse::<f64>().ok())
        .filter(|n| *n > 0.0)
    {
        return (0.0, top);
    }
    let duration = matches!(
        unit,
        "seconds" | "s" | "ms" | "milliseconds" | "minutes" | "hours" | "days"
    );
    if duration || unit == "count" || unit.starts_with("count/") {
        (0.0, f64::INFINITY)
    } else {
        (f64::NEG_INFINITY, f64::INFINITY)
    }
}

/// The range the simulator keeps a metric in: its unit's, and never negative.
#[must_use]
pub fn domain(def: &MetricDef) -> (f64, f64) {
    let (low, high) = unit_range(def);
    (low.max(0.0), high)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(profile: &str, metric: &str) -> Limits {
        let plan = crate::plan::builtin::load(profile).unwrap();
        Limits::of(plan.profile(), metric).unwrap()
    }

    #[test]
    fn gates_and_alert_tiers_become_limits() {
        let errors = limits("minimal", "error_rate");
        let rendered: Vec<_> = errors
            .limits
            .iter()
            .map(|l| format!("{} {:?} {}", l.origin(), l.comparison, l.threshold))
            .collect();
        assert_eq!(
            rendered,
            [
                "gate `staff-errors` Less 0.01",
                "alert rule `errors` (warning) LessOrEqual 0.02",
                "alert rule `errors` (critical) LessOrEqual 0.05",
            ]
        );
        assert_eq!(errors.domain, (0.0, 1.0));
        assert!(errors.breached_by(0.004).is_none());
        assert_eq!(
            errors.breached_by(0.01).map(Limit::origin).as_deref(),
            Some("gate `staff-errors`")
        );
        // 0.004 may move by (0.01 - 0.004) / 0.004 / 2 = 75 % before nearing the gate.
        assert!((errors.noise_cap(0.004) - 0.75).abs() < 1e-9);
        // `latency_p95.degradation < 20%` leaves a fifth of it to noise.
        assert!((limits("minimal", "latency_p95").noise_cap(0.3) - 0.04).abs() < 1e-9);
    }

    #[test]
    fn a_higher_is_better_tier_is_a_floor() {
        let availability = limits("aixtiv", "availability");
        assert!(availability.breached_by(0.9985).is_some());
        assert!(availability.breached_by(0.9995).is_none());
        assert_eq!(
            limits("aixtiv", "satisfaction").domain,
            (0.0, 5.0),
            "score/5"
        );
    }
}
