//! What a key can ask the dashboard to do. Each action has a description for people and a
//! group, from which the help screen is generated; the keymap file names actions in
//! `snake_case` (`k = "up"`).

use serde::Deserialize;

/// The help screen's groups, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Group {
    /// Change the rollout.
    Act,
    /// Look around.
    Look,
    /// Move within a view.
    Move,
    /// Everything else.
    Other,
}

impl Group {
    /// The group's heading.
    #[must_use]
    pub fn heading(self) -> &'static str {
        match self {
            Group::Act => "Act on the rollout",
            Group::Look => "Views",
            Group::Move => "Move",
            Group::Other => "Other",
        }
    }
}

/// What a key asks the dashboard to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UiAction {
    /// Leave the dashboard.
    Quit,
    /// Advance the rollout (with a confirmation showing the gates).
    Advance,
    /// Pause, or resume if paused.
    PauseResume,
    /// Roll back a department or cohort (picker).
    Rollback,
    /// Roll back everything.
    RollbackAll,
    /// The kill switch (typed confirmation; picker for named switches).
    Kill,
    /// Sign off a gate.
    Approve,
    /// Set a cohort's weight.
    SetWeight,
    /// Acknowledge incidents.
    Ack,
    /// Write a note.
    Note,
    /// Cycle the views.
    NextView,
    /// Every pane at once.
    ViewOverview,
    /// Departments and cohorts.
    ViewDepartments,
    /// Legacy versus enhanced.
    ViewComparison,
    /// Alerts.
    ViewAlerts,
    /// The timeline.
    ViewTimeline,
    /// Filter rows or timeline events.
    Filter,
    /// The timeline's kind filter.
    KindFilter,
    /// The `:` command line.
    Command,
    /// Key help.
    Help,
    /// Move the selection down.
    Down,
    /// Move the selection up.
    Up,
    /// A page down.
    PageDown,
    /// A page up.
    PageUp,
    /// To the top (the newest event).
    Top,
    /// To the bottom (the oldest event).
    Bottom,
    /// Why: the selected cohort's, event's or alert's detail.
    Details,
    /// Cycle the themes.
    NextTheme,
}

impl UiAction {
    /// What it does, for the help screen.
    #[must_use]
    pub fn describe(self) -> &'static str {
        use UiAction as A;
        match self {
            A::Quit => "quit the dashboard",
            A::Advance => "advance to the next step (shows the gates first)",
            A::PauseResume => "pause, or resume when paused",
            A::Rollback => "roll back a department or a cohort",
            A::RollbackAll => "roll back everything",
            A::Kill => "the kill switch (type KILL to confirm)",
            A::Approve => "give a sign-off that is waiting",
            A::SetWeight => "set a cohort's weight",
            A::Ack => "acknowledge incidents",
            A::Note => "write a note in the journal",
            A::NextView => "next view",
            A::ViewOverview => "overview: everything at once",
            A::ViewDepartments => "departments and cohorts",
            A::ViewComparison => "legacy against enhanced, for the selected cohort",
            A::ViewAlerts => "alerts firing",
            A::ViewTimeline => "the timeline of events",
            A::Filter => "filter the rows (the events, in the timeline)",
            A::KindFilter => "timeline: all, alerts, people's actions, automatic",
            A::Command => "the command line (:help lists its commands)",
            A::Help => "this help",
            A::Down => "move down",
            A::Up => "move up",
            A::PageDown => "a page down",
            A::PageUp => "a page up",
            A::Top => "to the newest",
            A::Bottom => "to the oldest",
            A::Details => "why: details of the selected cohort, event or alert",
            A::NextTheme => "next colour theme",
        }
    }

    /// Where it goes on the help screen.
    #[must_use]
    pub fn group(self) -> Group {
        use UiAction as A;
        match self {
            A::Advance
            | A::PauseResume
            | A::Rollback
            | A::RollbackAll
            | A::Kill
            | A::Approve
            | A::SetWeight
            | A::Ack
            | A::Note => Group::Act,
            A::NextView
            | A::ViewOverview
            | A::ViewDepartments
            | A::ViewComparison
            | A::ViewAlerts
            | A::ViewTimeline
            | A::Details => Group::Look,
            A::Down | A::Up | A::PageDown | A::PageUp | A::Top | A::Bottom => Group::Move,
            A::Filter | A::KindFilter | A::Command | A::Help | A::NextTheme | A::Quit => {
                Group::Other
            }
        }
    }

    /// Whether it changes the rollout (refused read-only and while disconnected).
    #[must_use]
    pub fn writes(self) -> bool {
        self.group() == Group::Act
    }
}
