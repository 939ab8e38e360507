//! The action API (`POST /v1/actions`): one [`Action`] enum, carried in one envelope
//! ([`ActionRequest`]) with the idempotency key, the revision the decision was made on and the
//! reason; the answer ([`ActionReply`]) or the refusal ([`ErrorBody`]). The CLI and the
//! dashboard build an `Action` directly; the text form (`rollback sales`) is only for people
//! typing at the dashboard's `:` prompt and in test fixtures.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::report::Gate;
use super::state::StateView;

/// An operator action, as it crosses the wire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
pub enum Action {
    /// Leave the current step once its gates pass.
    Advance,
    /// Stop automatic progress.
    Pause,
    /// Resume; with a target, also release its rollback (or disengage a named kill switch).
    Resume {
        /// Cohort, department, `all`, or a kill switch.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        target: Option<String>,
    },
    /// Send a cohort, a department or everything back to legacy.
    Rollback {
        /// Cohort (`department/cohort`), department or `all`.
        target: String,
    },
    /// The global kill switch, or a named one.
    Kill {
        /// A named kill switch; none means the global one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        target: Option<String>,
    },
    /// Sign off a gate.
    Approve {
        /// The sign-off gate's id.
        target: String,
    },
    /// Put a cohort on canary at a percentage.
    #[serde(alias = "set_weight")]
    SetWeight {
        /// `department/cohort`.
        target: String,
        /// Percentage on enhanced, 0–100.
        value: f64,
    },
    /// Acknowledge a firing alert.
    Ack {
        /// `rule@scope` or `am:<key>`.
        target: String,
    },
    /// Write a note in the journal.
    Note {
        /// The note (empty: the reason is the note).
        #[serde(default)]
        text: String,
    },
}

/// What every action verb is, for help and errors.
pub const VERBS: &str = "advance, pause, resume, rollback, kill, approve, set-weight, ack, note";

impl Action {
    /// The action's verb as typed.
    #[must_use]
    pub fn verb(&self) -> &'static str {
        match self {
            Action::Advance => "advance",
            Action::Pause => "pause",
            Action::Resume { .. } => "resume",
            Action::Rollback { .. } => "rollback",
            Action::Kill { .. } => "kill",
            Action::Approve { .. } => "approve",
            Action::SetWeight { .. } => "set-weight",
            Action::Ack { .. } => "ack",
            Action::Note { .. } => "note",
        }
    }

    /// Parses the text form people type: `rollback sales`, `set-weight sales/designers 25`
    /// (a percentage; `25%` and `2500bp` also work), `note watching revenue`.
    pub fn parse(text: &str) -> Result<Action, String> {
        let text = text.trim();
        let (verb, rest) = text
            .split_once(char::is_whitespace)
            .map_or((text, ""), |(v, r)| (v, r.trim()));
        let arg = |what: &str| {
            if rest.is_empty() {
                Err(format!("`{verb}` needs {what}"))
            } else {
                Ok(rest.to_owned())
            }
        };
        let optional = || (!rest.is_empty()).then(|| rest.to_owned());
        let none = |a: Action| {
            if rest.is_empty() {
                Ok(a)
            } else {
                Err(format!("`{verb}` takes no argument"))
            }
        };
        match verb {
            "advance" => none(Action::Advance),
            "pause" => none(Action::Pause),
            "resume" => Ok(Action::Resume { target: optional() }),
            "rollback" => Ok(Action::Rollback {
                target: arg("a cohort, a department or `all`")?,
            }),
            "kill" => Ok(Action::Kill { target: optional() }),
            "approve" => Ok(Action::Approve {
                target: arg("a gate id")?,
            }),
            "ack" => Ok(Action::Ack {
                target: arg("an alert (rule@scope)")?,
            }),
            "note" => Ok(Action::Note {
                text: arg("some text")?,
            }),
            "set-weight" => {
                let (cohort, pct) = rest.split_once(char::is_whitespace).ok_or(
                    "`set-weight` needs a cohort and a percentage, e.g. `set-weight sales/designers 25`",
                )?;
                Ok(Action::SetWeight {
                    target: cohort.to_owned(),
                    value: parse_percent(pct.trim())?,
                })
            }
            "" => Err(format!("type an action: {VERBS}")),
            other => Err(format!("unknown action `{other}` ({VERBS})")),
        }
    }
}

/// A percentage as people write it: `25`, `12.5%` or `1250bp`, within 0–100.
pub fn parse_percent(text: &str) -> Result<f64, String> {
    let bad = || format!("`{text}` is not a weight (write 25, \"25%\" or \"2500bp\")");
    let pct = if let Some(bp) = text.strip_suffix("bp") {
        bp.trim().parse::<f64>().map_err(|_| bad())? / 100.0
    } else {
        let digits = text.strip_suffix('%').unwrap_or(text).trim();
        digits.parse::<f64>().map_err(|_| bad())?
    };
    if !(0.0..=100.0).contains(&pct) {
        return Err(format!("weight `{text}` is outside 0–100 %"));
    }
    Ok(pct)
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::Advance
            | Action::Pause
            | Action::Resume { target: None }
            | Action::Kill { target: None } => f.write_str(self.verb()),
            Action::Resume { target: Some(t) }
            | Action::Kill { target: Some(t) }
            | Action::Rollback { target: t }
            | Action::Approve { target: t }
            | Action::Ack { target: t } => write!(f, "{} {t}", self.verb()),
            Action::SetWeight { target, value } => write!(f, "set-weight {target} {value}%"),
            Action::Note { text } => write!(f, "note {text}"),
        }
    }
}

/// The body of `POST /v1/actions`: the action and what every action carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionRequest {
    /// What.
    #[serde(flatten)]
    pub action: Action,
    /// Why, in the operator's words (recorded in the journal).
    #[serde(default)]
    pub reason: String,
    /// Repeats with the same key are answered with the first result and change nothing.
    #[serde(default)]
    pub idempotency_key: Option<String>,
    /// The revision the decision was made on; another current revision refuses it (not kill).
    #[serde(default)]
    pub expected_revision: Option<u64>,
    /// Only say what the action would do: nothing changes, nothing is journaled, and the
    /// idempotency key is neither checked nor remembered. Answered with a [`Preview`].
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dry_run: bool,
}

/// What an action would do (the answer to a dry run).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Preview {
    /// The revision it was decided on.
    pub revision: u64,
    /// `None` if it would be applied; the refusal it would get otherwise.
    pub refusal: Option<ErrorBody>,
    /// Set when it would change nothing because what it asks is already so.
    pub unchanged: Option<String>,
    /// What would change, in order.
    pub changes: Vec<Change>,
    /// The exit gates now.
    pub gates: Vec<Gate>,
    /// The state it would leave.
    pub state: StateView,
}

/// One thing an action would change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// What (`status`, `step`, a cohort id, `kill switch pause-all`, `flag checkout.x`).
    pub what: String,
    /// As it is.
    pub from: String,
    /// As it would be.
    pub to: String,
}

/// What differs between two states, for people: status, step, each cohort's mode and weight,
/// kill switches, flags.
#[must_use]
pub fn changes(before: &StateView, after: &StateView) -> Vec<Change> {
    let mut out = Vec::new();
    let mut push = |what: String, from: String, to: String| {
        if from != to {
            out.push(Change { what, from, to });
        }
    };
    push(
        "status".into(),
        before.status.label().into(),
        after.status.label().into(),
    );
    push(
        "step".into(),
        format!("{}/{}", before.phase, before.step),
        format!("{}/{}", after.phase, after.step),
    );
    let serving = |c: &super::state::CohortView| {
        if c.mode == super::state::Mode::Canary {
            format!("canary {}", super::format::percent(c.weight_bp))
        } else {
            c.mode.name().to_owned()
        }
    };
    for (b, a) in before.cohorts.iter().zip(&after.cohorts) {
        push(b.id.clone(), serving(b), serving(a));
    }
    for s in after
        .kill_switches
        .iter()
        .filter(|s| !before.kill_switches.contains(s))
    {
        push(format!("kill switch {s}"), "off".into(), "engaged".into());
    }
    for s in before
        .kill_switches
        .iter()
        .filter(|s| !after.kill_switches.contains(s))
    {
        push(format!("kill switch {s}"), "engaged".into(), "off".into());
    }
    for (name, value) in &after.flags {
        let was = before
            .flags
            .get(name)
            .map_or("unset".into(), ToString::to_string);
        push(format!("flag {name}"), was, value.to_string());
    }
    for (gate, by) in after
        .approvals
        .iter()
        .filter(|(g, _)| !before.approvals.contains_key(*g))
    {
        push(
            format!("sign-off {gate}"),
            "waiting".into(),
            format!("given by {by}"),
        );
    }
    out
}

/// The success body of `POST /v1/actions`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionReply {
    /// The revision after the action.
    pub revision: u64,
    /// Whether this repeated an earlier idempotency key (nothing changed).
    pub duplicate: bool,
    /// Set when what was asked is already so (a second kill): why nothing changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unchanged: Option<String>,
    /// The state after the action.
    pub state: StateView,
}

/// The error body of every API refusal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// A short code: `forbidden`, `stale_revision`, `gates_failing`, `not_allowed`, …
    pub error: String,
    /// What happened, for people.
    pub message: String,
    /// For `stale_revision`: the current revision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_revision: Option<u64>,
    /// For `gates_failing`: every exit gate.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gates: Vec<Gate>,
}

impl ErrorBody {
    /// An error with a code and a message.
    #[must_use]
    pub fn new(code: &str, message: impl Into<String>) -> ErrorBody {
        ErrorBody {
            error: code.to_owned(),
            message: message.into(),
            current_revision: None,
            gates: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_text_round_trips() {
        for text in [
            "advance",
            "pause",
            "resume",
            "resume sales",
            "rollback all",
            "kill",
            "kill pause-all",
            "approve cfo-signoff",
            "set-weight sales/designers 25%",
            "ack error-rate@sales",
            "note watching revenue",
        ] {
            let action = Action::parse(text).unwrap();
            assert_eq!(action.to_string(), text);
        }
        assert_eq!(
            Action::parse("set-weight sales/x 12.5").unwrap(),
            Action::SetWeight {
                target: "sales/x".into(),
                value: 12.5
            }
        );
        assert_eq!(
            Action::parse("set-weight sales/x 1250bp").unwrap(),
            Action::parse("set-weight sales/x 12.5%").unwrap()
        );
    }

    #[test]
    fn bad_action_text_says_what_is_missing() {
        for (text, expected) in [
            ("rollback", "`rollback` needs a cohort"),
            ("advance now", "takes no argument"),
            ("launch", "unknown action `launch`"),
            ("set-weight sales/x", "needs a cohort and a percentage"),
            ("set-weight sales/x 120", "outside 0–100 %"),
            ("set-weight sales/x lots", "is not a weight"),
            ("note   ", "`note` needs some text"),
            ("", "type an action"),
        ] {
            let err = Action::parse(text).unwrap_err();
            assert!(err.contains(expected), "{text}: {err}");
        }
    }

    #[test]
    fn the_envelope_carries_the_action_flat() {
        let json = r#"{"action": "set_weight", "target": "sales/x", "value": 25, "reason": "r"}"#;
        let body: ActionRequest = serde_json::from_str(json).unwrap();
        assert_eq!(
            body.action,
            Action::SetWeight {
                target: "sales/x".into(),
                value: 25.0
            }
        );
        assert_eq!(body.reason, "r");
        let back = serde_json::to_value(&body).unwrap();
        assert_eq!(back["action"], "set-weight");
        assert_eq!(back["target"], "sales/x");
    }
}
