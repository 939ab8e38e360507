//! A confirmation: what will happen, and Enter (or `y`) to send the action. With a word to
//! type (the kill switch's `KILL`), only once it is typed exactly. The action carries the
//! revision on screen when the dialog opened: if the rollout moves on meanwhile, Enter still
//! sends that decision, and the server refuses it as stale.

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use super::Outcome;
use crate::wire::ActionRequest;

/// A word that must be typed to confirm, and what was typed so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Typed {
    /// The word (`KILL`).
    pub word: String,
    /// What was typed.
    pub input: String,
}

/// A confirmation dialog.
#[derive(Debug, Clone, PartialEq)]
pub struct Confirm {
    /// Title.
    pub title: String,
    /// What will happen.
    pub lines: Vec<String>,
    /// What Enter sends.
    pub request: ActionRequest,
    /// A word to type first, if any.
    pub typed: Option<Typed>,
}

impl Confirm {
    /// A confirmation that Enter or `y` accepts.
    #[must_use]
    pub fn new(title: &str, lines: Vec<String>, request: ActionRequest) -> Confirm {
        Confirm {
            title: title.to_owned(),
            lines,
            request,
            typed: None,
        }
    }

    /// A confirmation that needs `word` typed first.
    #[must_use]
    pub fn typed(mut self, word: &str) -> Confirm {
        self.typed = Some(Typed {
            word: word.to_owned(),
            input: String::new(),
        });
        self
    }

    /// Handles a key.
    pub fn on_key(&mut self, key: KeyEvent) -> Outcome<ActionRequest> {
        if key.code == KeyCode::Esc {
            return Outcome::Close;
        }
        match (&mut self.typed, key.code) {
            (None, KeyCode::Enter | KeyCode::Char('y')) => Outcome::Submit(self.request.clone()),
            (Some(t), KeyCode::Enter) if t.input == t.word => Outcome::Submit(self.request.clone()),
            (Some(t), KeyCode::Enter) => {
                t.input.clear();
                Outcome::Say(format!("type {} exactly to confirm", t.word))
            }
            (Some(t), KeyCode::Char(c)) => {
                t.input.push(c);
                Outcome::Stay
            }
            (Some(t), KeyCode::Backspace) => {
                t.input.pop();
                Outcome::Stay
            }
            _ => Outcome::Stay,
        }
    }
}
