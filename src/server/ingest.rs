//! Samples pushed with `POST /v1/samples`. Each is parsed once, borrowing from the request
//! body, checked against the plan, and folded at once into a running count-weighted sum per
//! (metric, cohort, variant) — exactly what the next evaluation's window needs. Memory is
//! bounded by the plan's size, however many samples arrive between two evaluations.

use std::collections::HashMap;
use std::sync::Mutex;

use serde_json::value::RawValue;

use crate::metrics::{Observation, Variant};
use crate::plan::Plan;
use crate::wire::{self, Sample as SampleIn};

/// (metric index, cohort index or the rollout-wide column, variant slot).
type Key = (usize, usize, u8);

/// The pending sums.
#[derive(Debug, Default)]
pub struct Ingest {
    pending: Mutex<HashMap<Key, (f64, u64)>>,
}

/// What became of a batch.
#[derive(Debug, Default)]
pub struct Batch {
    /// Samples accepted.
    pub accepted: usize,
    /// Samples refused, by index, with the reason.
    pub rejected: Vec<(usize, String)>,
}

/// Checks one sample against the plan.
fn check(plan: &Plan, s: &SampleIn<'_>) -> Result<Key, String> {
    let m = plan
        .metric_index(&s.metric)
        .ok_or_else(|| format!("unknown metric `{}`", s.metric))?;
    let def = &plan.profile().metrics[s.metric.as_ref()];
    let wide = s.cohort == "*";
    let c = if wide {
        plan.cohorts().len()
    } else {
        plan.cohort_index(&s.cohort)
            .ok_or_else(|| format!("unknown cohort `{}`", s.cohort))?
    };
    if wide && def.compare {
        return Err(format!(
            "`{}` is compared per cohort: `*` is only for single-valued metrics",
            s.metric
        ));
    }
    let slot = match (def.compare, s.variant) {
        (false, _) => 2,
        (true, Some(wire::Variant::Legacy)) => 0,
        (true, Some(wire::Variant::Enhanced)) => 1,
        (true, None) => {
            return Err(format!(
                "`{}` is compared: say the variant (legacy or enhanced)",
                s.metric
            ));
        }
    };
    if !s.value.is_finite() {
        return Err("value is not a finite number".into());
    }
    Ok((m, c, slot))
}

impl Ingest {
    /// Parses, checks and folds in a JSON array or NDJSON body. A body that is not JSON at
    /// all is an error; a sample that is wrong is reported by index and skipped.
    pub fn accept(&self, plan: &Plan, body: &[u8]) -> Result<Batch, String> {
        let trimmed = body.trim_ascii_start();
        let items: Vec<&RawValue> = if trimmed.first() == Some(&b'[') {
            serde_json::from_slice(trimmed).map_err(|e| format!("malformed JSON body: {e}"))?
        } else {
            let mut out = Vec::new();
            for (n, line) in trimmed.split(|b| *b == b'\n').enumerate() {
                if !line.trim_ascii().is_empty() {
                    out.push(
                        serde_json::from_slice(line)
                            .map_err(|e| format!("line {}: malformed JSON: {e}", n + 1))?,
                    );
                }
            }
            out
        };
        let mut batch = Batch::default();
        let mut folded: HashMap<Key, (f64, u64)> = HashMap::new();
        for (index, raw) in items.into_iter().enumerate() {
            let parsed = serde_json::from_str::<SampleIn<'_>>(raw.get())
                .map_err(|e| e.to_string())
                .and_then(|s| check(plan, &s).map(|k| (k, s)));
            match parsed {
                Ok((key, s)) => {
                    let count = s.count.unwrap_or(1).max(1);
                    #[expect(clippy::cast_precision_loss, reason = "counts far below 2^52")]
                    let weighted = s.value * count as f64;
                    let cell = folded.entry(key).or_default();
                    cell.0 += weighted;
                    cell.1 += count;
                    batch.accepted += 1;
                }
                Err(reason) => batch.rejected.push((index, reason)),
            }
        }
        let mut pending = self.pending.lock().expect("ingest lock");
        for (key, (sum, count)) in folded {
            let cell = pending.entry(key).or_default();
            cell.0 += sum;
            cell.1 += count;
        }
        Ok(batch)
    }

    /// Takes the pending sums as one observation per (metric, cohort, variant).
    pub fn drain(&self, plan: &Plan) -> Vec<Observation> {
        let pending = std::mem::take(&mut *self.pending.lock().expect("ingest lock"));
        let metrics: Vec<&String> = plan.profile().metrics.keys().collect();
        pending
            .into_iter()
            .map(|((m, c, slot), (sum, count))| {
                let cohort = plan
                    .cohorts()
                    .get(c)
                    .map_or_else(|| "*".to_owned(), |e| e.id.clone());
                let variant = match slot {
                    0 => Some(Variant::Legacy),
                    1 => Some(Variant::Enhanced),
                    _ => None,
                };
                #[expect(clippy::cast_precision_loss, reason = "counts far below 2^52")]
                let value = sum / count as f64;
                Observation {
                    metric: metrics[m].clone(),
                    cohort,
                    variant,
                    value,
                    count,
                }
            })
            .collect()
    }
}
