//! Sticky assignment: which variant serves a unit (a user, an agent, a tenant) of a cohort.
//!
//! A unit's bucket (0..10,000) never changes while a rollout runs; the unit is on enhanced when
//! its bucket is below the cohort's weight in basis points. Raising a weight therefore only
//! moves units from legacy to enhanced, never back; a rollback or kill sets the weight to zero.
//!
//! How the bucket is computed is the rollout's [`Algorithm`], recorded in its journal when it
//! starts and never changed while it runs (a different hash would move enhanced units back).
//! The two `fractional` algorithms are flagd's `fractional` operator, so OpenFeature providers
//! that evaluate in-process agree with cutover to the unit. The rule, exactly:
//!
//! - the bucketing value is the string `SALT + "/" + COHORT + "/" + UNIT` (JsonLogic
//!   `{"cat": [SALT, "/", {"var": "cohort"}, "/", {"var": "targetingKey"}]}`);
//! - `hash` is MurmurHash3 `x86_32`, seed 0, of the value's UTF-8 bytes (`fractional-v2`: flagd
//!   0.16, JS flagd-core 4.x) or of its canonical CBOR encoding, a text string (`fractional-v3`:
//!   Python flagd-core 2.x);
//! - `bucket = (hash × 10,000) >> 32`, and the variants `[["enhanced", w], ["legacy", 10,000 −
//!   w]]` are walked in that order: enhanced when `bucket < w`.
//!
//! JS evaluators hash UTF-16 code units, so only ASCII salts, cohorts and units agree
//! everywhere; `plan check` requires ASCII salts and cohort ids.

pub mod cutover_v1;
pub mod murmur;

use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use crate::metrics::Variant;
use crate::plan::Weight;
use murmur::Murmur3;

/// How many buckets units are spread over; weights are in the same unit (basis points).
pub const BUCKETS: u64 = 10_000;

/// How a rollout computes buckets; see the module documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Algorithm {
    /// cutover's own hash, for rollouts journaled before the fractional algorithms.
    CutoverV1,
    /// flagd `fractional` over the bucketing string's bytes.
    FractionalV2,
    /// flagd `fractional` over the bucketing string's canonical CBOR encoding.
    #[default]
    FractionalV3,
}

impl Algorithm {
    /// Every algorithm, oldest first.
    pub const ALL: [Algorithm; 3] = [
        Algorithm::CutoverV1,
        Algorithm::FractionalV2,
        Algorithm::FractionalV3,
    ];

    /// The name in profiles, journals and documents.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::CutoverV1 => "cutover-v1",
            Algorithm::FractionalV2 => "fractional-v2",
            Algorithm::FractionalV3 => "fractional-v3",
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Algorithm {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Algorithm::ALL
            .into_iter()
            .find(|a| a.name() == s)
            .ok_or_else(|| {
                format!("unknown assignment algorithm `{s}` (known: fractional-v3, fractional-v2, cutover-v1)")
            })
    }
}

/// The canonical CBOR head of a text string of `len` bytes (major type 3, shortest length).
fn cbor_text_head(len: usize) -> ([u8; 9], usize) {
    let mut head = [0u8; 9];
    let len = len as u64;
    let n = match len {
        0..=23 => {
            head[0] = 0x60 | u8::try_from(len).expect("below 24");
            1
        }
        24..=0xff => {
            head[..2].copy_from_slice(&[0x78, u8::try_from(len).expect("one byte")]);
            2
        }
        0x100..=0xffff => {
            head[0] = 0x79;
            head[1..3].copy_from_slice(&u16::try_from(len).expect("two bytes").to_be_bytes());
            3
        }
        0x1_0000..=0xffff_ffff => {
            head[0] = 0x7a;
            head[1..5].copy_from_slice(&u32::try_from(len).expect("four bytes").to_be_bytes());
            5
        }
        _ => {
            head[0] = 0x7b;
            head[1..9].copy_from_slice(&len.to_be_bytes());
            9
        }
    };
    (head, n)
}

/// `(hash × 10,000) >> 32`.
fn scale(hash: u32) -> u16 {
    u16::try_from((u64::from(hash) * BUCKETS) >> 32).expect("below 10,000")
}

/// Computes buckets for the units of one cohort: the per-cohort work done once, and only the
/// work the algorithm needs.
#[derive(Debug, Clone)]
pub struct CohortBuckets(Hasher);

#[derive(Debug, Clone)]
enum Hasher {
    /// The per-cohort seed.
    CutoverV1(u64),
    /// The hash with `SALT/COHORT/` already fed.
    FractionalV2(Murmur3),
    /// `SALT/COHORT/`, and (when bucketing many units) the hash with the CBOR head and the
    /// prefix already fed, per total length below 256 (the head holds the length), each made
    /// the first time it is needed.
    FractionalV3 {
        prefix: Box<str>,
        heads: Box<[OnceLock<Murmur3>]>,
    },
}

/// Total lengths whose `fractional-v3` head is remembered.
const V3_REMEMBERED: usize = 256;

impl CohortBuckets {
    /// Buckets of `cohort` (`department/cohort`) under `algorithm` and `salt`.
    #[must_use]
    pub fn new(algorithm: Algorithm, salt: &str, cohort: &str) -> CohortBuckets {
        let prefix = || format!("{salt}/{cohort}/");
        CohortBuckets(match algorithm {
            Algorithm::CutoverV1 => Hasher::CutoverV1(cutover_v1::cohort_seed(salt, cohort)),
            Algorithm::FractionalV2 => {
                let mut m = Murmur3::default();
                m.write(prefix().as_bytes());
                Hasher::FractionalV2(m)
            }
            Algorithm::FractionalV3 => Hasher::FractionalV3 {
                prefix: prefix().into(),
                heads: Box::new([]),
            },
        })
    }

    /// The same, remembering `fractional-v3`'s hash state per unit length: for bucketing many
    /// units (one evaluation does not pay for the table).
    #[must_use]
    pub fn for_many(algorithm: Algorithm, salt: &str, cohort: &str) -> CohortBuckets {
        let mut buckets = CohortBuckets::new(algorithm, salt, cohort);
        if let Hasher::FractionalV3 { heads, .. } = &mut buckets.0 {
            *heads = (0..V3_REMEMBERED).map(|_| OnceLock::new()).collect();
        }
        buckets
    }

    /// `unit`'s bucket, 0..10,000.
    #[must_use]
    #[inline]
    pub fn bucket(&self, unit: &str) -> u16 {
        match &self.0 {
            Hasher::CutoverV1(seed) => cutover_v1::bucket(*seed, unit),
            Hasher::FractionalV2(after_prefix) => {
                let mut m = *after_prefix;
                m.write(unit.as_bytes());
                scale(m.finish())
            }
            Hasher::FractionalV3 { prefix, heads } => {
                let total = prefix.len() + unit.len();
                let headed = || {
                    let (head, n) = cbor_text_head(total);
                    let mut m = Murmur3::default();
                    m.write(&head[..n]);
                    m.write(prefix.as_bytes());
                    m
                };
                let mut m = match heads.get(total) {
                    Some(cell) => *cell.get_or_init(headed),
                    None => headed(),
                };
                m.write(unit.as_bytes());
                scale(m.finish())
            }
        }
    }
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

/// Assigns units of one cohort at one weight.
#[derive(Debug, Clone)]
pub struct CohortAssigner {
    buckets: CohortBuckets,
    weight: Weight,
}

impl CohortAssigner {
    /// An assigner for `cohort` (`department/cohort`) at `weight`.
    #[must_use]
    pub fn new(algorithm: Algorithm, salt: &str, cohort: &str, weight: Weight) -> CohortAssigner {
        CohortAssigner {
            buckets: CohortBuckets::for_many(algorithm, salt, cohort),
            weight,
        }
    }

    /// The variant serving `unit`.
    #[must_use]
    #[inline]
    pub fn variant(&self, unit: &str) -> Variant {
        variant_for(self.buckets.bucket(unit), self.weight)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// flagd's testbed, `fractional-flag`: bucketing value `"fractional-flag" + name`, four
    /// variants of 25 (clubs, diamonds, hearts, spades), under `@fractional-v2` and
    /// `@fractional-v3`.
    const TESTBED: [(&str, &str, &str); 5] = [
        ("jack", "hearts", "diamonds"),
        ("queen", "spades", "diamonds"),
        ("ten", "clubs", "clubs"),
        ("nine", "diamonds", "clubs"),
        ("3", "clubs", "spades"),
    ];

    fn suit(hash: u32) -> &'static str {
        let bucket = (u64::from(hash) * 100) >> 32;
        ["clubs", "diamonds", "hearts", "spades"][usize::try_from(bucket / 25).unwrap()]
    }

    #[test]
    fn the_testbed_vectors_hold() {
        for (name, v2, v3) in TESTBED {
            let value = format!("fractional-flag{name}");
            assert_eq!(suit(murmur::hash(value.as_bytes())), v2, "v2 {name}");
            let (head, n) = cbor_text_head(value.len());
            let mut cbor = head[..n].to_vec();
            cbor.extend_from_slice(value.as_bytes());
            assert_eq!(suit(murmur::hash(&cbor)), v3, "v3 {name}");
        }
    }

    #[test]
    fn cohort_buckets_hash_the_bucketing_string() {
        let value = "vividwalls/sales/individual_collectors/user-1";
        let v2 = CohortBuckets::new(
            Algorithm::FractionalV2,
            "vividwalls",
            "sales/individual_collectors",
        );
        assert_eq!(v2.bucket("user-1"), scale(murmur::hash(value.as_bytes())));
        let v3 = CohortBuckets::new(
            Algorithm::FractionalV3,
            "vividwalls",
            "sales/individual_collectors",
        );
        let mut cbor = vec![0x78, u8::try_from(value.len()).unwrap()];
        cbor.extend_from_slice(value.as_bytes());
        assert_eq!(v3.bucket("user-1"), scale(murmur::hash(&cbor)));
        // Pinned, computed with Python's mmh3 and cbor2 (what openfeature-flagd-core uses).
        assert_eq!((v2.bucket("user-1"), v3.bucket("user-1")), PINNED);
    }

    const PINNED: (u16, u16) = (3760, 6352);

    #[test]
    fn remembered_heads_give_the_buckets_computed_afresh() {
        let b = CohortBuckets::for_many(Algorithm::FractionalV3, "salt", "d/c");
        let long = "u".repeat(300);
        for unit in [
            "",
            "a",
            "user-1",
            "user-1",
            long.as_str(),
            &long[..240],
            &long[..241],
        ] {
            let value = format!("salt/d/c/{unit}");
            let (head, n) = cbor_text_head(value.len());
            let mut cbor = head[..n].to_vec();
            cbor.extend_from_slice(value.as_bytes());
            assert_eq!(
                b.bucket(unit),
                scale(murmur::hash(&cbor)),
                "{} bytes",
                value.len()
            );
        }
    }

    #[test]
    fn cbor_heads_are_shortest() {
        assert_eq!(cbor_text_head(0).0[..1], [0x60]);
        assert_eq!(cbor_text_head(23).0[..1], [0x77]);
        assert_eq!(cbor_text_head(24).0[..2], [0x78, 24]);
        assert_eq!(cbor_text_head(256).0[..3], [0x79, 1, 0]);
        assert_eq!(cbor_text_head(65_536).0[..5], [0x7a, 0, 1, 0, 0]);
    }

    #[test]
    fn names_round_trip() {
        for a in Algorithm::ALL {
            assert_eq!(a.name().parse::<Algorithm>(), Ok(a));
        }
        assert!(
            "fractional"
                .parse::<Algorithm>()
                .unwrap_err()
                .contains("fractional-v3")
        );
    }

    #[test]
    fn buckets_spread_evenly_under_every_algorithm() {
        for a in Algorithm::ALL {
            let b = CohortBuckets::new(a, "salt", "dept/cohort");
            let mut deciles = [0u32; 10];
            for i in 0..100_000 {
                deciles[usize::from(b.bucket(&format!("unit-{i}")) / 1000)] += 1;
            }
            for (d, n) in deciles.iter().enumerate() {
                assert!(
                    (9_000..=11_000).contains(n),
                    "{a}: decile {d} has {n} of 100000"
                );
            }
        }
    }

    fn algorithm() -> impl Strategy<Value = Algorithm> {
        prop_oneof![
            Just(Algorithm::CutoverV1),
            Just(Algorithm::FractionalV2),
            Just(Algorithm::FractionalV3)
        ]
    }

    proptest! {
        #[test]
        fn raising_a_weight_never_moves_a_unit_back(a in algorithm(), unit in ".{0,40}", x in 0u32..=10_000, y in 0u32..=10_000) {
            let (low, high) = (x.min(y), x.max(y));
            let before = CohortAssigner::new(a, "s", "d/c", Weight::from_bp(low).unwrap()).variant(&unit);
            let after = CohortAssigner::new(a, "s", "d/c", Weight::from_bp(high).unwrap()).variant(&unit);
            prop_assert!(!(before == Variant::Enhanced && after == Variant::Legacy));
        }

        #[test]
        fn zero_weight_is_all_legacy_and_full_is_all_enhanced(a in algorithm(), unit in ".{0,40}") {
            prop_assert_eq!(CohortAssigner::new(a, "s", "d/c", Weight::ZERO).variant(&unit), Variant::Legacy);
            prop_assert_eq!(CohortAssigner::new(a, "s", "d/c", Weight::FULL).variant(&unit), Variant::Enhanced);
        }
    }
}
