//! The timeline: one line per event, newest first — the time, the journal's number for
//! journaled transitions (`#12`, the number `cutover events` prints too), and a short summary.
//! The full record (reason, before → after) is in the event's detail.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::split::truncate;
use super::{block, when};
use crate::tui::state::State;
use crate::wire::{Event, EventKind};

/// One event as a line of `width` characters.
#[must_use]
pub fn line(ui: &State, e: &Event, width: usize) -> Line<'static> {
    let t = &ui.look.theme;
    let style = match &e.kind {
        EventKind::Refused { .. } => t.strong(t.warn),
        EventKind::AlertFired { .. } => t.strong(t.crit),
        EventKind::Transition(tr) if tr.actor.starts_with("rule:") => t.strong(t.crit),
        _ => t.text(),
    };
    let number = e
        .journal_seq()
        .map_or_else(|| "    ".to_owned(), |n| format!("#{n:<3}"));
    let head = format!("{} {number} ", when(ui, e.at));
    let room = width.saturating_sub(head.chars().count());
    Line::from(vec![
        Span::styled(head, t.muted()),
        Span::styled(truncate(&e.summary(), room), style),
    ])
}

/// Draws the timeline.
pub fn render(f: &mut Frame, area: Rect, ui: &State) {
    let b = block(ui, " Timeline ");
    let inner = b.inner(area);
    f.render_widget(b, area);
    let Some(snap) = &ui.snap else { return };
    let room = usize::from(inner.height);
    let width = usize::from(inner.width);
    let lines: Vec<Line> = snap
        .events
        .iter()
        .rev()
        .take(room)
        .map(|e| line(ui, e, width))
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
}
