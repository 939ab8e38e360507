//! Scripted faults: which metrics a scenario bends, where, from when and how. A fault waits
//! until its target — one department, or the first cohort anywhere — has seen enhanced traffic
//! for [`ONSET`] windows, so every run first shows a healthy baseline and every profile reaches
//! it; a demo story may hold it back further in plan time (`[sim.demo] after`) and end it when
//! its fix lands (`fixed_after`). Then it plays its shape over the metric's stairs (`fault`): a
//! jump, a climb, irregular bursts, or no data at all. [`HELP`] says the same for people, in `--help`. No IO.

pub use crate::plan::Scenario;

use super::Rng;
use crate::plan::{Better, MetricDef, Plan};
use crate::time::{Period, Timestamp};

/// Windows of enhanced traffic on its target before a fault begins.
pub const ONSET: u64 = 3;
/// Windows without data in a metrics outage: at the demo's pace (a window a second) long
/// enough to see STALE, read it and see the data come back.
pub const OUTAGE: u64 = 20;

/// Each scenario's effect, for `cutover sim --help` and `cutover demo --help`.
pub const HELP: &str = "\
Fault script. Each fault starts once its target has had 3 windows of enhanced traffic
(shadow included), and bends only the enhanced variant:
  healthy             nothing goes wrong: every gate and alert threshold of the plan holds
  error-spike         every cohort: error rates (lower-is-better ratios, or metrics named
                      *error*) jump past the plan's most severe threshold on them
  latency-regression  the plan's second department (or its only one): latencies (seconds,
                      or named *latency*/*response*) climb through each alert threshold,
                      a few windows per tier, to past the most severe one
  revenue-drop        every cohort: revenue (usd-valued or named *revenue*; without one,
                      every higher-is-better metric) climbs down the same way
  flapping            the second department: error rates go just past the mildest
                      threshold in irregular bursts (1-3 windows longer than the plan's
                      longest `for`), with 2-7 good windows between them
  metrics-outage      everything: no data at all for 20 windows, then back
Without thresholds on a metric, a fault makes it 10x (lower is better) or 15% lower.";

/// How a scenario bends the metrics it touches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Jump,
    Climb,
    Bursts,
}

impl Scenario {
    fn shape(self) -> Option<Shape> {
        match self {
            Scenario::ErrorSpike => Some(Shape::Jump),
            Scenario::LatencyRegression | Scenario::RevenueDrop => Some(Shape::Climb),
            Scenario::Flapping => Some(Shape::Bursts),
            Scenario::Healthy | Scenario::MetricsOutage => None,
        }
    }

    /// Whether the scenario bends this metric's enhanced variant.
    #[must_use]
    pub fn touches(self, plan: &Plan, metric: &str, def: &MetricDef) -> bool {
        let lower = def.better == Better::Lower;
        let errors = lower && (metric.contains("error") || def.unit == "ratio");
        let latency = lower
            && (def.unit == "seconds" || metric.contains("latency") || metric.contains("response"));
        let revenue = |id: &str, d: &MetricDef| {
            d.better == Better::Higher && (id.contains("revenue") || d.unit.starts_with("usd"))
        };
        def.compare
            && match self {
                Scenario::ErrorSpike | Scenario::Flapping => errors,
                Scenario::LatencyRegression => latency,
                Scenario::RevenueDrop => {
                    let any = plan.profile().metrics.iter();
                    revenue(metric, def)
                        || (!any.clone().any(|(id, d)| d.compare && revenue(id, d)) && !lower)
                }
                Scenario::Healthy | Scenario::MetricsOutage => false,
            }
    }

    /// The one department the scenario strikes (index in the plan), or `None` for every
    /// cohort: the second department, since the first is usually the pilot.
    #[must_use]
    pub fn department(self, plan: &Plan) -> Option<usize> {
        matches!(self, Scenario::LatencyRegression | Scenario::Flapping)
            .then(|| usize::from(plan.profile().departments.len() > 1))
    }
}

/// What a fault does in one window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Stage {
    /// Nothing yet (or nothing at all).
    Calm,
    /// No data at all.
    Outage,
    /// The fault's value on a metric's stairs.
    Fault {
        /// Windows since it began.
        k: u64,
        /// In a flapping burst (always true for the other shapes).
        bad: bool,
    },
}

impl Stage {
    /// The value of a touched metric in this stage, from its healthy value and stairs.
    #[must_use]
    pub fn value(self, scenario: Scenario, healthy: f64, stairs: &super::fault::Stairs) -> f64 {
        match (self, scenario.shape()) {
            (Stage::Fault { .. }, Some(Shape::Jump)) => stairs.last(),
            (Stage::Fault { k, .. }, Some(Shape::Climb)) => stairs.climb(k),
            (Stage::Fault { bad: true, .. }, Some(Shape::Bursts)) => stairs.first(),
            _ => healthy,
        }
    }
}

/// A scenario playing out over the windows of one run.
#[derive(Debug, Clone)]
pub struct Script {
    /// The scenario.
    pub scenario: Scenario,
    /// The department it strikes, or every cohort.
    pub department: Option<usize>,
    after: Period,
    fixed_after: Option<Period>,
    first_at: Option<Timestamp>,
    began_at: Option<Timestamp>,
    windows: u64,
    exposed_at: Option<u64>,
    active: u64,
    flap: Flap,
}

impl Script {
    /// `scenario` on `plan`, holding back `after` plan time from the first window.
    #[must_use]
    pub fn new(plan: &Plan, scenario: Scenario, after: Period, seed: u64) -> Script {
        Script {
            scenario,
            department: scenario.department(plan),
            after,
            fixed_after: None,
            first_at: None,
            began_at: None,
            windows: 0,
            exposed_at: None,
            active: 0,
            flap: Flap::new(seed, longest_for(plan)),
        }
    }

    /// The same script, whose fault is fixed `fixed_after` plan time after it began.
    #[must_use]
    pub fn fixed_after(self, fixed_after: Option<Period>) -> Script {
        Script {
            fixed_after,
            ..self
        }
    }

    /// The stage of the next window, at `at`, given whether the target sees enhanced traffic.
    pub fn next(&mut self, at: Timestamp, target_exposed: bool) -> Stage {
        self.windows += 1;
        let first = *self.first_at.get_or_insert(at);
        if target_exposed && self.exposed_at.is_none() {
            self.exposed_at = Some(self.windows);
        }
        let due = self
            .exposed_at
            .is_some_and(|e| self.windows >= e + ONSET && at >= first.plus(self.after));
        if !due || self.scenario == Scenario::Healthy {
            return Stage::Calm;
        }
        let began = *self.began_at.get_or_insert(at);
        if self.fixed_after.is_some_and(|fix| at >= began.plus(fix)) {
            return Stage::Calm;
        }
        let k = self.active;
        self.active += 1;
        match self.scenario {
            Scenario::MetricsOutage if k < OUTAGE => Stage::Outage,
            Scenario::MetricsOutage => Stage::Calm,
            Scenario::Flapping => Stage::Fault {
                k,
                bad: self.flap.next(),
            },
            _ => Stage::Fault { k, bad: true },
        }
    }

    /// Whether the fault strikes cohorts of `department`.
    #[must_use]
    pub fn strikes(&self, department: usize) -> bool {
        self.department.is_none_or(|d| d == department)
    }
}

/// The longest `for` of the plan's alert rules: a burst must outlast it to fire anything.
fn longest_for(plan: &Plan) -> u64 {
    plan.profile()
        .alerts
        .iter()
        .map(|r| u64::from(r.for_evaluations))
        .max()
        .unwrap_or(1)
}

/// Irregular bursts: bad runs of 1 to 3 windows more than the longest `for`, good runs of 2 to
/// 7, drawn from the seed so that a run can be replayed.
#[derive(Debug, Clone)]
struct Flap {
    rng: Rng,
    longest_for: u64,
    bad: bool,
    left: u64,
}

impl Flap {
    fn new(seed: u64, longest_for: u64) -> Flap {
        Flap {
            rng: Rng::new(seed ^ 0xF1A9),
            longest_for,
            bad: false,
            left: 0,
        }
    }

    fn next(&mut self) -> bool {
        if self.left == 0 {
            self.bad = !self.bad;
            self.left = if self.bad {
                self.longest_for + 1 + self.rng.next_u64() % 3
            } else {
                2 + self.rng.next_u64() % 6
            };
        }
        self.left -= 1;
        self.bad
    }
}
