//! Metric windows: what a source reports for one evaluation interval — per metric, cohort
//! and variant, a value and how many requests it summarises — and [`Readings`], the same
//! window indexed against a plan so that the engine and judge can aggregate any scope
//! (a cohort, a department, every exposed cohort) with a count-weighted mean.

use serde::{Deserialize, Serialize};

use crate::plan::{Better, Plan, Selector};
use crate::time::Timestamp;

/// Which system served the traffic a value describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Variant {
    /// The system being replaced.
    Legacy,
    /// The system replacing it.
    Enhanced,
}

/// One value of one metric for one cohort (and variant) over a window. Single-valued metrics
/// may also be reported for the cohort `*`: a rollout-wide reading (test pass rate, coverage)
/// used wherever a scope has no reading of its own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Observation {
    /// Metric id from the plan.
    pub metric: String,
    /// `department/cohort`, or `*` for a rollout-wide single value.
    pub cohort: String,
    /// The variant; absent for single-valued metrics such as shadow output match.
    #[serde(default)]
    pub variant: Option<Variant>,
    /// The value over the window (a rate, a mean, a percentile).
    pub value: f64,
    /// How many requests or units the value summarises (its weight when aggregating).
    #[serde(default = "one")]
    pub count: u64,
}

fn one() -> u64 {
    1
}

/// Everything a source saw in one evaluation interval.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MetricWindow {
    /// End of the interval.
    pub at: Timestamp,
    /// The values.
    pub observations: Vec<Observation>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Cell {
    weighted_sum: f64,
    count: u64,
}

/// Slots per (metric, cohort): legacy, enhanced, single value.
const SLOTS: usize = 3;

/// A window indexed against a plan: constant-time lookup by metric, cohort and variant.
#[derive(Debug, Clone, PartialEq)]
pub struct Readings {
    /// End of the interval.
    pub at: Timestamp,
    cohorts: usize,
    cells: Vec<Cell>,
    /// Observations that named no metric or cohort of the plan.
    pub ignored: usize,
}

impl Readings {
    /// Indexes a window; observations for unknown metrics or cohorts are counted and skipped.
    #[must_use]
    pub fn index(plan: &Plan, window: &MetricWindow) -> Readings {
        let metrics = &plan.profile().metrics;
        // One extra column holds rollout-wide (`*`) readings.
        let cohorts = plan.cohorts().len() + 1;
        let wide = cohorts - 1;
        let mut cells = vec![Cell::default(); metrics.len() * cohorts * SLOTS];
        let mut ignored = 0;
        for o in &window.observations {
            let (Some(m), Some(c)) = (
                plan.metric_index(&o.metric),
                plan.cohort_index(&o.cohort)
                    .or((o.cohort == "*").then_some(wide)),
            ) else {
                ignored += 1;
                continue;
            };
            let def = &metrics[&o.metric];
            if !o.value.is_finite() {
                ignored += 1;
                continue;
            }
            let slot = match (def.compare, o.variant) {
                (false, _) => 2,
                (true, _) if c == wide => {
                    ignored += 1;
                    continue;
                }
                (true, Some(Variant::Legacy)) => 0,
                (true, Some(Variant::Enhanced)) => 1,
                (true, None) => {
                    ignored += 1;
                    continue;
                }
            };
            let cell = &mut cells[(m * cohorts + c) * SLOTS + slot];
            #[expect(clippy::cast_precision_loss, reason = "counts far below 2^52")]
            let weight = o.count.max(1) as f64;
            cell.weighted_sum += o.value * weight;
            cell.count += o.count.max(1);
        }
        Readings {
            at: window.at,
            cohorts,
            cells,
            ignored,
        }
    }

    /// Count-weighted mean of a metric slot over the cohorts `in_scope` accepts.
    fn mean(&self, metric: usize, slot: usize, in_scope: &dyn Fn(usize) -> bool) -> Option<f64> {
        let (mut sum, mut count) = (0.0, 0u64);
        for c in (0..self.cohorts - 1).filter(|c| in_scope(*c)) {
            let cell = self.cells[(metric * self.cohorts + c) * SLOTS + slot];
            sum += cell.weighted_sum;
            count += cell.count;
        }
        #[expect(clippy::cast_precision_loss, reason = "counts far below 2^52")]
        (count > 0).then(|| sum / count as f64)
    }

    fn mean_at(&self, metric: usize, slot: usize, cohort: usize) -> Option<f64> {
        let cell = self.cells[(metric * self.cohorts + cohort) * SLOTS + slot];
        #[expect(clippy::cast_precision_loss, reason = "counts far below 2^52")]
        (cell.count > 0).then(|| cell.weighted_sum / cell.count as f64)
    }

    /// Legacy and enhanced means (or the single value, as enhanced) of a metric over a scope.
    #[must_use]
    pub fn pair(
        &self,
        plan: &Plan,
        metric: &str,
        in_scope: &dyn Fn(usize) -> bool,
    ) -> Option<(Option<f64>, Option<f64>)> {
        let m = plan.metric_index(metric)?;
        let def = &plan.profile().metrics[metric];
        Some(if def.compare {
            (self.mean(m, 0, in_scope), self.mean(m, 1, in_scope))
        } else {
            let wide = self.cohorts - 1;
            (
                None,
                self.mean(m, 2, in_scope)
                    .or_else(|| self.mean_at(m, 2, wide)),
            )
        })
    }

    /// A metric read through a selector over a scope; `None` when there is no data.
    #[must_use]
    pub fn read(
        &self,
        plan: &Plan,
        metric: &str,
        selector: Selector,
        in_scope: &dyn Fn(usize) -> bool,
    ) -> Option<f64> {
        let better = plan.profile().metrics.get(metric)?.better;
        let (legacy, enhanced) = self.pair(plan, metric, in_scope)?;
        let relative = |worse: f64| legacy.filter(|l| l.abs() > f64::EPSILON).map(|l| worse / l);
        match selector {
            Selector::Enhanced => enhanced,
            Selector::Legacy => legacy,
            Selector::Delta => Some(enhanced? - legacy?),
            Selector::Ratio => legacy
                .filter(|l| l.abs() > f64::EPSILON)
                .and_then(|l| Some(enhanced? / l)),
            Selector::Degradation => match better {
                Better::Lower => relative(enhanced? - legacy?),
                Better::Higher => relative(legacy? - enhanced?),
            },
            Selector::Drop => relative(legacy? - enhanced?),
        }
    }
}
