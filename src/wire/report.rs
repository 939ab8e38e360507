//! What the control plane reports about the rollout beside its state: the current step's exit
//! gates (each with a typed kind, so clients never read meaning out of prose), the alerts firing
//! now, and the judge's legacy-versus-enhanced comparison at every level.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Millis;

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
        /// Time spent in the step so far (ms).
        elapsed_ms: u64,
        /// Time required (ms).
        required_ms: u64,
    },
    /// A condition over metric windows or the judge's score.
    Metric {
        /// The condition as the plan writes it (`error_rate.enhanced < 1%`).
        condition: String,
        /// The value read now, if there was data.
        value: Option<f64>,
    },
    /// A condition over firing alerts (`alerts.critical == 0`).
    Alert {
        /// The condition as the plan writes it.
        condition: String,
        /// The count read now.
        value: Option<f64>,
    },
    /// Built in before a step that retires legacy: no cohort the next step retires may still
    /// be held on legacy (rolled back, or sent there by a kill switch).
    Legacy {
        /// Those cohorts (`sales/inbound`), none when the gate passes.
        held: Vec<String>,
    },
    /// A person's sign-off.
    Signoff {
        /// The sign-off's name in the plan (`cfo`).
        signoff: String,
        /// Who may give it, in words (`an admin`).
        may_give: Vec<String>,
        /// Who gave it, once given.
        given_by: Option<String>,
    },
}

/// One exit gate of the current step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Gate {
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

impl Gate {
    /// Whether the gate passes.
    #[must_use]
    pub fn passed(&self) -> bool {
        self.status == GateStatus::Pass
    }

    /// Whether this is a sign-off nobody has given yet.
    #[must_use]
    pub fn awaits_signoff(&self) -> bool {
        matches!(self.kind, GateKind::Signoff { given_by: None, .. })
    }
}

/// Alert severity tiers, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// Worth a look.
    Info,
    /// Someone should assess.
    Warning,
    /// Act now.
    Critical,
}

impl Tier {
    /// Every tier, lowest first.
    pub const ALL: [Tier; 3] = [Tier::Info, Tier::Warning, Tier::Critical];

    /// The tier's name.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Tier::Info => "info",
            Tier::Warning => "warning",
            Tier::Critical => "critical",
        }
    }
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

/// A firing alert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
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
    pub since: Millis,
    /// Latest value.
    pub value: Option<f64>,
    /// The breached threshold.
    pub threshold: Option<f64>,
    /// What was done about it.
    pub action: Option<String>,
    /// Whether someone acknowledged this firing.
    pub acked: bool,
}

/// A metric's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MetricVerdict {
    /// Enhanced is not significantly worse.
    Pass,
    /// Enhanced is significantly and materially worse.
    Fail,
    /// Too few intervals to say.
    NoData,
}

/// The overall verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Score at or above the pass threshold.
    Pass,
    /// Between marginal and pass: a human decides.
    Marginal,
    /// Below marginal.
    Fail,
    /// No metric had enough data: a human decides.
    NoData,
}

/// Legacy against enhanced for one metric over one scope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricComparison {
    /// Metric id.
    pub metric: String,
    /// Latest legacy value.
    pub legacy: Option<f64>,
    /// Latest enhanced value.
    pub enhanced: Option<f64>,
    /// Enhanced minus legacy.
    pub delta: Option<f64>,
    /// Delta relative to legacy.
    pub relative: Option<f64>,
    /// One-sided p-value that enhanced is worse.
    pub p_value: Option<f64>,
    /// The verdict.
    pub verdict: MetricVerdict,
    /// Legacy values of the recent intervals, oldest first.
    pub legacy_history: Vec<f64>,
    /// Enhanced values of the recent intervals, oldest first.
    pub enhanced_history: Vec<f64>,
}

/// The judge's answer for one scope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Judgement {
    /// Per compared metric.
    pub metrics: Vec<MetricComparison>,
    /// 0–100, `None` when no metric had data.
    pub score: Option<f64>,
    /// The verdict.
    pub verdict: Verdict,
}

/// Judgements at every level of the rollout.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rollups {
    /// Every exposed cohort together.
    pub overall: Judgement,
    /// Per department with an exposed cohort, by department id.
    pub departments: BTreeMap<String, Judgement>,
    /// Per exposed cohort, by `department/cohort`.
    pub cohorts: BTreeMap<String, Judgement>,
}

/// How far a config revision got: the closed loop after a kill or a rollback.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Delivery {
    /// The config revision.
    pub revision: u64,
    /// Config subscribers connected when it went out (or more, if more got it).
    pub subscribers: usize,
    /// How many have it flushed to their socket.
    pub sent: usize,
    /// From publishing to the last flush (ms), if any was sent.
    pub elapsed_ms: Option<f64>,
    /// Whether every subscriber has it.
    pub complete: bool,
    /// The edge relays the control plane hears from (`cutover edge`), each with how far it
    /// got; lost ones stay listed (their subscribers are unknown). Empty without edges.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub edges: Vec<super::Edge>,
}

/// How fresh the data behind the judge and the gates is: what the last metric window covered,
/// and each source's last word.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Freshness {
    /// End of the last window.
    pub at: Millis,
    /// Wall time between windows (ms): data older than a few of these is stale.
    pub interval_ms: u64,
    /// Cohorts the enhanced variant saw during the window.
    pub exposed: usize,
    /// Of those, how many had at least one value in it.
    pub with_data: usize,
    /// Every source, metric sources first.
    pub sources: Vec<SourceHealth>,
}

impl Freshness {
    /// Sources that said nothing in the last window (or failed), by name.
    #[must_use]
    pub fn silent(&self) -> Vec<&str> {
        self.sources
            .iter()
            .filter(|s| s.values == 0 || s.error.is_some())
            .map(|s| s.name.as_str())
            .collect()
    }
}

/// One source's last word.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceHealth {
    /// `simulator`, `prometheus`, `push` or `alertmanager`.
    pub name: String,
    /// Values (alerts, for Alertmanager) it gave in the last window.
    pub values: usize,
    /// Series it should have answered and did not, in the last window.
    pub errors: u64,
    /// When it last answered (ms), if ever.
    pub last_ok: Option<Millis>,
    /// Its last error, while failing.
    pub error: Option<String>,
}
