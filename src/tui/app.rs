//! The dashboard's state and its pure update: stream messages fold into the last snapshot,
//! keys become [`UiAction`]s through the keymap, and actions either change what is shown or
//! produce an [`Effect`] — an action body to send to the server. Nothing here decides rollout
//! logic; the server is the truth and its refusals are shown as they come.

use std::collections::VecDeque;

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use super::keymap::{Keymap, UiAction};
use super::theme::Theme;
use crate::engine::{Actor, Status};
use crate::protocol::{ActionBody, ServerMessage, Snapshot};

/// The connection to the control plane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conn {
    /// Not connected yet.
    Connecting,
    /// Messages arrive.
    Live,
    /// Connected but nothing arrived for a while.
    Stale,
    /// Lost; trying again.
    Reconnecting,
}

/// Which screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// Every pane (the war-room view).
    Overview,
    /// Departments × cohorts.
    Departments,
    /// Legacy versus enhanced.
    Comparison,
    /// Alerts.
    Alerts,
    /// Timeline.
    Timeline,
}

impl View {
    /// The views in `Tab` order.
    pub const ALL: [View; 5] = [
        View::Overview,
        View::Departments,
        View::Comparison,
        View::Alerts,
        View::Timeline,
    ];

    /// Its tab label.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            View::Overview => "1 Overview",
            View::Departments => "2 Departments",
            View::Comparison => "3 Compare",
            View::Alerts => "4 Alerts",
            View::Timeline => "5 Timeline",
        }
    }
}

/// A dialog over the panes.
#[derive(Debug, Clone, PartialEq)]
pub enum Modal {
    /// Confirm an action; with `typed`, the word must be typed first.
    Confirm {
        /// Title.
        title: String,
        /// What will happen.
        lines: Vec<String>,
        /// What to send.
        body: ActionBody,
        /// A word to type (`KILL`) and what was typed.
        typed: Option<(String, String)>,
    },
    /// Pick a target.
    Picker {
        /// Title.
        title: String,
        /// Choices.
        items: Vec<String>,
        /// Highlighted choice.
        selected: usize,
        /// The action verb the choice completes (`rollback`, `kill`, `ack`, `approve`).
        verb: String,
    },
    /// A line of text (command line, note, filter, weight).
    Input {
        /// Prompt.
        prompt: String,
        /// What was typed.
        text: String,
        /// What the text is for.
        purpose: InputPurpose,
    },
    /// The keys.
    Help,
}

/// What an input line is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputPurpose {
    /// `:` commands.
    Command,
    /// A note for the journal.
    Note,
    /// Row filter.
    Filter,
    /// `set-weight COHORT PCT`.
    Weight,
}

/// A message shown for a few seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct Toast {
    /// The text.
    pub text: String,
    /// Whether it reports a failure.
    pub error: bool,
    /// Until when (dashboard clock, ms).
    pub until: i64,
}

/// What the event loop must do after an update.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Send an action to the server.
    Send(ActionBody),
    /// Leave.
    Quit,
}

/// Everything the dashboard shows.
pub struct App {
    /// The last known picture (kept when the connection drops, marked stale).
    pub snap: Option<Snapshot>,
    /// The connection.
    pub conn: Conn,
    /// When the last message arrived (dashboard clock, ms).
    pub last_message: i64,
    /// The dashboard clock (ms), advanced by ticks.
    pub now: i64,
    /// Who we are, from `hello`.
    pub you: Option<Actor>,
    /// The stream epoch, for resuming.
    pub epoch: u64,
    /// Which screen.
    pub view: View,
    /// Selected row in tables.
    pub selected: usize,
    /// Open dialog.
    pub modal: Option<Modal>,
    /// Recent toasts.
    pub toasts: VecDeque<Toast>,
    /// Colours.
    pub theme: Theme,
    /// Key bindings.
    pub keymap: Keymap,
    /// No box drawing or block characters.
    pub ascii: bool,
    /// Action keys are refused.
    pub read_only: bool,
    /// Row filter.
    pub filter: String,
    /// Overall enhanced share after each metrics window (basis points), oldest first.
    pub split_history: VecDeque<u64>,
    /// When the last metrics window arrived (dashboard clock, ms; 0 before the first).
    pub metrics_at: i64,
}

/// How long a toast stays.
const TOAST_MS: i64 = 6000;
/// Points of split history kept.
const HISTORY: usize = 600;
/// Silence after which a live connection is shown stale (pings come every 15 s).
pub const STALE_AFTER_MS: i64 = 20_000;

impl App {
    /// A dashboard with nothing received yet.
    #[must_use]
    pub fn new(theme: Theme, keymap: Keymap, ascii: bool, read_only: bool) -> App {
        App {
            snap: None,
            conn: Conn::Connecting,
            last_message: 0,
            now: 0,
            you: None,
            epoch: 0,
            view: View::Overview,
            selected: 0,
            modal: None,
            toasts: VecDeque::new(),
            theme,
            keymap,
            ascii,
            read_only,
            filter: String::new(),
            split_history: VecDeque::new(),
            metrics_at: 0,
        }
    }

    /// Shows a toast.
    pub fn toast(&mut self, text: impl Into<String>, error: bool) {
        self.toasts.push_back(Toast {
            text: text.into(),
            error,
            until: self.now + TOAST_MS,
        });
        while self.toasts.len() > 4 {
            self.toasts.pop_front();
        }
    }

    /// Overall share on enhanced, in basis points, weighted by units where the plan gives them.
    #[must_use]
    pub fn enhanced_share(&self, department: Option<&str>) -> Option<u64> {
        let snap = self.snap.as_ref()?;
        let cohorts: Vec<_> = snap
            .state
            .cohorts
            .iter()
            .filter(|c| department.is_none_or(|d| c.department == d))
            .collect();
        let total: u64 = cohorts.iter().map(|c| c.units.unwrap_or(1)).sum();
        (total > 0).then(|| {
            cohorts
                .iter()
                .map(|c| u64::from(c.weight_bp) * c.units.unwrap_or(1))
                .sum::<u64>()
                / total
        })
    }

    /// Folds a stream message in; returns whether anything visible changed.
    pub fn on_message(&mut self, msg: ServerMessage) -> bool {
        self.last_message = self.now;
        let was = self.conn;
        self.conn = Conn::Live;
        let changed = match msg {
            ServerMessage::Hello { epoch, you, .. } => {
                self.epoch = epoch;
                self.you = you;
                true
            }
            ServerMessage::Snapshot(s) => {
                self.snap = Some(*s);
                true
            }
            ServerMessage::Event { event, state, .. } => {
                if let Some(snap) = &mut self.snap {
                    snap.state = state;
                    snap.events.push(event);
                    trim(&mut snap.events);
                }
                true
            }
            ServerMessage::Alert { event, alerts, .. } => {
                if let Some(snap) = &mut self.snap {
                    snap.alerts = alerts;
                    snap.events.push(event);
                    trim(&mut snap.events);
                }
                true
            }
            ServerMessage::Metrics {
                at, judge, gates, ..
            } => {
                self.metrics_at = self.now;
                if let Some(snap) = &mut self.snap {
                    snap.judge = judge;
                    snap.gates = gates;
                    snap.data_at = Some(at);
                }
                if let Some(share) = self.enhanced_share(None) {
                    self.split_history.push_back(share);
                    if self.split_history.len() > HISTORY {
                        self.split_history.pop_front();
                    }
                }
                true
            }
            ServerMessage::Ping { now, .. } => {
                if let Some(snap) = &mut self.snap {
                    snap.now = now;
                }
                false
            }
            ServerMessage::Error { message, .. } => {
                self.toast(format!("server: {message}"), true);
                true
            }
        };
        changed || was != Conn::Live
    }

    /// The clock moved; returns whether anything visible changed (staleness, toasts expiring).
    pub fn on_tick(&mut self, now: i64) -> bool {
        let minute_before = self.now / 60_000;
        self.now = now;
        let mut changed = minute_before != now / 60_000;
        let expired = self.toasts.iter().filter(|t| t.until <= now).count();
        if expired > 0 {
            self.toasts.retain(|t| t.until > now);
            changed = true;
        }
        if self.conn == Conn::Live && now - self.last_message > STALE_AFTER_MS {
            self.conn = Conn::Stale;
            changed = true;
        }
        // While stale, the age shown changes every second.
        changed || matches!(self.conn, Conn::Stale | Conn::Reconnecting)
    }

    fn status(&self) -> Option<Status> {
        self.snap.as_ref().map(|s| s.state.status)
    }

    /// Cohort ids in table order, filtered.
    #[must_use]
    pub fn rows(&self) -> Vec<String> {
        let Some(snap) = &self.snap else {
            return Vec::new();
        };
        snap.state
            .cohorts
            .iter()
            .map(|c| c.id.clone())
            .filter(|id| self.filter.is_empty() || id.contains(&self.filter))
            .collect()
    }

    fn departments(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        if let Some(snap) = &self.snap {
            for c in &snap.state.cohorts {
                if !out.contains(&c.department) {
                    out.push(c.department.clone());
                }
            }
        }
        out
    }

    /// Handles a key press.
    pub fn on_key(&mut self, key: KeyEvent) -> Option<Effect> {
        if self.modal.is_some() {
            return self.on_modal_key(key);
        }
        let action = self.keymap.action(&key)?;
        self.on_action(action)
    }

    fn needs_write(&mut self) -> bool {
        if self.read_only {
            self.toast(
                "read-only mode: actions are disabled (started with --read-only)",
                true,
            );
            return false;
        }
        if self.conn != Conn::Live {
            self.toast(
                "not connected: the action was not sent (nothing is queued); wait for LIVE",
                true,
            );
            return false;
        }
        true
    }

    /// Handles a dashboard action.
    pub fn on_action(&mut self, action: UiAction) -> Option<Effect> {
        use UiAction as A;
        match action {
            A::Quit => return Some(Effect::Quit),
            A::NextView => {
                let i = View::ALL.iter().position(|v| *v == self.view).unwrap_or(0);
                self.view = View::ALL[(i + 1) % View::ALL.len()];
            }
            A::ViewOverview => self.view = View::Overview,
            A::ViewDepartments => self.view = View::Departments,
            A::ViewComparison => self.view = View::Comparison,
            A::ViewAlerts => self.view = View::Alerts,
            A::ViewTimeline => self.view = View::Timeline,
            A::Down => self.selected = (self.selected + 1).min(self.rows().len().saturating_sub(1)),
            A::Up => self.selected = self.selected.saturating_sub(1),
            A::Help => self.modal = Some(Modal::Help),
            A::NextTheme => self.theme = self.theme.next(),
            A::Filter => {
                self.modal = Some(input("filter", &self.filter.clone(), InputPurpose::Filter));
            }
            A::Command => self.modal = Some(input(":", "", InputPurpose::Command)),
            _ if !self.needs_write() => {}
            write => return self.on_write(write),
        }
        None
    }

    /// The actions that ask the server for something (after read-only and connection checks).
    fn on_write(&mut self, action: UiAction) -> Option<Effect> {
        use UiAction as A;
        match action {
            A::Advance => self.modal = Some(self.confirm_advance()),
            A::PauseResume => {
                let verb = if matches!(self.status(), Some(Status::Paused | Status::RollingBack)) {
                    "resume"
                } else {
                    "pause"
                };
                return Some(Effect::Send(body(verb, None)));
            }
            A::Rollback => {
                let mut items = self.departments();
                items.extend(self.rows());
                self.modal = Some(Modal::Picker {
                    title: "Roll back which department or cohort?".into(),
                    items,
                    selected: 0,
                    verb: "rollback".into(),
                });
            }
            A::RollbackAll => {
                self.modal = Some(confirm(
                    "Roll back everything?",
                    vec!["Every cohort goes back to legacy; the rollout pauses.".into()],
                    body("rollback", Some("all")),
                    None,
                ));
            }
            A::Kill => self.modal = Some(self.kill_modal()),
            A::Approve => {
                let items: Vec<String> = self
                    .snap
                    .as_ref()
                    .map(|s| {
                        s.gates
                            .iter()
                            .filter(|g| g.detail.starts_with("awaiting sign-off"))
                            .map(|g| g.id.clone())
                            .collect()
                    })
                    .unwrap_or_default();
                self.pick_or_say(
                    "Sign off which gate?",
                    items,
                    "approve",
                    "no sign-off is awaited at this step (`:approve GATE` approves any)",
                );
            }
            A::Ack => {
                let items: Vec<String> = self
                    .snap
                    .as_ref()
                    .map(|s| {
                        s.alerts
                            .iter()
                            .filter(|a| !a.acked)
                            .map(|a| a.key.clone())
                            .collect()
                    })
                    .unwrap_or_default();
                self.pick_or_say(
                    "Acknowledge which alert?",
                    items,
                    "ack",
                    "no unacknowledged alert",
                );
            }
            A::Note => self.modal = Some(input("note", "", InputPurpose::Note)),
            A::SetWeight => {
                let cohort = self.rows().get(self.selected).cloned().unwrap_or_default();
                self.modal = Some(input(
                    "set-weight",
                    &format!("{cohort} "),
                    InputPurpose::Weight,
                ));
            }
            _ => {}
        }
        None
    }

    fn pick_or_say(&mut self, title: &str, items: Vec<String>, verb: &str, empty: &str) {
        if items.is_empty() {
            self.toast(empty, false);
        } else {
            self.modal = Some(Modal::Picker {
                title: title.into(),
                items,
                selected: 0,
                verb: verb.into(),
            });
        }
    }

    fn confirm_advance(&self) -> Modal {
        let mut lines = Vec::new();
        if let Some(s) = &self.snap {
            lines.push(format!(
                "Leave step {}/{} ({} of {}).",
                s.state.phase, s.state.step, s.state.step_number, s.state.step_count
            ));
            for g in &s.gates {
                let mark = if g.passed() { "pass" } else { "NOT PASSING" };
                lines.push(format!("  {mark:<11} {}: {}", g.id, g.detail));
            }
            if !s.gates.iter().all(crate::engine::GateReport::passed) {
                lines.push("The server will refuse while a gate is not passing.".into());
            }
        }
        confirm("Advance?", lines, body("advance", None), None)
    }

    /// `K`: with named kill switches, a picker first (the global one on top); then the typed
    /// confirmation.
    fn kill_modal(&self) -> Modal {
        let switches = self
            .snap
            .as_ref()
            .map(|s| s.switches.clone())
            .unwrap_or_default();
        if switches.is_empty() {
            return kill_confirm(None);
        }
        let mut items = vec!["all (the global kill switch)".to_owned()];
        items.extend(switches);
        Modal::Picker {
            title: "Which kill switch?".into(),
            items,
            selected: 0,
            verb: "kill".into(),
        }
    }

    fn on_modal_key(&mut self, key: KeyEvent) -> Option<Effect> {
        let modal = self.modal.take()?;
        if key.code == KeyCode::Esc {
            return None;
        }
        match modal {
            Modal::Help => None,
            Modal::Confirm {
                title,
                lines,
                body,
                typed,
            } => self.on_confirm_key(key.code, title, lines, body, typed),
            Modal::Picker {
                title,
                items,
                selected,
                verb,
            } => {
                let last = items.len().saturating_sub(1);
                let selected = match key.code {
                    KeyCode::Enter if verb == "kill" => {
                        let switch = items.get(selected).filter(|_| selected > 0).cloned();
                        self.modal = Some(kill_confirm(switch.as_deref()));
                        return None;
                    }
                    KeyCode::Enter => {
                        return items
                            .get(selected)
                            .map(|t| Effect::Send(body(&verb, Some(t))));
                    }
                    KeyCode::Down | KeyCode::Char('j') => (selected + 1).min(last),
                    KeyCode::Up | KeyCode::Char('k') => selected.saturating_sub(1),
                    _ => selected,
                };
                self.modal = Some(Modal::Picker {
                    title,
                    items,
                    selected,
                    verb,
                });
                None
            }
            Modal::Input {
                prompt,
                mut text,
                purpose,
            } => {
                match key.code {
                    KeyCode::Enter => return self.submit(purpose, text.trim()),
                    KeyCode::Backspace => {
                        text.pop();
                    }
                    KeyCode::Char(c) => text.push(c),
                    _ => {}
                }
                self.modal = Some(Modal::Input {
                    prompt,
                    text,
                    purpose,
                });
                None
            }
        }
    }

    /// A confirmation: Enter (or `y`) sends; with a word to type, only once it is typed.
    fn on_confirm_key(
        &mut self,
        code: KeyCode,
        title: String,
        lines: Vec<String>,
        body: ActionBody,
        typed: Option<(String, String)>,
    ) -> Option<Effect> {
        let typed = match (code, typed) {
            (KeyCode::Enter | KeyCode::Char('y'), None) => return Some(Effect::Send(body)),
            (KeyCode::Enter, Some((word, input))) if input == word => {
                return Some(Effect::Send(body));
            }
            (KeyCode::Enter, Some((word, _))) => {
                self.toast(format!("type {word} exactly to confirm"), true);
                Some((word, String::new()))
            }
            (KeyCode::Char(c), Some((word, mut input))) => {
                input.push(c);
                Some((word, input))
            }
            (KeyCode::Backspace, Some((word, mut input))) => {
                input.pop();
                Some((word, input))
            }
            (_, typed) => typed,
        };
        self.modal = Some(Modal::Confirm {
            title,
            lines,
            body,
            typed,
        });
        None
    }

    fn submit(&mut self, purpose: InputPurpose, text: &str) -> Option<Effect> {
        match purpose {
            InputPurpose::Filter => {
                text.clone_into(&mut self.filter);
                self.selected = 0;
                None
            }
            InputPurpose::Note if text.is_empty() => None,
            InputPurpose::Note => Some(Effect::Send(ActionBody {
                action: "note".into(),
                text: Some(text.to_owned()),
                reason: "from the dashboard".into(),
                ..ActionBody::default()
            })),
            InputPurpose::Weight => self.command(&format!("set-weight {text}")),
            InputPurpose::Command => self.command(text),
        }
    }

    /// Runs a `:` command: `theme NAME`, `quit`, `help`, or any action in its text form.
    pub fn command(&mut self, text: &str) -> Option<Effect> {
        let (verb, rest) = text
            .split_once(' ')
            .map_or((text, ""), |(v, r)| (v, r.trim()));
        match verb {
            "" => None,
            "q" | "quit" => Some(Effect::Quit),
            "help" => {
                self.modal = Some(Modal::Help);
                None
            }
            "theme" => {
                match Theme::named(rest) {
                    Ok(t) => self.theme = t,
                    Err(e) => self.toast(e, true),
                }
                None
            }
            _ => match crate::engine::Action::parse(text) {
                Err(e) => {
                    self.toast(e, true);
                    None
                }
                Ok(_) if !self.needs_write() => None,
                Ok(action) => {
                    let (verb, target, value, note) = action_parts(&action);
                    Some(Effect::Send(ActionBody {
                        action: verb.into(),
                        target,
                        value,
                        text: note,
                        reason: "from the dashboard".into(),
                        ..ActionBody::default()
                    }))
                }
            },
        }
    }
}

fn action_parts(
    action: &crate::engine::Action,
) -> (&'static str, Option<String>, Option<f64>, Option<String>) {
    use crate::engine::Action as A;
    match action {
        A::Advance | A::Pause => (action.verb(), None, None, None),
        A::Resume { target } => ("resume", target.clone(), None, None),
        A::Rollback { target } => ("rollback", Some(target.clone()), None, None),
        A::Kill { switch } => ("kill", switch.clone(), None, None),
        A::Approve { gate } => ("approve", Some(gate.clone()), None, None),
        A::SetWeight { cohort, weight } => (
            "set-weight",
            Some(cohort.clone()),
            Some(weight.percent()),
            None,
        ),
        A::Ack { alert } => ("ack", Some(alert.clone()), None, None),
        A::Note { text } => ("note", None, None, Some(text.clone())),
    }
}

fn kill_confirm(switch: Option<&str>) -> Modal {
    let what = match switch {
        None => {
            "Every cohort goes to legacy, every kill switch engages, the rollout stops.".to_owned()
        }
        Some(s) => format!("Kill switch `{s}` engages."),
    };
    confirm(
        "KILL SWITCH",
        vec![what, "Type KILL and press Enter (Esc cancels).".into()],
        body("kill", switch),
        Some(("KILL".into(), String::new())),
    )
}

fn input(prompt: &str, text: &str, purpose: InputPurpose) -> Modal {
    Modal::Input {
        prompt: prompt.into(),
        text: text.into(),
        purpose,
    }
}

fn body(verb: &str, target: Option<&str>) -> ActionBody {
    ActionBody {
        action: verb.into(),
        target: target.map(str::to_owned),
        reason: "from the dashboard".into(),
        ..ActionBody::default()
    }
}

fn confirm(
    title: &str,
    lines: Vec<String>,
    body: ActionBody,
    typed: Option<(String, String)>,
) -> Modal {
    Modal::Confirm {
        title: title.into(),
        lines,
        body,
        typed,
    }
}

fn trim(events: &mut Vec<crate::engine::Event>) {
    if events.len() > 500 {
        events.drain(..events.len() - 500);
    }
}
