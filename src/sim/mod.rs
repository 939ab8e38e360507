//! The fleet simulator: simulated legacy and enhanced fleets whose traffic is routed by the
//! real assignment function at the weights of the current config, producing one metric window
//! per evaluation. Every metric the plan declares gets a plausible healthy value that keeps
//! every gate and alert threshold of the plan on its good side (`values`), so any profile can
//! be simulated; scenarios (`scenario`) bend the enhanced fleet through the plan's own
//! thresholds (`fault`). Deterministic for a given seed and sequence of configs; no IO.

pub mod fault;
pub mod scenario;
pub mod values;

use std::sync::Arc;

pub use scenario::Scenario;

use self::fault::Stairs;
use self::scenario::{Script, Stage};
use self::values::Healthy;
use crate::assign;
use crate::metrics::{Observation, Variant};
use crate::plan::{Plan, limits};
use crate::time::{Period, Timestamp};
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

/// One metric as the fleet reports it.
#[derive(Debug, Clone)]
struct Metric {
    id: String,
    compare: bool,
    domain: (f64, f64),
    healthy: Healthy,
    /// Where the scenario takes it, if the scenario touches it.
    stairs: Option<Stairs>,
}

/// A simulated pair of fleets for every cohort of a plan.
#[derive(Debug, Clone)]
pub struct Fleet {
    plan: Arc<Plan>,
    script: Script,
    rng: Rng,
    /// Requests per cohort per window.
    pub requests: u32,
    metrics: Vec<Metric>,
}

impl Fleet {
    /// A fleet for `plan` playing `scenario` from as soon as its target is exposed.
    #[must_use]
    pub fn new(plan: Arc<Plan>, scenario: Scenario, seed: u64) -> Fleet {
        Fleet::delayed(plan, scenario, Period::default(), seed)
    }

    /// A fleet whose fault also waits `after` plan time from its first window.
    #[must_use]
    pub fn delayed(plan: Arc<Plan>, scenario: Scenario, after: Period, seed: u64) -> Fleet {
        let metrics = plan
            .profile()
            .metrics
            .iter()
            .zip(values::healthy_values(&plan))
            .map(|((id, def), healthy)| Metric {
                id: id.clone(),
                compare: def.compare,
                domain: limits::domain(def),
                healthy,
                stairs: scenario
                    .touches(&plan, id, def)
                    .then(|| Stairs::of(&plan, id, healthy)),
            })
            .collect();
        Fleet {
            script: Script::new(&plan, scenario, after, seed),
            plan,
            rng: Rng::new(seed),
            requests: 400,
            metrics,
        }
    }

    /// The story `cutover demo` tells with this plan: its `[sim.demo]`, or an error spike.
    #[must_use]
    pub fn demo(plan: Arc<Plan>, seed: u64) -> Fleet {
        let (scenario, after, fixed_after) = plan
            .profile()
            .sim
            .demo
            .as_ref()
            .map_or((Scenario::ErrorSpike, Period::default(), None), |d| {
                (d.scenario, d.after, d.fixed_after)
            });
        let mut fleet = Fleet::delayed(plan, scenario, after, seed);
        fleet.script = fleet.script.fixed_after(fixed_after);
        fleet
    }

    /// The scenario being played.
    #[must_use]
    pub fn scenario(&self) -> Scenario {
        self.script.scenario
    }

    /// What a healthy fleet reports for a metric.
    #[must_use]
    pub fn healthy(&self, metric: &str) -> Option<Healthy> {
        self.metrics
            .iter()
            .find(|m| m.id == metric)
            .map(|m| m.healthy)
    }

    /// One window of observations under `config`, ending at `at` (plan time).
    pub fn window(&mut self, config: &ConfigDoc, at: Timestamp) -> Vec<Observation> {
        let plan = self.plan.clone();
        let department = |id: &str| plan.cohort_index(id).map(|i| plan.cohorts()[i].department);
        let target_exposed = config.cohorts.iter().any(|c| {
            c.mode.exposes_enhanced() && department(&c.id).is_some_and(|d| self.script.strikes(d))
        });
        let stage = self.script.next(at, target_exposed);
        if stage == Stage::Outage {
            return Vec::new();
        }
        let scenario = self.script.scenario;
        let mut out = Vec::new();
        for c in &config.cohorts {
            let Some(d) = department(&c.id) else {
                continue;
            };
            let buckets = assign::CohortBuckets::for_many(
                crate::openfeature::algorithm(config.assignment),
                &config.salt,
                &c.id,
            );
            let (legacy_n, enhanced_n) = self.route(&buckets, c.mode, c.weight_bp);
            let struck = self.script.strikes(d);
            for m in &self.metrics {
                let h = m.healthy.value;
                if !m.compare {
                    if c.mode.exposes_enhanced() {
                        let count = enhanced_n.max(1);
                        out.push(m.observe(&c.id, None, sample(&mut self.rng, m, h, count), count));
                    }
                    continue;
                }
                for (variant, count) in
                    [(Variant::Legacy, legacy_n), (Variant::Enhanced, enhanced_n)]
                {
                    if count == 0 {
                        continue;
                    }
                    let level = match &m.stairs {
                        Some(stairs) if struck && variant == Variant::Enhanced => {
                            stage.value(scenario, h, stairs)
                        }
                        _ => h,
                    };
                    let value = sample(&mut self.rng, m, level, count);
                    out.push(m.observe(&c.id, Some(variant), value, count));
                }
            }
        }
        for m in self.metrics.iter().filter(|m| !m.compare) {
            let value = sample(&mut self.rng, m, m.healthy.value, 1);
            out.push(m.observe("*", None, value, 1));
        }
        out
    }

    /// How many of this window's requests each fleet sees, routing units by the real
    /// assignment. Shadow and parallel mirror all of them to enhanced; enhanced mirrors them
    /// to legacy on standby (kept warm, so the judge can still compare) until it is retired.
    fn route(&mut self, buckets: &assign::CohortBuckets, mode: Mode, weight_bp: u16) -> (u32, u32) {
        let (mut legacy, mut enhanced) = (0, 0);
        for _ in 0..self.requests {
            let unit = format!("unit-{}", self.rng.next_u64() % 100_000);
            if buckets.bucket(&unit) < weight_bp {
                enhanced += 1;
            } else {
                legacy += 1;
            }
        }
        match mode {
            Mode::Legacy => (self.requests, 0),
            Mode::Shadow | Mode::Parallel | Mode::Enhanced => (self.requests, self.requests),
            Mode::Canary => (legacy, enhanced),
            Mode::Retired => (0, self.requests),
        }
    }
}

impl Metric {
    fn observe(
        &self,
        cohort: &str,
        variant: Option<Variant>,
        value: f64,
        count: u32,
    ) -> Observation {
        Observation {
            metric: self.id.clone(),
            cohort: cohort.to_owned(),
            variant,
            value,
            count: u64::from(count),
        }
    }
}

/// A value around `level`, off by up to the metric's noise relative (the full noise for 100
/// requests or fewer, down to half of it for many: bigger samples vary less), within its unit.
fn sample(rng: &mut Rng, m: &Metric, level: f64, count: u32) -> f64 {
    let smallness = (10.0 / f64::from(count.max(1)).sqrt()).min(1.0);
    let spread = m.healthy.noise * (0.5 + 0.5 * smallness);
    let value = level * (1.0 + (rng.unit() * 2.0 - 1.0) * spread);
    value.clamp(m.domain.0, m.domain.1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{EngineState, EventKind, Input, handle};
    use crate::metrics::MetricWindow;

    fn config(plan: &Plan, state: &EngineState) -> ConfigDoc {
        crate::server::published::build_config(plan, state, "", plan.assignment()).doc
    }

    fn at(n: u64) -> Timestamp {
        Timestamp(0).plus(Period::minutes(10 * n))
    }

    /// Enhanced error rates of `staff` in the first `n` windows of a fleet on `minimal`.
    fn staff_errors(fleet: &mut Fleet, plan: &Plan, n: u64) -> Vec<Option<f64>> {
        let doc = config(plan, &EngineState::new(plan, Timestamp(0)));
        (1..=n)
            .map(|i| {
                fleet.window(&doc, at(i)).into_iter().find_map(|o| {
                    (o.metric == "error_rate"
                        && o.cohort == "shop/staff"
                        && o.variant == Some(Variant::Enhanced))
                    .then_some(o.value)
                })
            })
            .collect()
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
    fn a_healthy_fleet_passes_the_plans_own_gates() {
        let plan = Arc::new(crate::plan::builtin::load("minimal").unwrap());
        let mut state = EngineState::new(&plan, Timestamp(0));
        let mut fleet = Fleet::new(plan.clone(), Scenario::Healthy, 1);
        for i in 1..=8 {
            let window = MetricWindow {
                at: at(i),
                observations: fleet.window(&config(&plan, &state), at(i)),
            };
            let out = handle(&plan, &mut state, Input::Metrics(window));
            assert!(
                out.events.iter().all(|e| !matches!(
                    e.kind,
                    EventKind::AlertFired { .. } | EventKind::AlertResolved { .. }
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
    }

    #[test]
    fn a_spike_waits_three_windows_of_exposure_then_passes_the_critical_threshold() {
        let plan = Arc::new(crate::plan::builtin::load("minimal").unwrap());
        let mut fleet = Fleet::new(plan.clone(), Scenario::ErrorSpike, 1);
        let errors = staff_errors(&mut fleet, &plan, 5);
        assert!(errors[..3].iter().all(|e| e.unwrap() < 0.01), "{errors:?}");
        assert!(errors[3..].iter().all(|e| e.unwrap() > 0.05), "{errors:?}");
        // A demo story may hold it back in plan time: an hour here is six windows.
        let mut fleet = Fleet::delayed(plan.clone(), Scenario::ErrorSpike, Period::hours(1), 1);
        let errors = staff_errors(&mut fleet, &plan, 8);
        assert!(errors[..6].iter().all(|e| e.unwrap() < 0.01), "{errors:?}");
        assert!(errors[6].unwrap() > 0.05, "{errors:?}");
    }

    #[test]
    fn an_outage_empties_twenty_windows_and_flapping_is_irregular() {
        let plan = Arc::new(crate::plan::builtin::load("minimal").unwrap());
        let mut fleet = Fleet::new(plan.clone(), Scenario::MetricsOutage, 1);
        let seen: Vec<bool> = staff_errors(&mut fleet, &plan, 26)
            .iter()
            .map(Option::is_some)
            .collect();
        let expected: Vec<bool> = (1..=26).map(|n| !(4..=23).contains(&n)).collect();
        assert_eq!(seen, expected);
        let mut fleet = Fleet::new(plan.clone(), Scenario::Flapping, 1);
        let bad: Vec<bool> = staff_errors(&mut fleet, &plan, 80)
            .iter()
            .map(|e| e.unwrap() > 0.02)
            .collect();
        let mut runs: Vec<(bool, usize)> = Vec::new();
        for b in bad.iter().skip(3) {
            match runs.last_mut() {
                Some((v, n)) if v == b => *n += 1,
                _ => runs.push((*b, 1)),
            }
        }
        let lengths = |want: bool| -> Vec<usize> {
            let mut l: Vec<usize> = runs.iter().filter(|r| r.0 == want).map(|r| r.1).collect();
            l.pop(); // the last run may be cut short
            l
        };
        let (bursts, gaps) = (lengths(true), lengths(false));
        assert!(bursts.len() >= 5, "{runs:?}");
        assert!(
            bursts.iter().all(|n| (3..=5).contains(n)),
            "for = 2: {runs:?}"
        );
        let distinct = |l: &[usize]| l.iter().collect::<std::collections::BTreeSet<_>>().len();
        assert!(
            distinct(&bursts) > 1 && distinct(&gaps) > 1,
            "a metronome: {runs:?}"
        );
    }
}
