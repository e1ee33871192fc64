//! The council's own benefits beyond what the case files can say: which councils' values are
//! assumed (and so flagged in every report), that "not offered" is not flagged, that an amount
//! outside its legal range is refused, and that on a generated Ogre the benefits land where
//! Ogre's 2025 report says before take-up is calibrated.

use slieksnis_engine::date::Date;
use slieksnis_engine::generate::generate;
use slieksnis_engine::parameters::Value;
use slieksnis_engine::profile::Profiles;
use slieksnis_engine::script::Output;
use slieksnis_engine::{Policy, policy};

fn policy() -> Policy {
    Policy::load(&policy::builtin()).expect("the default policy loads")
}

/// The council benefits that are assumed defaults for `slug` on `date`.
fn assumed(policy: &Policy, date: &str, slug: &str) -> Vec<String> {
    let resolved = policy
        .parameters
        .resolve(Date::parse(date).unwrap(), slug)
        .unwrap();
    let mut out: Vec<String> = resolved
        .assumed()
        .iter()
        .map(|l| l.name().to_string())
        .filter(|p| p.ends_with("_benefit"))
        .collect();
    out.sort();
    out
}

#[test]
fn unknown_council_values_are_flagged_and_known_ones_are_not() {
    let p = policy();
    let all = [
        "birth_benefit",
        "crisis_benefit",
        "education_benefit",
        "health_benefit",
        "heating_benefit",
        "meals_benefit",
        "other_expenses_benefit",
    ];
    // A council with no entries of its own: every benefit is the assumed default.
    assert_eq!(assumed(&p, "2025-03-01", "madonas-novads"), all);
    // Ogre's health-care and childbirth benefits are its own from 2022; before, assumed.
    let ogre = assumed(&p, "2025-03-01", "ogres-novads");
    assert!(!ogre.contains(&"health_benefit".to_string()), "{ogre:?}");
    assert!(!ogre.contains(&"birth_benefit".to_string()), "{ogre:?}");
    assert!(ogre.contains(&"crisis_benefit".to_string()), "{ogre:?}");
    // Ogre's education benefit is its own, but an estimate from its report (`assumed = true`).
    assert!(ogre.contains(&"education_benefit".to_string()), "{ogre:?}");
    assert_eq!(assumed(&p, "2021-09-01", "ogres-novads"), all);
    // Jūrmala's meals benefit is "not offered" (meals are free for every child): amount 0, not
    // flagged; its health-care benefit is not known.
    let jurmala = assumed(&p, "2025-10-01", "jurmala");
    assert!(
        !jurmala.contains(&"meals_benefit".to_string()),
        "{jurmala:?}"
    );
    assert!(
        !jurmala.contains(&"birth_benefit".to_string()),
        "{jurmala:?}"
    );
    assert!(
        jurmala.contains(&"health_benefit".to_string()),
        "{jurmala:?}"
    );
    // Rīga's childbirth benefit is known at every date.
    assert!(!assumed(&p, "2021-09-01", "riga").contains(&"birth_benefit".to_string()));
}

#[test]
fn a_council_benefit_outside_its_range_is_refused() {
    let mut parameters = policy().parameters;
    let set = |parameters: &mut slieksnis_engine::parameters::ParameterSet, path, value| {
        parameters
            .set(path, Value::parse_cli(value).unwrap(), "--set")
            .map_err(|e| e.to_string())
    };
    assert_eq!(
        set(
            &mut parameters,
            "municipalities.ogres-novads.health_benefit.amount",
            "5000"
        )
        .unwrap_err(),
        "--set: municipalities.ogres-novads.health_benefit.amount: amount = 5000 is outside its \
         legal range 0 … 2000 (EUR a year)"
    );
    assert_eq!(
        set(&mut parameters, "municipalities.riga.crisis_benefit", "-1").unwrap_err(),
        "--set: municipalities.riga.crisis_benefit: -1 is outside its legal range 0 … 20000 \
         (EUR once per household)"
    );
    assert!(
        set(
            &mut parameters,
            "municipalities.tukuma-novads.birth_benefit",
            "{ first = 200, second = 200 }"
        )
        .unwrap_err()
        .contains("is { first, second }, but the parameter is { first, second, third }")
    );
    // Within the range, a field of a council's own value is accepted.
    set(
        &mut parameters,
        "municipalities.ogres-novads.health_benefit.amount",
        "200",
    )
    .unwrap();
}

/// Sum and count of positive values of a household variable, in EUR.
fn paid(ev: &slieksnis_engine::script::Evaluation, name: &str) -> (usize, f64) {
    match ev.get(name) {
        Some((Output::Num { values, .. }, _)) => (
            values.iter().filter(|&&v| v > 0).count(),
            values.iter().sum::<i64>() as f64 / slieksnis_engine::fixed::SCALE as f64,
        ),
        other => panic!("{name}: {other:?}"),
    }
}

#[test]
fn a_generated_ogre_gets_its_benefits_near_its_report_before_take_up() {
    // One month of 2025 for Ogre's generated households (seed 1), everybody who qualifies
    // applying. The report counts a year; a month sees roughly half of the status households
    // (statuses last 3 or 6 months), all of the year's births and the year's events.
    let profile = Profiles::builtin().get("ogres-novads").unwrap();
    let population = generate(&[&profile], 2025, 1);
    let p = policy();
    let resolved = p
        .parameters
        .resolve(Date::parse("2025-06-01").unwrap(), "ogres-novads")
        .unwrap();
    let ev = p
        .rules
        .evaluate(
            &population,
            0..population.household_count(),
            &resolved,
            false,
        )
        .unwrap();
    let (births, birth_eur) = paid(&ev, "birth_benefit");
    let born = match ev.get("birth_benefit_persons") {
        Some((Output::Num { values, .. }, _)) => values.iter().sum::<i64>() / 10_000,
        other => panic!("{other:?}"),
    };
    eprintln!("births {born} in {births} households, {birth_eur} EUR");
    // Report: 339 births, 66 200 EUR (195 EUR each). The generator draws ages 0–14 evenly, so
    // it has about 600 children of each of those ages where Ogre had 339 births in 2025: some
    // 550 births (births have fallen; the profile's ages are [inferred]).
    assert!(
        (300..=700).contains(&born),
        "{born} births in {births} households"
    );
    let per_birth = birth_eur / born as f64;
    assert!(
        (150.0..=250.0).contains(&per_birth),
        "{per_birth} EUR a birth"
    );
    // Report: 49 crisis benefits, 42 768.57 EUR.
    let (crises, crisis_eur) = paid(&ev, "crisis_benefit");
    eprintln!("crises {crises}, {crisis_eur} EUR");
    assert!((25..=75).contains(&crises), "{crises} crises");
    assert_eq!(crisis_eur, crises as f64 * 870.0);
    // Report: 813 households with the health-care benefit in the year (146 EUR each). Some 2 100
    // qualify in June (seed 1), and each was paid the whole cap before health costs were drawn;
    // now a household gets its members' costs up to the cap, and one without costs nothing
    // (seed 1: 1 163 households, 136 EUR each). The take-up calibration still to come brings
    // the count down.
    let (health, health_eur) = paid(&ev, "health_benefit");
    assert!((300..=3000).contains(&health), "{health} households");
    let per_household = health_eur / health as f64;
    eprintln!("health {health} households, {health_eur} EUR");
    for name in ["education_benefit", "meals_benefit"] {
        eprintln!("{name} {:?}", paid(&ev, name));
    }
    assert!((100.0..=200.0).contains(&per_household), "{per_household}");
    // Report: 61 other-expenses benefits (among the 1 169 households assisted in the year);
    // some 130 qualify in June before take-up.
    let (other, other_eur) = paid(&ev, "other_expenses_benefit");
    eprintln!("other expenses {other}, {other_eur} EUR");
    assert!((10..=300).contains(&other), "{other}");
}
