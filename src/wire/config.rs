//! What migrating apps read: the config document (`GET /v1/config`, `/v1/config/stream`) from
//! which a unit's variant can be computed locally, and the answer of `GET /v1/assign`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::state::{FlagValue, Mode, Status};

/// Which system serves a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Variant {
    /// The system being replaced.
    Legacy,
    /// The system replacing it.
    Enhanced,
}

/// How a unit's bucket is computed (docs/apps.md has the rule): flagd's `fractional` operator
/// hashing the bucketing string's canonical CBOR (`fractional-v3`) or its bytes
/// (`fractional-v2`), or cutover's own hash for rollouts started before those (`cutover-v1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Algorithm {
    /// cutover's own hash (`src/assign/cutover_v1.rs`); documents without the field use it.
    #[default]
    CutoverV1,
    /// MurmurHash3 `x86_32` of the bucketing string's UTF-8 bytes.
    FractionalV2,
    /// MurmurHash3 `x86_32` of the bucketing string's canonical CBOR encoding.
    FractionalV3,
}

/// One cohort in the config document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CohortConfig {
    /// `department/cohort`.
    pub id: String,
    /// Effective mode.
    pub mode: Mode,
    /// Effective weight, 0–10,000: a unit is on enhanced when its bucket is below it.
    pub weight_bp: u16,
    /// Effective flags for this cohort.
    pub flags: BTreeMap<String, FlagValue>,
}

/// What apps need to evaluate assignments locally.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfigDoc {
    /// Rollout id.
    pub rollout: String,
    /// Revision the document reflects; the `ETag` is derived from it and the lineage.
    pub revision: u64,
    /// The journal's lineage (see the state object): a lower revision is newer only under a
    /// new lineage.
    #[serde(default)]
    pub lineage: String,
    /// Salt of the bucket hash (see `src/assign.rs` for the hash).
    pub salt: String,
    /// Buckets per cohort (10,000).
    pub buckets: u64,
    /// How a unit's bucket is computed; fixed for the rollout's life.
    #[serde(default)]
    pub assignment: Algorithm,
    /// For the `fractional` algorithms: the bucketing value as JsonLogic, `{"cat": [SALT, "/",
    /// {"var": "cohort"}, "/", {"var": "targetingKey"}]}`; the variants are `[["enhanced",
    /// weight_bp], ["legacy", 10000 - weight_bp]]`, in that order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bucketing: Option<serde_json::Value>,
    /// Overall status; `killed` means every cohort is at weight 0.
    pub status: Status,
    /// Every named kill switch: whether it is engaged (all are when the rollout is killed).
    #[serde(default)]
    pub kill_switches: BTreeMap<String, bool>,
    /// Every cohort.
    pub cohorts: Vec<CohortConfig>,
}

/// A config document as the control plane publishes it beyond itself (NATS): the document's
/// exact JSON, signed with the control plane's Ed25519 key, so relays serve only what the
/// control plane wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedConfig {
    /// The config document's JSON, byte for byte as signed.
    pub document: String,
    /// Ed25519 signature of `document`'s bytes, hex.
    pub signature: String,
    /// The signing public key, hex (as in `config-signing.pub`), to say which key signed.
    pub key: String,
}

/// The answer of `GET /v1/assign`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssignReply {
    /// `department/cohort`.
    pub cohort: String,
    /// The unit asked about.
    pub unit: String,
    /// Which variant serves it.
    pub variant: Variant,
    /// The cohort's mode (`shadow` means legacy answers and enhanced sees a mirror).
    pub mode: Mode,
    /// The unit's bucket, 0–9,999.
    pub bucket: u16,
    /// The cohort's weight, 0–10,000.
    pub weight_bp: u16,
    /// Effective flags for the cohort.
    pub flags: BTreeMap<String, FlagValue>,
    /// The config revision this answer reflects.
    pub revision: u64,
}

/// Whether a document seen with `(lineage, revision)` may replace one seen before: a newer or
/// equal revision of the same lineage, or any revision of a new lineage (a recovered or
/// restored journal starts again lower). Never an older revision of the same lineage.
#[must_use]
pub fn supersedes(next: (&str, u64), previous: (&str, u64)) -> bool {
    next.0 != previous.0 || next.1 >= previous.1
}

#[cfg(test)]
mod tests {
    use super::supersedes;

    #[test]
    fn an_older_revision_is_believed_only_under_a_new_lineage() {
        assert!(supersedes(("a", 7), ("a", 6)));
        assert!(supersedes(("a", 7), ("a", 7)));
        assert!(!supersedes(("a", 5), ("a", 7)));
        assert!(supersedes(("b", 3), ("a", 7)));
    }
}
