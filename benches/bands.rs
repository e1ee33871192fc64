//! One council's year with uncertainty bands: Tukums 2026 over the default 10 replicates, each
//! generated, projected and summarised (`engine/src/bands.rs`), then banded — what
//! `run --municipality tukuma-novads --year 2026` does besides reading and writing files.
//!
//!     cargo bench -p slieksnis-benches --bench bands
//!
//! Under `cargo test --benches` it runs once, with 2 replicates.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use slieksnis_engine::bands::{self, Bands};
use slieksnis_engine::profile::{Profile, Profiles};
use slieksnis_engine::run::{self, Configuration, Horizon};
use slieksnis_engine::simulate::DEFAULT_CHUNK;
use slieksnis_engine::{Policy, policy};

fn council_year(c: &mut Criterion) {
    let policy = Policy::load(&policy::builtin()).expect("the default policy loads");
    let all = Profiles::builtin()
        .all()
        .expect("the shipped profiles load");
    let profiles: Vec<&Profile> = all.iter().filter(|p| p.slug == "tukuma-novads").collect();
    let (year, seed) = (2026, 1);
    let sigmas = bands::Uncertainty::shipped().sigmas(&profiles, year);
    // `cargo bench` passes --bench; `cargo test --benches` does not.
    let replicates = if std::env::args().any(|a| a == "--bench") {
        10
    } else {
        2
    };
    let mut group = c.benchmark_group("bands");
    group.sample_size(10);
    group.bench_function(format!("tukuma-novads-2026-{replicates}-replicates"), |b| {
        b.iter(|| {
            let summaries = bands::run_replicates(0..replicates, |r| {
                let (population, behaviour) = bands::replicate(&profiles, year, seed, r, &sigmas);
                run::run(
                    &Configuration {
                        policy: &policy,
                        rules: None,
                        parameters: &policy.parameters,
                        population: &Arc::new(population),
                        horizon: Horizon::Year(year),
                        behaviour: &behaviour,
                        chunk_size: DEFAULT_CHUNK,
                    },
                    &|_| {},
                )
                .map(|r| r.summary)
            })
            .unwrap();
            black_box(Bands::of(&summaries))
        })
    });
    group.finish();
}

criterion_group!(benches, council_year);
criterion_main!(benches);
