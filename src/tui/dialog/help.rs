//! The key help: every binding of the keymap. Any key closes it.

use ratatui::crossterm::event::KeyEvent;

use super::Outcome;

/// The help dialog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Help;

impl Help {
    /// Handles a key: any key closes the help.
    #[must_use]
    pub fn on_key(self, _key: KeyEvent) -> Outcome<()> {
        Outcome::Close
    }
}
