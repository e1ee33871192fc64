//! `explain --household TOML`: the CLI parses the text as a TOML table, reads it into a
//! population of one household with `cases::household` (every declared input) and explains it
//! with `explain::explain`, then renders it. Here the month is the table's `period` key where
//! it has one that parses (the household reader ignores keys it does not know), else a month
//! picked from the input. An explanation must agree with a run: the outputs its steps set are
//! the outcome `simulate` gives the same household; the branches it met are branches the rules
//! list (`lesson::branches`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::Arc;

use slieksnis_engine::explain::{Lang, explain, render};
use slieksnis_engine::lesson::branches;
use slieksnis_engine::script::Output;
use slieksnis_engine::{Period, cases, simulate};
use slieksnis_fuzz::{check_population, known, period, pick, policy};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(table) = text.parse::<toml::Table>() else {
        return;
    };
    let Ok(population) = cases::household(&table, known()) else {
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
    let Ok(e) = explain(
        &policy.rules,
        &policy.schema,
        &policy.parameters,
        &population,
        0,
        month,
    ) else {
        return;
    };
    for lang in [Lang::En, Lang::Lv] {
        let shown = render(&e, policy, lang);
        assert!(!shown.is_empty());
    }
    let all = branches::all(policy, Lang::En);
    for id in branches::met(&e) {
        assert!(all.iter().any(|b| b.id == id), "{id} is not a branch of the rules");
    }
    let population = Arc::new(population);
    let Ok(o) = simulate(
        &policy.rules,
        &policy.parameters,
        &policy.schema,
        &population,
        month,
        1,
    ) else {
        return;
    };
    let set = |name: &str| {
        e.steps
            .iter()
            .flat_map(|s| &s.set)
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("the explanation does not set {name}"))
    };
    let mask = |name: &str| match set(name) {
        Output::Mask { values, .. } => values[0],
        other => panic!("{name} is {other:?}"),
    };
    let num = |name: &str| match set(name) {
        Output::Num { values, .. } => values[0],
        other => panic!("{name} is {other:?}"),
    };
    // Every declared output: the explanation and the run agree.
    for (k, status) in policy.schema.statuses.iter().enumerate() {
        assert_eq!(
            mask(&status.id),
            o.statuses[k][0],
            "{}: explain against simulate",
            status.id
        );
    }
    for f in &e.financing {
        let id = &policy.schema.benefits[f.benefit].id;
        assert_eq!(num(id), o.amounts[f.benefit][0], "{id}");
        assert_eq!(
            f.amount, o.amounts[f.benefit][0],
            "{id}: financing's amount"
        );
        assert_eq!(f.state, o.state_of(f.benefit, 0), "{id}: state share");
    }
});
