//! `explain --household TOML`: the CLI parses the text as a TOML table, reads it with
//! `cases::household`, builds the population with `Population::from_households` and explains
//! it with `explain::explain`, then renders it. Here the month is the table's `period` key where
//! it has one that parses (the household reader ignores keys it does not know), else a month
//! picked from the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use slieksnis_engine::explain::{Lang, explain, render};
use slieksnis_engine::population::Population;
use slieksnis_engine::{Period, cases};
use slieksnis_fuzz::{check_population, known, period, pick, policy};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(table) = text.parse::<toml::Table>() else {
        return;
    };
    let Ok(household) = cases::household(&table) else {
        return;
    };
    let Ok(population) = Population::from_households(&[household], known(), "--household") else {
        return;
    };
    check_population(&population, known());
    assert_eq!(population.household_count(), 1);
    let month = table
        .get("period")
        .and_then(|p| p.as_str())
        .and_then(Period::parse)
        .unwrap_or_else(|| period(pick(data)));
    let policy = policy();
    if let Ok(e) = explain(&policy.rules, &policy.parameters, &population, 0, month) {
        for lang in [Lang::En, Lang::Lv] {
            let shown = render(&e, policy, lang);
            assert!(!shown.is_empty());
        }
    }
});
