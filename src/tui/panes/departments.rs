//! Departments × cohorts: per cohort its mode, a gauge of its weight with the plan's target
//! marked (shadow and parallel drawn as a mirror, since they see traffic at weight 0), the
//! weight now and the target, its standing (on plan, alerting, rolled back, excluded…), risk
//! and rollback-time objective. Columns are sized to their content, names cut with an
//! ellipsis; the selected row is highlighted; `/` filters.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, Table};

use super::block;
use super::split::{bar_with_target, truncate};
use crate::tui::state::State;
use crate::wire::format::percent;
use crate::wire::{CohortView, Mode, Standing};

/// The standing as both the dashboard and the CLI say it, with the dashboard's one extra:
/// a cohort on plan whose scope has an alert firing is `alerting`.
fn standing(ui: &State, c: &CohortView) -> Span<'static> {
    let t = &ui.look.theme;
    let alerting = ui.snap.as_ref().is_some_and(|snap| {
        snap.alerts
            .iter()
            .any(|a| a.scope == c.id || a.scope == c.department)
    });
    let word = crate::wire::format::standing(c.standing);
    match c.standing {
        Standing::RolledBack | Standing::Killed | Standing::Switched => {
            Span::styled(word, t.strong(t.crit))
        }
        Standing::Excluded => Span::styled(word, t.muted()),
        _ if alerting => Span::styled("alerting", t.strong(t.warn)),
        Standing::Overridden => Span::styled(word, t.strong(t.accent)),
        Standing::Planned => Span::styled(word, t.strong(t.ok)),
    }
}

/// The gauge: a bar with the target marked, or for shadow and parallel a mirror mark.
fn gauge(ui: &State, c: &CohortView, width: u16) -> Line<'static> {
    if matches!(c.mode, Mode::Shadow | Mode::Parallel) {
        let t = &ui.look.theme;
        let fill = if ui.look.ascii { "~" } else { "≈" };
        let label = " mirror";
        let n = usize::from(width).saturating_sub(label.len());
        return Line::from(vec![
            Span::styled(fill.repeat(n), t.strong(t.accent)),
            Span::styled(label, t.muted()),
        ]);
    }
    Line::from(bar_with_target(
        ui,
        u64::from(c.weight_bp),
        u64::from(c.target_weight_bp),
        width,
    ))
}

/// Draws the table.
pub fn render(f: &mut Frame, area: Rect, ui: &State) {
    let title = if ui.screen.filter.is_empty() {
        " Departments × cohorts ".to_owned()
    } else {
        format!(" Departments × cohorts (filter: {}) ", ui.screen.filter)
    };
    let b = block(ui, &title);
    let Some(snap) = &ui.snap else {
        f.render_widget(b, area);
        return;
    };
    let t = &ui.look.theme;
    // Columns by room: narrow shows cohort, mode, weight and status; medium adds the gauge and
    // the plan's target; wide adds risk and the rollback-time objective.
    let medium = area.width >= 70;
    let wide = area.width >= 110;
    let gauge_w: u16 = if wide { 20 } else { 10 };
    let rows = ui.rows();
    let shown: Vec<&CohortView> = snap
        .state
        .cohorts
        .iter()
        .filter(|c| rows.contains(&c.id))
        .collect();
    // Every other column (with its spacing); the cohort id gets the rest, up to its length.
    let others: u16 =
        9 + 7 + 13 + if medium { gauge_w + 1 + 8 } else { 0 } + if wide { 9 + 10 } else { 0 };
    let longest = shown
        .iter()
        .map(|c| c.id.chars().count())
        .max()
        .unwrap_or(6);
    let id_w = u16::try_from(longest)
        .unwrap_or(u16::MAX)
        .min(area.width.saturating_sub(others + 2))
        .max(6);
    let body: Vec<Row> = shown
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let mut cells = vec![
                Cell::from(truncate(&c.id, usize::from(id_w))),
                Cell::from(c.mode.name()),
            ];
            if medium {
                cells.push(Cell::from(gauge(ui, c, gauge_w)));
            }
            cells.push(Cell::from(percent(c.weight_bp)));
            if medium {
                cells.push(Cell::from(format!("→{}", percent(c.target_weight_bp))));
            }
            cells.push(Cell::from(Line::from(standing(ui, c))));
            if wide {
                let objective = if c.rollback_objective == "0s" {
                    "immediate".to_owned()
                } else {
                    c.rollback_objective.clone()
                };
                cells.push(Cell::from(crate::wire::format::risk(c.risk)));
                cells.push(Cell::from(objective));
            }
            let style = if i == ui.screen.selected {
                t.selected()
            } else {
                t.text()
            };
            Row::new(cells).style(style)
        })
        .collect();
    let mut widths = vec![Constraint::Length(id_w), Constraint::Length(8)];
    let mut header = vec!["cohort", "mode"];
    if medium {
        widths.push(Constraint::Length(gauge_w));
        header.push("enhanced");
    }
    widths.push(Constraint::Length(6));
    header.push("now");
    if medium {
        widths.push(Constraint::Length(7));
        header.push("target");
    }
    widths.push(Constraint::Length(12));
    header.push("status");
    if wide {
        widths.extend([Constraint::Length(8), Constraint::Length(9)]);
        header.extend(["risk", "rollback"]);
    }
    let table = Table::new(body, widths)
        .header(Row::new(header).style(t.muted()))
        .block(b)
        .column_spacing(1);
    f.render_widget(table, area);
}
