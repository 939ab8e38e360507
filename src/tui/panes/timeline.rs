//! The timeline: one line per event, newest first — the time, the journal's number for
//! journaled transitions (`#12`, the number `cutover events` prints too), and a short summary.
//! The full record (reason, before → after) is in the event's detail.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::split::truncate;
use super::{block, when};
use crate::tui::state::{State, View};
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

/// Draws the timeline: in its own view, the filtered events with a cursor (`j`/`k`, the page
/// keys, `g`/`G`; `/` filters, `f` picks kinds, Enter explains); elsewhere, the newest events.
pub fn render(f: &mut Frame, area: Rect, ui: &State) {
    let own = ui.screen.view == View::Timeline;
    let tl = &ui.screen.timeline;
    let events: Vec<&Event> = if own {
        ui.timeline()
    } else {
        ui.snap
            .as_ref()
            .map(|s| s.events.iter().rev().collect())
            .unwrap_or_default()
    };
    let title = if own {
        let filter = if tl.filter.is_empty() {
            String::new()
        } else {
            format!("· “{}” ", tl.filter)
        };
        format!(
            " Timeline · {} {filter}· {}/{} · f kinds · / filter · Enter why ",
            tl.kinds.name(),
            (tl.cursor + 1).min(events.len()),
            events.len()
        )
    } else {
        " Timeline ".to_owned()
    };
    let b = block(ui, &title);
    let inner = b.inner(area);
    f.render_widget(b, area);
    let room = usize::from(inner.height).max(1);
    let width = usize::from(inner.width);
    // Keep the cursor in view.
    let start = if own {
        tl.cursor.saturating_sub(room - 1)
    } else {
        0
    };
    let lines: Vec<Line> = events
        .iter()
        .enumerate()
        .skip(start)
        .take(room)
        .map(|(i, e)| {
            let line = line(ui, e, width);
            if own && i == tl.cursor {
                line.style(ui.look.theme.selected())
            } else {
                line
            }
        })
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
}
