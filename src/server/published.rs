//! What the core publishes, built from the engine state with no IO: the state object clients
//! see, the snapshot a stream starts from, and the config document apps evaluate assignments from.

use super::apps::ConfigFeed;
use super::auth::Auth;
use super::convert;
use crate::assign::Algorithm;
use crate::engine::view;
use crate::engine::{self, EngineState, Event};
use crate::plan::Plan;
use crate::wire::{CohortConfig, ConfigDoc, Snapshot};

/// The state object clients see: the rollout, its journal's lineage, the edges heard from and
/// the link to NATS.
pub fn state_object(
    plan: &Plan,
    rollout: &engine::Rollout,
    lineage: &str,
    edges: &[crate::wire::Edge],
    nats: Option<crate::wire::NatsLink>,
) -> crate::wire::StateView {
    let mut state = convert::state(&view::state_view(plan, rollout));
    lineage.clone_into(&mut state.lineage);
    state.edges = edges.to_vec();
    state.nats = nats;
    state
}

/// What a snapshot shows of the rollout: the state object, gates, alerts, judgement, the
/// `recent` events. The stream position, clock, freshness and delivery are the caller's to
/// fill in (they are zero and none here).
pub fn build_snapshot<'e>(
    plan: &Plan,
    state: &EngineState,
    state_object: crate::wire::StateView,
    recent: impl IntoIterator<Item = &'e Event>,
    auth: &Auth,
) -> Snapshot {
    Snapshot {
        seq: 0,
        now: 0,
        name: plan.profile().rollout.name.clone(),
        state: state_object,
        gates: convert::gates(&state.live.gates, auth),
        alerts: convert::alerts(&engine::alerts::firing(plan, &state.rollout, &state.live)),
        judge: convert::rollups(&engine::compare::rollups(plan, state)),
        data_at: state.live.windows.last().map(|w| w.at.0),
        events: recent.into_iter().map(convert::event).collect(),
        switches: plan
            .profile()
            .kill_switches
            .iter()
            .map(|k| k.id.clone())
            .collect(),
        freshness: None,
        delivery: None,
    }
}

/// The config document apps evaluate assignments from.
#[must_use]
pub fn build_config(
    plan: &Plan,
    state: &EngineState,
    lineage: &str,
    assignment: Algorithm,
) -> ConfigFeed {
    let rollout = &state.rollout;
    let cohorts = (0..plan.cohorts().len())
        .map(|i| {
            let (target, _) = view::effective(plan, rollout, i);
            CohortConfig {
                id: plan.cohorts()[i].id.clone(),
                mode: convert::mode(target.mode),
                weight_bp: target.weight.bp(),
                flags: convert::flags(&view::cohort_flags(plan, rollout, i)),
            }
        })
        .collect();
    let doc = ConfigDoc {
        rollout: plan.profile().rollout.id.clone(),
        revision: rollout.revision,
        lineage: lineage.to_owned(),
        salt: plan.salt().to_owned(),
        buckets: crate::assign::BUCKETS,
        assignment: convert::algorithm(assignment),
        bucketing: (assignment != Algorithm::CutoverV1).then(|| convert::bucketing(plan.salt())),
        status: convert::status(rollout.status),
        kill_switches: plan
            .profile()
            .kill_switches
            .iter()
            .map(|k| {
                let engaged =
                    rollout.status == engine::Status::Killed || rollout.engaged.contains(&k.id);
                (k.id.clone(), engaged)
            })
            .collect(),
        cohorts,
    };
    ConfigFeed::new(doc)
}
