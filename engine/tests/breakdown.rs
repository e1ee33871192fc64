//! Breakdowns (issue 10, point 5): household types by their ages, winners and losers of a reform
//! counted by hand on `populations/small`, the national ranking's order and arithmetic, and a
//! year's months adding up to the year, to the cent, for every benefit and council.

use std::sync::Arc;

use slieksnis_engine::annual::Behaviour;
use slieksnis_engine::breakdown::{
    self, Ages, Bands, HouseholdType as T, by_type, classify, councils, winners,
};
use slieksnis_engine::csv_load::{Source, load};
use slieksnis_engine::parameters::{ParameterSet, Value};
use slieksnis_engine::population::{HouseholdInput, PersonInput, Population};
use slieksnis_engine::run::{Configuration, Horizon, Results, run};
use slieksnis_engine::summary::TOTAL;
use slieksnis_engine::{Period, Policy, policy};

fn small() -> Arc<Population> {
    let known = slieksnis_engine::register::slugs();
    let known: Vec<&str> = known.iter().map(String::as_str).collect();
    let (p, _) = load(
        Source {
            name: "households.csv",
            bytes: include_bytes!("../../populations/small/households.csv"),
        },
        Source {
            name: "persons.csv",
            bytes: include_bytes!("../../populations/small/persons.csv"),
        },
        &known,
    )
    .unwrap();
    Arc::new(p)
}

fn month(text: &str) -> Horizon {
    Horizon::Month(Period::parse(text).unwrap())
}

fn run_with(
    policy: &Policy,
    params: &ParameterSet,
    population: &Arc<Population>,
    horizon: Horizon,
    behaviour: &Behaviour,
) -> Results {
    run(
        &Configuration {
            policy,
            rules: None,
            parameters: params,
            population,
            horizon,
            behaviour,
            chunk_size: 4,
        },
        &|_| {},
    )
    .unwrap()
}

/// The GMI level at `pct` of the median.
fn gmi_at(policy: &Policy, pct: &str) -> ParameterSet {
    let mut params = policy.parameters.clone();
    params
        .set("gmi.pct", Value::Number(pct.parse().unwrap()), "test")
        .unwrap();
    params
}

#[test]
fn small_households_have_the_types_of_their_ages() {
    // populations/small/README.md: 1 pensioner 70; 2, 3 couples with two children; 4, 5, 6, 7
    // an adult of 40–52; 8 pensioner 75; 9 a disabled adult of 50 with two children (one adult:
    // the disability does not make the children's parent a pensioner); 10 a couple with a
    // child; 11 pensioners 72 and 68; 12 a parent with a child; 13 an adult of 28.
    let pop = small();
    let policy = Policy::load(&policy::builtin()).unwrap();
    let ages = Ages::at(&policy.parameters, month("2025-03"), "ogres-novads").unwrap();
    assert_eq!(ages.majority, 18);
    assert_eq!(ages.pension.to_string(), "65");
    use T::*;
    // The population is grouped by council (Ogre first): pair each type with its id.
    let mut by_id: Vec<(u64, T)> = pop
        .households
        .id
        .keys()
        .iter()
        .copied()
        .zip(classify(&pop, ages))
        .collect();
    by_id.sort();
    let types: Vec<T> = by_id.into_iter().map(|(_, t)| t).collect();
    assert_eq!(
        types,
        vec![
            PensionerAlone,
            AdultsWithChildren,
            AdultsWithChildren,
            WorkingAgeAlone,
            WorkingAgeAlone,
            WorkingAgeAlone,
            WorkingAgeAlone,
            PensionerAlone,
            OneAdultWithChildren,
            AdultsWithChildren,
            Pensioners,
            OneAdultWithChildren,
            WorkingAgeAlone,
        ]
    );
}

#[test]
fn the_pension_age_is_the_policys_in_force() {
    // A person of 64 is of pension age in 2021 (pension age 64) and not in 2022 (64.25): ages
    // are completed years. Then the types the small population lacks.
    let person = |id: u64, age: i64, disabled: bool| PersonInput {
        id,
        age,
        disabled,
        income: 0,
        employed: None,
        nva_registered: None,
    };
    let household = |id: u64, persons: Vec<PersonInput>| HouseholdInput {
        id,
        municipality: "ogres-novads".into(),
        housing_costs: 0,
        savings: 0,
        vehicles: None,
        persons,
    };
    let pop = Population::from_households(
        &[
            household(1, vec![person(1, 64, false)]),
            household(2, vec![person(2, 70, false), person(3, 40, false)]),
            household(3, vec![person(4, 30, false), person(5, 25, false)]),
            household(4, vec![person(6, 30, false), person(7, 25, true)]),
            household(5, vec![person(8, 17, false)]),
            household(6, vec![person(9, 40, true)]),
        ],
        &["ogres-novads"],
        "test",
    )
    .unwrap();
    let policy = Policy::load(&policy::builtin()).unwrap();
    let at = |y: i32| {
        classify(
            &pop,
            Ages::at(&policy.parameters, Horizon::Year(y), "ogres-novads").unwrap(),
        )
    };
    use T::*;
    assert_eq!(at(2021)[0], PensionerAlone);
    assert_eq!(
        at(2022),
        vec![
            WorkingAgeAlone,
            Other,
            WorkingAgeAdults,
            Other,
            Other,
            PensionerAlone
        ]
    );
}

#[test]
fn types_add_up_to_the_summary() {
    // Every measure of every council over the seven types is the council's row, to the cent;
    // and the couples with children in Ogre (households 2 and 3) get 514.00 + 214.00 of GMI.
    let pop = small();
    let policy = Policy::load(&policy::builtin()).unwrap();
    let horizon = month("2025-03");
    let r = run_with(
        &policy,
        &policy.parameters,
        &pop,
        horizon,
        &Behaviour::entitlement(1),
    );
    let types = classify(
        &pop,
        Ages::at(&policy.parameters, horizon, "ogres-novads").unwrap(),
    );
    let by = by_type(&pop, &r.outcome, &types).unwrap();
    assert_eq!(by.len(), 7);
    for row in r.summary.all_rows() {
        let mut sum = vec![0i64; row.values.len()];
        for (_, s) in &by {
            let t = if row.municipality == TOTAL {
                &s.total
            } else {
                s.row(&row.municipality).unwrap()
            };
            for (a, v) in sum.iter_mut().zip(&t.values) {
                *a += v;
            }
        }
        assert_eq!(sum, row.values, "{}", row.municipality);
    }
    let families = &by[T::AdultsWithChildren as usize].1;
    let ogre = families.row("ogres-novads").unwrap();
    assert_eq!(ogre.households(), 3);
    assert_eq!(ogre.persons(), 11);
    assert_eq!(ogre.get("gmi_eur"), Some(72_800));
    // No working-age couples in the small population: a row of zeros for each council.
    let none = &by[T::WorkingAgeAdults as usize].1;
    assert_eq!(none.rows.len(), 2);
    assert!(none.total.values.iter().all(|&v| v == 0));
}

#[test]
fn a_higher_gmi_level_makes_winners_and_no_losers() {
    // March 2025, GMI level 22 % → 25 % of the median (754.75): 166 / 116 → round(188.69) = 189
    // and round(0.7 × 189) = 132. Per household (populations/small/README.md's formulas):
    //   2: GMI 585 − 0 = 585 (+71); housing stays capped at the costs (320)          +71.00
    //   3: GMI 585 − 300 = 285 (+71); housing capped (280)                            +71.00
    //   4: housing 1.3 × 189 + 180 − 377 = 48.70 (18.80 before)                       +29.90
    //   5: housing 1.3 × 189 + 190 − 377.01 = 58.69 (28.79)                           +29.90
    //   9: GMI 189 + 2 × 132 − 320 = 133 (+55); housing capped (230)                  +55.00
    //  12: GMI 0; housing 1.3 × 321 + 250 − 600 = 67.30 (16.60)                        +50.70
    //  13: GMI 189 − 0 (+23); housing capped (120)                                    +23.00
    // and 1, 6, 7, 8, 10, 11 unchanged (capped, or above the formula's reach).
    let pop = small();
    let policy = Policy::load(&policy::builtin()).unwrap();
    let horizon = month("2025-03");
    let everyone = Behaviour::entitlement(1);
    let base = run_with(&policy, &gmi_at(&policy, "0.22"), &pop, horizon, &everyone);
    let reform = run_with(&policy, &gmi_at(&policy, "0.25"), &pop, horizon, &everyone);
    let gmi = policy.schema.benefit_index("gmi_benefit").unwrap();
    let h13 = pop.households.id.position("13").unwrap();
    assert_eq!(reform.outcome.amounts[gmi][h13], 189 * 10_000);
    assert_eq!(base.outcome.amounts[gmi][h13], 166 * 10_000);
    let types = classify(&pop, Ages::at(&policy.parameters, horizon, "riga").unwrap());
    let w = winners(
        &pop,
        &base.outcome,
        &reform.outcome,
        &types,
        Bands::of(horizon),
    )
    .unwrap();
    let total = w.row(TOTAL, None).unwrap();
    assert_eq!(total.households, 13);
    assert_eq!(total.losing(), 0);
    assert_eq!(total.unchanged, 6);
    // Bands of a month: up to 10, 10–50, 50–200, over 200 EUR.
    assert_eq!(total.gains, [0, 3, 4, 0]);
    assert_eq!(
        total.gained_cents,
        7100 + 7100 + 2990 + 2990 + 5500 + 5070 + 2300
    );
    assert_eq!(total.net_cents(), 33_050);
    let tukums = w.row("tukuma-novads", None).unwrap();
    assert_eq!((tukums.gaining(), tukums.unchanged), (2, 2));
    assert_eq!(tukums.gained_cents, 5500 + 2300);
    // By type: the four working-age adults alone of Ogre and the one of Tukums.
    let alone = w.row(TOTAL, Some(T::WorkingAgeAlone)).unwrap();
    assert_eq!((alone.households, alone.unchanged), (5, 2));
    assert_eq!(alone.gains, [0, 3, 0, 0]);
    let pensioners = w.row(TOTAL, Some(T::PensionerAlone)).unwrap();
    assert_eq!((pensioners.households, pensioners.unchanged), (2, 2));
    // The same with the sides swapped: every winner a loser by as much.
    let back = winners(
        &pop,
        &reform.outcome,
        &base.outcome,
        &types,
        Bands::of(horizon),
    )
    .unwrap();
    let total = back.row(TOTAL, None).unwrap();
    assert_eq!((total.loses, total.lost_cents), ([0, 3, 4, 0], 33_050));
    // A population that is not both sides' is refused, not matched wrongly.
    let mut short = base.outcome.clone();
    short.status_months.pop();
    assert!(
        winners(&pop, &short, &reform.outcome, &types, Bands::of(horizon))
            .unwrap_err()
            .to_string()
            .contains("same population")
    );
}

#[test]
fn councils_rank_by_the_change_per_resident() {
    // The same reform. The state pays 30 % of the GMI and housing benefits (each amount here is
    // a multiple of 10 cents, so 30 % is exact), the council 70 % of the change:
    //   Ogre: 71 + 71 + 29.90 + 29.90 + 50.70 = 252.50 → 176.75 EUR over its 18 residents
    //     = 9.819… → 9.82 EUR a resident;
    //   Tukums: 55 + 23 = 78 → 54.60 EUR over 7 residents = 7.80 EUR.
    let pop = small();
    let policy = Policy::load(&policy::builtin()).unwrap();
    let horizon = month("2025-03");
    let everyone = Behaviour::entitlement(1);
    let base = run_with(&policy, &gmi_at(&policy, "0.22"), &pop, horizon, &everyone);
    let reform = run_with(&policy, &gmi_at(&policy, "0.25"), &pop, horizon, &everyone);
    let (lines, total) = councils(&base.summary, &reform.summary).unwrap();
    let ogre = &lines[0];
    assert_eq!(
        (ogre.rank, ogre.slug.as_str(), ogre.name.as_str()),
        (1, "ogres-novads", "Ogres novads")
    );
    assert_eq!(ogre.atvk, "LV0040000");
    assert_eq!(ogre.residents, 18);
    assert_eq!(ogre.change_cents, 17_675);
    assert_eq!(ogre.per_resident_cents, Some(982));
    let tukums = &lines[1];
    assert_eq!((tukums.rank, tukums.residents), (2, 7));
    assert_eq!(
        (tukums.change_cents, tukums.per_resident_cents),
        (5_460, Some(780))
    );
    // The total: 231.35 EUR over 25 residents = 9.254 → 9.25.
    assert_eq!(total.change_cents, 23_135);
    assert_eq!(total.per_resident_cents, Some(925));
    for l in lines.iter().chain([&total]) {
        // The per cent in tenths is the change ÷ baseline within half a tenth.
        let p = i128::from(l.percent_tenths.unwrap());
        let (c, b) = (i128::from(l.change_cents), i128::from(l.baseline_cents));
        assert!((p * b - c * 1000).abs() * 2 <= b, "{l:?}");
        assert_eq!(l.reform_cents - l.baseline_cents, l.change_cents);
    }
    // Swapped, Tukums's fall per resident is the smaller: it ranks first.
    let (lines, _) = councils(&reform.summary, &base.summary).unwrap();
    assert_eq!(lines[0].slug, "tukuma-novads");
    assert_eq!(lines[1].per_resident_cents, Some(-982));
    // A zero baseline has no per cent; a council without residents no per-resident figure, and
    // it ranks last.
    let mut empty = base.summary.clone();
    let net = empty
        .measures()
        .names
        .iter()
        .position(|n| n == "municipal_net_eur")
        .unwrap();
    empty.rows[0].values[net] = 0;
    empty.rows[0].values[1] = 0;
    let (lines, _) = councils(&empty, &reform.summary).unwrap();
    assert_eq!(lines[1].slug, "ogres-novads");
    assert_eq!(
        (lines[1].percent_tenths, lines[1].per_resident_cents),
        (None, None)
    );
    assert_eq!(breakdown::div_round(-17_675, 18), -982);
    // A change a thousand times a baseline of one cent does not fit a per cent in tenths:
    // an error naming it and the council, not a wrapped number.
    let mut tiny = base.summary.clone();
    let mut huge = reform.summary.clone();
    tiny.rows[0].values[net] = 1;
    huge.rows[0].values[net] = i64::MAX / 2;
    let e = councils(&tiny, &huge).unwrap_err();
    assert_eq!(
        (e.measure.as_str(), e.municipality.as_str()),
        ("change_pct", "ogres-novads")
    );
}

#[test]
fn a_years_months_add_up_to_the_year() {
    // Generated councils in 2026 with their profiles' take-up, as `slieksnis run
    // --municipality …` runs them: for every council, the total and every benefit, the twelve
    // months' EUR (gross, state, council) are the year's, to the cent.
    use slieksnis_engine::generate::generate;
    use slieksnis_engine::profile::Profiles;
    let profiles = Profiles::builtin();
    let chosen: Vec<_> = ["ogres-novads", "valkas-novads", "livanu-novads"]
        .iter()
        .map(|s| profiles.get(s).unwrap())
        .collect();
    let refs: Vec<_> = chosen.iter().collect();
    let pop = Arc::new(generate(&refs, 2026, 1));
    let behaviour = Behaviour::from_profiles(&refs, 2026, 1);
    let policy = Policy::load(&policy::builtin()).unwrap();
    let r = run_with(
        &policy,
        &policy.parameters,
        &pop,
        Horizon::Year(2026),
        &behaviour,
    );
    assert_eq!(r.by_month.len(), 12);
    let mut names = vec![
        "gross_eur".to_string(),
        "state_share_eur".into(),
        "municipal_net_eur".into(),
    ];
    for b in &policy.schema.benefits {
        names.push(format!("{}_eur", b.column));
        names.push(format!("{}_state_eur", b.column));
    }
    let mut checked = 0;
    for row in r.summary.all_rows() {
        let month_row = |m: &slieksnis_engine::Summary| {
            if row.municipality == TOTAL {
                m.total.clone()
            } else {
                m.row(&row.municipality).unwrap().clone()
            }
        };
        for name in &names {
            let months: i64 = r
                .by_month
                .iter()
                .map(|m| month_row(m).get(name).unwrap())
                .sum();
            assert_eq!(
                months,
                row.get(name).unwrap(),
                "{} {name}",
                row.municipality
            );
            checked += 1;
        }
        for b in 0..policy.schema.benefits.len() {
            let months: i64 = r
                .by_month
                .iter()
                .map(|m| month_row(m).benefit(b).municipal_cents())
                .sum();
            assert_eq!(months, row.benefit(b).municipal_cents());
        }
        assert!(row.gross_cents() > 0, "{}", row.municipality);
    }
    assert_eq!(checked, 4 * names.len());
}
