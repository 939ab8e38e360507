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
pub mod detail;
pub mod footer;
pub mod header;
pub mod incidents;
pub mod modal;
pub mod next;
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
        finish(f, ui);
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
    finish(f, ui);
}

/// The modes' last word on the frame: ASCII only with `--ascii`, the theme's background.
fn finish(f: &mut Frame, ui: &State) {
    if let Some(bg) = ui.look.theme.bg {
        super::finish::paint(f.buffer_mut(), ui.look.theme.fg, bg);
    }
    if ui.look.ascii {
        super::finish::asciify(f.buffer_mut());
    }
}

/// Before the first snapshot: where the dashboard is trying to connect, and what to do.
fn waiting(f: &mut Frame, area: Rect, ui: &State) {
    let t = &ui.look.theme;
    let mut lines = vec![Line::from(Span::styled(
        format!("Waiting for the control plane at {}", ui.link.url),
        t.strong(t.warn),
    ))];
    if let Some(error) = &ui.link.last_error {
        lines.push(Line::from(Span::styled(
            format!("Last attempt: {error}"),
            t.text(),
        )));
    }
    lines.extend([
        Line::raw(""),
        Line::from(Span::styled(
            "Is `cutover serve` running there? Start one, pass --connect URL, or try `cutover demo`.",
            t.text(),
        )),
        Line::from(Span::styled(
            "This screen fills in as soon as it answers; q quits.",
            t.muted(),
        )),
    ]);
    let b = block(ui, " cutover ");
    f.render_widget(
        Paragraph::new(lines).block(b).wrap(Wrap { trim: true }),
        area,
    );
}

/// Rows a pane needs for `lines` of content inside its border.
fn rows(lines: usize) -> u16 {
    u16::try_from(lines).unwrap_or(u16::MAX).saturating_add(2)
}

fn overview(f: &mut Frame, area: Rect, ui: &State) {
    let (departments, gates) = ui
        .snap
        .as_ref()
        .map_or((0, 0), |s| (s.state.departments().len(), s.gates.len()));
    if area.width >= 230 && area.height >= 60 {
        return war_room(f, area, ui, departments, gates);
    }
    let small = area.height < 30;
    // The split shows every department when there is room; on small screens, overall only.
    let split_h = if small {
        3
    } else {
        rows(departments + 1).min(area.height / 3)
    };
    let next_h = if small {
        rows(gates.min(2))
    } else {
        rows(gates).clamp(3, area.height / 4)
    };
    let wide = area.width >= 120;
    let top_h = if wide { split_h.max(next_h) } else { split_h };
    let mut constraints = vec![Constraint::Length(top_h)];
    if !wide {
        constraints.push(Constraint::Length(next_h));
    }
    // The table takes what its rows need (up to about half), the comparison and timeline the
    // rest.
    let cohorts = ui.snap.as_ref().map_or(0, |s| s.state.cohorts.len());
    let used = top_h + if wide { 0 } else { next_h };
    let metrics = ui
        .snap
        .as_ref()
        .map_or(0, |s| s.judge.overall.metrics.len());
    let bottom_min = rows(metrics + 1).max(7);
    let table_h = if small {
        area.height.saturating_sub(used + 5)
    } else {
        rows(cohorts + 1).min(area.height.saturating_sub(used + bottom_min))
    };
    constraints.extend([Constraint::Length(table_h), Constraint::Min(5)]);
    let parts = Layout::vertical(constraints).split(area);
    if wide {
        let [split_area, next_area] =
            Layout::horizontal([Constraint::Percentage(58), Constraint::Percentage(42)])
                .areas(parts[0]);
        split::render(f, split_area, ui);
        next::render(f, next_area, ui);
    } else {
        split::render(f, parts[0], ui);
        next::render(f, parts[1], ui);
    }
    let (middle, bottom) = (parts[parts.len() - 2], parts[parts.len() - 1]);
    let incidents_w = if area.width >= 160 {
        area.width * 2 / 5
    } else {
        (area.width * 2 / 5).max(30).min(area.width / 2)
    };
    let [table, strip] =
        Layout::horizontal([Constraint::Min(20), Constraint::Length(incidents_w)]).areas(middle);
    departments::render(f, table, ui);
    incidents::render(f, strip, ui);
    let [cmp, tl] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(bottom);
    compare::render(f, cmp, ui);
    timeline::render(f, tl, ui);
}

/// A war-room screen (250×70 and up): the split beside the comparison, the whole table, then
/// what comes next, the incidents and the timeline side by side.
fn war_room(f: &mut Frame, area: Rect, ui: &State, departments: usize, gates: usize) {
    let metrics = ui
        .snap
        .as_ref()
        .map_or(0, |s| s.judge.overall.metrics.len());
    let top_h = rows(departments + 1)
        .max(rows(metrics + 1))
        .min(area.height / 3);
    let cohorts = ui.snap.as_ref().map_or(0, |s| s.state.cohorts.len());
    let table_h = rows(cohorts + 1).min(area.height / 3);
    let [top, table, bottom] = Layout::vertical([
        Constraint::Length(top_h),
        Constraint::Length(table_h),
        Constraint::Min(rows(gates)),
    ])
    .areas(area);
    let [split_area, cmp] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(top);
    split::render(f, split_area, ui);
    compare::render(f, cmp, ui);
    departments::render(f, table, ui);
    let [next_area, strip, tl] = Layout::horizontal([
        Constraint::Percentage(30),
        Constraint::Percentage(35),
        Constraint::Percentage(35),
    ])
    .areas(bottom);
    next::render(f, next_area, ui);
    incidents::render(f, strip, ui);
    timeline::render(f, tl, ui);
}
