//! What the rules pay is checked before it is summed: whole cents, not negative, and at most
//! `fixed::MAX_AMOUNT` a household and month, so twelve months of it and every total are exact
//! (issue 8, case 5). A policy that breaks this names its script, the variable and the household.

use std::sync::Arc;

use slieksnis_engine::date::Period;
use slieksnis_engine::fixed::{MAX_AMOUNT, SCALE};
use slieksnis_engine::population::{HouseholdInput, PersonInput, Population};
use slieksnis_engine::{Policy, policy, simulate, summarize};

fn population() -> Arc<Population> {
    let households: Vec<HouseholdInput> = (1..=3)
        .map(|id| HouseholdInput {
            id,
            municipality: "ogres-novads".into(),
            housing_costs: 200 * SCALE,
            savings: 0,
            vehicles: None,
            persons: vec![PersonInput {
                id,
                age: 70,
                disabled: false,
                income: 300 * SCALE,
                employed: None,
                nva_registered: None,
            }],
        })
        .collect();
    Arc::new(Population::from_households(&households, &["ogres-novads"], "test").unwrap())
}

/// The default policy with the housing benefit paid as `amount` (a rhai expression).
fn paying(amount: &str) -> Policy {
    let mut files = policy::builtin();
    files.insert(
        "rules/housing_benefit.rhai".into(),
        format!("h.housing_k = h.fill(1);\nh.housing_benefit = h.fill({amount});\n"),
    );
    Policy::load(&files).unwrap()
}

fn run(amount: &str) -> Result<i64, String> {
    let policy = paying(amount);
    let population = population();
    let period = Period::parse("2026-03").unwrap();
    let outcome = simulate(
        &policy.rules,
        &policy.parameters,
        &policy.schema,
        &population,
        period,
        1024,
    )
    .map_err(|e| e.to_string())?;
    Ok(summarize(&population, &outcome)
        .map_err(|e| e.to_string())?
        .total
        .get("housing_eur")
        .unwrap())
}

#[test]
fn the_largest_amount_is_paid_and_summed_exactly() {
    // 10^12 EUR is 10^14 cents; three households.
    assert_eq!(run("1000000000000.00"), Ok(3 * (MAX_AMOUNT / 100)));
}

#[test]
fn an_amount_above_the_largest_is_an_error_naming_the_household() {
    let e = run("1000000000000.01").unwrap_err();
    assert!(
        e.contains("rules/housing_benefit.rhai: h.housing_benefit = 1000000000000.01 for household 1 is above the most a household can be paid in a month"),
        "{e}"
    );
}

#[test]
fn negative_amounts_and_fractions_of_a_cent_are_errors() {
    let e = run("-1").unwrap_err();
    assert!(e.contains("for household 1 is negative"), "{e}");
    let e = run("1.005").unwrap_err();
    assert!(e.contains("has a fraction of a cent"), "{e}");
}
