//! A picker: a list of choices, moved through with `j`/`k` or the arrows, chosen with Enter.
//! It remembers what it picks for and the revision on screen when it opened.

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use super::Outcome;

/// What the pick is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pick {
    /// A department or cohort to roll back.
    Rollback,
    /// A kill switch (the first choice is the global one).
    Kill,
    /// A sign-off gate.
    Approve,
    /// An alert to acknowledge.
    Ack,
}

/// One choice: what is shown and what it stands for (`None`: the global kill switch).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    /// Shown.
    pub label: String,
    /// Stands for.
    pub value: Option<String>,
}

impl Choice {
    /// A choice shown as its value.
    #[must_use]
    pub fn plain(value: &str) -> Choice {
        Choice {
            label: value.to_owned(),
            value: Some(value.to_owned()),
        }
    }
}

/// A picker dialog.
#[derive(Debug, Clone, PartialEq)]
pub struct Picker {
    /// Title.
    pub title: String,
    /// Choices.
    pub items: Vec<Choice>,
    /// Highlighted choice.
    pub selected: usize,
    /// What for.
    pub pick: Pick,
    /// The revision on screen when it opened.
    pub revision: Option<u64>,
}

impl Picker {
    /// A picker over `items`, the first highlighted.
    #[must_use]
    pub fn new(title: &str, pick: Pick, items: Vec<Choice>, revision: Option<u64>) -> Picker {
        Picker {
            title: title.to_owned(),
            items,
            selected: 0,
            pick,
            revision,
        }
    }

    /// Handles a key; Enter submits the highlighted choice.
    pub fn on_key(&mut self, key: KeyEvent) -> Outcome<Choice> {
        let last = self.items.len().saturating_sub(1);
        match key.code {
            KeyCode::Esc => Outcome::Close,
            KeyCode::Enter => self
                .items
                .get(self.selected)
                .cloned()
                .map_or(Outcome::Close, Outcome::Submit),
            KeyCode::Down | KeyCode::Char('j') => {
                self.selected = (self.selected + 1).min(last);
                Outcome::Stay
            }
            KeyCode::Up | KeyCode::Char('k') => {
                self.selected = self.selected.saturating_sub(1);
                Outcome::Stay
            }
            _ => Outcome::Stay,
        }
    }
}
