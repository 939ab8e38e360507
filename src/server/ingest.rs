//! Samples pushed with `POST /v1/samples`, taken in as the body arrives: split into samples
//! (`split`), each parsed, checked against the plan — metric, cohort, variant, and a value its
//! unit allows — and folded into a count-weighted sum per (metric, cohort, variant), which is
//! exactly what the next evaluation's window needs. Memory is bounded by the plan's size and
//! one sample, however large the body or however many samples arrive between evaluations; the
//! rejections reported are the first [`MAX_REJECTIONS`], with a count of all.

use std::collections::HashMap;
use std::sync::Mutex;

use super::split::{MAX_SAMPLE_BYTES, Piece, Splitter};
use crate::metrics::{Observation, Variant};
use crate::plan::Plan;
use crate::plan::limits::unit_range;
use crate::wire::{self, Sample as SampleIn};

/// How many rejections a reply lists (it counts them all).
pub const MAX_REJECTIONS: usize = 100;
/// How long one rejection's reason may be.
const MAX_REASON: usize = 200;

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
    /// The first [`MAX_REJECTIONS`] samples refused, by index, with the reason.
    pub rejected: Vec<(usize, String)>,
    /// Every sample refused.
    pub rejected_total: usize,
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
    let (low, high) = unit_range(def);
    if s.value < low || s.value > high {
        let range = if high.is_finite() {
            format!("between {low} and {high}")
        } else {
            format!("at least {low}")
        };
        let value = if s.value.abs() >= 1e15 {
            format!("{:e}", s.value)
        } else {
            s.value.to_string()
        };
        return Err(format!(
            "value {value} is impossible for `{}` (unit {}): it must be {range}",
            s.metric, def.unit
        ));
    }
    if s.count == Some(0) {
        return Err("count must be a positive integer (the requests the value summarises)".into());
    }
    Ok((m, c, slot))
}

/// A reason cut to [`MAX_REASON`] characters (a sample may name anything).
fn brief(mut reason: String) -> String {
    if let Some((at, _)) = reason.char_indices().nth(MAX_REASON) {
        reason.truncate(at);
        reason.push('…');
    }
    reason
}

/// One body being taken in.
pub struct Intake<'p> {
    plan: &'p Plan,
    splitter: Splitter,
    folded: HashMap<Key, (f64, u64)>,
    batch: Batch,
}

impl<'p> Intake<'p> {
    /// A body for `plan`.
    #[must_use]
    pub fn new(plan: &'p Plan) -> Intake<'p> {
        Intake {
            plan,
            splitter: Splitter::default(),
            folded: HashMap::new(),
            batch: Batch::default(),
        }
    }

    /// Takes the next chunk of the body. An error means the body is not NDJSON or one JSON
    /// array; nothing of it is kept then.
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), String> {
        let (plan, folded, batch) = (self.plan, &mut self.folded, &mut self.batch);
        self.splitter
            .push(chunk, &mut |piece| take(plan, folded, batch, piece))
    }

    /// Ends the body and adds what it brought to `ingest`.
    pub fn finish(mut self, ingest: &Ingest) -> Result<Batch, String> {
        let (plan, folded, batch) = (self.plan, &mut self.folded, &mut self.batch);
        self.splitter
            .finish(&mut |piece| take(plan, folded, batch, piece))?;
        let mut pending = ingest.pending.lock().expect("ingest lock");
        for (key, (sum, count)) in self.folded {
            let cell = pending.entry(key).or_default();
            cell.0 += sum;
            cell.1 += count;
        }
        Ok(self.batch)
    }
}

fn take(plan: &Plan, folded: &mut HashMap<Key, (f64, u64)>, batch: &mut Batch, piece: Piece<'_>) {
    let (index, parsed) = match piece {
        Piece::TooLong(index) => (index, Err(format!("longer than {MAX_SAMPLE_BYTES} bytes"))),
        Piece::Sample(index, bytes) => (
            index,
            serde_json::from_slice::<SampleIn<'_>>(bytes)
                .map_err(|e| format!("malformed sample: {e}"))
                .and_then(|s| check(plan, &s).map(|k| (k, s))),
        ),
    };
    match parsed {
        Ok((key, s)) => {
            let count = s.count.unwrap_or(1);
            #[expect(clippy::cast_precision_loss, reason = "counts far below 2^52")]
            let weighted = s.value * count as f64;
            let cell = folded.entry(key).or_default();
            cell.0 += weighted;
            cell.1 += count;
            batch.accepted += 1;
        }
        Err(reason) => {
            batch.rejected_total += 1;
            if batch.rejected.len() < MAX_REJECTIONS {
                batch.rejected.push((index, brief(reason)));
            }
        }
    }
}

impl Ingest {
    /// Takes in a whole body at once (NDJSON or one JSON array).
    pub fn accept(&self, plan: &Plan, body: &[u8]) -> Result<Batch, String> {
        let mut intake = Intake::new(plan);
        intake.push(body)?;
        intake.finish(self)
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
