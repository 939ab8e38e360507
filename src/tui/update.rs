//! The dashboard's pure update: `update(&mut State, Msg) -> Step`. Keys go through the keymap
//! (or to the open dialog), stream updates fold into the last snapshot (in [`super::stream`]), action answers become
//! status messages, ticks age the data. What must happen outside — send an action, quit — comes
//! back as an [`Effect`] for the loop; nothing here does IO or reads a clock.

use ratatui::crossterm::event::KeyEvent;

use super::dialog::{Dialog, Input, Outcome, PreviewState, Purpose};
use super::keymap::UiAction;
use super::state::{Conn, STALE_AFTER_MS, State};
use super::stream::on_stream;
use super::theme::Theme;
use super::{actions, navigate};
use crate::client::subscription::Update;
use crate::wire::{ActionReply, ActionRequest, ErrorBody, Preview, ServerMessage};

/// Everything the dashboard reacts to.
#[derive(Debug, Clone)]
pub enum Msg {
    /// A key press.
    Key(KeyEvent),
    /// The terminal was resized.
    Resize,
    /// Something from the stream subscription.
    Stream(Update<ServerMessage>),
    /// An action came back.
    ActionDone {
        /// The action, as people write it.
        what: String,
        /// The server's answer.
        result: Result<ActionReply, ActionError>,
    },
    /// The server's preview of an action came back (or could not be had).
    Previewed {
        /// The action asked about.
        request: ActionRequest,
        /// What it would do, or why there is no preview.
        result: Result<Box<Preview>, String>,
    },
    /// The clock (ms).
    Tick(i64),
}

/// Why an action did not go through.
#[derive(Debug, Clone, PartialEq)]
pub enum ActionError {
    /// The server said no.
    Refused(ErrorBody),
    /// No answer.
    Failed(String),
}

/// What the loop must do after an update.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Send an action to the server.
    Send(ActionRequest),
    /// Ask the server what an action would do (a dry run), for the open confirmation.
    Preview(ActionRequest),
    /// Ring the terminal bell.
    Bell,
    /// Leave.
    Quit,
}

/// The result of one update.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Step {
    /// Whether anything visible changed.
    pub redraw: bool,
    /// What the loop must do.
    pub effect: Option<Effect>,
}

impl Step {
    fn redraw() -> Step {
        Step {
            redraw: true,
            effect: None,
        }
    }

    fn effect(effect: Option<Effect>) -> Step {
        Step {
            redraw: true,
            effect,
        }
    }
}

/// Applies one message.
pub fn update(state: &mut State, msg: Msg) -> Step {
    match msg {
        Msg::Key(key) => Step::effect(on_key(state, key)),
        Msg::Resize => Step::redraw(),
        Msg::Stream(update) => on_stream(state, update),
        Msg::ActionDone { what, result } => {
            on_answer(state, &what, result);
            Step::redraw()
        }
        Msg::Previewed { request, result } => Step {
            redraw: previewed(state, &request, result),
            effect: None,
        },
        Msg::Tick(now) => Step {
            redraw: on_tick(state, now),
            effect: None,
        },
    }
}

fn on_key(state: &mut State, key: KeyEvent) -> Option<Effect> {
    if let Some(dialog) = state.dialog.take() {
        return on_dialog_key(state, dialog, key);
    }
    if let Some(text) = state.look.keymap.command(&key) {
        let text = text.to_owned();
        let revision = state.revision();
        state.dialog = Some(Dialog::Input(Input::new(
            ":",
            &text,
            Purpose::Command,
            revision,
        )));
        return None;
    }
    let action = state.look.keymap.action(&key)?;
    on_action(state, action)
}

/// Handles a dashboard action (a bound key, or the same from a test).
pub fn on_action(state: &mut State, action: UiAction) -> Option<Effect> {
    use UiAction as A;
    if navigate::on_action(state, action) {
        return None;
    }
    let revision = state.revision();
    match action {
        A::Quit => return Some(Effect::Quit),
        A::Help => state.dialog = Some(Dialog::Help(super::dialog::Help::default())),
        A::NextTheme => {
            let next = state.look.theme.next();
            state.look.set_theme(next);
            let name = state.look.theme.name.clone();
            state.toast(format!("theme: {name} (t for the next)"), false);
        }
        A::Command => {
            state.dialog = Some(Dialog::Input(Input::new(
                ":",
                "",
                Purpose::Command,
                revision,
            )));
        }
        write => {
            if may_send(state) {
                return actions::on_write(state, write);
            }
        }
    }
    None
}

/// Whether actions may be sent now; says why not.
pub(super) fn may_send(state: &mut State) -> bool {
    if state.look.read_only {
        state.toast(
            "read-only mode: actions are disabled (started with --read-only)",
            true,
        );
        return false;
    }
    if state.link.conn != Conn::Live {
        state.toast(
            "not connected: the action was not sent (nothing is queued); wait for LIVE",
            true,
        );
        return false;
    }
    true
}

fn on_dialog_key(state: &mut State, mut dialog: Dialog, key: KeyEvent) -> Option<Effect> {
    let effect = match &mut dialog {
        Dialog::Help(help) => match help.on_key(key) {
            Outcome::Stay | Outcome::Say(_) | Outcome::Submit(()) => None,
            Outcome::Close => return None,
        },
        Dialog::Confirm(confirm) => match confirm.on_key(key) {
            Outcome::Submit(request) => return Some(Effect::Send(request)),
            Outcome::Close => return None,
            Outcome::Say(text) => {
                state.toast(text, true);
                None
            }
            Outcome::Stay => None,
        },
        Dialog::Picker(picker) => match picker.on_key(key) {
            Outcome::Submit(choice) => {
                let picker = picker.clone();
                return actions::picked(state, &picker, choice);
            }
            Outcome::Close => return None,
            Outcome::Stay | Outcome::Say(_) => None,
        },
        Dialog::Detail(detail) => match detail.on_key(key) {
            Outcome::Close => return None,
            _ => None,
        },
        Dialog::Input(input)
            if key.code == ratatui::crossterm::event::KeyCode::Tab
                && input.purpose == Purpose::Command =>
        {
            let (text, options) = super::complete::complete(state, &input.text);
            input.text = text;
            if !options.is_empty() {
                state.toast(options.join("  "), false);
            }
            None
        }
        Dialog::Input(input) => match input.on_key(key) {
            Outcome::Submit(text) => {
                let input = input.clone();
                return submit(state, &input, &text);
            }
            Outcome::Close => return None,
            Outcome::Stay | Outcome::Say(_) => None,
        },
    };
    state.dialog = Some(dialog);
    effect
}

fn submit(state: &mut State, input: &Input, text: &str) -> Option<Effect> {
    match input.purpose {
        Purpose::Filter => {
            text.clone_into(&mut state.screen.filter);
            state.screen.selected = 0;
            None
        }
        Purpose::EventFilter => {
            text.clone_into(&mut state.screen.timeline.filter);
            state.screen.timeline.cursor = 0;
            None
        }
        Purpose::Note if text.is_empty() => None,
        Purpose::Note => actions::note(state, text, input.revision),
        Purpose::Weight => {
            let how = state
                .look
                .keymap
                .key_for(UiAction::SetWeight)
                .unwrap_or("weight prompt")
                .to_owned();
            actions::typed(state, &format!("set-weight {text}"), &how, input.revision)
        }
        Purpose::Command => command(state, text, input.revision),
    }
}

/// Runs a `:` command: `theme NAME`, `quit`, `help`, or any action in its text form.
pub fn command(state: &mut State, text: &str, revision: Option<u64>) -> Option<Effect> {
    let (verb, rest) = text
        .split_once(' ')
        .map_or((text, ""), |(v, r)| (v, r.trim()));
    match verb {
        "" => None,
        "q" | "quit" => Some(Effect::Quit),
        "help" => {
            state.dialog = Some(Dialog::Help(super::dialog::Help::default()));
            None
        }
        "messages" => {
            state.dialog = Some(Dialog::Detail(super::dialog::Detail::new(
                super::dialog::Subject::Messages,
            )));
            None
        }
        "theme" => {
            match Theme::named(rest) {
                Ok(t) => state.look.set_theme(t),
                Err(e) => state.toast(e, true),
            }
            None
        }
        _ => actions::typed(state, text, "command line", revision),
    }
}

/// A preview for the open confirmation, if it is still the one that asked.
fn previewed(
    state: &mut State,
    request: &ActionRequest,
    result: Result<Box<Preview>, String>,
) -> bool {
    let Some(Dialog::Confirm(c)) = &mut state.dialog else {
        return false;
    };
    if c.request.action != request.action
        || c.request.expected_revision != request.expected_revision
    {
        return false;
    }
    c.preview = match result {
        Ok(p) => PreviewState::Ready(p),
        Err(e) => PreviewState::Unavailable(e),
    };
    true
}

fn on_answer(state: &mut State, what: &str, result: Result<ActionReply, ActionError>) {
    match result {
        Ok(r) if r.unchanged.is_some() => state.toast(
            format!(
                "{what}: nothing to change, {} (revision {})",
                r.unchanged.unwrap_or_default(),
                r.revision
            ),
            false,
        ),
        Ok(r) if r.duplicate => state.toast(
            format!("{what}: already done (revision {})", r.revision),
            false,
        ),
        Ok(r) => state.toast(format!("{what}: done, revision {}", r.revision), false),
        Err(ActionError::Refused(body)) if body.error == "stale_revision" => {
            let now = body.current_revision.map_or_else(
                || "a newer revision".to_owned(),
                |r| format!("revision {r}"),
            );
            state.toast(
                format!(
                    "{what} refused: the rollout moved on to {now} while you were deciding: look again"
                ),
                true,
            );
        }
        Err(ActionError::Refused(body)) => {
            state.toast(format!("{what} refused: {}", body.message), true);
        }
        Err(ActionError::Failed(e)) => state.toast(format!("{what} failed: {e}"), true),
    }
}

/// The clock moved; returns whether anything visible changed (staleness, toasts expiring).
fn on_tick(state: &mut State, now: i64) -> bool {
    let minute_before = state.now / 60_000;
    state.now = now;
    let mut changed = minute_before != now / 60_000;
    let expired = state.toasts.iter().filter(|t| t.until <= now).count();
    if expired > 0 {
        state.toasts.retain(|t| t.until > now);
        changed = true;
    }
    if state.flash_until > 0 && now >= state.flash_until {
        state.flash_until = 0;
        changed = true;
    }
    changed |= state.incidents.prune(now, state.look.keep_ms);
    if state
        .closed_loop
        .as_ref()
        .is_some_and(|l| now - l.at >= state.look.keep_ms)
    {
        state.closed_loop = None;
        changed = true;
    }
    if state.link.conn == Conn::Live && now - state.link.last_message > STALE_AFTER_MS {
        state.link.conn = Conn::Stale;
        changed = true;
    }
    // While stale, the age shown changes every second.
    changed || matches!(state.link.conn, Conn::Stale | Conn::Reconnecting)
}
