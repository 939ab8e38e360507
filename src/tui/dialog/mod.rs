//! Dialogs over the panes, each its own type with `on_key -> Outcome`: a confirmation (with a
//! word to type for the kill switch), a picker, an input line and the key help. A dialog knows
//! nothing of the server; `update` turns what it submits into effects.

pub mod confirm;
pub mod detail;
pub mod help;
pub mod input;
pub mod picker;

pub use confirm::{Confirm, Focus, PreviewState};
pub use detail::{Detail, Subject};
pub use help::Help;
pub use input::{Input, Purpose};
pub use picker::{Choice, Pick, Picker};

/// What a key did to a dialog.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome<T> {
    /// Still open.
    Stay,
    /// Closed with nothing done.
    Close,
    /// Closed with a result.
    Submit(T),
    /// Still open; tell the operator this.
    Say(String),
}

/// The open dialog.
#[derive(Debug, Clone, PartialEq)]
pub enum Dialog {
    /// Confirm an action.
    Confirm(Confirm),
    /// Pick a target.
    Picker(Picker),
    /// Type a line.
    Input(Input),
    /// The keys.
    Help(Help),
    /// Why: a cohort's, event's or alert's detail.
    Detail(Detail),
}
