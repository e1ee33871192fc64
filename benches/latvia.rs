//! All of Latvia: generating every local government's households from the profiles, and
//! projecting a year over them (twelve monthly runs with take-up, grant periods and job
//! changes), in households per second.
//!
//!     cargo bench -p slieksnis-benches --bench latvia
//!
//! Under `cargo test --benches` each case runs once, on Ogre only.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use slieksnis_engine::annual::{Behaviour, project};
use slieksnis_engine::generate::generate;
use slieksnis_engine::profile::{Profile, Profiles};
use slieksnis_engine::{Policy, policy};

fn latvia(c: &mut Criterion) {
    let policy = Policy::load(&policy::builtin()).expect("the default policy loads");
    let all = Profiles::builtin()
        .all()
        .expect("the shipped profiles load");
    // `cargo bench` passes --bench; `cargo test --benches` does not.
    let everyone = std::env::args().any(|a| a == "--bench");
    let profiles: Vec<&Profile> = all
        .iter()
        .filter(|p| everyone || p.slug == "ogres-novads")
        .collect();
    let (year, seed) = (2026, 1);
    let population = Arc::new(generate(&profiles, year, seed));
    let behaviour = Behaviour::from_profiles(&profiles, year, seed);
    let mut group = c.benchmark_group("latvia");
    group.sample_size(10);
    group.throughput(Throughput::Elements(population.household_count() as u64));
    group.bench_function("generate", |b| {
        b.iter(|| black_box(generate(&profiles, year, seed)))
    });
    group.bench_function("year", |b| {
        b.iter(|| {
            black_box(
                project(
                    &policy.rules,
                    &policy.parameters,
                    &policy.schema,
                    &population,
                    year,
                    &behaviour,
                    &|_| {},
                )
                .unwrap(),
            )
        })
    });
    group.finish();
}

criterion_group!(benches, latvia);
criterion_main!(benches);
