//! An input line: the `:` command line, a note, the row filter, a weight. Typing edits it,
//! Backspace deletes a character, `C-u` the whole line and `C-w` the last word; Enter submits.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::Outcome;

/// What an input line is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// `:` commands.
    Command,
    /// A note for the journal.
    Note,
    /// Row filter.
    Filter,
    /// Timeline filter.
    EventFilter,
    /// `set-weight COHORT PCT`.
    Weight,
}

/// An input dialog.
#[derive(Debug, Clone, PartialEq)]
pub struct Input {
    /// Prompt.
    pub prompt: String,
    /// What was typed.
    pub text: String,
    /// What for.
    pub purpose: Purpose,
    /// The revision on screen when it opened.
    pub revision: Option<u64>,
}

impl Input {
    /// An input line starting with `text`.
    #[must_use]
    pub fn new(prompt: &str, text: &str, purpose: Purpose, revision: Option<u64>) -> Input {
        Input {
            prompt: prompt.to_owned(),
            text: text.to_owned(),
            purpose,
            revision,
        }
    }

    /// Handles a key; Enter submits the trimmed text.
    pub fn on_key(&mut self, key: KeyEvent) -> Outcome<String> {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Esc => return Outcome::Close,
            KeyCode::Enter => return Outcome::Submit(self.text.trim().to_owned()),
            KeyCode::Char('u') if ctrl => self.text.clear(),
            KeyCode::Char('w') if ctrl => {
                let kept = self.text.trim_end().len();
                let cut = self.text[..kept].rfind(' ').map_or(0, |i| i + 1);
                self.text.truncate(cut);
            }
            KeyCode::Char(_) if ctrl => {}
            KeyCode::Char(c) => self.text.push(c),
            KeyCode::Backspace => {
                self.text.pop();
            }
            _ => {}
        }
        Outcome::Stay
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_edits_like_a_shell() {
        let mut input = Input::new(":", "rollback sales", Purpose::Command, None);
        let ctrl = |c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL);
        assert_eq!(input.on_key(ctrl('w')), Outcome::Stay);
        assert_eq!(input.text, "rollback ");
        input.on_key(ctrl('u'));
        assert_eq!(input.text, "");
        input.on_key(KeyEvent::from(KeyCode::Char('p')));
        input.on_key(ctrl('x'));
        assert_eq!(input.text, "p", "other control keys type nothing");
        assert_eq!(
            input.on_key(KeyEvent::from(KeyCode::Enter)),
            Outcome::Submit("p".into())
        );
    }
}
