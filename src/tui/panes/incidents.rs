//! The incident strip: what fires now (counts per tier), then one line per incident, newest
//! first — alerts fired, escalated or resolved, rollbacks and kills, automatic or not — kept
//! until someone acknowledges it with `x`. Waiting ones are bold in their tier's colour,
//! resolved ones dimmed, acknowledged ones marked; repeats show their count.
//!
//! ```text
//! ┌ Incidents · x acknowledges ──────────────────┐
//! │CRIT 1  WARN 0  INFO 0 firing                 │
//! │06:34 AUTO-ROLLBACK sales ← response-time@s…  │
//! │06:33 CRIT response-time@sales 7.99 vs 5 ×3   │
//! └──────────────────────────────────────────────┘
//! ```

use std::fmt::Write as _;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::split::truncate;
use super::{block, when};
use crate::tui::incidents::{Incident, Kind};
use crate::tui::state::State;
use crate::wire::{Tier, format};

fn line(ui: &State, i: &Incident, width: usize) -> Line<'static> {
    let t = &ui.look.theme;
    let colour = match i.kind {
        Kind::Alert(Tier::Critical) | Kind::Rollback { auto: true } | Kind::Kill { .. } => t.crit,
        Kind::Alert(Tier::Warning) | Kind::Rollback { auto: false } => t.warn,
        Kind::Alert(Tier::Info) => t.fg,
    };
    let mut style = if i.acked_at.is_none() {
        t.strong(colour)
    } else {
        t.text()
    };
    if i.resolved && (i.acked_at.is_some() || matches!(i.kind, Kind::Alert(_))) {
        style = style.add_modifier(Modifier::DIM);
    }
    let time = when(ui, i.at);
    let mut tail = String::new();
    if i.count > 1 {
        let wall = ui.wall_of(i.at) - ui.wall_of(i.first_at);
        let span = format::duration(u64::try_from(wall).unwrap_or(0));
        let _ = write!(tail, " ×{} in {span}", i.count);
    }
    if matches!(i.kind, Kind::Alert(_)) && i.resolved {
        tail.push_str(" · resolved");
    }
    if i.acked_at.is_some() {
        tail.push_str(if ui.look.ascii {
            " · seen"
        } else {
            " · seen ✓"
        });
    }
    let room = width.saturating_sub(time.len() + 1 + tail.chars().count());
    Line::from(vec![
        Span::styled(format!("{time} "), t.muted()),
        Span::styled(truncate(&i.text, room), style),
        Span::styled(tail, t.muted()),
    ])
}

/// Draws the strip.
pub fn render(f: &mut Frame, area: Rect, ui: &State) {
    let waiting = ui.incidents.unacked().count();
    let title = if waiting > 0 {
        format!(" Incidents · {waiting} to acknowledge (x) ")
    } else {
        " Incidents ".to_owned()
    };
    let b = block(ui, &title);
    let inner = b.inner(area);
    f.render_widget(b, area);
    let Some(snap) = &ui.snap else { return };
    let t = &ui.look.theme;
    let count = |tier| snap.alerts.iter().filter(|a| a.tier == tier).count();
    let mut lines = vec![Line::from(vec![
        Span::styled(format!("CRIT {}", count(Tier::Critical)), t.strong(t.crit)),
        Span::raw("  "),
        Span::styled(format!("WARN {}", count(Tier::Warning)), t.strong(t.warn)),
        Span::raw("  "),
        Span::styled(format!("INFO {}", count(Tier::Info)), t.text()),
        Span::styled(" firing", t.muted()),
    ])];
    let width = usize::from(inner.width);
    let shown: Vec<&Incident> = ui.incidents.shown(ui.now, ui.look.keep_ms).collect();
    if shown.is_empty() {
        lines.push(Line::from(Span::styled("nothing needs you", t.muted())));
    }
    lines.extend(shown.iter().map(|i| line(ui, i, width)));
    f.render_widget(Paragraph::new(lines), inner);
}
