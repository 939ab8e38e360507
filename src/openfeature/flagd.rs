//! The config document as a flagd flag configuration (flagd's `flags.json` schema), for the
//! in-process providers that sync it over gRPC and evaluate it themselves with JsonLogic. The
//! same flags as OFREP ([`super`]): the rollout flag splits each canary cohort with flagd's
//! `fractional` over the bucketing string, so a provider hashing as the rollout's algorithm
//! does agrees with cutover to the unit; a cohort wholly on one side, and every cohort after a
//! kill, gets its variant outright. Pure: no IO.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::KILLSWITCH;
use crate::wire::{ConfigDoc, FlagValue, Mode};

/// `{"==": [{"var": "cohort"}, id]}`.
fn is_cohort(id: &str) -> Value {
    json!({"==": [{"var": "cohort"}, id]})
}

/// `{"if": [first…, c1, v1, c2, v2, …, otherwise]}`, where `first` are condition/result pairs
/// checked before the cohorts; none when no cohort differs from the default (flagd's schema
/// wants targeting to be an object: the default variant then stands alone).
fn by_cohort(first: &[Value], branches: Vec<(String, Value)>, otherwise: Value) -> Option<Value> {
    if branches.is_empty() {
        return None;
    }
    let mut args: Vec<Value> = first.to_vec();
    args.extend(branches.into_iter().flat_map(|(id, v)| [is_cohort(&id), v]));
    args.push(otherwise);
    Some(json!({"if": args}))
}

/// A flag: its variants, the default, and the targeting if any.
fn flag(variants: &Value, default: &str, targeting: Option<Value>) -> Value {
    let mut flag = json!({"state": "ENABLED", "variants": variants, "defaultVariant": default});
    if let Some(t) = targeting {
        flag["targeting"] = t;
    }
    flag
}

fn boolean_flag(default_on: bool, targeting: Option<Value>) -> Value {
    flag(
        &json!({"on": true, "off": false}),
        if default_on { "on" } else { "off" },
        targeting,
    )
}

/// The rollout flag: `legacy` / `enhanced` per cohort.
fn rollout_flag(doc: &ConfigDoc) -> Value {
    let buckets = crate::assign::BUCKETS;
    let bucketing =
        json!({"cat": [doc.salt, "/", {"var": "cohort"}, "/", {"var": "targetingKey"}]});
    let branches = doc
        .cohorts
        .iter()
        .filter(|c| c.weight_bp > 0)
        .map(|c| {
            let rule = if u64::from(c.weight_bp) >= buckets {
                json!("enhanced")
            } else {
                json!({"fractional": [
                    bucketing,
                    ["enhanced", c.weight_bp],
                    ["legacy", buckets - u64::from(c.weight_bp)],
                ]})
            };
            (c.id.clone(), rule)
        })
        .collect();
    // Without a unit there is nothing to bucket: no variant, so the provider answers the
    // default (legacy), as OFREP answers TARGETING_KEY_MISSING.
    let keyless = [json!({"!": {"var": "targetingKey"}}), Value::Null];
    let targeting = by_cohort(&keyless, branches, json!("legacy"));
    let mut rollout = flag(
        &json!({"legacy": "legacy", "enhanced": "enhanced"}),
        "legacy",
        targeting,
    );
    rollout["metadata"] =
        json!({"revision": doc.revision, "killed": doc.status == crate::wire::Status::Killed});
    rollout
}

/// A plan flag: one variant per distinct value, chosen by cohort.
fn plan_flag(doc: &ConfigDoc, name: &str) -> Value {
    let mut variants = Map::new();
    let mut branches = Vec::new();
    for c in &doc.cohorts {
        if let Some(v) = c.flags.get(name) {
            let variant = match v {
                FlagValue::Bool(true) => "on".to_owned(),
                FlagValue::Bool(false) => "off".to_owned(),
                other => other.to_string(),
            };
            variants.insert(
                variant.clone(),
                serde_json::to_value(v).unwrap_or(Value::Null),
            );
            branches.push((c.id.clone(), json!(variant)));
        }
    }
    // The variant most cohorts have is the default; a cohort without the flag gets it too.
    let default = most_common(&branches);
    let branches = branches
        .into_iter()
        .filter(|(_, v)| *v != json!(default))
        .collect();
    let targeting = by_cohort(&[], branches, json!(default));
    flag(&Value::Object(variants), &default, targeting)
}

fn most_common(branches: &[(String, Value)]) -> String {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for (_, v) in branches {
        *counts.entry(v.as_str().unwrap_or_default()).or_default() += 1;
    }
    counts
        .into_iter()
        .max_by_key(|(_, n)| *n)
        .map(|(v, _)| v.to_owned())
        .unwrap_or_default()
}

/// The whole flag configuration.
#[must_use]
pub fn configuration(doc: &ConfigDoc) -> Value {
    let mut flags = Map::new();
    flags.insert(doc.rollout.clone(), rollout_flag(doc));
    let mirrored: Vec<(String, Value)> = doc
        .cohorts
        .iter()
        .filter(|c| matches!(c.mode, Mode::Shadow | Mode::Parallel))
        .map(|c| (c.id.clone(), json!("on")))
        .collect();
    flags.insert(
        format!("{}.mirror", doc.rollout),
        boolean_flag(false, by_cohort(&[], mirrored, json!("off"))),
    );
    let mut names: Vec<&String> = doc.cohorts.iter().flat_map(|c| c.flags.keys()).collect();
    names.sort();
    names.dedup();
    for name in names {
        flags.insert(name.clone(), plan_flag(doc, name));
    }
    for (id, engaged) in &doc.kill_switches {
        flags.insert(format!("{KILLSWITCH}{id}"), boolean_flag(*engaged, None));
    }
    json!({
        "$schema": "https://flagd.dev/schema/v0/flags.json",
        "flags": flags,
        "metadata": {"rollout": doc.rollout, "revision": doc.revision, "lineage": doc.lineage},
    })
}
