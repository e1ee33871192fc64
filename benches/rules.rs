//! Households per second: the Latvian 2025 rules as rhai scripts over columns, against the same
//! rules hand-written in Rust, in one group so the ratio is visible.
//!
//!     cargo bench -p slieksnis-benches --bench rules
//!
//! Under `cargo test --benches` each case runs once, on the smallest population only.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use slieksnis_benches::{OGRE_2025, synthetic};
use slieksnis_engine::simulate::{DEFAULT_CHUNK, prepare};
use slieksnis_engine::{Period, Policy, policy, simulate};

fn sizes() -> Vec<usize> {
    // `cargo bench` passes --bench; `cargo test --benches` does not.
    if std::env::args().any(|a| a == "--bench") {
        vec![10_000, 100_000, 1_000_000]
    } else {
        vec![10_000]
    }
}

fn rules(c: &mut Criterion) {
    let policy = Policy::load(&policy::builtin()).expect("the default policy loads");
    let period = Period::parse("2025-06").unwrap();
    let mut group = c.benchmark_group("rules");
    group.sample_size(20);
    for n in sizes() {
        let pop = Arc::new(synthetic(n, "ogres-novads", 2025));
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("handwritten", n), &pop, |b, pop| {
            b.iter(|| black_box(OGRE_2025.run(&policy.schema, pop)))
        });
        // The rules as the engine runs them: planned and compiled once (as for every run of a
        // sweep or every month of a year with the same parameters), then run.
        let prepared = prepare(
            &policy.rules,
            &policy.parameters,
            &policy.schema,
            &pop,
            period,
            false,
        )
        .unwrap();
        group.bench_with_input(BenchmarkId::new("scripted", n), &pop, |b, pop| {
            b.iter(|| black_box(prepared.run(pop, DEFAULT_CHUNK).unwrap()))
        });
        // The same with planning and compiling in every run (about 0.1 ms per municipality).
        group.bench_with_input(BenchmarkId::new("scripted+plan", n), &pop, |b, pop| {
            b.iter(|| {
                black_box(
                    simulate(
                        &policy.rules,
                        &policy.parameters,
                        &policy.schema,
                        pop,
                        period,
                        DEFAULT_CHUNK,
                    )
                    .unwrap(),
                )
            })
        });
    }
    group.finish();

    // The fixed cost of a run, paid once per municipality: resolving the parameters, running
    // the scripts to build the column graph, and compiling it into a program.
    let pop = Arc::new(synthetic(1, "ogres-novads", 2025));
    c.bench_function("plan/ogre-2025", |b| {
        b.iter(|| {
            let resolved = policy
                .parameters
                .resolve(period.first_day(), "ogres-novads")
                .unwrap();
            let plan = policy.rules.plan(&pop, &resolved, false).unwrap();
            black_box(plan)
        })
    });

    // Chunk size: the unit of work handed to a thread (the program runs in cache-sized tiles
    // inside each chunk).
    let n = 100_000;
    let pop = Arc::new(synthetic(n, "ogres-novads", 2025));
    let prepared = prepare(
        &policy.rules,
        &policy.parameters,
        &policy.schema,
        &pop,
        period,
        false,
    )
    .unwrap();
    let mut group = c.benchmark_group("chunk");
    group.sample_size(20);
    group.throughput(Throughput::Elements(n as u64));
    for chunk in [1_024, 4_096, 8_192, 16_384, 32_768] {
        group.bench_with_input(BenchmarkId::new("scripted", chunk), &chunk, |b, &chunk| {
            b.iter(|| black_box(prepared.run(&pop, chunk).unwrap()))
        });
    }
    group.finish();
}

criterion_group!(benches, rules);
criterion_main!(benches);
