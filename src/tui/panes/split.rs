//! Traffic split: legacy | enhanced overall as a bar, per department when there is room, and
//! the history of the overall share as a sparkline on tall screens.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Sparkline};

use super::block;
use crate::tui::state::State;

/// A bar of `width` cells, `bp` of 10,000 on enhanced.
#[must_use]
pub fn bar(ui: &State, bp: u64, width: u16) -> Vec<Span<'static>> {
    let t = &ui.look.theme;
    let width = u64::from(width);
    let on = (bp * width).div_ceil(10_000).min(width);
    let (full, empty) = if ui.look.ascii {
        ("#", "-")
    } else {
        ("█", "░")
    };
    let on = usize::try_from(on).unwrap_or(0);
    let off = usize::try_from(width).unwrap_or(0) - on;
    vec![
        Span::styled(full.repeat(on), t.strong(t.enhanced)),
        Span::styled(empty.repeat(off), t.muted()),
    ]
}

/// A bar of `width` cells filled to `bp`, with the plan's `target` marked by a tick (`|`
/// with `--ascii`, `┃` otherwise) when it differs.
#[must_use]
pub fn bar_with_target(ui: &State, bp: u64, target: u64, width: u16) -> Vec<Span<'static>> {
    let mut spans = bar(ui, bp, width);
    if target == bp {
        return spans;
    }
    let cells = u64::from(width);
    let at = usize::try_from((target * cells / 10_000).min(cells.saturating_sub(1))).unwrap_or(0);
    let text: String = spans.iter().map(|s| s.content.as_ref()).collect();
    let chars: Vec<char> = text.chars().collect();
    let on = usize::try_from((bp * cells).div_ceil(10_000).min(cells)).unwrap_or(0);
    let t = &ui.look.theme;
    let tick = if ui.look.ascii { "|" } else { "┃" };
    let piece = |from: usize, to: usize| {
        chars[from.min(chars.len())..to.min(chars.len())]
            .iter()
            .collect::<String>()
    };
    let style_at = |i: usize| {
        if i < on {
            t.strong(t.enhanced)
        } else {
            t.muted()
        }
    };
    spans.clear();
    if at > 0 {
        let left_on = at.min(on);
        spans.push(Span::styled(piece(0, left_on), t.strong(t.enhanced)));
        spans.push(Span::styled(piece(left_on, at), t.muted()));
    }
    spans.push(Span::styled(tick.to_owned(), t.strong(t.accent)));
    spans.push(Span::styled(
        piece(at + 1, on.max(at + 1)),
        style_at(at + 1),
    ));
    spans.push(Span::styled(piece(on.max(at + 1), chars.len()), t.muted()));
    spans
}

#[expect(clippy::cast_precision_loss, reason = "basis points")]
fn pct(bp: u64) -> String {
    format!("{:>5.1}%", bp as f64 / 100.0)
}

/// Draws the split.
pub fn render(f: &mut Frame, area: Rect, ui: &State) {
    let b = block(ui, " Traffic: legacy → enhanced ");
    let inner = b.inner(area);
    f.render_widget(b, area);
    let Some(snap) = &ui.snap else { return };
    let t = &ui.look.theme;
    let overall = ui.enhanced_share(None).unwrap_or(0);
    let label_w = 14u16;
    // The label, the bar, then " 100.0% enh" (11 columns).
    let bar_w = inner.width.saturating_sub(label_w + 11).max(4);
    let mut lines = vec![Line::from(
        [
            vec![Span::styled(format!("{:<14}", "overall"), t.strong(t.fg))],
            bar(ui, overall, bar_w),
            vec![Span::styled(format!(" {} enh", pct(overall)), t.text())],
        ]
        .concat(),
    )];
    let depts = snap.state.departments();
    let room = usize::from(inner.height.saturating_sub(1));
    let history_rows = if inner.height >= 6 && !ui.look.ascii && !ui.history.split.is_empty() {
        3
    } else {
        0
    };
    for d in depts.iter().take(room.saturating_sub(history_rows)) {
        let bp = ui.enhanced_share(Some(d)).unwrap_or(0);
        lines.push(Line::from(
            [
                vec![Span::styled(format!("{:<14}", truncate(d, 13)), t.text())],
                bar(ui, bp, bar_w),
                vec![Span::styled(format!(" {}", pct(bp)), t.text())],
            ]
            .concat(),
        ));
    }
    let [text, spark] = Layout::vertical([
        Constraint::Min(1),
        Constraint::Length(u16::try_from(history_rows).unwrap_or(0)),
    ])
    .areas(inner);
    f.render_widget(Paragraph::new(lines), text);
    if history_rows > 0 {
        let data: Vec<u64> = ui
            .history
            .split
            .iter()
            .rev()
            .take(usize::from(spark.width))
            .rev()
            .copied()
            .collect();
        f.render_widget(
            Sparkline::default()
                .data(&data)
                .max(10_000)
                .style(t.strong(t.enhanced)),
            spark,
        );
    }
}

/// Cuts a string to `n` characters.
#[must_use]
pub fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        s.chars().take(n.saturating_sub(1)).chain(['…']).collect()
    }
}
