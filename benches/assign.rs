//! In-process assignment throughput: one cohort's assigner over a batch of unit ids
//! (budget: ≥ 50 million evaluations per second per core). Run with `cargo bench --bench assign`.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use cutover::assign::CohortAssigner;
use cutover::plan::Weight;

fn assignment(c: &mut Criterion) {
    let units: Vec<String> = (0..4096).map(|i| format!("user-{i:08}")).collect();
    let long: Vec<String> = (0..4096)
        .map(|i| format!("tenant-eu-west/account-{i:012}/agent"))
        .collect();
    let assigner = CohortAssigner::new(
        "vividwalls-2025",
        "sales/individual_collectors",
        Weight::from_bp(2500).unwrap(),
    );
    let mut group = c.benchmark_group("assign");
    group.throughput(Throughput::Elements(units.len() as u64));
    group.bench_function("variant/13-byte ids", |b| {
        b.iter(|| {
            units
                .iter()
                .filter(|u| assigner.variant(black_box(u)) == cutover::metrics::Variant::Enhanced)
                .count()
        });
    });
    group.bench_function("variant/38-byte ids", |b| {
        b.iter(|| {
            long.iter()
                .filter(|u| assigner.variant(black_box(u)) == cutover::metrics::Variant::Enhanced)
                .count()
        });
    });
    group.finish();
}

criterion_group!(benches, assignment);
criterion_main!(benches);
