//! Sweeps and goal-seeking on one population and its draws: a 31-point sweep of a council's
//! low-income share over a year (Tukums, 0.50…0.80 by 0.01), beside one year's run of it; the
//! search for the highest share whose municipal net cost stays at most 900 000 EUR; and a
//! 31-point sweep of every council's share over all of Latvia's year.
//!
//!     cargo bench -p slieksnis-benches --bench sweep
//!
//! Under `cargo test --benches` each case runs once, on three points and Ogre's households for
//! the all-councils case.

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use rayon::prelude::*;
use rust_decimal::Decimal;
use slieksnis_engine::annual::Behaviour;
use slieksnis_engine::generate::generate;
use slieksnis_engine::profile::{Profile, Profiles};
use slieksnis_engine::run::{Configuration, Horizon, run};
use slieksnis_engine::simulate::DEFAULT_CHUNK;
use slieksnis_engine::sweep::{self, Axis, Found, Goal, Point, Want};
use slieksnis_engine::{Policy, policy};

const YEAR: i32 = 2026;

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn sweeps(c: &mut Criterion) {
    let policy = Policy::load(&policy::builtin()).expect("the default policy loads");
    let all = Profiles::builtin()
        .all()
        .expect("the shipped profiles load");
    // `cargo bench` passes --bench; `cargo test --benches` does not.
    let full = std::env::args().any(|a| a == "--bench");
    let values = if full {
        sweep::grid(d("0.50"), d("0.80"), d("0.01")).unwrap()
    } else {
        vec![d("0.5"), d("0.65"), d("0.8")]
    };
    let of = |pick: &dyn Fn(&Profile) -> bool| {
        let profiles: Vec<&Profile> = all.iter().filter(|p| pick(p)).collect();
        let population = Arc::new(generate(&profiles, YEAR, 1));
        let behaviour = Behaviour::from_profiles(&profiles, YEAR, 1);
        (population, behaviour)
    };
    let mut group = c.benchmark_group("sweep");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(if full { 20 } else { 1 }));
    group.warm_up_time(Duration::from_secs(1));

    let (tukums, behaviour) = of(&|p| p.slug == "tukuma-novads");
    let base = Configuration {
        policy: &policy,
        rules: None,
        parameters: &policy.parameters,
        population: &tukums,
        horizon: Horizon::Year(YEAR),
        behaviour: &behaviour,
        chunk_size: DEFAULT_CHUNK,
    };
    let axis = Axis::parse("municipalities.tukuma-novads.low_income.pct");
    group.bench_function("tukums-year-run", |b| {
        b.iter(|| black_box(run(&base, &|_| {}).unwrap()))
    });
    group.bench_function("tukums-year-31-points", |b| {
        b.iter(|| black_box(sweep::sweep(&base, &axis, &values).unwrap()))
    });
    group.bench_function("tukums-year-solve", |b| {
        b.iter(|| black_box(solve(&base, &axis)))
    });

    let everyone = |p: &Profile| full || p.slug == "ogres-novads";
    let (latvia, behaviour) = of(&everyone);
    let base = Configuration {
        population: &latvia,
        behaviour: &behaviour,
        ..base
    };
    let axis = Axis::parse("municipalities.*.low_income.pct");
    group.bench_function("latvia-year-31-points", |b| {
        b.iter(|| black_box(sweep::sweep(&base, &axis, &values).unwrap()))
    });
    group.finish();
}

/// What `slieksnis solve … --measure municipal_net_eur --at-most 900000` does: the grid in
/// whole euros of the threshold, the span the rules accept, the bisection.
fn solve(base: &Configuration, axis: &Axis) -> Found {
    let grid = sweep::solve_grid(base, axis, None, None, None).unwrap();
    let values: Vec<Decimal> = grid.points.iter().map(|p| p.value).collect();
    let (lo, hi) = sweep::accepted_span(base, axis, &values).unwrap();
    let searched = &values[lo..=hi];
    let mut eval = |idx: &[usize]| -> Result<Vec<i64>, ()> {
        Ok(idx
            .par_iter()
            .map(
                |&i| match sweep::evaluate(base, axis, searched[i]).unwrap() {
                    Point::Ran(r) => r.summary.total.municipal_net_cents(),
                    Point::Skipped(m) => panic!("{m}"),
                },
            )
            .collect())
    };
    sweep::search(
        searched.len(),
        Goal::AtMost(90_000_000),
        Want::Highest,
        &mut eval,
    )
    .unwrap()
    .found
}

criterion_group!(benches, sweeps);
criterion_main!(benches);
