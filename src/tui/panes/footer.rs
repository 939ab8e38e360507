//! The footer: key hints from the keymap, most important first and as many as fit — always
//! ending with help and quit; in read-only mode only the keys that work. Or the newest status
//! message (errors in the critical colour, with the server's reason).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::tui::keymap::UiAction;
use crate::tui::state::{Conn, State};
use crate::wire::Status;

/// The hints in order of importance (the last two are always shown).
fn hints(ui: &State) -> Vec<(UiAction, &'static str)> {
    let paused = ui
        .snap
        .as_ref()
        .is_some_and(|s| matches!(s.state.status, Status::Paused | Status::RollingBack));
    let waiting = ui.incidents.unacked().count() > 0;
    let mut list = Vec::new();
    if !ui.look.read_only {
        list.push((UiAction::Kill, "KILL"));
        list.push((
            UiAction::PauseResume,
            if paused { "resume" } else { "pause" },
        ));
        if waiting {
            list.push((UiAction::Ack, "ack incidents"));
        }
        list.extend([
            (UiAction::Rollback, "rollback"),
            (UiAction::Advance, "advance"),
        ]);
    }
    list.extend([
        (UiAction::NextView, "views"),
        (UiAction::Command, "cmd"),
        (UiAction::Help, "help"),
        (UiAction::Quit, "quit"),
    ]);
    list
}

/// Draws the footer.
pub fn render(f: &mut Frame, area: Rect, ui: &State) {
    let t = &ui.look.theme;
    if let Some(toast) = ui.toasts.back() {
        let style = if toast.error {
            t.strong(t.crit)
        } else {
            t.strong(t.ok)
        };
        f.render_widget(
            Paragraph::new(Line::from(Span::styled(toast.text.clone(), style))),
            area,
        );
        return;
    }
    let keys: Vec<(String, &str)> = hints(ui)
        .into_iter()
        .filter_map(|(a, label)| ui.look.keymap.key_for(a).map(|k| (k.to_owned(), label)))
        .collect();
    let cost = |(k, l): &(String, &str)| k.chars().count() + l.chars().count() + 4;
    let must: usize = keys.iter().rev().take(2).map(cost).sum();
    let mut room = usize::from(area.width).saturating_sub(must);
    let mut spans = Vec::new();
    if ui.look.read_only {
        spans.push(Span::styled(" READ-ONLY ", t.strong(t.warn)));
        room = room.saturating_sub(11);
    } else if ui.link.conn == Conn::Reconnecting {
        spans.push(Span::styled(" actions wait for LIVE ", t.strong(t.warn)));
        room = room.saturating_sub(23);
    }
    let (optional, last) = keys.split_at(keys.len().saturating_sub(2));
    for hint in optional {
        if cost(hint) > room {
            break;
        }
        room -= cost(hint);
        push(&mut spans, ui, hint);
    }
    for hint in last {
        push(&mut spans, ui, hint);
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn push(spans: &mut Vec<Span<'static>>, ui: &State, (key, label): &(String, &str)) {
    let t = &ui.look.theme;
    spans.push(Span::styled(format!(" {key} "), t.selected()));
    spans.push(Span::styled(format!(" {label} "), t.muted()));
}
