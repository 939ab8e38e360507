//! OFREP, the OpenFeature Remote Evaluation Protocol (`open-feature/protocol`,
//! `service/openapi.yaml`): what OpenFeature providers send to `/ofrep/v1/evaluate/flags` and
//! get back, and the server-sent events that tell them to fetch again. Field names are the
//! spec's (camelCase), not cutover's.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A flag evaluated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    /// The flag's key.
    pub key: String,
    /// Its value for the context.
    pub value: serde_json::Value,
    /// Why: `SPLIT`, `STATIC`, `TARGETING_MATCH`.
    pub reason: String,
    /// The variant's name.
    pub variant: String,
    /// Primitive values only (providers drop the rest).
    pub metadata: BTreeMap<String, serde_json::Value>,
}

/// The spec's error codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    /// The body is not the JSON asked for.
    ParseError,
    /// A flag that needs `targetingKey` was asked without one.
    TargetingKeyMissing,
    /// The context lacks what the flag needs, or has it in the wrong shape.
    InvalidContext,
    /// No such flag.
    FlagNotFound,
    /// Anything else.
    General,
}

/// A flag that could not be evaluated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EvaluationFailure {
    /// The flag's key.
    pub key: String,
    /// What went wrong.
    pub error_code: ErrorCode,
    /// In words, naming what would be right.
    pub error_details: String,
}

/// A whole bulk request that could not be evaluated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkFailure {
    /// What went wrong.
    pub error_code: ErrorCode,
    /// In words.
    pub error_details: String,
}

/// One flag of a bulk answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum BulkItem {
    /// Evaluated.
    Evaluated(Evaluation),
    /// Not evaluated, and why.
    Failed(EvaluationFailure),
}

/// Where a provider hears that flags changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventStream {
    /// `sse`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The stream's URL (with a short-lived read-only token when tokens are in force).
    pub url: String,
    /// How long a hidden browser tab may stay disconnected before it refetches on return.
    pub inactivity_delay_sec: u32,
}

/// The answer to a bulk evaluation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkEvaluation {
    /// Every flag.
    pub flags: Vec<BulkItem>,
    /// About the flag set.
    pub metadata: BTreeMap<String, serde_json::Value>,
    /// Where to hear of changes.
    pub event_streams: Vec<EventStream>,
}

/// A server-sent event: the flags changed; fetch again, citing `etag`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Refetch {
    /// `refetchEvaluation`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The config document's `ETag` to send back as `flagConfigEtag`.
    pub etag: String,
}

impl Refetch {
    /// The event for the config document with `etag`.
    #[must_use]
    pub fn new(etag: &str) -> Refetch {
        Refetch {
            kind: "refetchEvaluation".to_owned(),
            etag: etag.to_owned(),
        }
    }
}
