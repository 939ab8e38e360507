//! The footer: key hints from the keymap, or the newest toast (errors in the critical colour,
//! with the server's reason).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::tui::keymap::UiAction;
use crate::tui::state::State;

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
    let hints = [
        (UiAction::Advance, "advance"),
        (UiAction::PauseResume, "pause"),
        (UiAction::Rollback, "rollback"),
        (UiAction::Kill, "KILL"),
        (UiAction::Ack, "ack"),
        (UiAction::NextView, "views"),
        (UiAction::Command, "cmd"),
        (UiAction::Help, "help"),
        (UiAction::Quit, "quit"),
    ];
    let mut spans = Vec::new();
    for (action, label) in hints {
        if let Some(key) = ui.look.keymap.key_for(action) {
            spans.push(Span::styled(format!(" {key} "), t.selected()));
            spans.push(Span::styled(format!(" {label} "), t.muted()));
        }
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}
