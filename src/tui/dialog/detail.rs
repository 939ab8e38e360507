//! Why: the detail of one thing — a cohort, an event or an alert — over the panes, scrolled
//! with `j`/`k` and the page keys, closed with Esc, `q` or Enter. It only names its subject;
//! the lines are drawn from the live state every frame, so a cohort's detail stays current.

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use super::Outcome;
use crate::wire::Event;

/// What the detail is about.
#[derive(Debug, Clone, PartialEq)]
pub enum Subject {
    /// A cohort, by id.
    Cohort(String),
    /// An event (as it was when opened).
    Event(Box<Event>),
    /// An alert, by key.
    Alert(String),
    /// The status messages so far (`:messages`).
    Messages,
}

/// The detail dialog.
#[derive(Debug, Clone, PartialEq)]
pub struct Detail {
    /// What it is about.
    pub subject: Subject,
    /// Lines scrolled past.
    pub scroll: u16,
}

impl Detail {
    /// A detail of `subject`, at the top.
    #[must_use]
    pub fn new(subject: Subject) -> Detail {
        Detail { subject, scroll: 0 }
    }

    /// Handles a key.
    pub fn on_key(&mut self, key: KeyEvent) -> Outcome<()> {
        match key.code {
            KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q') => return Outcome::Close,
            KeyCode::Down | KeyCode::Char('j') => self.scroll = self.scroll.saturating_add(1),
            KeyCode::Up | KeyCode::Char('k') => self.scroll = self.scroll.saturating_sub(1),
            KeyCode::PageDown => self.scroll = self.scroll.saturating_add(10),
            KeyCode::PageUp => self.scroll = self.scroll.saturating_sub(10),
            KeyCode::Char('g') => self.scroll = 0,
            _ => {}
        }
        Outcome::Stay
    }
}
