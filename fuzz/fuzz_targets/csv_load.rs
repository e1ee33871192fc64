//! The CSV loader: the input is `households.csv`, a NUL byte, `persons.csv`. A population that
//! loads must be consistent, written back as CSV it must load to the same columns, and the
//! rules must run on it (or stop with an error: an overflow on extreme amounts is an error).
#![no_main]

use libfuzzer_sys::fuzz_target;
use slieksnis_engine::csv_load::Source;
use slieksnis_engine::{csv_write, load, simulate};
use slieksnis_fuzz::{check_outcome, check_population, known, period, pick, policy, split_nul};

fuzz_target!(|data: &[u8]| {
    let (households, persons) = split_nul(data);
    let source = |name, bytes| Source { name, bytes };
    let Ok((population, _report)) = load(
        source("households.csv", households),
        source("persons.csv", persons),
        known(),
    ) else {
        return;
    };
    check_population(&population, known());
    if let Ok((h, p)) = csv_write::to_csv(&population) {
        let (again, _) = load(
            source("households.csv", h.as_bytes()),
            source("persons.csv", p.as_bytes()),
            known(),
        )
        .expect("what csv_write writes loads");
        assert_eq!(
            again, population,
            "loading what csv_write wrote changed the population"
        );
    }
    if population.household_count() <= 256 {
        let population = std::sync::Arc::new(population);
        let policy = policy();
        if let Ok(o) = simulate(
            &policy.rules,
            &policy.parameters,
            &policy.schema,
            &population,
            period(pick(data)),
            64,
        ) {
            check_outcome(&population, &o);
        }
    }
});
