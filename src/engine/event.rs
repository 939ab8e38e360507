//! What the engine tells the world: journaled transitions (with the before and after of what
//! changed), refusals, and alerts firing or resolving. Clients see them as `wire` events, which
//! is also where they are rendered as one line for people.

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
    /// The fingerprint of that action's request, to tell a resend from a reused key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
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
