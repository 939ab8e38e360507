//! In-process assignment throughput: one cohort's assigner over a batch of unit ids, for each
//! algorithm (budget: ≥ 50 million evaluations per second per core). Run with
//! `cargo bench --bench assign`.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use cutover::assign::{Algorithm, CohortAssigner};
use cutover::metrics::Variant;
use cutover::plan::Weight;

fn assignment(c: &mut Criterion) {
    let short: Vec<String> = (0..4096).map(|i| format!("user-{i:08}")).collect();
    let long: Vec<String> = (0..4096)
        .map(|i| format!("tenant-eu-west/account-{i:012}/agent"))
        .collect();
    let mut group = c.benchmark_group("assign");
    group.throughput(Throughput::Elements(short.len() as u64));
    for algorithm in Algorithm::ALL {
        let assigner = CohortAssigner::new(
            algorithm,
            "vividwalls-2025",
            "sales/individual_collectors",
            Weight::from_bp(2500).unwrap(),
        );
        for (label, units) in [("13-byte ids", &short), ("38-byte ids", &long)] {
            group.bench_function(format!("{algorithm}/{label}"), |b| {
                b.iter(|| {
                    units
                        .iter()
                        .filter(|u| assigner.variant(black_box(u)) == Variant::Enhanced)
                        .count()
                });
            });
        }
    }
    group.finish();
}

criterion_group!(benches, assignment);
criterion_main!(benches);
