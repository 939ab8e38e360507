//! What operators (and enforced rules) ask the engine to do, who asks, and why it may say no.
//! Actions arrive as `wire::Action`s and are converted in `server::convert`; an action's text
//! form (`rollback sales`) is how refusals name it.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::report::GateReport;
use crate::plan::Weight;
use crate::time::Timestamp;

/// What a token allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Reads only.
    Viewer,
    /// Advances, pauses, resumes, rolls back, kills, acknowledges, notes.
    Operator,
    /// Also approves sign-offs and sets weights.
    Admin,
    /// The engine itself and enforced alert rules.
    System,
}

impl Role {
    /// The role's name.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Operator => "operator",
            Role::Admin => "admin",
            Role::System => "system",
        }
    }
}

/// Who asks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// Name from the token, `rule:<id>` for an alert rule, `engine` for the schedule.
    pub name: String,
    /// What they may do.
    pub role: Role,
    /// Which sign-offs they may give.
    pub signoffs: Signoffs,
}

/// Which sign-offs an actor may give.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Signoffs {
    /// Every one, with four eyes off: the local user of an open server (and tests).
    Any,
    /// Those listed on their token; one person gives at most one sign-off name per phase.
    Listed(Vec<String>),
}

impl Actor {
    /// A named person with a role, who may give every sign-off (an open server's `local`).
    #[must_use]
    pub fn new(name: &str, role: Role) -> Actor {
        Actor {
            name: name.to_owned(),
            role,
            signoffs: Signoffs::Any,
        }
    }

    /// The same person, allowed only the sign-offs listed (a token's holder).
    #[must_use]
    pub fn with_signoffs(self, listed: Vec<String>) -> Actor {
        Actor {
            signoffs: Signoffs::Listed(listed),
            ..self
        }
    }

    /// Whether they may give the sign-off named `signoff`.
    #[must_use]
    pub fn may_sign(&self, signoff: &str) -> bool {
        match &self.signoffs {
            Signoffs::Any => true,
            Signoffs::Listed(l) => l.iter().any(|s| s == signoff),
        }
    }

    /// Whether four eyes apply to them (everyone but an open server's local user).
    #[must_use]
    pub fn four_eyes(&self) -> bool {
        matches!(self.signoffs, Signoffs::Listed(_))
    }

    /// The engine acting on its own schedule.
    #[must_use]
    pub fn engine() -> Actor {
        Actor::new("engine", Role::System)
    }
}

/// An operator action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// Leave the current step once its gates pass.
    Advance,
    /// Stop automatic progress.
    Pause,
    /// Resume; with a target, also release its rollback (or disengage a named kill switch).
    Resume {
        /// Cohort, department, `all`, or a kill switch.
        target: Option<String>,
    },
    /// Send a cohort, a department or everything back to legacy.
    Rollback {
        /// Cohort, department or `all`.
        target: String,
    },
    /// The global kill switch, or a named one.
    Kill {
        /// A named kill switch; none means the global one.
        switch: Option<String>,
    },
    /// Sign off a gate.
    Approve {
        /// The sign-off gate's id.
        gate: String,
    },
    /// Put a cohort on canary at a weight.
    SetWeight {
        /// `department/cohort`.
        cohort: String,
        /// The weight.
        weight: Weight,
    },
    /// Acknowledge a firing alert.
    Ack {
        /// `rule@scope` or an Alertmanager alert name.
        alert: String,
    },
    /// Write a note in the journal.
    Note {
        /// The note.
        text: String,
    },
}

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

    /// The least role allowed to take this action.
    #[must_use]
    pub fn required_role(&self) -> Role {
        match self {
            // A sign-off is given by whoever's token lists it, whatever the role.
            Action::Approve { .. } => Role::Viewer,
            Action::SetWeight { .. } => Role::Admin,
            _ => Role::Operator,
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::Advance
            | Action::Pause
            | Action::Resume { target: None }
            | Action::Kill { switch: None } => f.write_str(self.verb()),
            Action::Resume { target: Some(t) } | Action::Rollback { target: t } => {
                write!(f, "{} {t}", self.verb())
            }
            Action::Kill { switch: Some(s) } => write!(f, "kill {s}"),
            Action::Approve { gate } => write!(f, "approve {gate}"),
            Action::SetWeight { cohort, weight } => write!(f, "set-weight {cohort} {weight}"),
            Action::Ack { alert } => write!(f, "ack {alert}"),
            Action::Note { text } => write!(f, "note {text}"),
        }
    }
}

/// An action with everything the engine needs to decide on it.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionRequest {
    /// What.
    pub action: Action,
    /// Who.
    pub actor: Actor,
    /// Why, in the actor's words.
    pub reason: String,
    /// Repeats with the same key are answered with the first result and change nothing.
    pub idempotency_key: Option<String>,
    /// The revision the actor saw; a different current revision refuses the action (not kill).
    pub expected_revision: Option<u64>,
    /// When it was asked (from the injected clock).
    pub at: Timestamp,
}

impl ActionRequest {
    /// What makes two requests with one idempotency key the same request: the action with its
    /// target and value, and the expected revision — not the reason, so a resend with an
    /// edited reason is the same request.
    #[must_use]
    pub fn fingerprint(&self) -> String {
        match self.expected_revision {
            Some(r) => format!("{}@{r}", self.action),
            None => self.action.to_string(),
        }
    }
}

/// Why the engine said no.
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
        /// Every exit gate with its status; the failing ones are why.
        gates: Vec<GateReport>,
    },
    /// The plan or the state does not allow it now.
    NotAllowed {
        /// Why.
        message: String,
    },
    /// The sign-off is not listed on the actor's token.
    NotYourSignoff {
        /// The sign-off's name in the plan (`cfo`).
        signoff: String,
        /// The gate asked for.
        gate: String,
    },
    /// The idempotency key was already used for a different request.
    KeyReused {
        /// The key.
        key: String,
        /// The first request made with it (`pause`, `set-weight sales 25@12`).
        first: String,
        /// The revision the first request produced.
        revision: u64,
    },
}

impl Refusal {
    /// A short code for APIs: `forbidden`, `stale_revision`, `gates_failing`, `not_allowed`,
    /// `idempotency_key_reused`.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::Forbidden { .. } | Refusal::NotYourSignoff { .. } => "forbidden",
            Refusal::StaleRevision { .. } => "stale_revision",
            Refusal::GatesFailing { .. } => "gates_failing",
            Refusal::NotAllowed { .. } => "not_allowed",
            Refusal::KeyReused { .. } => "idempotency_key_reused",
        }
    }

    pub(crate) fn not_allowed(message: impl Into<String>) -> Refusal {
        Refusal::NotAllowed {
            message: message.into(),
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Forbidden { role, needs } => write!(
                f,
                "forbidden: a {} may not do this (needs {})",
                role.name(),
                needs.name()
            ),
            Refusal::StaleRevision { expected, current } => {
                write!(
                    f,
                    "stale revision: decided on revision {expected}, but the rollout is at {current}; look again and retry"
                )
            }
            Refusal::GatesFailing { gates } => {
                let failing: Vec<_> = gates
                    .iter()
                    .filter(|g| !g.passed())
                    .map(ToString::to_string)
                    .collect();
                write!(f, "gates not passing: {}", failing.join("; "))
            }
            Refusal::NotAllowed { message } => f.write_str(message),
            Refusal::NotYourSignoff { signoff, gate } => write!(
                f,
                "forbidden: the `{signoff}` sign-off ({gate}) may be given only by a token that lists it"
            ),
            Refusal::KeyReused {
                key,
                first,
                revision,
            } => write!(
                f,
                "idempotency key `{key}` was already used for `{first}` (revision {revision}); use a new key for a new request"
            ),
        }
    }
}
