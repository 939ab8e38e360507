//! The timeline: every event, newest first — time, actor, what, why, before → after.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::{block, when};
use crate::tui::state::State;
use crate::wire::EventKind;

/// Draws the timeline.
pub fn render(f: &mut Frame, area: Rect, ui: &State) {
    let b = block(ui, " Timeline ");
    let Some(snap) = &ui.snap else {
        f.render_widget(b, area);
        return;
    };
    let t = &ui.look.theme;
    let room = usize::from(area.height.saturating_sub(2));
    let lines: Vec<Line> = snap
        .events
        .iter()
        .rev()
        .take(room)
        .map(|e| {
            let time = when(ui, e.at);
            let style = match &e.kind {
                EventKind::Refused { .. } => t.strong(t.warn),
                EventKind::AlertFired { .. } => t.strong(t.crit),
                EventKind::Transition(tr) if tr.actor.starts_with("rule:") => t.strong(t.crit),
                _ => t.text(),
            };
            Line::from(vec![
                Span::styled(format!("{time} "), t.muted()),
                Span::styled(e.to_string(), style),
            ])
        })
        .collect();
    f.render_widget(
        Paragraph::new(lines).block(b).wrap(Wrap { trim: true }),
        area,
    );
}
