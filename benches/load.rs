//! Households per second: reading and validating a population from its two CSV files.
//!
//!     cargo bench -p slieksnis-benches --bench load
//!
//! The target (design notes §1): 1 000 000 households (2.2 M persons, ~85 MB) well under half a
//! second on 2 cores. `csv` has numbered ids (1, 2, …); `csv-text` the same population with ids
//! as a register extract gives them (`LV-0000001`, persons `P-0000001`), so every id is kept as
//! text (`slieksnis_engine::ids`).

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use slieksnis_benches::{synthetic, to_csv, with_text_ids};
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
        let numbered = to_csv(&synthetic(n, "ogres-novads", 2025));
        let text = with_text_ids(&numbered);
        group.throughput(Throughput::Elements(n as u64));
        for (name, (hh, pp)) in [("csv", &numbered), ("csv-text", &text)] {
            let read = || {
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
                .unwrap()
            };
            let (pop, _) = read();
            eprintln!(
                "{name}/{n}: {:.1} MB of CSV; ids take {:.1} MB in memory ({} households, {} persons)",
                (hh.len() + pp.len()) as f64 / 1e6,
                (pop.households.id.heap_bytes() + pop.persons.id.heap_bytes()) as f64 / 1e6,
                pop.household_count(),
                pop.person_count(),
            );
            group.bench_function(BenchmarkId::new(name, n), |b| b.iter(|| black_box(read())));
        }
    }
    group.finish();
}

criterion_group!(benches, load);
criterion_main!(benches);
