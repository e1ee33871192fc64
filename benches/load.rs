//! Households per second: reading and validating a population from its two CSV files.
//!
//!     cargo bench -p slieksnis-benches --bench load
//!
//! The target (design notes §1): 1 000 000 households (2.2 M persons, ~85 MB) well under half a
//! second on 2 cores.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use slieksnis_benches::{synthetic, to_csv};
use slieksnis_engine::csv_load::Source;
use slieksnis_engine::register;

fn sizes() -> Vec<usize> {
    if std::env::args().any(|a| a == "--bench") {
        vec![100_000, 1_000_000]
    } else {
        vec![10_000]
    }
}

fn load(c: &mut Criterion) {
    let slugs = register::slugs();
    let known: Vec<&str> = slugs.iter().map(String::as_str).collect();
    let mut group = c.benchmark_group("load");
    group.sample_size(10);
    for n in sizes() {
        let (hh, pp) = to_csv(&synthetic(n, "ogres-novads", 2025));
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("csv", n), &(hh, pp), |b, (hh, pp)| {
            b.iter(|| {
                black_box(
                    slieksnis_engine::load(
                        Source {
                            name: "households.csv",
                            bytes: hh,
                        },
                        Source {
                            name: "persons.csv",
                            bytes: pp,
                        },
                        &known,
                    )
                    .unwrap(),
                )
            })
        });
    }
    group.finish();
}

criterion_group!(benches, load);
criterion_main!(benches);
