//! What the simulated people look at: the rollout as any client sees it — the state object,
//! the current step's gates and the firing alerts, as the wire carries them — boiled down to
//! what their decisions need. Read from a live snapshot, or from an engine in simulated time
//! through the same conversion the server uses, so the tested path is the live one.

use crate::engine::{self, EngineState};
use crate::plan::Plan;
use crate::wire::{self, Snapshot, Status};

/// One exit gate of the current step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GateSeen {
    /// Gate id (`bake` for bake time).
    pub id: String,
    /// Whether it passes now.
    pub passed: bool,
    /// The role that signs it off, for a sign-off gate.
    pub signoff: Option<String>,
    /// Cohorts held on legacy that the next step retires (the built-in `legacy-in-use` gate).
    pub held: Vec<String>,
}

/// One firing alert of the plan's rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertSeen {
    /// `rule@scope`.
    pub key: String,
    /// Whether it fires at the critical tier.
    pub critical: bool,
    /// Whether someone acknowledged this firing.
    pub acked: bool,
    /// What its rule did (or would have done).
    pub action: Option<String>,
    /// When it started firing.
    pub since: wire::Millis,
}

/// The rollout as the simulated people see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Situation {
    /// Whether steps may advance (not paused, rolling back, killed or complete).
    pub running: bool,
    /// The current step, flattened index.
    pub step: usize,
    /// Its exit gates.
    pub gates: Vec<GateSeen>,
    /// Alerts of the plan's rules firing now.
    pub alerts: Vec<AlertSeen>,
}

impl Situation {
    /// From a snapshot of the stream; `None` if it names a step the plan does not have.
    #[must_use]
    pub fn of_snapshot(plan: &Plan, snapshot: &Snapshot) -> Option<Situation> {
        Situation::read(plan, &snapshot.state, &snapshot.gates, &snapshot.alerts)
    }

    /// From an engine's state, converted as the server converts it.
    ///
    /// # Panics
    /// Never for a state of `plan`: its step is always one of the plan's.
    #[must_use]
    pub fn of_engine(plan: &Plan, state: &EngineState) -> Situation {
        use crate::server::convert;
        let view = convert::state(&engine::view::state_view(plan, &state.rollout));
        let gates = convert::gates(&state.live.gates, &crate::server::auth::Auth::Open);
        let firing = engine::alerts::firing(plan, &state.rollout, &state.live);
        Situation::read(plan, &view, &gates, &convert::alerts(&firing)).expect("a step of the plan")
    }

    fn read(
        plan: &Plan,
        state: &wire::StateView,
        gates: &[wire::Gate],
        alerts: &[wire::Alert],
    ) -> Option<Situation> {
        let id = format!("{}/{}", state.phase, state.step);
        let step = plan.steps().iter().position(|s| s.id == id)?;
        let signoff = |gate: &str| {
            plan.exit_gates(step)
                .find(|g| g.id == gate)
                .and_then(|g| g.signoff.clone())
        };
        Some(Situation {
            running: state.status == Status::Running,
            step,
            gates: gates
                .iter()
                .map(|g| GateSeen {
                    id: g.id.clone(),
                    passed: g.passed(),
                    signoff: signoff(&g.id),
                    held: match &g.kind {
                        wire::GateKind::Legacy { held } => held.clone(),
                        _ => Vec::new(),
                    },
                })
                .collect(),
            alerts: alerts
                .iter()
                .filter(|a| a.source == wire::AlertSource::Plan)
                .map(|a| AlertSeen {
                    key: a.key.clone(),
                    critical: a.tier == wire::Tier::Critical,
                    acked: a.acked,
                    action: a.action.clone(),
                    since: a.since,
                })
                .collect(),
        })
    }
}
