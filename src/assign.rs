//! Sticky assignment: which variant serves a unit (a user, an agent, a tenant) of a cohort.
//!
//! A unit's bucket is `hash(salt, cohort, unit)` reduced to 0..10,000; the unit is on enhanced
//! when its bucket is below the cohort's weight in basis points. Because the bucket never
//! changes, raising a weight only moves units from legacy to enhanced, never back; a
//! rollback or kill sets the weight to zero and moves every unit to legacy.
//!
//! The hash is part of the protocol (apps may evaluate locally from the pushed config), so it
//! is specified here exactly, all arithmetic wrapping on u64, integers little-endian:
//!
//! 1. `seed = mix(fnv1a(salt) ^ fnv1a(cohort).rotate_left(17))`, where `fnv1a` is 64-bit
//!    FNV-1a and `mix` the `SplitMix64` finaliser.
//! 2. `h = seed ^ (len(unit) * 0x9E3779B97F4A7C15)`; for each 8-byte chunk of the unit's UTF-8
//!    bytes (the last zero-padded): `h = (h ^ chunk) * 0xFF51AFD7ED558CCD; h ^= h >> 32`.
//! 3. `bucket = ((mix(h) >> 32) * 10000) >> 32`.

use crate::metrics::Variant;
use crate::plan::Weight;

/// How many buckets units are spread over; weights are in the same unit (basis points).
pub const BUCKETS: u64 = 10_000;

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;
const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;
const MULT: u64 = 0xFF51_AFD7_ED55_8CCD;

pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(FNV_OFFSET, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(FNV_PRIME)
    })
}

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The per-cohort seed of the bucket hash (computed once per cohort).
#[must_use]
pub fn cohort_seed(salt: &str, cohort: &str) -> u64 {
    mix(fnv1a(salt.as_bytes()) ^ fnv1a(cohort.as_bytes()).rotate_left(17))
}

/// A unit's bucket (0..10,000) under a cohort seed.
#[must_use]
#[inline]
pub fn bucket(seed: u64, unit: &str) -> u16 {
    let bytes = unit.as_bytes();
    let mut h = seed ^ (bytes.len() as u64).wrapping_mul(GOLDEN);
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let word = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
        h = (h ^ word).wrapping_mul(MULT);
        h ^= h >> 32;
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut buf = [0u8; 8];
        buf[..rest.len()].copy_from_slice(rest);
        h = (h ^ u64::from_le_bytes(buf)).wrapping_mul(MULT);
        h ^= h >> 32;
    }
    u16::try_from(((mix(h) >> 32) * BUCKETS) >> 32).expect("below 10,000")
}

/// The variant a bucket gets at a weight.
#[must_use]
#[inline]
pub fn variant_for(bucket: u16, weight: Weight) -> Variant {
    if bucket < weight.bp() {
        Variant::Enhanced
    } else {
        Variant::Legacy
    }
}

/// Assigns units of one cohort: the seed computed once, then one hash per unit.
#[derive(Debug, Clone, Copy)]
pub struct CohortAssigner {
    seed: u64,
    weight: Weight,
}

impl CohortAssigner {
    /// An assigner for `cohort` (`department/cohort`) at `weight`.
    #[must_use]
    pub fn new(salt: &str, cohort: &str, weight: Weight) -> CohortAssigner {
        CohortAssigner {
            seed: cohort_seed(salt, cohort),
            weight,
        }
    }

    /// The variant serving `unit`.
    #[must_use]
    #[inline]
    pub fn variant(&self, unit: &str) -> Variant {
        variant_for(bucket(self.seed, unit), self.weight)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn buckets_are_stable_across_releases() {
        // Pinned values: apps evaluating locally depend on them. Changing the hash is a
        // protocol change.
        let seed = cohort_seed("vividwalls", "sales/individual_collectors");
        let got: Vec<u16> = ["user-1", "user-2", "a-much-longer-unit-identifier-42"]
            .iter()
            .map(|u| bucket(seed, u))
            .collect();
        assert_eq!(got, PINNED.to_vec());
    }

    // Computed independently from the specification above (a Python transcription of it).
    const PINNED: [u16; 3] = [6313, 3058, 6403];

    #[test]
    fn buckets_spread_evenly() {
        let seed = cohort_seed("salt", "dept/cohort");
        let mut deciles = [0u32; 10];
        for i in 0..100_000 {
            deciles[usize::from(bucket(seed, &format!("unit-{i}")) / 1000)] += 1;
        }
        for (d, n) in deciles.iter().enumerate() {
            assert!((9_000..=11_000).contains(n), "decile {d} has {n} of 100000");
        }
    }

    proptest! {
        #[test]
        fn raising_a_weight_never_moves_a_unit_back(unit in ".{0,40}", a in 0u32..=10_000, b in 0u32..=10_000) {
            let (low, high) = (a.min(b), a.max(b));
            let before = CohortAssigner::new("s", "d/c", Weight::from_bp(low).unwrap()).variant(&unit);
            let after = CohortAssigner::new("s", "d/c", Weight::from_bp(high).unwrap()).variant(&unit);
            prop_assert!(!(before == Variant::Enhanced && after == Variant::Legacy));
        }

        #[test]
        fn zero_weight_is_all_legacy_and_full_is_all_enhanced(unit in ".{0,40}") {
            prop_assert_eq!(CohortAssigner::new("s", "d/c", Weight::ZERO).variant(&unit), Variant::Legacy);
            prop_assert_eq!(CohortAssigner::new("s", "d/c", Weight::FULL).variant(&unit), Variant::Enhanced);
        }
    }
}
