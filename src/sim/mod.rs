//! The fleet simulator: simulated legacy and enhanced fleets whose traffic is routed by the
//! real assignment function at the weights of the current config, producing one metric window
//! per evaluation. Healthy values are derived from the plan's own thresholds (comfortably on
//! the good side of every gate and alert), so any profile can be simulated; scenarios script
//! faults on the enhanced fleet. Deterministic for a given seed and sequence of configs.

pub mod scenario;

use std::sync::Arc;

pub use scenario::Scenario;

use crate::assign;
use crate::metrics::{Observation, Variant};
use crate::plan::{Better, MetricDef, Operand, Plan, Selector};
use crate::time::Timestamp;
use crate::wire::{ConfigDoc, Mode};

/// `SplitMix64`: small, fast, and reproducible across platforms.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    #[must_use]
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform number in [0, 1).
    pub fn unit(&mut self) -> f64 {
        #[expect(clippy::cast_precision_loss, reason = "53 random bits")]
        let x = (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        x
    }
}

/// A simulated pair of fleets for every cohort of a plan.
#[derive(Debug, Clone)]
pub struct Fleet {
    plan: Arc<Plan>,
    scenario: Scenario,
    rng: Rng,
    /// Requests per cohort per window.
    pub requests: u32,
    windows: u64,
    healthy: Vec<(String, f64)>,
}

impl Fleet {
    /// A fleet for `plan` playing `scenario`.
    #[must_use]
    pub fn new(plan: Arc<Plan>, scenario: Scenario, seed: u64) -> Fleet {
        let healthy = plan
            .profile()
            .metrics
            .iter()
            .map(|(id, def)| (id.clone(), healthy_value(&plan, id, def)))
            .collect();
        Fleet {
            plan,
            scenario,
            rng: Rng::new(seed),
            requests: 400,
            windows: 0,
            healthy,
        }
    }

    /// The scenario being played.
    #[must_use]
    pub fn scenario(&self) -> Scenario {
        self.scenario
    }

    /// One window of observations under `config`.
    pub fn window(&mut self, config: &ConfigDoc, _at: Timestamp) -> Vec<Observation> {
        self.windows += 1;
        let n = self.windows;
        if self.scenario.outage(n) {
            return Vec::new();
        }
        let mut out = Vec::new();
        let plan = self.plan.clone();
        for c in &config.cohorts {
            let Some(ci) = plan.cohort_index(&c.id) else {
                continue;
            };
            let (legacy_n, enhanced_n) = self.route(&c.id, c.mode, c.weight_bp, &config.salt);
            let department = plan.cohorts()[ci].department;
            for (id, def) in &plan.profile().metrics {
                let base = self
                    .healthy
                    .iter()
                    .find(|(m, _)| m == id)
                    .map_or(1.0, |(_, v)| *v);
                if !def.compare {
                    if c.mode.exposes_enhanced() {
                        out.push(Observation {
                            metric: id.clone(),
                            cohort: c.id.clone(),
                            variant: None,
                            value: base,
                            count: u64::from(enhanced_n.max(1)),
                        });
                    }
                    continue;
                }
                for (variant, count) in
                    [(Variant::Legacy, legacy_n), (Variant::Enhanced, enhanced_n)]
                {
                    if count == 0 {
                        continue;
                    }
                    let fault = if variant == Variant::Enhanced {
                        self.scenario.fault(n, department, c.weight_bp, id, def)
                    } else {
                        1.0
                    };
                    let value = self.sample(def, base, fault, count);
                    out.push(Observation {
                        metric: id.clone(),
                        cohort: c.id.clone(),
                        variant: Some(variant),
                        value,
                        count: u64::from(count),
                    });
                }
            }
        }
        for (id, def) in &plan.profile().metrics {
            if !def.compare {
                let base = self
                    .healthy
                    .iter()
                    .find(|(m, _)| m == id)
                    .map_or(1.0, |(_, v)| *v);
                out.push(Observation {
                    metric: id.clone(),
                    cohort: "*".into(),
                    variant: None,
                    value: base,
                    count: 1,
                });
            }
        }
        out
    }

    /// How many of this window's requests each fleet answers (shadow and parallel: enhanced
    /// sees a mirror of all of them), routing units by the real assignment.
    fn route(&mut self, cohort: &str, mode: Mode, weight_bp: u16, salt: &str) -> (u32, u32) {
        let seed = assign::cohort_seed(salt, cohort);
        let (mut legacy, mut enhanced) = (0, 0);
        for _ in 0..self.requests {
            let unit = format!("unit-{}", self.rng.next_u64() % 100_000);
            if assign::bucket(seed, &unit) < weight_bp {
                enhanced += 1;
            } else {
                legacy += 1;
            }
        }
        match mode {
            Mode::Legacy => (self.requests, 0),
            Mode::Shadow | Mode::Parallel => (self.requests, self.requests),
            Mode::Canary => (legacy, enhanced),
            Mode::Enhanced | Mode::Retired => (0, self.requests),
        }
    }

    /// A value around `base × fault`, off by up to ±(0.3 % + 0.8 %/√n) relative for n
    /// requests: enough variation for the judge, too little to trip a healthy threshold.
    fn sample(&mut self, def: &MetricDef, base: f64, fault: f64, count: u32) -> f64 {
        let spread = 0.003 + 0.008 / f64::from(count.max(1)).sqrt();
        let value = base * fault * (1.0 + (self.rng.unit() * 2.0 - 1.0) * spread);
        if def.unit == "ratio" {
            value.clamp(0.0, 1.0)
        } else {
            value.max(0.0)
        }
    }
}

/// A value comfortably on the good side of every threshold the plan puts on a metric.
#[must_use]
pub fn healthy_value(plan: &Plan, metric: &str, def: &MetricDef) -> f64 {
    let mut bounds = Vec::new();
    let reads = |o: &Operand| matches!(o, Operand::Metric { metric: m, selector: Selector::Enhanced | Selector::Legacy } if m == metric);
    for (_, g) in plan.all_gates() {
        if let Some(c) = g.when.as_ref().filter(|c| reads(&c.operand)) {
            bounds.push(c.threshold);
        }
    }
    for rule in plan.profile().alerts.iter().filter(|r| reads(&r.when)) {
        bounds.extend(
            [
                rule.thresholds.info,
                rule.thresholds.warning,
                rule.thresholds.critical,
            ]
            .into_iter()
            .flatten(),
        );
    }
    let ratio = def.unit == "ratio";
    match def.better {
        Better::Lower => {
            let tightest = bounds
                .iter()
                .copied()
                .filter(|b| *b > 0.0)
                .fold(f64::INFINITY, f64::min);
            if tightest.is_finite() {
                tightest * 0.4
            } else if ratio {
                0.005
            } else {
                0.8
            }
        }
        Better::Higher => {
            let tightest = bounds.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            match (tightest.is_finite(), ratio) {
                (true, true) => tightest + (1.0 - tightest) * 0.7,
                (true, false) => tightest * 1.3 + 1.0,
                (false, true) => 0.97,
                (false, false) => 10.0,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{EngineState, Input, handle};
    use crate::time::Period;

    fn config(plan: &Plan, state: &EngineState) -> ConfigDoc {
        crate::server::core::build_config(plan, state).doc
    }

    #[test]
    fn the_same_seed_and_weights_give_the_same_windows() {
        let plan = Arc::new(crate::plan::builtin::load("vividwalls").unwrap());
        let state = EngineState::new(&plan, Timestamp(0));
        let doc = config(&plan, &state);
        let mut a = Fleet::new(plan.clone(), Scenario::ErrorSpike, 42);
        let mut b = Fleet::new(plan.clone(), Scenario::ErrorSpike, 42);
        let mut c = Fleet::new(plan.clone(), Scenario::ErrorSpike, 43);
        let (wa, wb, wc): (Vec<_>, Vec<_>, Vec<_>) = (
            a.window(&doc, Timestamp(0)),
            b.window(&doc, Timestamp(0)),
            c.window(&doc, Timestamp(0)),
        );
        assert_eq!(wa, wb);
        assert_ne!(wa, wc);
    }

    #[test]
    fn a_healthy_fleet_passes_the_plans_own_gates_and_a_spike_breaches() {
        let plan = Arc::new(crate::plan::builtin::load("minimal").unwrap());
        let mut state = EngineState::new(&plan, Timestamp(0));
        let mut fleet = Fleet::new(plan.clone(), Scenario::Healthy, 1);
        for i in 1..=8 {
            let at = Timestamp(0).plus(Period::minutes(10 * i));
            let window = crate::metrics::MetricWindow {
                at,
                observations: fleet.window(&config(&plan, &state), at),
            };
            let out = handle(&plan, &mut state, Input::Metrics(window));
            assert!(
                out.events.iter().all(|e| !matches!(
                    e.kind,
                    crate::engine::EventKind::AlertFired { .. }
                        | crate::engine::EventKind::AlertResolved { .. }
                )),
                "healthy fires nothing: {:?}",
                out.events
            );
        }
        // Its data passed the first step's metric gates (one of them three times in a row), so
        // the step advanced by itself; what remains is a sign-off.
        assert_eq!(plan.steps()[state.rollout.step].id, "canary/staff-all");
        let failing: Vec<_> = state
            .live
            .gates
            .iter()
            .filter(|g| !g.passed())
            .map(|g| g.id.as_str())
            .collect();
        assert_eq!(failing, vec!["release-owner"]);
        // The error spike only bites above 40 % on enhanced.
        let errors = &plan.profile().metrics["error_rate"];
        assert!(
            (Scenario::ErrorSpike.fault(5, 0, 1000, "error_rate", errors) - 1.0).abs()
                < f64::EPSILON
        );
        assert!(Scenario::ErrorSpike.fault(5, 0, 5000, "error_rate", errors) > 10.0);
        assert!(
            (Scenario::ErrorSpike.fault(1, 0, 5000, "error_rate", errors) - 1.0).abs()
                < f64::EPSILON,
            "not before the onset"
        );
        assert!(
            Scenario::MetricsOutage.outage(ONSET_FOR_TEST) && !Scenario::MetricsOutage.outage(1)
        );
    }

    const ONSET_FOR_TEST: u64 = scenario::ONSET;
}
