//! The pickers a write key opens, with each entry's current state and the entries that would
//! change nothing marked: departments and cohorts to roll back (how each is served now; already
//! rolled back), kill switches (engaged ones), sign-offs waiting, incidents to acknowledge.

use super::dialog::{Choice, Dialog, Pick, Picker};
use super::state::State;
use crate::wire::{Mode, Standing, format};

/// A rollback target's state, and whether rolling it back would change nothing.
fn served(state: &State, target: &str) -> (String, bool) {
    let Some(snap) = &state.snap else {
        return (String::new(), false);
    };
    let cohorts: Vec<_> = snap
        .state
        .cohorts
        .iter()
        .filter(|c| c.id == target || c.department == target)
        .collect();
    let held = !cohorts.is_empty()
        && cohorts
            .iter()
            .all(|c| matches!(c.standing, Standing::RolledBack | Standing::Killed));
    let words: Vec<String> = match cohorts.as_slice() {
        [one] => vec![format!(
            "{} {} · {}",
            one.mode.name(),
            format::percent(one.weight_bp),
            format::standing(one.standing)
        )],
        many => {
            let mut modes: Vec<String> = Vec::new();
            for m in [
                Mode::Shadow,
                Mode::Parallel,
                Mode::Canary,
                Mode::Enhanced,
                Mode::Legacy,
            ] {
                let n = many.iter().filter(|c| c.mode == m).count();
                if n > 0 {
                    modes.push(format!("{n} {}", m.name()));
                }
            }
            let back = many
                .iter()
                .filter(|c| c.standing == Standing::RolledBack)
                .count();
            if back > 0 {
                modes.push(format!("{back} rolled back"));
            }
            modes
        }
    };
    let mut label = words.join(", ");
    if held {
        label.push_str(" — rolled back already: nothing to change");
    }
    (label, held)
}

/// `r`: every department, then every cohort, each with how it is served now.
pub fn rollback(state: &State) -> Dialog {
    let mut targets = state.departments();
    targets.extend(state.rows());
    let width = targets.iter().map(String::len).max().unwrap_or(8);
    let items = targets
        .iter()
        .map(|t| {
            let (how, _) = served(state, t);
            Choice {
                label: format!("{t:<width$}  {how}"),
                value: Some(t.clone()),
            }
        })
        .collect();
    let title = "Roll back which department or cohort?";
    Dialog::Picker(Picker::new(title, Pick::Rollback, items, state.revision()))
}

/// `K` with named kill switches: the global one on top, engaged switches marked.
pub fn kill(state: &State) -> Option<Dialog> {
    let snap = state.snap.as_ref()?;
    if snap.switches.is_empty() {
        return None;
    }
    let killed = snap.state.status == crate::wire::Status::Killed;
    let mut items = vec![Choice {
        label: if killed {
            "all (the global kill switch) — pulled already: nothing to change".into()
        } else {
            "all (the global kill switch)".into()
        },
        value: None,
    }];
    items.extend(snap.switches.iter().map(|s| {
        let engaged = snap.state.kill_switches.contains(s);
        Choice {
            label: if engaged {
                format!("{s} — engaged already: nothing to change")
            } else {
                s.clone()
            },
            value: Some(s.clone()),
        }
    }));
    Some(Dialog::Picker(Picker::new(
        "Which kill switch?",
        Pick::Kill,
        items,
        None,
    )))
}

/// `A`: the sign-offs waiting at this step, with who may give them.
#[must_use]
pub fn approvals(state: &State) -> Vec<Choice> {
    state.snap.as_ref().map_or_else(Vec::new, |s| {
        s.gates
            .iter()
            .filter(|g| g.awaits_signoff())
            .map(|g| {
                let who = match &g.kind {
                    crate::wire::GateKind::Signoff { may_give, .. } => may_give.join(" or "),
                    _ => String::new(),
                };
                Choice {
                    label: format!("{} — {who} may give it", g.id),
                    value: Some(g.id.clone()),
                }
            })
            .collect()
    })
}
