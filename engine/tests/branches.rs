//! The rules' branches (`lesson::branches`): every side a household's evaluation records is one
//! the scripts' syntax trees list, and the sides are the ones its numbers take.

use slieksnis_engine::explain::explain;
use slieksnis_engine::lesson::{Lang, branches};
use slieksnis_engine::policy::{Policy, builtin};
use slieksnis_engine::{Period, Population, cases, register};

fn household(toml_text: &str) -> Population {
    let table: toml::Table = toml_text.parse().unwrap();
    let slugs = register::slugs();
    let known: Vec<&str> = slugs.iter().map(String::as_str).collect();
    cases::household(&table, &known).unwrap()
}

/// The branches a household meets are sides of the rules' own branch points, and the sides its
/// numbers say: the pensioner of Tukums (500 € > needy threshold 425 €, ≤ low-income 595 €) is
/// not needy by income, low-income by income, passes the savings test, gets no GMI benefit.
#[test]
fn a_household_meets_the_sides_its_numbers_take() {
    let policy = Policy::load(&builtin()).unwrap();
    let pop = household(
        "municipality = \"tukuma-novads\"\nhousing_costs = 300\npersons = [{ age = 70, income = 500 }]",
    );
    let e = explain(
        &policy.rules,
        &policy.schema,
        &policy.parameters,
        &pop,
        0,
        Period::parse("2026-03").unwrap(),
    )
    .unwrap();
    let met = branches::met(&e);
    let all = branches::all(&policy, Lang::En);
    for id in &met {
        assert!(
            all.iter().any(|b| &b.id == id),
            "{id} is not a branch of the rules"
        );
    }
    let side = |code: &str| -> Vec<bool> {
        all.iter()
            .filter(|b| b.code == code && met.contains(&b.id))
            .map(|b| b.side)
            .collect()
    };
    assert_eq!(side("h.income <= h.needy_threshold"), [false]);
    assert_eq!(side("h.income <= h.low_income_threshold"), [true]);
    assert_eq!(side("h.savings <= savings_limit"), [true]);
    // One person alone: the housing benefit's K for one pensioner alone.
    assert_eq!(side("h.size == 1"), [true]);
    // Each side met once at most, and a point reached gives one side for one person.
    assert!(met.len() < all.len());
    // The same household in Latvian has the same branches, in Latvian words.
    let lv = branches::all(&policy, Lang::Lv);
    assert_eq!(lv.len(), all.len());
    let needy_lv = lv
        .iter()
        .find(|b| b.code == "h.income <= h.needy_threshold" && !b.side)
        .unwrap();
    assert_eq!(
        needy_lv.words,
        "ienākumi ≤ trūcīgas mājsaimniecības slieksnis — nē"
    );
}

/// Every branch any case file's household meets is one the rules list (the places the engine
/// records while the rules run are the places found in the scripts' syntax trees), and the case
/// files together meet most of them, both sides of the needy and low-income income tests among
/// them.
#[test]
fn the_case_files_meet_branches_the_rules_list() {
    let policy = Policy::load(&builtin()).unwrap();
    let all = branches::all(&policy, Lang::En);
    let slugs = register::slugs();
    let known: Vec<&str> = slugs.iter().map(String::as_str).collect();
    let mut met = std::collections::BTreeSet::new();
    let mut households = 0;
    for (file, text) in cases::builtin() {
        for case in cases::households(file, text).unwrap() {
            let pop = cases::household(&case.household, &known).unwrap();
            let e = explain(
                &policy.rules,
                &policy.schema,
                &policy.parameters,
                &pop,
                0,
                Period::parse(&case.period).unwrap(),
            )
            .unwrap();
            met.extend(branches::met(&e));
            households += 1;
        }
    }
    assert!(households > 100, "{households} case households");
    for id in &met {
        assert!(
            all.iter().any(|b| &b.id == id),
            "{id} is not a branch of the rules"
        );
    }
    for code in [
        "h.income <= h.needy_threshold",
        "h.income <= h.low_income_threshold",
    ] {
        for side in [true, false] {
            let b = all
                .iter()
                .find(|b| b.code == code && b.side == side)
                .unwrap();
            assert!(met.contains(&b.id), "{} not met by any case", b.id);
        }
    }
    // `h.size < 0` (no crisis column: nobody met a crisis) is never yes.
    let never = all
        .iter()
        .find(|b| b.code == "h.size < 0" && b.side)
        .unwrap();
    assert!(!met.contains(&never.id));
    eprintln!(
        "the case files meet {} of {} branches",
        met.len(),
        all.len()
    );
}
