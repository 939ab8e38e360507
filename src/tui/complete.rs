//! Tab completion for the `:` command line: the command first (`rol` → `rollback `), then its
//! target from what the rollout has — departments and cohorts, kill switches, sign-offs that
//! are waiting, alerts firing, themes. A unique match completes; several complete to what they
//! share and are listed.

use super::dialog::help::COMMANDS;
use super::state::State;

/// What `verb` can take, from the state.
fn targets(state: &State, verb: &str) -> Vec<String> {
    let Some(snap) = &state.snap else {
        return Vec::new();
    };
    let places = || {
        let mut out: Vec<String> = state.departments();
        out.extend(snap.state.cohorts.iter().map(|c| c.id.clone()));
        out
    };
    match verb {
        "rollback" | "resume" => {
            let mut out = places();
            out.push("all".into());
            out.extend(snap.switches.iter().cloned());
            out
        }
        "set-weight" => snap.state.cohorts.iter().map(|c| c.id.clone()).collect(),
        "kill" => snap.switches.clone(),
        "approve" => snap
            .gates
            .iter()
            .filter(|g| g.awaits_signoff())
            .map(|g| g.id.clone())
            .collect(),
        "ack" => snap.alerts.iter().map(|a| a.key.clone()).collect(),
        "theme" => super::theme::THEMES
            .iter()
            .map(|(name, _)| (*name).to_owned())
            .collect(),
        _ => Vec::new(),
    }
}

fn common_prefix(words: &[&String]) -> String {
    let Some(first) = words.first() else {
        return String::new();
    };
    let mut len = first.len();
    for w in words {
        len = len.min(
            first
                .char_indices()
                .zip(w.chars())
                .take_while(|((_, a), b)| a == b)
                .count(),
        );
    }
    first.chars().take(len).collect()
}

/// Completes `text`; returns the new text and, when several matched, the candidates.
#[must_use]
pub fn complete(state: &State, text: &str) -> (String, Vec<String>) {
    let text = text.trim_start();
    let (verb, rest) = match text.split_once(' ') {
        Some((v, r)) => (v, Some(r.trim_start())),
        None => (text, None),
    };
    let (head, word, options): (String, &str, Vec<String>) = match rest {
        None => (
            String::new(),
            verb,
            COMMANDS
                .iter()
                .map(|(c, _)| c.split(' ').next().unwrap_or(c).to_owned())
                .collect(),
        ),
        Some(r) => (format!("{verb} "), r, targets(state, verb)),
    };
    let matches: Vec<&String> = options.iter().filter(|o| o.starts_with(word)).collect();
    match matches.as_slice() {
        [] => (text.to_owned(), Vec::new()),
        [one] => (format!("{head}{one} "), Vec::new()),
        many => {
            let shared = common_prefix(many);
            let listed = many.iter().map(|s| (*s).clone()).collect();
            (format!("{head}{shared}"), listed)
        }
    }
}
