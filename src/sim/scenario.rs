//! Scripted faults. Each scenario says, for window `n` of the run, whether metrics are out
//! and by what factor an enhanced metric is off: `healthy`, `error-spike` (enhanced errors
//! jump once a cohort passes 40 % on enhanced), `latency-regression` (one department's
//! enhanced latency grows tenfold), `revenue-drop` (enhanced revenue 15 % down), `flapping` (errors
//! alternate bad and good each window), `metrics-outage` (windows 3 to 8 are empty). Faults
//! start at window 3 so that a run first shows a healthy baseline.

use crate::plan::{Better, MetricDef};

/// A fault script.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    /// Nothing goes wrong.
    Healthy,
    /// Enhanced errors jump where a cohort is above 40 % enhanced.
    ErrorSpike,
    /// One department's enhanced latency grows tenfold.
    LatencyRegression,
    /// Enhanced revenue drops 15 %.
    RevenueDrop,
    /// Enhanced errors alternate between bad and good.
    Flapping,
    /// Metrics stop for a while.
    MetricsOutage,
}

/// The window at which faults begin.
pub const ONSET: u64 = 3;

impl Scenario {
    /// Every scenario with its name.
    pub const ALL: [(&'static str, Scenario); 6] = [
        ("healthy", Scenario::Healthy),
        ("error-spike", Scenario::ErrorSpike),
        ("latency-regression", Scenario::LatencyRegression),
        ("revenue-drop", Scenario::RevenueDrop),
        ("flapping", Scenario::Flapping),
        ("metrics-outage", Scenario::MetricsOutage),
    ];

    /// Parses a scenario name.
    pub fn parse(name: &str) -> Result<Scenario, String> {
        Scenario::ALL
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, s)| *s)
            .ok_or_else(|| {
                let names: Vec<_> = Scenario::ALL.iter().map(|(n, _)| *n).collect();
                format!("unknown scenario `{name}` (one of: {})", names.join(", "))
            })
    }

    /// The scenario's name.
    #[must_use]
    pub fn name(self) -> &'static str {
        Scenario::ALL
            .iter()
            .find(|(_, s)| *s == self)
            .map_or("?", |(n, _)| n)
    }

    /// Whether window `n` has no metrics at all.
    #[must_use]
    pub fn outage(self, n: u64) -> bool {
        self == Scenario::MetricsOutage && (ONSET..=ONSET + 5).contains(&n)
    }

    /// The factor applied to an enhanced metric in window `n` for a cohort of `department`
    /// (index in the plan) at `weight_bp`.
    #[must_use]
    pub fn fault(
        self,
        n: u64,
        department: usize,
        weight_bp: u16,
        metric: &str,
        def: &MetricDef,
    ) -> f64 {
        if n < ONSET {
            return 1.0;
        }
        let errors =
            def.better == Better::Lower && (metric.contains("error") || def.unit == "ratio");
        let latency = def.better == Better::Lower
            && (def.unit == "seconds" || metric.contains("latency") || metric.contains("response"));
        let revenue = def.better == Better::Higher
            && (metric.contains("revenue") || def.unit.starts_with("usd"));
        match self {
            Scenario::ErrorSpike if errors && weight_bp > 4000 => 25.0,
            Scenario::LatencyRegression if latency && department == 1 => 10.0,
            Scenario::RevenueDrop if revenue => 0.85,
            Scenario::Flapping if errors && n.is_multiple_of(2) => 25.0,
            _ => 1.0,
        }
    }
}
