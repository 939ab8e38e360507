//! Departments × cohorts: per cohort its mode, current and target weight (a gauge), standing
//! (healthy, alerting, rolled back, excluded…), risk and rollback-time objective. The selected
//! row is highlighted; `/` filters.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, Table};

use super::block;
use super::split::bar_with_target;
use crate::engine::view::Standing;
use crate::plan::Weight;
use crate::tui::app::App;

fn standing(app: &App, id: &str, department: &str, s: Standing) -> Span<'static> {
    let t = &app.theme;
    let alerting = app.snap.as_ref().is_some_and(|snap| {
        snap.alerts
            .iter()
            .any(|a| a.scope == id || a.scope == department)
    });
    match s {
        Standing::RolledBack => Span::styled("rolled back", t.strong(t.crit)),
        Standing::Killed | Standing::Switched => Span::styled("kill switch", t.strong(t.crit)),
        Standing::Excluded => Span::styled("excluded", t.muted()),
        _ if alerting => Span::styled("alerting", t.strong(t.warn)),
        Standing::Overridden => Span::styled("manual", t.strong(t.accent)),
        Standing::Planned => Span::styled("healthy", t.strong(t.ok)),
    }
}

/// Draws the table.
pub fn render(f: &mut Frame, area: Rect, app: &App) {
    let title = if app.filter.is_empty() {
        " Departments × cohorts ".to_owned()
    } else {
        format!(" Departments × cohorts (filter: {}) ", app.filter)
    };
    let b = block(app, &title);
    let Some(snap) = &app.snap else {
        f.render_widget(b, area);
        return;
    };
    let t = &app.theme;
    // Columns by room: narrow shows cohort, mode, weight and status; medium adds the gauge and
    // the plan's target; wide adds risk and the rollback-time objective.
    let medium = area.width >= 70;
    let wide = area.width >= 110;
    let gauge_w: u16 = if wide { 20 } else { 10 };
    let rows = app.rows();
    let body: Vec<Row> = snap
        .state
        .cohorts
        .iter()
        .filter(|c| rows.contains(&c.id))
        .enumerate()
        .map(|(i, c)| {
            let now = Weight::from_bp(u32::from(c.weight_bp)).unwrap_or_default();
            let target = Weight::from_bp(u32::from(c.target_weight_bp)).unwrap_or_default();
            let mut cells = vec![Cell::from(c.id.clone()), Cell::from(c.mode.name())];
            if medium {
                cells.push(Cell::from(Line::from(bar_with_target(
                    app,
                    u64::from(c.weight_bp),
                    u64::from(c.target_weight_bp),
                    gauge_w,
                ))));
            }
            cells.push(Cell::from(format!("{now:>5}")));
            if medium {
                cells.push(Cell::from(format!("→{target:>5}")));
            }
            cells.push(Cell::from(Line::from(standing(
                app,
                &c.id,
                &c.department,
                c.standing,
            ))));
            if wide {
                let objective = if c.rollback_objective.0 == 0 {
                    "immediate".to_owned()
                } else {
                    c.rollback_objective.human()
                };
                cells.push(Cell::from(c.risk.name()));
                cells.push(Cell::from(objective));
            }
            let row = Row::new(cells);
            if i == app.selected {
                row.style(t.selected())
            } else {
                row.style(t.text())
            }
        })
        .collect();
    let mut widths = vec![Constraint::Fill(1), Constraint::Length(8)];
    let mut header = vec!["cohort", "mode"];
    if medium {
        widths.push(Constraint::Length(gauge_w));
        header.push("enhanced");
    }
    widths.push(Constraint::Length(5));
    header.push("now");
    if medium {
        widths.push(Constraint::Length(7));
        header.push("target");
    }
    widths.push(Constraint::Length(11));
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
