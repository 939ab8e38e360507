//! What the engine knows from metrics rather than from decisions: the recent windows, alert
//! trackers, consecutive-pass streaks of gates, and alerts from Alertmanager. None of it is
//! journaled: after a restart it is rebuilt from fresh windows, while every decision it led
//! to (an automatic rollback, an advance) is in the journal.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::report::GateReport;
use crate::metrics::Readings;
use crate::plan::{Plan, Target, Tier};
use crate::time::Timestamp;

/// One (rule, scope) pair being watched.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertTrack {
    /// Index of the rule in the plan.
    pub rule: usize,
    /// The scope it watches.
    pub scope: Target,
    /// Consecutive breaching evaluations per tier (info, warning, critical).
    pub streaks: [u32; 3],
    /// The tier firing now.
    pub firing: Option<Tier>,
    /// When it started firing.
    pub since: Timestamp,
    /// The latest value read.
    pub value: Option<f64>,
    /// What was done (or, observing, would have been done) when it fired.
    pub action: Option<String>,
}

/// A firing alert from Alertmanager.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExternalAlert {
    /// Stable key (Alertmanager's fingerprint, or the alert name).
    pub key: String,
    /// The `alertname` label.
    pub name: String,
    /// From the `severity` label.
    pub tier: Tier,
    /// When it started.
    pub since: Timestamp,
    /// Its summary annotation.
    pub summary: String,
}

/// Where a firing alert comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertSource {
    /// An alert rule of the plan.
    Plan,
    /// Alertmanager.
    Alertmanager,
}

/// A firing alert as shown to people.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FiringAlert {
    /// `rule@scope` or `am:<key>`; what `ack` takes.
    pub key: String,
    /// Rule id or alert name.
    pub name: String,
    /// Where it comes from.
    pub source: AlertSource,
    /// The scope: a cohort, a department, `global`.
    pub scope: String,
    /// The tier firing.
    pub tier: Tier,
    /// Since when.
    pub since: Timestamp,
    /// Latest value.
    pub value: Option<f64>,
    /// The breached threshold.
    pub threshold: Option<f64>,
    /// What was done about it.
    pub action: Option<String>,
    /// Whether someone acknowledged this firing.
    pub acked: bool,
}

/// Metric-derived state.
#[derive(Debug, Clone, Default)]
pub struct Live {
    /// Recent windows, oldest first, at most the judge's interval count.
    pub windows: Vec<Readings>,
    /// Alert trackers by `rule@scope`.
    pub alerts: BTreeMap<String, AlertTrack>,
    /// Consecutive passes per gate id.
    pub gate_streaks: BTreeMap<String, u32>,
    /// Firing Alertmanager alerts.
    pub external: Vec<ExternalAlert>,
    /// The latest evaluation of the current step's exit gates.
    pub gates: Vec<GateReport>,
}

impl Live {
    /// The newest window, if it is fresh enough to decide on at `now`.
    #[must_use]
    pub fn latest(&self, plan: &Plan, now: Timestamp) -> Option<&Readings> {
        self.windows
            .last()
            .filter(|r| now.since(r.at) <= plan.profile().rollout.max_data_age)
    }

    /// Adds a window, keeping only as many as the judge compares.
    pub fn push(&mut self, plan: &Plan, readings: Readings) {
        let keep = plan.profile().judge.intervals.max(1);
        self.windows.push(readings);
        if self.windows.len() > keep {
            let excess = self.windows.len() - keep;
            self.windows.drain(..excess);
        }
    }

    /// How many alerts fire at `tier` or above, plan rules and Alertmanager together.
    #[must_use]
    pub fn firing_at_least(&self, tier: Tier) -> usize {
        self.alerts
            .values()
            .filter(|a| a.firing.is_some_and(|t| t >= tier))
            .count()
            + self.external.iter().filter(|a| a.tier >= tier).count()
    }
}

/// The scope name used in alert keys: a cohort or department id, or `global`.
#[must_use]
pub fn scope_name(plan: &Plan, scope: Target) -> String {
    match scope {
        Target::All => "global".into(),
        other => plan.target_name(other),
    }
}
