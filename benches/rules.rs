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
use slieksnis_engine::simulate::DEFAULT_CHUNK;
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
            b.iter(|| black_box(OGRE_2025.run(pop)))
        });
        group.bench_with_input(BenchmarkId::new("scripted", n), &pop, |b, pop| {
            b.iter(|| {
                black_box(
                    simulate(
                        &policy.rules,
                        &policy.parameters,
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

    // Chunk size: the interpreter's cost is paid once per chunk.
    let n = 100_000;
    let pop = Arc::new(synthetic(n, "ogres-novads", 2025));
    let mut group = c.benchmark_group("chunk");
    group.sample_size(20);
    group.throughput(Throughput::Elements(n as u64));
    for chunk in [1_024, 4_096, 8_192, 16_384, 32_768] {
        group.bench_with_input(BenchmarkId::new("scripted", chunk), &chunk, |b, &chunk| {
            b.iter(|| {
                black_box(simulate(&policy.rules, &policy.parameters, &pop, period, chunk).unwrap())
            })
        });
    }
    group.finish();
}

criterion_group!(benches, rules);
criterion_main!(benches);
