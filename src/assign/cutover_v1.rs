//! `cutover-v1`: the hash cutover used before the OpenFeature algorithms, kept for rollouts
//! journaled with it. A unit's bucket is `hash(salt, cohort, unit)` reduced to 0..10,000.
//!
//! The hash is part of the protocol (apps may evaluate locally from the pushed config), so it
//! is specified here exactly, all arithmetic wrapping on u64, integers little-endian:
//!
//! 1. `seed = mix(fnv1a(salt) ^ fnv1a(cohort).rotate_left(17))`, where `fnv1a` is 64-bit
//!    FNV-1a and `mix` the `SplitMix64` finaliser.
//! 2. `h = seed ^ (len(unit) * 0x9E3779B97F4A7C15)`; for each 8-byte chunk of the unit's UTF-8
//!    bytes (the last zero-padded): `h = (h ^ chunk) * 0xFF51AFD7ED558CCD; h ^= h >> 32`.
//! 3. `bucket = ((mix(h) >> 32) * 10000) >> 32`.

use super::BUCKETS;

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
