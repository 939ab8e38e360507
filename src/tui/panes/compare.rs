//! Legacy versus enhanced: per metric the two latest values, the relative delta, a sparkline of
//! the enhanced history and the judge's verdict; the score and verdict around it. In the
//! Comparison view it follows the selected cohort — and for a cohort with no enhanced traffic
//! now (rolled back, say) it shows the last values seen and since when; elsewhere, everything.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, Table};

use super::block;
use crate::tui::state::{State, View};
use crate::wire::{Judgement, MetricVerdict, Verdict};

fn sparkline(ui: &State, values: &[f64], width: usize) -> String {
    let ticks: &[char] = if ui.look.ascii {
        &['_', '.', '-', '=', '#']
    } else {
        &['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█']
    };
    let recent = &values[values.len().saturating_sub(width)..];
    let (lo, hi) = recent
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
            (l.min(*v), h.max(*v))
        });
    recent
        .iter()
        .map(|v| {
            let x = if hi > lo { (v - lo) / (hi - lo) } else { 0.5 };
            #[expect(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                clippy::cast_precision_loss,
                reason = "an index into a short table"
            )]
            let i = (x * (ticks.len() - 1) as f64).round() as usize;
            ticks[i]
        })
        .collect()
}

fn number(v: Option<f64>) -> String {
    match v {
        None => "—".into(),
        Some(v) if v.abs() >= 100.0 => format!("{v:.0}"),
        Some(v) if v.abs() >= 1.0 => format!("{v:.2}"),
        Some(v) => format!("{v:.4}"),
    }
}

/// What the comparison shows: a scope, its judgement, and whether that judgement is the
/// last one seen before the scope stopped sending enhanced traffic (wall time it was seen).
pub struct Scope<'a> {
    /// `overall`, a department or a cohort.
    pub name: String,
    /// The judgement shown.
    pub judgement: Option<&'a Judgement>,
    /// Set when the scope has no enhanced traffic now: when its last judgement was seen.
    pub gone_since: Option<i64>,
}

/// The scope the comparison follows: the selected cohort in the Comparison view (or its
/// department, or the last judgement seen if it was rolled back), everything otherwise.
#[must_use]
pub fn scope(ui: &State) -> Scope<'_> {
    let Some(snap) = &ui.snap else {
        return Scope {
            name: "overall".into(),
            judgement: None,
            gone_since: None,
        };
    };
    let overall = Scope {
        name: "overall".into(),
        judgement: Some(&snap.judge.overall),
        gone_since: None,
    };
    if ui.screen.view != View::Comparison {
        return overall;
    }
    let Some(id) = ui.rows().get(ui.screen.selected).cloned() else {
        return overall;
    };
    if let Some(j) = snap.judge.cohorts.get(&id) {
        return Scope {
            name: id,
            judgement: Some(j),
            gone_since: None,
        };
    }
    match ui.history.judged.get(&id) {
        Some((seen, j)) => Scope {
            name: id,
            judgement: Some(j),
            gone_since: Some(*seen),
        },
        None => Scope {
            name: id,
            judgement: None,
            gone_since: None,
        },
    }
}

/// A scope with no enhanced traffic and none remembered.
fn nothing_to_compare(f: &mut Frame, area: Rect, ui: &State, name: &str) {
    let mode = ui
        .snap
        .as_ref()
        .and_then(|s| s.state.cohorts.iter().find(|c| c.id == name))
        .map_or("—", |c| c.mode.name());
    let text = format!(
        "{name}: no enhanced traffic to compare (mode {mode}), and none seen since the dashboard started"
    );
    f.render_widget(
        ratatui::widgets::Paragraph::new(Span::styled(text, ui.look.theme.muted()))
            .wrap(ratatui::widgets::Wrap { trim: true })
            .block(block(ui, " Legacy vs enhanced ")),
        area,
    );
}

fn title(name: &str, judgement: &Judgement, gone_since: Option<i64>) -> String {
    let score = judgement.score.map_or("—".into(), |s| format!("{s:.0}"));
    match gone_since {
        Some(seen) => format!(
            " {name} · no enhanced traffic since {} · last values ",
            chrono::DateTime::from_timestamp_millis(seen)
                .map(|d| d.format("%H:%M:%S").to_string())
                .unwrap_or_default()
        ),
        None => format!(" Legacy vs enhanced · {name} · score {score} "),
    }
}

/// Draws the comparison.
pub fn render(f: &mut Frame, area: Rect, ui: &State) {
    let t = &ui.look.theme;
    let Scope {
        name,
        judgement,
        gone_since,
    } = scope(ui);
    let Some(judgement) = judgement else {
        return nothing_to_compare(f, area, ui, &name);
    };
    let verdict = match judgement.verdict {
        Verdict::Pass => Span::styled("PASS", t.strong(t.ok)),
        Verdict::Marginal => Span::styled("MARGINAL — a human decides", t.strong(t.warn)),
        Verdict::Fail => Span::styled("FAIL", t.strong(t.crit)),
        Verdict::NoData => Span::styled("NO DATA — a human decides", t.strong(t.warn)),
    };
    let title = title(&name, judgement, gone_since);
    // Columns sized to the room: the metric name up to 30 characters first (a cut name says
    // nothing), then the enhanced value and legacy when they fit, the history with what is
    // left. Delta and verdict always show.
    let inner_w = usize::from(area.width.saturating_sub(2));
    let longest = judgement
        .metrics
        .iter()
        .map(|m| m.metric.chars().count())
        .max()
        .unwrap_or(6)
        .min(30);
    let with_legacy = inner_w >= longest + 44;
    let with_enhanced = inner_w >= longest + 34;
    let fixed = 20 + 10 * (usize::from(with_enhanced) + usize::from(with_legacy));
    let name_w = longest.min(inner_w.saturating_sub(fixed).max(6));
    let used = name_w + fixed;
    let spark_w = inner_w.saturating_sub(used + 1).min(40);
    let dim = gone_since.is_some();
    let rows: Vec<Row> = judgement
        .metrics
        .iter()
        .map(|m| {
            let v = match m.verdict {
                MetricVerdict::Pass => Span::styled("pass", t.strong(t.ok)),
                MetricVerdict::Fail => Span::styled("FAIL", t.strong(t.crit)),
                MetricVerdict::NoData => Span::styled("no data", t.muted()),
            };
            let delta = m
                .relative
                .map_or("—".into(), |r| format!("{:+.1}%", r * 100.0));
            let mut cells = vec![Cell::from(super::split::truncate(&m.metric, name_w))];
            if with_legacy {
                cells.push(Cell::from(number(m.legacy)));
            }
            if with_enhanced {
                cells.push(Cell::from(number(m.enhanced)));
            }
            cells.extend([Cell::from(delta), Cell::from(Line::from(v))]);
            if spark_w >= 4 {
                cells.push(Cell::from(Span::styled(
                    sparkline(ui, &m.enhanced_history, spark_w),
                    t.strong(t.enhanced),
                )));
            }
            Row::new(cells).style(if dim { t.muted() } else { t.text() })
        })
        .collect();
    let mut widths = vec![Constraint::Length(u16::try_from(name_w).unwrap_or(6))];
    let mut header = vec!["metric"];
    if with_legacy {
        widths.push(Constraint::Length(9));
        header.push("legacy");
    }
    if with_enhanced {
        widths.push(Constraint::Length(9));
        header.push("enhanced");
    }
    widths.extend([Constraint::Length(8), Constraint::Length(8)]);
    header.extend(["delta", "verdict"]);
    if spark_w >= 4 {
        widths.push(Constraint::Length(u16::try_from(spark_w).unwrap_or(0)));
        header.push("history");
    }
    let b = block(ui, &title).title_bottom(Line::from(vec![
        Span::raw(" verdict "),
        verdict,
        Span::raw(" "),
    ]));
    f.render_widget(
        Table::new(rows, widths)
            .header(Row::new(header).style(t.muted()))
            .block(b)
            .column_spacing(1),
        area,
    );
}
