//! What happened: journaled transitions (with the before and after of what changed, and the
//! decided command), refusals with their reason, alerts firing or resolving; and the journal
//! records `GET /v1/events` pages through. Each event renders as one line for the timeline and
//! the CLI: `advance to pilot/tue-10 by alice (bake over)`.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::report::{Alert, Gate, Tier};
use super::state::Role;
use super::{Millis, format};

/// A decided change of the durable state, as the journal stores it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum Command {
    /// Enter a step (`phase/step`).
    Advance {
        /// The step entered.
        to: String,
    },
    /// The last step was left.
    Complete,
    /// Stop automatic progress.
    Pause,
    /// Run again; release a target's rollback, a named kill switch, or (`all`) everything.
    Resume {
        /// What to release, if anything.
        release: Option<String>,
    },
    /// Hold a target on legacy.
    Rollback {
        /// Cohort, department or `all`.
        target: String,
    },
    /// Pull the global kill switch, or engage a named one.
    Kill {
        /// The named switch, if any.
        switch: Option<String>,
    },
    /// Record a sign-off.
    Approve {
        /// The gate signed off.
        gate: String,
    },
    /// Put a cohort on canary at a manual weight.
    SetWeight {
        /// `department/cohort`.
        cohort: String,
        /// The weight as written (`25%`, `1250bp`).
        weight: String,
    },
    /// Acknowledge an alert.
    Ack {
        /// The alert key.
        alert: String,
    },
    /// A note.
    Note {
        /// The note.
        text: String,
    },
    /// A full rollback finished.
    Settle,
    /// The journal was found damaged and recovered (`cutover serve --recover`): the records
    /// before `lost_from` were kept, the rest could not be read; a new lineage starts here.
    Recovered {
        /// The first record lost.
        lost_from: u64,
        /// The last record lost, when the journal's head said how far it went.
        lost_to: Option<u64>,
        /// The lineage that starts here.
        lineage: String,
        /// Where the damaged files were moved.
        aside: String,
    },
    /// The journal was put back from a backup (`cutover journal restore`); a new lineage
    /// starts here.
    Restored {
        /// The backup file.
        from: String,
        /// The lineage that starts here.
        lineage: String,
    },
}

/// A journaled change of the durable state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transition {
    /// The revision after it.
    pub revision: u64,
    /// When.
    pub at: Millis,
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

/// Why an action was refused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum Refusal {
    /// The actor's role does not allow it.
    Forbidden {
        /// The actor's role.
        role: Role,
        /// The least role needed.
        needs: Role,
    },
    /// The actor decided on an older revision.
    StaleRevision {
        /// What the actor saw.
        expected: u64,
        /// What is current.
        current: u64,
    },
    /// Gates to leave the step do not all pass.
    GatesFailing {
        /// Every exit gate with its status.
        gates: Vec<Gate>,
    },
    /// The plan or the state does not allow it now.
    NotAllowed {
        /// Why.
        message: String,
    },
    /// The sign-off is not listed on the caller's token.
    SignoffNotYours {
        /// The sign-off's name in the plan.
        signoff: String,
        /// The gate asked for.
        gate: String,
    },
    /// The idempotency key was already used for a different request.
    IdempotencyKeyReused {
        /// The key.
        key: String,
        /// The first request made with it, as typed (`pause`; `@N` for its expected revision).
        first: String,
        /// The revision the first request produced.
        revision: u64,
    },
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
        /// Why not, for people.
        #[serde(default)]
        message: String,
    },
    /// An alert started firing or changed tier.
    AlertFired {
        /// The alert now.
        alert: Alert,
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
    pub at: Millis,
    /// What.
    #[serde(flatten)]
    pub kind: EventKind,
}

/// A journal record: a transition with its place in the journal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// Position, from 1; equal to the revision the transition produced.
    pub seq: u64,
    /// The transition.
    #[serde(flatten)]
    pub transition: Transition,
}

/// One page of `GET /v1/events`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventsPage {
    /// Records after the `since` asked for, oldest first.
    pub events: Vec<Record>,
    /// The seq to ask from next.
    pub next: u64,
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

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Command::Advance { to } => write!(f, "advance to {to}"),
            Command::Complete => f.write_str("complete"),
            Command::Pause => f.write_str("pause"),
            Command::Resume { release: None } => f.write_str("resume"),
            Command::Resume { release: Some(r) } => write!(f, "resume {r}"),
            Command::Rollback { target } => write!(f, "rollback {target}"),
            Command::Kill { switch: None } => f.write_str("kill"),
            Command::Kill { switch: Some(s) } => write!(f, "kill {s}"),
            Command::Approve { gate } => write!(f, "approve {gate}"),
            Command::SetWeight { cohort, weight } => write!(f, "set-weight {cohort} {weight}"),
            Command::Ack { alert } => write!(f, "ack {alert}"),
            Command::Note { text } => write!(f, "note {text:?}"),
            Command::Settle => f.write_str("rollback settled"),
            Command::Recovered {
                lost_from,
                lost_to: Some(to),
                lineage,
                ..
            } => write!(
                f,
                "journal recovered: records {lost_from}-{to} lost, lineage {lineage}"
            ),
            Command::Recovered {
                lost_from, lineage, ..
            } => write!(
                f,
                "journal recovered: records from {lost_from} lost, lineage {lineage}"
            ),
            Command::Restored { from, lineage } => {
                write!(f, "journal restored from {from}, lineage {lineage}")
            }
        }
    }
}

impl fmt::Display for Transition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} by {}", self.command, self.actor)?;
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
                message,
                ..
            } => write!(f, "refused {action} by {actor}: {message}"),
            EventKind::AlertFired { alert, previous } => {
                let verb = match previous {
                    None => "fired",
                    Some(p) if *p < alert.tier => "escalated",
                    Some(_) => "eased",
                };
                write!(f, "alert {} {verb} {}", alert.key, alert.tier.name())?;
                if let (Some(v), Some(t)) = (alert.value, alert.threshold) {
                    write!(f, " ({} vs {t})", format::round4(v))?;
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

impl Event {
    /// The journal's seq for a journaled transition (what people number events by); alerts
    /// and refusals are not journaled and have none.
    #[must_use]
    pub fn journal_seq(&self) -> Option<u64> {
        match &self.kind {
            EventKind::Transition(t) => Some(t.revision),
            _ => None,
        }
    }

    /// One short line: what happened and who did it, without the before → after detail.
    #[must_use]
    pub fn summary(&self) -> String {
        match &self.kind {
            EventKind::Transition(t) => {
                let mut line = format!("{} by {}", t.command, t.actor);
                if !t.actor.starts_with("rule:") && !t.reason.is_empty() {
                    line = format!("{line}: {}", t.reason);
                }
                line
            }
            EventKind::Refused {
                actor,
                action,
                message,
                ..
            } => format!("refused {action} by {actor}: {message}"),
            EventKind::AlertFired { .. } => {
                let full = self.kind.to_string();
                full.split_once(": ")
                    .map_or(full.clone(), |(head, _)| head.to_owned())
            }
            EventKind::AlertResolved { key, .. } => format!("alert {key} resolved"),
        }
    }
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.kind.fmt(f)
    }
}
