//! The profile's optional `[sim]` table: how the built-in simulator plays this plan. `[sim.demo]`
//! is the story `cutover demo` tells with the profile (a scenario, and how much plan time its
//! fault waits); `[sim.metrics.ID]` says what a healthy fleet reports for a metric and how much
//! it varies, where the simulator's own choice would not do. The scenario names live here so
//! that a profile naming one is checked on load; what each scenario does is the simulator's
//! business (`sim::scenario`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::time::Period;

/// The `[sim]` table.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimSettings {
    /// The story `cutover demo` tells with this profile when no `--scenario` is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub demo: Option<DemoStory>,
    /// Per metric id: what a healthy fleet reports.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub metrics: BTreeMap<String, SimMetric>,
}

impl SimSettings {
    /// Whether the table says nothing (it is then left out when the profile is serialised).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        *self == SimSettings::default()
    }
}

/// `[sim.demo]`: the scenario the demo plays, and from when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoStory {
    /// The fault script.
    pub scenario: Scenario,
    /// Plan time from the simulator's first window before the fault may begin, so that the
    /// story happens where the plan can go on without its victim (e.g. after its own steps).
    #[serde(default)]
    pub after: Period,
    /// Plan time from the fault's first window until its fix lands and the metrics are healthy
    /// again; without it the fault lasts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed_after: Option<Period>,
}

/// `[sim.metrics.ID]`: overrides of what the simulator derives from the plan.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimMetric {
    /// The value a healthy fleet reports (both variants).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub healthy: Option<f64>,
    /// The largest relative deviation of one window from `healthy` (0.01 = ±1 %).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub noise: Option<f64>,
}

/// A fault script of the simulator, by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scenario {
    /// Nothing goes wrong.
    Healthy,
    /// Enhanced error rates jump past every threshold.
    ErrorSpike,
    /// One department's enhanced latency climbs through each threshold.
    LatencyRegression,
    /// Enhanced revenue climbs down through each threshold.
    RevenueDrop,
    /// One department's enhanced errors come and go in irregular bursts.
    Flapping,
    /// Metrics stop for a while.
    MetricsOutage,
}

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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_and_match_the_profile_spelling() {
        for (name, scenario) in Scenario::ALL {
            assert_eq!(Scenario::parse(name), Ok(scenario));
            assert_eq!(scenario.name(), name);
            let toml: DemoStory = toml::from_str(&format!("scenario = \"{name}\"")).unwrap();
            assert_eq!(toml.scenario, scenario);
        }
        assert!(
            Scenario::parse("meteor")
                .unwrap_err()
                .contains("one of: healthy, error-spike")
        );
    }
}
