//! What the dashboard holds, grouped by concern: how it looks (theme, keymap, `--ascii`,
//! `--read-only`), the connection, the last picture the server sent, which screen and row the
//! operator is on, the open dialog, status messages, and the split's history. Only `update`
//! changes it; panes only read it. Nothing here decides rollout logic: the server is the truth.

use std::collections::VecDeque;

use super::dialog::Dialog;
use super::incidents::Incidents;
use super::keymap::Keymap;
use super::theme::Theme;
use crate::wire::{Actor, Event, EventKind, Snapshot};

/// The connection to the control plane, as shown.
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

    /// Its short tab label, for narrow screens.
    #[must_use]
    pub fn short_label(self) -> &'static str {
        match self {
            View::Overview => "1 All",
            View::Departments => "2 Cohorts",
            View::Comparison => "3 Compare",
            View::Alerts => "4 Alerts",
            View::Timeline => "5 Time",
        }
    }

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

/// When the terminal bell rings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bell {
    /// On a critical alert, an automatic rollback and a kill.
    Critical,
    /// On every new incident.
    All,
    /// Never.
    Off,
}

impl Bell {
    /// Parses `critical`, `all` or `off`.
    pub fn parse(text: &str) -> Result<Bell, String> {
        match text {
            "critical" => Ok(Bell::Critical),
            "all" => Ok(Bell::All),
            "off" => Ok(Bell::Off),
            other => Err(format!("bell: `{other}` is not critical, all or off")),
        }
    }
}

/// How the dashboard looks and what it allows, fixed at start but for the theme.
#[derive(Debug, Clone)]
pub struct Look {
    /// Colours.
    pub theme: Theme,
    /// Key bindings.
    pub keymap: Keymap,
    /// No box drawing or block characters.
    pub ascii: bool,
    /// Action keys are refused.
    pub read_only: bool,
    /// When the bell rings.
    pub bell: Bell,
    /// How long the header flashes on a critical incident (ms).
    pub flash_ms: i64,
    /// How long an acknowledged incident that is over stays on the strip (ms).
    pub keep_ms: i64,
    /// Whether the terminal shows 24-bit colour; if not, themes use the 256 indexed colours.
    pub truecolor: bool,
}

impl Look {
    /// A look with the default manners: bell on critical incidents, a 3 s flash, acknowledged
    /// incidents kept for two minutes.
    #[must_use]
    pub fn new(theme: Theme, keymap: Keymap) -> Look {
        Look {
            theme,
            keymap,
            ascii: false,
            read_only: false,
            bell: Bell::Critical,
            flash_ms: 3000,
            keep_ms: 120_000,
            truecolor: true,
        }
    }

    /// Switches to `theme`, as this terminal can show it.
    pub fn set_theme(&mut self, theme: Theme) {
        self.theme = theme.fitted(self.truecolor);
    }
}

/// The connection and who we are on it.
#[derive(Debug, Clone)]
pub struct Connection {
    /// Its state.
    pub conn: Conn,
    /// When the last message arrived (dashboard clock, ms).
    pub last_message: i64,
    /// Who we are, from `hello`.
    pub you: Option<Actor>,
    /// The control plane's URL.
    pub url: String,
    /// Why the last attempt to connect failed, until one succeeds.
    pub last_error: Option<String>,
    /// How many times faster than the wall the rollout's clock runs.
    pub speed: f64,
    /// A moment seen on both clocks: (dashboard wall ms, rollout clock ms).
    pub anchor: (i64, i64),
}

/// Which events the timeline shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EventKinds {
    /// Everything.
    #[default]
    All,
    /// Alerts firing and resolving.
    Alerts,
    /// What people did (and what was refused).
    Actions,
    /// What rules and the engine did by themselves.
    Automatic,
}

impl EventKinds {
    /// The next filter (`f`).
    #[must_use]
    pub fn next(self) -> EventKinds {
        match self {
            EventKinds::All => EventKinds::Alerts,
            EventKinds::Alerts => EventKinds::Actions,
            EventKinds::Actions => EventKinds::Automatic,
            EventKinds::Automatic => EventKinds::All,
        }
    }

    /// Its name.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            EventKinds::All => "all",
            EventKinds::Alerts => "alerts",
            EventKinds::Actions => "people's actions",
            EventKinds::Automatic => "automatic",
        }
    }

    /// Whether an event is of these kinds.
    #[must_use]
    pub fn admits(self, e: &Event) -> bool {
        let automatic = |actor: &str| actor.starts_with("rule:") || actor == "engine";
        match (self, &e.kind) {
            (EventKinds::All, _)
            | (
                EventKinds::Alerts,
                EventKind::AlertFired { .. } | EventKind::AlertResolved { .. },
            ) => true,
            (EventKinds::Actions, EventKind::Transition(t)) => !automatic(&t.actor),
            (EventKinds::Actions, EventKind::Refused { actor, .. }) => !automatic(actor),
            (EventKinds::Automatic, EventKind::Transition(t)) => automatic(&t.actor),
            _ => false,
        }
    }
}

/// The timeline view's place: a cursor (0 is the newest shown), a text filter and kinds.
#[derive(Debug, Clone, Default)]
pub struct TimelineView {
    /// The selected event among those shown, newest first.
    pub cursor: usize,
    /// Only events whose line contains this.
    pub filter: String,
    /// Only these kinds.
    pub kinds: EventKinds,
}

/// Where the operator is.
#[derive(Debug, Clone)]
pub struct Screen {
    /// Which view.
    pub view: View,
    /// Selected row in the cohort table.
    pub selected: usize,
    /// Row filter.
    pub filter: String,
    /// The timeline's place.
    pub timeline: TimelineView,
    /// Selected alert in the Alerts view.
    pub alert: usize,
}

/// A message shown for a few seconds in the footer.
#[derive(Debug, Clone, PartialEq)]
pub struct Toast {
    /// The text.
    pub text: String,
    /// Whether it reports a failure.
    pub error: bool,
    /// Until when (dashboard clock, ms).
    pub until: i64,
}

/// A kill or rollback whose delivery the header follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClosedLoop {
    /// The config revision it produced.
    pub revision: u64,
    /// What it was, for the header (`KILLED`, `ROLLED BACK sales`).
    pub what: String,
    /// When it arrived (dashboard clock, ms).
    pub at: i64,
}

/// What the dashboard remembers beyond the last snapshot.
#[derive(Debug, Clone, Default)]
pub struct History {
    /// Overall enhanced share after each metrics window (basis points), oldest first.
    pub split: VecDeque<u64>,
    /// The same per department.
    pub departments: std::collections::BTreeMap<String, VecDeque<u64>>,
    /// Each cohort's weight after each metrics window (basis points).
    pub cohorts: std::collections::BTreeMap<String, VecDeque<u16>>,
    /// The last judgement of each cohort or department that no longer sends enhanced traffic,
    /// and when it was last seen (dashboard clock): what the comparison shows for it.
    pub judged: std::collections::BTreeMap<String, (i64, crate::wire::Judgement)>,
    /// When the last metrics window arrived (dashboard clock, ms; 0 before the first).
    pub metrics_at: i64,
    /// When the last window with data for the exposed cohorts arrived (dashboard clock, ms).
    pub data_at: i64,
}

/// Everything the dashboard shows.
#[derive(Debug, Clone)]
pub struct State {
    /// How it looks.
    pub look: Look,
    /// The connection.
    pub link: Connection,
    /// The last known picture (kept when the connection drops).
    pub snap: Option<Snapshot>,
    /// Where the operator is.
    pub screen: Screen,
    /// The open dialog.
    pub dialog: Option<Dialog>,
    /// Status messages showing now, newest last.
    pub toasts: VecDeque<Toast>,
    /// Every status message so far (the last hundred), newest last, with when (wall ms).
    pub messages: VecDeque<(i64, Toast)>,
    /// Split history and data age.
    pub history: History,
    /// Incidents until a human has seen them.
    pub incidents: Incidents,
    /// The header flashes until then (dashboard clock, ms).
    pub flash_until: i64,
    /// The last kill or rollback, followed until its config revision reached the subscribers.
    pub closed_loop: Option<ClosedLoop>,
    /// The dashboard clock (ms), advanced by ticks.
    pub now: i64,
}

/// How long a toast stays.
pub const TOAST_MS: i64 = 6000;
/// Points of split history kept.
pub const HISTORY: usize = 600;
/// Silence after which a live connection is shown stale (pings come every 15 s).
pub const STALE_AFTER_MS: i64 = 20_000;
/// Recent events kept for the timeline.
pub const EVENTS_KEPT: usize = 500;

impl State {
    /// A dashboard with nothing received yet.
    #[must_use]
    pub fn new(look: Look, url: &str) -> State {
        State {
            look,
            link: Connection {
                conn: Conn::Connecting,
                last_message: 0,
                you: None,
                url: url.to_owned(),
                last_error: None,
                speed: 1.0,
                anchor: (0, 0),
            },
            snap: None,
            screen: Screen {
                view: View::Overview,
                selected: 0,
                filter: String::new(),
                timeline: TimelineView::default(),
                alert: 0,
            },
            dialog: None,
            toasts: VecDeque::new(),
            messages: VecDeque::new(),
            history: History::default(),
            incidents: Incidents::default(),
            flash_until: 0,
            closed_loop: None,
            now: 0,
        }
    }

    /// Shows a status message.
    pub fn toast(&mut self, text: impl Into<String>, error: bool) {
        let toast = Toast {
            text: text.into(),
            error,
            until: self.now + TOAST_MS,
        };
        self.messages.push_back((self.now, toast.clone()));
        if self.messages.len() > 100 {
            self.messages.pop_front();
        }
        self.toasts.push_back(toast);
        while self.toasts.len() > 4 {
            self.toasts.pop_front();
        }
    }

    /// The share on enhanced in basis points, over a department or everything.
    #[must_use]
    pub fn enhanced_share(&self, department: Option<&str>) -> Option<u64> {
        self.snap.as_ref()?.state.enhanced_share(department)
    }

    /// The wall time (ms) at which the rollout's clock read `plan_ms`.
    #[must_use]
    pub fn wall_of(&self, plan_ms: i64) -> i64 {
        let (wall, plan) = self.link.anchor;
        if wall == 0 {
            return plan_ms;
        }
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_precision_loss,
            reason = "milliseconds"
        )]
        let back = ((plan - plan_ms) as f64 / self.link.speed.max(f64::MIN_POSITIVE)) as i64;
        wall - back
    }

    /// Whether the rollout's clock runs at another speed than the wall (a demo).
    #[must_use]
    pub fn sped_up(&self) -> bool {
        (self.link.speed - 1.0).abs() > f64::EPSILON
    }

    /// The revision on screen.
    #[must_use]
    pub fn revision(&self) -> Option<u64> {
        self.snap.as_ref().map(|s| s.state.revision)
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
            .filter(|id| self.screen.filter.is_empty() || id.contains(&self.screen.filter))
            .collect()
    }

    /// The events the timeline shows, newest first: its kinds and its filter applied.
    #[must_use]
    pub fn timeline(&self) -> Vec<&Event> {
        let Some(snap) = &self.snap else {
            return Vec::new();
        };
        let tl = &self.screen.timeline;
        snap.events
            .iter()
            .rev()
            .filter(|e| tl.kinds.admits(e))
            .filter(|e| tl.filter.is_empty() || e.summary().contains(&tl.filter))
            .collect()
    }

    /// Department ids in plan order.
    #[must_use]
    pub fn departments(&self) -> Vec<String> {
        self.snap.as_ref().map_or_else(Vec::new, |s| {
            s.state
                .departments()
                .into_iter()
                .map(str::to_owned)
                .collect()
        })
    }
}
