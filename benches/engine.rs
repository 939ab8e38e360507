//! One engine evaluation over the largest seed profile (VividWalls: 19 cohorts, 6 alert
//! rules, 21 steps): a metric window of every cohort, metric and variant through alert
//! rules, gate streaks and housekeeping; and a bare clock tick. Run with
//! `cargo bench --bench engine`.

use std::hint::black_box;
use std::path::Path;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use cutover::engine::{self, EngineState, Input};
use cutover::metrics::{MetricWindow, Observation, Variant};
use cutover::plan::Plan;
use cutover::time::{Period, Timestamp};

fn window(plan: &Plan, at: Timestamp) -> MetricWindow {
    let mut observations = Vec::new();
    for c in plan.cohorts() {
        for (id, def) in &plan.profile().metrics {
            let variants: &[Option<Variant>] = if def.compare {
                &[Some(Variant::Legacy), Some(Variant::Enhanced)]
            } else {
                &[None]
            };
            for v in variants {
                observations.push(Observation {
                    metric: id.clone(),
                    cohort: c.id.clone(),
                    variant: *v,
                    value: 0.01,
                    count: 1000,
                });
            }
        }
    }
    MetricWindow { at, observations }
}

fn evaluation(c: &mut Criterion) {
    let plan = cutover::plan::load_file(Path::new("profiles/vividwalls.toml")).unwrap();
    let start = Timestamp(1_700_000_000_000);
    let mut state = EngineState::new(&plan, start);
    // Fill the judge's history so that gates reading it do real work.
    for i in 1..=12 {
        engine::handle(
            &plan,
            &mut state,
            Input::Metrics(window(&plan, start.plus(Period::minutes(i)))),
        );
    }
    let at = start.plus(Period::minutes(13));
    let next = window(&plan, at);
    println!("window: {} observations", next.observations.len());
    let mut group = c.benchmark_group("engine");
    group.bench_function("metrics window (vividwalls)", |b| {
        b.iter_batched(
            || (state.clone(), next.clone()),
            |(mut s, w)| black_box(engine::handle(&plan, &mut s, Input::Metrics(w))),
            BatchSize::SmallInput,
        );
    });
    group.bench_function("tick (vividwalls)", |b| {
        b.iter_batched(
            || state.clone(),
            |mut s| black_box(engine::handle(&plan, &mut s, Input::Tick(at))),
            BatchSize::SmallInput,
        );
    });
    group.finish();
}

criterion_group!(benches, evaluation);
criterion_main!(benches);
