//! The key help: every binding of the keymap with what it does, grouped, then the `:`
//! commands; scrolled with `j`/`k` and the page keys (it is longer than an 80×24 screen);
//! Esc, `q` or `?` close it.

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use super::Outcome;

/// The `:` commands, with what they take and do.
pub const COMMANDS: &[(&str, &str)] = &[
    ("advance", "leave the current step (gates must pass)"),
    ("pause", "stop automatic progress"),
    (
        "resume [TARGET]",
        "resume; a target also releases its rollback or kill switch",
    ),
    (
        "rollback TARGET",
        "a cohort, a department or all back to legacy",
    ),
    ("kill [SWITCH]", "the global kill switch, or a named one"),
    ("approve GATE", "give a sign-off"),
    (
        "set-weight COHORT PCT",
        "a cohort on canary at a percentage",
    ),
    ("ack ALERT", "acknowledge an alert on the server"),
    ("note TEXT", "write a note in the journal"),
    ("theme NAME", "dark, light, high-contrast, mono, prod"),
    ("messages", "the status messages so far"),
    ("help", "this help"),
    ("quit", "leave"),
];

/// The help dialog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Help {
    /// Lines scrolled past.
    pub scroll: u16,
}

impl Help {
    /// Handles a key.
    pub fn on_key(&mut self, key: KeyEvent) -> Outcome<()> {
        match key.code {
            KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q' | '?') => return Outcome::Close,
            KeyCode::Down | KeyCode::Char('j') => self.scroll = self.scroll.saturating_add(1),
            KeyCode::Up | KeyCode::Char('k') => self.scroll = self.scroll.saturating_sub(1),
            KeyCode::PageDown | KeyCode::Char(' ') => self.scroll = self.scroll.saturating_add(10),
            KeyCode::PageUp => self.scroll = self.scroll.saturating_sub(10),
            KeyCode::Char('g') => self.scroll = 0,
            _ => {}
        }
        Outcome::Stay
    }
}
