//! The push API (`POST /v1/samples`) and the health check: one sample as a source sends it,
//! what became of a batch, and `GET /healthz`.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::config::Variant;

/// One value of one metric for one cohort (and variant) over the current window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sample<'a> {
    /// Metric id from the plan.
    #[serde(borrow)]
    pub metric: Cow<'a, str>,
    /// `department/cohort`, or `*` for a rollout-wide single value.
    #[serde(borrow)]
    pub cohort: Cow<'a, str>,
    /// The variant; absent for single-valued metrics.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<Variant>,
    /// The value.
    pub value: f64,
    /// How many requests or units it summarises (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
}

/// A sample that was refused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rejected {
    /// Its position in the batch, from 0.
    pub index: usize,
    /// Why.
    pub reason: String,
}

/// The answer of `POST /v1/samples`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SamplesReply {
    /// Samples accepted.
    pub accepted: usize,
    /// The first hundred samples refused.
    pub rejected: Vec<Rejected>,
    /// How many were refused in all.
    #[serde(default)]
    pub rejected_total: usize,
}

/// The answer of `GET /healthz`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Health {
    /// `ok`.
    pub status: String,
    /// Rollout id.
    pub rollout: String,
    /// Current revision.
    pub revision: u64,
}
