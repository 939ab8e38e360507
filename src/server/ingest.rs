//! Samples pushed with `POST /v1/samples`, held until the next evaluation folds them into its
//! metric window. The buffer is bounded: beyond it the oldest samples are dropped (counted),
//! so a runaway pusher cannot grow the server's memory.

use std::sync::Mutex;

use crate::metrics::Observation;

/// How many samples wait between two evaluations at most.
pub const CAPACITY: usize = 4_000_000;

/// The pending samples.
#[derive(Debug, Default)]
pub struct Ingest {
    pending: Mutex<Vec<Observation>>,
}

impl Ingest {
    /// Adds samples; returns how many older ones were dropped to stay within capacity.
    pub fn push(&self, samples: Vec<Observation>) -> usize {
        let mut pending = self.pending.lock().expect("ingest lock");
        pending.extend(samples);
        let excess = pending.len().saturating_sub(CAPACITY);
        if excess > 0 {
            pending.drain(..excess);
        }
        excess
    }

    /// Takes every pending sample.
    pub fn drain(&self) -> Vec<Observation> {
        std::mem::take(&mut *self.pending.lock().expect("ingest lock"))
    }
}
