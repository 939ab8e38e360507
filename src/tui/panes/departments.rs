//! Departments × cohorts: per cohort its mode, current and target weight (a gauge), standing
//! (healthy, alerting, rolled back, excluded…), risk and rollback-time objective. The selected
//! row is highlighted; `/` filters.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, Table};

use super::block;
use super::split::bar_with_target;
use crate::tui::state::State;
use crate::wire::format::percent;
use crate::wire::{Risk, Standing};

fn standing(ui: &State, id: &str, department: &str, s: Standing) -> Span<'static> {
    let t = &ui.look.theme;
    let alerting = ui.snap.as_ref().is_some_and(|snap| {
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

fn risk(r: Risk) -> &'static str {
    match r {
        Risk::Low => "low",
        Risk::Medium => "medium",
        Risk::High => "high",
        Risk::Critical => "critical",
    }
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
    let body: Vec<Row> = snap
        .state
        .cohorts
        .iter()
        .filter(|c| rows.contains(&c.id))
        .enumerate()
        .map(|(i, c)| {
            let (now, target) = (percent(c.weight_bp), percent(c.target_weight_bp));
            let mut cells = vec![Cell::from(c.id.clone()), Cell::from(c.mode.name())];
            if medium {
                cells.push(Cell::from(Line::from(bar_with_target(
                    ui,
                    u64::from(c.weight_bp),
                    u64::from(c.target_weight_bp),
                    gauge_w,
                ))));
            }
            cells.push(Cell::from(now));
            if medium {
                cells.push(Cell::from(format!("→{target}")));
            }
            cells.push(Cell::from(Line::from(standing(
                ui,
                &c.id,
                &c.department,
                c.standing,
            ))));
            if wide {
                let objective = if c.rollback_objective == "0s" {
                    "immediate".to_owned()
                } else {
                    c.rollback_objective.clone()
                };
                cells.push(Cell::from(risk(c.risk)));
                cells.push(Cell::from(objective));
            }
            let row = Row::new(cells);
            if i == ui.screen.selected {
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
