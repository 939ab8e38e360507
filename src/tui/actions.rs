//! The dashboard's mutating actions: which dialog a key opens, and the action request each
//! sends. Every mutating action but plain pause and resume, a note and an acknowledgement goes
//! through a confirmation that shows the server's preview and asks for a reason (pre-filled:
//! `dashboard: rollback sales (picker)`). Every request carries the revision the operator was
//! looking at — for a dialog, the revision on screen when it opened; the kill switch never
//! carries one. The idempotency key is filled fresh by the client when the request is sent.

use super::dialog::{Choice, Confirm, Dialog, Input, Pick, Picker, Purpose};
use super::keymap::UiAction;
use super::pickers;
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

/// The kill switch never carries a revision: it is never stale.
fn decided_on(action: &Action, revision: Option<u64>) -> Option<u64> {
    if matches!(action, Action::Kill { .. }) {
        None
    } else {
        revision
    }
}

fn send(action: Action, why: &str, revision: Option<u64>) -> Effect {
    let revision = decided_on(&action, revision);
    Effect::Send(envelope(action, why, revision))
}

/// Opens a confirmation and asks the server for its preview.
fn confirm(state: &mut State, c: Confirm) -> Effect {
    let request = c.request.clone();
    state.dialog = Some(Dialog::Confirm(c));
    Effect::Preview(request)
}

/// The confirmation of an action: its title and what it means in words.
fn confirmation(action: Action, why: &str, revision: Option<u64>) -> Confirm {
    let (title, line) = match &action {
        Action::Rollback { target } if target == "all" => (
            "Roll back everything?".to_owned(),
            "Every cohort goes back to legacy and is held there; the rollout pauses.".to_owned(),
        ),
        Action::Rollback { target } => (
            format!("Roll back {target}?"),
            format!("{target} goes back to legacy and is held there until resumed."),
        ),
        Action::Resume { target: Some(t) } => (
            format!("Release {t}?"),
            format!("{t}'s rollback or kill switch is released; the plan takes it again."),
        ),
        Action::SetWeight { target, value } => (
            format!("Set {target} to {value}%?"),
            format!("{target} goes on canary at {value}% until a step sets it again."),
        ),
        Action::Approve { target } => (
            format!("Sign off {target}?"),
            "Your name is recorded as giving this sign-off.".to_owned(),
        ),
        Action::Advance => ("Advance?".to_owned(), "Leave the current step.".to_owned()),
        other => (format!("{other}?"), String::new()),
    };
    let revision = decided_on(&action, revision);
    Confirm::new(&title, vec![line], envelope(action, why, revision))
}

/// A write key, after the read-only and connection checks.
pub fn on_write(state: &mut State, action: UiAction) -> Option<Effect> {
    use UiAction as A;
    let revision = state.revision();
    let k = key(state, action);
    let dialog = match action {
        A::Advance => {
            let why = reason("advance", &k);
            return Some(confirm(
                state,
                confirmation(Action::Advance, &why, revision),
            ));
        }
        A::PauseResume => return Some(pause_or_resume(state, &k)),
        A::Rollback => pickers::rollback(state),
        A::RollbackAll => {
            let all = Action::Rollback {
                target: "all".into(),
            };
            let why = reason("rollback all", &k);
            return Some(confirm(state, confirmation(all, &why, revision)));
        }
        A::Kill => match pickers::kill(state) {
            Some(picker) => picker,
            None => return Some(confirm(state, kill_confirm(None, &reason("kill", &k)))),
        },
        A::Approve => {
            let items = pickers::approvals(state);
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
    Confirm::new("KILL SWITCH", vec![what], request).typed("KILL")
}

/// A picker's choice: its confirmation (with the server's preview), or for incidents the
/// acknowledgement.
pub fn picked(state: &mut State, picker: &Picker, choice: Choice) -> Option<Effect> {
    let target = choice.value;
    let action = match (picker.pick, target) {
        (Pick::Kill, switch) => {
            let what = switch
                .as_ref()
                .map_or_else(|| "kill".to_owned(), |s| format!("kill {s}"));
            let k = key(state, UiAction::Kill);
            return Some(confirm(
                state,
                kill_confirm(switch.as_deref(), &reason(&what, &k)),
            ));
        }
        (Pick::Ack, key) => return acknowledged(state, key.as_deref()),
        (_, None) => return None,
        (Pick::Rollback, Some(t)) => Action::Rollback { target: t },
        (Pick::Approve, Some(t)) => Action::Approve { target: t },
    };
    let why = reason(&action.to_string(), "picker");
    Some(confirm(state, confirmation(action, &why, picker.revision)))
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

/// An action typed in its text form (`:rollback sales`, or the weight prompt): those that
/// change where traffic goes are confirmed with a preview; pause, resume, notes and
/// acknowledgements go at once.
pub fn typed(state: &mut State, text: &str, how: &str, revision: Option<u64>) -> Option<Effect> {
    let action = match Action::parse(text) {
        Err(e) => {
            state.toast(e, true);
            return None;
        }
        Ok(action) => action,
    };
    if !super::update::may_send(state) {
        return None;
    }
    let why = reason(&action.to_string(), how);
    match action {
        Action::Pause
        | Action::Resume { target: None }
        | Action::Note { .. }
        | Action::Ack { .. } => Some(send(action, &why, revision)),
        Action::Kill { target } => Some(confirm(state, kill_confirm(target.as_deref(), &why))),
        other => Some(confirm(state, confirmation(other, &why, revision))),
    }
}
