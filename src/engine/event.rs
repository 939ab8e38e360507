//! What the engine tells the world: journaled transitions (with the before and after of what
//! changed), refusals, and alerts firing or resolving. Each event renders as one line for the
//! timeline and for tests: `advance by alice: pilot/mon-5 → pilot/tue-10 (bake over)`.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::action::Refusal;
use super::command::Command;
use super::live::FiringAlert;
use crate::plan::Tier;
use crate::time::Timestamp;

/// A journaled change of the durable state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transition {
    /// The revision after it.
    pub revision: u64,
    /// When.
    pub at: Timestamp,
    /// Who: a token's name, `rule:<id>`, or `engine`.
    pub actor: String,
    /// What.
    pub command: Command,
    /// Why.
    pub reason: String,
    /// The idempotency key of the action that caused it.
    pub idempotency_key: Option<String>,
    /// What changed, as it was.
    pub before: Value,
    /// What changed, as it is.
    pub after: Value,
}

/// Something that happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum EventKind {
    /// A journaled transition.
    Transition(Transition),
    /// An action was refused.
    Refused {
        /// Who asked.
        actor: String,
        /// What they asked, as typed.
        action: String,
        /// Why not.
        refusal: Refusal,
    },
    /// An alert started firing or changed tier.
    AlertFired {
        /// The alert now.
        alert: FiringAlert,
        /// The tier before, if it was already firing.
        previous: Option<Tier>,
    },
    /// An alert stopped firing.
    AlertResolved {
        /// The alert key.
        key: String,
        /// Why.
        reason: String,
    },
}

/// An event with its time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// When.
    pub at: Timestamp,
    /// What.
    #[serde(flatten)]
    pub kind: EventKind,
}

fn compact(v: &Value) -> String {
    match v {
        Value::Object(m) if m.is_empty() => "nothing".into(),
        Value::Object(m) => m
            .iter()
            .map(|(k, v)| format!("{k}: {}", compact(v)))
            .collect::<Vec<_>>()
            .join(", "),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl fmt::Display for Transition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match &self.command {
            Command::Advance { to } => format!("advance to {to}"),
            Command::Complete => "complete".into(),
            Command::Pause => "pause".into(),
            Command::Resume { release: None } => "resume".into(),
            Command::Resume { release: Some(r) } => format!("resume {r}"),
            Command::Rollback { target } => format!("rollback {target}"),
            Command::Kill { switch: None } => "kill".into(),
            Command::Kill { switch: Some(s) } => format!("kill {s}"),
            Command::Approve { gate } => format!("approve {gate}"),
            Command::SetWeight { cohort, weight } => format!("set-weight {cohort} {weight}"),
            Command::Ack { alert } => format!("ack {alert}"),
            Command::Note { text } => format!("note {text:?}"),
            Command::Settle => "rollback settled".into(),
        };
        write!(f, "{what} by {}", self.actor)?;
        if !self.reason.is_empty() {
            write!(f, " ({})", self.reason)?;
        }
        if self.after.as_object().is_some_and(|m| !m.is_empty()) {
            write!(f, ": {} → {}", compact(&self.before), compact(&self.after))?;
        }
        Ok(())
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EventKind::Transition(t) => t.fmt(f),
            EventKind::Refused {
                actor,
                action,
                refusal,
            } => write!(f, "refused {action} by {actor}: {refusal}"),
            EventKind::AlertFired { alert, previous } => {
                let verb = match previous {
                    None => "fired",
                    Some(p) if *p < alert.tier => "escalated",
                    Some(_) => "eased",
                };
                write!(f, "alert {} {verb} {}", alert.key, alert.tier.name())?;
                if let (Some(v), Some(t)) = (alert.value, alert.threshold) {
                    write!(f, " ({} vs {t})", (v * 10_000.0).round() / 10_000.0)?;
                }
                if let Some(a) = &alert.action {
                    write!(f, ": {a}")?;
                }
                Ok(())
            }
            EventKind::AlertResolved { key, reason } => write!(f, "alert {key} resolved: {reason}"),
        }
    }
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.kind.fmt(f)
    }
}
