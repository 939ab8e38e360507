//! Traffic split: the share of units on enhanced overall and per department, each as a bar
//! with the plan's target marked, the share now and the target, how it is served when the bar
//! alone would mislead (shadow and parallel mirror traffic at weight 0; rolled back), and the
//! share over time as a sparkline.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::block;
use crate::tui::state::State;
use crate::wire::{Mode, Standing};

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

/// A weight in basis points as a percentage with one decimal.
fn pct(bp: u64) -> String {
    format!("{}.{}%", bp / 100, (bp % 100) / 10)
}

/// A sparkline of shares (basis points), as text, `width` characters at most.
#[must_use]
pub fn spark(ui: &State, values: &[u64], width: usize) -> String {
    let ticks: &[char] = if ui.look.ascii {
        &['_', '.', '-', '=', '#']
    } else {
        &['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█']
    };
    let steps = u64::try_from(ticks.len() - 1).unwrap_or(1);
    values[values.len().saturating_sub(width)..]
        .iter()
        .map(|v| ticks[usize::try_from(v.min(&10_000) * steps / 10_000).unwrap_or(0)])
        .collect()
}

/// How a department is served now, when the bar alone would mislead: shadow and parallel
/// mirror traffic to enhanced at weight 0, which is not the same as "no traffic".
fn served(snap: &crate::wire::Snapshot, department: Option<&str>) -> Option<String> {
    let cohorts: Vec<_> = snap
        .state
        .cohorts
        .iter()
        .filter(|c| department.is_none_or(|d| c.department == d))
        .collect();
    let count = |m: Mode| cohorts.iter().filter(|c| c.mode == m).count();
    let (shadow, parallel) = (count(Mode::Shadow), count(Mode::Parallel));
    let back = cohorts
        .iter()
        .filter(|c| c.standing == Standing::RolledBack)
        .count();
    let mut parts = Vec::new();
    if shadow > 0 {
        parts.push(format!("{shadow} shadow"));
    }
    if parallel > 0 {
        parts.push(format!("{parallel} parallel"));
    }
    if back > 0 {
        parts.push(format!("{back} rolled back"));
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// Draws the split: overall, then one line per department — a bar with the plan's target
/// marked, the share now and the target, how it is served, and the share over time.
pub fn render(f: &mut Frame, area: Rect, ui: &State) {
    let b = block(ui, " Traffic on enhanced (┃ the plan's target) ");
    let b = if ui.look.ascii {
        block(ui, " Traffic on enhanced (| the plan's target) ")
    } else {
        b
    };
    let inner = b.inner(area);
    f.render_widget(b, area);
    let Some(snap) = &ui.snap else { return };
    let t = &ui.look.theme;
    let width = usize::from(inner.width);
    let bar_w = u16::try_from((width / 3).clamp(8, 30)).unwrap_or(8);
    let line = |name: &str, department: Option<&str>, history: &[u64]| {
        let now = snap.state.enhanced_share(department).unwrap_or(0);
        let target = snap.state.target_share(department).unwrap_or(0);
        let mirror = served(snap, department);
        let mut spans = vec![Span::styled(
            format!("{:<13} ", truncate(name, 12)),
            if department.is_none() {
                t.strong(t.fg)
            } else {
                t.text()
            },
        )];
        spans.extend(bar_with_target(ui, now, target, bar_w));
        let numbers = if now == target {
            format!(" {:>6}", pct(now))
        } else {
            format!(" {:>6} → {}", pct(now), pct(target))
        };
        spans.push(Span::styled(format!("{numbers:<17}"), t.text()));
        let mut used = 14 + usize::from(bar_w) + 17;
        let m = truncate(&mirror.unwrap_or_default(), 26);
        used += 27;
        spans.push(Span::styled(format!("{m:<26} "), t.strong(t.accent)));
        let room = width.saturating_sub(used + 1);
        if room >= 8 && !history.is_empty() {
            spans.push(Span::styled(spark(ui, history, room), t.strong(t.enhanced)));
        }
        Line::from(spans)
    };
    let overall: Vec<u64> = ui.history.split.iter().copied().collect();
    let mut lines = vec![line("overall", None, &overall)];
    let room = usize::from(inner.height.saturating_sub(1));
    for d in snap.state.departments().into_iter().take(room) {
        let history: Vec<u64> = ui
            .history
            .departments
            .get(d)
            .map(|h| h.iter().copied().collect())
            .unwrap_or_default();
        lines.push(line(d, Some(d), &history));
    }
    f.render_widget(Paragraph::new(lines), inner);
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
