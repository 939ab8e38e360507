//! A confirmation: what will happen — a preview computed by the server (a dry run of the very
//! action through the engine), or why there is none — the reason to record, pre-filled and
//! editable, and Enter to send. The kill switch also asks for a word typed first (`KILL`).
//! The action carries the revision on screen when the dialog opened: if the rollout moves on
//! meanwhile, Enter still sends that decision, and the server refuses it as stale. Without a
//! preview (an error, a slow server) the dialog says so and still works.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::Outcome;
use crate::wire::{ActionRequest, Preview};

/// A word that must be typed to confirm, and what was typed so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Typed {
    /// The word (`KILL`).
    pub word: String,
    /// What was typed.
    pub input: String,
}

/// The server's preview of the action.
#[derive(Debug, Clone, PartialEq)]
pub enum PreviewState {
    /// Asked, no answer yet.
    Asking,
    /// What it would do.
    Ready(Box<Preview>),
    /// None to be had, and why.
    Unavailable(String),
}

/// Which line typing goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    /// The word to type.
    Word,
    /// The reason.
    Reason,
}

/// A confirmation dialog.
#[derive(Debug, Clone, PartialEq)]
pub struct Confirm {
    /// Title.
    pub title: String,
    /// What will happen, in words.
    pub lines: Vec<String>,
    /// What Enter sends (with the reason as edited).
    pub request: ActionRequest,
    /// A word to type first, if any.
    pub typed: Option<Typed>,
    /// The reason to record, as edited.
    pub reason: String,
    /// Where typing goes.
    pub focus: Focus,
    /// The server's preview.
    pub preview: PreviewState,
}

impl Confirm {
    /// A confirmation that Enter accepts, with the request's reason to edit.
    #[must_use]
    pub fn new(title: &str, lines: Vec<String>, request: ActionRequest) -> Confirm {
        Confirm {
            title: title.to_owned(),
            lines,
            reason: request.reason.clone(),
            request,
            typed: None,
            focus: Focus::Reason,
            preview: PreviewState::Asking,
        }
    }

    /// A confirmation that needs `word` typed first.
    #[must_use]
    pub fn typed(mut self, word: &str) -> Confirm {
        self.typed = Some(Typed {
            word: word.to_owned(),
            input: String::new(),
        });
        self.focus = Focus::Word;
        self
    }

    fn field(&mut self) -> &mut String {
        match (&mut self.typed, self.focus) {
            (Some(t), Focus::Word) => &mut t.input,
            _ => &mut self.reason,
        }
    }

    /// Handles a key: typing edits the focused line (Tab switches between the word and the
    /// reason), Enter sends, Esc cancels.
    pub fn on_key(&mut self, key: KeyEvent) -> Outcome<ActionRequest> {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Esc => return Outcome::Close,
            KeyCode::Enter => {
                if let Some(t) = &mut self.typed
                    && t.input != t.word
                {
                    t.input.clear();
                    self.focus = Focus::Word;
                    return Outcome::Say(format!("type {} exactly to confirm", t.word));
                }
                let mut request = self.request.clone();
                self.reason.trim().clone_into(&mut request.reason);
                return Outcome::Submit(request);
            }
            KeyCode::Tab | KeyCode::BackTab if self.typed.is_some() => {
                self.focus = match self.focus {
                    Focus::Word => Focus::Reason,
                    Focus::Reason => Focus::Word,
                };
            }
            KeyCode::Char('u') if ctrl => self.field().clear(),
            KeyCode::Char(_) if ctrl => {}
            KeyCode::Char(c) => self.field().push(c),
            KeyCode::Backspace => {
                self.field().pop();
            }
            _ => {}
        }
        Outcome::Stay
    }
}
