//! The dashboard's mutating actions: which dialog a key opens, and the action request each
//! sends. Every request carries the revision the operator was looking at — for a dialog, the
//! revision on screen when it opened — and a reason naming the view and key
//! (`dashboard: rollback sales (picker)`); the kill switch never carries a revision. The
//! idempotency key is filled fresh by the client when the request is sent.

use super::dialog::{Choice, Confirm, Dialog, Input, Pick, Picker, Purpose};
use super::keymap::UiAction;
use super::state::State;
use super::update::Effect;
use crate::client::envelope;
use crate::wire::{Action, Status};

/// The reason a dashboard action carries by default.
fn reason(what: &str, how: &str) -> String {
    format!("dashboard: {what} ({how})")
}

fn key(state: &State, action: UiAction) -> String {
    state
        .look
        .keymap
        .key_for(action)
        .unwrap_or("key")
        .to_owned()
}

fn send(action: Action, why: &str, revision: Option<u64>) -> Effect {
    let revision = if matches!(action, Action::Kill { .. }) {
        None
    } else {
        revision
    };
    Effect::Send(envelope(action, why, revision))
}

/// A write key, after the read-only and connection checks.
pub fn on_write(state: &mut State, action: UiAction) -> Option<Effect> {
    use UiAction as A;
    let revision = state.revision();
    let k = key(state, action);
    let dialog = match action {
        A::Advance => Dialog::Confirm(confirm_advance(state, &k)),
        A::PauseResume => return Some(pause_or_resume(state, &k)),
        A::Rollback => {
            let mut items: Vec<Choice> = state
                .departments()
                .iter()
                .map(|d| Choice::plain(d))
                .collect();
            items.extend(state.rows().iter().map(|c| Choice::plain(c)));
            let title = "Roll back which department or cohort?";
            Dialog::Picker(Picker::new(title, Pick::Rollback, items, revision))
        }
        A::RollbackAll => {
            let all = Action::Rollback {
                target: "all".into(),
            };
            let request = envelope(all, &reason("rollback all", &k), revision);
            let lines = vec!["Every cohort goes back to legacy; the rollout pauses.".into()];
            Dialog::Confirm(Confirm::new("Roll back everything?", lines, request))
        }
        A::Kill => kill_dialog(state, &k),
        A::Approve => {
            let items = state.snap.as_ref().map_or_else(Vec::new, |s| {
                s.gates
                    .iter()
                    .filter(|g| g.awaits_signoff())
                    .map(|g| Choice::plain(&g.id))
                    .collect()
            });
            let empty = "no sign-off is awaited at this step (`:approve GATE` approves any)";
            return pick_or_say(state, "Sign off which gate?", Pick::Approve, items, empty);
        }
        A::Ack => return acknowledge(state),
        A::Note => Dialog::Input(Input::new("note", "", Purpose::Note, revision)),
        A::SetWeight => {
            let cohort = state
                .rows()
                .get(state.screen.selected)
                .cloned()
                .unwrap_or_default();
            let text = format!("{cohort} ");
            Dialog::Input(Input::new("set-weight", &text, Purpose::Weight, revision))
        }
        _ => return None,
    };
    state.dialog = Some(dialog);
    None
}

/// `x`: the one incident waiting is acknowledged at once; with several, a picker (all of them
/// on top). Acknowledging an alert that still fires also acknowledges it on the server.
fn acknowledge(state: &mut State) -> Option<Effect> {
    let waiting: Vec<Choice> = state
        .incidents
        .unacked()
        .map(|i| Choice {
            label: i.text.clone(),
            value: Some(i.key.clone()),
        })
        .collect();
    match waiting.len() {
        0 => {
            state.toast(
                "nothing to acknowledge: every incident has been seen",
                false,
            );
            None
        }
        1 => {
            let choice = waiting.into_iter().next().expect("one");
            acknowledged(state, choice.value.as_deref())
        }
        n => {
            let mut items = vec![Choice {
                label: format!("all {n} incidents"),
                value: None,
            }];
            items.extend(waiting);
            let title = "Acknowledge which incident?";
            let revision = state.revision();
            state.dialog = Some(Dialog::Picker(Picker::new(
                title,
                Pick::Ack,
                items,
                revision,
            )));
            None
        }
    }
}

/// Marks incidents seen; a single alert still firing unacknowledged is acked on the server too.
fn acknowledged(state: &mut State, key: Option<&str>) -> Option<Effect> {
    state.incidents.ack(key, state.now);
    let firing = key.filter(|k| {
        state
            .snap
            .as_ref()
            .is_some_and(|s| s.alerts.iter().any(|a| a.key == *k && !a.acked))
    })?;
    let action = Action::Ack {
        target: firing.to_owned(),
    };
    let why = reason(&action.to_string(), "incident strip");
    Some(send(action, &why, state.revision()))
}

/// `p`: pause, or resume when paused or rolling back; one key, no dialog.
fn pause_or_resume(state: &State, k: &str) -> Effect {
    let paused = state
        .snap
        .as_ref()
        .is_some_and(|s| matches!(s.state.status, Status::Paused | Status::RollingBack));
    let action = if paused {
        Action::Resume { target: None }
    } else {
        Action::Pause
    };
    let why = reason(action.verb(), k);
    send(action, &why, state.revision())
}

fn pick_or_say(
    state: &mut State,
    title: &str,
    pick: Pick,
    items: Vec<Choice>,
    empty: &str,
) -> Option<Effect> {
    if items.is_empty() {
        state.toast(empty, false);
    } else {
        let revision = state.revision();
        state.dialog = Some(Dialog::Picker(Picker::new(title, pick, items, revision)));
    }
    None
}

fn confirm_advance(state: &State, k: &str) -> Confirm {
    let mut lines = Vec::new();
    if let Some(s) = &state.snap {
        lines.push(format!(
            "Leave step {}/{} ({} of {}).",
            s.state.phase, s.state.step, s.state.step_number, s.state.step_count
        ));
        for g in &s.gates {
            let mark = if g.passed() { "pass" } else { "NOT PASSING" };
            lines.push(format!("  {mark:<11} {}: {}", g.id, g.detail));
        }
        if !s.gates.iter().all(crate::wire::Gate::passed) {
            lines.push("The server will refuse while a gate is not passing.".into());
        }
    }
    let request = envelope(Action::Advance, &reason("advance", k), state.revision());
    Confirm::new("Advance?", lines, request)
}

/// `K`: with named kill switches, a picker first (the global one on top); then the typed
/// confirmation.
fn kill_dialog(state: &State, k: &str) -> Dialog {
    let switches = state
        .snap
        .as_ref()
        .map(|s| s.switches.clone())
        .unwrap_or_default();
    if switches.is_empty() {
        return Dialog::Confirm(kill_confirm(None, &reason("kill", k)));
    }
    let mut items = vec![Choice {
        label: "all (the global kill switch)".into(),
        value: None,
    }];
    items.extend(switches.iter().map(|s| Choice::plain(s)));
    Dialog::Picker(Picker::new("Which kill switch?", Pick::Kill, items, None))
}

fn kill_confirm(switch: Option<&str>, why: &str) -> Confirm {
    let what = match switch {
        None => {
            "Every cohort goes to legacy, every kill switch engages, the rollout stops.".to_owned()
        }
        Some(s) => format!("Kill switch `{s}` engages."),
    };
    let request = envelope(
        Action::Kill {
            target: switch.map(str::to_owned),
        },
        why,
        None,
    );
    Confirm::new(
        "KILL SWITCH",
        vec![what, "Type KILL and press Enter (Esc cancels).".into()],
        request,
    )
    .typed("KILL")
}

/// A picker's choice: send it, or (for the kill switch) ask for the typed confirmation.
pub fn picked(state: &mut State, picker: &Picker, choice: Choice) -> Option<Effect> {
    let target = choice.value;
    let action = match (picker.pick, target) {
        (Pick::Kill, switch) => {
            let what = switch
                .as_ref()
                .map_or_else(|| "kill".to_owned(), |s| format!("kill {s}"));
            let k = key(state, UiAction::Kill);
            state.dialog = Some(Dialog::Confirm(kill_confirm(
                switch.as_deref(),
                &reason(&what, &k),
            )));
            return None;
        }
        (Pick::Ack, key) => return acknowledged(state, key.as_deref()),
        (_, None) => return None,
        (Pick::Rollback, Some(t)) => Action::Rollback { target: t },
        (Pick::Approve, Some(t)) => Action::Approve { target: t },
    };
    let why = reason(&action.to_string(), "picker");
    Some(send(action, &why, picker.revision))
}

/// A note typed at `n`.
pub fn note(state: &State, text: &str, revision: Option<u64>) -> Option<Effect> {
    let k = key(state, UiAction::Note);
    Some(send(
        Action::Note {
            text: text.to_owned(),
        },
        &reason("note", &k),
        revision,
    ))
}

/// An action typed in its text form (`:rollback sales`, or the weight prompt).
pub fn typed(state: &mut State, text: &str, how: &str, revision: Option<u64>) -> Option<Effect> {
    match Action::parse(text) {
        Err(e) => {
            state.toast(e, true);
            None
        }
        Ok(action) if super::update::may_send(state) => {
            let why = reason(&action.to_string(), how);
            Some(send(action, &why, revision))
        }
        Ok(_) => None,
    }
}
