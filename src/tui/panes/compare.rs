//! Legacy versus enhanced: per metric the two latest values, the relative delta, a sparkline of
//! the enhanced history and the judge's verdict; the overall score and verdict on top. Shows
//! the selected cohort's department in the Comparison view, everything in the Overview.

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

/// Draws the comparison.
pub fn render(f: &mut Frame, area: Rect, ui: &State) {
    let Some(snap) = &ui.snap else {
        f.render_widget(block(ui, " Legacy vs enhanced "), area);
        return;
    };
    let t = &ui.look.theme;
    let selected_dept = (ui.screen.view == View::Comparison)
        .then(|| {
            ui.rows()
                .get(ui.screen.selected)
                .and_then(|id| id.split('/').next().map(str::to_owned))
        })
        .flatten();
    let (scope, judgement): (String, &Judgement) = match selected_dept
        .as_ref()
        .and_then(|d| snap.judge.departments.get(d).map(|j| (d.clone(), j)))
    {
        Some((d, j)) => (d, j),
        None => ("overall".into(), &snap.judge.overall),
    };
    let verdict = match judgement.verdict {
        Verdict::Pass => Span::styled("PASS", t.strong(t.ok)),
        Verdict::Marginal => Span::styled("MARGINAL — a human decides", t.strong(t.warn)),
        Verdict::Fail => Span::styled("FAIL", t.strong(t.crit)),
        Verdict::NoData => Span::styled("NO DATA — a human decides", t.strong(t.warn)),
    };
    let overall_score = judgement.score.map_or("—".into(), |s| format!("{s:.0}"));
    let title = format!(" Legacy vs enhanced · {scope} · score {overall_score} ");
    let spark_w = usize::from(area.width.saturating_sub(60)).clamp(0, 40);
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
            let mut cells = vec![
                Cell::from(m.metric.clone()),
                Cell::from(number(m.legacy)),
                Cell::from(number(m.enhanced)),
                Cell::from(delta),
                Cell::from(Line::from(v)),
            ];
            if spark_w > 0 {
                cells.push(Cell::from(Span::styled(
                    sparkline(ui, &m.enhanced_history, spark_w),
                    t.strong(t.enhanced),
                )));
            }
            Row::new(cells).style(t.text())
        })
        .collect();
    let mut widths = vec![
        Constraint::Length(18),
        Constraint::Length(9),
        Constraint::Length(9),
        Constraint::Length(8),
        Constraint::Length(8),
    ];
    if spark_w > 0 {
        widths.push(Constraint::Length(u16::try_from(spark_w).unwrap_or(0)));
    }
    let header = Row::new(vec![
        "metric", "legacy", "enhanced", "delta", "verdict", "history",
    ])
    .style(t.muted());
    let b = block(ui, &title).title_bottom(Line::from(vec![
        Span::raw(" verdict "),
        verdict,
        Span::raw(" "),
    ]));
    f.render_widget(
        Table::new(rows, widths)
            .header(header)
            .block(b)
            .column_spacing(1),
        area,
    );
}
