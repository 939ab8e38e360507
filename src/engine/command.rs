//! Commands: decisions already taken, as the journal stores them. [`apply`] folds one into
//! the durable state and cannot refuse — refusing is the job of `decide`, before anything is
//! journaled. Replaying a journal is applying its commands in order, so the live engine and
//! a restarted one go through exactly this code.

use serde::{Deserialize, Serialize};

use super::state::{Approval, Rollout, Status};
use crate::plan::{Plan, Weight};
use crate::time::Timestamp;

/// A decided change of the durable state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum Command {
    /// Enter a step (`phase/step`).
    Advance {
        /// The step entered.
        to: String,
    },
    /// The last step was left.
    Complete,
    /// Stop automatic progress.
    Pause,
    /// Run again; release a target's rollback, a named kill switch, or (`all`) everything.
    Resume {
        /// What to release, if anything.
        release: Option<String>,
    },
    /// Hold a target on legacy.
    Rollback {
        /// Cohort, department or `all`.
        target: String,
    },
    /// Pull the global kill switch, or engage a named one.
    Kill {
        /// The named switch, if any.
        switch: Option<String>,
    },
    /// Record a sign-off.
    Approve {
        /// The gate signed off.
        gate: String,
    },
    /// Put a cohort on canary at a manual weight.
    SetWeight {
        /// `department/cohort`.
        cohort: String,
        /// The weight.
        weight: Weight,
    },
    /// Acknowledge an alert.
    Ack {
        /// The alert key.
        alert: String,
    },
    /// A note; changes nothing but the revision.
    Note {
        /// The note.
        text: String,
    },
    /// A full rollback has been pushed out: rolling back becomes paused.
    Settle,
    /// The journal was found damaged and recovered (`cutover serve --recover`): the records
    /// before `lost_from` were kept, the rest could not be read; a new lineage starts here,
    /// paused (a lost record may have been a kill, a rollback or a pause).
    Recovered {
        /// The first record lost.
        lost_from: u64,
        /// The last record lost, when the journal's head said how far it went.
        lost_to: Option<u64>,
        /// The lineage that starts here.
        lineage: String,
        /// Where the damaged files were moved.
        aside: String,
    },
    /// The journal was put back from a backup (`cutover journal restore`); a new lineage
    /// starts here.
    Restored {
        /// The backup file.
        from: String,
        /// The lineage that starts here.
        lineage: String,
    },
}

/// Folds a command into the state; errors only if the plan no longer knows what it names
/// (a journal replayed against a changed profile).
pub fn apply(
    plan: &Plan,
    rollout: &mut Rollout,
    command: &Command,
    at: Timestamp,
    actor: &str,
) -> Result<(), String> {
    match command {
        Command::Advance { to } => {
            let step = plan
                .steps()
                .iter()
                .position(|s| &s.id == to)
                .ok_or_else(|| format!("the plan has no step `{to}`"))?;
            rollout.step = step;
            rollout.step_started = at;
            for (c, touched) in plan.table(step).touched.iter().enumerate() {
                if *touched {
                    rollout.overrides[c] = None;
                }
            }
        }
        Command::Complete => rollout.status = Status::Completed,
        Command::Pause => rollout.status = Status::Paused,
        Command::Resume { release } => {
            match release.as_deref() {
                None => {}
                Some("all") => {
                    rollout.held.fill(false);
                    rollout.engaged.clear();
                }
                Some(switch) if plan.kill_switch(switch).is_some() => {
                    rollout.engaged.remove(switch);
                }
                Some(target) => {
                    let target = plan.resolve(target)?;
                    for c in 0..rollout.held.len() {
                        if plan.contains(target, c) {
                            rollout.held[c] = false;
                        }
                    }
                }
            }
            if rollout.status != Status::Completed {
                rollout.status = Status::Running;
            }
        }
        Command::Rollback { target } => {
            let target = plan.resolve(target)?;
            for c in 0..rollout.held.len() {
                if plan.contains(target, c) {
                    rollout.held[c] = true;
                }
            }
            if target == crate::plan::Target::All && rollout.status != Status::Killed {
                rollout.status = Status::RollingBack;
            }
        }
        Command::Kill { switch: None } => rollout.status = Status::Killed,
        Command::Kill { switch: Some(id) } => {
            let switch = plan
                .kill_switch(id)
                .ok_or_else(|| format!("the plan has no kill switch `{id}`"))?;
            rollout.engaged.insert(id.clone());
            if switch.pause && rollout.status == Status::Running {
                rollout.status = Status::Paused;
            }
        }
        Command::Approve { gate } => {
            rollout.approvals.insert(
                gate.clone(),
                Approval {
                    by: actor.to_owned(),
                    at,
                },
            );
        }
        Command::SetWeight { cohort, weight } => {
            let c = plan
                .cohort_index(cohort)
                .ok_or_else(|| format!("the plan has no cohort `{cohort}`"))?;
            rollout.overrides[c] = Some(*weight);
        }
        Command::Ack { alert } => {
            rollout.acks.insert(alert.clone(), at);
        }
        Command::Note { .. } | Command::Restored { .. } => {}
        // Records were lost, and one of them may have been a kill, a rollback or a pause:
        // nothing moves on by itself until someone has looked.
        Command::Recovered { .. } => {
            if rollout.status == Status::Running || rollout.status == Status::RollingBack {
                rollout.status = Status::Paused;
            }
        }
        Command::Settle => {
            if rollout.status == Status::RollingBack {
                rollout.status = Status::Paused;
            }
        }
    }
    rollout.revision += 1;
    Ok(())
}
