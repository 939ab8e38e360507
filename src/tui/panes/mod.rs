//! Drawing: one module per pane, each a function `(frame, area, &State)` that only reads state.
//! [`draw`] lays them out for the current view and size and puts dialogs and toasts on top.
//!
//! ```text
//! Overview (80×24)                       ┌ header (2 lines) ───────────────────────────┐
//! ├ traffic split (3) ──────────────────────────────────────────────────────────────┤
//! ├ departments × cohorts (rest) ───────────────────────┬ alerts (≥ 30 cols) ──────────┤
//! ├ legacy vs enhanced ─────────────────────────────────┴ timeline ────────────────────┤
//! └ key hints (1 line) ─────────────────────────────────────────────────────────────────┘
//! ```

pub mod alerts;
pub mod compare;
pub mod departments;
pub mod footer;
pub mod header;
pub mod incidents;
pub mod modal;
pub mod split;
pub mod timeline;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::symbols::border;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::freshness::{DataState, data_state};
use super::state::{State, View};

/// A bordered block titled `title` in the ui's style (ASCII borders with `--ascii`).
#[must_use]
pub fn block<'a>(ui: &State, title: &'a str) -> Block<'a> {
    let set = if ui.look.ascii {
        border::Set {
            top_left: "+",
            top_right: "+",
            bottom_left: "+",
            bottom_right: "+",
            vertical_left: "|",
            vertical_right: "|",
            horizontal_top: "-",
            horizontal_bottom: "-",
        }
    } else {
        border::PLAIN
    };
    Block::default()
        .borders(Borders::ALL)
        .border_set(set)
        .border_style(ui.look.theme.muted())
        .title(title)
        .title_style(ui.look.theme.strong(ui.look.theme.accent))
}

/// When something on the rollout's clock happened, as wall time (UTC, `HH:MM:SS`): the one
/// clock every pane shows, whatever speed the rollout's clock runs at.
#[must_use]
pub fn when(ui: &State, plan_ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ui.wall_of(plan_ms))
        .map(|d| d.format("%H:%M:%S").to_string())
        .unwrap_or_default()
}

/// Draws the whole screen.
pub fn draw(f: &mut Frame, ui: &State) {
    let area = f.area();
    let [head, body, foot] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(area);
    header::render(f, head, ui);
    footer::render(f, foot, ui);
    if ui.snap.is_none() {
        waiting(f, body, ui);
        modal::render(f, area, ui);
        return;
    }
    match ui.screen.view {
        View::Overview => overview(f, body, ui),
        View::Departments => departments::render(f, body, ui),
        View::Comparison => compare::render(f, body, ui),
        View::Alerts => alerts::render(f, body, ui),
        View::Timeline => timeline::render(f, body, ui),
    }
    if matches!(data_state(ui), DataState::Reconnecting { .. }) {
        // What is on screen is the last known picture: dim it so nobody mistakes it for live.
        f.buffer_mut()
            .set_style(body, Style::new().add_modifier(Modifier::DIM));
    }
    modal::render(f, area, ui);
}

/// Before the first snapshot: where the dashboard is trying to connect, and what to do.
fn waiting(f: &mut Frame, area: Rect, ui: &State) {
    let t = &ui.look.theme;
    let lines = vec![
        Line::from(Span::styled(
            format!("Waiting for the control plane at {}", ui.link.url),
            t.strong(t.warn),
        )),
        Line::raw(""),
        Line::from(Span::styled(
            "Is `cutover serve` running there? Start one, pass --connect URL, or try `cutover demo`.",
            t.text(),
        )),
        Line::from(Span::styled(
            "This screen fills in as soon as it answers; q quits.",
            t.muted(),
        )),
    ];
    let b = block(ui, " cutover ");
    f.render_widget(
        Paragraph::new(lines).block(b).wrap(Wrap { trim: true }),
        area,
    );
}

fn overview(f: &mut Frame, area: Rect, ui: &State) {
    let tall = area.height >= 40;
    // On tall screens the split shows every department and the history under them.
    let departments = ui.snap.as_ref().map_or(0, |s| s.state.departments().len());
    let split_h = if tall {
        u16::try_from(departments)
            .unwrap_or(6)
            .saturating_add(6)
            .min(area.height / 3)
    } else {
        3
    };
    let bottom_h = if tall {
        area.height / 3
    } else {
        (area.height.saturating_sub(split_h) / 3).max(5)
    };
    let [split_area, middle, bottom] = Layout::vertical([
        Constraint::Length(split_h),
        Constraint::Min(4),
        Constraint::Length(bottom_h),
    ])
    .areas(area);
    split::render(f, split_area, ui);
    let alerts_w = if area.width >= 160 {
        area.width / 3
    } else {
        30.min(area.width / 2)
    };
    let [table, alert_area] =
        Layout::horizontal([Constraint::Min(20), Constraint::Length(alerts_w)]).areas(middle);
    departments::render(f, table, ui);
    incidents::render(f, alert_area, ui);
    let [cmp, tl] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(bottom);
    compare::render(f, cmp, ui);
    timeline::render(f, tl, ui);
}
