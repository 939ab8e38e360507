//! The report of one exit gate: its status, what it checks (bake time, a metric condition, an
//! alert condition, a sign-off, or that legacy is not still serving a cohort the next step retires) and the reading behind it. Its own module so that both the
//! gate evaluation (`gates`) and the metric-derived state that keeps the latest reports (`live`)
//! can name it without importing each other.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::time::Period;

/// A gate's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GateStatus {
    /// Holds.
    Pass,
    /// Does not hold.
    Fail,
    /// Cannot tell (no data, or not yet held long enough).
    Inconclusive,
}

/// What a gate checks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum GateKind {
    /// The step's minimum bake time.
    Bake {
        /// Time in the step so far.
        elapsed: Period,
        /// Time required.
        required: Period,
    },
    /// A condition over metric windows or the judge's score.
    Metric {
        /// The condition as written.
        condition: String,
        /// The value read, if there was data.
        value: Option<f64>,
    },
    /// A condition over firing alerts.
    Alert {
        /// The condition as written.
        condition: String,
        /// The count read.
        value: Option<f64>,
    },
    /// Built in before a step that retires legacy: no cohort may still be held on it.
    Legacy {
        /// Cohorts the next step retires that are rolled back or switched to legacy now.
        held: Vec<String>,
    },
    /// A sign-off by a named role.
    Signoff {
        /// The sign-off's name in the plan.
        signoff: String,
        /// Who gave it, once given.
        given_by: Option<String>,
    },
}

/// One gate's status and the reading behind it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GateReport {
    /// Gate id (`bake` for bake time).
    pub id: String,
    /// Status.
    pub status: GateStatus,
    /// What was read, in words.
    pub detail: String,
    /// What it checks.
    #[serde(flatten)]
    pub kind: GateKind,
}

impl GateReport {
    /// Whether the gate passes.
    #[must_use]
    pub fn passed(&self) -> bool {
        self.status == GateStatus::Pass
    }
}

impl fmt::Display for GateReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {:?}: {}", self.id, self.status, self.detail)
    }
}
