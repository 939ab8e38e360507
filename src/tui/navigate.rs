//! Looking around, without changing the rollout: switching views, moving the selection of the
//! current view (cohort rows, timeline events, alerts) by a line, a page or to an end, the
//! filters, and opening the detail of what is selected.

use super::dialog::{Detail, Dialog, Input, Purpose, Subject};
use super::keymap::UiAction;
use super::state::{State, View};

/// Lines a page key moves.
pub const PAGE: isize = 10;

/// How many rows the current view's selection moves over.
fn rows(state: &State) -> usize {
    match state.screen.view {
        View::Timeline => state.timeline().len(),
        View::Alerts => state.snap.as_ref().map_or(0, |s| s.alerts.len()),
        _ => state.rows().len(),
    }
}

fn cursor(state: &mut State) -> &mut usize {
    match state.screen.view {
        View::Timeline => &mut state.screen.timeline.cursor,
        View::Alerts => &mut state.screen.alert,
        _ => &mut state.screen.selected,
    }
}

/// Moves the current view's selection by `delta` rows (clamped), or to an end.
fn move_by(state: &mut State, delta: isize) {
    let last = rows(state).saturating_sub(1);
    let at = cursor(state);
    *at = at.saturating_add_signed(delta).min(last);
}

/// Handles a look-around action; `false` if `action` is not one.
pub fn on_action(state: &mut State, action: UiAction) -> bool {
    use UiAction as A;
    let revision = state.revision();
    let s = &mut state.screen;
    match action {
        A::NextView => {
            let i = View::ALL.iter().position(|v| *v == s.view).unwrap_or(0);
            s.view = View::ALL[(i + 1) % View::ALL.len()];
        }
        A::ViewOverview => s.view = View::Overview,
        A::ViewDepartments => s.view = View::Departments,
        A::ViewComparison => s.view = View::Comparison,
        A::ViewAlerts => s.view = View::Alerts,
        A::ViewTimeline => s.view = View::Timeline,
        A::Down => move_by(state, 1),
        A::Up => move_by(state, -1),
        A::PageDown => move_by(state, PAGE),
        A::PageUp => move_by(state, -PAGE),
        A::Top => *cursor(state) = 0,
        A::Bottom => *cursor(state) = rows(state).saturating_sub(1),
        A::KindFilter => {
            s.view = View::Timeline;
            s.timeline.kinds = s.timeline.kinds.next();
            s.timeline.cursor = 0;
        }
        A::Filter => {
            let (text, purpose) = if s.view == View::Timeline {
                (s.timeline.filter.clone(), Purpose::EventFilter)
            } else {
                (s.filter.clone(), Purpose::Filter)
            };
            state.dialog = Some(Dialog::Input(Input::new(
                "filter", &text, purpose, revision,
            )));
        }
        A::Details => details(state),
        _ => return false,
    }
    true
}

/// Enter: the detail of what the current view has selected.
fn details(state: &mut State) {
    let subject = match state.screen.view {
        View::Timeline => state
            .timeline()
            .get(state.screen.timeline.cursor)
            .map(|e| Subject::Event(Box::new((*e).clone()))),
        View::Alerts => state
            .snap
            .as_ref()
            .and_then(|s| s.alerts.get(state.screen.alert))
            .map(|a| Subject::Alert(a.key.clone())),
        _ => state
            .rows()
            .get(state.screen.selected)
            .map(|id| Subject::Cohort(id.clone())),
    };
    match subject {
        Some(subject) => state.dialog = Some(Dialog::Detail(Detail::new(subject))),
        None => state.toast("nothing selected to explain", false),
    }
}
