//! Flags for OpenFeature, evaluated from the config document alone (so a relay holding only
//! the document answers as the control plane does). Pure: no IO.
//!
//! The flags of a rollout `R`:
//! - `R`: which system serves the unit, string variants `legacy` / `enhanced`, by the
//!   rollout's assignment algorithm. Reason `SPLIT` while the cohort is split, `STATIC` when it
//!   is wholly on one side. A kill answers `legacy`, `STATIC`, metadata `killed: true` (never
//!   `DISABLED`, which would send providers to whatever default each app coded).
//! - `R.mirror`: true for cohorts in shadow or parallel (legacy answers, the app mirrors the
//!   request to enhanced).
//! - every flag of the plan, as the cohort has it now (kill switches already applied);
//! - `killswitch.ID`: whether the named kill switch is engaged.
//!
//! The context: `targetingKey` is the unit (needed by `R` only), attribute `cohort` is
//! `department/cohort` (needed by every flag but the kill switches).

pub mod flagd;

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::assign::{Algorithm, CohortBuckets};
use crate::wire::ofrep::{BulkItem, ErrorCode, Evaluation, EvaluationFailure};
use crate::wire::{self, CohortConfig, ConfigDoc, FlagValue, Mode, Status};

/// The prefix of the kill switches' flags.
pub const KILLSWITCH: &str = "killswitch.";

/// The algorithm a config document names.
#[must_use]
pub fn algorithm(a: wire::Algorithm) -> Algorithm {
    match a {
        wire::Algorithm::CutoverV1 => Algorithm::CutoverV1,
        wire::Algorithm::FractionalV2 => Algorithm::FractionalV2,
        wire::Algorithm::FractionalV3 => Algorithm::FractionalV3,
    }
}

/// What an evaluation request says about its subject.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Subject {
    /// `targetingKey`: the unit.
    pub unit: Option<String>,
    /// `cohort`: `department/cohort`.
    pub cohort: Option<String>,
}

impl Subject {
    /// Reads the OFREP `context` object; a field of the wrong type is an `INVALID_CONTEXT`.
    pub fn from_context(context: &Map<String, Value>) -> Result<Subject, (ErrorCode, String)> {
        let text = |name: &str| match context.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err((
                ErrorCode::InvalidContext,
                format!("`{name}` must be a string, not {other}"),
            )),
        };
        Ok(Subject {
            unit: text("targetingKey")?,
            cohort: text("cohort")?,
        })
    }
}

fn fail(key: &str, code: ErrorCode, details: impl Into<String>) -> EvaluationFailure {
    EvaluationFailure {
        key: key.to_owned(),
        error_code: code,
        error_details: details.into(),
    }
}

/// The keys of every flag the document defines, rollout flag first.
#[must_use]
pub fn flag_keys(doc: &ConfigDoc) -> Vec<String> {
    let mut keys = vec![doc.rollout.clone(), format!("{}.mirror", doc.rollout)];
    let mut plan_flags: Vec<&String> = doc.cohorts.iter().flat_map(|c| c.flags.keys()).collect();
    plan_flags.sort();
    plan_flags.dedup();
    keys.extend(plan_flags.into_iter().cloned());
    keys.extend(
        doc.kill_switches
            .keys()
            .map(|id| format!("{KILLSWITCH}{id}")),
    );
    keys
}

/// The cohort the subject names, or why it cannot be used.
fn cohort<'d>(
    doc: &'d ConfigDoc,
    key: &str,
    subject: &Subject,
) -> Result<&'d CohortConfig, EvaluationFailure> {
    let known = || {
        doc.cohorts
            .iter()
            .map(|c| c.id.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let Some(id) = subject.cohort.as_deref() else {
        return Err(fail(
            key,
            ErrorCode::InvalidContext,
            format!(
                "the context needs `cohort` (department/cohort), one of: {}",
                known()
            ),
        ));
    };
    doc.cohorts.iter().find(|c| c.id == id).ok_or_else(|| {
        fail(
            key,
            ErrorCode::InvalidContext,
            format!(
                "no cohort `{id}` in rollout `{}`; cohorts: {}",
                doc.rollout,
                known()
            ),
        )
    })
}

fn metadata(doc: &ConfigDoc, c: Option<&CohortConfig>) -> BTreeMap<String, Value> {
    let mut m = BTreeMap::new();
    m.insert("revision".to_owned(), json!(doc.revision));
    if !doc.lineage.is_empty() {
        m.insert("lineage".to_owned(), json!(doc.lineage));
    }
    m.insert("killed".to_owned(), json!(doc.status == Status::Killed));
    if let Some(c) = c {
        m.insert(
            "mode".to_owned(),
            serde_json::to_value(c.mode).unwrap_or(Value::Null),
        );
        m.insert("weight_bp".to_owned(), json!(c.weight_bp));
    }
    m
}

fn flag_json(v: &FlagValue) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

fn on_off(on: bool) -> &'static str {
    if on { "on" } else { "off" }
}

/// Evaluates one flag for `subject`.
pub fn evaluate(
    doc: &ConfigDoc,
    key: &str,
    subject: &Subject,
) -> Result<Evaluation, EvaluationFailure> {
    let mirror = format!("{}.mirror", doc.rollout);
    if let Some(id) = key.strip_prefix(KILLSWITCH) {
        let engaged = *doc
            .kill_switches
            .get(id)
            .ok_or_else(|| not_found(doc, key))?;
        return Ok(Evaluation {
            key: key.to_owned(),
            value: json!(engaged),
            reason: "STATIC".to_owned(),
            variant: on_off(engaged).to_owned(),
            metadata: metadata(doc, None),
        });
    }
    if key == doc.rollout {
        let c = cohort(doc, key, subject)?;
        let Some(unit) = subject.unit.as_deref().filter(|u| !u.is_empty()) else {
            return Err(fail(
                key,
                ErrorCode::TargetingKeyMissing,
                "the rollout flag needs `targetingKey`: the unit (user, agent, tenant) to assign",
            ));
        };
        let bucket = CohortBuckets::new(algorithm(doc.assignment), &doc.salt, &c.id).bucket(unit);
        let enhanced = bucket < c.weight_bp;
        let variant = if enhanced { "enhanced" } else { "legacy" };
        let split = c.weight_bp > 0 && u64::from(c.weight_bp) < crate::assign::BUCKETS;
        let mut meta = metadata(doc, Some(c));
        meta.insert("bucket".to_owned(), json!(bucket));
        return Ok(Evaluation {
            key: key.to_owned(),
            value: json!(variant),
            reason: if split { "SPLIT" } else { "STATIC" }.to_owned(),
            variant: variant.to_owned(),
            metadata: meta,
        });
    }
    if key == mirror {
        let c = cohort(doc, key, subject)?;
        let on = matches!(c.mode, Mode::Shadow | Mode::Parallel);
        return Ok(Evaluation {
            key: key.to_owned(),
            value: json!(on),
            reason: "TARGETING_MATCH".to_owned(),
            variant: on_off(on).to_owned(),
            metadata: metadata(doc, Some(c)),
        });
    }
    if !doc.cohorts.iter().any(|c| c.flags.contains_key(key)) {
        return Err(not_found(doc, key));
    }
    let c = cohort(doc, key, subject)?;
    let value = c.flags.get(key).ok_or_else(|| {
        fail(
            key,
            ErrorCode::FlagNotFound,
            format!("flag `{key}` is not set for cohort `{}` at this step", c.id),
        )
    })?;
    let variant = match value {
        FlagValue::Bool(b) => on_off(*b).to_owned(),
        other => other.to_string(),
    };
    Ok(Evaluation {
        key: key.to_owned(),
        value: flag_json(value),
        reason: "TARGETING_MATCH".to_owned(),
        variant,
        metadata: metadata(doc, Some(c)),
    })
}

fn not_found(doc: &ConfigDoc, key: &str) -> EvaluationFailure {
    fail(
        key,
        ErrorCode::FlagNotFound,
        format!(
            "no flag `{key}` in rollout `{}`; flags: {}",
            doc.rollout,
            flag_keys(doc).join(", ")
        ),
    )
}

/// Evaluates every flag for `subject`; a flag that cannot be evaluated says why in its place.
#[must_use]
pub fn evaluate_all(doc: &ConfigDoc, subject: &Subject) -> Vec<BulkItem> {
    flag_keys(doc)
        .iter()
        .map(|key| match evaluate(doc, key, subject) {
            Ok(e) => BulkItem::Evaluated(e),
            Err(f) => BulkItem::Failed(f),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(status: Status, weight_bp: u16, mode: Mode) -> ConfigDoc {
        ConfigDoc {
            rollout: "shop".into(),
            revision: 7,
            lineage: "abc".into(),
            salt: "shop".into(),
            buckets: 10_000,
            assignment: wire::Algorithm::FractionalV3,
            bucketing: None,
            status,
            kill_switches: BTreeMap::from([("payments-off".to_owned(), status == Status::Killed)]),
            cohorts: vec![CohortConfig {
                id: "retail/staff".into(),
                mode,
                weight_bp,
                flags: BTreeMap::from([("newCheckout".to_owned(), FlagValue::Bool(true))]),
            }],
        }
    }

    fn subject(unit: Option<&str>, cohort: Option<&str>) -> Subject {
        Subject {
            unit: unit.map(str::to_owned),
            cohort: cohort.map(str::to_owned),
        }
    }

    #[test]
    fn the_rollout_flag_follows_the_assignment() {
        let d = doc(Status::Running, 3000, Mode::Canary);
        let buckets = CohortBuckets::new(Algorithm::FractionalV3, "shop", "retail/staff");
        for i in 0..200 {
            let unit = format!("u{i}");
            let e = evaluate(&d, "shop", &subject(Some(&unit), Some("retail/staff"))).unwrap();
            let want = if buckets.bucket(&unit) < 3000 {
                "enhanced"
            } else {
                "legacy"
            };
            assert_eq!(
                (e.value, e.variant.as_str(), e.reason.as_str()),
                (json!(want), want, "SPLIT")
            );
            assert_eq!(e.metadata["weight_bp"], json!(3000));
        }
    }

    #[test]
    fn a_kill_answers_legacy_static_and_says_killed() {
        let d = doc(Status::Killed, 0, Mode::Legacy);
        let e = evaluate(&d, "shop", &subject(Some("u1"), Some("retail/staff"))).unwrap();
        assert_eq!((e.value, e.reason.as_str()), (json!("legacy"), "STATIC"));
        assert_eq!(e.metadata["killed"], json!(true));
        let k = evaluate(&d, "killswitch.payments-off", &Subject::default()).unwrap();
        assert_eq!(k.value, json!(true));
    }

    #[test]
    fn mirror_is_on_in_shadow() {
        let d = doc(Status::Running, 0, Mode::Shadow);
        let e = evaluate(&d, "shop.mirror", &subject(None, Some("retail/staff"))).unwrap();
        assert_eq!(e.value, json!(true));
    }

    #[test]
    fn what_is_missing_is_named() {
        let d = doc(Status::Running, 3000, Mode::Canary);
        let no_key = evaluate(&d, "shop", &subject(None, Some("retail/staff"))).unwrap_err();
        assert_eq!(no_key.error_code, ErrorCode::TargetingKeyMissing);
        let unknown = evaluate(&d, "shop", &subject(Some("u"), Some("retail/bosses"))).unwrap_err();
        assert_eq!(unknown.error_code, ErrorCode::InvalidContext);
        assert!(
            unknown.error_details.contains("retail/staff"),
            "{}",
            unknown.error_details
        );
        let missing = evaluate(&d, "nope", &Subject::default()).unwrap_err();
        assert_eq!(missing.error_code, ErrorCode::FlagNotFound);
        assert!(
            missing.error_details.contains("newCheckout"),
            "{}",
            missing.error_details
        );
        let bad = Subject::from_context(&serde_json::from_str(r#"{"targetingKey": 7}"#).unwrap());
        assert_eq!(bad.unwrap_err().0, ErrorCode::InvalidContext);
    }

    #[test]
    fn bulk_lists_every_flag() {
        let d = doc(Status::Running, 3000, Mode::Canary);
        let all = evaluate_all(&d, &subject(Some("u1"), Some("retail/staff")));
        let keys: Vec<&str> = all
            .iter()
            .map(|i| match i {
                BulkItem::Evaluated(e) => e.key.as_str(),
                BulkItem::Failed(f) => f.key.as_str(),
            })
            .collect();
        assert_eq!(
            keys,
            [
                "shop",
                "shop.mirror",
                "newCheckout",
                "killswitch.payments-off"
            ]
        );
    }
}
