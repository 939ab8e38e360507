//! Dialogs over the panes: confirmations (the kill switch asks for a typed word), pickers,
//! input lines (command line, note, filter, weight) and the key help.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use super::block;
use crate::tui::app::{App, Modal};

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    let [_, v, _] = Layout::vertical([
        Constraint::Fill(1),
        Constraint::Length(h),
        Constraint::Fill(1),
    ])
    .areas(area);
    let [_, c, _] = Layout::horizontal([
        Constraint::Fill(1),
        Constraint::Length(w),
        Constraint::Fill(1),
    ])
    .areas(v);
    c
}

/// Draws the open dialog, if any.
pub fn render(f: &mut Frame, area: Rect, app: &App) {
    let Some(modal) = &app.modal else { return };
    let t = &app.theme;
    let (title, lines): (String, Vec<Line>) = match modal {
        Modal::Confirm {
            title,
            lines,
            typed,
            ..
        } => {
            let mut out: Vec<Line> = lines
                .iter()
                .map(|l| Line::from(Span::styled(l.clone(), t.text())))
                .collect();
            out.push(Line::raw(""));
            match typed {
                Some((word, input)) => out.push(Line::from(vec![
                    Span::styled(format!("type {word}: "), t.strong(t.crit)),
                    Span::styled(format!("{input}_"), t.strong(t.fg)),
                ])),
                None => out.push(Line::from(Span::styled(
                    "Enter or y confirms · Esc cancels",
                    t.muted(),
                ))),
            }
            (format!(" {title} "), out)
        }
        Modal::Picker {
            title,
            items,
            selected,
            ..
        } => {
            // Keep the highlighted choice in view when the list is taller than the screen.
            let room = usize::from(area.height.saturating_sub(4)).max(1);
            let start = selected.saturating_sub(room - 1);
            let out = items
                .iter()
                .enumerate()
                .skip(start)
                .take(room)
                .map(|(i, item)| {
                    Line::from(Span::styled(
                        format!(" {item} "),
                        if i == *selected {
                            t.selected()
                        } else {
                            t.text()
                        },
                    ))
                })
                .collect();
            (format!(" {title} ({}/{}) ", selected + 1, items.len()), out)
        }
        Modal::Input { prompt, text, .. } => (
            format!(" {prompt} "),
            vec![
                Line::from(Span::styled(format!("{text}_"), t.strong(t.fg))),
                Line::from(Span::styled(
                    "Enter runs · Esc cancels · e.g. rollback sales, kill, theme light",
                    t.muted(),
                )),
            ],
        ),
        Modal::Help => {
            let mut out: Vec<Line> = app
                .keymap
                .bindings()
                .map(|(k, a)| {
                    Line::from(vec![
                        Span::styled(format!("{k:>6} "), t.strong(t.accent)),
                        Span::styled(format!("{a:?}"), t.text()),
                    ])
                })
                .collect();
            out.push(Line::from(Span::styled("Esc closes · keys from assets/keymap.toml, yours from $XDG_CONFIG_HOME/cutover/keymap.toml", t.muted())));
            (" Keys ".into(), out)
        }
    };
    let height = u16::try_from(lines.len()).unwrap_or(20).saturating_add(2);
    let rect = centered(area, 76, height);
    f.render_widget(Clear, rect);
    f.render_widget(
        Paragraph::new(lines)
            .block(block(app, &title))
            .wrap(Wrap { trim: false }),
        rect,
    );
}
